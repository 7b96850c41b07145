"""Finding every string a provider receives, and putting rewritten ones back."""

from __future__ import annotations

import copy
from typing import Any

import orjson

from gateway.request_strings import (
    TextSlot,
    request_strings,
    responses_strings,
    rewritten_body,
)

EMAIL = "jane.doe@example.com"


def _texts(body: dict[str, Any], tool: str = "ai.generate") -> list[tuple[str, str]]:
    return [(slot.text, slot.tool) for slot in request_strings(body, tool).slots]


def _replace(body: dict[str, Any], old: str, new: str) -> dict[str, Any]:
    strings = request_strings(body, "ai.generate")
    texts = [slot.text.replace(old, new) for slot in strings.slots]
    return rewritten_body(body, strings, texts)


def test_parameters_roles_ids_and_names_are_not_slots() -> None:
    body = {
        "model": "gpt-4o-mini",
        "temperature": 0.5,
        "seed": 4155550100,
        "tool_choice": {"type": "function", "function": {"name": "notify"}},
        "messages": [
            {"role": "user", "content": "hi"},
            {
                "role": "assistant",
                "tool_calls": [
                    {
                        "id": "call_1",
                        "type": "function",
                        "function": {"name": "notify", "arguments": "{}"},
                    }
                ],
            },
            {"role": "tool", "tool_call_id": "call_1", "content": "ok"},
        ],
        "tools": [{"type": "function", "function": {"name": "notify", "strict": True}}],
        "response_format": {"type": "json_schema", "json_schema": {"name": "out"}},
    }
    assert _texts(body) == [("hi", "ai.generate"), ("ok", "notify")]


def test_fields_come_first_then_messages_in_order() -> None:
    body = {
        "messages": [{"role": "system", "content": "first"}, {"role": "user", "content": "second"}],
        "user": "u",
        "stop": ["s1", "s2"],
        "metadata": {"team": "t"},
    }
    assert [text for text, _ in _texts(body)] == ["u", "s1", "s2", "team", "t", "first", "second"]


def test_arguments_are_governed_by_the_tool_called_and_scanned_value_by_value() -> None:
    arguments = orjson.dumps({"to": EMAIL, "cc": [EMAIL], "card": 4242424242424242}).decode()
    body = {
        "messages": [
            {
                "role": "assistant",
                "tool_calls": [
                    {"id": "c", "function": {"name": "crm_lookup", "arguments": arguments}}
                ],
            }
        ]
    }
    slots = request_strings(body, "ai.generate").slots
    assert [(s.text, s.tool, s.key) for s in slots] == [
        ("to", "crm_lookup", True),
        (EMAIL, "crm_lookup", False),
        ("cc", "crm_lookup", True),
        (EMAIL, "crm_lookup", False),
        ("card", "crm_lookup", True),
        ("4242424242424242", "crm_lookup", False),
    ]
    assert all(slot.document == 0 for slot in slots)


def test_arguments_that_are_not_json_are_one_text() -> None:
    body = {
        "messages": [
            {"role": "assistant", "tool_calls": [{"function": {"arguments": f'{{"to": "{EMAIL}'}}]}
        ]
    }
    assert _texts(body) == [(f'{{"to": "{EMAIL}', "ai.generate")]


def test_data_urls_and_audio_are_skipped_and_other_urls_scanned() -> None:
    content = [
        {"type": "image_url", "image_url": {"url": "data:image/png;base64,iVBORw0KGgo="}},
        {
            "type": "image_url",
            "image_url": {"url": f"https://example.com/{EMAIL}", "detail": "low"},
        },
        {"type": "input_audio", "input_audio": {"data": "UklGRg==", "format": "wav"}},
        {
            "type": "file",
            "file": {"file_data": "data:application/pdf;base64,JVBE", "filename": "a"},
        },
    ]
    body = {"messages": [{"role": "user", "content": content}]}
    assert [text for text, _ in _texts(body)] == [f"https://example.com/{EMAIL}", "low", "a"]


def test_schemas_are_scanned_whole_but_keywords_are_not_keys_to_scan() -> None:
    schema = {
        "type": "object",
        "properties": {EMAIL: {"type": "string", "enum": ["a", 5]}},
    }
    body = {"tools": [{"type": "function", "function": {"name": "f", "parameters": schema}}]}
    assert [text for text, _ in _texts(body)] == ["object", EMAIL, "string", "a", "5"]


def test_rewriting_keeps_the_client_body_and_the_arguments_json() -> None:
    arguments = orjson.dumps({"to": EMAIL, EMAIL: {"note": f"mail {EMAIL}"}}).decode()
    body = {
        "user": EMAIL,
        "metadata": {"contact": EMAIL, "n": 1},
        "messages": [
            {"role": "user", "content": [{"type": "text", "text": f"mail {EMAIL}"}]},
            {
                "role": "assistant",
                "tool_calls": [{"function": {"name": "f", "arguments": arguments}}],
            },
        ],
    }
    before = copy.deepcopy(body)
    out = _replace(body, EMAIL, "<EMAIL_1>")
    assert body == before
    assert out["user"] == "<EMAIL_1>"
    assert out["metadata"] == {"contact": "<EMAIL_1>", "n": 1}
    assert out["messages"][0]["content"][0]["text"] == "mail <EMAIL_1>"
    sent = orjson.loads(out["messages"][1]["tool_calls"][0]["function"]["arguments"])
    assert sent == {"to": "<EMAIL_1>", "<EMAIL_1>": {"note": "mail <EMAIL_1>"}}
    assert out["messages"][1] is not body["messages"][1]


def test_unchanged_parts_are_shared_not_copied() -> None:
    body = {"metadata": {"a": "keep"}, "messages": [{"role": "user", "content": EMAIL}]}
    out = _replace(body, EMAIL, "x")
    assert out["metadata"] is body["metadata"]
    assert out["messages"][0]["content"] == "x"


def test_a_number_is_replaced_by_its_rewritten_text() -> None:
    arguments = orjson.dumps({"card": 4242424242424242, "qty": 2}).decode()
    body = {
        "messages": [{"role": "assistant", "tool_calls": [{"function": {"arguments": arguments}}]}]
    }
    out = _replace(body, "4242424242424242", "[REDACTED_CREDIT_CARD]")
    sent = orjson.loads(out["messages"][0]["tool_calls"][0]["function"]["arguments"])
    assert sent == {"card": "[REDACTED_CREDIT_CARD]", "qty": 2}


def test_keys_rewritten_alike_do_not_lose_values() -> None:
    body = {"metadata": {"ann@example.com": 1, "bob@example.com": 2}}
    strings = request_strings(body, "t")
    texts = ["[REDACTED_EMAIL]" if "@" in s.text else s.text for s in strings.slots]
    out = rewritten_body(body, strings, texts)
    assert out["metadata"] == {"[REDACTED_EMAIL]": 1, "[REDACTED_EMAIL] (2)": 2}


def test_a_slot_says_where_it_is() -> None:
    body = {"messages": [{"role": "user", "name": EMAIL, "content": "hi"}]}
    slots = request_strings(body, "t").slots
    assert slots[0] == TextSlot(("messages", 0, "name"), EMAIL, "t")


def test_a_responses_body_has_the_same_slots_in_its_own_shape() -> None:
    """Every string a Responses API provider receives, governed as chat's are; not the
    parameters, ids, call ids, roles, statuses or a reasoning item's encrypted content."""
    body = {
        "model": "gpt-4o-mini",
        "store": False,
        "max_output_tokens": 4155550100,
        "reasoning": {"effort": "low"},
        "instructions": "be kind",
        "metadata": {"team": "t"},
        "tools": [
            {
                "type": "function",
                "name": "notify",
                "description": "d",
                "parameters": {"type": "object", "properties": {"to": {"type": "string"}}},
                "strict": True,
            }
        ],
        "text": {"format": {"type": "json_schema", "name": "out", "schema": {"title": "s"}}},
        "input": [
            {"role": "user", "content": [{"type": "input_text", "text": "hi"}]},
            {"type": "reasoning", "id": "rs_1", "encrypted_content": "gAAAA", "summary": []},
            {
                "type": "function_call",
                "id": "fc_1",
                "call_id": "call_1",
                "name": "notify",
                "arguments": '{"to": "x"}',
                "status": "completed",
            },
            {"type": "function_call_output", "call_id": "call_1", "output": "ok"},
        ],
    }
    slots = responses_strings(body, "ai.generate").slots
    assert [(slot.text, slot.tool) for slot in slots] == [
        ("be kind", "ai.generate"),
        ("team", "ai.generate"),
        ("t", "ai.generate"),
        ("d", "ai.generate"),
        ("object", "ai.generate"),
        ("to", "ai.generate"),
        ("string", "ai.generate"),
        ("s", "ai.generate"),
        ("hi", "ai.generate"),
        ("to", "notify"),
        ("x", "notify"),
        ("ok", "notify"),
    ]


def test_a_responses_call_is_rewritten_as_json() -> None:
    body = {
        "input": [
            {
                "type": "function_call",
                "call_id": "c",
                "name": "f",
                "arguments": f'{{"to": "{EMAIL}"}}',
            }
        ]
    }
    strings = responses_strings(body, "ai.generate")
    texts = [slot.text.replace(EMAIL, "<EMAIL_1>") for slot in strings.slots]
    rewritten = rewritten_body(body, strings, texts)
    assert orjson.loads(rewritten["input"][0]["arguments"]) == {"to": "<EMAIL_1>"}
    assert EMAIL in body["input"][0]["arguments"]  # the client's body is kept
