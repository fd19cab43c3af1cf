"""Helpers the parsers' property tests share: walking decoded JSON and mutating it at random."""

from __future__ import annotations

import copy
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from hypothesis import strategies as st

__all__ = ["json_paths", "json_values", "mutate", "mutated_fixture", "webhook_fixtures"]


def json_paths(node: Any, prefix: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    """Every path (keys / indexes) into ``node``, the root excluded."""
    children: list[tuple[Any, Any]] = (
        list(node.items()) if isinstance(node, dict)
        else list(enumerate(node)) if isinstance(node, list) else []
    )
    found: list[tuple[Any, ...]] = []
    for key, child in children:
        found.append((*prefix, key))
        found.extend(json_paths(child, (*prefix, key)))
    return found


def mutate(draw: st.DrawFn, root: Any, junk: st.SearchStrategy[Any], *,
           under: str | None = None) -> bool:
    """Drop one random key of ``root``, or replace one random value with a ``junk`` value.

    Only paths starting with ``under`` are touched when it is given. Returns False when there is
    nothing left to mutate.
    """
    candidates = [p for p in json_paths(root) if under is None or p[0] == under]
    if not candidates:
        return False
    path = draw(st.sampled_from(candidates))
    parent: Any = root
    for key in path[:-1]:
        parent = parent[key]
    if isinstance(parent, dict) and draw(st.booleans()):
        del parent[path[-1]]
    else:
        parent[path[-1]] = draw(junk)
    return True


def json_values(keys: Sequence[str], samples: Sequence[str], *, text_size: int = 12,
                max_leaves: int = 20) -> st.SearchStrategy[Any]:
    """Random JSON whose object keys and string values lean on a platform's own vocabulary."""
    leaves = (st.none() | st.booleans() | st.integers()
              | st.floats(allow_nan=False, allow_infinity=False) | st.text(max_size=text_size)
              | st.sampled_from(list(keys)) | st.sampled_from(list(samples)))
    return st.recursive(
        leaves,
        lambda inner: st.lists(inner, max_size=4)
        | st.dictionaries(st.sampled_from(list(keys)) | st.text(max_size=6), inner, max_size=5),
        max_leaves=max_leaves,
    )


def mutated_fixture(draw: st.DrawFn, fixtures: Mapping[str, Any], junk: st.SearchStrategy[Any],
                    *, under: str | None = None) -> Any:
    """A copy of a random fixture with 1–4 random mutations (see :func:`mutate`)."""
    payload = copy.deepcopy(fixtures[draw(st.sampled_from(sorted(fixtures)))])
    for _ in range(draw(st.integers(1, 4))):
        if not mutate(draw, payload, junk, under=under):
            break
    return payload


def webhook_fixtures(folder: Path) -> list[Path]:
    """The webhook payload fixtures of one platform: ``tests/data/<platform>/*.json`` and its
    ``holdout/`` (other folders there hold other kinds of data)."""
    return sorted([*folder.glob("*.json"), *folder.glob("holdout/*.json")])
