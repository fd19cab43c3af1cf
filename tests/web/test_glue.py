"""Each framework module explains itself when its framework is not installed."""

from __future__ import annotations

import importlib
import sys

import pytest

import polychat
from polychat.web._glue import FrameworkMissing

MODULES = [("fastapi", "fastapi"), ("starlette", "starlette"), ("flask", "flask"),
           ("django", "django")]


@pytest.mark.parametrize(("extra", "framework"), MODULES)
def test_missing_framework(monkeypatch: pytest.MonkeyPatch, extra: str, framework: str) -> None:
    for name in list(sys.modules):
        if name == framework or name.startswith(f"{framework}."):
            monkeypatch.delitem(sys.modules, name)
    monkeypatch.setitem(sys.modules, framework, None)  # makes "import <framework>" fail
    if extra == "fastapi":
        monkeypatch.delitem(sys.modules, "polychat.web.starlette", raising=False)
    monkeypatch.delitem(sys.modules, f"polychat.web.{extra}", raising=False)
    with pytest.raises(FrameworkMissing) as caught:
        importlib.import_module(f"polychat.web.{extra}")
    assert isinstance(caught.value, polychat.ConfigurationError)
    assert isinstance(caught.value, ImportError)
    assert f"pip install 'polychat[{extra}]'" in str(caught.value)
