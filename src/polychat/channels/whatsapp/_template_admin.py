"""Template management exchanges (list, create, delete) and the definitions cache helper.

Sans-I/O, like the channel's other exchanges: each function returns a generator that yields
:class:`~polychat.wire.HttpRequest` objects and returns its result; the hubs drive it over HTTP and
tests drive it with canned responses. Endpoints (the spec's ``/{WABA-ID}/message_templates``,
v23.0; meta.md §6.3 for the management rate limit of 200 or 5000 calls per hour per WABA, which is
why definitions are cached):

- ``GET /{waba-id}/message_templates?fields=…&limit=…[&name=…][&status=…][&after=…]`` →
  ``{"data": [...], "paging": {"cursors": {"before", "after"}, "next"?}}``; a page with a ``next``
  link has a following page, read with its ``after`` cursor;
- ``POST /{waba-id}/message_templates`` with ``{"name", "language", "category", "components",
  "parameter_format"?}`` → ``{"id", "status", "category"}``;
- ``DELETE /{waba-id}/message_templates?name=…[&hsm_id=…]`` → ``{"success": true}`` (without
  ``hsm_id`` every language of the name is deleted).

Errors are classified by the channel (template-management errors may carry ``error_data`` as a
plain string, meta.md §6.1).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from typing import Any
from urllib.parse import urlencode

from pydantic import ValidationError

from polychat.channels._base import Exchange
from polychat.errors import ConfigurationError, PlatformError
from polychat.wire import HttpRequest, HttpResponse

from ._template_definition import TemplateDefinition
from ._template_validate import find_definition

__all__ = [
    "LIST_FIELDS",
    "MAX_PAGES",
    "TemplateCache",
    "create_template_exchange",
    "delete_template_exchange",
    "find_definition",
    "list_templates_exchange",
]

LIST_FIELDS = ("id", "name", "language", "status", "category", "parameter_format", "components",
               "rejected_reason", "quality_score")
"""The fields asked for when listing templates (everything validation and the docs use)."""
MAX_PAGES = 1000
"""A listing stops after this many pages (a guard against a cursor that never ends)."""

Url = Callable[[str], str]
"""The channel's ``graph_url``: a path under the versioned Graph root → the full URL."""


def _body(response: HttpResponse, what: str) -> dict[str, Any]:
    data = response.json_body()
    if not isinstance(data, dict):
        raise PlatformError(f"{what} returned no JSON object", channel="whatsapp",
                            http_status=response.status_code)
    return data


def _mapping(value: Any) -> dict[str, Any]:
    return value if isinstance(value, dict) else {}


def list_templates_exchange(url: Url, headers: Mapping[str, str], waba_id: str, *,
                            name: str | None = None, status: str | None = None,
                            limit: int = 100) -> Exchange:
    """List the account's templates, following ``paging`` until the last page.

    Args:
        url: the channel's ``graph_url``.
        headers: the channel's auth headers.
        waba_id: the WhatsApp Business Account id.
        name: only templates of this name (every language).
        status: only templates with this status (``"APPROVED"``…).
        limit: page size.

    Returns (from the exchange):
        ``list[TemplateDefinition]``, in Meta's order. Items that are not template objects are
        skipped.
    """
    if limit < 1:
        raise ConfigurationError(f"limit must be at least 1, got {limit}")
    query: dict[str, str] = {"fields": ",".join(LIST_FIELDS), "limit": str(limit)}
    if name is not None:
        query["name"] = name
    if status is not None:
        query["status"] = status.upper()
    return _list_pages(url, dict(headers), waba_id, query)


def _list_pages(url: Url, headers: dict[str, str], waba_id: str,
                query: dict[str, str]) -> Exchange:
    definitions: list[TemplateDefinition] = []
    after: str | None = None
    seen: set[str] = set()
    for _ in range(MAX_PAGES):
        page_query = dict(query) if after is None else {**query, "after": after}
        response = yield HttpRequest(
            method="GET", url=url(f"{waba_id}/message_templates?{urlencode(page_query)}"),
            headers=headers)
        data = _body(response, "the template list")
        for item in data.get("data") or []:
            if isinstance(item, dict):
                try:
                    definitions.append(TemplateDefinition.from_graph(item))
                except ValidationError:
                    continue
        paging = _mapping(data.get("paging"))
        cursor = _mapping(paging.get("cursors")).get("after")
        after = cursor if isinstance(cursor, str) and cursor else None
        if not paging.get("next") or after is None or after in seen:
            return definitions
        seen.add(after)
    return definitions


def create_template_exchange(url: Url, headers: Mapping[str, str], waba_id: str,
                             definition: TemplateDefinition | Mapping[str, Any]) -> Exchange:
    """Submit a new template (or a new language of one) for review.

    Args:
        url: the channel's ``graph_url``.
        headers: the channel's auth headers.
        waba_id: the WhatsApp Business Account id.
        definition: a :class:`TemplateDefinition` (its ``status`` and ``id`` are not sent), or
            the creation body itself (``{"name", "language", "category", "components", …}``).

    Returns (from the exchange):
        The definition as submitted, with the ``id``, ``status`` (usually ``PENDING``) and
        ``category`` Meta answered.

    Raises (before any request):
        ConfigurationError: no name, language, category or components list.
    """
    body = (definition.to_graph() if isinstance(definition, TemplateDefinition)
            else dict(definition))
    for key in ("id", "status", "raw", "quality_score", "rejected_reason"):
        body.pop(key, None)
    missing = [k for k in ("name", "language", "category") if not body.get(k)]
    if missing or not isinstance(body.get("components"), list):
        raise ConfigurationError(
            "a template to create needs name, language, category and a components list"
            + (f" (missing: {', '.join(missing)})" if missing else ""))
    return _create(url, dict(headers), waba_id, body)


def _create(url: Url, headers: dict[str, str], waba_id: str, body: dict[str, Any]) -> Exchange:
    response = yield HttpRequest(
        method="POST", url=url(f"{waba_id}/message_templates"),
        headers={**headers, "Content-Type": "application/json"}, json=body)
    answer = _body(response, "template creation")
    created: dict[str, Any] = dict(body)
    created.update({k: answer[k] for k in ("id", "status", "category") if k in answer})
    created.setdefault("status", "PENDING")
    return TemplateDefinition.from_graph(created)


def delete_template_exchange(url: Url, headers: Mapping[str, str], waba_id: str, name: str, *,
                             hsm_id: str | None = None) -> Exchange:
    """Delete a template: every language of ``name``, or only the one whose id is ``hsm_id``.

    Returns (from the exchange):
        ``True`` when Meta answered ``{"success": true}``.
    """
    if not name:
        raise ConfigurationError("the template to delete needs its name")
    query: dict[str, str] = {"name": name}
    if hsm_id is not None:
        query["hsm_id"] = hsm_id
    return _delete(url, dict(headers), waba_id, query)


def _delete(url: Url, headers: dict[str, str], waba_id: str, query: dict[str, str]) -> Exchange:
    response = yield HttpRequest(
        method="DELETE", url=url(f"{waba_id}/message_templates?{urlencode(query)}"),
        headers=headers)
    return _body(response, "template deletion").get("success") is True


class TemplateCache:
    """How template definitions live in the hub's store cache (``store.get`` / ``store.put``).

    Pure helpers: the key of an account's definitions, the JSON value written, and reading it
    back. Definitions are cached because the management API is rate-limited (meta.md §6.3);
    :data:`DEFAULT_TTL` is short so a paused or newly approved template is seen within minutes
    (the template webhooks are a faster signal: drop the key when one arrives).

    Example:
        >>> key = TemplateCache.cache_key("102290129340398")
        >>> key
        'polychat:whatsapp:templates:102290129340398'
        >>> d = TemplateDefinition(name="hello_world", language="en_US")
        >>> TemplateCache.load(TemplateCache.dump([d]))[0].name
        'hello_world'
    """

    DEFAULT_TTL: float = 600.0
    """Ten minutes."""
    PREFIX = "polychat:whatsapp:templates:"

    @classmethod
    def cache_key(cls, waba_id: str) -> str:
        """The store key of the definitions of WhatsApp Business Account ``waba_id``."""
        return f"{cls.PREFIX}{waba_id}"

    @staticmethod
    def dump(definitions: Iterable[TemplateDefinition]) -> list[dict[str, Any]]:
        """The JSON-able value to ``put``: the definitions as Graph objects."""
        return [d.to_graph() for d in definitions]

    @staticmethod
    def load(value: Any) -> list[TemplateDefinition] | None:
        """Definitions from a ``get`` value; ``None`` when absent or not a list of definitions."""
        if not isinstance(value, list):
            return None
        try:
            return [TemplateDefinition.from_graph(item) for item in value]
        except (ValidationError, TypeError, AttributeError):
            return None
