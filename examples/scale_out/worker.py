"""The arq worker: takes queued events and runs the bot's handlers on them.

Run any number of them, on any machine that reaches the Redis::

    arq examples.scale_out.worker.WorkerSettings

Delivery guarantees, end to end:

- The receivers de-duplicate (in the shared store) before enqueueing, and the job id is derived
  from the event, so each event becomes one job, however often the platform re-delivers it.
- A job whose handlers complete is never run again: each event is dispatched at most once.
- A job whose worker DIED mid-way (killed, crashed, lost its host) is not lost: arq keeps the job
  in the queue until it finishes, and another worker runs it again once the dead worker's
  in-progress mark expires (``job_timeout`` + 10 s), up to ``max_tries`` times. A handler
  interrupted that way may run twice, so a handler with side effects beyond replying should
  make them idempotent (key them on ``event.id``).
- A handler that RAISES does not fail the job: the hub logs the exception and moves on (retrying
  would send the customer the replies that did go out a second time).
"""

from __future__ import annotations

import os
from typing import Any

from arq.connections import RedisSettings
from pydantic import TypeAdapter

import polychat

from .bot import build_hub
from .settings import Settings, channels_from_env

__all__ = ["WorkerSettings", "handle_event", "shutdown", "startup"]

_EVENTS: TypeAdapter[polychat.Event] = TypeAdapter(polychat.AnyEvent)


async def startup(ctx: dict[str, Any]) -> None:
    """Build the worker's hub (same channels and shared store as the receivers), unless the
    caller put one in ``ctx["hub"]`` already (tests do, with the Simulator attached)."""
    if "hub" not in ctx:
        settings = Settings.from_env()
        ctx["hub"] = build_hub(channels_from_env(), settings.store())
        ctx["owns_hub"] = True


async def shutdown(ctx: dict[str, Any]) -> None:
    """Close the hub :func:`startup` built, and its store's connections."""
    if ctx.get("owns_hub"):
        hub: polychat.AsyncHub = ctx["hub"]
        await hub.aclose()
        close = getattr(hub.store, "aclose", None)
        if close is not None:
            await close()


async def handle_event(ctx: dict[str, Any], event_json: str) -> str:
    """The job: rebuild the event from its JSON and dispatch it to the bot's handlers.

    Returns ``"<kind> <id>"``, kept by arq as the job's result for a while.
    """
    event = _EVENTS.validate_json(event_json)
    hub: polychat.AsyncHub = ctx["hub"]
    await hub.dispatch([event])
    return f"{event.kind} {event.id}"  # type: ignore[attr-defined]


_settings = Settings.from_env()


class WorkerSettings:
    """What ``arq examples.scale_out.worker.WorkerSettings`` runs (see arq's ``Worker``).

    The knobs: ``max_jobs`` (events one worker handles at once, ``POLYCHAT_WORKER_MAX_JOBS``),
    ``job_timeout`` (seconds before a handler is cancelled), ``max_tries`` (runs of a job whose
    worker died before giving up).
    """

    functions = (handle_event,)
    on_startup = startup
    on_shutdown = shutdown
    queue_name = _settings.queue_name
    redis_settings = RedisSettings.from_dsn(_settings.redis_url)
    max_jobs = int(os.environ.get("POLYCHAT_WORKER_MAX_JOBS", "20"))
    job_timeout = 60
    max_tries = 3
    keep_result = 3600
