"""A fake Gemini API: a real aiohttp app on 127.0.0.1, port 0.

``POST /{version}/models/{model}:generateContent`` and ``:streamGenerateContent?alt=sse`` check a
request the way the real API does and answer 400 ``INVALID_ARGUMENT`` (403 ``PERMISSION_DENIED``
without a key) when it breaks a rule: an ``x-goog-api-key`` header or ``?key=``; no unknown
fields; ``contents`` non-empty, roles only ``user`` and ``model``, no empty parts; a function
call turn comes right after a user turn, and a function response turn right after a function
call turn with as many responses as calls. Like the real API (protobuf JSON), it takes field
names in lowerCamelCase or snake_case: the official SDK sends both.

It answers in the exact wire format: a ``GenerateContentResponse`` as JSON, or one per SSE
event (``data: {...}`` and CRLF CRLF), the last carrying ``finishReason`` and full usage. The
model name picks the behaviour:

- ``*-tools``: a ``functionCall`` of the first declared function (text once a response came back)
- ``*-error-500`` / ``*-error-429`` (``retry-after`` and ``RetryInfo``) / ``*-overloaded`` (503)
- ``*-slow``: waits ``slow_seconds`` before answering
- ``*-cut``: the stream stops before the event with ``finishReason``
- ``*-stream-error``: an error event instead of the one with ``finishReason``
- ``*-thinking`` / ``*-cached``: usage reports thought tokens / cached prompt tokens
- anything else: echoes the last user text (``candidateCount`` times)

``POST /{version}/models/{model}:batchEmbedContents`` checks a batch the way the real API does
(at most 100 requests, each for the model of the URL, with one non-empty text part) and answers
``{"embeddings": [{"values": [...]}]}`` with no usage, as the real API does: a made-up vector of
``outputDimensionality`` (default ``EMBEDDING_DIMENSIONS``) values that depend on the text only.
The error models above answer embeddings too.

``POST /{version}/models/{model}:countTokens`` takes ``{"generateContentRequest": {...}}`` for
the model of the URL, checked like ``generateContent``, and answers ``{"totalTokens": n}``:
``COUNT_BASE`` plus the words of every string in it.
"""

from __future__ import annotations

import asyncio
import hashlib
import json
import re
import uuid
from dataclasses import dataclass
from typing import Any

from aiohttp import web

from tests.fakes.server import FakeUpstream, ReceivedRequest, start_fake

KNOWN_FIELDS = set(
    "contents systemInstruction generationConfig tools toolConfig safetySettings"
    " cachedContent".split()
)
KNOWN_CONFIG_FIELDS = set(
    "temperature topP topK candidateCount maxOutputTokens stopSequences presencePenalty"
    " frequencyPenalty seed responseMimeType responseSchema responseJsonSchema responseLogprobs"
    " logprobs thinkingConfig responseModalities mediaResolution speechConfig"
    " imageConfig".split()
)
KNOWN_EMBED_FIELDS = {"model", "content", "taskType", "title", "outputDimensionality"}
TASK_TYPES = set(
    "TASK_TYPE_UNSPECIFIED RETRIEVAL_QUERY RETRIEVAL_DOCUMENT SEMANTIC_SIMILARITY CLASSIFICATION"
    " CLUSTERING QUESTION_ANSWERING FACT_VERIFICATION CODE_RETRIEVAL_QUERY".split()
)
DATA_FIELDS = set(
    "text inlineData fileData functionCall functionResponse executableCode"
    " codeExecutionResult".split()
)
THOUGHT_TOKENS, CACHED_TOKENS = 12, 2048
THOUGHT_SIGNATURE = "Q2lRQVZzY2VaWkZha2Utc2lnbmF0dXJl"
COUNT_BASE = 2000  # so the provider's count is easy to tell from the gateway's estimate
NOT_WORDS = {"role", "thoughtSignature", "mimeType", "data", "fileUri"}
MAX_EMBED_BATCH, EMBEDDING_DIMENSIONS, MAX_EMBEDDING_DIMENSIONS = 100, 8, 3072


async def start_fake_gemini(*, slow_seconds: float = 0.3) -> FakeUpstream:
    def build(fake: FakeUpstream) -> web.Application:
        app = web.Application()
        app.router.add_post("/{version}/models/{model_method}", FakeGemini(fake, slow_seconds).post)
        return app

    return await start_fake(build)


class Invalid(Exception):
    """The request breaks one of the API's rules: answered with 400 INVALID_ARGUMENT."""


@dataclass
class FakeGemini:
    fake: FakeUpstream
    slow_seconds: float

    async def post(self, request: web.Request) -> web.StreamResponse:
        try:
            body = await request.json()
        except json.JSONDecodeError:
            body = None
        self.fake.received.append(
            ReceivedRequest(
                request.method, request.path, dict(request.query), dict(request.headers), body
            )
        )
        if not (request.headers.get("x-goog-api-key") or request.query.get("key")):
            return error_response(
                403,
                "PERMISSION_DENIED",
                "Method doesn't allow unregistered callers (callers without established "
                "identity). Please use API Key or other form of API consumer identity to call "
                "this API.",
            )
        model, _, method = request.match_info["model_method"].rpartition(":")
        if method == "batchEmbedContents":
            return await self.embed(model, body)
        if method == "countTokens":
            return await self.count_tokens(model, body)
        if method not in ("generateContent", "streamGenerateContent"):
            return error_response(404, "NOT_FOUND", f"Method {method!r} not found.")
        streaming = method == "streamGenerateContent"
        if streaming and request.query.get("alt") != "sse":
            # The real API then streams one JSON array; this fake speaks only SSE.
            return error_response(400, "INVALID_ARGUMENT", "the fake streams with alt=sse only")
        try:
            body = proto_names(body)
            check_request(body)
        except Invalid as invalid:
            return error_response(400, "INVALID_ARGUMENT", str(invalid))
        failure = await self.behaviour(model)
        if failure is not None:
            return failure
        response = answer(model, body)
        if streaming:
            return await stream(request, model, response)
        return web.json_response(response)

    async def embed(self, model: str, body: Any) -> web.Response:
        try:
            requests = check_embed_request(body, f"models/{model}")
        except Invalid as invalid:
            return error_response(400, "INVALID_ARGUMENT", str(invalid))
        failure = await self.behaviour(model)
        if failure is not None:
            return failure
        embeddings = [
            {"values": embedding(r["content"]["parts"][0]["text"], r.get("outputDimensionality"))}
            for r in requests
        ]
        return web.json_response({"embeddings": embeddings})

    async def count_tokens(self, model: str, body: Any) -> web.Response:
        inner = body.get("generateContentRequest") if isinstance(body, dict) else None
        try:
            if not isinstance(inner, dict) or inner.get("model") != f"models/{model}":
                raise Invalid("generateContentRequest.model must be the model of the URL")
            inner = proto_names({k: v for k, v in inner.items() if k != "model"})
            check_request(inner)
        except Invalid as invalid:
            return error_response(400, "INVALID_ARGUMENT", str(invalid))
        failure = await self.behaviour(model)
        if failure is not None:
            return failure
        return web.json_response({"totalTokens": COUNT_BASE + count_words(inner)})

    async def behaviour(self, model: str) -> web.Response | None:
        """The error the model name asks for (None for none), after any delay it asks for."""
        if model.endswith("-error-500"):
            return error_response(
                500,
                "INTERNAL",
                "An internal error has occurred. Please retry or report in "
                "https://developers.generativeai.google/guide/troubleshooting",
            )
        if model.endswith("-error-429"):
            retry = {"@type": "type.googleapis.com/google.rpc.RetryInfo", "retryDelay": "7s"}
            return error_response(
                429,
                "RESOURCE_EXHAUSTED",
                "You exceeded your current quota, please check your plan and billing details.",
                details=[retry],
                headers={"retry-after": "7"},
            )
        if model.endswith("-overloaded"):
            message = "The model is overloaded. Please try again later."
            return error_response(503, "UNAVAILABLE", message)
        if model.endswith("-slow"):
            await asyncio.sleep(self.slow_seconds)
        return None


# --- request rules -----------------------------------------------------------------------------


def proto_names(body: Any) -> dict[str, Any]:
    """The request with its field names in lowerCamelCase (schemas and arguments untouched)."""
    try:
        body = camel(body)
        for name in ("contents", "tools"):
            if name in body:
                body[name] = [camel(item) for item in body[name]]
        for content in [*body.get("contents", []), body.get("systemInstruction") or {}]:
            if "parts" in content:
                content["parts"] = [camel(part) for part in content["parts"]]
        for tool in body.get("tools", []):
            if "functionDeclarations" in tool:
                tool["functionDeclarations"] = [camel(d) for d in tool["functionDeclarations"]]
        for name in ("generationConfig", "toolConfig", "systemInstruction"):
            if name in body:
                body[name] = camel(body[name])
        calling = body.get("toolConfig", {}).get("functionCallingConfig")
        if calling is not None:
            body["toolConfig"]["functionCallingConfig"] = camel(calling)
    except (AttributeError, TypeError):
        raise Invalid("Invalid JSON payload received.") from None
    return body


def camel(message: dict[str, Any]) -> dict[str, Any]:
    return {re.sub(r"_([a-z])", lambda m: m[1].upper(), k): v for k, v in message.items()}


def check_request(body: dict[str, Any]) -> None:
    for name in body:
        if name not in KNOWN_FIELDS:
            raise Invalid(
                f'Invalid JSON payload received. Unknown name "{name}": Cannot find field.'
            )
    for name in body.get("generationConfig") or {}:
        if name not in KNOWN_CONFIG_FIELDS:
            raise Invalid(
                f'Invalid JSON payload received. Unknown name "{name}" at '
                "'generation_config': Cannot find field."
            )
    contents = body.get("contents")
    if not contents:
        raise Invalid("* GenerateContentRequest.contents: contents is not specified\n")
    for i, content in enumerate(contents):
        check_content(content, i)
    check_function_turns(contents)
    for j, tool in enumerate(body.get("tools") or []):
        for k, declaration in enumerate(tool.get("functionDeclarations") or []):
            if not declaration.get("name"):
                raise Invalid(
                    f"* GenerateContentRequest.tools[{j}].function_declarations[{k}].name: "
                    "Invalid function name. Must start with a letter or an underscore."
                )
    mode = ((body.get("toolConfig") or {}).get("functionCallingConfig") or {}).get("mode")
    if mode not in (None, "AUTO", "ANY", "NONE", "VALIDATED"):
        raise Invalid(f"Invalid value at 'tool_config.function_calling_config.mode' ({mode})")


def check_content(content: dict[str, Any], i: int) -> None:
    if content.get("role", "user") not in ("user", "model"):
        raise Invalid("Please use a valid role: user, model.")
    parts = content.get("parts")
    if not parts:
        raise Invalid(
            f"* GenerateContentRequest.contents[{i}].parts: contents.parts must not be empty.\n"
        )
    for j, part in enumerate(parts):
        if len(DATA_FIELDS & part.keys()) != 1:
            raise Invalid(
                f"* GenerateContentRequest.contents[{i}].parts[{j}].data: required oneof field "
                "'data' must have one initialized field\n"
            )
        if "text" in part and not part["text"]:
            raise Invalid(
                "Unable to submit request because it has an empty text parameter. "
                "Add a value to the parameter and try again."
            )


def check_function_turns(contents: list[dict[str, Any]]) -> None:
    previous_calls = 0
    previous_role = None
    for content in contents:
        parts = content["parts"]
        calls = sum("functionCall" in p for p in parts)
        responses = sum("functionResponse" in p for p in parts)
        if calls and previous_role != "user":
            raise Invalid(
                "Please ensure that function call turn comes immediately after a user turn or "
                "after a function response turn."
            )
        if responses and not previous_calls:
            raise Invalid(
                "Please ensure that function response turn comes immediately after a function "
                "call turn."
            )
        if responses and responses != previous_calls:
            raise Invalid(
                "Please ensure that the number of function response parts is equal to the "
                "number of function call parts of the function call turn."
            )
        previous_calls, previous_role = calls, content.get("role", "user")


def check_embed_request(body: Any, model: str) -> list[dict[str, Any]]:
    """A ``BatchEmbedContentsRequest``'s requests, in lowerCamelCase, once they pass the rules."""
    if not isinstance(body, dict):
        raise Invalid("Invalid JSON payload received.")
    for name in camel(body):
        if name != "requests":
            raise Invalid(
                f'Invalid JSON payload received. Unknown name "{name}": Cannot find field.'
            )
    requests = camel(body).get("requests")
    if not isinstance(requests, list) or not requests:
        raise Invalid("* BatchEmbedContentsRequest.requests: requests must not be empty\n")
    if len(requests) > MAX_EMBED_BATCH:
        raise Invalid(
            f"* BatchEmbedContentsRequest.requests: at most {MAX_EMBED_BATCH} requests can be "
            "in one batch\n"
        )
    checked = []
    for i, request in enumerate(requests):
        where = f"* BatchEmbedContentsRequest.requests[{i}]"
        request = camel(request)
        for name in request:
            if name not in KNOWN_EMBED_FIELDS:
                raise Invalid(
                    f'Invalid JSON payload received. Unknown name "{name}" at '
                    f"'requests[{i}]': Cannot find field."
                )
        if request.get("model") != model:
            raise Invalid(
                f"{where}.model: the model of each request must be the batch's model, {model}\n"
            )
        parts = [camel(part) for part in (request.get("content") or {}).get("parts") or []]
        if not parts:
            raise Invalid(f"{where}.content.parts: contents.parts must not be empty.\n")
        if len(parts) != 1 or not parts[0].get("text"):
            raise Invalid(
                f"{where}.content.parts[0].data: required oneof field 'data' must have one "
                "initialized field\n"
            )
        if request.get("taskType", "TASK_TYPE_UNSPECIFIED") not in TASK_TYPES:
            raise Invalid(f"Invalid value at 'requests[{i}].task_type' ({request['taskType']})")
        dimensions = request.get("outputDimensionality")
        if dimensions is not None and not (
            isinstance(dimensions, int) and 0 < dimensions <= MAX_EMBEDDING_DIMENSIONS
        ):
            raise Invalid(
                f"{where}.output_dimensionality: outputDimensionality must be between 1 and "
                f"{MAX_EMBEDDING_DIMENSIONS}\n"
            )
        checked.append({**request, "content": {"parts": parts}})
    return checked


def embedding(text: str, dimensions: int | None) -> list[float]:
    """A made-up vector that depends on the text only; multiples of 1/256, exact in float32."""
    digest = hashlib.sha256(text.encode()).digest()
    size = dimensions or EMBEDDING_DIMENSIONS
    return [(digest[i % len(digest)] - 128) / 256 for i in range(size)]


# --- answers -----------------------------------------------------------------------------------


def answer(model: str, body: dict[str, Any]) -> dict[str, Any]:
    """The whole GenerateContentResponse; ``stream`` replays it as events."""
    last_parts = body["contents"][-1]["parts"]
    responses = [p["functionResponse"] for p in last_parts if "functionResponse" in p]
    declarations = [d for t in body.get("tools") or [] for d in t.get("functionDeclarations", [])]
    parts: list[dict[str, Any]]
    if model.endswith("-tools") and declarations and not responses:
        declaration = declarations[0]
        schema = declaration.get("parametersJsonSchema") or declaration.get("parameters") or {}
        first_property = next(iter(schema.get("properties") or {}), None)
        args = {first_property: last_user_text(body)} if first_property else {}
        call = {"name": declaration["name"], "args": args}
        parts = [{"functionCall": call, "thoughtSignature": THOUGHT_SIGNATURE}]
    elif responses:
        parts = [{"text": f"The tool said: {json.dumps(responses[-1]['response'])}"}]
    else:
        parts = [{"text": last_user_text(body) or "(no text)"}]
    count = (body.get("generationConfig") or {}).get("candidateCount", 1)
    candidates = [
        {"content": {"parts": parts, "role": "model"}, "finishReason": "STOP", "index": index}
        for index in range(count)
    ]
    prompt_tokens = count_words(body)
    output_tokens = count_words(parts) * count
    usage: dict[str, Any] = {
        "promptTokenCount": prompt_tokens,
        "candidatesTokenCount": output_tokens,
        "totalTokenCount": prompt_tokens + output_tokens,
        "promptTokensDetails": [{"modality": "TEXT", "tokenCount": prompt_tokens}],
    }
    if model.endswith("-thinking"):
        usage["thoughtsTokenCount"] = THOUGHT_TOKENS
        usage["totalTokenCount"] += THOUGHT_TOKENS
    if model.endswith("-cached"):
        usage["cachedContentTokenCount"] = min(CACHED_TOKENS, prompt_tokens)
    return {
        "candidates": candidates,
        "usageMetadata": usage,
        "modelVersion": model,
        "responseId": uuid.uuid4().hex[:22],
    }


def last_user_text(body: dict[str, Any]) -> str:
    for content in reversed(body["contents"]):
        texts = [p["text"] for p in content["parts"] if "text" in p]
        if content.get("role", "user") == "user" and texts:
            return " ".join(texts)
    return ""


def count_words(value: Any) -> int:
    """A stand-in for a tokenizer: the number of words in every string of ``value``."""
    if isinstance(value, str):
        return len(value.split())
    if isinstance(value, dict):
        return sum(count_words(v) for k, v in value.items() if k not in NOT_WORDS)
    if isinstance(value, list):
        return sum(count_words(v) for v in value)
    return 0


async def stream(request: web.Request, model: str, response: dict[str, Any]) -> web.StreamResponse:
    """Replays ``response`` as the real API streams: text in pieces, usage in every event."""
    http = web.StreamResponse(headers={"content-type": "text/event-stream"})
    await http.prepare(request)

    async def send(event: dict[str, Any]) -> None:
        await http.write(f"data: {json.dumps(event)}\r\n\r\n".encode())
        await asyncio.sleep(0)  # let each event reach the client on its own

    usage = response["usageMetadata"]
    # Before the last event, usage has the prompt only.
    partial_usage = {k: v for k, v in usage.items() if k.startswith("prompt")}
    partial_usage["totalTokenCount"] = usage["promptTokenCount"]
    pieces = stream_pieces(response["candidates"][0]["content"]["parts"])
    for number, piece in enumerate(pieces, start=1):
        last = number == len(pieces)
        if last and model.endswith("-cut"):
            break
        if last and model.endswith("-stream-error"):
            error = {"code": 503, "message": "The model is overloaded.", "status": "UNAVAILABLE"}
            await send({"error": error})
            break
        candidates = []
        for candidate in response["candidates"]:
            streamed = {"content": {"parts": [piece], "role": "model"}, "index": candidate["index"]}
            if last:
                streamed["finishReason"] = candidate["finishReason"]
            candidates.append(streamed)
        event = {
            "candidates": candidates,
            "usageMetadata": usage if last else partial_usage,
            "modelVersion": response["modelVersion"],
            "responseId": response["responseId"],
        }
        await send(event)
    await http.write_eof()
    return http


def stream_pieces(parts: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Text parts split into a few words each; other parts whole, as the real API sends them."""
    pieces: list[dict[str, Any]] = []
    for part in parts:
        if "text" not in part:
            pieces.append(part)
            continue
        words = part["text"].split(" ")
        pieces += [{"text": " ".join(words[i : i + 2]) + " "} for i in range(0, len(words), 2)]
        pieces[-1]["text"] = pieces[-1]["text"][:-1]
    return pieces


# --- errors ------------------------------------------------------------------------------------


def error_response(
    status: int,
    rpc_status: str,
    message: str,
    *,
    details: list[dict[str, Any]] | None = None,
    headers: dict[str, str] | None = None,
) -> web.Response:
    error: dict[str, Any] = {"code": status, "message": message, "status": rpc_status}
    if details:
        error["details"] = details
    return web.json_response({"error": error}, status=status, headers=headers)
