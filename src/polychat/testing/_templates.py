"""The simulator's WhatsApp template registry: what the fake account has approved.

Tests define templates as :class:`~polychat.channels.whatsapp.templates.TemplateDefinition`
objects or Graph-shaped dicts::

    sim.fake("whatsapp").templates = [
        {"name": "order_shipped", "language": "en_US", "status": "APPROVED",
         "category": "UTILITY",
         "components": [{"type": "BODY", "text": "Hi {{1}}, your order {{2}} has shipped."}]},
    ]

With at least one template registered, every template send is checked with the same
:func:`~polychat.channels.whatsapp.templates.validate` rules polychat runs before sending, and a
refusal is the Graph error Meta answers (``(#132001) Template name does not exist in the
translation``, ``(#132000) Number of parameters does not match…``, ``(#132012)``, ``(#132015)``,
``(#132016)``…). With none, template sends get shape checks only (as before registries existed).

The registry also serves the management API: ``GET /{waba-id}/message_templates`` (paged with
``limit`` and ``after``, ``paging.cursors`` and a ``next`` link while pages remain, filtered by
``name`` and ``status``), ``POST`` (a new template, approved at once unless
``auto_approve`` is off; the ``message_template_status_update`` webhook is queued) and
``DELETE`` (by ``name``, optionally ``hsm_id``).
"""

from __future__ import annotations

import base64
import json
import re
from collections.abc import Iterable, Iterator, Mapping
from typing import Any
from urllib.parse import parse_qs, urlencode

from ..channels.whatsapp._template_validate import validate_wire
from ..channels.whatsapp.templates import TemplateDefinition, TemplateMismatch
from ._graph_rules import Problem

__all__ = ["TEMPLATE_ERROR_TITLES", "TemplateRegistry", "mismatch_problem"]

TEMPLATE_ERROR_TITLES: dict[int, str] = {
    100: "Invalid parameter",
    131008: "Required parameter is missing",
    131009: "Parameter value is not valid",
    132000: "Number of parameters does not match the expected number of params",
    132001: "Template name does not exist in the translation",
    132012: "Parameter format does not match format in the created template",
    132015: "Template is Paused",
    132016: "Template is Disabled",
}
"""The titles the Cloud API answers template refusals with (``(#<code>) <title>``)."""

DEFAULT_PAGE = 25
_NAME = re.compile(r"^[a-z0-9_]{1,512}$")
_CATEGORIES = ("AUTHENTICATION", "MARKETING", "UTILITY")


def mismatch_problem(error: TemplateMismatch) -> Problem:
    """The Graph refusal Meta answers for the send ``error`` describes."""
    code = error.code or 100
    details = str(error).rsplit(" (limit ", 1)[0]
    if code == 132001 and error.rule in ("name", "language"):
        details = (f"template name ({error.template}) does not exist in {error.language}: "
                   f"{details}")
    return Problem(code, TEMPLATE_ERROR_TITLES.get(code, "Invalid parameter"), details)


def _cursor(position: int) -> str:
    return base64.urlsafe_b64encode(f"pos:{position}".encode()).decode().rstrip("=")


def _position(cursor: str) -> int | None:
    try:
        text = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)).decode()
    except (ValueError, UnicodeDecodeError):
        return None
    return int(text[4:]) if text.startswith("pos:") and text[4:].isdigit() else None


class TemplateRegistry:
    """The message templates of one fake WhatsApp Business Account (see the module docstring).

    Attributes:
        auto_approve: new templates are ``APPROVED`` at once (default) instead of ``PENDING``.
    """

    def __init__(self) -> None:
        self._items: list[TemplateDefinition] = []
        self._next_id = 1689556908129000
        self.auto_approve = True

    # -- contents ------------------------------------------------------------------------------

    def set(self, definitions: Iterable[TemplateDefinition | Mapping[str, Any]]) -> None:
        """Replace the registry's templates."""
        self._items = []
        for definition in definitions:
            self.add(definition)

    def add(self, definition: TemplateDefinition | Mapping[str, Any]) -> TemplateDefinition:
        """Register one template (an id is given to one without)."""
        item = (definition if isinstance(definition, TemplateDefinition)
                else TemplateDefinition.model_validate(definition))
        if item.id is None:
            self._next_id += 1
            item = item.model_copy(update={"id": str(self._next_id)})
        self._items.append(item)
        return item

    def set_status(self, name: str, status: str, language: str | None = None) -> None:
        """Change the status of ``name`` (every language, or one): pause, disable, approve…"""
        self._items = [
            d.model_copy(update={"status": status.upper()})
            if d.name == name and language in (None, d.language) else d
            for d in self._items]

    def __iter__(self) -> Iterator[TemplateDefinition]:
        return iter(list(self._items))

    def __len__(self) -> int:
        return len(self._items)

    def find(self, name: str, language: str) -> TemplateDefinition | None:
        """The template ``name`` in exactly ``language``."""
        return next((d for d in self._items if d.name == name and d.language == language), None)

    # -- sends ---------------------------------------------------------------------------------

    def check_send(self, template: Mapping[str, Any]) -> Problem | None:
        """Meta's refusal of a send's ``template`` object, or ``None`` (also with no templates)."""
        if not self._items:
            return None
        try:
            validate_wire(template, self._items)
        except TemplateMismatch as error:
            return mismatch_problem(error)
        return None

    # -- management API ------------------------------------------------------------------------

    def list_page(self, query: str, url: str) -> dict[str, Any]:
        """The ``GET /{waba-id}/message_templates`` answer for ``query`` (``url`` builds ``next``)."""
        params = {k: v[-1] for k, v in parse_qs(query).items()}
        items = [d for d in self._items
                 if params.get("name") in (None, d.name)
                 and params.get("status", "").upper() in ("", d.status)]
        limit = int(params["limit"]) if params.get("limit", "").isdigit() else DEFAULT_PAGE
        limit = max(1, limit)
        start = _position(params["after"]) if "after" in params else 0
        start = start if start is not None else len(items)
        page = items[start:start + limit]
        answer: dict[str, Any] = {"data": [d.to_graph() for d in page]}
        if page:
            paging: dict[str, Any] = {"cursors": {"before": _cursor(start),
                                                  "after": _cursor(start + len(page))}}
            if start + len(page) < len(items):
                paging["next"] = f"{url}?{urlencode({**params, 'after': _cursor(start + len(page))})}"
            answer["paging"] = paging
        return answer

    def create(self, content: bytes) -> tuple[dict[str, Any] | None, Problem | None]:
        """``POST /{waba-id}/message_templates``: ``(answer, None)`` or ``(None, problem)``."""
        try:
            body = json.loads(content)
        except ValueError:
            return None, Problem(100, "Invalid parameter", "the body is not JSON")
        if not isinstance(body, dict):
            return None, Problem(100, "Invalid parameter", "the body must be an object")
        for key in ("name", "language", "category", "components"):
            if key not in body:
                return None, Problem(100, "Invalid parameter", f"{key} is required")
        name = body["name"]
        if not isinstance(name, str) or not _NAME.match(name):
            return None, Problem(100, "Invalid parameter",
                                 "name may hold only lowercase letters, digits and _")
        if str(body["category"]).upper() not in _CATEGORIES:
            return None, Problem(100, "Invalid parameter",
                                 f"category must be one of {', '.join(_CATEGORIES)}")
        if not isinstance(body["components"], list):
            return None, Problem(100, "Invalid parameter", "components must be a list")
        if self.find(name, str(body["language"])) is not None:
            return None, Problem(100, "Invalid parameter",
                                 f"Content in this language already exists: {name} "
                                 f"({body['language']})", subcode=2388024)
        status = "APPROVED" if self.auto_approve else "PENDING"
        created = self.add({**body, "status": status})
        return {"id": created.id, "status": status, "category": created.category}, None

    def delete(self, query: str) -> Problem | None:
        """``DELETE /{waba-id}/message_templates?name=…[&hsm_id=…]``."""
        params = {k: v[-1] for k, v in parse_qs(query).items()}
        name = params.get("name")
        if not name:
            return Problem(100, "Invalid parameter", "name is required")
        hsm_id = params.get("hsm_id")
        doomed = [d for d in self._items if d.name == name and hsm_id in (None, d.id)]
        if not doomed:
            return Problem(100, "Invalid parameter",
                           f"Template name ({name}) does not exist"
                           + (f" with id {hsm_id}" if hsm_id else ""))
        self._items = [d for d in self._items if d not in doomed]
        return None

