"""polychat._safejson: untrusted JSON decodes into values every layer can carry, or ValueError."""

from __future__ import annotations

import json
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from polychat._safejson import MAX_DEPTH, loads


@pytest.mark.parametrize("text", ["[" * MAX_DEPTH + "]" * MAX_DEPTH,
                                  '{"a":' * MAX_DEPTH + "1" + "}" * MAX_DEPTH,
                                  "[" * (MAX_DEPTH - 1) + '{"a": 1}' + "]" * (MAX_DEPTH - 1)])
def test_nesting_up_to_the_limit_is_accepted(text: str) -> None:
    assert loads(text) == json.loads(text)


@pytest.mark.parametrize("text", ["[" * (MAX_DEPTH + 1) + "]" * (MAX_DEPTH + 1),
                                  '{"a":' * (MAX_DEPTH + 1) + "1" + "}" * (MAX_DEPTH + 1),
                                  "[" * 100_000, "[" * 5000 + "]" * 5000])
def test_deeper_nesting_is_a_value_error_never_a_recursion_error(text: str) -> None:
    with pytest.raises(ValueError, match="nested deeper"):
        loads(text)
    with pytest.raises(ValueError, match="nested deeper"):
        loads(text.encode())


@pytest.mark.parametrize("text", ["NaN", "[Infinity]", '{"a": -Infinity}', "1e400", "[-1e400]"])
def test_numbers_json_cannot_carry_are_refused(text: str) -> None:
    with pytest.raises(ValueError, match=r"not a JSON value|beyond the float range"):
        loads(text)


@pytest.mark.parametrize(("raw", "expected"), [
    (b'"\\ud83d\\ude00"', "\U0001f600"),  # a pair, as Meta escapes emoji: kept
    (b'"\\ud83d"', "\ufffd"),
    (b'"a\\udfffb"', "a\ufffdb"),
    (b'"\\ud83d\\ud83d\\ude00"', "\ufffd\U0001f600"),
    (b'"\\ud83d x \\ude00"', "\ufffd x \ufffd"),
    (b'"\\\\ud800"', "\\ud800"),  # an escaped backslash, not an escape
    (b'"\xed\xa0\x80 raw"', "\ufffd raw"),  # a surrogate encoded as UTF-8 (CESU)
    (b'{"\\udc00": ["\\ud800"]}', {"\ufffd": ["\ufffd"]}),
])
def test_lone_surrogates_become_replacement_characters(raw: bytes, expected: Any) -> None:
    value = loads(raw)
    assert value == expected
    json.dumps(value, ensure_ascii=False).encode()  # encodable as UTF-8 now


def test_text_input_with_a_raw_lone_surrogate() -> None:
    assert loads('["\ud800"]') == ["\ufffd"]


@pytest.mark.parametrize("raw", [b"", b"{", b"\xff\xfe\xfa", b"<html>", b'{"a": 1} x', b"\x00"])
def test_not_json_is_a_value_error(raw: bytes) -> None:
    with pytest.raises(ValueError, match=r"."):  # JSONDecodeError / UnicodeDecodeError
        loads(raw)


def test_encodings_json_loads_accepts_are_accepted() -> None:
    document = {"text": "h\u00e9llo \U0001f600", "n": [1, 2.5, None, True]}
    for encoding in ("utf-8", "utf-8-sig", "utf-16", "utf-32"):
        assert loads(json.dumps(document, ensure_ascii=False).encode(encoding)) == document


documents = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False, allow_infinity=False)
    | st.text(),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=5), inner,
                                                                max_size=4),
    max_leaves=30)


@settings(max_examples=100, deadline=None, derandomize=True)
@given(documents, st.booleans())
def test_ordinary_documents_decode_as_json_loads_does(document: Any, ascii_only: bool) -> None:
    text = json.dumps(document, ensure_ascii=ascii_only)
    assert loads(text) == json.loads(text)
    assert loads(text.encode()) == json.loads(text.encode())
