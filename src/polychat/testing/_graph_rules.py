"""Building blocks of the simulator's Graph API validators (WhatsApp Cloud API, Messenger).

Both Meta channels refuse a bad request the same way: HTTP 400 and a Graph error envelope
(``shared/platforms/meta.md`` §6.1). They differ in the codes: the Cloud API answers ``100`` for a
wrong type or an unknown key, ``131008`` for a missing parameter and ``131009`` for a bad value,
where Messenger answers ``100`` for all three. So a validator walks a body with a :class:`Report`
whose three codes (:attr:`Report.PARAM`, :attr:`Report.MISSING`, :attr:`Report.VALUE`) and titles
are the platform's, and the small checks below (``string``, ``choice``, ``array``…) add their
problems with those codes. Nothing here does I/O or imports a schema library.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Collection, Mapping
from dataclasses import dataclass
from typing import Any, ClassVar, Final

__all__ = [
    "GRAPH_PATH",
    "MISSING",
    "URL_RE",
    "Problem",
    "Report",
    "array",
    "at",
    "boolean",
    "choice",
    "decode_send_body",
    "field_array",
    "get",
    "graph_error_envelope",
    "json_kind",
    "obj",
    "objects",
    "only",
    "string",
    "unique",
    "url",
]


@dataclass(frozen=True)
class Problem:
    """One reason a Graph API refuses a request.

    Attributes:
        code: the error code (``100``, ``131008``, ``131009``…).
        message: the error title, as in ``"(#<code>) <title>"``.
        details: what exactly is wrong, naming the offending parameter.
        subcode: the ``error_subcode`` to answer with, when the platform sends one.
    """

    code: int
    message: str
    details: str
    subcode: int | None = None


def graph_error_envelope(code: int, message: str, trace_id: str, *,
                         subcode: int | None = None,
                         error_data: Mapping[str, Any] | None = None) -> dict[str, Any]:
    """A Graph API error body (meta.md 6.1): ``{"error": {"message": "(#<code>) …", …}}``.

    Args:
        code: the error code.
        message: the text after ``(#<code>) ``.
        trace_id: the ``fbtrace_id``.
        subcode: ``error_subcode``, left out when ``None``.
        error_data: ``error_data``, left out when ``None``.

    >>> graph_error_envelope(100, "Invalid parameter", "AbC")
    {'error': {'message': '(#100) Invalid parameter', 'type': 'OAuthException', 'code': 100, \
'fbtrace_id': 'AbC'}}
    """
    error: dict[str, Any] = {"message": f"(#{code}) {message}", "type": "OAuthException",
                             "code": code}
    if subcode is not None:
        error["error_subcode"] = subcode
    if error_data is not None:
        error["error_data"] = dict(error_data)
    error["fbtrace_id"] = trace_id
    return {"error": error}


GRAPH_PATH: Final = re.compile(r"^/(?P<version>v\d+\.\d+)/(?P<rest>.+)$")
"""The path of a Graph API call: ``/v<major>.<minor>/<rest>`` (``rest`` is the node and edge)."""


def decode_send_body(content: bytes,
                     check: Callable[[Any], list[Problem]]) -> tuple[Any, Problem | None]:
    """Decode a JSON send body and validate it with the platform's ``check``.

    Args:
        content: the request body.
        check: the platform's validator (``check_send_body``).

    Returns:
        ``(body, problem)``: the decoded body and the first problem ``check`` found, else
        ``None``. A body that is not JSON is refused as both Meta APIs refuse it, with
        ``(#100) Invalid parameter`` (and ``body`` is ``None``).
    """
    try:
        body = json.loads(content)
    except ValueError:
        return None, Problem(100, "Invalid parameter", "the body is not JSON")
    problems = check(body)
    return body, problems[0] if problems else None


class Report:
    """Collects problems while a body is walked; subclasses name the platform's codes.

    Attributes:
        PARAM: code for a wrong JSON type, an unknown key or conflicting keys.
        MISSING: code for an absent required key.
        VALUE: code for a value that breaks a limit or is outside its enum.
        TITLES: code → error title.
    """

    PARAM: ClassVar[int] = 100
    MISSING: ClassVar[int] = 100
    VALUE: ClassVar[int] = 100
    TITLES: ClassVar[Mapping[int, str]] = {100: "Invalid parameter"}

    def __init__(self) -> None:
        self.problems: list[Problem] = []

    def add(self, code: int, path: str, what: str) -> None:
        """Record a problem ``code`` at ``path`` (``"request body"`` when empty)."""
        self.problems.append(Problem(code, self.TITLES[code], f"{path or 'request body'}: {what}"))


class _Missing:
    """Marks an absent key (``None`` is JSON null, which is a wrong type, not a missing key)."""

    def __repr__(self) -> str:
        return "MISSING"


MISSING: Final = _Missing()
"""What :func:`get` returns for an absent key."""


def at(path: str, key: str | int) -> str:
    """The path of ``key`` under ``path``: ``a.b``, ``a[0]``."""
    if isinstance(key, int):
        return f"{path}[{key}]"
    return f"{path}.{key}" if path else key


def json_kind(value: Any) -> str:
    """The JSON type of ``value`` with an article, for messages ("a string", "null"…)."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "a boolean"
    if isinstance(value, (int, float)):
        return "a number"
    if isinstance(value, str):
        return "a string"
    if isinstance(value, list):
        return "an array"
    if isinstance(value, dict):
        return "an object"
    return type(value).__name__


def obj(r: Report, value: Any, path: str) -> dict[str, Any] | None:
    """``value`` if it is a JSON object, else report a wrong type."""
    if isinstance(value, dict):
        return value
    r.add(r.PARAM, path, f"must be an object, got {json_kind(value)}")
    return None


def only(r: Report, value: Mapping[str, Any], path: str, allowed: Collection[str]) -> None:
    """Report every key of ``value`` outside ``allowed``."""
    for key in value:
        if key not in allowed:
            r.add(r.PARAM, at(path, key), "unexpected key")


def get(r: Report, value: Mapping[str, Any], path: str, key: str, required: bool) -> Any:
    """``value[key]``, or :data:`MISSING` (reported when ``required``)."""
    if key in value:
        return value[key]
    if required:
        r.add(r.MISSING, at(path, key), "is required")
    return MISSING


def string(r: Report, value: Mapping[str, Any], path: str, key: str, *,
           max_len: int | None = None, required: bool = True, empty: bool = False) -> str | None:
    """A string field of at most ``max_len`` characters (and not empty unless ``empty``)."""
    item = get(r, value, path, key, required)
    if item is MISSING:
        return None
    where = at(path, key)
    text: str | None = item if isinstance(item, str) else None
    if text is None:
        r.add(r.PARAM, where, f"must be a string, got {json_kind(item)}")
    elif not text and not empty:
        r.add(r.VALUE, where, "must not be empty")
    elif max_len is not None and len(text) > max_len:
        r.add(r.VALUE, where, f"is {len(text)} characters long; at most {max_len} allowed")
    return text


def choice(r: Report, value: Mapping[str, Any], path: str, key: str,
           choices: Collection[str], *, required: bool = True) -> str | None:
    """A string field that must be one of ``choices``; returns it only when it is."""
    item = string(r, value, path, key, required=required, empty=True)
    if item is None:
        return None
    if item not in choices:
        r.add(r.VALUE, at(path, key), f"must be one of {', '.join(sorted(choices))}; got {item!r}")
        return None
    return item


def boolean(r: Report, value: Mapping[str, Any], path: str, key: str) -> None:
    """An optional boolean field."""
    item = get(r, value, path, key, required=False)
    if item is not MISSING and not isinstance(item, bool):
        r.add(r.PARAM, at(path, key), f"must be a boolean, got {json_kind(item)}")


def array(r: Report, value: Any, path: str, *, min_items: int = 0,
          max_items: int | None = None) -> list[Any] | None:
    """``value`` if it is a JSON array (a wrong count is reported, and the array still returned)."""
    if not isinstance(value, list):
        r.add(r.PARAM, path, f"must be an array, got {json_kind(value)}")
        return None
    if len(value) < min_items:
        r.add(r.VALUE, path, f"has {len(value)} items; at least {min_items} needed")
    elif max_items is not None and len(value) > max_items:
        r.add(r.VALUE, path, f"has {len(value)} items; at most {max_items} allowed")
    return value


def field_array(r: Report, value: Mapping[str, Any], path: str, key: str, *,
                required: bool = True, min_items: int = 0,
                max_items: int | None = None) -> list[Any] | None:
    """An array field, checked as by :func:`array`."""
    item = get(r, value, path, key, required)
    if item is MISSING:
        return None
    return array(r, item, at(path, key), min_items=min_items, max_items=max_items)


def objects(r: Report, items: list[Any], path: str) -> list[tuple[str, dict[str, Any]]]:
    """The items of an array that are objects, with their paths; the others are reported."""
    out = []
    for i, item in enumerate(items):
        found = obj(r, item, at(path, i))
        if found is not None:
            out.append((at(path, i), found))
    return out


URL_RE: Final = re.compile(r"^https?://[^\s/?#]+[^\s]*$", re.IGNORECASE)
"""An absolute http(s) URL with a host."""


def url(r: Report, value: Mapping[str, Any], path: str, key: str, *,
        required: bool = True) -> str | None:
    """A string field holding an http(s) URL; returns it only when it is one."""
    text = string(r, value, path, key, required=required)
    if text and not URL_RE.match(text):
        r.add(r.VALUE, at(path, key), f"must be an http(s) URL, got {text!r}")
        return None
    return text


def unique(r: Report, values: list[tuple[str, str | None]], what: str) -> None:
    """Report repeated values (compared without surrounding spaces, as Meta compares ids)."""
    seen: set[str] = set()
    for where, value in values:
        if value is None:
            continue
        if value.strip() in seen:
            r.add(r.VALUE, where, f"{what} {value!r} is used twice; each must be unique")
        seen.add(value.strip())
