"""What the ``polychat`` command prints: ``rich`` when it is installed and useful, plain text else.

:func:`make_output` picks the writer. Rich (``pip install "polychat[cli]"``) draws the business's
messages in panels, the ``verify`` checklist as a table and colours; it is used when the output
is a terminal. Plain text is used when ``rich`` is missing, when the output is a pipe or a file
(logs and tests stay greppable), with ``--plain``, or when ``POLYCHAT_PLAIN`` is set to anything
but ``""``/``0``. Rich itself honours ``NO_COLOR`` (panels without colours).

Nothing here ever receives a secret: callers pass :func:`mask` output for credentials.
"""

from __future__ import annotations

import importlib.util
import os
import sys
from collections.abc import Sequence
from typing import Any, Protocol, TextIO

__all__ = ["STATUS_MARKS", "CheckLine", "Output", "PlainOutput", "RichOutput", "make_output",
           "mask", "wants_plain"]

STATUS_MARKS: dict[str, str] = {"ok": "✓", "warn": "!", "fail": "✗"}
"""How a checklist item's status is drawn."""
_STATUS_STYLES = {"ok": "green", "warn": "yellow", "fail": "bold red"}


class CheckLine(Protocol):
    """One line of a checklist: a status (``ok``/``warn``/``fail``), what was checked, why, and
    how to fix it (e.g. :class:`polychat._verify.Check`)."""

    @property
    def status(self) -> str:
        """``ok``, ``warn`` or ``fail``."""

    @property
    def name(self) -> str:
        """What was checked."""

    @property
    def reason(self) -> str:
        """The finding."""

    @property
    def fix(self) -> str | None:
        """How to fix it."""


def mask(secret: str | None) -> str:
    """A credential as it may be shown: at most its first 4 characters and its length.

    Example:
        >>> mask("EAAGm0PX4ZCpsBAKZCZA1234567890")
        'EAAG… (30 characters)'
    """
    if not secret:
        return "(not set)"
    if len(secret) < 16:
        return f"… ({len(secret)} characters)"
    return f"{secret[:4]}… ({len(secret)} characters)"


def wants_plain(plain: bool | None, out: Any) -> bool:
    """Whether to print plain text: forced by ``plain``, else the rule in the module docstring."""
    if plain is not None:
        return plain or importlib.util.find_spec("rich") is None
    if os.environ.get("POLYCHAT_PLAIN", "") not in ("", "0"):
        return True
    if importlib.util.find_spec("rich") is None:
        return True
    isatty = getattr(out, "isatty", None)
    return not (callable(isatty) and isatty())


def _indent(text: str, prefix: str) -> str:
    lines = text.splitlines() or [""]
    return "\n".join([prefix + lines[0]] + [" " * len(prefix) + line for line in lines[1:]])


class Output:
    """The plain-text writer; :class:`RichOutput` draws the same things with ``rich``.

    Args:
        out: where to write (default: standard output).
    """

    rich = False

    def __init__(self, out: TextIO | None = None) -> None:
        self.out = out if out is not None else sys.stdout

    def line(self, text: str = "", *, style: str | None = None) -> None:
        """Print one line (``style`` is a rich style name; plain text ignores it)."""
        self.out.write(text + "\n")
        self.out.flush()

    def note(self, text: str) -> None:
        """Print a side remark (statuses, degrade notes), indented."""
        self.line(f"   {text}")

    def error(self, text: str) -> None:
        """Print a problem that does not stop the command."""
        self.line(f"   ! {text}")

    def customer(self, text: str, *, label: str = "👤 ▸ ") -> None:
        """Print what the customer sent."""
        self.line(_indent(text, label))

    def business(self, view: str, *, label: str = "🏪 ◂ ", title: str | None = None) -> None:
        """Print one message the business sent, as the customer's app shows it."""
        self.line(_indent(view, label))

    def settings(self, title: str, rows: Sequence[tuple[str, str]]) -> None:
        """Print a titled block of ``name  value`` rows."""
        self.line(title)
        width = max((len(name) for name, _ in rows), default=0)
        for name, value in rows:
            self.line(f"  {name.ljust(width)}  {value}")

    def checklist(self, title: str, checks: Sequence[CheckLine]) -> None:
        """Print a checklist: ``✓``/``!``/``✗``, the item, the reason, and a fix hint."""
        self.line(title)
        width = max((len(c.name) for c in checks), default=0)
        for check in checks:
            self.line(f"  {STATUS_MARKS[check.status]} {check.name.ljust(width)}  {check.reason}")
            if check.fix and check.status != "ok":
                self.line(f"    {' ' * width}  fix: {check.fix}")

    def progress(self, done: int, total: int, text: str) -> None:
        """Print one step of a long operation (``[done/total] text``)."""
        self.line(f"[{done}/{total}] {text}")


PlainOutput = Output
"""The plain-text writer (an alias that reads better at call sites)."""


class RichOutput(Output):
    """The ``rich`` writer: panels, colours and tables.

    Args:
        out: where to write (default: standard output).
        force_terminal: draw colours even when ``out`` is not a terminal (tests).
    """

    rich = True

    def __init__(self, out: TextIO | None = None, *, force_terminal: bool | None = None) -> None:
        super().__init__(out)
        from rich.console import Console

        self.console = Console(file=self.out, highlight=False, emoji=False, soft_wrap=False,
                               force_terminal=force_terminal)

    def _text(self, text: str, style: str | None = None) -> Any:
        from rich.text import Text

        return Text(text, style=style or "")

    def line(self, text: str = "", *, style: str | None = None) -> None:
        """Print one line in ``style``."""
        self.console.print(self._text(text, style))

    def note(self, text: str) -> None:
        """Print a side remark, dimmed."""
        self.line(f"   {text}", style="dim")

    def error(self, text: str) -> None:
        """Print a problem, in red."""
        self.line(f"   ! {text}", style="red")

    def customer(self, text: str, *, label: str = "👤 ▸ ") -> None:
        """Print what the customer sent, in cyan."""
        self.line(_indent(text, label), style="cyan")

    def business(self, view: str, *, label: str = "🏪 ◂ ", title: str | None = None) -> None:
        """Print one message the business sent in a panel."""
        from rich.panel import Panel

        self.console.print(Panel(self._text(view), title=title, title_align="left",
                                 border_style="green", expand=False))

    def settings(self, title: str, rows: Sequence[tuple[str, str]]) -> None:
        """Print a titled two-column table."""
        from rich.table import Table

        table = Table(title=title, title_justify="left", show_header=False, box=None,
                      padding=(0, 2))
        table.add_column(style="bold")
        table.add_column()
        for name, value in rows:
            table.add_row(self._text(name), self._text(value))
        self.console.print(table)

    def checklist(self, title: str, checks: Sequence[CheckLine]) -> None:
        """Print the checklist as a table."""
        from rich.table import Table

        table = Table(title=title, title_justify="left")
        table.add_column("", no_wrap=True)
        table.add_column("check", style="bold")
        table.add_column("result")
        table.add_column("fix", style="dim")
        for check in checks:
            table.add_row(self._text(STATUS_MARKS[check.status], _STATUS_STYLES[check.status]),
                          self._text(check.name), self._text(check.reason),
                          self._text(check.fix if check.fix and check.status != "ok" else ""))
        self.console.print(table)

    def progress(self, done: int, total: int, text: str) -> None:
        """Print one step of a long operation, the counter in bold."""
        from rich.text import Text

        line = Text(f"[{done}/{total}] ", style="bold")
        line.append(text)
        self.console.print(line)


def make_output(out: TextIO | None = None, *, plain: bool | None = None) -> Output:
    """The writer for ``out``: :class:`RichOutput` or plain :class:`Output` (see the module
    docstring for the rule; ``plain=True``/``False`` forces one)."""
    stream = out if out is not None else sys.stdout
    if wants_plain(plain, stream):
        return Output(stream)
    return RichOutput(stream, force_terminal=True if plain is False else None)
