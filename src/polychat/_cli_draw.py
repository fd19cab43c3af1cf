"""Numbering the choices of a simulated phone screen, so a terminal user can pick one (pure).

The simulator draws each message the way the customer's app shows it (a text view: reply buttons
``[ Yes ]``, quick replies ``( Yes )``, list rows and time slots ``• Yes``). ``polychat simulate``
numbers every tappable choice of one turn in order, in place — ``[1] Yes``, ``(2) Later``,
``[3] Fri 16 Jan 10:00`` — and the customer types ``#2`` to tap the second one. A choice that the
view does not show in one of those shapes is listed under the message as ``[n] title``.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

__all__ = ["Numbered", "number_choices"]

Choice = tuple[str, str, str]
"""A tappable choice as the simulator records it: (id, title, kind)."""


@dataclass(frozen=True)
class Numbered:
    """A message view with its choices numbered.

    Attributes:
        view: the view, each choice marked with its number.
        choices: the choices in number order (choice ``n`` is ``choices[n - first]``).
        first: the number of the first choice.
    """

    view: str
    choices: tuple[Choice, ...]
    first: int


def _mark(view: str, title: str, number: int) -> str | None:
    """``view`` with the first unnumbered occurrence of ``title`` numbered, or None."""
    spots: list[tuple[int, int, str]] = []
    for opening, closing, label in (("[ ", " ]", f"[{number}] "), ("( ", " )", f"({number}) ")):
        at = view.find(f"{opening}{title}{closing}")
        if at >= 0:
            spots.append((at, len(opening) + len(title) + len(closing), f"{label}{title}"))
    row = re.search(rf"^(?P<indent>[ \t┃]*)• {re.escape(title)}(?= — |$)", view, re.MULTILINE)
    if row is not None:
        start = row.start() + len(row["indent"])
        spots.append((start, 2 + len(title), f"[{number}] {title}"))
    if not spots:
        return None
    at, length, replacement = min(spots)
    return view[:at] + replacement + view[at + length:]


def number_choices(view: str, choices: Sequence[Choice], first: int = 1) -> Numbered:
    """Number ``choices`` in ``view`` from ``first`` on.

    Example:
        >>> number_choices("Track it?\\n[ Yes ] [ No ]", [("y", "Yes", "button"),
        ...                ("n", "No", "button")]).view
        'Track it?\\n[1] Yes [2] No'
    """
    missing: list[str] = []
    for offset, (_id, title, _kind) in enumerate(choices):
        number = first + offset
        marked = _mark(view, title, number) if title else None
        if marked is None:
            missing.append(f"[{number}] {title or _id}")
        else:
            view = marked
    if missing:
        view = view + "\n" + "  ".join(missing)
    return Numbered(view=view, choices=tuple(choices), first=first)
