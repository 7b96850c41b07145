"""Postcheck of a Responses API answer from a provider that speaks it (forwarded untranslated).

The same output policy and restore as chat (``gateway.output_filter``: a ``TextFilter`` per text
the model writes, a ``StreamRestorer`` per call's arguments), on the Responses shape: a whole
Response object (``filter_response``) or its event stream (``ResponsesEventFilter``).

On a stream, a ``response.output_text.delta`` is passed on rewritten as it comes; what a text
holds back (a placeholder split across deltas, a value still being written) is sent as one more
delta just before its ``response.output_text.done``. Every text of the ``.done`` events and of
the response snapshots (``response.output_item.done``, ``response.completed``...) is the
filtered one, so it equals the deltas joined. Events are numbered again as they are sent
(``sequence_number``), since a delta may be added or dropped.

The request fields a Response repeats (``instructions``, ``tools``, ``metadata``, ``user``,
``text``) are what the provider was sent: placeholders in them are restored to the client's
own values.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

import orjson

from detectors.engine import DetectionEngine
from gateway.output_filter import TextFilter, filter_text, json_escape
from policies.engine import CompiledPolicy, Verdict, evaluate
from policies.transforms import StreamRestorer, Vault
from providers.openai import responses_event

ECHOED = ("instructions", "tools", "metadata", "user", "text")  # request fields a Response repeats
TEXT_FIELDS = {"output_text": "text", "refusal": "refusal"}  # content part type -> its text
TEXT_EVENTS = {  # delta event -> (done event, the done event's text field)
    "response.output_text.delta": ("response.output_text.done", "text"),
    "response.refusal.delta": ("response.refusal.done", "refusal"),
}
DONE_EVENTS = {done: (delta, field) for delta, (done, field) in TEXT_EVENTS.items()}
ARGUMENTS = -1  # the content index under which a call's arguments are kept
_EVENT_END = re.compile(rb"\r?\n\r?\n")

Key = tuple[str, int]  # (output item id, content index or ARGUMENTS)
Found = list[tuple[str, float, str]]


def filter_response(
    document: dict[str, Any],
    engine: DetectionEngine,
    policy: CompiledPolicy | None,
    classes: frozenset[str],
    vault: Vault,
) -> Verdict:
    """Apply the output policy and restore the vault in a whole Response object, in place."""
    found: Found = []
    for item in _items(document):
        _filter_item(item, engine, policy, classes, vault, found, {})
    _restore_echo(document, vault)
    return evaluate(found, policy)


class ResponsesEventFilter:
    """The output policy and restore over a Responses event stream; see the module docstring.
    ``feed`` takes bytes in any split and returns whole events; ``close`` what is left."""

    def __init__(
        self,
        engine: DetectionEngine,
        policy: CompiledPolicy | None,
        classes: frozenset[str],
        vault: Vault,
    ) -> None:
        self._engine = engine
        self._policy = policy
        self._classes = classes
        self._vault = vault
        self._buffer = bytearray()
        self._texts: dict[Key, TextFilter] = {}
        self._arguments: dict[str, StreamRestorer] = {}
        self._sent: dict[Key, list[str]] = {}  # what was sent of each text so far
        self._found: Found = []  # findings in texts filtered whole
        self._sequence = 0

    def verdict(self) -> Verdict:
        found = [f for text in self._texts.values() for f in text.findings]
        return evaluate(found + self._found, self._policy)

    def feed(self, data: bytes) -> bytes:
        self._buffer += data
        out = bytearray()
        start = 0
        while (match := _EVENT_END.search(self._buffer, start)) is not None:
            out += self._event(bytes(self._buffer[start : match.end()]))
            start = match.end()
        del self._buffer[:start]
        return bytes(out)

    def close(self) -> bytes:
        rest = bytes(self._buffer)
        self._buffer.clear()
        return self._event(rest) if rest.strip() else b""

    def _event(self, event: bytes) -> bytes:
        payload = responses_event(event)
        if payload is None:
            return event
        kind = payload.get("type")
        if kind in TEXT_EVENTS:
            return self._text_delta(payload)
        if kind in DONE_EVENTS:
            return self._text_done(payload)
        if kind == "response.function_call_arguments.delta":
            return self._arguments_delta(payload)
        if kind == "response.function_call_arguments.done":
            return self._arguments_done(payload)
        if kind == "response.content_part.done" and isinstance(payload.get("part"), dict):
            key = (str(payload.get("item_id")), int(payload.get("content_index") or 0))
            self._filter_part(payload["part"], key)
        elif kind == "response.output_item.done" and isinstance(payload.get("item"), dict):
            self._filter_item(payload["item"])
        elif isinstance(payload.get("response"), dict):
            for item in _items(payload["response"]):
                self._filter_item(item)
            _restore_echo(payload["response"], self._vault)
        return self._render(payload)

    def _text_delta(self, payload: dict[str, Any]) -> bytes:
        key = _text_key(payload)
        text = self._texts.get(key)
        if text is None:
            text = TextFilter(
                self._engine, self._policy, self._classes, StreamRestorer(self._vault)
            )
            self._texts[key] = text
        piece = text.feed(str(payload.get("delta") or ""))
        if not piece:
            return b""  # all held back for now
        self._sent.setdefault(key, []).append(piece)
        payload["delta"] = piece
        return self._render(payload)

    def _text_done(self, payload: dict[str, Any]) -> bytes:
        delta_kind, field = DONE_EVENTS[str(payload["type"])]
        key = _text_key(payload)
        text = self._texts.get(key)
        if text is None:  # no delta came for it: the whole text at once
            payload[field] = self._whole(str(payload.get(field) or ""))
            self._sent[key] = [payload[field]]
            return self._render(payload)
        out = b""
        rest = text.feed("", final=True)
        if rest:
            self._sent.setdefault(key, []).append(rest)
            out = self._render({**_where(payload), "type": delta_kind, "delta": rest})
        payload[field] = "".join(self._sent.get(key, ()))
        return out + self._render(payload)

    def _arguments_delta(self, payload: dict[str, Any]) -> bytes:
        item_id = str(payload.get("item_id"))
        restorer = self._arguments.get(item_id)
        if restorer is None:
            restorer = self._arguments[item_id] = StreamRestorer(self._vault, json_escape)
        piece = restorer.feed(str(payload.get("delta") or ""))
        if not piece:
            return b""
        self._sent.setdefault((item_id, ARGUMENTS), []).append(piece)
        payload["delta"] = piece
        return self._render(payload)

    def _arguments_done(self, payload: dict[str, Any]) -> bytes:
        item_id = str(payload.get("item_id"))
        key = (item_id, ARGUMENTS)
        restorer = self._arguments.get(item_id)
        if restorer is None:
            payload["arguments"] = self._vault.restore(
                str(payload.get("arguments") or ""), json_escape
            )
            self._sent[key] = [payload["arguments"]]
            return self._render(payload)
        out = b""
        rest = restorer.flush()
        if rest:
            self._sent.setdefault(key, []).append(rest)
            delta = {**_where(payload), "type": "response.function_call_arguments.delta"}
            out = self._render({**delta, "delta": rest})
        payload["arguments"] = "".join(self._sent.get(key, ()))
        return out + self._render(payload)

    def _filter_item(self, item: dict[str, Any]) -> None:
        _filter_item(
            item, self._engine, self._policy, self._classes, self._vault, self._found, self._sent
        )

    def _filter_part(self, part: dict[str, Any], key: Key) -> None:
        _filter_part(
            part,
            key,
            self._engine,
            self._policy,
            self._classes,
            self._vault,
            self._found,
            self._sent,
        )

    def _whole(self, text: str) -> str:
        return filter_text(
            text, self._engine, self._policy, self._classes, self._vault, self._found
        )

    def _render(self, payload: dict[str, Any]) -> bytes:
        payload["sequence_number"] = self._sequence
        self._sequence += 1
        kind = str(payload.get("type") or "message")
        return b"event: " + kind.encode() + b"\ndata: " + orjson.dumps(payload) + b"\n\n"


def _filter_item(
    item: dict[str, Any],
    engine: DetectionEngine,
    policy: CompiledPolicy | None,
    classes: frozenset[str],
    vault: Vault,
    found: Found,
    sent: dict[Key, list[str]],
) -> None:
    """An output item whole: a message's texts, a call's arguments. A text already streamed
    (in ``sent``) is what was sent of it."""
    item_id = str(item.get("id"))
    if item.get("type") == "function_call" and isinstance(item.get("arguments"), str):
        streamed = sent.get((item_id, ARGUMENTS))
        if streamed is not None:
            item["arguments"] = "".join(streamed)
        else:
            item["arguments"] = vault.restore(item["arguments"], json_escape)
        return
    content = item.get("content")
    if item.get("type") == "message" and isinstance(content, list):
        for index, part in enumerate(content):
            if isinstance(part, dict):
                _filter_part(part, (item_id, index), engine, policy, classes, vault, found, sent)


def _filter_part(
    part: dict[str, Any],
    key: Key,
    engine: DetectionEngine,
    policy: CompiledPolicy | None,
    classes: frozenset[str],
    vault: Vault,
    found: Found,
    sent: dict[Key, list[str]],
) -> None:
    field = TEXT_FIELDS.get(str(part.get("type")))
    if field is None or not isinstance(part.get(field), str):
        return
    streamed = sent.get(key)
    if streamed is not None:
        part[field] = "".join(streamed)
    else:
        part[field] = filter_text(part[field], engine, policy, classes, vault, found)


def _restore_echo(response: dict[str, Any], vault: Vault) -> None:
    """The request fields a Response repeats, with the client's own values back."""
    if not vault:
        return
    for name in ECHOED:
        value = response.get(name)
        if value is not None:
            restored = vault.restore(orjson.dumps(value).decode(), json_escape)
            response[name] = orjson.loads(restored)


def _items(response: dict[str, Any]) -> Iterator[dict[str, Any]]:
    output = response.get("output")
    if isinstance(output, list):
        yield from (item for item in output if isinstance(item, dict))


def _text_key(payload: dict[str, Any]) -> Key:
    return (str(payload.get("item_id")), int(payload.get("content_index") or 0))


def _where(payload: dict[str, Any]) -> dict[str, Any]:
    """Where a text event stands: the fields a delta event of the same text repeats."""
    where = {
        name: payload[name]
        for name in ("item_id", "output_index", "content_index")
        if name in payload
    }
    if payload.get("type") == "response.output_text.done":
        where["logprobs"] = []
    return where
