"""Postcheck of what the model wrote: the output policy, then tokens restored.

Order matters: the output policy (the matrix row ``policy.output_tool``, default
``ai.generate``) applies to what the model wrote, placeholders included; restoring the
conversation's own values is the last step, so those values (the user's own data) are never
scanned again.

On a stream, text passes through as it comes. Held back is only the tail that could still grow
into a match: a partial placeholder (``<EMA``), and, for the classes the output policy acts
on, the last word (an email's start) or a run of digit groups (a card or phone number being
written). Streams are scanned with the fast detectors; names and addresses (NER) are checked on
whole responses only.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

import orjson

from core.errors import PolicyDeniedError
from detectors.engine import DetectionEngine
from policies.engine import CompiledPolicy, Verdict, evaluate
from policies.matrix import Action
from policies.transforms import Span, StreamRestorer, Vault, rewrite

MAX_HOLDBACK = 96  # characters: the bound of what a stream ever holds back for scanning
LEFT_CONTEXT = 48  # characters already sent, kept as context for detectors (e.g. "born on")
_EVENT_END = re.compile(rb"\r?\n\r?\n")
_DIGITISH = re.compile(r"[+(]?[0-9A-Fa-f][0-9A-Fa-f().:\-/]*")
_WORDISH = re.compile(r"[\w.%+\-@]+")


def json_escape(value: str) -> str:
    """A value as it stands inside a JSON string (what a tool call's arguments hold)."""
    return orjson.dumps(value).decode()[1:-1]


def _hold_from(text: str, classes: frozenset[str]) -> int:
    """Where the tail that could still grow into a match of ``classes`` starts."""
    if not classes or not text:
        return len(text)
    words_matter = bool(classes - {"phone", "ssn", "credit_card", "iban", "ip_address"})
    tokens = list(re.finditer(r"\S+", text))
    if not tokens:
        return len(text)
    start = len(text)
    last = tokens[-1]
    if last.end() == len(text):  # the last word may not be finished
        if words_matter and _WORDISH.fullmatch(last.group()):
            start = last.start()
        elif _DIGITISH.fullmatch(last.group()):
            start = last.start()
    # Digit groups separated by single spaces may be one card or phone number in the making.
    for token in reversed(tokens):
        if token.start() >= start:
            continue
        gap = text[token.end() : start]
        if start < len(text) and gap == " " and _DIGITISH.fullmatch(token.group()):
            start = token.start()
        elif (
            start == len(text) and text[token.end() :] == " " and _DIGITISH.fullmatch(token.group())
        ):
            start = token.start()
        else:
            break
    return max(start, len(text) - MAX_HOLDBACK)


class TextFilter:
    """One streamed text field (a choice's content): scan by policy, then restore."""

    def __init__(
        self,
        engine: DetectionEngine,
        policy: CompiledPolicy | None,
        classes: frozenset[str],
        restorer: StreamRestorer,
    ) -> None:
        self._engine = engine
        self._policy = policy
        self._classes = classes
        self._restorer = restorer
        self._pending = ""
        self._context = ""
        self.findings: list[tuple[str, float, str]] = []

    def feed(self, piece: str, *, final: bool = False) -> str:
        text = self._pending + piece
        hold = len(text) if final else _hold_from(text, self._classes)
        ready = text
        if self._classes and self._policy is not None:
            scanned = self._context + text
            offset = len(self._context)
            spans = []
            for finding in self._engine.scan(scanned, self._classes):
                start, end = finding.start - offset, finding.end - offset
                if start < 0:
                    continue  # began in text already sent: too late to change
                if end > hold:
                    hold = min(hold, start)  # still growing: wait for the rest
                    continue
                spans.append(Span(finding.pii_class, start, end))
            spans = [s for s in spans if s.end <= hold]
            action = self._action
            for span in spans:
                self.findings.append((span.pii_class, 1.0, self._policy.output_tool))
                if action(span.pii_class) == Action.DENY:
                    raise PolicyDeniedError(
                        f"the policy of this org denies returning {span.pii_class} "
                        f"for tool {self._policy.output_tool}"
                    )
            # Tokenizing keeps values from the provider; what the model wrote came from it, so
            # a tokenize on the output row leaves the value as written. (Placeholders of a
            # vault of their own would be taken for the request's and "restored" to the
            # client's own values.)
            rewritten = [s for s in spans if action(s.pii_class) != Action.TOKENIZE]
            ready = rewrite(text[:hold], rewritten, action, Vault())
        else:
            ready = text[:hold]
        self._pending = text[hold:]
        self._context = (self._context + text[:hold])[-LEFT_CONTEXT:]
        out = self._restorer.feed(ready)
        return out + self._restorer.flush() if final else out

    def _action(self, pii_class: str) -> Action:
        assert self._policy is not None
        return self._policy.action(self._policy.output_tool, pii_class)


@dataclass(frozen=True, slots=True)
class OutputRules:
    """What postcheck applies to what the model wrote: the detectors, the org's policy (None:
    no policy), the classes its output row acts on, and the request's values to restore."""

    engine: DetectionEngine
    policy: CompiledPolicy | None
    classes: frozenset[str]
    vault: Vault

    def text_filter(self) -> TextFilter:
        """A filter for one text the model writes (streamed or whole)."""
        return TextFilter(self.engine, self.policy, self.classes, StreamRestorer(self.vault))

    def arguments_restorer(self) -> StreamRestorer:
        """A restorer for one call's arguments (JSON text: values are put back escaped)."""
        return StreamRestorer(self.vault, json_escape)


class EventFilter:
    """The output policy and restore over one answer shape's SSE stream. ``feed`` takes bytes
    in any split and returns whole events, each rewritten by ``_event`` (the subclass's);
    ``close`` does the same with what is left; ``verdict`` says what the policy found."""

    def __init__(self, rules: OutputRules) -> None:
        self._rules = rules
        self._buffer = bytearray()

    def verdict(self) -> Verdict:
        raise NotImplementedError

    def _event(self, event: bytes) -> bytes:
        raise NotImplementedError

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


class SseOutputFilter(EventFilter):
    """Rewrites OpenAI ``chat.completion.chunk`` events: content by the output policy and the
    vault, tool-call arguments by the vault (JSON-escaped). Held text is sent with the chunk
    that finishes its choice, so nothing is lost and nothing waits past the end."""

    def __init__(self, rules: OutputRules) -> None:
        super().__init__(rules)
        self._content: dict[int, TextFilter] = {}
        self._arguments: dict[tuple[int, int], StreamRestorer] = {}

    def verdict(self) -> Verdict:
        found = [f for text in self._content.values() for f in text.findings]
        return evaluate(found, self._rules.policy)

    def _event(self, event: bytes) -> bytes:
        if not event.startswith(b"data:") or event[5:].strip().startswith(b"[DONE]"):
            return event
        try:
            chunk = orjson.loads(event[5:])
        except orjson.JSONDecodeError:
            return event
        choices = chunk.get("choices") if isinstance(chunk, dict) else None
        if not choices:
            return event
        for choice in choices:
            self._choice(choice)
        ending = event[len(event.rstrip(b"\r\n")) :]
        return b"data: " + orjson.dumps(chunk) + ending

    def _choice(self, choice: dict[str, Any]) -> None:
        index = choice.get("index", 0)
        delta = choice.get("delta") or {}
        final = choice.get("finish_reason") is not None
        text = self._content.get(index)
        if text is None:
            text = self._content[index] = self._rules.text_filter()
        content = delta.get("content")
        if isinstance(content, str) or final:
            out = text.feed(content or "", final=final)
            if isinstance(content, str) or out:
                delta["content"] = out
                choice["delta"] = delta
        for call in delta.get("tool_calls") or ():
            function = call.get("function") or {}
            arguments = function.get("arguments")
            if isinstance(arguments, str):
                key = (index, call.get("index", 0))
                restorer = self._arguments.get(key)
                if restorer is None:
                    restorer = self._arguments[key] = self._rules.arguments_restorer()
                function["arguments"] = restorer.feed(arguments)
        if final:
            rests = [(key, r.flush()) for key, r in self._arguments.items() if key[0] == index]
            for (_, call_index), rest in rests:
                if rest:
                    delta.setdefault("tool_calls", []).append(
                        {"index": call_index, "function": {"arguments": rest}}
                    )
                    choice["delta"] = delta


def filter_completion(document: dict[str, Any], rules: OutputRules) -> Verdict:
    """Apply the output policy and restore the vault in a whole chat.completion, in place."""
    found: list[tuple[str, float, str]] = []
    for choice in document.get("choices") or ():
        message = choice.get("message") or {}
        content = message.get("content")
        if isinstance(content, str):
            message["content"] = filter_text(content, rules, found)
        for call in message.get("tool_calls") or ():
            function = call.get("function") or {}
            if isinstance(function.get("arguments"), str):
                function["arguments"] = rules.vault.restore(function["arguments"], json_escape)
    return evaluate(found, rules.policy)


def filter_text(text: str, rules: OutputRules, found: list[tuple[str, float, str]]) -> str:
    """One whole text the model wrote, by the output policy then the vault; what the policy
    found is added to ``found``."""
    scanned = rules.text_filter()
    out = scanned.feed(text, final=True)
    found += scanned.findings
    return out
