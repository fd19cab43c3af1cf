"""Numbered-text menus: the last rung of the choice ladders, and how answers map back to choices.

When a channel can show neither buttons nor a list, the degrade ladder writes the choices as a
numbered text ("1. Small / 2. Medium …"). The hub remembers the options it numbered, per
conversation, and when the customer answers with a number or an option's title it delivers a
:class:`~polychat.events.ChoiceSelected` carrying the ORIGINAL ``choice_id``, so handlers written
for buttons keep working. Everything here is pure.

Options are labelled ``1.``, ``2.``… — or ``a.``, ``b.``… when a title is itself a number (a
menu of "2", "4", "6" guests), so a typed "2" can only mean one thing.

Matching rules (:func:`match_answer`), on the answer trimmed, case-folded and with inner
whitespace collapsed:

1. a label, optionally decorated: ``2``, ``2.``, ``2)``, ``#2``, ``(2)``, ``no. 2``, ``b``;
2. a label followed by the option's title, as the menu shows it: ``2. Medium``;
3. an option's title (or its id) alone: ``medium``; trailing ``.``/``!`` are ignored.

An answer that matches no option, a title shared by several options, or a label that is also
another option's title, is not a choice: it is delivered as the ``MessageReceived`` it is.
"""

from __future__ import annotations

import re
import string
from collections.abc import Iterable, Mapping, Sequence
from typing import Any, Literal

from ._model import PolychatModel

__all__ = ["MENU_TTL", "MenuOption", "NumberedMenu", "match_answer", "menu_labels", "numbered_text"]

MENU_TTL = 24 * 3600.0
"""Seconds a numbered menu keeps answering (a customer coming back days later starts afresh)."""

ChoiceSource = Literal["button", "quick_reply", "list", "postback", "template_button", "time_slot"]


class MenuOption(PolychatModel):
    """One numbered line: the choice id it stands for and what the customer reads."""

    id: str
    title: str
    description: str | None = None


class NumberedMenu(PolychatModel):
    """The choices a numbered text offers, and the kind of control they replace."""

    prompt: str
    options: list[MenuOption]
    source: ChoiceSource


def menu_labels(options: Sequence[MenuOption], *, numbers_from: int = 1,
                letters_from: int = 0) -> list[str]:
    """The labels of ``options``: numbers from ``numbers_from``, or letters from the
    ``letters_from``-th when an option's title is itself a number (and the letters suffice)."""
    numeric = any(_norm(o.title).isdigit() for o in options)
    if numeric and letters_from + len(options) <= len(string.ascii_lowercase):
        return list(string.ascii_lowercase[letters_from:letters_from + len(options)])
    return [str(n) for n in range(numbers_from, numbers_from + len(options))]


def numbered_text(prompt: str, options: Sequence[MenuOption],
                  labels: Sequence[str] | None = None) -> str:
    """The text of a menu: the prompt, a blank line, then ``label. title — description``."""
    labels = list(labels) if labels is not None else menu_labels(options)
    lines = [prompt, ""] if prompt else []
    for label, option in zip(labels, options, strict=True):
        lines.append(f"{label}. {option.title}"
                     + (f" — {option.description}" if option.description else ""))
    return "\n".join(lines)


_LABEL = re.compile(r"^(?:no\.?|n°|#|\()?\s*(\d{1,3}|[a-z])\s*[.):]?$")
_LABEL_AND_TITLE = re.compile(r"^(\d{1,3}|[a-z])\s*[.):\-]\s*(.+)$")
_SPACES = re.compile(r"\s+")


def _norm(text: str) -> str:
    return _SPACES.sub(" ", text.strip().casefold()).rstrip(".!").strip()


def match_answer(options: Iterable[Mapping[str, Any]], answer: str) -> Mapping[str, Any] | None:
    """The remembered option ``answer`` picks, or ``None``.

    ``options`` are the stored menu lines, mappings with ``n`` (the label shown), ``id``,
    ``title`` and ``source``.
    """
    lines = list(options)
    text = _norm(answer)
    if not text or len(text) > 200:
        return None
    by_label = {str(o["n"]).casefold(): o for o in lines}
    by_title = [o for o in lines if _norm(str(o["title"])) == text]
    label = _LABEL.match(text)
    if label and label.group(1) in by_label:
        option = by_label[label.group(1)]
        if any(o is not option for o in by_title):
            return None  # "2" is option 2's label and another option's title: ambiguous
        return option
    both = _LABEL_AND_TITLE.match(text)
    if both and both.group(1) in by_label:
        option = by_label[both.group(1)]
        if _norm(str(option["title"])) == _norm(both.group(2)):
            return option
    found = by_title or [o for o in lines if _norm(str(o["id"])) == text]
    return found[0] if len(found) == 1 else None
