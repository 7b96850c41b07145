"""The policy engine: exhaustive over actions, rows and the default row."""

from __future__ import annotations

import itertools

import pytest

from policies.engine import CompiledPolicy, evaluate
from policies.matrix import ACTIONS, Action, MatrixError, validate_matrix


def policy(matrix: dict) -> CompiledPolicy:
    validated = validate_matrix(matrix)
    return CompiledPolicy(
        id="p1",
        org_id="o1",
        name="t",
        matrix={t: {c: Action(a) for c, a in row.items()} for t, row in validated.items()},
    )


@pytest.mark.parametrize("action", ACTIONS)
def test_each_action_gives_its_decision(action: str) -> None:
    verdict = evaluate([("email", 0.9, "ai.generate")], policy({"ai.generate": {"email": action}}))
    expected = {"pass_through": "allow", "deny": "deny"}.get(action, "transform")
    assert verdict.decision == expected
    assert verdict.counts == {"email": 1}
    if action != "pass_through":
        assert verdict.reasons == (f"pii.email.{action}",)


@pytest.mark.parametrize(("first", "second"), list(itertools.product(ACTIONS, repeat=2)))
def test_deny_wins_then_transform(first: str, second: str) -> None:
    p = policy({"ai.generate": {"email": first, "ssn": second}})
    verdict = evaluate([("email", 1.0, "ai.generate"), ("ssn", 1.0, "ai.generate")], p)
    actions = {first, second}
    if "deny" in actions:
        assert verdict.decision == "deny"
    elif actions == {"pass_through"}:
        assert verdict.decision == "allow"
    else:
        assert verdict.decision == "transform"


def test_default_row_and_default_class() -> None:
    p = policy({"default": {"default": "mask"}, "crm.export": {"email": "pass_through"}})
    assert p.action("unknown.tool", "ssn") == Action.MASK
    assert p.action("crm.export", "email") == Action.PASS_THROUGH
    assert p.action("crm.export", "ssn") == Action.PASS_THROUGH  # a listed row has no default
    assert policy({}).action("x", "email") == Action.PASS_THROUGH


def test_classes_to_detect_skip_pass_through() -> None:
    p = policy({"ai.generate": {"email": "mask", "name": "pass_through"}})
    known = frozenset({"email", "name", "ssn"})
    assert p.classes_to_detect("ai.generate", known) == {"email"}


def test_no_policy_allows_and_summary_has_no_values() -> None:
    verdict = evaluate([("email", 0.8, "t"), ("email", 0.95, "t")], None)
    assert verdict.decision == "allow"
    assert verdict.summary() == {
        "reasons": [],
        "confidence": 0.8,
        "piiDetected": [{"class": "email", "count": 2}],
    }


def test_detector_failure_reason() -> None:
    assert evaluate([], None, detector_failed=True).reasons == ("detector.failed",)


@pytest.mark.parametrize(
    ("matrix", "path"),
    [
        ({"t": {"email": "obliterate"}}, "t.email"),
        ({"t": "mask"}, "t"),
        ([], ""),
    ],
)
def test_bad_matrices_name_the_path(matrix: object, path: str) -> None:
    with pytest.raises(MatrixError) as caught:
        validate_matrix(matrix)
    assert caught.value.path == path
