"""Fixtures of the single sign-on tests: a real OpenID Connect provider (the npm package
``oidc-provider``, run with node from tests/sso/oidc_server/), a pass-through proxy in front of
it that can tamper with the ID tokens it hands out, and a gateway on PostgreSQL signing people
in through it.

The provider's issuer is the proxy's URL, so every request (the browser's and the gateway's)
goes through the proxy; it changes nothing unless a test sets ``tamper``. The provider reads its
accounts file at every sign-in: a test rewrites an account's claims (its groups) between two.
Without node, or without ``node_modules`` and no way to ``npm ci``, the tests skip (fail on CI).
"""

from __future__ import annotations

import base64
import json
import shutil
import socket
import subprocess
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import aiohttp
import httpx
import orjson
import pytest
from aiohttp import web
from multidict import CIMultiDict

from tests.admin_api.support import mail_to, token_in
from tests.harness import RunningGateway, ServiceThread, gateway_settings, start_gateway
from tests.services import missing, postgres_database

SERVER_DIR = Path(__file__).resolve().parent / "oidc_server"
BOOTSTRAP_KEY = "gai_sso-tests-bootstrap-0123456789abcdef"
CLIENT_ID = "governs-gateway"
CLIENT_SECRET = "sso-tests-client-secret-0123456789"
ORG_SLUG = "acme"
PROVIDER_NAME = "Acme SSO"
TEST_PASSWORD_HASH = {"time_cost": 1, "memory_cost_kib": 8, "parallelism": 1}
HOP_BY_HOP = {"connection", "keep-alive", "transfer-encoding", "content-length", "host",
              "content-encoding", "accept-encoding", "upgrade"}  # fmt: skip
ACCOUNTS: dict[str, dict[str, Any]] = {
    "alice": {"email": "alice@acme.test", "email_verified": True, "name": "Alice",
              "groups": ["gateway-admins", "staff"]},
    "dave": {"email": "dave@acme.test", "email_verified": True, "groups": ["staff"]},
    "erin": {"email": "erin@acme.test", "email_verified": True, "groups": ["gateway-devs"]},
    "bob": {"email": "bob@other.test", "email_verified": True, "groups": ["gateway-admins"]},
    "carol": {"email": "carol@acme.test", "email_verified": False, "groups": []},
    "mallory": {"email": "mallory@acme.test", "email_verified": True, "groups": []},
    "trent": {"email": "trent@acme.test", "email_verified": True, "groups": []},
}  # fmt: skip


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@dataclass
class IdpProxy:
    """Forwards every request to the provider as it is; with ``tamper``, changes the email in
    the ID token of each token response, leaving its signature as it was."""

    target: str = ""
    tamper: bool = False
    tampered: int = 0
    http: aiohttp.ClientSession | None = field(default=None, repr=False)

    async def handle(self, request: web.Request) -> web.StreamResponse:
        assert self.http is not None
        headers = {k: v for k, v in request.headers.items() if k.lower() not in HOP_BY_HOP}
        # oidc-provider builds its URLs from the Host it is asked at: the proxy's.
        headers["Host"] = request.host
        async with self.http.request(
            request.method, self.target + request.path_qs, headers=headers,
            data=await request.read(), allow_redirects=False,
        ) as upstream:  # fmt: skip
            body = await upstream.read()
            out = CIMultiDict(
                (k, v) for k, v in upstream.headers.items() if k.lower() not in HOP_BY_HOP
            )
            if self.tamper and request.path == "/token" and upstream.status == 200:
                body = self._tampered(body)
            return web.Response(status=upstream.status, headers=out, body=body)

    def _tampered(self, body: bytes) -> bytes:
        answer = orjson.loads(body)
        header, payload, signature = answer["id_token"].split(".")
        claims = json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))
        claims["email"] = "ceo@acme.test"
        forged = base64.urlsafe_b64encode(orjson.dumps(claims)).rstrip(b"=").decode()
        answer["id_token"] = f"{header}.{forged}.{signature}"
        self.tampered += 1
        return orjson.dumps(answer)


@dataclass
class Idp:
    issuer: str
    proxy: IdpProxy
    accounts_file: Path

    def set_claims(self, login: str, **claims: Any) -> None:
        accounts = json.loads(self.accounts_file.read_text())
        accounts[login] = {**accounts[login], **claims}
        self.accounts_file.write_text(json.dumps(accounts))


def _node_modules() -> None:
    if shutil.which("node") is None:
        missing("node is missing (apt-get install nodejs npm): the SSO tests run oidc-provider")
    if (SERVER_DIR / "node_modules" / "oidc-provider").is_dir():
        return
    if shutil.which("npm") is None:
        missing("npm is missing: the SSO tests install oidc-provider with `npm ci`")
    done = subprocess.run(["npm", "ci", "--no-audit", "--no-fund"], cwd=SERVER_DIR,
                          capture_output=True, text=True, timeout=300, check=False)  # fmt: skip
    if done.returncode != 0:
        missing(f"`npm ci` in {SERVER_DIR} failed: {done.stderr[-500:]}")


@pytest.fixture(scope="session")
def sso_ports() -> tuple[int, int]:
    """(the proxy's port, which is the issuer's; the gateway's), both chosen up front: each
    side's URL is in the other's configuration."""
    return free_port(), free_port()


@pytest.fixture(scope="session")
def idp(
    service_thread: ServiceThread,
    sso_ports: tuple[int, int],
    tmp_path_factory: pytest.TempPathFactory,
) -> Iterator[Idp]:
    _node_modules()
    proxy_port, gateway_port = sso_ports
    issuer = f"http://127.0.0.1:{proxy_port}"
    directory = tmp_path_factory.mktemp("oidc")
    accounts_file = directory / "accounts.json"
    accounts_file.write_text(json.dumps(ACCOUNTS))
    node_port = free_port()
    config = {
        "issuer": issuer,
        "port": node_port,
        "accountsFile": str(accounts_file),
        "clients": [{
            "client_id": CLIENT_ID,
            "client_secret": CLIENT_SECRET,
            "redirect_uris": [f"http://127.0.0.1:{gateway_port}/api/v1/auth/sso/callback"],
            "grant_types": ["authorization_code"],
            "response_types": ["code"],
        }],
    }  # fmt: skip
    (directory / "config.json").write_text(json.dumps(config))
    process = subprocess.Popen(
        ["node", str(SERVER_DIR / "server.js"), str(directory / "config.json")],
        cwd=SERVER_DIR, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
    )  # fmt: skip
    assert process.stdout is not None
    for line in process.stdout:
        if line.startswith("listening"):
            break
    else:
        pytest.fail(f"the OIDC provider did not start (exit {process.wait()})")
    proxy = IdpProxy(target=f"http://127.0.0.1:{node_port}")

    async def serve() -> web.AppRunner:
        proxy.http = aiohttp.ClientSession(auto_decompress=False)
        app = web.Application()
        app.router.add_route("*", "/{tail:.*}", proxy.handle)
        runner = web.AppRunner(app, access_log=None)
        await runner.setup()
        await web.TCPSite(runner, "127.0.0.1", proxy_port).start()
        return runner

    async def stop(runner: web.AppRunner) -> None:
        await runner.cleanup()
        assert proxy.http is not None
        await proxy.http.close()

    runner = service_thread.run(serve())
    try:
        yield Idp(issuer=issuer, proxy=proxy, accounts_file=accounts_file)
    finally:
        service_thread.run(stop(runner))
        process.terminate()
        process.wait(10)


def sso_provider(issuer: str, **overrides: Any) -> dict[str, Any]:
    return {
        "name": PROVIDER_NAME,
        "issuer": issuer,
        "client_id": CLIENT_ID,
        "client_secret": CLIENT_SECRET,
        "scopes": ["openid", "email", "profile", "groups"],
        "allowed_domains": ["acme.test"],
        "org": ORG_SLUG,
        "default_role": "VIEWER",
        "role_claim": "groups",
        "role_map": {"gateway-admins": "ADMIN", "gateway-devs": "DEVELOPER"},
        **overrides,
    }


@pytest.fixture(scope="session")
def sso_gateway(
    service_thread: ServiceThread,
    idp: Idp,
    sso_ports: tuple[int, int],
    tmp_path_factory: pytest.TempPathFactory,
) -> Iterator[RunningGateway]:
    """A gateway on its own PostgreSQL database, with the org ``acme`` that SSO signs into,
    and a second provider whose issuer does not answer."""
    directory = tmp_path_factory.mktemp("sso-gateway")
    database = postgres_database()
    url = next(database)
    gateway_port = sso_ports[1]
    raw: dict[str, Any] = {
        "database": {"url": url},
        "writer": {"flush_interval_seconds": 0.01, "spool_dir": str(directory / "spool")},
        "pii": {"ner": False},
        "admin": {
            "public_url": f"http://127.0.0.1:{gateway_port}",
            "cookie_secure": False,
            "allow_signup": True,
            "password_hash": TEST_PASSWORD_HASH,
            "mail": {"kind": "file", "directory": str(directory / "mail")},
            "sso": [
                sso_provider(idp.issuer),
                sso_provider(f"http://127.0.0.1:{free_port()}", name="Down"),
            ],
        },
    }
    running = start_gateway(
        service_thread, gateway_settings(raw, bootstrap_key=BOOTSTRAP_KEY), port=gateway_port
    )
    try:
        yield running
    finally:
        running.stop()
        next(database, None)


@dataclass
class Owner:
    email: str
    password: str
    token: str
    org_id: str


def signed_up_owner(gateway: RunningGateway, email: str, org_name: str, slug: str) -> Owner:
    """A new OWNER of a new org, signed up with a password and their email verified."""
    password = "correct horse battery staple"
    body = {"email": email, "password": password, "orgName": org_name, "orgSlug": slug}
    response = httpx.post(f"{gateway.base_url}/api/v1/auth/signup", json=body, timeout=30)
    assert response.status_code == 201, response.text
    token = response.json()["token"]
    mails = mail_to(Path(gateway.settings.admin.mail.directory), email)
    verified = httpx.post(f"{gateway.base_url}/api/v1/auth/email/verify",
                          json={"token": token_in(mails[-1], "gat_")}, timeout=30)  # fmt: skip
    assert verified.status_code == 200, verified.text
    me = httpx.get(f"{gateway.base_url}/api/v1/auth/me",
                   headers={"Authorization": f"Bearer {token}"}, timeout=30).json()  # fmt: skip
    return Owner(email, password, token, me["memberships"][0]["orgId"])


@pytest.fixture(scope="session")
def acme_owner(sso_gateway: RunningGateway) -> Owner:
    """The OWNER of ``acme`` (the org SSO signs into), signed up with a password: the
    break-glass way in once the org requires SSO."""
    return signed_up_owner(sso_gateway, "owner@acme.test", "Acme", ORG_SLUG)
