"""Addresses: who a message goes to or comes from, on which channel and business account."""

from __future__ import annotations

from typing import Self

from pydantic import field_validator

from ._model import PolychatModel

__all__ = ["Address"]


class Address(PolychatModel):
    """A conversation party: ``channel`` name, business ``account`` and platform ``user`` id.

    ``account`` is the business side (WhatsApp phone number id, Facebook Page id, Apple business
    id); ``user`` is the customer's platform id (WhatsApp ``wa_id`` or business-scoped user id,
    Messenger PSID, Apple opaque id). ``str(address)`` gives ``"channel:account:user"`` and
    :meth:`parse` reads it back; the user part may itself contain colons (Apple's ``urn:mbid:``).

    Example:
        >>> Address.parse("whatsapp:106540352242922:16505551234").user
        '16505551234'
    """

    channel: str
    """Channel name, e.g. ``"whatsapp"``."""
    account: str
    """Business-side id on that channel (phone number id, Page id, Apple business id)."""
    user: str
    """Customer id on that channel."""

    @field_validator("channel", "account", "user")
    @classmethod
    def _not_blank(cls, value: str) -> str:
        if not value or value != value.strip():
            raise ValueError("must be a non-empty string without surrounding whitespace")
        return value

    @field_validator("channel", "account")
    @classmethod
    def _no_colon(cls, value: str) -> str:
        if ":" in value:
            raise ValueError("must not contain ':'")
        return value

    def __str__(self) -> str:
        return f"{self.channel}:{self.account}:{self.user}"

    @classmethod
    def parse(cls, text: str) -> Self:
        """Read an address written as ``"channel:account:user"``.

        Raises:
            ValueError: when the text does not have three non-empty parts.
        """
        parts = text.split(":", 2)
        if len(parts) != 3 or not all(parts):
            raise ValueError(f"not an address of the form 'channel:account:user': {text!r}")
        return cls(channel=parts[0], account=parts[1], user=parts[2])
