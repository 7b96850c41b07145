"""PII precheck and output checks: detection engines, policy verdicts, rewritten bodies.

Built once at start-up: the fast detectors at once, the NER detector (names, addresses) in a
background thread so start-up stays quick; a request that needs NER before it is ready waits
for it within the detection timeout. The precheck scans every string a provider would receive
(``gateway.request_strings``: message text, tool calls, tool definitions, schemas, ``user``,
``metadata``, ``stop``...), not only message text. Orgs without an active policy are not
scanned at all, and an org's policy decides which classes are looked for per tool, so a
request pays only for what its policy acts on. Fast detectors run on the event loop (well under
a millisecond for a 2 KB prompt); NER and large bodies run in a thread pool, under
``pii.timeout_seconds``.

Failing closed: a detector that errors or times out denies the request (503
``pii_check_failed``) unless the policy says ``onError: pass``.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import logging
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

from core.errors import ServiceUnavailableError
from core.settings import PiiConfig
from detectors.base import NER_CLASSES, DetectorError, Finding
from detectors.custom import CustomRegexDetector, CustomRule
from detectors.engine import DetectionEngine
from detectors.field_keys import field_class
from detectors.registry import NER_EXTRA_MISSING, default_registry, ner_installed
from gateway.request_strings import RequestStrings, TextSlot, request_strings, rewritten_body
from policies.engine import CompiledPolicy, Verdict, evaluate
from policies.matrix import DEFAULT_ROW, Action
from policies.transforms import Vault, rewrite

log = logging.getLogger(__name__)

INLINE_SCAN_LIMIT = 16_384  # characters; larger bodies are scanned in the thread pool
CLEAN_TEXT_LENGTH = 256  # characters: texts up to this long found clean are remembered...
CLEAN_TEXTS_KEPT = 20_000  # ...this many of them (at most about 5 MB)


@dataclass
class Precheck:
    """The precheck's verdict and the body to send (rewritten when the verdict transforms).
    ``denial`` says, without values, what a ``deny`` verdict refused."""

    verdict: Verdict | None
    body: dict[str, Any]
    vault: Vault = field(default_factory=Vault)
    policy: CompiledPolicy | None = None
    denial: str | None = None


class PiiGuard:
    def __init__(self, config: PiiConfig) -> None:
        self._config = config
        self._base = default_registry().build_engine({"kind": kind} for kind in config.detectors)
        self._executor = concurrent.futures.ThreadPoolExecutor(
            max_workers=config.threads, thread_name_prefix="pii"
        )
        self._ner: asyncio.Future[DetectionEngine] | None = None
        # Without the NER detector (switched off, or its extra not installed) names and
        # addresses come from the fast detectors alone: labelled fields, the name lexicon.
        self._ner_on = config.ner and ner_installed()
        if config.ner and not self._ner_on:
            log.warning(
                "pii.ner is on but %s; until then names are found only in labelled fields and "
                "by the name lexicon, and addresses only in labelled fields",
                NER_EXTRA_MISSING,
            )
        self._known = self._base.classes | NER_CLASSES if self._ner_on else self._base.classes
        self._engines: dict[tuple[tuple[CustomRule, ...], bool], DetectionEngine] = {}
        self._clean: set[tuple[DetectionEngine, frozenset[str], str]] = set()

    # -- lifecycle -------------------------------------------------------------------------

    def prepare(self, policies: Iterable[CompiledPolicy]) -> None:
        """Start loading NER in the background as soon as some active policy needs it, so
        that gateways whose policies never act on names or addresses never pay for it."""
        if self._ner is None and self._ner_on and any(_acts_on_ner(policy) for policy in policies):
            self._start_ner()

    def _start_ner(self) -> asyncio.Future[DetectionEngine]:
        if self._ner is None:
            loop = asyncio.get_running_loop()
            self._ner = loop.run_in_executor(self._executor, self._load_ner)
            self._ner.add_done_callback(_log_ner_load)
        return self._ner

    async def ner_ready(self) -> bool:
        """Wait for the NER detector if it is loading; True once it is usable."""
        if self._ner is None:
            return False
        await asyncio.shield(self._ner)
        return True

    def _load_ner(self) -> DetectionEngine:
        return self._base.with_detectors(slow_detectors=[default_registry().build("ner")])

    def close(self) -> None:
        self._executor.shutdown(wait=False, cancel_futures=True)

    @property
    def fast_engine(self) -> DetectionEngine:
        return self._base

    @property
    def known_classes(self) -> frozenset[str]:
        return self._known

    # -- engines ---------------------------------------------------------------------------

    async def _engine_for(self, policy: CompiledPolicy, needs_ner: bool) -> DetectionEngine:
        engine = self._base
        if needs_ner and self._ner_on:
            try:
                engine = await asyncio.wait_for(
                    asyncio.shield(self._start_ner()), self._config.timeout_seconds
                )
            except TimeoutError:
                raise DetectorError("ner", "the NER model is still loading") from None
        if not policy.custom_rules:
            return engine
        # Keyed by the rules themselves: a policy updated in place keeps its id.
        key = (policy.custom_rules, needs_ner)
        cached = self._engines.get(key)
        if cached is None:
            custom = CustomRegexDetector(policy.custom_rules, name=f"custom:{policy.id}")
            cached = engine.with_detectors([custom])
            if len(self._engines) > 1024:
                self._engines.clear()
            self._engines[key] = cached
        return cached

    def _classes(self, policy: CompiledPolicy, tool: str) -> frozenset[str]:
        known = self._known
        if policy.custom_rules:
            known = known | {rule.pii_class for rule in policy.custom_rules}
        return policy.classes_to_detect(tool, known)

    async def scan(
        self, policy: CompiledPolicy, texts: list[tuple[str, frozenset[str]]]
    ) -> list[list[Finding]]:
        """Findings per text, each text scanned for its own classes.

        A text repeated with the same classes (a schema's ``"string"``, a value in several
        fields) is scanned once, and a short text this engine found clean for these classes
        before is not scanned again: tool definitions, schemas and names come with every
        request. Only clean texts are remembered, so no PII stays in memory.
        """
        wanted = [item for item in dict.fromkeys(texts) if item[1]]
        if not wanted:
            return [[] for _ in texts]
        engine = await self._engine_for(policy, any(c & NER_CLASSES for _, c in wanted))
        todo = [(t, c) for t, c in wanted if (engine, c, t) not in self._clean]

        def run() -> list[list[Finding]]:
            return [engine.scan(text, classes) for text, classes in todo]

        if (
            not any(classes & NER_CLASSES for _, classes in todo)
            and sum(len(text) for text, _ in todo) <= INLINE_SCAN_LIMIT
        ):
            found = run()
        else:
            future = asyncio.get_running_loop().run_in_executor(self._executor, run)
            try:
                found = await asyncio.wait_for(future, self._config.timeout_seconds)
            except TimeoutError:
                raise DetectorError("engine", "detection timed out") from None
        by_text = dict(zip(todo, found, strict=True))
        for (text, classes), findings in by_text.items():
            if not findings and len(text) <= CLEAN_TEXT_LENGTH:
                if len(self._clean) >= CLEAN_TEXTS_KEPT:
                    self._clean.clear()
                self._clean.add((engine, classes, text))
        return [by_text.get(item, []) for item in texts]

    # -- precheck --------------------------------------------------------------------------

    async def precheck(
        self,
        policy: CompiledPolicy | None,
        tool: str,
        body: dict[str, Any],
        walk: Callable[[dict[str, Any], str], RequestStrings] = request_strings,
    ) -> Precheck:
        """Scan every string of ``body`` a provider receives (``walk``: one of
        ``gateway.request_strings``' walks, the chat one by default) and apply the policy: the
        body to send, or the denial."""
        if policy is None:
            return Precheck(verdict=None, body=body)
        strings = walk(body, tool)
        slots = strings.slots
        classes = {tool: self._classes(policy, tool) for tool in {slot.tool for slot in slots}}
        # A value in a JSON object (tool-call arguments, metadata) is scanned with its key
        # before it, "dob: 1990-04-12", as it would be read in the document.
        keys = [_field_key(slot) for slot in slots]
        try:
            findings = await self.scan(
                policy,
                [
                    (f"{key}: {slot.text}" if key else slot.text, classes[slot.tool])
                    for slot, key in zip(slots, keys, strict=True)
                ],
            )
            findings = [
                _shifted(found, len(key) + 2) if key else found
                for found, key in zip(findings, keys, strict=True)
            ]
        except DetectorError as error:
            log.warning("PII detection failed: %s", error)
            if not policy.fail_open:
                raise ServiceUnavailableError(
                    "the PII check could not run; the request was not sent",
                    code="pii_check_failed",
                ) from None
            return Precheck(evaluate([], policy, detector_failed=True), body, policy=policy)
        verdict = evaluate(
            (
                (f.pii_class, f.score, slot.tool)
                for slot, found in zip(slots, findings, strict=True)
                for f in found
            ),
            policy,
        )
        if verdict.denied:
            denied_tools = sorted(
                {
                    slot.tool
                    for slot, found in zip(slots, findings, strict=True)
                    for f in found
                    if policy.action(slot.tool, f.pii_class) == Action.DENY
                }
            )
            denial = (
                f"the policy of this org denies sending {', '.join(verdict.denied)} "
                f"to a provider for tool {', '.join(denied_tools)}"
            )
            return Precheck(verdict, body, policy=policy, denial=denial)
        vault = Vault()
        if verdict.decision == "transform":
            texts = [
                rewrite(
                    slot.text,
                    found,
                    lambda pii_class, tool=slot.tool: policy.action(tool, pii_class),
                    vault,
                )
                if found
                else slot.text
                for slot, found in zip(slots, findings, strict=True)
            ]
            body = rewritten_body(body, strings, texts)
        return Precheck(verdict, body, vault, policy)

    def output_classes(self, policy: CompiledPolicy | None) -> frozenset[str]:
        if policy is None:
            return frozenset()
        return self._classes(policy, policy.output_tool)


def _field_key(slot: TextSlot) -> str | None:
    """The key of the object member ``slot`` is the value of (or of an array in it), when
    that key names a PII class ("dob", "full_name"); None otherwise."""
    if slot.key:
        return None
    for step in reversed(slot.path):
        if isinstance(step, str):
            return step if field_class(step)[0] is not None and len(step) <= 60 else None
    return None


def _shifted(findings: list[Finding], by: int) -> list[Finding]:
    """Findings in ``key: value`` moved back onto ``value``; any in the key dropped."""
    return [
        Finding(f.pii_class, max(f.start, by) - by, f.end - by, f.score, f.detector)
        for f in findings
        if f.end > by
    ]


def _acts_on_ner(policy: CompiledPolicy) -> bool:
    return any(
        action != Action.PASS_THROUGH and (pii_class in NER_CLASSES or pii_class == DEFAULT_ROW)
        for row in policy.matrix.values()
        for pii_class, action in row.items()
    )


def _log_ner_load(future: asyncio.Future[DetectionEngine]) -> None:
    if future.cancelled():
        return
    error = future.exception()
    if error is not None:
        log.error("the NER detector could not be loaded: %s", error)
    else:
        log.info("NER detector ready")
