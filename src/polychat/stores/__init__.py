"""Stores: where a hub keeps dedup keys, customer activity, conversation state, pacing buckets.

:class:`MemoryStore` (one process) is the default. ``RedisStore`` (shared by several workers) is
imported from its own module, so that importing polychat never needs the ``redis`` package:
``from polychat.stores.redis import RedisStore``. Write your own store by implementing
:class:`Store`, or its sync half only by subclassing :class:`SyncStoreBase`.
"""

from __future__ import annotations

from .base import Store, SyncStoreBase
from .memory import MemoryStore

__all__ = ["MemoryStore", "Store", "SyncStoreBase"]
