"""A FastAPI router serving a hub's webhooks (``pip install 'polychat[fastapi]'``).

::

    from fastapi import FastAPI
    from polychat.web.fastapi import router

    app = FastAPI()
    app.include_router(router(hub, prefix="/webhooks"))

``GET``/``POST {prefix}/{channel}`` (and deeper paths: Apple posts to ``…/message``). The
platform gets its answer first; the events are dispatched in a background task afterwards (an
:class:`~polychat.AsyncHub` awaited, a sync :class:`~polychat.Hub` run in the thread pool). The
routes stay out of the OpenAPI schema: they are the platforms' API, not yours.
"""

from __future__ import annotations

from ..hub import AsyncHub, Hub
from ._glue import missing, split_prefix

try:
    from fastapi import APIRouter
except ImportError as error:  # the framework comes with its extra
    raise missing("FastAPI", "fastapi", error) from error

from .starlette import METHODS, endpoint

__all__ = ["router"]


def router(hub: AsyncHub | Hub, *, prefix: str = "/webhooks",
           max_body: int | None = None) -> APIRouter:
    """An ``APIRouter`` with ``GET``/``POST {prefix}/{channel}`` (and deeper paths) for ``hub``.

    Args:
        hub: the hub whose channels answer (async or sync).
        prefix: the path the webhook URLs start with (``""`` for the root).
        max_body: the body cap in bytes (default :data:`polychat.web.DEFAULT_MAX_BODY`); a
            larger body gets 413.
    """
    api = APIRouter()
    view = endpoint(hub, max_body=max_body)
    base = split_prefix(prefix)
    api.add_api_route(f"{base}/{{channel}}", view, methods=METHODS, include_in_schema=False,
                      name="polychat_webhook")
    api.add_api_route(f"{base}/{{channel}}/{{rest:path}}", view, methods=METHODS,
                      include_in_schema=False, name="polychat_webhook_path")
    return api
