"""Apple Messages forms (capability ``FORM``; iPhone and iPad only; apple.md §4.10).

``Form`` → ``data.dynamic {template: "messageForms", version: "1.1", data: {startPageIdentifier:
<first page id>, showSummary, pages[...]}}`` with ``receivedMessage {title, subtitle}`` and
``replyMessage {title: "Your answers"}``. The template string and version follow the chatwoot
fork, Webex and LivePerson (Corezoid shows ``template: "form"``); Apple's own page was not
available, so both are UNCONFIRMED.

Each ``FormPage`` → ``{pageIdentifier, type, title, [subtitle], [nextPageIdentifier],
submitForm}``:

==========  ==============  ===============================================================
``type``    Apple ``type``  extra keys
==========  ==============  ===============================================================
select      ``select``      ``multipleSelection``, ``items[{identifier, title, value}]``
picker      ``picker``      ``items[{identifier, title, value}]`` (one choice: a wheel)
date        ``datePicker``  none
input       ``input``       ``options {[placeholder], [keyboardType], required}``
==========  ==============  ===============================================================

``value`` is ``FormOption.value``, else its id. A page with ``next_page`` gets
``nextPageIdentifier`` and ``submitForm: false``; a page without one submits the form
(``submitForm: true``). The pages must form one chain from the first page: every ``next_page``
names a page, no page is visited twice, and every page is reached (else a page would never show,
or the form would never submit).
"""

from __future__ import annotations

from typing import Any

from polychat.content import Form, FormPage

from ._check import check_required, check_unique, fail, require_capability
from ._interactive import bubble, interactive_data

__all__ = ["FORM_TEMPLATE", "FORM_VERSION", "form"]

FORM_TEMPLATE = "messageForms"
FORM_VERSION = "1.1"
FORM_REPLY_TITLE = "Your answers"

PAGE_TYPES = {"select": "select", "picker": "picker", "date": "datePicker", "input": "input"}
"""``FormPage.type`` → Apple's page ``type``."""


def form(content: Form, message_id: str, device: frozenset[str] | None) -> dict[str, Any]:
    """The ``interactiveData`` of a form.

    Raises:
        ContentError: no ``FORM`` capability (``apple.device.FORM``), an empty or repeated page
            id (``apple.form.page``), a ``next_page`` naming no page, a loop or an unreachable
            page (``apple.form.next_page``), a select or picker page without options or with
            repeated option ids, options on a date or input page (``apple.form.options``), a
            multiple-choice picker page (``apple.form.multiple_selection``), an empty title.
    """
    require_capability(device, "forms", "FORM")
    pages = content.pages
    for page in pages:
        check_required(page.id, "form.page", "form page ids")
    check_unique((p.id for p in pages), "form.page", "form page ids")
    _check_chain(pages)
    data = {
        "startPageIdentifier": pages[0].id,
        "showSummary": content.show_summary,
        "pages": [_page(page) for page in pages],
    }
    dynamic = {"template": FORM_TEMPLATE, "version": FORM_VERSION, "data": data}
    return interactive_data(
        message_id,
        {"dynamic": dynamic},
        received=bubble(content.title, content.subtitle, "form titles"),
        reply=bubble(FORM_REPLY_TITLE, None, "reply titles"),
    )


def _check_chain(pages: list[FormPage]) -> None:
    by_id = {p.id: p for p in pages}
    for page in pages:
        if page.next_page is not None and page.next_page not in by_id:
            fail(f"form page {page.id!r} goes to page {page.next_page!r}, which does not exist",
                 "form.next_page")
    seen: list[str] = []
    current: FormPage | None = pages[0]
    while current is not None:
        if current.id in seen:
            fail(f"form pages loop ({' → '.join([*seen, current.id])}); the form would never "
                 "submit", "form.next_page")
        seen.append(current.id)
        current = by_id[current.next_page] if current.next_page is not None else None
    missed = [p.id for p in pages if p.id not in seen]
    if missed:
        fail(f"form pages {', '.join(map(repr, missed))} are never shown: the chain from the "
             f"first page ({' → '.join(seen)}) does not reach them; set next_page",
             "form.next_page")


def _page(page: FormPage) -> dict[str, Any]:
    out: dict[str, Any] = {
        "pageIdentifier": page.id,
        "type": PAGE_TYPES[page.type],
        "title": check_required(page.title, "form.title", "form page titles"),
    }
    if page.subtitle:
        out["subtitle"] = page.subtitle
    if page.next_page is not None:
        out["nextPageIdentifier"] = page.next_page
        out["submitForm"] = False
    else:
        out["submitForm"] = True
    if page.type in ("select", "picker"):
        if not page.options:
            fail(f"form {page.type} page {page.id!r} needs options", "form.options")
        check_unique((o.id for o in page.options), "form.options", "form option ids")
        if page.type == "select":
            out["multipleSelection"] = page.multiple_selection
        elif page.multiple_selection:
            fail(f"form picker page {page.id!r} is a wheel with one choice; use a select page "
                 "for multiple selection", "form.multiple_selection")
        out["items"] = [
            {"identifier": check_required(o.id, "form.options", "form option ids"),
             "title": check_required(o.title, "form.options", "form option titles"),
             "value": o.value if o.value is not None else o.id}
            for o in page.options
        ]
    elif page.options:
        fail(f"form {page.type} page {page.id!r} takes no options", "form.options")
    if page.type == "input":
        options: dict[str, Any] = {}
        if page.placeholder:
            options["placeholder"] = page.placeholder
        if page.keyboard:
            options["keyboardType"] = page.keyboard
        options["required"] = page.required
        out["options"] = options
    return out
