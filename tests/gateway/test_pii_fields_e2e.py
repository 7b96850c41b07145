"""Every field a provider receives is under the PII policy, on every front door.

Each case puts a value in one field of the client's schema only (the rest of the request is
clean), sends it with the real SDK through the running gateway to the fake OpenAI upstream
(whose adapter forwards every field, so what it receives is all a provider could see), and
checks that under ``tokenize`` / ``mask`` / ``remove`` the raw value never arrives and under
``deny`` nothing arrives at all.
"""

from __future__ import annotations

from typing import Any

import anthropic
import openai
import orjson
import pytest

from tests.fakes.server import FakeUpstream
from tests.gateway.test_pii_e2e import EMAIL, org_with_policy
from tests.harness import RunningGateway

CARD = 4242424242424242  # a card number sent as a JSON number
REWRITTEN_AS = {
    "tokenize": {EMAIL: "<EMAIL_1>", CARD: "<CREDIT_CARD_1>"},
    "mask": {EMAIL: "j***@example.com", CARD: "**** **** **** 4242"},
    "remove": {EMAIL: "[REDACTED_EMAIL]", CARD: "[REDACTED_CREDIT_CARD]"},
}
ACTIONS = (*REWRITTEN_AS, "deny")
HELLO = {"role": "user", "content": "hello"}


def _schema(value: Any) -> dict[str, Any]:
    """A parameter schema holding ``value`` in a description, an enum, examples and a default."""
    return {
        "type": "object",
        "properties": {
            "to": {
                "type": "string",
                "description": f"for instance {value}",
                "enum": [value, "other"],
                "examples": [value],
                "default": value,
            }
        },
        "required": ["to"],
    }


def _openai_exchange(arguments: str, result: str = "done") -> list[dict[str, Any]]:
    return [
        HELLO,
        {
            "role": "assistant",
            "content": None,
            "tool_calls": [
                {
                    "id": "call_1",
                    "type": "function",
                    "function": {"name": "lookup_contact", "arguments": arguments},
                }
            ],
        },
        {"role": "tool", "tool_call_id": "call_1", "content": result},
        HELLO,
    ]


def _json(value: Any) -> str:
    return orjson.dumps(value).decode()


# Field -> (what the SDK call adds to a clean request, the raw value it carries).
OPENAI_CHAT: dict[str, tuple[dict[str, Any], Any]] = {
    "messages.content": ({"messages": [{"role": "user", "content": f"mail {EMAIL}"}]}, EMAIL),
    "system message": (
        {"messages": [{"role": "system", "content": f"The user is {EMAIL}"}, HELLO]},
        EMAIL,
    ),
    "developer message parts": (
        {
            "messages": [
                {"role": "developer", "content": [{"type": "text", "text": f"user {EMAIL}"}]},
                HELLO,
            ]
        },
        EMAIL,
    ),
    "assistant content": (
        {"messages": [HELLO, {"role": "assistant", "content": f"noted {EMAIL}"}, HELLO]},
        EMAIL,
    ),
    "messages.name": ({"messages": [{"role": "user", "name": EMAIL, "content": "hi"}]}, EMAIL),
    "tool_calls.function.arguments": (
        {"messages": _openai_exchange(_json({"email": EMAIL, "cc": {"list": [EMAIL]}}))},
        EMAIL,
    ),
    "tool_calls.function.arguments key": (
        {"messages": _openai_exchange(_json({"contacts": {EMAIL: "owner"}}))},
        EMAIL,
    ),
    "tool_calls.function.arguments number": (
        {"messages": _openai_exchange(_json({"card": CARD, "amount": 12}))},
        CARD,
    ),
    "tool message content": ({"messages": _openai_exchange("{}", f"owner {EMAIL}")}, EMAIL),
    "user": ({"user": EMAIL}, EMAIL),
    "safety_identifier": ({"safety_identifier": EMAIL}, EMAIL),
    "metadata": ({"metadata": {"contact": EMAIL}, "store": True}, EMAIL),
    "stop": ({"stop": EMAIL}, EMAIL),
    "stop list": ({"stop": ["END", EMAIL]}, EMAIL),
    "tools.function.description": (
        {
            "tools": [
                {
                    "type": "function",
                    "function": {"name": "notify", "description": f"Notify {EMAIL}"},
                }
            ]
        },
        EMAIL,
    ),
    "tools.function.parameters": (
        {
            "tools": [
                {"type": "function", "function": {"name": "notify", "parameters": _schema(EMAIL)}}
            ]
        },
        EMAIL,
    ),
    "functions (legacy)": (
        {
            "functions": [
                {"name": "notify", "description": f"to {EMAIL}", "parameters": _schema(EMAIL)}
            ]
        },
        EMAIL,
    ),
    "response_format.json_schema": (
        {
            "response_format": {
                "type": "json_schema",
                "json_schema": {
                    "name": "contact",
                    "description": f"the contact of {EMAIL}",
                    "schema": _schema(EMAIL),
                },
            }
        },
        EMAIL,
    ),
    "image_url.url": (
        {
            "messages": [
                {
                    "role": "user",
                    "content": [
                        {"type": "text", "text": "look"},
                        {
                            "type": "image_url",
                            "image_url": {"url": f"https://example.com/avatars/{EMAIL}.png"},
                        },
                    ],
                }
            ]
        },
        EMAIL,
    ),
    "file.filename": (
        {
            "messages": [
                {
                    "role": "user",
                    "content": [
                        {"type": "text", "text": "read this"},
                        {
                            "type": "file",
                            "file": {
                                "filename": f"{EMAIL}.pdf",
                                "file_data": "data:application/pdf;base64,JVBERi0xLjQK",
                            },
                        },
                    ],
                }
            ]
        },
        EMAIL,
    ),
    "prediction.content": ({"prediction": {"type": "content", "content": f"To {EMAIL}"}}, EMAIL),
}

ANTHROPIC_TOOL_USE = [
    {"role": "user", "content": "hello"},
    {
        "role": "assistant",
        "content": [
            {
                "type": "tool_use",
                "id": "toolu_1",
                "name": "lookup_contact",
                "input": {"email": EMAIL, "cc": [{"email": EMAIL}]},
            }
        ],
    },
    {
        "role": "user",
        "content": [
            {"type": "tool_result", "tool_use_id": "toolu_1", "content": "done"},
            {"type": "text", "text": "thanks"},
        ],
    },
]


def _tool_result(content: Any) -> list[dict[str, Any]]:
    return [
        {"role": "user", "content": "hello"},
        {
            "role": "assistant",
            "content": [{"type": "tool_use", "id": "toolu_1", "name": "lookup", "input": {}}],
        },
        {
            "role": "user",
            "content": [
                {"type": "tool_result", "tool_use_id": "toolu_1", "content": content},
                {"type": "text", "text": "thanks"},
            ],
        },
    ]


ANTHROPIC_MESSAGES: dict[str, tuple[dict[str, Any], Any]] = {
    "messages.content": ({"messages": [{"role": "user", "content": f"mail {EMAIL}"}]}, EMAIL),
    "text block": (
        {"messages": [{"role": "user", "content": [{"type": "text", "text": f"mail {EMAIL}"}]}]},
        EMAIL,
    ),
    "system string": ({"system": f"The user is {EMAIL}"}, EMAIL),
    "system blocks": ({"system": [{"type": "text", "text": f"The user is {EMAIL}"}]}, EMAIL),
    "tool_use.input": ({"messages": ANTHROPIC_TOOL_USE}, EMAIL),
    "tool_use.input number": (
        {
            "messages": [
                ANTHROPIC_TOOL_USE[0],
                {
                    "role": "assistant",
                    "content": [
                        {
                            "type": "tool_use",
                            "id": "toolu_1",
                            "name": "charge",
                            "input": {"card": CARD},
                        }
                    ],
                },
                ANTHROPIC_TOOL_USE[2],
            ]
        },
        CARD,
    ),
    "tool_result string": ({"messages": _tool_result(f"owner {EMAIL}")}, EMAIL),
    "tool_result blocks": (
        {"messages": _tool_result([{"type": "text", "text": f"owner {EMAIL}"}])},
        EMAIL,
    ),
    "metadata.user_id": ({"metadata": {"user_id": EMAIL}}, EMAIL),
    "stop_sequences": ({"stop_sequences": ["END", EMAIL]}, EMAIL),
    "tools.description": (
        {
            "tools": [
                {
                    "name": "notify",
                    "description": f"Notify {EMAIL}",
                    "input_schema": {"type": "object", "properties": {}},
                }
            ]
        },
        EMAIL,
    ),
    "tools.input_schema": (
        {"tools": [{"name": "notify", "input_schema": _schema(EMAIL)}]},
        EMAIL,
    ),
    "output_config.format.schema": (
        {"output_config": {"format": {"type": "json_schema", "schema": _schema(EMAIL)}}},
        EMAIL,
    ),
    "image source url": (
        {
            "messages": [
                {
                    "role": "user",
                    "content": [
                        {
                            "type": "image",
                            "source": {"type": "url", "url": f"https://example.com/{EMAIL}.png"},
                        },
                        {"type": "text", "text": "who is this?"},
                    ],
                }
            ]
        },
        EMAIL,
    ),
    "document text source": (
        {
            "messages": [
                {
                    "role": "user",
                    "content": [
                        {
                            "type": "document",
                            "source": {
                                "type": "text",
                                "media_type": "text/plain",
                                "data": f"contract of {EMAIL}",
                            },
                        },
                        {"type": "text", "text": "summarise"},
                    ],
                }
            ]
        },
        EMAIL,
    ),
    "document title": (
        {
            "messages": [
                {
                    "role": "user",
                    "content": [
                        {
                            "type": "document",
                            "source": {"type": "url", "url": "https://example.com/a.pdf"},
                            "title": f"{EMAIL}.pdf",
                        },
                        {"type": "text", "text": "summarise"},
                    ],
                }
            ]
        },
        EMAIL,
    ),
}

OPENAI_EMBEDDINGS: dict[str, tuple[dict[str, Any], Any]] = {
    "input": ({"input": f"mail {EMAIL}"}, EMAIL),
    "input list": ({"input": ["hello", f"mail {EMAIL}"]}, EMAIL),
    "user": ({"input": "hello", "user": EMAIL}, EMAIL),
}


@pytest.fixture(scope="module")
def keys(gateway: RunningGateway) -> dict[str, str]:
    """An org per action, whose policy applies it to emails and cards for every tool."""
    return {
        action: org_with_policy(
            gateway, {"toolAccessMatrix": {"default": {"email": action, "credit_card": action}}}
        ).api_key
        for action in ACTIONS
    }


def _openai(gateway: RunningGateway, key: str) -> openai.OpenAI:
    return openai.OpenAI(base_url=gateway.openai_base_url, api_key=key, max_retries=0)


def _anthropic(gateway: RunningGateway, key: str) -> anthropic.Anthropic:
    return anthropic.Anthropic(base_url=gateway.base_url, api_key=key, max_retries=0)


def _chat(client: openai.OpenAI, fields: dict[str, Any]) -> None:
    request = {"model": "gpt-4o-mini", "messages": [HELLO], **fields}
    client.chat.completions.create(**request)


def _messages(client: anthropic.Anthropic, fields: dict[str, Any]) -> None:
    request = {"model": "gpt-4o-mini", "max_tokens": 50, "messages": [HELLO], **fields}
    client.messages.create(**request)


def _embeddings(client: openai.OpenAI, fields: dict[str, Any]) -> None:
    client.embeddings.create(model="text-embedding-3-small", **fields)


def _check(
    fake: FakeUpstream, action: str, send: Any, raw: Any, denied: type[Exception]
) -> dict[str, Any]:
    """Send; the upstream never sees ``raw`` (and sees its rewritten form), or, under deny,
    nothing. Returns the body the upstream received."""
    before = len(fake.received)
    if action == "deny":
        with pytest.raises(denied) as caught:
            send()
        assert str(raw) not in str(caught.value)
        assert len(fake.received) == before, "a denied request reached the upstream"
        return {}
    send()
    assert len(fake.received) == before + 1
    body = fake.received[-1].body
    sent = _json(body)
    assert str(raw) not in sent
    assert REWRITTEN_AS[action][raw] in sent
    for message in body.get("messages") or ():
        for call in message.get("tool_calls") or ():
            orjson.loads(call["function"]["arguments"])  # still JSON after rewriting
    return body


@pytest.mark.parametrize("action", ACTIONS)
@pytest.mark.parametrize("field", OPENAI_CHAT)
def test_openai_chat_field(
    gateway: RunningGateway,
    fake_openai: FakeUpstream,
    keys: dict[str, str],
    field: str,
    action: str,
) -> None:
    fields, raw = OPENAI_CHAT[field]
    client = _openai(gateway, keys[action])
    _check(fake_openai, action, lambda: _chat(client, fields), raw, openai.PermissionDeniedError)


@pytest.mark.parametrize("action", ACTIONS)
@pytest.mark.parametrize("field", ANTHROPIC_MESSAGES)
def test_anthropic_messages_field(
    gateway: RunningGateway,
    fake_openai: FakeUpstream,
    keys: dict[str, str],
    field: str,
    action: str,
) -> None:
    fields, raw = ANTHROPIC_MESSAGES[field]
    client = _anthropic(gateway, keys[action])
    _check(
        fake_openai, action, lambda: _messages(client, fields), raw, anthropic.PermissionDeniedError
    )


@pytest.mark.parametrize("action", ACTIONS)
@pytest.mark.parametrize("field", OPENAI_EMBEDDINGS)
def test_openai_embeddings_field(
    gateway: RunningGateway,
    fake_openai: FakeUpstream,
    keys: dict[str, str],
    field: str,
    action: str,
) -> None:
    fields, raw = OPENAI_EMBEDDINGS[field]
    client = _openai(gateway, keys[action])
    _check(
        fake_openai, action, lambda: _embeddings(client, fields), raw, openai.PermissionDeniedError
    )


def test_a_data_url_is_passed_untouched(
    gateway: RunningGateway, fake_openai: FakeUpstream, keys: dict[str, str]
) -> None:
    image = "data:image/png;base64,iVBORw0KGgoAAAANSUhEUgAAAAEAAAAB"
    content = [
        {"type": "text", "text": f"mail {EMAIL}"},
        {"type": "image_url", "image_url": {"url": image}},
    ]
    _chat(_openai(gateway, keys["remove"]), {"messages": [{"role": "user", "content": content}]})
    sent = fake_openai.received[-1].body["messages"][0]["content"]
    assert sent[0]["text"] == "mail [REDACTED_EMAIL]"
    assert sent[1]["image_url"]["url"] == image


def test_a_value_tokenized_in_a_field_comes_back_in_the_answer(
    gateway: RunningGateway, fake_openai: FakeUpstream, keys: dict[str, str]
) -> None:
    # The same value in a field and in the text gets one placeholder, which the answer restores.
    client = _openai(gateway, keys["tokenize"])
    completion = client.chat.completions.create(
        model="gpt-4o-mini",
        messages=[{"role": "user", "content": f"mail {EMAIL}"}],
        metadata={"contact": EMAIL},
        store=True,
    )
    sent = fake_openai.received[-1].body
    assert sent["metadata"] == {"contact": "<EMAIL_1>"}
    assert sent["messages"][0]["content"] == "mail <EMAIL_1>"
    assert completion.choices[0].message.content == f"echo: mail {EMAIL}"

    message = _anthropic(gateway, keys["tokenize"]).messages.create(
        model="gpt-4o-mini",
        max_tokens=50,
        metadata={"user_id": EMAIL},
        messages=[{"role": "user", "content": f"mail {EMAIL}"}],
    )
    assert fake_openai.received[-1].body["user"] == "<EMAIL_1>"
    assert message.content[0].text == f"echo: mail {EMAIL}"  # type: ignore[union-attr]
