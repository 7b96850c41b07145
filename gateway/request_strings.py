"""Every string of a request that a provider receives, found in one walk, and put back rewritten.

``request_strings(body, tool)`` walks the body every front door hands the precheck (an OpenAI
chat.completions body: the Anthropic front translates into it; or an embeddings body) and
returns a ``TextSlot`` for each string the provider will receive, with the tool whose policy
row governs it. ``rewritten_body`` builds the body to send from the slots' rewritten texts,
copying only what lies on the way to a change, so the client's body is kept.

Slots, in this order (the ``Vault`` numbers placeholders by first appearance, and what stays the
same from turn to turn comes first, so a conversation keeps its placeholders):

- every field but ``messages``: ``user``, ``metadata``, ``stop``, ``prediction``, embeddings'
  ``input``, and any field this module does not know: every string, number and object key in
  it. Tool and function definitions and ``response_format``: their descriptions, and every
  string, number and key of their schemas;
- the messages: text in every form (string content, text and refusal parts, ``name``,
  ``refusal``, image URLs, file names) and whatever else a message carries. A ``tool``
  message's content is governed by the tool that produced it (its ``tool_call_id``), and a tool
  call's ``arguments`` by the tool called. Arguments are JSON in a string: each string value,
  key and number inside is a slot of its own, and the arguments are serialised again after
  rewriting, so they stay JSON; arguments that do not parse are one text slot.

Not slots, because they hold no user text and rewriting them would break the request: the
sampling parameters (``PARAMETERS``), ``tool_choice``, roles, ids, types, and the names of
functions and schemas (identifiers providers restrict to ``[a-zA-Z0-9_-]``), binary payloads
(``data:`` URLs, audio) and keys that are field names or JSON Schema keywords (``KNOWN_KEYS``).
A number is scanned as its decimal text and replaced by the rewritten string if that differs.

``responses_strings`` walks a Responses API body (``POST /v1/responses`` forwarded to a provider
that speaks it) the same way, with the same slots and rules: ``instructions``, ``metadata``,
``user`` and any field it does not know; ``tools`` and ``text`` (its ``format`` schema) as
definitions; then the ``input`` items: a message's content parts, a ``function_call``'s
``arguments`` (JSON, governed by the tool called) and a ``function_call_output``'s output
(governed by the tool that produced it, found by ``call_id``). Not slots: the parameters
(``RESPONSES_PARAMETERS``), item ids, ``call_id``, roles, statuses and a reasoning item's
``encrypted_content`` (opaque to everyone but the provider).
"""

from __future__ import annotations

import copy
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, NamedTuple

import orjson

Path = tuple[str | int, ...]

PARAMETERS = frozenset(
    "model stream stream_options n max_tokens max_completion_tokens temperature top_p seed"
    " logit_bias logprobs top_logprobs presence_penalty frequency_penalty parallel_tool_calls"
    " reasoning_effort service_tier modalities store verbosity tool_choice function_call"
    " encoding_format dimensions".split()
)
# Object keys never worth a scan: field names of the APIs and JSON Schema keywords.
KNOWN_KEYS = frozenset(
    "type properties items required description title enum const default examples format"
    " pattern minimum maximum exclusiveMinimum exclusiveMaximum multipleOf minLength maxLength"
    " minItems maxItems uniqueItems minProperties maxProperties additionalProperties"
    " patternProperties propertyNames prefixItems contains anyOf oneOf allOf not if then else"
    " $ref $defs definitions $schema $id $comment nullable strict name text content url detail"
    " filename file_data file_id".split()
)
_MESSAGE_SKIPPED = frozenset({"role", "tool_call_id", "audio"})  # "audio" refers to an id
_PART_SKIPPED = frozenset({"type", "cache_control", "input_audio"})  # input_audio is binary
_DEFINITION_SKIPPED = frozenset({"type", "name", "strict"})  # of tools, functions, schemas
_SCHEMAS = frozenset({"parameters", "schema", "input_schema"})
_CALL_SKIPPED = frozenset({"id", "type"})
RESPONSES_PARAMETERS = frozenset(
    "model stream stream_options store background max_output_tokens temperature top_p"
    " parallel_tool_calls tool_choice truncation service_tier include reasoning top_logprobs"
    " max_tool_calls previous_response_id".split()
)
_ITEM_SKIPPED = frozenset({"type", "id", "call_id", "status", "role", "encrypted_content"})


class TextSlot(NamedTuple):  # a tuple: a request may have hundreds, made in microseconds
    """One string a provider receives: the value at ``path`` in the body (or, when
    ``document`` is set, in that JSON document), or with ``key`` the object key that ``path``
    ends with. A number's slot holds its decimal text. ``tool`` names the governing row."""

    path: Path
    text: str
    tool: str
    document: int | None = None
    key: bool = False


@dataclass(slots=True)
class JsonDocument:
    """A string field holding JSON (tool-call arguments), parsed once; rewriting changes
    ``value``, which is serialised back into the string at ``path``."""

    path: Path
    value: Any


@dataclass(slots=True)
class RequestStrings:
    slots: list[TextSlot]
    documents: list[JsonDocument]


def request_strings(body: dict[str, Any], tool: str) -> RequestStrings:
    walk = _Walk()
    for name, value in body.items():
        if name in PARAMETERS or name == "messages":
            continue
        if name in ("tools", "functions", "response_format"):
            walk.definitions(value, (name,), tool)
        else:
            walk.anything(value, (name,), tool)
    messages = body.get("messages")
    if isinstance(messages, list):
        walk.messages(messages, tool)
    return RequestStrings(walk.slots, walk.documents)


def responses_strings(body: dict[str, Any], tool: str) -> RequestStrings:
    """``request_strings`` of a Responses API body (see the module docstring)."""
    walk = _Walk()
    for name, value in body.items():
        if name in RESPONSES_PARAMETERS or name == "input":
            continue
        if name in ("tools", "text"):
            walk.definitions(value, (name,), tool)
        else:
            walk.anything(value, (name,), tool)
    given = body.get("input")
    if isinstance(given, list):
        walk.items(given, tool)
    else:
        walk.anything(given, ("input",), tool)
    return RequestStrings(walk.slots, walk.documents)


class _Walk:
    def __init__(self) -> None:
        self.slots: list[TextSlot] = []
        self.documents: list[JsonDocument] = []
        self._document: int | None = None  # the JSON document being walked, if any

    def add(self, text: str, path: Path, tool: str, *, key: bool = False) -> None:
        if text and (key or not _is_binary(text)):
            self.slots.append(TextSlot(path, text, tool, self._document, key))

    def anything(self, value: Any, path: Path, tool: str) -> None:
        """Every string, number and (unknown) key in ``value``."""
        if isinstance(value, str):
            self.add(value, path, tool)
        elif isinstance(value, dict):
            # The hot loop of a schema: its keys and string values are added here directly.
            slots, document = self.slots, self._document
            for key, item in value.items():
                where = (*path, key)
                if key not in KNOWN_KEYS and key:
                    slots.append(TextSlot(where, key, tool, document, True))
                if isinstance(item, str):
                    if item and not _is_binary(item):
                        slots.append(TextSlot(where, item, tool, document))
                else:
                    self.anything(item, where, tool)
        elif isinstance(value, list):
            for index, item in enumerate(value):
                self.anything(item, (*path, index), tool)
        elif isinstance(value, int | float) and not isinstance(value, bool):
            self.add(repr(value), path, tool)

    def definitions(self, value: Any, path: Path, tool: str) -> None:
        """Tools, functions, ``response_format``: their schemas whole, the rest but names."""
        if isinstance(value, dict):
            for key, item in value.items():
                if key in _SCHEMAS:
                    self.anything(item, (*path, key), tool)
                elif key not in _DEFINITION_SKIPPED:
                    self.definitions(item, (*path, key), tool)
        elif isinstance(value, list):
            for index, item in enumerate(value):
                self.definitions(item, (*path, index), tool)
        else:
            self.anything(value, path, tool)

    def messages(self, messages: list[Any], tool: str) -> None:
        producers: dict[str, str] = {}  # tool_call_id -> the function called
        for index, message in enumerate(messages):
            if not isinstance(message, dict):
                continue
            for call in _calls(message):
                name = _function_name(call.get("function"))
                if isinstance(call.get("id"), str) and name:
                    producers[call["id"]] = name
            governing = tool
            if message.get("role") == "tool":
                governing = producers.get(message.get("tool_call_id") or "", tool)
            for key, value in message.items():
                path = ("messages", index, key)
                if key in _MESSAGE_SKIPPED:
                    continue
                if key == "content":
                    self.content(value, path, governing)
                elif key == "tool_calls" and isinstance(value, list):
                    for number, call in enumerate(value):
                        self.call(call, (*path, number), tool)
                elif key == "function_call":  # the legacy single call
                    self.function(value, path, tool)
                else:
                    self.anything(value, path, governing)

    def items(self, items: list[Any], tool: str) -> None:
        """Responses ``input`` items; as ``messages``, with a call's arguments and output
        governed by the function called."""
        producers: dict[str, str] = {}  # call_id -> the function called
        for index, item in enumerate(items):
            path: Path = ("input", index)
            if not isinstance(item, dict):
                self.anything(item, path, tool)
                continue
            kind = item.get("type", "message")
            governing = tool
            if kind == "function_call":
                governing = _function_name(item) or tool
                if isinstance(item.get("call_id"), str):
                    producers[item["call_id"]] = governing
            elif kind == "function_call_output":
                governing = producers.get(item.get("call_id") or "", tool)
            for key, value in item.items():
                if key in _ITEM_SKIPPED or (key == "name" and kind == "function_call"):
                    continue
                where = (*path, key)
                if key == "arguments" and kind == "function_call" and isinstance(value, str):
                    self.json_text(value, where, governing)
                elif key in ("content", "output"):
                    self.content(value, where, governing)
                else:
                    self.anything(value, where, governing)

    def content(self, value: Any, path: Path, tool: str) -> None:
        if not isinstance(value, list):
            self.anything(value, path, tool)
            return
        for index, part in enumerate(value):
            if not isinstance(part, dict):
                self.anything(part, (*path, index), tool)
                continue
            for key, item in part.items():
                if key not in _PART_SKIPPED:
                    self.anything(item, (*path, index, key), tool)

    def call(self, call: Any, path: Path, tool: str) -> None:
        if not isinstance(call, dict):
            self.anything(call, path, tool)
            return
        for key, item in call.items():
            if key in ("function", "custom"):
                self.function(item, (*path, key), tool)
            elif key not in _CALL_SKIPPED:
                self.anything(item, (*path, key), tool)

    def function(self, function: Any, path: Path, tool: str) -> None:
        """A call's function: its arguments are governed by the tool called, as its result."""
        if not isinstance(function, dict):
            self.anything(function, path, tool)
            return
        governing = _function_name(function) or tool
        for key, item in function.items():
            if key == "name":
                continue
            if key == "arguments" and isinstance(item, str):
                self.json_text(item, (*path, key), governing)
            else:
                self.anything(item, (*path, key), governing)

    def json_text(self, text: str, path: Path, tool: str) -> None:
        try:
            value = orjson.loads(text)
        except orjson.JSONDecodeError:
            value = None
        if not isinstance(value, dict | list):
            self.add(text, path, tool)
            return
        self.documents.append(JsonDocument(path, value))
        self._document = len(self.documents) - 1
        try:
            self.anything(value, (), tool)
        finally:
            self._document = None


def rewritten_body(
    body: dict[str, Any], strings: RequestStrings, texts: Sequence[str]
) -> dict[str, Any]:
    """``body`` with each slot's text replaced by ``texts[i]`` (the slot's own text: kept).
    The client's body is not changed: what lies on the way to a change is copied."""
    out = _CopyOnWrite(body)
    documents = strings.documents
    changed: set[int] = set()
    renames: list[tuple[TextSlot, str]] = []
    for slot, text in zip(strings.slots, texts, strict=True):
        if text == slot.text:
            continue
        if slot.key:
            renames.append((slot, text))
        elif slot.document is None:
            out.set(slot.path, text)
        else:
            _container(documents[slot.document].value, slot.path[:-1])[slot.path[-1]] = text
            changed.add(slot.document)
    # Keys last and deepest first: renaming a key changes the path of what lies under it.
    for slot, text in sorted(renames, key=lambda rename: len(rename[0].path), reverse=True):
        if slot.document is None:
            mapping = out.container(slot.path[:-1])
        else:
            mapping = _container(documents[slot.document].value, slot.path[:-1])
            changed.add(slot.document)
        _rename(mapping, slot.path[-1], text)
    for index in sorted(changed):
        document = documents[index]
        out.set(document.path, orjson.dumps(document.value).decode())
    return out.root


class _CopyOnWrite:
    """A shallow copy of a JSON tree that copies each container on the way to a change."""

    def __init__(self, root: dict[str, Any]) -> None:
        self.root = dict(root)
        self._copied = {id(self.root)}

    def container(self, path: Path) -> Any:
        node: Any = self.root
        for step in path:
            child = node[step]
            if id(child) not in self._copied:
                child = copy.copy(child)
                node[step] = child
                self._copied.add(id(child))
            node = child
        return node

    def set(self, path: Path, value: Any) -> None:
        self.container(path[:-1])[path[-1]] = value


def _container(root: Any, path: Path) -> Any:
    for step in path:
        root = root[step]
    return root


def _rename(mapping: dict[str, Any], old: str | int, new: str) -> None:
    """Rename a key in place, keeping the order; a clash gets a number, not lost data."""
    if old not in mapping:
        return
    target, number = new, 2
    while target in mapping and target != old:
        target, number = f"{new} ({number})", number + 1
    items = [(target if key == old else key, value) for key, value in mapping.items()]
    mapping.clear()
    mapping.update(items)


def _calls(message: dict[str, Any]) -> list[dict[str, Any]]:
    calls = message.get("tool_calls")
    return [call for call in calls if isinstance(call, dict)] if isinstance(calls, list) else []


def _function_name(function: Any) -> str | None:
    name = function.get("name") if isinstance(function, dict) else None
    return name if isinstance(name, str) and name else None


def _is_binary(text: str) -> bool:
    """A ``data:`` URL with base64 content: an image, a PDF, audio. Not text to scan."""
    return text[:5] == "data:" and ";base64," in text[:128]
