"""AppleMessages.render for media by URL, and texts that would misplace attachments."""

from __future__ import annotations

import base64

import pytest

import polychat

SECRET = base64.b64encode(b"fake-secret-0123456789abcdef0123").decode()


def channel() -> polychat.AppleMessages:
    return polychat.AppleMessages(msp_id="fake-msp-id", secret=SECRET,
                                  business_id="fake-business-0000", clock=lambda: 1767000000.0)


def test_render_of_url_media_shows_the_fetch_upload_and_send() -> None:
    requests = channel().render("urn:mbid:AQAAY/fake+id=",
                                polychat.Image(url="https://example.com/cat.jpg", mime_type="image/jpeg"))
    assert [r.method for r in requests] == ["GET", "GET", "POST", "POST"]
    assert requests[0].url == "https://example.com/cat.jpg"
    assert requests[1].url.endswith("/v1/preUpload")
    assert requests[-1].json["attachments"][0]["mimeType"] == "image/jpeg"


def test_a_text_cannot_hold_the_attachment_placeholder() -> None:
    with pytest.raises(polychat.ContentError) as info:
        channel().render("urn:mbid:AQAAY/fake+id=", polychat.Text("look \ufffc here"))
    assert info.value.limit == "apple.text.placeholder"


def test_webp_stickers_keep_their_extension() -> None:
    requests = channel().render("urn:mbid:AQAAY/fake+id=",
                                polychat.Sticker(data=b"RIFF0000WEBP", mime_type="image/webp"))
    assert requests[-1].json["attachments"][0]["name"] == "sticker.webp"
