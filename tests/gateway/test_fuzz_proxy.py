"""Fuzzing the proxy routes (issue #16): whatever a client sends, no answer is a 5xx, and every
refusal is in the client's own error shape (OpenAI's on /v1/chat/completions, /v1/responses,
/v1/completions and /v1/embeddings, Anthropic's on /v1/messages and its count_tokens).

Hypothesis builds bodies from valid requests with fields replaced by any JSON, whole bodies of
any JSON or bytes, and headers a client may get wrong (content type and encoding, the tool and
request id headers, raw non-UTF-8 bytes included). Bounded and derandomised, so it runs in
seconds and the same way on every CI run; raise ``FUZZ_EXAMPLES`` (and set ``FUZZ_RANDOM=1``
for new examples on each run) to search further.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from typing import Any

import httpx
import orjson
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.gateway.live.support import small_gateway
from tests.harness import RunningGateway, ServiceThread

EXAMPLES = int(os.environ.get("FUZZ_EXAMPLES", "120"))
SETTINGS = settings(
    max_examples=EXAMPLES,
    deadline=None,
    derandomize=os.environ.get("FUZZ_RANDOM") != "1",
    database=None,
    suppress_health_check=list(HealthCheck),
)

VALID: dict[str, dict[str, Any]] = {
    "/v1/chat/completions": {
        "model": "echo",
        "messages": [{"role": "user", "content": "hi"}],
        "max_tokens": 5,
        "stream": False,
        "tools": [{"type": "function", "function": {"name": "f", "parameters": {}}}],
        "tool_choice": "auto",
        "metadata": {"tool": "web.search"},
    },
    "/v1/messages": {
        "model": "echo",
        "max_tokens": 5,
        "messages": [{"role": "user", "content": [{"type": "text", "text": "hi"}]}],
        "system": "be brief",
        "tools": [{"name": "f", "input_schema": {"type": "object"}}],
        "tool_choice": {"type": "auto"},
        "stream": False,
        "metadata": {"user_id": "u"},
    },
    "/v1/embeddings": {"model": "echo", "input": ["hi"], "encoding_format": "float"},
    "/v1/responses": {
        "model": "echo",
        "instructions": "be brief",
        "input": [
            {"role": "user", "content": [{"type": "input_text", "text": "hi"}]},
            {"type": "function_call", "call_id": "c", "name": "f", "arguments": "{}"},
            {"type": "function_call_output", "call_id": "c", "output": "ok"},
        ],
        "tools": [{"type": "function", "name": "f", "parameters": {"type": "object"}}],
        "tool_choice": "auto",
        "text": {"format": {"type": "json_schema", "name": "n", "schema": {"type": "object"}}},
        "max_output_tokens": 5,
        "stream": False,
    },
    "/v1/completions": {"model": "echo", "prompt": "hi", "max_tokens": 5, "stop": ["\n"]},
    "/v1/messages/count_tokens": {
        "model": "echo",
        "messages": [{"role": "user", "content": [{"type": "text", "text": "hi"}]}],
        "system": "be brief",
        "tools": [{"name": "f", "input_schema": {"type": "object"}}],
    },
}
ANTHROPIC_PATHS = ("/v1/messages", "/v1/messages/count_tokens")

# Numbers orjson cannot build but a client can send.
EDGE_NUMBERS = [b"123456789012345678901234567890", b"1e400", b"-1e400", b"1E-400", b"-0"]

scalars = (
    st.none()
    | st.booleans()
    | st.integers(min_value=-(2**63), max_value=2**64 - 1)
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.text(max_size=20)
)
json_values = st.recursive(
    scalars,
    lambda inner: (
        st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=8), inner, max_size=4)
    ),
    max_leaves=12,
)


@st.composite
def mutated(draw: st.DrawFn, path: str) -> bytes:
    """A valid body with some fields replaced, removed or added, nested values included."""
    body = orjson.loads(orjson.dumps(VALID[path]))
    for _ in range(draw(st.integers(1, 3))):
        target: Any = body
        # Walk down into a nested dict or list now and then.
        while isinstance(target, dict | list) and target and draw(st.booleans()):
            keys = list(target) if isinstance(target, dict) else list(range(len(target)))
            key = draw(st.sampled_from(keys))
            if not isinstance(target[key], dict | list) or not target[key]:
                break
            target = target[key]
        if isinstance(target, dict):
            key = draw(st.sampled_from([*target, "extra"]) if target else st.just("extra"))
            if draw(st.booleans()) and key in target:
                del target[key]
            else:
                target[key] = draw(json_values)
        elif isinstance(target, list) and target:
            target[draw(st.integers(0, len(target) - 1))] = draw(json_values)
    return orjson.dumps(body)


def bodies(path: str) -> st.SearchStrategy[bytes]:
    return (
        mutated(path)
        | json_values.map(orjson.dumps)
        | st.binary(max_size=64)
        | st.just(b"")
        | st.integers(1, 300).map(lambda n: b"[" * n + b"]" * n)
        | st.sampled_from(EDGE_NUMBERS).map(
            lambda n: orjson.dumps(VALID[path])[:-1] + b',"max_tokens":' + n + b"}"
        )
    )


# Any field value HTTP allows (RFC 9110: visible ASCII, space, tab, and bytes 0x80-0xFF, which
# are not UTF-8 on their own). Control characters are not HTTP: aiohttp's parser refuses them
# with its own plain 400 before any route runs.
_FIELD_BYTES = bytes([9, *range(32, 127), *range(128, 256)])
header_text = st.binary(max_size=30).map(
    lambda raw: bytes(_FIELD_BYTES[b % len(_FIELD_BYTES)] for b in raw).strip(b" \t")
) | st.text(st.characters(codec="latin-1", exclude_categories=["Cc"]), max_size=40).map(str.strip)

headers = st.fixed_dictionaries(
    {},
    optional={
        "Content-Type": st.sampled_from(
            ["application/json", "text/plain", "application/json; charset=latin-1", ""]
        ),
        "Content-Encoding": st.sampled_from(["gzip", "deflate", "identity", "br", "x-nope"]),
        "X-Governs-Tool": header_text,
        "X-Request-ID": header_text,
        "anthropic-version": header_text,
    },
)


@pytest.fixture(scope="module")
def running(
    service_thread: ServiceThread, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[RunningGateway]:
    gateway = small_gateway(service_thread, tmp_path_factory.mktemp("fuzz-proxy"))
    yield gateway
    gateway.stop()


def _sendable(value: str | bytes) -> bytes:
    return value if isinstance(value, bytes) else value.encode("latin-1")


def _check(path: str, response: httpx.Response) -> None:
    assert response.status_code < 500, (path, response.status_code, response.text)
    if response.status_code < 400:
        return
    assert response.headers.get("Content-Type", "").startswith("application/json"), (
        path,
        response.status_code,
        response.headers,
        response.text,
    )
    body = response.json()
    if path in ANTHROPIC_PATHS:
        assert body["type"] == "error" and set(body["error"]) == {"type", "message"}, body
    else:
        assert set(body) == {"error"}, body
        assert set(body["error"]) == {"message", "type", "param", "code"}, body


@pytest.mark.parametrize("path", sorted(VALID))
def test_no_body_or_header_gets_a_5xx(running: RunningGateway, path: str) -> None:
    with httpx.Client(base_url=running.base_url, timeout=30) as client:

        @SETTINGS
        @given(body=bodies(path), extra=headers)
        def one(body: bytes, extra: dict[str, str | bytes]) -> None:
            sent = {name: _sendable(value) for name, value in extra.items()}
            sent[b"Authorization"] = f"Bearer {running.api_key}".encode()  # type: ignore[index]
            _check(path, client.post(path, content=body, headers=sent))

        one()
