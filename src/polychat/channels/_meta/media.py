"""Where Meta serves media from: the hosts WhatsApp and Messenger downloads may fetch.

WhatsApp's ``GET /{media-id}`` answers with a ``lookaside.fbsbx.com`` URL (``meta.md`` §4.7), which
may redirect to Meta's CDNs; Messenger's inbound attachment URLs are on ``scontent*.fbcdn.net``,
``video*.fbcdn.net`` and ``cdn.fbsbx.com``. A suffix allows the name itself and its subdomains.
Users add hosts with the channels' ``media_hosts=`` argument.
"""

from __future__ import annotations

__all__ = ["META_MEDIA_HOSTS"]

META_MEDIA_HOSTS: tuple[str, ...] = ("fbsbx.com", "fbcdn.net", "facebook.com", "whatsapp.net")
"""Host suffixes of Meta's media servers: lookaside/CDN (``fbsbx.com``), the Facebook CDN
(``fbcdn.net``), the Graph API and its file links (``facebook.com``) and WhatsApp's media CDN
(``whatsapp.net``)."""
