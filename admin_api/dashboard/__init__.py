"""The web console at ``/dashboard``: static files served as they are, no build step.

The front end in ``static/`` is plain ES modules, one CSS file and charts drawn as inline SVG;
it talks only to the admin API (``/api``) and the live feed (``/ws``), with the session token
from login. Pages are hash routes of one document (``/dashboard/#/decisions``)::

    GET /dashboard                  308 to /dashboard/
    GET /dashboard/                 index.html
    GET /dashboard/static/{path}    the assets (ETag; revalidated on every load)

Every answer carries a Content-Security-Policy that allows this origin only: the console loads
nothing from anywhere else, and no inline script or style runs.
"""

from __future__ import annotations

from pathlib import Path

from aiohttp import web

from gateway.errors import NotFoundError

STATIC_DIR = Path(__file__).resolve().parent / "static"
PREFIX = "/dashboard"
SECURITY_HEADERS = {
    "Content-Security-Policy": (
        "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
        "connect-src 'self'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'"
    ),
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
    "Cache-Control": "no-cache",
}


def mount_dashboard(app: web.Application) -> None:
    app.router.add_get(PREFIX, _to_index)
    app.router.add_get(f"{PREFIX}/", _index)
    app.router.add_get(PREFIX + "/static/{path:.+}", _asset)


async def _to_index(_request: web.Request) -> web.StreamResponse:
    raise web.HTTPPermanentRedirect(f"{PREFIX}/")


async def _index(_request: web.Request) -> web.StreamResponse:
    return web.FileResponse(STATIC_DIR / "index.html", headers=SECURITY_HEADERS)


async def _asset(request: web.Request) -> web.StreamResponse:
    path = (STATIC_DIR / request.match_info["path"]).resolve()
    if not path.is_relative_to(STATIC_DIR) or not path.is_file():
        raise NotFoundError("no such file in the dashboard", code="unknown_url")
    return web.FileResponse(path, headers=SECURITY_HEADERS)
