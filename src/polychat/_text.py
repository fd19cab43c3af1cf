"""Split long text into platform-sized pieces without breaking what a reader sees as one unit.

Theory of operation
-------------------
Platforms count text length in code points, so a limit is checked with ``len``. A cut, though, must
never fall inside an *extended grapheme cluster* (a user-perceived character: ``e`` + accent, a ZWJ
family emoji, a flag, a Hangul syllable spelled in jamo, an Indic conjunct) nor inside a link. The
cluster rules are a compact rendering of Unicode's UAX #29 built on :mod:`unicodedata` alone:

* ``CR LF`` stays together; any other control character stands alone;
* combining marks (``Mn``/``Mc``/``Me``, ``unicodedata.combining``), variation selectors, emoji
  skin-tone modifiers, tag characters (subdivision flags), ZWNJ and ZWJ attach to what precedes;
* a prepended concatenation mark (e.g. the Arabic number sign) attaches to what follows;
* Hangul ``L``/``V``/``T`` jamo and precomposed syllables combine as in UAX #29;
* an Indic virama of a script with conjuncts glues the next letter of that script (UAX #29 GB9c,
  Unicode 15.1, approximated: "letter" is any ``Lo`` character of the virama's block);
* regional indicators pair up from the start of their run (two make one flag);
* a ZWJ glues the next character whatever it is, unless that is whitespace or a control.  UAX #29
  only does so between pictographs; gluing more is the safe side for a splitter.

:func:`split_text` prefers, within the limit, the longest piece that ends at a paragraph break;
then at a sentence end (``. ! ? …`` and closing quotes, then whitespace; CJK ``。！？`` need none) or a
line break; then at any whitespace. A preferred cut is only taken when it keeps the piece at least
half the limit (a paragraph break at 10 % of the limit loses to a sentence end at 90 %); if none
does, the longest whitespace or sentence cut wins. Only a text without whitespace in reach is cut
inside a word, at the last cluster boundary that is not inside a link. A link runs from
``http://``, ``https://`` or ``www.`` to whitespace (or CJK punctuation), minus trailing punctuation
and unbalanced ``)``. Cuts are searched from the end of the reach backwards, in the reversed text,
so the work per piece is about the length of the piece.
"""

from __future__ import annotations

import re
import unicodedata
from bisect import bisect_right
from collections.abc import Iterator
from functools import lru_cache

__all__ = ["grapheme_clusters", "is_grapheme_boundary", "split_text"]

_PREPEND = frozenset([*range(0x600, 0x606), 0x6DD, 0x70F, 0x890, 0x891, 0x8E2, 0xD4E, 0x110BD,
                      0x110CD, 0x111C2, 0x111C3, 0x1193F, 0x11941, 0x11A3A, *range(0x11A84, 0x11A8A),
                      0x11D46, 0x11F02])
_LINKERS = frozenset("\u094d\u09cd\u0acd\u0b4d\u0c4d\u0d4d")  # viramas that form conjuncts
_LINKER_BLOCKS = frozenset(ord(c) >> 7 for c in _LINKERS)
_INDICATORS = "".join(map(chr, range(0x1F1E6, 0x1F200)))  # regional indicator letters A-Z
_CONTROLS = frozenset({"CR", "LF", "Control"})
_HANGUL_NEXT = {"L": {"L", "V", "LV", "LVT"}, "LV": {"V", "T"}, "V": {"V", "T"},
                "LVT": {"T"}, "T": {"T"}}


@lru_cache(maxsize=4096)
def _kind(ch: str) -> str:
    """The UAX #29 grapheme-break property of ``ch`` (SpacingMark folded into Extend)."""
    cp = ord(ch)
    if ch in "\r\n":
        return "CR" if ch == "\r" else "LF"
    if cp == 0x200D:
        return "ZWJ"
    if cp in _PREPEND:
        return "Prepend"
    if 0x1F1E6 <= cp <= 0x1F1FF:
        return "RI"
    if (cp in (0x200C, 0xE33, 0xEB3) or 0xFE00 <= cp <= 0xFE0F or 0xE0100 <= cp <= 0xE01EF
            or 0x1F3FB <= cp <= 0x1F3FF or 0xE0020 <= cp <= 0xE007F or 0xFF9E <= cp <= 0xFF9F):
        return "Extend"
    category = unicodedata.category(ch)
    if category in ("Mn", "Mc", "Me") or unicodedata.combining(ch):
        return "Extend"
    if category in ("Cc", "Cf", "Zl", "Zp"):
        return "Control"
    if 0x1100 <= cp <= 0x115F or 0xA960 <= cp <= 0xA97C:
        return "L"
    if 0x1160 <= cp <= 0x11A7 or 0xD7B0 <= cp <= 0xD7C6:
        return "V"
    if 0x11A8 <= cp <= 0x11FF or 0xD7CB <= cp <= 0xD7FB:
        return "T"
    if 0xAC00 <= cp <= 0xD7A3:
        return "LV" if (cp - 0xAC00) % 28 == 0 else "LVT"
    return "Other"


def _glued(text: str, i: int) -> bool | None:
    """Whether ``text[i - 1]`` and ``text[i]`` share a cluster; ``None`` for two regional indicators."""
    before, after = _kind(text[i - 1]), _kind(text[i])
    if before == "CR" and after == "LF":
        return True
    if before in _CONTROLS or after in _CONTROLS:
        return False
    if after in _HANGUL_NEXT.get(before, ()) or after in ("Extend", "ZWJ") or before == "Prepend":
        return True
    if before == "ZWJ":
        return not text[i].isspace()
    if before == "RI" and after == "RI":
        return None
    if ord(text[i]) >> 7 in _LINKER_BLOCKS and unicodedata.category(text[i]) == "Lo":
        block, j = ord(text[i]) >> 7, i - 1
        while j >= 0 and _kind(text[j]) in ("Extend", "ZWJ"):
            if text[j] in _LINKERS and ord(text[j]) >> 7 == block:
                return True
            j -= 1
    return False


def is_grapheme_boundary(text: str, index: int) -> bool:
    """Whether a cut at ``index`` (``0 <= index <= len(text)``) falls between grapheme clusters."""
    if not 0 <= index <= len(text):
        raise IndexError(f"index {index} outside a text of {len(text)} characters")
    return _boundary(text, index, 0)


def _boundary(text: str, index: int, known: int) -> bool:
    """:func:`is_grapheme_boundary`, looking back no further than ``known``, a boundary."""
    if index <= known or index >= len(text):
        return True
    glued = _glued(text, index)
    if glued is None:  # between regional indicators: pairs counted from the start of the run
        head = text[known:index]
        return (len(head) - len(head.rstrip(_INDICATORS))) % 2 == 0
    return not glued


def grapheme_clusters(text: str) -> list[str]:
    """``text`` cut into its extended grapheme clusters (user-perceived characters), in order."""
    clusters: list[str] = []
    begin, indicators = 0, 0  # indicators: regional indicators in a row just before index i
    for i in range(1, len(text)):
        indicators = indicators + 1 if _kind(text[i - 1]) == "RI" else 0
        glued = _glued(text, i)
        if not (indicators % 2 == 1 if glued is None else glued):
            clusters.append(text[begin:i])
            begin = i
    if text:
        clusters.append(text[begin:])
    return clusters


_NON_SPACE = re.compile(r"\S")
_CLOSE = "\"'”’»)]」』）》〉】"  # closing quotes and brackets that may follow a sentence end
_URL = re.compile(r"[hHwW](?:(?i:ttps?://)|(?<![\w.][wW])(?i:ww\.))[^\s<>\"「」『』（）。，、！？]+")
_URL_TAIL = ".,;:!?'\"…)]}>»”’"
# Cuts are looked for in the REVERSED text, so that the first match is the last cut in reach.
_REV_WORD = re.compile(r"\s(?=\S)")  # the first whitespace of a run
_REV_PARAGRAPH = re.compile(r"\n[^\S\n]*\n\s*+(?=\S)")  # a run with two line breaks, to its start
_REV_SENTENCE = re.compile(r"[.!?…。！？]|\n\s*+(?=\S)")  # a sentence end, or a run with a line break


def _links(text: str) -> list[tuple[int, int]]:
    """Spans of the links in ``text`` (trailing punctuation excluded), widened to cluster boundaries."""
    spans: list[tuple[int, int]] = []
    for match in _URL.finditer(text):
        url = match.group()
        while url[-1] in _URL_TAIL and not (url[-1] == ")" and url.count("(") >= url.count(")")):
            url = url[:-1]
        begin, end = match.start(), match.start() + len(url)
        while not _boundary(text, begin, 0):
            begin -= 1
        while not _boundary(text, end, 0):
            end += 1
        if spans and begin < spans[-1][1]:  # two links glued by one cluster: one unit
            begin = spans.pop()[0]
        spans.append((begin, end))
    return spans


def _shown(value: str, width: int = 60) -> str:
    """``value`` as an escaped, shortened literal for an error message."""
    return ascii(value if len(value) <= width else value[:width] + "…")


class _Cutter:
    """The cut search over one text: its links, and the rules every cut must pass."""

    def __init__(self, text: str, limit: int) -> None:
        self.text, self.rev, self.limit = text, text[::-1], limit
        self.links = _links(text)
        self.starts = [begin for begin, _ in self.links]

    def in_link(self, at: int) -> int | None:
        """The start of the link ``at`` falls strictly inside, if any."""
        i = bisect_right(self.starts, at) - 1
        return self.starts[i] if i >= 0 and self.starts[i] < at < self.links[i][1] else None

    def candidates(self, pattern: re.Pattern[str], lo: int, hi: int) -> Iterator[int]:
        """Cuts found by ``pattern`` (on the reversed text) in ``(lo, hi]``, last first, unchecked."""
        text, n = self.text, len(self.text)
        for match in pattern.finditer(self.rev, max(0, n - 1 - hi - 64), n - lo):  # slack: see ahead
            if pattern is _REV_WORD:
                yield n - 1 - match.start()
            elif match.group()[0] == "\n":  # the whole whitespace run, up to its start
                yield n - match.end()
            else:  # a sentence end: after its closing quotes, then whitespace (or a CJK full stop)
                at = n - match.start()
                while at < n and text[at] in _CLOSE:
                    at += 1
                if at < n and (text[at].isspace() or match.group() in "。！？"):
                    yield at

    def last(self, pattern: re.Pattern[str], lo: int, hi: int) -> int | None:
        """The last cut of ``pattern`` in ``(lo, hi]`` on a cluster boundary outside links, if any."""
        for at in self.candidates(pattern, lo, hi):
            if lo < at <= hi and _boundary(self.text, at, lo) and self.in_link(at) is None:
                return at
        return None

    def cut(self, start: int) -> int:
        """Where the piece beginning at ``start`` ends (see the module docstring for the choice)."""
        text, reach, half = self.text, start + self.limit, start + self.limit // 2
        paragraph = self.last(_REV_PARAGRAPH, half - 1, reach)
        if paragraph is not None:
            return paragraph
        sentence = self.last(_REV_SENTENCE, start, reach)
        if sentence is not None and sentence >= half:
            return sentence
        word = self.last(_REV_WORD, start, reach)
        if sentence is not None or word is not None:
            return max(sentence or 0, word or 0)
        at = reach  # no whitespace in reach: cut inside a word
        while at > start:
            inside = self.in_link(at)
            if inside is not None:
                at = inside
            elif _boundary(text, at, start):
                return at
            else:
                at -= 1
        end = start + 1
        while not _boundary(text, end, start):
            end += 1
        raise ValueError(f"the grapheme cluster {_shown(text[start:end])} is {end - start} characters "
                         f"long, more than the limit of {self.limit}: it cannot be split")

    def begin(self, lo: int) -> int:
        """Where the content after the boundary ``lo`` starts, leading whitespace clusters skipped."""
        text = self.text
        match = _NON_SPACE.search(text, lo)
        at = match.start() if match else len(text)
        while at > lo and not _boundary(text, at, lo):
            at -= 1  # whitespace carrying a combining mark is content
        return at

    def end(self, lo: int, hi: int) -> int:
        """Where the content of ``text[lo:hi]`` (boundaries) ends, trailing whitespace clusters cut."""
        at = lo + len(self.text[lo:hi].rstrip())
        while at < hi and not _boundary(self.text, at, lo):
            at += 1
        return at


def split_text(text: str, limit: int) -> list[str]:
    """Split ``text`` into non-empty pieces of at most ``limit`` code points each.

    Pieces end at the best cut in reach (paragraph break, sentence end, whitespace, and only then
    inside a word), never inside a grapheme cluster or a link (``http://``, ``https://``, ``www.``),
    which moves whole to the next piece. Whitespace at a cut and around the text is dropped; nothing
    else is. Raises ``ValueError`` if ``limit < 1`` or if one link or one cluster is longer than
    ``limit``. Whitespace-only text gives ``[]``.
    """
    if limit < 1:
        raise ValueError(f"limit must be at least 1, got {limit}")
    cutter = _Cutter(text, limit)
    for begin, end in cutter.links:
        if end - begin > limit:
            url = re.split(r"[?#]", text[begin:end], maxsplit=1)[0]  # the query may hold a token
            raise ValueError(f"the link {_shown(url)} is {end - begin} characters long, more than "
                             f"the limit of {limit}: it cannot be split")
    start, stop = cutter.begin(0), cutter.end(0, len(text))
    pieces: list[str] = []
    while stop - start > limit:
        cut = cutter.cut(start)
        pieces.append(text[start:cutter.end(start, cut)])
        start = cutter.begin(cut)
    if start < stop:
        pieces.append(text[start:stop])
    return pieces
