"""Stores: where a hub keeps dedup keys and customer activity (memory by default)."""

from __future__ import annotations

from .base import Store
from .memory import MemoryStore

__all__ = ["MemoryStore", "Store"]
