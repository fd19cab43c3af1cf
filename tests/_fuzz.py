"""Helpers the parsers' property tests share: walking decoded JSON and mutating it at random."""

from __future__ import annotations

from typing import Any

from hypothesis import strategies as st

__all__ = ["json_paths", "mutate"]


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
