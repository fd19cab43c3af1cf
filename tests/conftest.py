"""Shared test setup: the project's ../shared/tools (wa_spec) on sys.path, common fake ids."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

SHARED = Path(__file__).resolve().parents[1].parent / "shared"
if (SHARED / "tools").is_dir():
    sys.path.insert(0, str(SHARED / "tools"))

TESTS = Path(__file__).resolve().parent
if str(TESTS) not in sys.path:
    sys.path.insert(0, str(TESTS))  # shared helpers (tests/_fuzz.py) under --import-mode=importlib
DATA = TESTS / "data"

# Obviously fake credentials and ids used across the tests.
PHONE_NUMBER_ID = "106540352242922"
ACCESS_TOKEN = "EAAG-FAKE-ACCESS-TOKEN-0000"
APP_SECRET = "fake-app-secret-0000"
VERIFY_TOKEN = "fake-verify-token"
WA_ID = "16505551234"


@pytest.fixture
def wa():  # type: ignore[no-untyped-def]
    from polychat import WhatsApp

    return WhatsApp(
        phone_number_id=PHONE_NUMBER_ID,
        access_token=ACCESS_TOKEN,
        app_secret=APP_SECRET,
        verify_token=VERIFY_TOKEN,
    )


@pytest.fixture
def wa_spec():  # type: ignore[no-untyped-def]
    """The shared validator of WhatsApp send bodies against Meta's OpenAPI spec.

    It lives in ``../shared/tools`` (CI has it beside the checkout); elsewhere the tests that need it
    are skipped, with the reason, instead of failing to import.
    """
    return pytest.importorskip("wa_spec", reason="../shared/tools/wa_spec.py is not beside the checkout")
