"""Media attachments: by URL, by saved attachment id, and uploads (meta.md 2.3 and 2.4).

- ``Image``/``Video``/``Audio``/``File`` → ``attachment.type`` ``image``/``video``/``audio``/
  ``file``; ``Sticker`` has no Messenger form (``UnsupportedContent``).
- By URL: ``payload {url, is_reusable: true}`` (the response then carries a reusable
  ``attachment_id``); by ``media_id``: ``payload {attachment_id}``.
- Messenger attachments have no caption: one is refused (``messenger.media.caption``) so the hub
  sends it as a separate text instead of losing it.
- Uploads (``data=``) are multipart: ``message`` as a JSON string with
  ``payload {is_reusable: true}`` and the ``filedata`` file part; at most 25 MB; audio needs an
  ``audio/*`` MIME type.
"""

from __future__ import annotations

import json
from typing import Any

from polychat.content import Media

from ._check import check_http_url, check_required, fail, unsupported
from .limits import LIMITS

__all__ = ["FormFiles", "as_json", "attachment", "attachment_type", "attachment_upload_body",
           "no_caption", "upload_file"]

FormFiles = dict[str, tuple[str, bytes, str]]
"""Multipart file parts: field name → (filename, data, MIME type)."""

_ATTACHMENT_TYPES = {"image": "image", "video": "video", "audio": "audio", "file": "file"}
"""Media ``kind`` → Messenger ``attachment.type``."""

_EXTENSIONS = {
    "image/jpeg": "jpg", "image/png": "png", "image/gif": "gif", "image/webp": "webp",
    "video/mp4": "mp4", "video/quicktime": "mov", "video/3gpp": "3gp",
    "audio/mpeg": "mp3", "audio/mp4": "m4a", "audio/aac": "aac", "audio/ogg": "ogg",
    "audio/wav": "wav", "audio/x-wav": "wav",
    "application/pdf": "pdf", "text/plain": "txt", "text/csv": "csv",
}
"""Default file extensions of upload file names (``<kind>.<ext>``) when ``filename`` is unset."""


def as_json(value: Any) -> str:
    """Compact JSON for a multipart field."""
    return json.dumps(value, separators=(",", ":"), ensure_ascii=False)


def attachment_type(media: Media) -> str:
    """The ``attachment.type`` of ``media``.

    Raises:
        UnsupportedContent: a sticker or another media kind Messenger has no attachment for.
    """
    kind = _ATTACHMENT_TYPES.get(str(getattr(media, "kind", "")))
    if kind is None:
        unsupported(f"Messenger has no native {type(media).__name__} attachment",
                    f"{getattr(media, 'kind', 'content')}.unsupported")
    return kind


def no_caption(media: Media, kind: str) -> None:
    """Refuse a caption: Messenger attachments have none (the hub sends it as a text)."""
    if media.caption:
        fail(f"Messenger {kind} attachments have no caption; send it as a separate text "
             "(the hub does when degrading)", "media.caption")


def attachment(media: Media) -> dict[str, Any]:
    """``{type, payload}`` of a media attachment sent by URL or saved attachment id.

    Raises:
        UnsupportedContent: a sticker.
        ContentError: a caption, ``data=`` bytes (they go through ``upload_form``), a URL that is
            not http(s), an empty media id.
    """
    kind = attachment_type(media)
    no_caption(media, kind)
    if media.data is not None:
        fail(f"Messenger {kind} bytes are sent as a multipart upload (upload_form); the "
             "channel's send does that", "media.data")
    if media.media_id is not None:
        return {"type": kind, "payload": {"attachment_id": check_required(
            media.media_id, "media.attachment_id", "attachment ids")}}
    url = check_http_url(media.url, "media.url", "attachment URLs")
    return {"type": kind, "payload": {"url": url, "is_reusable": True}}


def upload_file(media: Media, *, allow_caption: bool = False) -> tuple[str, tuple[str, bytes, str]]:
    """Check ``data=`` media for upload; return its attachment type and ``filedata`` part.

    Raises:
        UnsupportedContent: a sticker.
        ContentError: a caption (unless ``allow_caption``), no bytes (``messenger.media.data``),
            no MIME type, audio without an ``audio/*`` type (``messenger.media.audio.mime_type``),
            a file over the kind's size limit (``messenger.media.<kind>``).
    """
    kind = attachment_type(media)
    if not allow_caption:
        no_caption(media, kind)
    if not media.data:
        fail(f"Messenger {kind} uploads need data= bytes", "media.data")
    mime = (media.mime_type or "").strip()
    base = mime.split(";", 1)[0].strip().lower()
    if "/" not in base:
        fail(f"Messenger {kind} uploads need a MIME type, got {media.mime_type!r}",
             f"media.{kind}.mime_type")
    if kind == "audio" and not base.startswith("audio/"):
        fail(f"Messenger audio uploads need an audio/* MIME type, got {media.mime_type!r}",
             "media.audio.mime_type")
    key = f"media.{kind}"
    size, limit = len(media.data), LIMITS[key]
    if size > limit:
        fail(f"Messenger {kind} uploads allow at most {limit / (1024 * 1024):g} MB ({limit} bytes), "
             f"got {size} bytes", key)
    filename = media.filename or f"{kind}.{_extension(base)}"
    return kind, (filename, media.data, mime)


def _extension(mime: str) -> str:
    if mime in _EXTENSIONS:
        return _EXTENSIONS[mime]
    subtype = mime.rsplit("/", 1)[-1]
    return subtype if subtype.isascii() and subtype.isalnum() else "bin"


def attachment_upload_body(
    media: Media,
) -> tuple[dict[str, Any] | None, dict[str, str], FormFiles]:
    """The request body of ``POST /{page-id}/message_attachments`` (Attachment Upload API).

    The response's ``attachment_id`` can then be sent as ``Image(media_id=…)`` (or used in
    ``media_template``) for 90 days. A caption is not part of a saved asset and is ignored.

    Args:
        media: ``Image``/``Video``/``Audio``/``File`` with ``url=`` or ``data=``.

    Returns:
        ``(json, fields, files)``: for url media the JSON body
        ``{"message": {"attachment": {"type", "payload": {"url", "is_reusable": true}}}}`` and no
        form; for data media ``None`` and the multipart form ``{"message": <JSON string>}`` with
        the ``filedata`` file part.

    Raises:
        UnsupportedContent: a sticker.
        ContentError: media that is already a saved attachment (``messenger.media.attachment_id``),
            a URL that is not http(s) (``messenger.media.url``), or the checks of
            :func:`upload_file`.
    """
    if media.data is not None:
        kind, filedata = upload_file(media, allow_caption=True)
        message = {"attachment": {"type": kind, "payload": {"is_reusable": True}}}
        return None, {"message": as_json(message)}, {"filedata": filedata}
    kind = attachment_type(media)
    if media.media_id is not None:
        fail(f"this {kind} is already a saved attachment (media_id={media.media_id!r}); there is "
             "nothing to upload", "media.attachment_id")
    url = check_http_url(media.url, "media.url", "attachment URLs")
    body = {"message": {"attachment": {"type": kind,
                                       "payload": {"url": url, "is_reusable": True}}}}
    return body, {}, {}
