"""Web pages served by the API app: the support sidebar, the chat widget, the marketer page, the health board.

Plain HTML, CSS and vanilla JS under ``static/`` (no build step). The pages call the REST API and the
few routes of :mod:`integrations.web.routes`; nothing the model writes is ever rendered as HTML.

| URL | who |
|---|---|
| ``/web/sidebar?ticket=ID`` (or ``?email=``, ``?account=``) | support, sales, admin key |
| ``/web/marketer`` | marketing, admin key |
| ``/web/health`` | support lead (support, sales, admin key) |
| ``/web/static/widget.js`` | any page: ``<script src=".../widget.js" data-key="WIDGET_KEY">`` |
| ``/web/widget-demo``, ``/web/privacy`` | public |
"""

from __future__ import annotations

from fastapi import FastAPI
from fastapi.staticfiles import StaticFiles

from copilot.core.context import AppContext
from copilot.core.errors import PolkuError
from integrations.web.routes import STATIC, pages, router

__all__ = ["mount_web"]


def mount_web(app: FastAPI, ctx: AppContext | None = None) -> FastAPI:
    """Add the pages, their static files and their routes to the API app (after ``create_app``).

    ``ctx`` is accepted for symmetry with the other surfaces; the routes read the app's own context.
    """
    if getattr(app.state, "api", None) is None:
        raise PolkuError("config", "mount_web needs the app of integrations.api.create_app (keys, context)")
    if ctx is not None and ctx is not app.state.api.ctx:
        raise PolkuError("config", "mount_web got another context than the app's")
    app.include_router(pages)
    app.include_router(router)
    app.mount("/web/static", StaticFiles(directory=STATIC), name="web-static")
    return app
