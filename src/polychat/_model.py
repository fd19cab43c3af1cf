"""The one pydantic base class every polychat model derives from.

Models are frozen (events can be shared between handlers and queued between processes),
forbid unknown fields (a typo in outbound content fails loudly instead of being dropped),
serialise bytes as base64 so a model with media bytes survives a JSON round trip, and
accept their leading fields positionally, as ``Text("hi")`` and ``Buttons("Pick", [...])``.

**Trusted construction.** The webhook parsers check every value they read from the platform's
JSON themselves (ids, strings, epoch times; see ``polychat.channels._json``), then build 3–5 models
per event. Validating those values a second time in pydantic was the largest single cost of
ingest, so inside a parser decorated with :func:`trusting` the classes that opt in with
``__trusted__ = True`` (addresses, events, text and media content) are filled from their keyword
arguments directly: defaults are applied, unknown or missing fields still fall back to full
validation (and its error), and every other class is validated as usual. The scope is per thread
and only the pure, synchronous parsers enter it. The test suite sets :data:`CHECK_TRUSTED`, which
validates every trusted construction too and fails loudly when the two would differ, so a parser
that relies on pydantic to refuse a value is caught by the fuzzers instead of shipping.
"""

from __future__ import annotations

import copy
import functools
import threading
from collections.abc import Callable
from functools import partial
from typing import Any, ClassVar, ParamSpec, TypeVar

from pydantic import BaseModel, ConfigDict
from pydantic_core import PydanticUndefined

__all__ = ["CHECK_TRUSTED", "PolychatModel", "trusting"]

_P = ParamSpec("_P")
_R = TypeVar("_R")

CHECK_TRUSTED = False
"""When True, every trusted construction is also validated and must give the same model (tests)."""


class _Trust(threading.local):
    depth = 0


_TRUST = _Trust()
_set = object.__setattr__


def trusting(parser: Callable[_P, _R]) -> Callable[_P, _R]:
    """Run ``parser`` with trusted construction on (this thread only, for the call's duration):
    the ``__trusted__`` classes it builds skip re-validation. For pure, synchronous parsers that
    check their input values themselves."""

    @functools.wraps(parser)
    def run_trusted(*args: _P.args, **kwargs: _P.kwargs) -> _R:
        _TRUST.depth += 1
        try:
            return parser(*args, **kwargs)
        finally:
            _TRUST.depth -= 1

    return run_trusted


def _shared_safely(value: Any) -> bool:
    """Whether one default object may be shared by every model (immutable scalars, None)."""
    return value is None or isinstance(value, str | bytes | int | float | bool | frozenset | tuple)


class _Layout:
    """What trusted construction needs to know of one class, computed once."""

    __slots__ = ("factories", "fields", "required", "template")

    def __init__(self, cls: type[PolychatModel]) -> None:
        missing = object()
        self.template: dict[str, Any] = {}
        self.factories: list[tuple[str, Callable[[], Any]]] = []
        required: list[str] = []
        for name, info in cls.model_fields.items():
            if info.default_factory is not None:
                self.template[name] = missing
                self.factories.append((name, info.default_factory))  # type: ignore[arg-type]
            elif info.default is PydanticUndefined:
                self.template[name] = missing
                required.append(name)
            elif _shared_safely(info.default):
                self.template[name] = info.default
            else:  # a mutable default: a copy per model, as validation gives
                self.template[name] = missing
                self.factories.append((name, partial(copy.deepcopy, info.default)))
        self.fields = frozenset(self.template)
        self.required = frozenset(required)


class PolychatModel(BaseModel):
    """Base of all polychat models: frozen, strict about extra fields, JSON round-trippable."""

    model_config = ConfigDict(
        frozen=True,
        extra="forbid",
        defer_build=True,
        ser_json_bytes="base64",
        val_json_bytes="base64",
        use_attribute_docstrings=True,
        arbitrary_types_allowed=False,
    )

    #: Fields that may be given positionally, in order. ``None`` means "every field except kind".
    __positional__: ClassVar[tuple[str, ...] | None] = None
    #: Whether parsers may build this class without re-validation (see the module docstring).
    __trusted__: ClassVar[bool] = False

    def __init__(self, /, *args: Any, **data: Any) -> None:
        if args:
            names = self.__positional__
            if names is None:
                names = tuple(n for n in type(self).model_fields if n != "kind")
            if len(args) > len(names):
                raise TypeError(
                    f"{type(self).__name__}() takes at most {len(names)} positional "
                    f"arguments ({', '.join(names)}), {len(args)} given"
                )
            for name, value in zip(names, args, strict=False):
                if name in data:
                    raise TypeError(f"{type(self).__name__}() got two values for {name!r}")
                data[name] = value
        if self.__trusted__ and _TRUST.depth and self._fill(data):
            return
        # What BaseModel.__init__ does, minus its extra call frame: models are built for every
        # inbound event, and this keeps the same validation (mode="after" validators return self).
        self.__pydantic_validator__.validate_python(data, self_instance=self)

    def _fill(self, data: dict[str, Any]) -> bool:
        """Set the fields from ``data`` without validation; False when it must be validated."""
        cls = type(self)
        layout: _Layout | None = cls.__dict__.get("_polychat_layout")
        if layout is None:
            layout = _Layout(cls)
            type.__setattr__(cls, "_polychat_layout", layout)
        keys = data.keys()
        if not (layout.required <= keys and keys <= layout.fields):
            return False  # validation raises the usual error
        values = layout.template.copy()
        values.update(data)  # existing keys keep their place: the field order is kept
        for name, factory in layout.factories:
            if name not in data:
                values[name] = factory()
        _set(self, "__dict__", values)
        _set(self, "__pydantic_fields_set__", set(keys))
        _set(self, "__pydantic_extra__", None)
        _set(self, "__pydantic_private__", None)
        if CHECK_TRUSTED:
            _check_trusted(self, data)
        return True


def _check_trusted(model: PolychatModel, data: dict[str, Any]) -> None:
    """Fail when validating ``data`` would refuse it or give another model (tests only)."""
    cls = type(model)
    depth, _TRUST.depth = _TRUST.depth, 0  # validation calls __init__ (a custom one) again
    try:
        validated = cls.__pydantic_validator__.validate_python(dict(data))
    except Exception as error:
        raise AssertionError(f"trusted {cls.__name__} accepted what validation refuses: "
                             f"{error}") from None
    finally:
        _TRUST.depth = depth
    if validated.__dict__ != model.__dict__ or list(validated.__dict__) != list(model.__dict__):
        raise AssertionError(f"trusted {cls.__name__} differs from the validated one:\n"
                             f"  trusted:   {model.__dict__!r}\n  validated: {validated.__dict__!r}")
