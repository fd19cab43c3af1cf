"""What each channel can render, and the fixed ladder the hub degrades content by.

Theory of operation
-------------------
A channel's ``render`` is the single judge of what it can express: it raises
:class:`~polychat.errors.UnsupportedContent` for a kind of content it has no form for, and
:class:`~polychat.errors.ContentError` (naming the limit) for content that breaks one of its rules.
It never rewrites anything.

When the hub is built with ``on_unsupported="degrade"`` (the default) and ``render`` refuses a piece
of content, the hub asks :func:`degrade` for the next rung of that content's ladder and tries again,
until the channel accepts or the ladder ends (then the original error is raised). Every rung taken is
reported, as a human-readable sentence, in ``SendResult.degraded``. With ``on_unsupported="raise"``
the hub raises ``UnsupportedContent`` naming the limit instead.

The ladder, by content kind (the docs' table is generated from :data:`LADDER`):

========================  ===========================================================================
content                   rungs, tried in order
========================  ===========================================================================
``Text`` too long         split at paragraph, sentence, then word boundaries into texts that fit,
                          never inside a grapheme cluster or a link (a link longer than a whole
                          message ends the ladder)
``Buttons``               list picker (rows fit) → quick replies → numbered text; url/call buttons
                          the channel cannot mix → text with the links written out
``QuickReplies``          reply buttons (≤ max buttons) → list picker → numbered text
numbered text answers     "2", "2. Medium" or "medium" come back as ``ChoiceSelected`` with the
                          original ``choice_id`` (``typed=True``)
``ListPicker``            quick replies (≤ max quick replies, no descriptions lost) → carousel of
                          cards with a button to pick each (≤ max cards) → numbered text
``TimePicker``            list picker of the slots (in the picker's timezone) → quick replies of
                          their start times → numbered text
``Carousel``              one image (or text) message per card, its buttons after it
``RichLink``              text with the title and the URL, link preview on
``Location``              text with the place and a map link
``Contacts``              text with the names, phones and emails
``Sticker``               image
media with a caption      the media, then the caption as a text (channels without captions)
``Typing``, ``MarkRead``  dropped (they have no visible content)
``Reaction``              dropped
``Template``, ``Raw``     never degraded: they are channel-specific by nature
========================  ===========================================================================
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from typing import Any, Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import Field

from ._menu import ChoiceSource, MenuOption, NumberedMenu, numbered_text
from ._model import PolychatModel
from ._text import split_text
from .content import (
    Button,
    Buttons,
    Card,
    Carousel,
    Contacts,
    Image,
    ListItem,
    ListPicker,
    ListSection,
    Location,
    Media,
    QuickReplies,
    QuickReply,
    RichLink,
    Sticker,
    Text,
    TimePicker,
)

__all__ = ["LADDER", "Capabilities", "Degraded", "Pace", "degrade", "split_text"]

AnyContent = Any  # the Content union; kept loose here so the ladder stays a plain table


class Capabilities(PolychatModel):
    """What a channel can render natively, and its main limits.

    ``content_kinds`` lists the ``kind`` values ``render`` accepts. The numeric limits are those the
    channel's ``render`` enforces; they are here so callers (and the degrade ladder) can plan.
    """

    channel: str
    content_kinds: frozenset[str]
    """``kind`` values of content the channel renders natively."""
    max_text_length: int
    max_buttons: int = 0
    """Reply buttons in one ``Buttons`` message."""
    max_button_title: int = 20
    mixed_buttons: bool = False
    """Whether reply, url and call buttons can share one message."""
    max_url_buttons: int = 0
    """URL buttons in one message (WhatsApp: one CTA URL button, alone)."""
    max_quick_replies: int = 0
    max_list_rows: int = 0
    """List rows in total across sections."""
    max_list_sections: int = 0
    max_list_row_title: int = 24
    list_descriptions: bool = True
    max_carousel_cards: int = 0
    max_card_buttons: int = 0
    max_caption_length: int = 0
    media_max_bytes: dict[str, int] = Field(default_factory=dict)
    """Largest upload per media kind (``image``, ``video``, ``audio``, ``file``, ``sticker``)."""
    window: timedelta | None = None
    """Customer-service window after the customer's last message; ``None`` means no window."""
    window_exempt_kinds: frozenset[str] = frozenset()
    """Content kinds that may be sent outside the window (WhatsApp templates)."""
    ordered_delivery: bool = True
    """False when the platform does not guarantee delivery order (the hub then serialises sends)."""

    def supports(self, kind: str) -> bool:
        """Whether content of ``kind`` renders natively on this channel."""
        return kind in self.content_kinds

    @property
    def templates(self) -> bool:
        """Whether the channel sends pre-approved templates."""
        return "template" in self.content_kinds

    @property
    def reactions(self) -> bool:
        """Whether the business can react to messages."""
        return "reaction" in self.content_kinds

    @property
    def typing(self) -> bool:
        """Whether the channel has a typing indicator."""
        return "typing" in self.content_kinds

    @property
    def read_receipts(self) -> bool:
        """Whether the business can mark messages read."""
        return "mark_read" in self.content_kinds


class Pace(PolychatModel):
    """One outbound rate limit the hub keeps to, as a token bucket shared through the store.

    ``rate`` sends per second on average, up to ``burst`` at once (a burst borrows from the
    future: after it, sends go out at ``rate``). ``scope`` says what the bucket counts: every send
    of the business account, or the sends to one recipient. ``kinds``, when set, limits the
    bucket to those content kinds (Messenger: audio and video have their own, slower limit);
    ``skip_kinds`` leaves kinds out.

    Example: WhatsApp's pair rate limit is ``Pace.per_recipient(1 / 6, burst=45)``.
    """

    scope: Literal["account", "recipient"]
    rate: float = Field(gt=0)
    burst: int = Field(default=1, ge=1)
    kinds: frozenset[str] | None = None
    skip_kinds: frozenset[str] = frozenset()
    """Content kinds that never count against this bucket (WhatsApp's pair limit counts
    messages, not read receipts or typing indicators)."""

    @classmethod
    def per_account(cls, rate: float, *, burst: int | None = None,
                    kinds: frozenset[str] | None = None) -> Pace:
        """A limit on all sends of the business account (burst: one second's worth by default)."""
        return cls(scope="account", rate=rate, burst=burst or max(1, int(rate)), kinds=kinds)

    @classmethod
    def per_recipient(cls, rate: float, *, burst: int = 1,
                      skip_kinds: frozenset[str] = frozenset()) -> Pace:
        """A limit on the sends to one recipient."""
        return cls(scope="recipient", rate=rate, burst=burst, skip_kinds=skip_kinds)

    def applies_to(self, kind: str) -> bool:
        """Whether a send of content ``kind`` counts against this bucket."""
        return (self.kinds is None or kind in self.kinds) and kind not in self.skip_kinds

    def key(self, channel: str, account: str, user: str) -> str:
        """The bucket's store key for a send from ``account`` to ``user`` on ``channel``."""
        key = f"{channel}:{account}"
        if self.scope == "recipient":
            key += f":{user}"
        if self.kinds is not None:
            key += "|" + "+".join(sorted(self.kinds))
        return key


class Degraded(PolychatModel):
    """One rung of the ladder: the replacement content and the sentence describing the rewrite.

    ``menu`` is set when the rung wrote choices as a numbered text: the hub remembers it so the
    customer's answer ("2", or an option's title) comes back as a ``ChoiceSelected``.
    """

    contents: list[Any]
    rule: str
    menu: NumberedMenu | None = None


def _numbered(prompt: str, options: list[MenuOption], source: ChoiceSource, rule: str) -> Degraded:
    """The numbered-text rung: the choices as ``n. title`` lines, remembered as a menu."""
    menu = NumberedMenu(prompt=prompt, options=options, source=source)
    return Degraded(contents=[Text(text=numbered_text(prompt, options))], rule=rule, menu=menu)


def _degrade_text(content: Text, caps: Capabilities) -> Degraded | None:
    if len(content.text) <= caps.max_text_length:
        return None
    try:
        parts = split_text(content.text, caps.max_text_length)
    except ValueError:  # a link (or one grapheme cluster) longer than a whole message
        return None
    if not parts:
        return None
    return Degraded(
        contents=[Text(text=p, preview_url=content.preview_url) for p in parts],
        rule=f"text.split: text of {len(content.text)} characters split into {len(parts)} "
        f"messages (limit {caps.max_text_length})",
    )


def _list_fits(items: list[ListItem], caps: Capabilities) -> bool:
    return (
        caps.supports("list")
        and 0 < len(items) <= caps.max_list_rows
        and all(len(i.title) <= caps.max_list_row_title for i in items)
    )


def _as_list(text: str, items: list[ListItem], button: str = "Choose") -> ListPicker:
    return ListPicker(text=text, button=button, sections=[ListSection(items=items)])


def _degrade_buttons(content: Buttons, caps: Capabilities) -> Degraded | None:
    replies = [b for b in content.buttons if b.type == "reply"]
    links = [b for b in content.buttons if b.type != "reply"]
    if links and replies:
        text = content.text + "\n\n" + "\n".join(_link_line(b) for b in links)
        return Degraded(
            contents=[Buttons(text=text, buttons=replies, header=content.header,
                              footer=content.footer)],
            rule="buttons.links_as_text: url/call buttons written into the text, the reply "
            "buttons kept",
        )
    if links:
        text = content.text + "\n\n" + "\n".join(_link_line(b) for b in links)
        return Degraded(contents=[Text(text=text)],
                        rule="buttons.links_as_text: url/call buttons written out as text")
    items = [ListItem(id=b.id or b.title, title=b.title) for b in replies]
    if _list_fits(items, caps):
        return Degraded(
            contents=[_as_list(content.text, items)],
            rule=f"buttons.as_list: {len(items)} buttons sent as a list picker "
            f"(the channel takes {caps.max_buttons} buttons of {caps.max_button_title} characters)",
        )
    if caps.supports("quick_replies") and 0 < len(replies) <= caps.max_quick_replies:
        return Degraded(
            contents=[QuickReplies(text=content.text,
                                   replies=[QuickReply(id=b.id or b.title, title=b.title)
                                            for b in replies])],
            rule=f"buttons.as_quick_replies: {len(replies)} buttons sent as quick replies "
            f"(the channel takes {caps.max_buttons} buttons)",
        )
    return _numbered(content.text, [MenuOption(id=b.id or b.title, title=b.title) for b in replies],
                     "button", f"buttons.as_text: {len(replies)} buttons written as a numbered text")


def _link_line(button: Button) -> str:
    target = button.link if button.type == "url" else button.phone
    return f"{button.title}: {target}"


def _degrade_quick_replies(content: QuickReplies, caps: Capabilities) -> Degraded | None:
    if caps.supports("buttons") and len(content.replies) <= caps.max_buttons and all(
        len(r.title) <= caps.max_button_title for r in content.replies
    ):
        return Degraded(
            contents=[Buttons(text=content.text,
                              buttons=[Button.reply(r.id, r.title) for r in content.replies])],
            rule="quick_replies.as_buttons: quick replies sent as reply buttons",
        )
    items = [ListItem(id=r.id, title=r.title) for r in content.replies]
    if _list_fits(items, caps):
        return Degraded(contents=[_as_list(content.text, items)],
                        rule="quick_replies.as_list: quick replies sent as a list picker")
    return _numbered(content.text, [MenuOption(id=r.id, title=r.title) for r in content.replies],
                     "quick_reply", "quick_replies.as_text: quick replies written as a numbered text")


def _degrade_list(content: ListPicker, caps: Capabilities) -> Degraded | None:
    items = content.items
    if (
        caps.supports("quick_replies")
        and len(items) <= caps.max_quick_replies
        and not any(i.description for i in items)
    ):
        return Degraded(
            contents=[QuickReplies(text=content.text,
                                   replies=[QuickReply(id=i.id, title=i.title) for i in items])],
            rule=f"list.as_quick_replies: list of {len(items)} items sent as quick replies",
        )
    if (
        caps.supports("carousel")
        and 0 < len(items) <= caps.max_carousel_cards
        and caps.max_card_buttons >= 1
    ):
        cards = [Card(title=i.title, subtitle=i.description, image_url=i.image_url,
                      buttons=[Button.reply(i.id, i.title[: caps.max_button_title])])
                 for i in items]
        return Degraded(contents=[Text(text=content.text), Carousel(cards=cards)],
                        rule=f"list.as_carousel: list of {len(items)} items sent as a carousel "
                        "of cards, each with a button to pick it")
    if (
        not content.multiple_selection
        and caps.supports("list")
        and len(items) <= caps.max_list_rows
        and len(content.sections) > max(caps.max_list_sections, 1)
    ):
        return Degraded(contents=[_as_list(content.text, items, content.button)],
                        rule="list.one_section: sections merged into one")
    return _numbered(content.text,
                     [MenuOption(id=i.id, title=i.title, description=i.description) for i in items],
                     "list", f"list.as_text: list of {len(items)} items written as a numbered text")


def _zone(name: str) -> ZoneInfo | None:
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        return None


def _degrade_time_picker(content: TimePicker, caps: Capabilities) -> Degraded | None:
    zone = _zone(content.timezone)
    items = []
    for slot in content.slots:
        start = slot.start.astimezone(zone) if zone else slot.start
        end = start + slot.duration
        title = start.strftime("%a %d %b %H:%M")
        description = f"until {end.strftime('%H:%M')} ({content.timezone})"
        items.append(ListItem(id=slot.id, title=title[:24], description=description))
    if _list_fits(items, caps):
        return Degraded(contents=[_as_list(content.title, items, "Pick a time")],
                        rule=f"time_picker.as_list: {len(items)} time slots sent as a list")
    if (caps.supports("quick_replies") and 0 < len(items) <= caps.max_quick_replies
            and all(len(i.title) <= caps.max_button_title for i in items)):
        replies = [QuickReply(id=i.id, title=i.title) for i in items]
        return Degraded(contents=[QuickReplies(text=content.title, replies=replies)],
                        rule=f"time_picker.as_quick_replies: {len(items)} time slots sent as "
                        "quick replies (their start times)")
    options = [MenuOption(id=i.id, title=i.title, description=i.description) for i in items]
    return _numbered(content.title, options, "time_slot",
                     f"time_picker.as_text: {len(items)} time slots written as a numbered text")


def _degrade_carousel(content: Carousel, caps: Capabilities) -> Degraded | None:
    out: list[Any] = []
    for card in content.cards:
        caption = card.title + (f"\n{card.subtitle}" if card.subtitle else "")
        if card.image_url and caps.supports("image"):
            out.append(Image(url=card.image_url, caption=caption))
        else:
            out.append(Text(text=caption))
        if card.buttons:
            out.append(Buttons(text=card.title, buttons=card.buttons))
    return Degraded(contents=out, rule=f"carousel.as_messages: {len(content.cards)} cards sent "
                    "as one message each")


def _degrade_rich_link(content: RichLink, caps: Capabilities) -> Degraded | None:
    text = f"{content.title}\n{content.url}" if content.title else content.url
    return Degraded(contents=[Text(text=text, preview_url=True)],
                    rule="rich_link.as_text: rich link sent as text with a link preview")


def _degrade_location(content: Location, caps: Capabilities) -> Degraded | None:
    place = ", ".join(p for p in (content.name, content.address) if p)
    link = f"https://maps.google.com/?q={content.latitude},{content.longitude}"
    return Degraded(contents=[Text(text=f"{place}\n{link}" if place else link)],
                    rule="location.as_text: location sent as text with a map link")


def _degrade_contacts(content: Contacts, caps: Capabilities) -> Degraded | None:
    blocks = []
    for c in content.contacts:
        lines = [c.name, *(f"☎ {p}" for p in c.phones), *(f"✉ {e}" for e in c.emails)]
        if c.organization:
            lines.insert(1, c.organization)
        blocks.append("\n".join(lines))
    return Degraded(contents=[Text(text="\n\n".join(blocks))],
                    rule="contacts.as_text: contact cards written as text")


def _degrade_sticker(content: Sticker, caps: Capabilities) -> Degraded | None:
    if not caps.supports("image"):
        return None
    image = Image(url=content.url, media_id=content.media_id, data=content.data,
                  mime_type=content.mime_type)
    return Degraded(contents=[image], rule="sticker.as_image: sticker sent as an image")


def _degrade_media(content: Media, caps: Capabilities) -> Degraded | None:
    if not content.caption or len(content.caption) <= caps.max_caption_length:
        return None
    bare = content.model_copy(update={"caption": None})
    kind = getattr(content, "kind", "media")
    return Degraded(contents=[bare, Text(text=content.caption)],
                    rule=f"{kind}.caption_as_text: the caption sent as a text after the {kind}")


def _drop(what: str) -> Callable[[Any, Capabilities], Degraded | None]:
    def rule(content: Any, caps: Capabilities) -> Degraded | None:
        if caps.supports(getattr(content, "kind", "")):
            return None  # the channel has it: the refusal was about this content, not the kind
        return Degraded(contents=[], rule=f"{what}.dropped: {caps.channel} has no {what}")

    rule.__doc__ = f"{what} dropped"
    return rule


LADDER: dict[str, Callable[[Any, Capabilities], Degraded | None]] = {
    "text": _degrade_text,
    "buttons": _degrade_buttons,
    "quick_replies": _degrade_quick_replies,
    "list": _degrade_list,
    "time_picker": _degrade_time_picker,
    "carousel": _degrade_carousel,
    "rich_link": _degrade_rich_link,
    "location": _degrade_location,
    "contacts": _degrade_contacts,
    "sticker": _degrade_sticker,
    "image": _degrade_media,
    "video": _degrade_media,
    "audio": _degrade_media,
    "file": _degrade_media,
    "typing": _drop("typing"),
    "mark_read": _drop("mark_read"),
    "reaction": _drop("reaction"),
}
"""Next rung for each content kind; kinds absent here (templates, raw) are never degraded."""


def degrade(content: AnyContent, caps: Capabilities) -> Degraded | None:
    """The next rung of ``content``'s ladder on a channel with ``caps``, or ``None`` at the end.

    Pure: the hub calls it after the channel's ``render`` refused ``content``, renders the result,
    and calls it again on whatever is still refused.
    """
    rule = LADDER.get(getattr(content, "kind", ""))
    return rule(content, caps) if rule else None
