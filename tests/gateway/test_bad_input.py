"""No 500 for bad input (issue #16): each malformed body, header, encoding, nesting depth and
type of the issue gets a 4xx in its client's error shape, through a running gateway."""

from __future__ import annotations

import asyncio
import gzip
import time
import zlib
from collections.abc import Iterator

import anthropic
import httpx
import pytest

from core.errors import ConfigError
from core.settings import settings_from_mapping
from tests.gateway.live.support import small_gateway
from tests.harness import RunningGateway, ServiceThread

BODY_TIMEOUT = 0.5
CHAT = {"model": "echo", "messages": [{"role": "user", "content": "hi"}]}


@pytest.fixture(scope="module")
def running(
    service_thread: ServiceThread, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[RunningGateway]:
    gateway = small_gateway(
        service_thread,
        tmp_path_factory.mktemp("bad-input"),
        server={"body_read_timeout_seconds": BODY_TIMEOUT},
    )
    yield gateway
    gateway.stop()


def _headers(running: RunningGateway, **more: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {running.api_key}", **more}


def openai_error(response: httpx.Response, status: int, code: str) -> dict:
    assert response.status_code == status, response.text
    body = response.json()
    assert set(body) == {"error"} and set(body["error"]) == {"message", "type", "param", "code"}
    assert body["error"]["code"] == code, body
    return body["error"]


def anthropic_error(response: httpx.Response, status: int) -> dict:
    assert response.status_code == status, response.text
    body = response.json()
    assert body["type"] == "error" and set(body["error"]) == {"type", "message"}, body
    return body["error"]


def nested(depth: int) -> str:
    return '{"a":' * depth + "1" + "}" * depth


@pytest.mark.parametrize("depth", [129, 254, 255, 600, 1023])
def test_json_nested_deep_is_400_on_every_front(running: RunningGateway, depth: int) -> None:
    body = (
        '{"model":"echo","messages":[{"role":"user","content":"hi"}],"metadata":'
        + nested(depth - 1)
        + "}"
    )
    for path in ("/v1/chat/completions", "/v1/embeddings"):
        response = httpx.post(
            f"{running.base_url}{path}",
            headers=_headers(running, **{"Content-Type": "application/json"}),
            content=body,
        )
        error = openai_error(response, 400, "invalid_json")
        assert "deep" in error["message"]
    response = httpx.post(
        f"{running.base_url}/v1/messages",
        headers=_headers(running, **{"Content-Type": "application/json"}),
        content=body.replace('"messages"', '"max_tokens":5,"messages"'),
    )
    assert "deep" in anthropic_error(response, 400)["message"]


def test_a_body_nested_within_the_limit_is_served(running: RunningGateway) -> None:
    body = '{"model":"echo","messages":[{"role":"user","content":"hi"}],"metadata":'
    response = httpx.post(
        f"{running.base_url}/v1/chat/completions",
        headers=_headers(running, **{"Content-Type": "application/json"}),
        content=body + nested(127) + "}",  # 128 levels with the body's own
    )
    assert response.status_code == 200, response.text


def test_gzip_that_is_not_gzip_is_400(running: RunningGateway) -> None:
    response = httpx.post(
        f"{running.base_url}/v1/chat/completions",
        headers=_headers(
            running, **{"Content-Type": "application/json", "Content-Encoding": "gzip"}
        ),
        content=b'{"model": "echo"} not gzip at all',
    )
    openai_error(response, 400, "invalid_content_encoding")
    good = httpx.post(
        f"{running.base_url}/v1/chat/completions",
        headers=_headers(
            running, **{"Content-Type": "application/json", "Content-Encoding": "gzip"}
        ),
        content=gzip.compress(b'{"model":"echo","messages":[{"role":"user","content":"hi"}]}'),
    )
    assert good.status_code == 200, good.text


def test_an_unknown_content_encoding_is_415(running: RunningGateway) -> None:
    for encoding in ("br", "zstd", "x-nope"):
        response = httpx.post(
            f"{running.base_url}/v1/messages",
            headers=_headers(
                running, **{"Content-Type": "application/json", "Content-Encoding": encoding}
            ),
            content=b"{}",
        )
        assert anthropic_error(response, 415)["type"] == "invalid_request_error"
        assert response.headers["Accept-Encoding"] == "gzip, deflate, identity"


def test_deflate_is_read_and_a_body_that_inflates_too_far_is_413(
    running: RunningGateway,
) -> None:
    body = b'{"model":"echo","messages":[{"role":"user","content":"hi"}]}'
    for packed in (zlib.compress(body), zlib.compress(body)[2:-4]):  # zlib, and raw deflate
        response = httpx.post(
            f"{running.base_url}/v1/chat/completions",
            headers=_headers(running, **{"Content-Encoding": "deflate"}),
            content=packed,
        )
        assert response.status_code == 200, response.text
    bomb = gzip.compress(b" " * (running.settings.server.max_body_bytes + 1))
    assert len(bomb) < running.settings.server.max_body_bytes
    response = httpx.post(
        f"{running.base_url}/v1/embeddings",
        headers=_headers(running, **{"Content-Encoding": "gzip"}),
        content=bomb,
    )
    openai_error(response, 413, "request_too_large")


def test_tool_choice_of_the_wrong_type_is_400_in_anthropics_shape(
    running: RunningGateway,
) -> None:
    client = anthropic.Anthropic(base_url=running.base_url, api_key=running.api_key)
    for tool_choice in ({"type": []}, {"type": "tool"}, {"type": "tool", "name": 5}, "auto", 7):
        with pytest.raises(anthropic.BadRequestError) as raised:
            client.messages.create(
                model="echo",
                max_tokens=5,
                messages=[{"role": "user", "content": "hi"}],
                tools=[{"name": "t", "input_schema": {"type": "object"}}],
                tool_choice=tool_choice,  # type: ignore[arg-type]
            )
        assert raised.value.status_code == 400
        assert "tool_choice" in str(raised.value)


def test_405_answers_carry_allow(running: RunningGateway) -> None:
    response = httpx.get(f"{running.base_url}/v1/chat/completions", headers=_headers(running))
    openai_error(response, 405, "method_not_allowed")
    assert response.headers["Allow"] == "POST"
    response = httpx.delete(f"{running.base_url}/healthz")
    assert response.status_code == 405 and "GET" in response.headers["Allow"]


async def _trickle(url: str, headers: dict[str, str], seconds: float) -> tuple[int, bytes, float]:
    """Send a body one byte every 0.2 s for ``seconds``; the status, body and when answered."""
    reader, writer = await asyncio.open_connection(*url.removeprefix("http://").split(":"))
    payload = b'{"model":"echo","messages":[{"role":"user","content":"' + b"x" * 1000
    head = "".join(f"{k}: {v}\r\n" for k, v in headers.items())
    writer.write(
        f"POST /v1/chat/completions HTTP/1.1\r\nHost: x\r\n{head}"
        f"Content-Type: application/json\r\nContent-Length: {len(payload) + 10}\r\n\r\n".encode()
    )
    started = time.monotonic()
    answer = asyncio.ensure_future(reader.read(65536))
    for byte in payload:
        if answer.done() or time.monotonic() - started > seconds:
            break
        try:
            writer.write(bytes([byte]))
            await writer.drain()
        except ConnectionError:
            break
        await asyncio.sleep(0.2)
    raw = await asyncio.wait_for(answer, 5)
    answered = time.monotonic() - started
    writer.close()
    status = int(raw.split(b" ", 2)[1]) if raw else 0
    return status, raw.split(b"\r\n\r\n", 1)[-1], answered


def test_a_body_sent_too_slowly_is_cut_with_408(running: RunningGateway) -> None:
    status, body, answered = asyncio.run(
        _trickle(running.base_url, _headers(running), seconds=BODY_TIMEOUT * 8)
    )
    assert status == 408, body
    assert b"request_timeout" in body
    assert BODY_TIMEOUT <= answered < BODY_TIMEOUT * 4


def test_body_read_timeout_is_a_setting() -> None:
    settings = settings_from_mapping({}, environ={}, source="<test>")
    assert settings.server.body_read_timeout_seconds == 30
    with pytest.raises(ConfigError, match="body_read_timeout_seconds"):
        settings_from_mapping(
            {"server": {"body_read_timeout_seconds": 0}}, environ={}, source="<test>"
        )
