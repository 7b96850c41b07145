"""What parsing with the openai SDK's pydantic types would cost on the forwarding path.

    python bench/sdk_types_cost.py

Compares orjson (what the adapters use) with ``ChatCompletion`` / ``ChatCompletionChunk``
``model_validate_json`` + ``model_dump_json`` (what using the SDK's types would add) on a
typical completion and a typical stream chunk. The figures quoted in providers/openai.py's
docstring come from this script.
"""

from __future__ import annotations

import time
from collections.abc import Callable

import orjson
from openai.types.chat import ChatCompletion, ChatCompletionChunk

COMPLETION = orjson.dumps(
    {
        "id": "chatcmpl-1",
        "object": "chat.completion",
        "created": 1,
        "model": "gpt-4o-mini",
        "choices": [
            {
                "index": 0,
                "message": {
                    "role": "assistant",
                    "content": "Hello there, how can I help you today? " * 4,
                    "refusal": None,
                },
                "logprobs": None,
                "finish_reason": "stop",
            }
        ],
        "usage": {"prompt_tokens": 20, "completion_tokens": 40, "total_tokens": 60},
    }
)
CHUNK = orjson.dumps(
    {
        "id": "chatcmpl-1",
        "object": "chat.completion.chunk",
        "created": 1,
        "model": "gpt-4o-mini",
        "choices": [{"index": 0, "delta": {"content": "Hello"}, "finish_reason": None}],
    }
)


def microseconds(work: Callable[[], object], repeat: int = 20_000) -> float:
    started = time.perf_counter()
    for _ in range(repeat):
        work()
    return (time.perf_counter() - started) / repeat * 1e6


def main() -> None:
    rows = [
        ("completion, orjson", microseconds(lambda: orjson.loads(COMPLETION))),
        (
            "completion, SDK types",
            microseconds(lambda: ChatCompletion.model_validate_json(COMPLETION).model_dump_json()),
        ),
        ("chunk, orjson", microseconds(lambda: orjson.loads(CHUNK))),
        (
            "chunk, SDK types",
            microseconds(lambda: ChatCompletionChunk.model_validate_json(CHUNK).model_dump_json()),
        ),
    ]
    for name, value in rows:
        print(f"{name:<24} {value:7.2f} µs")


if __name__ == "__main__":
    main()
