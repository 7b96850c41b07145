"""The legacy completions front on recorded bytes, checked against the ``openai`` SDK's types."""

from __future__ import annotations

import copy
import random
from typing import Any

import orjson
import pytest
from openai.types import Completion

from core.errors import InvalidRequestError
from fronts.completions import (
    ChunksToCompletionChunks,
    completion_to_text_completion,
    completions_to_chat,
)
from providers.base import Usage
from providers.openai_shapes import SseDecoder
from tests.fronts.test_anthropic_messages import ERROR_STREAM, OPENAI_COMPLETION, TEXT_STREAM
from tests.providers.forwarding import split_feed


def test_the_prompt_becomes_one_user_message() -> None:
    chat = completions_to_chat(
        {
            "model": "m",
            "prompt": ["Say this is a test"],
            "temperature": 0,
            "stop": "\n",
            "stream": True,
            "stream_options": {"include_usage": True},
            "echo": False,
            "best_of": 1,
        }
    )
    assert chat == {
        "model": "m",
        "messages": [{"role": "user", "content": "Say this is a test"}],
        "max_tokens": 16,  # OpenAI's default for this API
        "temperature": 0,
        "stop": "\n",
        "stream": True,
        "stream_options": {"include_usage": True},
    }
    assert (
        completions_to_chat({"model": "m", "prompt": "x", "max_tokens": 200})["max_tokens"] == 200
    )


@pytest.mark.parametrize(
    ("body", "param"),
    [
        ({"prompt": "x"}, "model"),
        ({"model": "m"}, "prompt"),
        ({"model": "m", "prompt": ["a", "b"]}, "prompt"),
        ({"model": "m", "prompt": [1, 2]}, "prompt"),
        ({"model": "m", "prompt": "x", "echo": True}, "echo"),
        ({"model": "m", "prompt": "x", "suffix": "y"}, "suffix"),
        ({"model": "m", "prompt": "x", "logprobs": 0}, "logprobs"),
        ({"model": "m", "prompt": "x", "best_of": 2}, "best_of"),
        ({"model": "m", "prompt": "x", "messages": []}, "messages"),
    ],
)
def test_invalid_requests_name_the_field(body: dict[str, Any], param: str) -> None:
    with pytest.raises(InvalidRequestError) as caught:
        completions_to_chat(body)
    assert caught.value.param == param


def test_a_recorded_completion_becomes_a_text_completion() -> None:
    document = copy.deepcopy(OPENAI_COMPLETION)
    result = completion_to_text_completion(document, "front", usage=Usage(1117, 46))
    completion = Completion.model_validate(result)
    assert completion.id == "cmpl-B9MHDbslfkBeAs8l4bebGdFOJ6PeG"
    assert completion.model == "front" and completion.object == "text_completion"
    assert result["choices"] == [
        {"text": "Let me check.", "index": 0, "logprobs": None, "finish_reason": "stop"}
    ]
    assert result["usage"] == {"prompt_tokens": 1117, "completion_tokens": 46, "total_tokens": 1163}


def chunks_of(data: bytes) -> list[Any]:
    out = []
    for event in SseDecoder().feed(data):
        out.append(event.data if event.data == "[DONE]" else orjson.loads(event.data))
    return out


@pytest.mark.parametrize("seed", [None, *range(4)])
def test_a_recorded_stream(seed: int | None) -> None:
    translator = ChunksToCompletionChunks("front")
    chunks = chunks_of(
        split_feed(translator, TEXT_STREAM, None if seed is None else random.Random(seed))
    )
    assert chunks[-1] == "[DONE]" and translator.finished
    for chunk in chunks[:-1]:
        # OpenAI streams "finish_reason": null until the end; the SDK type only lists the last.
        Completion.model_validate(
            {**chunk, "choices": [{**c, "finish_reason": "stop"} for c in chunk["choices"]]}
        )
        assert all(c["finish_reason"] in (None, "stop") for c in chunk["choices"])
        assert chunk["id"] == "cmpl-BaRTz1" and chunk["model"] == "front"
    text = "".join(c["choices"][0]["text"] for c in chunks[:-1] if c["choices"])
    assert text == "Bonjour ! Il fait 18 °C ☁️ — 東京"
    assert [c["choices"][0]["finish_reason"] for c in chunks[:-1] if c["choices"]][-1] == "stop"
    assert chunks[-2]["choices"] == [] and chunks[-2]["usage"]["completion_tokens"] == 40


def test_an_in_band_error_passes_in_openais_shape() -> None:
    chunks = chunks_of(split_feed(ChunksToCompletionChunks("front"), ERROR_STREAM))
    assert chunks[-1]["error"]["message"] == "Overloaded"
