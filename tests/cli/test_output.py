"""Rich or plain output (polychat._cli_output)."""

from __future__ import annotations

import io

import pytest

from polychat._cli_output import Output, RichOutput, make_output, mask, wants_plain
from polychat._verify import Check


class _Tty(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_mask_never_shows_more_than_four_characters() -> None:
    assert mask("EAAGm0PX4ZCpsBAKZCZA1234567890") == "EAAG… (30 characters)"
    assert mask("short-secret") == "… (12 characters)"
    assert mask("") == "(not set)" and mask(None) == "(not set)"


def test_plain_for_pipes_and_files_rich_for_terminals(monkeypatch: pytest.MonkeyPatch) -> None:
    pytest.importorskip("rich")
    monkeypatch.delenv("POLYCHAT_PLAIN", raising=False)
    assert wants_plain(None, io.StringIO()) is True
    assert wants_plain(None, _Tty()) is False
    assert isinstance(make_output(_Tty()), RichOutput)
    assert type(make_output(io.StringIO())) is Output


def test_plain_is_forced_by_flag_or_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("POLYCHAT_PLAIN", "1")
    assert wants_plain(None, _Tty()) is True
    monkeypatch.setenv("POLYCHAT_PLAIN", "0")
    assert wants_plain(True, _Tty()) is True


def test_plain_when_rich_is_not_installed(monkeypatch: pytest.MonkeyPatch) -> None:
    import importlib.util

    real = importlib.util.find_spec
    monkeypatch.setattr(importlib.util, "find_spec",
                        lambda name, *a: None if name == "rich" else real(name, *a))
    monkeypatch.delenv("POLYCHAT_PLAIN", raising=False)
    assert wants_plain(None, _Tty()) is True
    assert wants_plain(False, _Tty()) is True  # cannot force what is not there


CHECKS = [Check("ok", "access token", "valid"),
          Check("fail", "token scopes", "missing pages_messaging", "grant pages_messaging"),
          Check("warn", "quality rating", "YELLOW", "send fewer messages")]


def test_plain_checklist_marks_and_fix_hints() -> None:
    out = io.StringIO()
    Output(out).checklist("polychat verify — messenger", CHECKS)
    lines = out.getvalue().splitlines()
    assert lines[0] == "polychat verify — messenger"
    assert lines[1].startswith("  ✓ access token ") and "valid" in lines[1]
    assert lines[2].startswith("  ✗ token scopes ") and lines[3].strip() == "fix: grant pages_messaging"
    assert lines[4].startswith("  ! quality rating") and "fix: send fewer messages" in lines[5]
    assert "\x1b[" not in out.getvalue()


def test_rich_draws_panels_tables_and_colours() -> None:
    pytest.importorskip("rich")
    out = io.StringIO()
    rich = make_output(out, plain=False)
    assert isinstance(rich, RichOutput)
    rich.business("Track it?\n[1] Yes [2] No", title="whatsapp · business")
    rich.checklist("polychat verify — messenger", CHECKS)
    rich.progress(1, 2, "✓ whatsapp:1:2 wamid.X")
    text = out.getvalue()
    assert "\x1b[" in text  # colours
    assert "╭" in text and "whatsapp · business" in text and "[1] Yes [2] No" in text
    assert "┃" in text or "│" in text
    assert "grant pages_messaging" in text and "[1/2]" in text
