"""Testing helpers: the :class:`Simulator` of the platforms' APIs and its simulated users.

Run a real hub against it — no credentials, no network::

    sim = Simulator()
    hub = polychat.AsyncHub(polychat.WhatsApp(phone_number_id="106540352242922",
                                              access_token="fake", app_secret="fake"))
    sim.attach(hub)
    replies = await sim.user("whatsapp").says("hi")
    print(replies[0].view)
"""

from __future__ import annotations

from .simulator import SentMessage, SimulatedUser, Simulator, SimulatorError

__all__ = ["SentMessage", "SimulatedUser", "Simulator", "SimulatorError"]
