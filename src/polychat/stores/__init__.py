"""Stores: where a hub keeps dedup keys and customer activity (memory by default).

``RedisStore`` (shared by several workers) is imported from its own module, so that importing
polychat never needs the ``redis`` package: ``from polychat.stores.redis import RedisStore``.
"""

from __future__ import annotations

from .base import Store
from .memory import MemoryStore

__all__ = ["MemoryStore", "Store"]
