"""The exception tree in errors.py's docstring is the real one; errors pickle and never leak."""

from __future__ import annotations

import pickle
import re

import polychat
from polychat import errors


def _tree_from_docstring() -> dict[str, str]:
    parents: dict[str, str] = {}
    stack: list[tuple[int, str]] = []
    for line in (errors.__doc__ or "").splitlines():
        match = re.match(r"^(\s*)(?:[│ ]*[├└]── )?([A-Z]\w+)\s{2,}", line)
        if not match or ("Error" not in line and "Content" not in line and "Rate" not in line \
                and "Window" not in line and "Malformed" not in line and "Recipient" not in line):
            continue
        depth = len(line) - len(line.lstrip(" │├└─"))
        name = match.group(2)
        while stack and stack[-1][0] >= depth:
            stack.pop()
        if stack:
            parents[name] = stack[-1][1]
        stack.append((depth, name))
    return parents


def test_docstring_tree_matches_the_classes() -> None:
    parents = _tree_from_docstring()
    assert parents, "the docstring tree was not found"
    for name, parent in parents.items():
        cls = getattr(errors, name)
        assert cls.__bases__[0].__name__ == parent, name
    public = {n for n in errors.__all__ if isinstance(getattr(errors, n), type)}
    assert public - set(parents) == {"PolychatError"}


def test_every_error_is_exported_from_the_package() -> None:
    for name in errors.__all__:
        if name != "PlatformErrorField":
            assert getattr(polychat, name) is getattr(errors, name)


def test_platform_error_fields_str_and_pickle() -> None:
    err = polychat.RateLimited("(#130429) Rate limit hit", channel="whatsapp", code=130429,
                               trace_id="AbCdFAKE", retry_after=4.0, details="throughput")
    assert err.retryable and err.fbtrace_id == "AbCdFAKE"
    assert "130429" in str(err) and "AbCdFAKE" in str(err)
    back = pickle.loads(pickle.dumps(err))
    assert type(back) is polychat.RateLimited and back.retry_after == 4.0
    assert polychat.PlatformError.from_dict(err.to_dict()).to_dict() == err.to_dict()


def test_webhook_errors_carry_status_hints() -> None:
    assert polychat.SignatureError("x").status_hint == 401
    assert polychat.MalformedPayload("x").status_hint == 400
