"""Configuration shared by the receivers and the workers, read from the environment.

Nothing here runs at import time: the receiver reads it when it starts serving, the worker when
arq imports its settings. Every receiver and every worker of one bot must see the same values
(the same Redis URL, key prefix, queue name and channel credentials).
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, field

import polychat
from polychat.stores.redis import RedisStore

__all__ = ["Settings", "channels_from_env"]

DEFAULT_REDIS_URL = "redis://localhost:6379/0"
DEFAULT_KEY_PREFIX = "shop:"
DEFAULT_QUEUE = "shop:events"


@dataclass(frozen=True)
class Settings:
    """Where the shared state and the job queue live.

    Attributes:
        redis_url: the one Redis every receiver and worker uses (``POLYCHAT_REDIS_URL``).
        key_prefix: prefix of the store's keys (``POLYCHAT_KEY_PREFIX``), so several bots can
            share one Redis database.
        queue_name: the arq queue the receivers fill and the workers drain (``POLYCHAT_QUEUE``).
    """

    redis_url: str = field(default=DEFAULT_REDIS_URL, repr=False)  # may hold a password
    key_prefix: str = DEFAULT_KEY_PREFIX
    queue_name: str = DEFAULT_QUEUE

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None) -> Settings:
        """The settings from ``env`` (the process environment by default)."""
        env = os.environ if env is None else env
        return cls(redis_url=env.get("POLYCHAT_REDIS_URL", DEFAULT_REDIS_URL),
                   key_prefix=env.get("POLYCHAT_KEY_PREFIX", DEFAULT_KEY_PREFIX),
                   queue_name=env.get("POLYCHAT_QUEUE", DEFAULT_QUEUE))

    def store(self) -> RedisStore:
        """The shared store: de-duplication, customer activity and conversation state."""
        return RedisStore(url=self.redis_url, prefix=self.key_prefix)


def channels_from_env(env: Mapping[str, str] | None = None) -> list[polychat.Channel]:
    """The channels whose credentials are set in ``env`` (the process environment by default).

    WhatsApp: ``POLYCHAT_WHATSAPP_PHONE_NUMBER_ID``, ``_TOKEN``, ``_APP_SECRET``,
    ``_VERIFY_TOKEN``. Messenger: ``POLYCHAT_MESSENGER_PAGE_ID``, ``_TOKEN``, ``_APP_SECRET``,
    ``_VERIFY_TOKEN``. Apple: ``POLYCHAT_APPLE_BUSINESS_ID``, ``_MSP_ID``, ``_SECRET``.

    Raises:
        polychat.ConfigurationError: no channel is configured.
    """
    env = os.environ if env is None else env
    channels: list[polychat.Channel] = []
    if "POLYCHAT_WHATSAPP_PHONE_NUMBER_ID" in env:
        channels.append(polychat.WhatsApp(
            phone_number_id=env["POLYCHAT_WHATSAPP_PHONE_NUMBER_ID"],
            access_token=env["POLYCHAT_WHATSAPP_TOKEN"],
            app_secret=env["POLYCHAT_WHATSAPP_APP_SECRET"],
            verify_token=env.get("POLYCHAT_WHATSAPP_VERIFY_TOKEN")))
    if "POLYCHAT_MESSENGER_PAGE_ID" in env:
        channels.append(polychat.Messenger(
            page_id=env["POLYCHAT_MESSENGER_PAGE_ID"],
            page_access_token=env["POLYCHAT_MESSENGER_TOKEN"],
            app_secret=env["POLYCHAT_MESSENGER_APP_SECRET"],
            verify_token=env.get("POLYCHAT_MESSENGER_VERIFY_TOKEN")))
    if "POLYCHAT_APPLE_BUSINESS_ID" in env:
        channels.append(polychat.AppleMessages(
            business_id=env["POLYCHAT_APPLE_BUSINESS_ID"],
            msp_id=env["POLYCHAT_APPLE_MSP_ID"],
            secret=env["POLYCHAT_APPLE_SECRET"]))
    if not channels:
        raise polychat.ConfigurationError(
            "no channel configured: set POLYCHAT_WHATSAPP_PHONE_NUMBER_ID (and its token and app "
            "secret), POLYCHAT_MESSENGER_PAGE_ID or POLYCHAT_APPLE_BUSINESS_ID")
    return channels
