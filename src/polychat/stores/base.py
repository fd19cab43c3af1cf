"""What a hub keeps between webhooks: seen event keys (dedup) and customer activity times."""

from __future__ import annotations

from datetime import datetime
from typing import Any, Protocol, runtime_checkable

__all__ = ["Store"]


@runtime_checkable
class Store(Protocol):
    """Storage a hub uses for de-duplication and the messaging-window check.

    Implementations must be safe to call from several threads (the sync hub's web adapters).
    """

    def remember(self, key: str, ttl: float) -> bool:
        """Record ``key`` for ``ttl`` seconds; return True if it was NOT already recorded.

        Must be atomic: of two concurrent calls with one key, exactly one returns True.
        """
        ...

    def touch_user(self, address: str, when: datetime) -> None:
        """Record that the customer at ``address`` (``str(Address)``) was active at ``when``."""
        ...

    def last_user_activity(self, address: str) -> datetime | None:
        """When the customer at ``address`` was last active, or None if unknown."""
        ...

    def conversation(self, address: str) -> dict[str, Any]:
        """What is known of the conversation at ``address`` (``closed``, ``capabilities``…)."""
        ...

    def update_conversation(self, address: str, **values: Any) -> None:
        """Merge ``values`` into the conversation state at ``address``."""
        ...
