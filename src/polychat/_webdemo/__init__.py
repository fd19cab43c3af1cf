"""``polychat demo --web``: the simulator as a local web page, one phone-like pane per platform.

The same bot (by default the shipped ``examples/order_bot.py``) talks to a simulated customer on
WhatsApp, Messenger and Apple Messages at once; each pane draws what the bot sent the way that
platform's app shows it. Everything is served by the package itself from 127.0.0.1: a stdlib HTTP
server (:mod:`.server`), the conversation state on an asyncio loop in a background thread
(:mod:`.session`), the JSON each message is drawn from (:mod:`.widgets`), and a plain-JS page
(``static/``) with no build step and nothing loaded from elsewhere.
"""

from __future__ import annotations

from .server import DemoServer, serve
from .session import DemoError, DemoSession

__all__ = ["DemoError", "DemoServer", "DemoSession", "serve"]
