"""MkDocs hook: links from a page to repository files outside ``docs/`` point at the repository.

The pages link to ``../examples/order_bot.py`` and the like so that they read well on GitHub; on
the built site such a link would be broken (and ``mkdocs build --strict`` would fail), so this
hook rewrites it to the file's address under ``repo_url``. Links inside fenced code are left alone.
"""

from __future__ import annotations

import posixpath
import re
from typing import Any

_LINK = re.compile(r"\]\((?P<target>\.\./[^)\s#]*)(?P<anchor>#[^)\s]*)?\)")
_FENCE = re.compile(r"^\s*(```|~~~)")


def _rewrite(line: str, page_dir: str, repo: str) -> str:
    def replace(match: re.Match[str]) -> str:
        joined = posixpath.normpath(posixpath.join(page_dir, match["target"]))
        if not joined.startswith("../"):
            return match[0]  # still inside docs/: a normal page link, checked by MkDocs
        path = joined[3:]
        kind = "tree" if match["target"].endswith("/") or "." not in posixpath.basename(path) else "blob"
        return f"]({repo}/{kind}/main/{path}{match['anchor'] or ''})"

    return _LINK.sub(replace, line)


def on_page_markdown(markdown: str, page: Any, config: Any, files: Any) -> str:
    """Rewrite links that leave ``docs/`` into links to the repository on the web."""
    repo = str(config.get("repo_url") or "").rstrip("/")
    if not repo:
        return markdown
    page_dir = posixpath.dirname(page.file.src_uri)
    out: list[str] = []
    fenced = False
    for line in markdown.split("\n"):
        if _FENCE.match(line):
            fenced = not fenced
        out.append(line if fenced else _rewrite(line, page_dir, repo))
    return "\n".join(out)
