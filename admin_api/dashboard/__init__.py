"""The web console at ``/dashboard``: static files served as they are, no build step.

The front end in ``static/`` is plain ES modules, one CSS file and charts drawn as inline SVG;
it talks only to the admin API (``/api``) and the live feed (``/ws``), with the session token
from login. Pages are hash routes of one document (``/dashboard/#/decisions``)::

    GET /dashboard                  308 to /dashboard/
    GET /dashboard/                 index.html
    GET /dashboard/static/{path}    the assets (ETag; revalidated on every load)

The links in the gateway's mails point at short paths, which send the browser on to the
console's screen for them, the token moved into the fragment (a fragment never reaches a
server, so from there on no proxy or access log sees it)::

    GET /invitations/accept?token=…   303 to /dashboard/#/invitations/accept?token=…
    GET /verify-email?token=…         303 to /dashboard/#/verify-email?token=…
    GET /reset-password?token=…       303 to /dashboard/#/reset-password?token=…

Every answer carries a Content-Security-Policy that allows this origin only: the console loads
nothing from anywhere else, and no inline script or style runs.
"""

from __future__ import annotations

from pathlib import Path
from urllib.parse import quote

from aiohttp import web

from core.errors import NotFoundError

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


# The paths of the links in mails (admin_api.members, admin_api.accounts, governs.cli_users).
MAIL_LINKS = ("/invitations/accept", "/verify-email", "/reset-password")


def mount_dashboard(app: web.Application) -> None:
    app.router.add_get(PREFIX, _to_index)
    app.router.add_get(f"{PREFIX}/", _index)
    app.router.add_get(PREFIX + "/static/{path:.+}", _asset)
    for path in MAIL_LINKS:
        app.router.add_get(path, _mail_link)


async def _mail_link(request: web.Request) -> web.StreamResponse:
    token = request.query.get("token", "")[:200]
    route = request.path.lstrip("/")
    target = f"{PREFIX}/#/{route}" + (f"?token={quote(token, safe='')}" if token else "")
    raise web.HTTPSeeOther(target, headers={**SECURITY_HEADERS, "Cache-Control": "no-store"})


async def _to_index(_request: web.Request) -> web.StreamResponse:
    raise web.HTTPPermanentRedirect(f"{PREFIX}/")


async def _index(_request: web.Request) -> web.StreamResponse:
    return web.FileResponse(STATIC_DIR / "index.html", headers=SECURITY_HEADERS)


async def _asset(request: web.Request) -> web.StreamResponse:
    path = (STATIC_DIR / request.match_info["path"]).resolve()
    if not path.is_relative_to(STATIC_DIR) or not path.is_file():
        raise NotFoundError("no such file in the dashboard", code="unknown_url")
    return web.FileResponse(path, headers=SECURITY_HEADERS)
