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


# -- stores ------------------------------------------------------------------------------------
# `redis_store` talks to a real redis-server at POLYCHAT_TEST_REDIS_URL (.ci/run starts one on
# port 6399). Without that variable the Redis tests skip, unless POLYCHAT_REQUIRE_REDIS=1 (CI),
# where they fail instead: a CI run must never pass by skipping them.

REDIS_URL_VARIABLE = "POLYCHAT_TEST_REDIS_URL"


def _redis_unavailable(reason: str) -> None:
    """Skip the test, or fail it when POLYCHAT_REQUIRE_REDIS=1."""
    import os

    if os.environ.get("POLYCHAT_REQUIRE_REDIS") == "1":
        pytest.fail(f"POLYCHAT_REQUIRE_REDIS=1 but {reason}", pytrace=False)
    pytest.skip(reason)


def redis_test_url() -> str:
    """The test Redis URL; skips the test (or fails it when Redis is required) without one."""
    import os

    url = os.environ.get(REDIS_URL_VARIABLE, "")
    if not url:
        _redis_unavailable(f"{REDIS_URL_VARIABLE} is unset: no redis-server to test against (start one "
                           f"and set it, e.g. {REDIS_URL_VARIABLE}=redis://127.0.0.1:6399/0)")
    try:
        import redis
    except ImportError:
        _redis_unavailable('the redis package is not installed (pip install -e ".[dev]")')
    try:
        with redis.Redis.from_url(url, socket_connect_timeout=2) as probe:
            probe.ping()
    except redis.RedisError as error:
        _redis_unavailable(f"the Redis at {REDIS_URL_VARIABLE} does not answer: {error}")
    return url


@pytest.fixture
def memory_store():  # type: ignore[no-untyped-def]
    """A fresh MemoryStore."""
    from polychat.stores import MemoryStore

    return MemoryStore()


@pytest.fixture
def redis_store():  # type: ignore[no-untyped-def]
    """A RedisStore on the test server, under a random prefix of its own; its keys are deleted after."""
    import uuid

    import redis

    from polychat.stores.redis import RedisStore

    url = redis_test_url()
    store = RedisStore(url=url, prefix=f"polychat-test:{uuid.uuid4().hex}:")
    yield store
    store.close()
    with redis.Redis.from_url(url) as client:
        keys = list(client.scan_iter(match=f"{store.prefix}*", count=1000))
        if keys:
            client.delete(*keys)


@pytest.fixture(params=["memory", "redis"])
def any_store(request):  # type: ignore[no-untyped-def]
    """Each store in turn: a MemoryStore, then a RedisStore (see `redis_store`)."""
    return request.getfixturevalue(f"{request.param}_store")
