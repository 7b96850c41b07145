"""``PiiGuard`` on its own: the precheck's verdicts, rewritten bodies and vault."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import orjson
import pytest

from core.settings import PiiConfig
from detectors.custom import CustomRule
from gateway.pii import PiiGuard
from policies.engine import CompiledPolicy
from policies.matrix import Action

EMAIL = "jane.doe@example.com"
PHONE = "+1 415 555 0100"


@pytest.fixture
async def guard() -> AsyncIterator[PiiGuard]:
    guard = PiiGuard(PiiConfig(ner=False))
    yield guard
    guard.close()


def _policy(matrix: dict[str, dict[str, Action]], *rules: CustomRule) -> CompiledPolicy:
    return CompiledPolicy(id="p1", org_id="o", name="test", matrix=matrix, custom_rules=rules)


def _user(text: str) -> dict[str, Any]:
    return {"model": "m", "messages": [{"role": "user", "content": text}]}


async def test_a_value_only_in_a_field_is_tokenized_and_restorable(guard: PiiGuard) -> None:
    arguments = orjson.dumps({"to": EMAIL}).decode()
    body = {
        "model": "m",
        "messages": [
            {"role": "user", "content": "send it"},
            {
                "role": "assistant",
                "tool_calls": [
                    {"id": "c1", "function": {"name": "mailer", "arguments": arguments}}
                ],
            },
        ],
    }
    check = await guard.precheck(
        _policy({"default": {"email": Action.TOKENIZE}}), "ai.generate", body
    )
    sent = check.body["messages"][1]["tool_calls"][0]["function"]["arguments"]
    assert orjson.loads(sent) == {"to": "<EMAIL_1>"}
    assert check.vault.restore('{"to": "<EMAIL_1>"}') == f'{{"to": "{EMAIL}"}}'
    assert body["messages"][1]["tool_calls"][0]["function"]["arguments"] == arguments


async def test_a_text_found_clean_for_some_classes_is_still_scanned_for_others(
    guard: PiiGuard,
) -> None:
    text = f"call {PHONE} today"
    emails = _policy({"default": {"email": Action.REMOVE}})
    phones = _policy({"default": {"phone": Action.REMOVE}})
    for _ in range(2):  # the second time round, the text is known clean for emails
        assert (await guard.precheck(emails, "t", _user(text))).verdict.decision == "allow"  # type: ignore[union-attr]
        check = await guard.precheck(phones, "t", _user(text))
        assert check.body["messages"][0]["content"] == "call [REDACTED_PHONE] today"


async def test_a_changed_custom_rule_applies_under_the_same_policy_id(guard: PiiGuard) -> None:
    # `governs policies apply` updates a policy in place: same id, new rules.
    matrix = {"default": {"employee_id": Action.REMOVE, "badge": Action.REMOVE}}
    text = "EMP-123456 and B-1234"
    before = _policy(matrix, CustomRule("employee_id", r"EMP-\d{6}"))
    after = _policy(matrix, CustomRule("badge", r"B-\d{4}"))
    check = await guard.precheck(before, "t", _user(text))
    assert check.body["messages"][0]["content"] == "[REDACTED_EMPLOYEE_ID] and B-1234"
    check = await guard.precheck(after, "t", _user(text))
    assert check.body["messages"][0]["content"] == "EMP-123456 and [REDACTED_BADGE]"


async def test_a_json_value_is_read_with_its_key(guard: PiiGuard) -> None:
    # Alone, "1990-04-12" is any date and "OKAFOR/CHIDI" any code: their keys say what they are.
    arguments = orjson.dumps(
        {"passenger": {"dob": "1990-04-12", "name": "OKAFOR/CHIDI MR"}, "flight": "AF935"}
    ).decode()
    body = {
        "model": "m",
        "messages": [
            {"role": "user", "content": "book it"},
            {
                "role": "assistant",
                "tool_calls": [{"id": "c1", "function": {"name": "book", "arguments": arguments}}],
            },
        ],
        "metadata": {"customer_dob": "19840702", "ticket": "2024-05-01"},
    }
    check = await guard.precheck(
        _policy({"default": {"default": Action.REMOVE}}), "ai.generate", body
    )
    sent = orjson.loads(check.body["messages"][1]["tool_calls"][0]["function"]["arguments"])
    assert sent == {
        "passenger": {"dob": "[REDACTED_DATE_OF_BIRTH]", "name": "[REDACTED_NAME] MR"},
        "flight": "AF935",
    }
    assert check.body["metadata"] == {
        "customer_dob": "[REDACTED_DATE_OF_BIRTH]",
        "ticket": "2024-05-01",
    }


@pytest.mark.parametrize(
    "text",
    ["My SSN is 078-05-1120.", "social security number: 000-12-3456", '{"ssn": "900123456"}'],
)
async def test_an_ssn_shaped_number_after_an_ssn_word_is_denied(guard: PiiGuard, text: str) -> None:
    # Published samples and numbers the SSA never issues are still refused under deny.
    check = await guard.precheck(
        _policy({"default": {"ssn": Action.DENY}}), "ai.generate", _user(text)
    )
    assert check.verdict is not None and check.verdict.denied == ("ssn",)
