"""Grapheme clusters and text splitting: known clusters, cut preferences, links, properties, speed."""

from __future__ import annotations

import itertools

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from polychat._text import _links, grapheme_clusters, is_grapheme_boundary, split_text

FAMILY = "\U0001f468\u200d\U0001f469\u200d\U0001f467\u200d\U0001f466"  # 👨‍👩‍👧‍👦
THUMB = "\U0001f44d\U0001f3fd"  # 👍🏽
FR, DE = "\U0001f1eb\U0001f1f7", "\U0001f1e9\U0001f1ea"
ENGLAND = "\U0001f3f4\U000e0067\U000e0062\U000e0065\U000e006e\U000e0067\U000e007f"
KEYCAP = "1\ufe0f\u20e3"
RAINBOW = "\U0001f3f3\ufe0f\u200d\U0001f308"  # 🏳️‍🌈

KNOWN = [
    ("e\u0301", ["e\u0301"]),
    ("e\u0301\u0323x", ["e\u0301\u0323", "x"]),
    (FAMILY, [FAMILY]),
    (THUMB + THUMB, [THUMB, THUMB]),
    (FR + DE, [FR, DE]),
    (FR + "\U0001f1e9", [FR, "\U0001f1e9"]),
    ("a" + FR + DE + "b", ["a", FR, DE, "b"]),
    (ENGLAND + "!", [ENGLAND, "!"]),
    (KEYCAP + "2", [KEYCAP, "2"]),
    (RAINBOW, [RAINBOW]),
    ("\u1100\u1161\u11a8\u1100", ["\u1100\u1161\u11a8", "\u1100"]),  # jamo: 각 then ᄀ
    ("\uac00\u11a8\uac01\u11a8", ["\uac00\u11a8", "\uac01\u11a8"]),  # LV+T, LVT+T
    ("\ud55c\uad6d", ["\ud55c", "\uad6d"]),  # 한국
    ("\u0915\u093f", ["\u0915\u093f"]),  # कि: consonant + spacing matra
    ("\u0928\u092e\u0938\u094d\u0924\u0947", ["\u0928", "\u092e", "\u0938\u094d\u0924\u0947"]),  # नमस्ते
    ("\u0915\u094d\u0937", ["\u0915\u094d\u0937"]),  # क्ष conjunct
    ("\u0e17\u0e35\u0e48\u0e01\u0e33", ["\u0e17\u0e35\u0e48", "\u0e01\u0e33"]),  # ที่ กำ
    ("\u0e40\u0e01", ["\u0e40", "\u0e01"]),  # Thai prefix vowel stands alone
    ("a\r\nb", ["a", "\r\n", "b"]),
    ("\n\u0301", ["\n", "\u0301"]),  # a control takes no marks
    ("\u0600\u0661\u0662", ["\u0600\u0661", "\u0662"]),  # prepended concatenation mark
    (" \u0301x", [" \u0301", "x"]),
    ("a\u200d b", ["a\u200d", " ", "b"]),
    ("", []),
]


@pytest.mark.parametrize(("text", "clusters"), KNOWN)
def test_known_clusters(text: str, clusters: list[str]) -> None:
    assert grapheme_clusters(text) == clusters


@pytest.mark.parametrize(("text", "clusters"), KNOWN)
def test_boundaries_agree_with_clusters(text: str, clusters: list[str]) -> None:
    cuts = {0}
    for cluster in clusters:
        cuts.add(max(cuts) + len(cluster))
    assert [i for i in range(len(text) + 1) if is_grapheme_boundary(text, i)] == sorted(cuts)


def test_boundary_index_out_of_range() -> None:
    with pytest.raises(IndexError):
        is_grapheme_boundary("ab", 3)
    with pytest.raises(IndexError):
        is_grapheme_boundary("ab", -1)


def test_regional_indicators_pair_from_the_start_of_the_run() -> None:
    run = FR + DE + FR
    assert [i for i in range(len(run) + 1) if is_grapheme_boundary(run, i)] == [0, 2, 4, 6]
    assert not is_grapheme_boundary("x" + run, 2)


def test_prefers_sentence_ends() -> None:
    text = "First sentence here. Second one is longer than that! Third? Fourth."
    assert split_text(text, 40) == ["First sentence here.", "Second one is longer than that! Third?",
                                    "Fourth."]


def test_paragraph_beats_a_later_sentence_when_it_keeps_half() -> None:
    text = "One two three four five.\n\nSix seven. Eight nine ten eleven twelve."
    assert split_text(text, 40)[0] == "One two three four five."


def test_short_paragraph_loses_to_a_longer_cut() -> None:
    text = "Hi.\n\nThis is a rather long sentence that goes on. And on."
    assert split_text(text, 50) == ["Hi.\n\nThis is a rather long sentence that goes on.", "And on."]


def test_word_cut_when_no_sentence_keeps_half() -> None:
    text = "Ok. " + "word " * 20
    assert split_text(text, 30)[0] == "Ok. word word word word word"


def test_line_break_counts_as_a_sentence_end() -> None:
    text = "item one is here\nitem two is here and more words follow"
    assert split_text(text, 30)[0] == "item one is here"


def test_closing_quotes_stay_with_their_sentence() -> None:
    text = 'He said "Stop here." Then he left the room quickly.'
    assert split_text(text, 30)[0] == 'He said "Stop here."'


def test_cjk_sentences_cut_without_spaces() -> None:
    text = "日本語の文章です。これは二番目の文です。三番目。"
    assert split_text(text, 12) == ["日本語の文章です。", "これは二番目の文です。", "三番目。"]
    assert split_text("「日本語です。」次の文です。", 9) == ["「日本語です。」", "次の文です。"]


def test_hard_cut_inside_a_word_never_splits_a_cluster() -> None:
    assert split_text("e\u0301" * 5, 3) == ["e\u0301"] * 5
    assert split_text(FR * 3, 3) == [FR] * 3
    assert split_text("ab" + FAMILY + "cd", 8) == ["ab", FAMILY + "c", "d"]
    assert split_text("abcdef", 4) == ["abcd", "ef"]


def test_cluster_longer_than_limit_is_refused() -> None:
    with pytest.raises(ValueError, match="grapheme cluster"):
        split_text("ok " + FAMILY, 5)


def test_link_moves_whole_to_the_next_piece() -> None:
    text = "Hello world, see https://example.com/a/very/long/path. Thanks!"
    assert split_text(text, 40) == ["Hello world, see", "https://example.com/a/very/long/path.",
                                    "Thanks!"]
    assert split_text("aaaaaaaaaahttps://example.com/a/b", 23) == ["aaaaaaaaaa",
                                                                   "https://example.com/a/b"]


def test_trailing_punctuation_is_not_part_of_a_link() -> None:
    assert split_text("https://example.com/abc.", 23) == ["https://example.com/abc", "."]
    text = "x (https://en.wikipedia.org/wiki/Foo_(bar)), www.example.org! awww.no"
    spans = [text[a:b] for a, b in _links(text)]
    assert spans == ["https://en.wikipedia.org/wiki/Foo_(bar)", "www.example.org"]
    shouting = "Open HTTPS://EXAMPLE.COM/X。次"
    assert [shouting[a:b] for a, b in _links(shouting)] == ["HTTPS://EXAMPLE.COM/X"]


def test_link_longer_than_limit_is_refused_without_its_query() -> None:
    text = "see https://example.com/path?token=fake-secret-0000 now"
    with pytest.raises(ValueError, match="link") as info:
        split_text(text, 20)
    assert "https://example.com/path" in str(info.value)
    assert "fake-secret" not in str(info.value)


def test_whitespace_is_dropped_at_cuts_and_ends() -> None:
    assert split_text("  one two   \n\n  three four  ", 9) == ["one two", "three", "four"]
    assert split_text(" \t\n ", 3) == []
    assert split_text("", 3) == []


def test_whitespace_carrying_a_mark_is_kept_as_content() -> None:
    pieces = split_text("abcd  \u0301e fgh", 5)
    assert pieces == ["abcd", " \u0301e", "fgh"]


def test_crlf_is_never_split() -> None:
    assert split_text("abc\r\ndef", 3) == ["abc", "def"]


@pytest.mark.parametrize("limit", [0, -1])
def test_limit_must_be_positive(limit: int) -> None:
    with pytest.raises(ValueError, match="limit"):
        split_text("text", limit)


# --- properties -----------------------------------------------------------------------------

URLS = st.builds(
    lambda scheme, host, path: f"{scheme}{host}.com/{path}",
    st.sampled_from(["https://", "http://", "www."]),
    st.text("abcxyz", min_size=1, max_size=8),
    st.text("abc/-_=?&%19", max_size=12).map(lambda p: p + "z"),
)
ODD = st.sampled_from(["\u200d", "\u0301", "\u0600", "\U0001f1eb", "\u094d", "\u1161", "\r", "\ufe0f"])
CLUSTERS = st.sampled_from([
    "e\u0301", FAMILY, THUMB, FR, DE, ENGLAND, KEYCAP, RAINBOW, "\u1100\u1161\u11a8", "\ud55c",
    "\u0938\u094d\u0924\u0947", "\u0e17\u0e35\u0e48", "\u0e01\u0e33", "日", "本", "\r\n", "a\u0308",
])
WORDS = st.text("abcdefghijklmnopqrstuvwxyz", min_size=1, max_size=14)
PUNCT = st.sampled_from([".", "!", "?", "…", "。", "！", ",", ")", '"', "」"])
SEPARATORS = st.sampled_from(["", "", " ", " ", " ", "\n", "\n\n", "  \t", " \n \n"])
TOKENS = st.one_of(WORDS, WORDS, CLUSTERS, CLUSTERS, ODD, PUNCT, URLS.map(lambda u: f" {u} "))


@st.composite
def texts(draw: st.DrawFn) -> str:
    parts = []
    for token in draw(st.lists(TOKENS, max_size=60)):
        parts.extend([token, draw(SEPARATORS)])
    return "".join(parts)


def _needed(text: str) -> int:
    longest_link = max((b - a for a, b in _links(text)), default=1)
    return max(longest_link, *(len(c) for c in grapheme_clusters(text)), 1)


@settings(max_examples=300, deadline=None)
@given(texts(), st.integers(min_value=0, max_value=60))
def test_split_properties(text: str, extra: int) -> None:
    limit = _needed(text) + extra
    pieces = split_text(text, limit)
    # (1) sizes and (4) no empty pieces
    assert all(0 < len(p) <= limit for p in pieces)
    # (2) every non-whitespace character kept, in order
    assert "".join("".join(p.split()) for p in pieces) == "".join(text.split())
    # pieces are the text's own substrings, in order, each without whitespace-only clusters at its ends
    spans, at = [], 0
    for piece in pieces:
        at = text.index(piece, at) + len(piece)
        spans.append((at - len(piece), at))
        clusters = grapheme_clusters(piece)
        assert not clusters[0].isspace() and not clusters[-1].isspace()
    # (3) no cut inside a cluster: at each seam, the last cluster of one piece, the dropped whitespace
    # and the first cluster of the next stay separate clusters when joined again ...
    for (_, end), (begin, _) in itertools.pairwise(spans):
        left = grapheme_clusters(text[:end])[-1]
        right = grapheme_clusters(text[begin:])[0]
        gap = text[end:begin]
        assert gap.isspace() or not gap
        assert grapheme_clusters(left + gap + right) == [left, *grapheme_clusters(gap), right]
    # ... and the text's clusters are exactly the pieces' ones
    solid = [c for c in grapheme_clusters(text) if not c.isspace()]
    assert [c for p in pieces for c in grapheme_clusters(p) if not c.isspace()] == solid
    # ... and no link split
    for a, b in _links(text):
        assert any(text[a:b] in piece for piece in pieces)


@settings(max_examples=200, deadline=None)
@given(texts(), st.integers(min_value=1, max_value=30))
def test_split_refuses_only_what_cannot_fit(text: str, limit: int) -> None:
    try:
        pieces = split_text(text, limit)
    except ValueError:
        assert _needed(text) > limit
    else:
        assert all(0 < len(p) <= limit for p in pieces)


@settings(max_examples=300, deadline=None)
@given(st.one_of(texts(), st.text(max_size=40)))
def test_boundary_function_matches_cluster_list(text: str) -> None:
    cuts, at = [0], 0
    for cluster in grapheme_clusters(text):
        at += len(cluster)
        cuts.append(at)
    assert [i for i in range(len(text) + 1) if is_grapheme_boundary(text, i)] == (cuts if text else [0])
    assert "".join(grapheme_clusters(text)) == text
