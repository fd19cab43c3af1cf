"""``polychat send``: real sends from the command line, one or many recipients, with progress.

Credentials come from the environment (never the command line, which other users of the machine
can see): WhatsApp ``POLYCHAT_WHATSAPP_TOKEN``; Messenger ``POLYCHAT_MESSENGER_TOKEN`` (and
optionally ``POLYCHAT_MESSENGER_APP_SECRET`` for ``appsecret_proof``); Apple
``POLYCHAT_APPLE_MSP_ID`` and ``POLYCHAT_APPLE_SECRET``. The account part of each address is the
phone number id, Page id or business id.

:func:`send_each` is the bulk loop: it sends one content to many addresses in turn, never stops
at a failure, and calls ``progress`` with a :class:`SendStep` after each recipient. A file
(``--file``) is uploaded once per business account first (:func:`upload_once`), each upload
reported as a step too, then sent by its media id.
"""

from __future__ import annotations

import mimetypes
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .address import Address
from .errors import ConfigurationError, PolychatError

__all__ = ["PerAccount", "SendStep", "channels_from_env", "media_from_file", "send_each",
           "upload_once"]


@dataclass(frozen=True)
class SendStep:
    """Progress of a long operation, reported after each step.

    Attributes:
        done: steps finished so far (this one included). total: steps in all.
        address: the recipient (``channel:account:user``) or, for an upload, ``channel:account``.
        message_ids: what the platform answered (message ids, or the uploaded media id).
        error: why the step failed (secrets already removed), or None.
        degraded: the degrade rules the hub applied.
    """

    done: int
    total: int
    address: str
    message_ids: tuple[str, ...] = ()
    error: str | None = None
    degraded: tuple[str, ...] = field(default_factory=tuple)

    @property
    def ok(self) -> bool:
        """Whether the step succeeded."""
        return self.error is None


Progress = Callable[[SendStep], None]
"""A progress callback: called once after each step."""


def channels_from_env(addresses: Sequence[Address], env: Mapping[str, str]) -> list[Any]:
    """One channel per (channel, account) among ``addresses``, credentials from ``env``.

    Raises:
        ConfigurationError: an address names a channel polychat does not serve.
    """
    from . import AppleMessages, Messenger, WhatsApp

    channels: list[Any] = []
    seen: set[tuple[str, str]] = set()
    for address in addresses:
        if (address.channel, address.account) in seen:
            continue
        seen.add((address.channel, address.account))
        if address.channel == "whatsapp":
            channels.append(WhatsApp(phone_number_id=address.account,
                                     access_token=env.get("POLYCHAT_WHATSAPP_TOKEN", ""),
                                     waba_id=env.get("POLYCHAT_WHATSAPP_WABA_ID") or None))
        elif address.channel == "messenger":
            channels.append(Messenger(page_id=address.account,
                                      page_access_token=env.get("POLYCHAT_MESSENGER_TOKEN", ""),
                                      app_secret=env.get("POLYCHAT_MESSENGER_APP_SECRET")))
        elif address.channel == "apple":
            channels.append(AppleMessages(msp_id=env.get("POLYCHAT_APPLE_MSP_ID", ""),
                                          secret=env.get("POLYCHAT_APPLE_SECRET", ""),
                                          business_id=address.account))
        else:
            raise ConfigurationError(f"unknown channel {address.channel!r}")
    return channels


def media_from_file(path: Path, caption: str | None = None) -> Any:
    """The media content for a file: ``Image``/``Video``/``Audio`` by MIME type, else ``File``."""
    from .content import Audio, File, Image, Video

    mime = mimetypes.guess_type(path.name)[0] or "application/octet-stream"
    kind = {"image": Image, "video": Video, "audio": Audio}.get(mime.split("/")[0], File)
    options: dict[str, Any] = {"data": path.read_bytes(), "mime_type": mime}
    if caption:
        options["caption"] = caption
    if kind is File:
        options["filename"] = path.name
    return kind(**options)


class PerAccount(dict[tuple[str, str], Any]):
    """Content per (channel, account); an :class:`~polychat.Address` looks its own up."""

    def __getitem__(self, key: Any) -> Any:
        """The content for an address, or for a ``(channel, account)`` pair."""
        if isinstance(key, Address):
            key = (key.channel, key.account)
        return super().__getitem__(key)


def upload_once(hub: Any, addresses: Sequence[Address], media: Any, *,
                progress: Progress | None = None) -> PerAccount:
    """Upload ``media`` once per (channel, account) of ``addresses``; returns the content to send
    to each: the media by its uploaded id, or ``media`` itself (bytes inline) where the platform
    has no upload-only call or the upload failed (the send then reports the error)."""
    accounts = list(dict.fromkeys((a.channel, a.account) for a in addresses))
    contents = PerAccount()
    for done, (channel, account) in enumerate(accounts, 1):
        try:
            media_id = hub.upload(channel, media, account=account)
        except ConfigurationError:  # no upload-only call (Apple): the send uploads inline
            contents[(channel, account)] = media
            continue
        except PolychatError as error:
            contents[(channel, account)] = media
            step = SendStep(done, len(accounts), f"{channel}:{account}", error=str(error))
        else:
            contents[(channel, account)] = media.model_copy(update={"data": None,
                                                                    "media_id": media_id})
            step = SendStep(done, len(accounts), f"{channel}:{account}", message_ids=(media_id,))
        if progress is not None:
            progress(step)
    return contents


def send_each(hub: Any, addresses: Sequence[Address], content: Any, *,
              progress: Progress | None = None) -> list[SendStep]:
    """Send ``content`` to each address in turn with a sync :class:`~polychat.Hub`.

    A failure is recorded in its step and the loop goes on. ``content`` may be a callable
    ``(address) -> content`` (e.g. an upload's media id per account).

    Returns:
        One :class:`SendStep` per address, in order (the same ones ``progress`` saw).
    """
    steps: list[SendStep] = []
    for done, address in enumerate(addresses, 1):
        what = content(address) if callable(content) else content
        try:
            result = hub.send(address, what)
        except PolychatError as error:
            step = SendStep(done, len(addresses), str(address), error=str(error))
        else:
            step = SendStep(done, len(addresses), str(address), tuple(result.message_ids),
                            degraded=tuple(result.degraded))
        steps.append(step)
        if progress is not None:
            progress(step)
    return steps
