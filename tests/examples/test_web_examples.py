"""The web framework examples (examples/web/) run: each echo bot answers on both channels."""

from __future__ import annotations

import importlib.util
import sys
from collections.abc import Callable
from pathlib import Path
from types import ModuleType

import pytest

WEB = Path(__file__).resolve().parents[2] / "examples" / "web"


@pytest.fixture
def load(monkeypatch: pytest.MonkeyPatch) -> Callable[[str], ModuleType]:
    """Import an example by file name, as a fresh module registered under a private name."""

    def _load(name: str) -> ModuleType:
        module_name = f"polychat_example_web_{name}"
        spec = importlib.util.spec_from_file_location(module_name, WEB / f"{name}.py")
        assert spec is not None and spec.loader is not None
        module = importlib.util.module_from_spec(spec)
        monkeypatch.setitem(sys.modules, module_name, module)
        spec.loader.exec_module(module)
        return module

    return _load


EXPECTED = ["whatsapp: answered 200, bot replied 'You said: hello'",
            "messenger: answered 200, bot replied 'You said: hello'"]


@pytest.mark.parametrize("name", ["fastapi_app", "starlette_app", "flask_app"])
def test_example_runs(name: str, load: Callable[[str], ModuleType],
                      capsys: pytest.CaptureFixture[str]) -> None:
    load(name).main()
    assert capsys.readouterr().out.splitlines() == EXPECTED


def test_django_example_runs(load: Callable[[str], ModuleType],
                             capsys: pytest.CaptureFixture[str]) -> None:
    from django.test import override_settings

    module = load("django_app")
    # Django is configured once per process: route to this module whoever configured it first
    with override_settings(ROOT_URLCONF=module, ALLOWED_HOSTS=["testserver"]):
        module.main()
    assert capsys.readouterr().out.splitlines() == EXPECTED
