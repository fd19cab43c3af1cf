"""Stores: where a hub keeps dedup keys, customer activity, conversation state, pacing buckets.

:class:`MemoryStore` (one process) is the default. ``RedisStore`` (shared by several workers) is
imported from its own module, so that importing polychat never needs the ``redis`` package:
``from polychat.stores.redis import RedisStore``. Write your own store by implementing
:class:`Store`, or its sync half only by subclassing :class:`SyncStoreBase`.

A hub records each webhook's events with one call of the optional batch method
``record`` / ``arecord``, given one :class:`Arrival` per event (its dedup key, the updates it
implies, the conversation state to read); see :mod:`polychat.stores.base`.
"""

from __future__ import annotations

from .base import Arrival, Store, SyncStoreBase
from .memory import MemoryStore

__all__ = ["Arrival", "MemoryStore", "Store", "SyncStoreBase"]
