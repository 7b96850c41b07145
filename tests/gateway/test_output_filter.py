"""The output filter on streamed chunks: masks what the model writes even when a value is split
across chunks, restores placeholders, and holds back only what could still become a match."""

from __future__ import annotations

import orjson

from detectors.registry import fast_engine
from gateway.output_filter import OutputRules, SseOutputFilter
from policies.engine import CompiledPolicy
from policies.matrix import Action
from policies.transforms import Vault

ENGINE = fast_engine()
POLICY = CompiledPolicy(
    id="p", org_id="o", name="t", matrix={"ai.generate": {"email": Action.MASK}}
)


def chunk(content: str | None, finish: str | None = None) -> bytes:
    delta = {} if content is None else {"content": content}
    body = {"id": "c", "choices": [{"index": 0, "delta": delta, "finish_reason": finish}]}
    return b"data: " + orjson.dumps(body) + b"\n\n"


def contents(data: bytes) -> list[str]:
    out = []
    for event in data.split(b"\n\n"):
        if event.startswith(b"data: {"):
            for choice in orjson.loads(event[6:])["choices"]:
                out.append(choice["delta"].get("content", ""))
    return out


def test_an_email_split_across_chunks_is_masked_and_the_rest_flows() -> None:
    f = SseOutputFilter(OutputRules(ENGINE, POLICY, frozenset({"email"}), Vault()))
    first = contents(f.feed(chunk("Sure: write to jane.do")))
    assert first == ["Sure: write to "]  # only the word that may become an email waits
    middle = contents(f.feed(chunk("e@exam")))
    assert middle == [""]
    last = contents(f.feed(chunk("ple.com today") + chunk(None, "stop")) + f.close())
    assert "".join(first + middle + last) == "Sure: write to j***@example.com today"
    assert f.verdict().decision == "transform"


def test_digits_only_classes_do_not_hold_back_words() -> None:
    f = SseOutputFilter(OutputRules(ENGINE, POLICY, frozenset({"credit_card"}), Vault()))
    assert contents(f.feed(chunk("Hello there"))) == ["Hello there"]
    assert contents(f.feed(chunk(" card 4242 4242"))) == [" card "]
    rest = contents(f.feed(chunk(" 4242 4242.") + chunk(None, "stop")))
    assert "".join(rest) == "4242 4242 4242 4242."  # pass_through: card not masked by policy


def test_placeholders_are_restored_across_chunks() -> None:
    vault = Vault()
    vault.placeholder("email", "jane@example.com")
    f = SseOutputFilter(OutputRules(ENGINE, None, frozenset(), vault))
    out = contents(f.feed(chunk("Mail <EMA")))
    out += contents(f.feed(chunk("IL_1> now") + chunk(None, "stop")))
    assert "".join(out) == "Mail jane@example.com now"
