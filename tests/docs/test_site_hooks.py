"""The documentation site's build hooks (docs/_hooks): repository links and docstring fix-ups."""

from __future__ import annotations

import importlib.util
from pathlib import Path
from types import ModuleType, SimpleNamespace
from typing import Any

import pytest

HOOKS = Path(__file__).resolve().parents[2] / "docs" / "_hooks"
REPO = "https://github.com/polychat/polychat"


def _load(name: str) -> ModuleType:
    spec = importlib.util.spec_from_file_location(f"docs_hooks_{name}", HOOKS / f"{name}.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _page(src_uri: str) -> Any:
    return SimpleNamespace(file=SimpleNamespace(src_uri=src_uri))


@pytest.fixture(scope="module")
def links() -> ModuleType:
    return _load("repo_links")


def test_links_out_of_docs_point_at_the_repository(links: ModuleType) -> None:
    markdown = ("Run [`order_bot.py`](../examples/order_bot.py) or read "
                "[the guide](../examples/scale_out/README.md#workers) and "
                "[scale_out](../examples/scale_out/).")
    out = links.on_page_markdown(markdown, _page("quickstart.md"), {"repo_url": REPO + "/"}, None)
    assert out == (f"Run [`order_bot.py`]({REPO}/blob/main/examples/order_bot.py) or read "
                   f"[the guide]({REPO}/blob/main/examples/scale_out/README.md#workers) and "
                   f"[scale_out]({REPO}/tree/main/examples/scale_out)."  # a folder
                   )


def test_links_between_pages_and_code_blocks_are_left_alone(links: ModuleType) -> None:
    markdown = "\n".join([
        "[WhatsApp](../whatsapp.md#limits) and [up](../index.md)",
        "```python",
        "x = data[0](../examples/not_a_link.py)",
        "```",
    ])
    assert links.on_page_markdown(markdown, _page("tutorials/whatsapp.md"), {"repo_url": REPO}, None) \
        == markdown
    nested = links.on_page_markdown("[bot](../../examples/order_bot.py)", _page("tutorials/whatsapp.md"),
                                    {"repo_url": REPO}, None)
    assert nested == f"[bot]({REPO}/blob/main/examples/order_bot.py)"


def test_without_a_repository_nothing_changes(links: ModuleType) -> None:
    markdown = "[bot](../examples/order_bot.py)"
    assert links.on_page_markdown(markdown, _page("index.md"), {"repo_url": None}, None) == markdown


def test_docstring_examples_and_sphinx_roles() -> None:
    griffe = pytest.importorskip("griffe")
    hooks = _load("griffe_examples")
    source = '''
def f() -> list[str]:
    """Build things; see :class:`~polychat.content.Text` and :meth:`Hub.send`.

    Example:
        >>> f()
        ['body', 'button']
    """
    return ["body", "button"]
'''
    module = griffe.visit("demo", Path("demo.py"), source)
    hooks.ExampleSections().on_object(obj=module["f"], loader=None)
    docstring = module["f"].docstring
    assert "Examples:" in docstring.value
    assert ('<autoref identifier="polychat.content.Text" optional><code>Text</code></autoref>'
            in docstring.value)
    assert '<autoref identifier="demo.Hub.send" optional><code>Hub.send()</code></autoref>' \
        in docstring.value
    kinds = [section.kind.value for section in docstring.parse("google")]
    assert kinds == ["text", "examples"]
