"""The gateway as a user runs it, for the PII evaluation: a ``governs serve`` subprocess.

    runs = await run_policies(examples, ["remove", "tokenize"])  # {action: PolicyRun}

which, for each action in turn, makes it the org's policy for every class and sends every
example through the same gateway process:

    upstream = await EchoUpstream().start()
    async with running_gateway(upstream, workdir) as gateway:
        client = await gateway.client()                     # signs up, makes a proxy key
        await gateway.apply_policy(client, "remove")        # live once a probe shows it
        outcomes = await send_all(gateway, client, examples)

The gateway runs on its embedded defaults in ``workdir`` (SQLite, spool and mail there; the
default PII settings, NER included): its config names only the port and one OpenAI provider,
the echo fake. Everything else goes through its public interfaces: the admin API (sign up,
an API key, policies) and the proxy, called with the ``openai`` SDK.
"""

from __future__ import annotations

import asyncio
import json
import os
import signal
import subprocess
import tempfile
import time
from collections.abc import AsyncIterator, Callable, Iterable, Sequence
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import aiohttp
import openai

from bench.pii_echo_upstream import UPSTREAM_KEY, EchoUpstream, last_user_text
from bench.pii_leaks import CORE_CLASSES, Outcome, strings_of
from bench.pii_metrics import Example
from bench.run import free_port, governs_command

MODEL = "gpt-4o-mini"
START_TIMEOUT_SECONDS = 60.0
POLICY_TIMEOUT_SECONDS = 60.0  # the policy refresh (1 s) plus the NER model's load
REQUEST_TIMEOUT_SECONDS = 120.0
BOOTSTRAP_KEY = "gai_pii-eval-bootstrap-0123456789abcdef"  # org `default`, every scope
PROBE_EMAIL = "probe.user@example.com"
PROBE = f"Please forward this to {PROBE_EMAIL} today."
# The probe's email as each action leaves it: how a newly applied policy is seen to be live.
PROBE_EXPECT = {
    "remove": "[REDACTED_EMAIL]",
    "tokenize": "<EMAIL_1>",
    "pass_through": PROBE_EMAIL,
}


def every_class(action: str) -> dict[str, dict[str, str]]:
    """A tool access matrix applying ``action`` to every class, for every tool."""
    return {"default": {"default": action, **dict.fromkeys(CORE_CLASSES, action)}}


@dataclass
class RunningGateway:
    base_url: str
    upstream: EchoUpstream
    http: aiohttp.ClientSession
    org: str = "pii-eval"
    policy_id: str | None = None
    _headers: dict[str, str] = field(default_factory=dict)  # the admin API's credentials

    async def _admin(
        self, method: str, path: str, body: dict[str, Any], *, check: bool = True
    ) -> tuple[int, dict[str, Any]]:
        async with self.http.request(
            method, self.base_url + path, json=body, headers=self._headers
        ) as response:
            answer = dict(await response.json())
            if check and response.status >= 300:
                raise RuntimeError(f"{method} {path}: {response.status} {answer}")
            return response.status, answer

    async def client(self) -> openai.AsyncOpenAI:
        """Sign up (which creates the org), make a proxy key, and an SDK client using it.

        Where sign-up is closed (``admin.allow_signup: false``), the bootstrap key and its org
        ``default`` stand in for the new account and org."""
        if not self._headers:
            status, session = await self._admin(
                "POST",
                "/api/v1/auth/signup",
                {
                    "email": "pii-eval@example.org",
                    "password": "pii evaluation passphrase",
                    "orgName": "PII evaluation",
                    "orgSlug": self.org,
                },
                check=False,
            )
            if status == 201:
                self._headers = {"Authorization": f"Bearer {session['token']}"}
            elif (session.get("error") or {}).get("code") == "signup_disabled":
                self._headers = {"Authorization": f"Bearer {BOOTSTRAP_KEY}"}
                self.org = "default"
            else:
                raise RuntimeError(f"sign-up failed: {status} {session}")
        _, created = await self._admin(
            "POST",
            "/api/v1/keys",
            {"orgId": self.org, "name": "pii-eval", "scopes": ["precheck:invoke"]},
        )
        return openai.AsyncOpenAI(
            base_url=f"{self.base_url}/v1",
            api_key=created["key"],
            max_retries=0,
            timeout=REQUEST_TIMEOUT_SECONDS,
        )

    async def apply_policy(self, client: openai.AsyncOpenAI, action: str) -> None:
        """Make ``every_class(action)`` the org's only active policy, and wait until it acts."""
        if self.policy_id is not None:
            await self._admin("PATCH", f"/api/v1/policies/{self.policy_id}", {"isActive": False})
        _, created = await self._admin(
            "POST",
            "/api/v1/policies",
            {
                "orgId": self.org,
                "name": f"every class: {action}",
                "toolAccessMatrix": every_class(action),
                "isActive": True,
            },
        )
        self.policy_id = created["id"]
        expected = PROBE_EXPECT[action]
        deadline = time.monotonic() + POLICY_TIMEOUT_SECONDS
        last = "no answer"
        # Under a policy acting on names, an answer also means the NER model has loaded.
        while time.monotonic() < deadline:
            exchange = await send_one(self, client, PROBE)
            if exchange.upstream_prompt is not None and expected in exchange.upstream_prompt:
                return
            last = exchange.error or repr(exchange.upstream_prompt)
            await asyncio.sleep(0.25)
        raise RuntimeError(
            f"policy {action!r} was not live after {POLICY_TIMEOUT_SECONDS} s: {last}"
        )


@dataclass(frozen=True, slots=True)
class Exchange:
    """One user message through the gateway: what the provider got, what the client got."""

    upstream: str | None = None  # every string of the body the provider received
    upstream_prompt: str | None = None  # its last user message
    answer: str | None = None
    error: str | None = None  # "503 pii_check_failed", "APITimeoutError", ...


async def send_one(gateway: RunningGateway, client: openai.AsyncOpenAI, text: str) -> Exchange:
    try:
        completion = await client.chat.completions.create(
            model=MODEL, messages=[{"role": "user", "content": text}]
        )
    except openai.APIStatusError as error:
        body = error.body if isinstance(error.body, dict) else {}
        code = body.get("code") or (body.get("error") or {}).get("code")
        return Exchange(error=f"{error.status_code} {code or 'error'}")
    except openai.APIConnectionError as error:
        return Exchange(error=type(error).__name__)
    answer = completion.choices[0].message.content
    received = gateway.upstream.received.get(completion.id)
    if received is None:  # answered without the provider: never by this gateway so far
        return Exchange(answer=answer, error="answered without the upstream")
    upstream = "\n".join(strings_of(received))
    return Exchange(upstream, last_user_text(received["messages"]), answer)


async def send_all(
    gateway: RunningGateway,
    client: openai.AsyncOpenAI,
    examples: list[Example],
    concurrency: int = 8,
    progress: Callable[[int], None] | None = None,
) -> list[Outcome]:
    """Each example's text as one user message, ``concurrency`` at a time, in order."""
    limit = asyncio.Semaphore(concurrency)
    done = 0

    async def one(example: Example) -> Outcome:
        nonlocal done
        async with limit:
            exchange = await send_one(gateway, client, example.text)
        done += 1
        if progress is not None:
            progress(done)
        return Outcome(
            example, exchange.upstream, exchange.upstream_prompt, exchange.answer, exchange.error
        )

    return list(await asyncio.gather(*(one(e) for e in examples)))


@dataclass(frozen=True, slots=True)
class PolicyRun:
    outcomes: list[Outcome]
    seconds: float  # sending every example, once the policy was live


async def run_policies(
    examples: list[Example],
    actions: Iterable[str],
    concurrency: int = 8,
    progress: Callable[[str, int], None] | None = None,
    command: Sequence[str] | None = None,
) -> dict[str, PolicyRun]:
    """Every example through one fresh gateway, once per action (``PROBE_EXPECT``'s keys).
    ``command`` starts the gateway (``running_gateway``)."""
    runs: dict[str, PolicyRun] = {}
    upstream = await EchoUpstream().start()
    try:
        with tempfile.TemporaryDirectory(prefix="governs-pii-eval-") as workdir:
            async with running_gateway(upstream, Path(workdir), command) as gateway:
                client = await gateway.client()
                try:
                    for action in actions:
                        await gateway.apply_policy(client, action)

                        def step(done: int, action: str = action) -> None:
                            if progress is not None:
                                progress(action, done)

                        start = time.perf_counter()
                        outcomes = await send_all(gateway, client, examples, concurrency, step)
                        runs[action] = PolicyRun(outcomes, time.perf_counter() - start)
                finally:
                    await client.close()
    finally:
        await upstream.close()
    return runs


@asynccontextmanager
async def running_gateway(
    upstream: EchoUpstream, workdir: Path, command: Sequence[str] | None = None
) -> AsyncIterator[RunningGateway]:
    """``governs serve`` in ``workdir`` until the block ends (then SIGTERM, as a user would).
    ``command``: what starts ``governs`` (default: the installed one, whose source is the
    tree pip installed, whichever tree this script runs from); ``env PYTHONPATH=<tree> python
    -m governs`` runs another tree's gateway, for an A/B between two checkouts."""
    port = free_port()
    config = {
        "server": {"port": port},
        "providers": [
            {
                "name": "openai",
                "kind": "openai",
                "base_url": upstream.base_url,
                "api_key": UPSTREAM_KEY,
            }
        ],
        "models": [{"name": MODEL, "provider": "openai"}],
    }
    config_file = workdir / "governs.yaml"
    config_file.write_text(json.dumps(config, indent=2))  # JSON is YAML
    env = {k: v for k, v in os.environ.items() if not k.startswith("GOVERNS_")}
    env["GOVERNS_BOOTSTRAP_KEY"] = BOOTSTRAP_KEY  # as README's quick start allows
    log_path = workdir / "gateway.log"
    with log_path.open("wb") as log:
        process = await asyncio.create_subprocess_exec(
            *(command or governs_command()),
            "serve",
            "--config",
            str(config_file),
            cwd=workdir,
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
    base_url = f"http://127.0.0.1:{port}"
    try:
        async with aiohttp.ClientSession() as http:
            await _wait_healthy(http, base_url, process, log_path)
            yield RunningGateway(base_url, upstream, http)
    finally:
        if process.returncode is None:
            process.send_signal(signal.SIGTERM)
            try:
                await asyncio.wait_for(process.wait(), 30)
            except TimeoutError:
                process.kill()
                await process.wait()


async def _wait_healthy(
    http: aiohttp.ClientSession, base_url: str, process: asyncio.subprocess.Process, log: Path
) -> None:
    deadline = time.monotonic() + START_TIMEOUT_SECONDS
    while time.monotonic() < deadline:
        if process.returncode is not None:
            tail = (await asyncio.to_thread(log.read_bytes))[-3000:].decode(errors="replace")
            raise RuntimeError(f"the gateway exited with {process.returncode}:\n{tail}")
        try:
            async with http.get(f"{base_url}/healthz") as response:
                if response.status == 200:
                    return
        except aiohttp.ClientError:
            pass
        await asyncio.sleep(0.1)
    raise RuntimeError(f"the gateway did not answer /healthz within {START_TIMEOUT_SECONDS} s")
