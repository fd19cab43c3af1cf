"""Griffe extension for the API reference: polychat's docstrings render well in Markdown.

Two habits of the docstrings do not suit mkdocstrings' Google parser, and are translated when the
docstrings are loaded (the source stays as it is):

- ``Example:`` (or the reST-flavoured ``Example::``) above doctest lines. Google style names the
  section ``Examples:``; under any other name ``>>>`` lines render as quotes and a printed list can
  turn into a broken link. The heading is renamed.
- Sphinx roles such as ``:class:`~polychat.errors.ContentError``` or ``:meth:`Hub.send```. They
  become optional cross-references: a link when the target is documented, plain code otherwise,
  never a build warning.
"""

from __future__ import annotations

import html
import re
from typing import Any

import griffe

_HEADING = re.compile(r"^(?P<indent>[ \t]*)Example::?[ \t]*$", re.MULTILINE)
_ROLE = re.compile(
    r":(?:py:)?(?P<role>class|meth|func|mod|data|attr|exc|obj|const):`(?P<target>[^`]+)`"
)


def _package_alias(target: str, loader: Any) -> str:
    """``polychat.Text`` → ``polychat.content.Text`` (the top-level names are re-exports)."""
    head, _, rest = target.partition(".")
    name, _, tail = rest.partition(".")
    try:
        member = loader.modules_collection[head].members.get(name)
    except (KeyError, AttributeError):
        return target
    if member is None or not member.is_alias:
        return target
    return str(member.target_path) + (f".{tail}" if tail else "")


def _qualify(target: str, role: str, obj: griffe.Object, loader: Any) -> str:
    if target.startswith("polychat."):
        return _package_alias(target, loader)
    if role == "attr" and "." not in target and obj.parent is not None and obj.parent.is_class:
        return f"{obj.parent.path}.{target}"
    if obj.is_class and role in {"attr", "meth"} and "." not in target:
        return f"{obj.path}.{target}"
    return f"{obj.module.path}.{target}"


def _rewrite(obj: griffe.Object, loader: Any) -> None:
    if obj.docstring is None:
        return
    text = _HEADING.sub(r"\g<indent>Examples:", obj.docstring.value)

    def role(match: re.Match[str]) -> str:
        raw = match["target"].strip()
        target = raw.lstrip("~!")
        title = target.rsplit(".", 1)[-1] if raw.startswith("~") else target
        if match["role"] in {"meth", "func"}:
            title += "()"
        ident = _qualify(target, match["role"], obj, loader)
        return (f'<autoref identifier="{html.escape(ident)}" optional>'
                f"<code>{html.escape(title)}</code></autoref>")

    obj.docstring.value = _ROLE.sub(role, text)


class ExampleSections(griffe.Extension):
    """Rename ``Example:`` headings and turn Sphinx roles into optional cross-references."""

    def on_object(self, *, obj: griffe.Object, loader: Any, **kwargs: Any) -> None:
        """Rewrite the object's docstring, if any, before it is parsed."""
        _rewrite(obj, loader)

    def on_package(self, *, pkg: griffe.Module, loader: Any, **kwargs: Any) -> None:
        """Rewrite the top-level package's own docstring (``on_object`` does not see it)."""
        _rewrite(pkg, loader)
