"""Numbered-text menus: the last rung of the choice ladders, and how answers map back to choices.

When a channel can show neither buttons nor a list, the degrade ladder writes the choices as a
numbered text ("1. Small / 2. Medium …"). The hub remembers the options it numbered, per
conversation, and when the customer answers with a number or an option's title it delivers a
:class:`~polychat.events.ChoiceSelected` carrying the ORIGINAL ``choice_id``, so handlers written
for buttons keep working. Everything here is pure.

Matching rules (:func:`match_answer`), on the answer trimmed, case-folded and with inner
whitespace collapsed:

1. a number, optionally decorated: ``2``, ``2.``, ``2)``, ``#2``, ``(2)``, ``no. 2``;
2. a number followed by the option's title, as the menu shows it: ``2. Medium``;
3. an option's title (or its id) alone: ``medium``; trailing ``.``/``!`` are ignored.

An answer that matches no option, or a title shared by several options, is not a choice: it is
delivered as the ``MessageReceived`` it is.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from typing import Any, Literal

from ._model import PolychatModel

__all__ = ["MENU_TTL", "MenuOption", "NumberedMenu", "match_answer", "numbered_text"]

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


def numbered_text(prompt: str, options: Sequence[MenuOption], start: int = 1) -> str:
    """The text of a numbered menu: the prompt, a blank line, then ``n. title — description``."""
    lines = [prompt, ""] if prompt else []
    for n, option in enumerate(options, start=start):
        lines.append(f"{n}. {option.title}" + (f" — {option.description}" if option.description else ""))
    return "\n".join(lines)


_NUMBER = re.compile(r"^(?:no\.?|n°|#|\()?\s*(\d{1,3})\s*[.):]?$")
_NUMBER_AND_TITLE = re.compile(r"^(\d{1,3})\s*[.):\-]\s*(.+)$")
_SPACES = re.compile(r"\s+")


def _norm(text: str) -> str:
    return _SPACES.sub(" ", text.strip().casefold()).rstrip(".!").strip()


def match_answer(options: Iterable[Mapping[str, Any]], answer: str) -> Mapping[str, Any] | None:
    """The remembered option ``answer`` picks, or ``None``.

    ``options`` are the stored menu lines, mappings with ``n`` (the number shown), ``id``,
    ``title`` and ``source``.
    """
    lines = list(options)
    text = _norm(answer)
    if not text or len(text) > 200:
        return None
    by_number = {int(o["n"]): o for o in lines}
    number = _NUMBER.match(text)
    if number:
        return by_number.get(int(number.group(1)))
    both = _NUMBER_AND_TITLE.match(text)
    if both:
        option = by_number.get(int(both.group(1)))
        if option is not None and _norm(str(option["title"])) == _norm(both.group(2)):
            return option
    found = [o for o in lines if _norm(str(o["title"])) == text]
    if not found:
        found = [o for o in lines if _norm(str(o["id"])) == text]
    return found[0] if len(found) == 1 else None
