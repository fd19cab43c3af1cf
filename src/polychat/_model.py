"""The one pydantic base class every polychat model derives from.

Models are frozen (events can be shared between handlers and queued between processes),
forbid unknown fields (a typo in outbound content fails loudly instead of being dropped),
serialise bytes as base64 so a model with media bytes survives a JSON round trip, and
accept their leading fields positionally, as ``Text("hi")`` and ``Buttons("Pick", [...])``.
"""

from __future__ import annotations

from typing import Any, ClassVar

from pydantic import BaseModel, ConfigDict

__all__ = ["PolychatModel"]


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
        # What BaseModel.__init__ does, minus its extra call frame: models are built for every
        # inbound event, and this keeps the same validation (mode="after" validators return self).
        self.__pydantic_validator__.validate_python(data, self_instance=self)
