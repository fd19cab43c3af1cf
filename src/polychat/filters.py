"""Handler filters: small predicates on events that compose with ``&``, ``|`` and ``~``.

A :class:`Filter` looks at one event and answers ``None`` (no match) or a mapping (a match, plus
data for the handler, such as the ``re.Match`` of :func:`regex`). ``hub.on`` turns its keywords
into filters and ANDs them; ``when=`` takes any filter, or a plain ``event -> bool`` callable::

    from polychat import filters

    @hub.on(polychat.MessageReceived, regex=r"^order (\\d+)$")
    async def order(event, ctx):
        number = ctx.match.group(1)

    @hub.on(when=filters.choice_prefix("order:") & ~filters.channel("apple"))
    async def picked(event, ctx):
        order_id = ctx.data["suffix"]

Composition rules:

- ``a & b`` matches when both match; their data are merged (``b`` wins on a shared key).
  ``b`` is not evaluated when ``a`` does not match.
- ``a | b`` matches when either does, and hands on the data of the first that matches
  (``b`` is not evaluated when ``a`` matches).
- ``~a`` matches when ``a`` does not; it hands on no data.
- Python's precedence applies: ``~`` binds tighter than ``&``, which binds tighter than ``|``.
- A filter is not a boolean: ``a and b``, ``not a`` and ``if a:`` raise ``TypeError`` (use the
  operators). Calling a filter, ``a(event)``, returns whether it matches.

Every built-in knows which event classes it can ever match (:attr:`Filter.event_types`), so
``hub.on`` refuses, when the handler is registered, a filter that could never fire for the event
class it is registered for (``text=`` on ``MessageStatus``…).
"""

from __future__ import annotations

import inspect
import re
from collections.abc import Callable, Iterable, Mapping
from types import MappingProxyType
from typing import Any, get_args

from .content import Text
from .errors import ConfigurationError
from .events import ChoiceSelected, Event, MessageReceived, MessageStatus, Referral, ReferralInfo

__all__ = [
    "STATUSES",
    "Filter",
    "Predicate",
    "account",
    "always",
    "as_filter",
    "channel",
    "choice_id",
    "choice_prefix",
    "content",
    "from_keywords",
    "kind",
    "referral",
    "regex",
    "status",
    "text",
    "user",
]

Data = Mapping[str, Any]
"""What a matching filter hands the handler (``ctx.data``)."""

Predicate = Callable[[Any], bool]
"""A plain ``event -> bool`` callable, accepted wherever a :class:`Filter` is."""

EventTypes = tuple[type[Event], ...]

_EMPTY: Data = MappingProxyType({})

#: The statuses a :class:`~polychat.MessageStatus` can have.
STATUSES: frozenset[str] = frozenset(get_args(MessageStatus.model_fields["status"].annotation))


class Filter:
    """A named test on an event: ``check(event)`` is ``None`` (no match) or the data to hand on.

    Build one from a function, or subclass it and override :meth:`check`::

        vip = Filter(lambda e: {"tier": "gold"} if e.sender.user in GOLD else None, name="vip")

        class FromAds(Filter):
            def check(self, event):
                return {} if getattr(event, "referral", None) else None

    Args:
        check: ``event -> Mapping | None``; leave it out when a subclass overrides :meth:`check`.
        name: how the filter prints (in logs and reprs); defaults to the function's name.
        event_types: the event classes the filter can ever match (``None``: any event); ``hub.on``
            refuses a filter that can never match the handler's event class.
    """

    def __init__(self, check: Callable[[Event], Data | None] | None = None, *,
                 name: str | None = None,
                 event_types: Iterable[type[Event]] | None = None) -> None:
        self._check = check
        default = _callable_name(check) if check is not None else type(self).__name__
        self.name = name or default
        self.event_types: EventTypes | None = None if event_types is None else tuple(event_types)
        """The event classes this filter can ever match, or ``None`` when it may match any."""

    def check(self, event: Event) -> Data | None:
        """``None`` when ``event`` does not match; else the data to hand the handler."""
        if self._check is None:
            raise NotImplementedError(f"{type(self).__name__} must override check() or be given one")
        return self._check(event)

    def __call__(self, event: Event) -> bool:
        """Whether ``event`` matches (so a filter also works as a plain predicate)."""
        return self.check(event) is not None

    def can_match(self, event_type: type[Event]) -> bool:
        """Whether an event of class ``event_type`` (or a subclass) could ever match."""
        if self.event_types is None:
            return True
        return any(_related(event_type, t) for t in self.event_types)

    def __and__(self, other: Filter | Predicate) -> Filter:
        return _All((self, as_filter(other)))

    def __rand__(self, other: Filter | Predicate) -> Filter:
        return _All((as_filter(other), self))

    def __or__(self, other: Filter | Predicate) -> Filter:
        return _Any((self, as_filter(other)))

    def __ror__(self, other: Filter | Predicate) -> Filter:
        return _Any((as_filter(other), self))

    def __invert__(self) -> Filter:
        return _Not(self)

    def __bool__(self) -> bool:
        raise TypeError(f"a filter is not a boolean: combine filters with &, | and ~ "
                        f"(not and/or/not), or call it on an event ({self!r})")

    def __repr__(self) -> str:
        return self.name


class _All(Filter):
    """Matches when every part does; their data are merged in order."""

    parts: tuple[Filter, ...]

    def __init__(self, parts: tuple[Filter, ...]) -> None:
        flat: list[Filter] = []
        for part in parts:
            flat.extend(part.parts if isinstance(part, _All) else (part,))
        self.parts = tuple(flat)
        types: EventTypes | None = None
        for part in self.parts:
            types = _narrow(types, part.event_types)
        super().__init__(name=" & ".join(_wrap(p, _Any) for p in self.parts), event_types=types)

    def check(self, event: Event) -> Data | None:
        merged: dict[str, Any] = {}
        for part in self.parts:
            data = part.check(event)
            if data is None:
                return None
            merged.update(data)
        return merged


class _Any(Filter):
    """Matches when some part does, with the data of the first part that matches."""

    parts: tuple[Filter, ...]

    def __init__(self, parts: tuple[Filter, ...]) -> None:
        flat: list[Filter] = []
        for part in parts:
            flat.extend(part.parts if isinstance(part, _Any) else (part,))
        self.parts = tuple(flat)
        types: EventTypes | None = ()
        for part in self.parts:
            types = None if types is None or part.event_types is None else _dedup(types + part.event_types)
        super().__init__(name=" | ".join(p.name for p in self.parts), event_types=types)

    def check(self, event: Event) -> Data | None:
        for part in self.parts:
            data = part.check(event)
            if data is not None:
                return data
        return None


class _Not(Filter):
    """Matches when the inner filter does not."""

    def __init__(self, inner: Filter) -> None:
        self.inner = inner
        super().__init__(name="~" + _wrap(inner, _All, _Any))

    def check(self, event: Event) -> Data | None:
        return _EMPTY if self.inner.check(event) is None else None

    def __invert__(self) -> Filter:
        return self.inner


def as_filter(value: Filter | Predicate) -> Filter:
    """``value`` as a :class:`Filter`: a filter unchanged, a plain ``event -> bool`` callable wrapped.

    Raises:
        ConfigurationError: ``value`` is not callable, or is an async function (filters are
            synchronous: they run while the hub picks a handler).
    """
    if isinstance(value, Filter):
        return value
    if not callable(value):
        raise ConfigurationError(f"a filter must be a Filter or a callable event -> bool, got {value!r}")
    async_call = not inspect.isroutine(value) and inspect.iscoroutinefunction(type(value).__call__)
    if inspect.iscoroutinefunction(value) or async_call:
        raise ConfigurationError(f"{_callable_name(value)} is async: filters must be plain functions")
    predicate = value
    return Filter(lambda event: _EMPTY if predicate(event) else None, name=_callable_name(value))


# -- built-ins -----------------------------------------------------------------------------------


def always() -> Filter:
    """Match every event (the explicit catch-all; ``hub.on()`` alone does the same)."""
    return Filter(lambda event: _EMPTY, name="always()")


def channel(*names: str) -> Filter:
    """Match events from any of the channels ``names`` (``"whatsapp"``, ``"messenger"``, ``"apple"``)."""
    wanted = frozenset(_strings("channel", names))
    return Filter(lambda event: _EMPTY if event.channel in wanted else None,
                  name=_call("channel", names))


def account(*ids: str) -> Filter:
    """Match events received by any of the business accounts ``ids`` (WhatsApp phone number id,
    Page id, Apple business id: the event's ``recipient.account``)."""
    wanted = frozenset(_strings("account", ids))
    return Filter(lambda event: _EMPTY if event.recipient.account in wanted else None,
                  name=_call("account", ids))


def user(*ids: str) -> Filter:
    """Match events from any of the customers ``ids`` (the event's ``sender.user``)."""
    wanted = frozenset(_strings("user", ids))
    return Filter(lambda event: _EMPTY if event.sender.user in wanted else None,
                  name=_call("user", ids))


def kind(*event_classes: type[Event]) -> Filter:
    """Match events of any of ``event_classes`` (subclasses included)."""
    if not event_classes:
        raise ConfigurationError("kind() needs at least one event class")
    for cls in event_classes:
        if not (isinstance(cls, type) and issubclass(cls, Event)):
            raise ConfigurationError(f"kind() takes event classes, got {cls!r}")
    return Filter(lambda event: _EMPTY if isinstance(event, event_classes) else None,
                  name=f"kind({', '.join(c.__name__ for c in event_classes)})",
                  event_types=event_classes)


def text(*values: str, ignore_case: bool = True) -> Filter:
    """Match a text message whose whole text (stripped) is one of ``values``, or a tap whose
    title is.

    Matches a :class:`~polychat.MessageReceived` with :class:`~polychat.Text` content, and a
    :class:`~polychat.ChoiceSelected` whose ``title`` equals one of ``values`` (so ``text("Yes")``
    catches both a typed "yes" and a tap on a "Yes" button). Case is ignored unless
    ``ignore_case=False``; surrounding spaces always are.
    """
    def norm(value: str) -> str:
        value = value.strip()
        return value.casefold() if ignore_case else value

    wanted = frozenset(norm(v) for v in _strings("text", values))

    def check(event: Event) -> Data | None:
        said = _text_of(event)
        return _EMPTY if said is not None and norm(said) in wanted else None

    name = _call("text", values)
    if not ignore_case:
        name = name[:-1] + ", ignore_case=False)"
    return Filter(check, name=name, event_types=(MessageReceived, ChoiceSelected))


def regex(pattern: str | re.Pattern[str], flags: int | re.RegexFlag = 0) -> Filter:
    """Match a text message (or a tap's title) in which ``pattern`` is found (``re.search``).

    The handler gets the match as ``ctx.match`` (and ``ctx.data["match"]``). Anchor the pattern
    (``^…$``) to match the whole text.
    """
    try:
        compiled = re.compile(pattern, flags)
    except (re.error, ValueError, TypeError) as error:
        raise ConfigurationError(f"regex({pattern!r}) is not a valid pattern: {error}") from error
    if not isinstance(compiled.pattern, str):
        raise ConfigurationError("regex() takes a text (str) pattern, not bytes")

    def check(event: Event) -> Data | None:
        said = _text_of(event)
        found = compiled.search(said) if said is not None else None
        return None if found is None else {"match": found}

    if isinstance(pattern, re.Pattern):
        name = f"regex({pattern!r})"
    else:
        name = f"regex({pattern!r}, flags={re.RegexFlag(flags)!r})" if flags else f"regex({pattern!r})"
    return Filter(check, name=name, event_types=(MessageReceived, ChoiceSelected))


def choice_id(*ids: str) -> Filter:
    """Match a :class:`~polychat.ChoiceSelected` whose ``choice_id`` is one of ``ids``."""
    wanted = frozenset(_strings("choice_id", ids))

    def check(event: Event) -> Data | None:
        return _EMPTY if isinstance(event, ChoiceSelected) and event.choice_id in wanted else None

    return Filter(check, name=_call("choice_id", ids), event_types=(ChoiceSelected,))


def choice_prefix(*prefixes: str) -> Filter:
    """Match a :class:`~polychat.ChoiceSelected` whose ``choice_id`` starts with one of ``prefixes``.

    The handler gets ``ctx.data["prefix"]`` (the prefix found) and ``ctx.data["suffix"]`` (the
    rest of the id): ``choice_prefix("order:")`` on ``"order:42"`` gives ``suffix="42"``.
    """
    # longest first, so "order:cancel:" wins over "order:" whatever the order given
    ordered = sorted(_strings("choice_prefix", prefixes), key=len, reverse=True)

    def check(event: Event) -> Data | None:
        if not isinstance(event, ChoiceSelected):
            return None
        for prefix in ordered:
            if event.choice_id.startswith(prefix):
                return {"prefix": prefix, "suffix": event.choice_id[len(prefix):]}
        return None

    return Filter(check, name=_call("choice_prefix", prefixes), event_types=(ChoiceSelected,))


def content(*content_classes: type[Any]) -> Filter:
    """Match a :class:`~polychat.MessageReceived` whose content is one of ``content_classes``
    (``content(polychat.Image, polychat.Video)``, ``content(polychat.Location)``…)."""
    if not content_classes:
        raise ConfigurationError("content() needs at least one content class")
    for cls in content_classes:
        if not isinstance(cls, type):
            raise ConfigurationError(f"content() takes content classes, got {cls!r}")

    def check(event: Event) -> Data | None:
        matched = isinstance(event, MessageReceived) and isinstance(event.content, content_classes)
        return _EMPTY if matched else None

    return Filter(check, name=f"content({', '.join(c.__name__ for c in content_classes)})",
                  event_types=(MessageReceived,))


def status(*statuses: str) -> Filter:
    """Match a :class:`~polychat.MessageStatus` whose ``status`` is one of ``statuses``
    (``"sent"``, ``"delivered"``, ``"read"``, ``"played"``, ``"failed"``, ``"deleted"``)."""
    wanted = frozenset(_strings("status", statuses))
    unknown = sorted(wanted - STATUSES)
    if unknown:
        raise ConfigurationError(f"status() got unknown statuses {unknown}; "
                                 f"known: {', '.join(sorted(STATUSES))}")

    def check(event: Event) -> Data | None:
        return _EMPTY if isinstance(event, MessageStatus) and event.status in wanted else None

    return Filter(check, name=_call("status", statuses), event_types=(MessageStatus,))


def referral(*sources: str) -> Filter:
    """Match events that carry a referral: a message or tap that arrived with one, or a
    standalone :class:`~polychat.Referral`.

    With ``sources``, only referrals whose ``source`` (the platform's own value: WhatsApp
    ``"ad"``, Messenger ``"ADS"`` or ``"SHORTLINK"``, Apple ``"entry_point"``…) is one of them.
    The handler gets the details as ``ctx.data["referral"]`` (a :class:`~polychat.ReferralInfo`).
    """
    wanted = frozenset(_strings("referral", sources, allow_empty=True))

    def check(event: Event) -> Data | None:
        info = _referral_of(event)
        if info is None or (wanted and info.source not in wanted):
            return None
        return {"referral": info}

    return Filter(check, name=_call("referral", sources),
                  event_types=(MessageReceived, ChoiceSelected, Referral))


# -- hub.on keywords -----------------------------------------------------------------------------


def from_keywords(event_type: type[Event] = Event, *,
                  channel: str | Iterable[str] | None = None,
                  text: str | Iterable[str] | None = None,
                  regex: str | re.Pattern[str] | None = None,
                  choice_id: str | Iterable[str] | None = None,
                  when: Filter | Predicate | None = None) -> Filter | None:
    """The filter ``hub.on`` builds from its keywords: each given keyword ANDed, in this order.

    Returns ``None`` when no keyword is given (the handler takes every ``event_type`` event).

    Raises:
        ConfigurationError: a keyword has the wrong type, or can never match an ``event_type``
            event (``choice_id=`` on ``MessageReceived``, ``text=`` on ``MessageStatus``…).
    """
    if not (isinstance(event_type, type) and issubclass(event_type, Event)):
        raise ConfigurationError(f"hub.on() takes an event class, got {event_type!r}")
    parts: list[tuple[str, Filter]] = []
    if channel is not None:
        parts.append(("channel", _channel(*_several("channel", channel))))
    if text is not None:
        parts.append(("text", _text(*_several("text", text))))
    if regex is not None:
        if not isinstance(regex, str | re.Pattern):
            raise ConfigurationError(f"regex= takes a str or a compiled pattern, got {regex!r}")
        parts.append(("regex", _regex(regex)))
    if choice_id is not None:
        parts.append(("choice_id", _choice_id(*_several("choice_id", choice_id))))
    if when is not None:
        parts.append(("when", as_filter(when)))
    for keyword, part in parts:
        if not part.can_match(event_type):
            raise ConfigurationError(
                f"{keyword}={part!r} only matches {_names(part.event_types)} events: "
                f"a hub.on({event_type.__name__}) handler with it would never run")
    if not parts:
        return None
    combined = parts[0][1] if len(parts) == 1 else _All(tuple(p for _, p in parts))
    if not combined.can_match(event_type):
        raise ConfigurationError(f"the filters {combined!r} can never all match one event: "
                                 f"a hub.on({event_type.__name__}) handler with them would never run")
    return combined


# the keyword parameters of from_keywords shadow the built-ins of the same names
_channel, _text, _regex, _choice_id = channel, text, regex, choice_id


# -- helpers -------------------------------------------------------------------------------------


def _text_of(event: Event) -> str | None:
    """The words of a text message or the title of a tap; ``None`` for anything else."""
    if isinstance(event, MessageReceived):
        return event.content.text if isinstance(event.content, Text) else None
    if isinstance(event, ChoiceSelected):
        return event.title
    return None


def _referral_of(event: Event) -> ReferralInfo | None:
    if isinstance(event, MessageReceived | ChoiceSelected):
        return event.referral
    if isinstance(event, Referral):
        return event.referral or ReferralInfo(source=event.source, ref=event.ref, ad_id=event.ad_id)
    return None


def _strings(name: str, values: tuple[str, ...], *, allow_empty: bool = False) -> tuple[str, ...]:
    if not values and not allow_empty:
        raise ConfigurationError(f"{name}() needs at least one value")
    for value in values:
        if not isinstance(value, str):
            raise ConfigurationError(f"{name}() takes strings, got {value!r}")
    return values


def _several(keyword: str, value: str | Iterable[str]) -> tuple[str, ...]:
    """A keyword that takes one string or several, as a tuple of strings."""
    if isinstance(value, str):
        return (value,)
    if not isinstance(value, Iterable):
        raise ConfigurationError(f"{keyword}= takes a str or a sequence of str, got {value!r}")
    values = tuple(value)
    if not values or not all(isinstance(v, str) for v in values):
        raise ConfigurationError(f"{keyword}= takes a str or a non-empty sequence of str, got {value!r}")
    return values


def _call(name: str, args: tuple[str, ...]) -> str:
    return f"{name}({', '.join(repr(a) for a in args)})"


def _callable_name(value: object) -> str:
    target = getattr(value, "func", value)  # functools.partial
    return str(getattr(target, "__qualname__", None) or getattr(target, "__name__", None) or repr(value))


def _wrap(part: Filter, *kinds: type[Filter]) -> str:
    """The part's name, parenthesised when it is a composition that binds less tightly."""
    return f"({part.name})" if isinstance(part, kinds) else part.name


def _related(a: type[Event], b: type[Event]) -> bool:
    return issubclass(a, b) or issubclass(b, a)


def _narrow(a: EventTypes | None, b: EventTypes | None) -> EventTypes | None:
    """The event classes both ``a`` and ``b`` can match (``None`` = any)."""
    if a is None:
        return b
    if b is None:
        return a
    both = [x if issubclass(x, y) else y for x in a for y in b if _related(x, y)]
    return _dedup(tuple(both))


def _dedup(types: EventTypes) -> EventTypes:
    return tuple(dict.fromkeys(types))


def _names(types: EventTypes | None) -> str:
    if not types:
        return "no"
    return " or ".join(t.__name__ for t in types)
