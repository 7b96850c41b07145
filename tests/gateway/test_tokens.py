"""Offline tiktoken encodings built from the bundled rank files (gateway/tokens.py)."""

from __future__ import annotations

import asyncio
import hashlib
import shutil
import socket
from pathlib import Path
from typing import Any

import pytest
import tiktoken
import tiktoken_ext.openai_public as openai_public

from core.errors import ConfigError
from gateway.tokens import (
    CL100K_SPEC,
    ENCODING_SPECS,
    O200K_SPEC,
    TokenCounter,
    TokenizerDataError,
    bundled_data_dir,
)

# The example conversation of OpenAI's cookbook "How to count tokens with tiktoken", with the
# prompt_tokens the API reported for it.
COOKBOOK_MESSAGES: list[dict[str, Any]] = [
    {
        "role": "system",
        "content": "You are a helpful, pattern-following assistant that translates corporate "
        "jargon into plain English.",
    },
    {
        "role": "system",
        "name": "example_user",
        "content": "New synergies will help drive top-line growth.",
    },
    {
        "role": "system",
        "name": "example_assistant",
        "content": "Things working well together will increase revenue.",
    },
    {
        "role": "system",
        "name": "example_user",
        "content": "Let's circle back when we have more time to touch base on opportunities for "
        "increased leverage.",
    },
    {
        "role": "system",
        "name": "example_assistant",
        "content": "Let's talk later when we're less busy about how to do better.",
    },
    {
        "role": "user",
        "content": "This late pivot means we don't have time to boil the ocean for the client "
        "deliverable.",
    },
]
COOKBOOK_PROMPT_TOKENS = {"gpt-3.5-turbo": 129, "gpt-4": 129, "gpt-4o": 124, "gpt-4o-mini": 124}


@pytest.fixture(scope="module")
def counter() -> TokenCounter:
    return TokenCounter.load()


class NetworkBlockedError(AssertionError):
    pass


@pytest.fixture
def no_network(monkeypatch: pytest.MonkeyPatch) -> None:
    def refuse(*args: object, **kwargs: object) -> None:
        raise NetworkBlockedError("network access during the test")

    monkeypatch.setattr(socket.socket, "connect", refuse)
    monkeypatch.setattr(socket.socket, "connect_ex", refuse)
    monkeypatch.setattr(socket, "getaddrinfo", refuse)


@pytest.fixture
def empty_cache_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    cache_dir = tmp_path / "tiktoken-cache"
    cache_dir.mkdir()
    monkeypatch.setenv("TIKTOKEN_CACHE_DIR", str(cache_dir))
    return cache_dir


def cookbook_num_tokens_from_messages(
    messages: list[dict[str, Any]], encoding: tiktoken.Encoding
) -> int:
    """The cookbook's reference function for the current models, transcribed."""
    tokens_per_message = 3
    tokens_per_name = 1
    num_tokens = 0
    for message in messages:
        num_tokens += tokens_per_message
        for key, value in message.items():
            num_tokens += len(encoding.encode(value))
            if key == "name":
                num_tokens += tokens_per_name
    num_tokens += 3  # every reply is primed with <|start|>assistant<|message|>
    return num_tokens


# --- loading ------------------------------------------------------------------------------------


def test_load_works_with_network_blocked_and_writes_no_cache(
    no_network: None, empty_cache_dir: Path
) -> None:
    counter = TokenCounter.load()

    assert counter.count_text("hello world", "gpt-4o") == 2
    assert list(empty_cache_dir.iterdir()) == []


def test_network_block_is_effective(no_network: None, empty_cache_dir: Path) -> None:
    # Guards the test above: stock tiktoken, which downloads, must fail under the same fixtures.
    with pytest.raises(Exception) as caught:
        tiktoken.load.read_file_cached(
            "https://openaipublic.blob.core.windows.net/encodings/r50k_base.tiktoken"
        )
    assert "network access during the test" in repr(caught.value) + repr(caught.value.__context__)


async def test_load_in_worker_thread() -> None:
    counter = await asyncio.to_thread(TokenCounter.load)

    assert counter.encoding_names == {"o200k_base", "cl100k_base"}


def test_bundled_files_match_tiktoken_hashes() -> None:
    for spec in ENCODING_SPECS:
        data = (bundled_data_dir() / spec.filename).read_bytes()
        assert hashlib.sha256(data).hexdigest() == spec.sha256


def test_tampered_file_fails_hash_check(tmp_path: Path) -> None:
    for spec in ENCODING_SPECS:
        shutil.copyfile(Path(str(bundled_data_dir() / spec.filename)), tmp_path / spec.filename)
    tampered = tmp_path / "cl100k_base.tiktoken"
    tampered.write_bytes(tampered.read_bytes().replace(b"IQ== 0\n", b"IQ== 1\n", 1))

    with pytest.raises(TokenizerDataError, match=r"cl100k_base\.tiktoken.*sha256") as caught:
        TokenCounter.load(tmp_path)
    assert CL100K_SPEC.sha256 in str(caught.value)
    assert isinstance(caught.value, ConfigError)


def test_missing_file_is_a_clear_error(tmp_path: Path) -> None:
    with pytest.raises(TokenizerDataError, match=r"cannot read tokenizer file .*o200k_base"):
        TokenCounter.load(tmp_path)


def test_specs_match_tiktoken_ext(monkeypatch: pytest.MonkeyPatch) -> None:
    # tiktoken keeps pat_str and special tokens inside functions that download the rank file, so
    # gateway.tokens copies them; replacing the loader with a recorder lets us call those
    # functions offline and catch drift after a tiktoken upgrade.
    seen_hashes: dict[str, str | None] = {}

    def record(path: str, expected_hash: str | None = None) -> dict[bytes, int]:
        seen_hashes[path.rsplit("/", 1)[-1]] = expected_hash
        return {}

    monkeypatch.setattr(openai_public, "load_tiktoken_bpe", record)
    for spec in (O200K_SPEC, CL100K_SPEC):
        reference = openai_public.ENCODING_CONSTRUCTORS[spec.name]()
        assert spec.pat_str == reference["pat_str"]
        assert spec.special_tokens == reference["special_tokens"]
        assert spec.sha256 == seen_hashes[spec.filename]


# --- encodings ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "text", "ids"),
    [
        ("o200k_base", "hello world", [24912, 2375]),
        ("cl100k_base", "hello world", [15339, 1917]),
        ("o200k_base", "tiktoken is great!", [83, 8251, 2488, 382, 2212, 0]),
        ("cl100k_base", "tiktoken is great!", [83, 1609, 5963, 374, 2294, 0]),
    ],
)
def test_known_token_ids(counter: TokenCounter, name: str, text: str, ids: list[int]) -> None:
    encoding = counter.encoding_for_model("any", tokenizer=name)

    assert encoding.name == name
    assert encoding.encode(text) == ids
    assert encoding.decode(ids) == text


def test_special_tokens_and_vocab_size(counter: TokenCounter) -> None:
    o200k = counter.encoding_for_model("any", tokenizer="o200k_base")
    cl100k = counter.encoding_for_model("any", tokenizer="cl100k_base")

    assert o200k.encode("<|endoftext|>", allowed_special="all") == [199999]
    assert cl100k.encode("<|endoftext|>", allowed_special="all") == [100257]
    assert o200k.n_vocab == 200019
    assert cl100k.n_vocab == 100277


def test_count_text(counter: TokenCounter) -> None:
    assert counter.count_text("hello world", "gpt-4o") == 2
    assert counter.count_text("hello world", "gpt-4") == 2
    assert counter.count_text("", "gpt-4o") == 0


def test_count_text_treats_special_tokens_as_text(counter: TokenCounter) -> None:
    text = "before <|endoftext|> after <|endofprompt|>"
    o200k = counter.encoding_for_model("gpt-4o")

    assert counter.count_text(text, "gpt-4o") == len(o200k.encode(text, disallowed_special=()))
    assert counter.count_text(text, "gpt-4o") > 4


# --- model mapping ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("model", "expected"),
    [
        ("gpt-4o", "o200k_base"),
        ("gpt-4o-mini-2024-07-18", "o200k_base"),
        ("chatgpt-4o-latest", "o200k_base"),
        ("gpt-4.1-nano", "o200k_base"),
        ("gpt-4.5-preview", "o200k_base"),
        ("gpt-5", "o200k_base"),
        ("o1-mini", "o200k_base"),
        ("o3", "o200k_base"),
        ("o4-mini", "o200k_base"),
        ("gpt-4", "cl100k_base"),
        ("gpt-4-turbo", "cl100k_base"),
        ("gpt-4-0613", "cl100k_base"),
        ("gpt-3.5-turbo", "cl100k_base"),
        ("text-embedding-3-small", "cl100k_base"),
        ("openai/gpt-4", "cl100k_base"),
        ("GPT-4", "cl100k_base"),
        ("claude-3-5-sonnet-20241022", "o200k_base"),
        ("gemini-2.0-flash", "o200k_base"),
        ("llama-3.1-70b", "o200k_base"),
        ("echo", "o200k_base"),
    ],
)
def test_encoding_for_model(counter: TokenCounter, model: str, expected: str) -> None:
    assert counter.encoding_for_model(model).name == expected
    assert counter.encoding_for_model(model) is counter.encoding_for_model(model)


def test_explicit_tokenizer_wins(counter: TokenCounter) -> None:
    assert counter.encoding_for_model("gpt-4o", tokenizer="cl100k_base").name == "cl100k_base"
    assert counter.encoding_for_model("gpt-4", tokenizer="o200k_base").name == "o200k_base"
    assert counter.count_text("hello world", "claude-3", tokenizer="cl100k_base") == 2


def test_unknown_tokenizer_is_a_config_error(counter: TokenCounter) -> None:
    with pytest.raises(ConfigError, match="unknown tokenizer 'p50k_base'"):
        counter.encoding_for_model("gpt-4o", tokenizer="p50k_base")


# --- chat prompts -------------------------------------------------------------------------------


@pytest.mark.parametrize(("model", "documented"), sorted(COOKBOOK_PROMPT_TOKENS.items()))
def test_cookbook_example(counter: TokenCounter, model: str, documented: int) -> None:
    reference = cookbook_num_tokens_from_messages(
        COOKBOOK_MESSAGES, counter.encoding_for_model(model)
    )

    assert reference == documented
    assert counter.count_chat_prompt(COOKBOOK_MESSAGES, model) == documented


def test_chat_prompt_with_parts_tool_calls_and_null_content(counter: TokenCounter) -> None:
    arguments = '{"city": "Paris", "unit": "celsius"}'
    messages: list[dict[str, Any]] = [
        {
            "role": "user",
            "content": [
                {"type": "text", "text": "What is the weather here?"},
                {"type": "image_url", "image_url": {"url": "data:image/png;base64,AAAA"}},
                {"type": "input_audio", "input_audio": {"data": "AAAA", "format": "wav"}},
                {"type": "text", "text": "And tomorrow?"},
            ],
        },
        {
            "role": "assistant",
            "content": None,
            "tool_calls": [
                {
                    "id": "call_1",
                    "type": "function",
                    "function": {"name": "get_weather", "arguments": arguments},
                }
            ],
        },
        {"role": "tool", "tool_call_id": "call_1", "content": "18C, sunny"},
    ]
    enc = counter.encoding_for_model("gpt-4o")

    def n(text: str) -> int:
        return len(enc.encode(text))

    expected = (
        (3 + n("user") + n("What is the weather here?") + 85 + n("And tomorrow?"))
        + (3 + n("assistant") + n("get_weather") + n(arguments))
        + (3 + n("tool") + n("call_1") + n("18C, sunny"))
        + 3
    )
    assert counter.count_chat_prompt(messages, "gpt-4o") == expected


def test_chat_prompt_name_and_special_token_text(counter: TokenCounter) -> None:
    messages = [{"role": "user", "name": "alice", "content": "say <|endoftext|> now"}]
    enc = counter.encoding_for_model("gpt-4")

    def n(text: str) -> int:
        return len(enc.encode(text, disallowed_special=()))

    expected = 3 + n("user") + n("alice") + 1 + n("say <|endoftext|> now") + 3
    assert counter.count_chat_prompt(messages, "gpt-4") == expected


def test_empty_chat_prompt_counts_reply_priming(counter: TokenCounter) -> None:
    assert counter.count_chat_prompt([], "gpt-4o") == 3
