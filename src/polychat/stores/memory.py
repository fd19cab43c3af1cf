"""The default in-process store: bounded, with TTLs, thread-safe."""

from __future__ import annotations

import threading
import time
from collections import OrderedDict
from collections.abc import Callable
from datetime import datetime
from typing import Any

__all__ = ["MemoryStore"]


class MemoryStore:
    """In-memory :class:`~polychat.stores.Store` with TTLs and a size bound.

    Keys expire after their TTL; when more than ``max_keys`` are held, the oldest go first (so
    memory stays bounded under any webhook volume). Not shared between processes: run several
    workers behind one webhook URL with a shared store instead.

    Args:
        max_keys: most dedup keys held at once.
        max_users: most customer activity times held at once.
        clock: monotonic seconds, injectable for tests.
    """

    def __init__(self, *, max_keys: int = 100_000, max_users: int = 100_000,
                 clock: Callable[[], float] = time.monotonic) -> None:
        if max_keys < 1 or max_users < 1:
            raise ValueError("max_keys and max_users must be positive")
        self.max_keys = max_keys
        self.max_users = max_users
        self._clock = clock
        self._keys: OrderedDict[str, float] = OrderedDict()
        self._users: OrderedDict[str, datetime] = OrderedDict()
        self._conversations: OrderedDict[str, dict[str, Any]] = OrderedDict()
        self._lock = threading.Lock()

    def remember(self, key: str, ttl: float) -> bool:
        """Record ``key`` for ``ttl`` seconds; True if it was new."""
        now = self._clock()
        with self._lock:
            expires = self._keys.get(key)
            if expires is not None and expires > now:
                return False
            self._keys[key] = now + ttl
            self._keys.move_to_end(key)
            self._evict(now)
            return True

    def _evict(self, now: float) -> None:
        while self._keys:
            oldest_key, expires = next(iter(self._keys.items()))
            if expires <= now or len(self._keys) > self.max_keys:
                del self._keys[oldest_key]
            else:
                break

    def touch_user(self, address: str, when: datetime) -> None:
        """Record the customer's latest activity (an older time never overwrites a newer one)."""
        with self._lock:
            previous = self._users.get(address)
            if previous is None or when > previous:
                self._users[address] = when
            self._users.move_to_end(address)
            while len(self._users) > self.max_users:
                self._users.popitem(last=False)

    def last_user_activity(self, address: str) -> datetime | None:
        """The customer's latest recorded activity, or None."""
        with self._lock:
            return self._users.get(address)

    def conversation(self, address: str) -> dict[str, Any]:
        """A copy of the conversation state at ``address`` (empty when unknown)."""
        with self._lock:
            return dict(self._conversations.get(address, {}))

    def update_conversation(self, address: str, **values: Any) -> None:
        """Merge ``values`` into the conversation state at ``address``."""
        with self._lock:
            self._conversations.setdefault(address, {}).update(values)
            self._conversations.move_to_end(address)
            while len(self._conversations) > self.max_users:
                self._conversations.popitem(last=False)

    def __len__(self) -> int:
        return len(self._keys)
