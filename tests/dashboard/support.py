"""Helpers of the dashboard's browser tests: accounts made through the API, a Playwright page
that records what went wrong in it, screenshots, and a WCAG contrast check run in the page."""

from __future__ import annotations

import os
import re
import shutil
import uuid
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import httpx
import pyotp
from playwright.sync_api import ConsoleMessage, Page, Response

from tests.harness import RunningGateway

ROOT = Path(__file__).resolve().parents[2]
ARTIFACTS = ROOT / "test-artifacts" / "dashboard"
README_SCREENSHOTS = ROOT / "docs" / "screenshots"
# Set to 1 to refresh the README's screenshots from this run (once, by hand; then commit them).
UPDATE_SCREENSHOTS = os.environ.get("GOVERNS_UPDATE_SCREENSHOTS") == "1"
PASSWORD = "correct horse battery staple"
FAILED_4XX = re.compile(r"Failed to load resource: the server responded with a status of 4")


@dataclass
class Account:
    """A user who signed up through the API, with a new org of which they are the OWNER."""

    email: str
    password: str
    token: str
    org_id: str
    org_slug: str
    totp_secret: str | None = None

    def totp(self) -> str:
        assert self.totp_secret is not None
        return pyotp.TOTP(self.totp_secret).now()


class Api:
    """``/api`` as one account (or an API key) sees it."""

    def __init__(self, gateway: RunningGateway, token: str) -> None:
        self.client = httpx.Client(
            base_url=gateway.base_url, timeout=30, headers={"Authorization": f"Bearer {token}"}
        )

    def call(self, method: str, path: str, expect: int = 200, **kwargs: Any) -> Any:
        response = self.client.request(method, path, **kwargs)
        self.client.cookies.clear()
        assert response.status_code == expect, f"{method} {path}: {response.text}"
        return response.json() if "json" in response.headers.get("content-type", "") else None

    def create_proxy_key(self, name: str = "app") -> str:
        """A new API key of this account's org that may call the proxy; its secret."""
        body = {"name": name, "scopes": ["precheck:invoke"]}
        return str(self.call("POST", "/api/v1/keys", 201, json=body)["key"])


def sign_up(gateway: RunningGateway, *, mfa: bool = False, verified: bool = True) -> Account:
    slug = f"dash-{uuid.uuid4().hex[:8]}"
    email = f"{slug}@example.com"
    response = httpx.post(
        f"{gateway.base_url}/api/v1/auth/signup",
        json={"email": email, "password": PASSWORD, "orgName": slug.upper(), "orgSlug": slug},
        timeout=30,
    )
    assert response.status_code == 201, response.text
    token = response.json()["token"]
    if verified:
        verify_email(gateway, email)
    me = Api(gateway, token).call("GET", "/api/v1/auth/me")
    account = Account(email, PASSWORD, token, me["memberships"][0]["orgId"], slug)
    # A new self-service org uses no model until an operator (the bootstrap key) grants some.
    Api(gateway, gateway.api_key).call(
        "PUT", f"/api/v1/orgs/{slug}/models", json={"allowedModels": None}
    )
    if mfa:
        api = Api(gateway, token)
        secret = api.call("POST", "/api/v1/auth/mfa/totp/setup")["secret"]
        account.totp_secret = secret
        enabled = api.call("POST", "/api/v1/auth/mfa/totp/enable", json={"code": account.totp()})
        assert enabled == {"enabled": True}
    return account


def verify_email(gateway: RunningGateway, email: str) -> None:
    """Verify ``email`` with the token of the verification mail the gateway wrote."""
    from tests.admin_api.support import mail_to, token_in

    mails = mail_to(Path(gateway.settings.admin.mail.directory), email)
    response = httpx.post(
        f"{gateway.base_url}/api/v1/auth/email/verify",
        json={"token": token_in(mails[-1], "gat_")},
        timeout=30,
    )
    assert response.status_code == 200, response.text


def join_as(gateway: RunningGateway, owner: Account, role: str) -> Account:
    """A new user in ``owner``'s org with ``role``: invited by the owner, the token read from
    the mail the gateway wrote, then signed up with it (so this is their only org)."""
    from tests.admin_api.support import mail_to, token_in

    email = f"{role.lower()}-{uuid.uuid4().hex[:8]}@example.com"
    Api(gateway, owner.token).call(
        "POST", f"/api/v1/orgs/{owner.org_id}/invitations", 201, json={"email": email, "role": role}
    )
    mails = mail_to(Path(gateway.settings.admin.mail.directory), email)
    response = httpx.post(
        f"{gateway.base_url}/api/v1/auth/signup",
        json={"email": email, "password": PASSWORD, "invitationToken": token_in(mails[-1], "gin_")},
        timeout=30,
    )
    assert response.status_code == 201, response.text
    return Account(email, PASSWORD, response.json()["token"], owner.org_id, owner.org_slug)


@dataclass
class PageProblems:
    """Console errors (script errors, CSP refusals, failed loads) and uncaught exceptions."""

    messages: list[str] = field(default_factory=list)

    def watch(self, page: Page) -> None:
        page.on("console", self._console)
        page.on("pageerror", lambda error: self.messages.append(f"uncaught: {error}"))
        page.on("response", self._response)

    def _console(self, message: ConsoleMessage) -> None:
        if message.type != "error":
            return
        # API answers of 4xx are the page's to show (a wrong password, a refused action);
        # the dashboard's own files are checked by _response.
        if FAILED_4XX.search(message.text):
            return
        self.messages.append(message.text)

    def _response(self, response: Response) -> None:
        path = urlsplit(response.url).path
        if (path.startswith("/dashboard") and response.status >= 400) or response.status >= 500:
            self.messages.append(f"{response.status} for {response.url}")


def screenshot(page: Page, name: str, *, full_page: bool = False, readme: bool = False) -> Path:
    """A PNG under test-artifacts/dashboard/ (kept by CI); the ``readme`` ones are copied to
    docs/screenshots/ when GOVERNS_UPDATE_SCREENSHOTS=1."""
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    path = ARTIFACTS / f"{name}.png"
    # Passing toasts would hide part of the page; the top of the page is what a reader expects.
    page.evaluate("document.querySelectorAll('.toast').forEach((t) => t.remove()); scrollTo(0, 0)")
    page.screenshot(path=str(path), full_page=full_page, animations="disabled", caret="hide")
    if UPDATE_SCREENSHOTS and readme:
        README_SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(path, README_SCREENSHOTS / f"dashboard-{name}.png")
    return path


# The WCAG 2 contrast ratio of every visible piece of text against the first opaque background
# behind it (walking up the ancestors). Text over images or gradients does not occur here.
CONTRAST_SCRIPT = """
() => {
  const parse = (c) => { const m = c.match(/[\\d.]+/g) || []; return m.map(Number); };
  const lum = ([r, g, b]) => {
    const ch = [r, g, b].map((v) => {
      v /= 255;
      return v <= 0.03928 ? v / 12.92 : ((v + 0.055) / 1.055) ** 2.4;
    });
    return 0.2126 * ch[0] + 0.7152 * ch[1] + 0.0722 * ch[2];
  };
  const background = (el) => {
    for (let node = el; node; node = node.parentElement) {
      const c = parse(getComputedStyle(node).backgroundColor);
      if (c.length === 3 || (c.length === 4 && c[3] === 1)) return c.slice(0, 3);
    }
    return [255, 255, 255];
  };
  const failures = [];
  const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
  const seen = new Set();
  while (walker.nextNode()) {
    const text = walker.currentNode.textContent.trim();
    const el = walker.currentNode.parentElement;
    if (!text || !el || seen.has(el)) continue;
    seen.add(el);
    if (el.closest("svg, .sr-only, [hidden], option")) continue;
    const style = getComputedStyle(el);
    const box = el.getBoundingClientRect();
    if (style.visibility === "hidden" || box.width === 0 || box.height === 0) continue;
    if (el.closest("button:disabled")) continue;  // WCAG exempts inactive controls
    const fg = parse(style.color).slice(0, 3);
    const [a, b] = [lum(fg), lum(background(el))];
    const ratio = (Math.max(a, b) + 0.05) / (Math.min(a, b) + 0.05);
    if (ratio < 4.5) {
      const what = `${el.tagName.toLowerCase()}.${el.className}`;
      failures.push(`${ratio.toFixed(2)}: ${what} "${text.slice(0, 40)}"`);
    }
  }
  return failures;
}
"""


def contrast_failures(page: Page) -> list[str]:
    return page.evaluate(CONTRAST_SCRIPT)


def open_console(page: Page, account: Account, route: str = "decisions") -> None:
    """Open the console already signed in as ``account`` (its token put where login puts it)."""
    page.add_init_script(
        f"if (!sessionStorage.getItem('governs.token')) "
        f"sessionStorage.setItem('governs.token', {account.token!r});"
    )
    page.goto(f"/dashboard/#/{route}")
    page.locator("#top:not([hidden])").wait_for()


HELD_ANSWER_MS = 1500
# Long enough for a held answer to have arrived and been drawn, if the page draws it.
AFTER_HELD_ANSWER_MS = HELD_ANSWER_MS + 500


def hold_first_answer(page: Page, path: str, hold_ms: int = HELD_ANSWER_MS) -> None:
    """Make the page's first request to ``path`` (a prefix of the URL's path and query)
    answer ``hold_ms`` late, in the browser: the later requests overtake it; wait
    ``AFTER_HELD_ANSWER_MS`` before checking that it changed nothing."""
    page.add_init_script(
        f"""
        const realFetch = window.fetch;
        let held = false;
        window.fetch = (input, init) => {{
          const url = new URL(String(input instanceof Request ? input.url : input), location.href);
          if (!held && (url.pathname + url.search).startsWith({path!r})) {{
            held = true;
            const later = () => realFetch(input, init);
            return new Promise((resolve) => setTimeout(() => resolve(later()), {hold_ms}));
          }}
          return realFetch(input, init);
        }};
        """
    )


def focused(page: Page) -> str:
    """What has the keyboard focus: its accessible-ish name (aria-label, else its text)."""
    return page.evaluate(
        "() => { const el = document.activeElement;"
        " return el ? (el.getAttribute('aria-label') || el.textContent || el.id).trim() : ''; }"
    )
