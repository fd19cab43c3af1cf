"""Channels: one sub-package per platform, each a sans-I/O implementation of :class:`Channel`."""

from __future__ import annotations

from ._base import Channel, Exchange, SendOutcome

__all__ = ["Channel", "Exchange", "SendOutcome"]
