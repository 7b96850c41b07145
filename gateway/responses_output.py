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

from typing import Any

import orjson

from gateway.output_filter import EventFilter, OutputRules, TextFilter, filter_text, json_escape
from policies.engine import Verdict, evaluate
from policies.transforms import StreamRestorer
from providers.openai import responses_event

ECHOED = ("instructions", "tools", "metadata", "user", "text")  # request fields a Response repeats
TEXT_FIELDS = {"output_text": "text", "refusal": "refusal"}  # content part type -> its text
TEXT_EVENTS = {  # delta event -> (done event, the done event's text field)
    "response.output_text.delta": ("response.output_text.done", "text"),
    "response.refusal.delta": ("response.refusal.done", "refusal"),
}
DONE_EVENTS = {done: (delta, field) for delta, (done, field) in TEXT_EVENTS.items()}
ARGUMENTS = -1  # the content index under which a call's arguments are kept

Key = tuple[str, int]  # (output item id, content index or ARGUMENTS)
Found = list[tuple[str, float, str]]


def filter_response(document: dict[str, Any], rules: OutputRules) -> Verdict:
    """Apply the output policy and restore the vault in a whole Response object, in place."""
    texts = _Texts(rules)
    texts.response(document)
    return evaluate(texts.found, rules.policy)


class _Texts:
    """The output policy and restore of one answer's texts taken whole: items, content parts,
    the request fields a Response repeats. A text already streamed is what was ``sent`` of it.
    ``found``: what the policy found in them."""

    def __init__(self, rules: OutputRules) -> None:
        self.rules = rules
        self.sent: dict[Key, list[str]] = {}
        self.found: Found = []

    def response(self, response: dict[str, Any]) -> None:
        output = response.get("output")
        for item in output if isinstance(output, list) else ():
            if isinstance(item, dict):
                self.item(item)
        vault = self.rules.vault
        if vault:
            for name in ECHOED:
                value = response.get(name)
                if value is not None:
                    restored = vault.restore(orjson.dumps(value).decode(), json_escape)
                    response[name] = orjson.loads(restored)

    def item(self, item: dict[str, Any]) -> None:
        item_id = str(item.get("id"))
        if item.get("type") == "function_call" and isinstance(item.get("arguments"), str):
            item["arguments"] = self.arguments((item_id, ARGUMENTS), item["arguments"])
            return
        content = item.get("content")
        if item.get("type") == "message" and isinstance(content, list):
            for index, part in enumerate(content):
                if isinstance(part, dict):
                    self.part(part, (item_id, index))

    def part(self, part: dict[str, Any], key: Key) -> None:
        field = TEXT_FIELDS.get(str(part.get("type")))
        if field is not None and isinstance(part.get(field), str):
            part[field] = self.text(key, part[field])

    def text(self, key: Key, text: str) -> str:
        streamed = self.sent.get(key)
        if streamed is not None:
            return "".join(streamed)
        filtered = filter_text(text, self.rules, self.found)
        self.sent[key] = [filtered]
        return filtered

    def arguments(self, key: Key, arguments: str) -> str:
        streamed = self.sent.get(key)
        if streamed is not None:
            return "".join(streamed)
        restored = self.rules.vault.restore(arguments, json_escape)
        self.sent[key] = [restored]
        return restored


class ResponsesEventFilter(EventFilter):
    """The output policy and restore over a Responses event stream; see the module docstring."""

    def __init__(self, rules: OutputRules) -> None:
        super().__init__(rules)
        self._whole = _Texts(rules)
        self._texts: dict[Key, TextFilter] = {}
        self._arguments: dict[str, StreamRestorer] = {}
        self._sequence = 0

    def verdict(self) -> Verdict:
        found = [f for text in self._texts.values() for f in text.findings]
        return evaluate(found + self._whole.found, self._rules.policy)

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
            self._whole.part(payload["part"], _text_key(payload))
        elif kind == "response.output_item.done" and isinstance(payload.get("item"), dict):
            self._whole.item(payload["item"])
        elif isinstance(payload.get("response"), dict):
            self._whole.response(payload["response"])
        return self._render(payload)

    def _text_delta(self, payload: dict[str, Any]) -> bytes:
        key = _text_key(payload)
        text = self._texts.get(key)
        if text is None:
            text = self._texts[key] = self._rules.text_filter()
        return self._delta(payload, key, text.feed(str(payload.get("delta") or "")))

    def _text_done(self, payload: dict[str, Any]) -> bytes:
        delta_kind, field = DONE_EVENTS[str(payload["type"])]
        key = _text_key(payload)
        text = self._texts.get(key)
        rest = text.feed("", final=True) if text is not None else ""
        out = self._delta({**_where(payload), "type": delta_kind}, key, rest)
        payload[field] = self._whole.text(key, str(payload.get(field) or ""))
        return out + self._render(payload)

    def _arguments_delta(self, payload: dict[str, Any]) -> bytes:
        item_id = str(payload.get("item_id"))
        restorer = self._arguments.get(item_id)
        if restorer is None:
            restorer = self._arguments[item_id] = self._rules.arguments_restorer()
        piece = restorer.feed(str(payload.get("delta") or ""))
        return self._delta(payload, (item_id, ARGUMENTS), piece)

    def _arguments_done(self, payload: dict[str, Any]) -> bytes:
        item_id = str(payload.get("item_id"))
        key = (item_id, ARGUMENTS)
        restorer = self._arguments.get(item_id)
        rest = restorer.flush() if restorer is not None else ""
        delta = {**_where(payload), "type": "response.function_call_arguments.delta"}
        out = self._delta(delta, key, rest)
        payload["arguments"] = self._whole.arguments(key, str(payload.get("arguments") or ""))
        return out + self._render(payload)

    def _delta(self, payload: dict[str, Any], key: Key, piece: str) -> bytes:
        """A delta event with ``piece`` (nothing when all of it is held back for now)."""
        if not piece:
            return b""
        self._whole.sent.setdefault(key, []).append(piece)
        payload["delta"] = piece
        return self._render(payload)

    def _render(self, payload: dict[str, Any]) -> bytes:
        payload["sequence_number"] = self._sequence
        self._sequence += 1
        kind = str(payload.get("type") or "message")
        return b"event: " + kind.encode() + b"\ndata: " + orjson.dumps(payload) + b"\n\n"


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
