"""Offline token counting with tiktoken.

Stock tiktoken downloads its BPE rank files on first use and caches them under
``TIKTOKEN_CACHE_DIR``; neither works behind a firewall. We ship the ``o200k_base`` and
``cl100k_base`` rank files in ``gateway/data/`` and build the ``tiktoken.Encoding`` objects from
them here.

Contract:

* ``TokenCounter.load()`` reads only the bundled files: it opens no socket and writes nothing
  (in particular not to tiktoken's cache dir). Each file's sha256 is checked against the hash
  tiktoken itself expects; a mismatch raises ``TokenizerDataError`` at start-up.
* Loading parses ~300k ranks and takes a noticeable fraction of a second, so build it once at
  start-up, off the event loop: ``counter = await asyncio.to_thread(TokenCounter.load)``.
* A loaded ``TokenCounter`` is immutable apart from its model-name memo and is safe to share
  between threads. Counting is CPU work proportional to the text length; callers counting large
  bodies should do it in a thread (STYLE.md habit 10).
* Counting never raises on text that looks like a special token (``"<|endoftext|>"``): all text
  is encoded as ordinary text.
"""

from __future__ import annotations

import base64
import hashlib
from collections.abc import Mapping
from dataclasses import dataclass
from importlib.resources import files
from importlib.resources.abc import Traversable
from typing import Any

import tiktoken
from tiktoken_ext.openai_public import ENDOFPROMPT, ENDOFTEXT, FIM_MIDDLE, FIM_PREFIX, FIM_SUFFIX

from core.errors import ConfigError

O200K_BASE = "o200k_base"
CL100K_BASE = "cl100k_base"

# OpenAI's chat accounting (cookbook "How to count tokens with tiktoken"): every message is
# wrapped as <|start|>{role/name}\n{content}<|end|>\n, and the reply is primed with
# <|start|>assistant<|message|>.
TOKENS_PER_MESSAGE = 3
TOKENS_PER_NAME = 1
REPLY_PRIMING_TOKENS = 3
# OpenAI bills a low-detail image at a flat 85 tokens; we use it for every image part because the
# real cost depends on the image size, which we do not decode.
IMAGE_PART_TOKENS = 85
TEXT_PART_TYPES = frozenset({"text", "input_text"})
IMAGE_PART_TYPES = frozenset({"image_url", "input_image", "image"})

# Prefix → encoding, first match wins, so the o200k families come before the bare "gpt-4".
MODEL_PREFIX_ENCODINGS: tuple[tuple[str, str], ...] = (
    ("gpt-4o", O200K_BASE),
    ("gpt-4.1", O200K_BASE),
    ("gpt-4.5", O200K_BASE),
    ("gpt-5", O200K_BASE),
    ("o1", O200K_BASE),
    ("o3", O200K_BASE),
    ("o4", O200K_BASE),
    ("chatgpt-4o", O200K_BASE),
    ("gpt-4", CL100K_BASE),
    ("gpt-3.5", CL100K_BASE),
    ("text-embedding-", CL100K_BASE),
)
# Non-OpenAI models (claude, gemini, llama, ...) have no public tiktoken encoding; o200k_base is
# the closest approximation we have.
DEFAULT_ENCODING = O200K_BASE
# Model names come from clients; bound the memo so junk names cannot grow it without limit.
MAX_MEMOIZED_MODELS = 4096


class TokenizerDataError(ConfigError):
    """A bundled tokenizer rank file is missing or does not match its expected sha256."""


@dataclass(frozen=True, slots=True)
class EncodingSpec:
    """Everything needed to rebuild one of tiktoken's public encodings from a local file.

    ``pat_str`` and ``special_tokens`` are copies of the values in
    ``tiktoken_ext.openai_public``: there they are locals of functions that download the rank
    file, so they cannot be imported without a network call. A test checks they have not drifted.
    """

    name: str
    sha256: str
    pat_str: str
    special_tokens: Mapping[str, int]

    @property
    def filename(self) -> str:
        return f"{self.name}.tiktoken"


O200K_SPEC = EncodingSpec(
    name=O200K_BASE,
    sha256="446a9538cb6c348e3516120d7c08b09f57c36495e2acfffe59a5bf8b0cfb1a2d",
    pat_str="|".join(
        [
            r"""[^\r\n\p{L}\p{N}]?[\p{Lu}\p{Lt}\p{Lm}\p{Lo}\p{M}]*[\p{Ll}\p{Lm}\p{Lo}\p{M}]+(?i:'s|'t|'re|'ve|'m|'ll|'d)?""",
            r"""[^\r\n\p{L}\p{N}]?[\p{Lu}\p{Lt}\p{Lm}\p{Lo}\p{M}]+[\p{Ll}\p{Lm}\p{Lo}\p{M}]*(?i:'s|'t|'re|'ve|'m|'ll|'d)?""",
            r"""\p{N}{1,3}""",
            r""" ?[^\s\p{L}\p{N}]+[\r\n/]*""",
            r"""\s*[\r\n]+""",
            r"""\s+(?!\S)""",
            r"""\s+""",
        ]
    ),
    special_tokens={ENDOFTEXT: 199999, ENDOFPROMPT: 200018},
)

CL100K_SPEC = EncodingSpec(
    name=CL100K_BASE,
    sha256="223921b76ee99bde995b7ff738513eef100fb51d18c93597a113bcffe865b2a7",
    pat_str=r"""'(?i:[sdmt]|ll|ve|re)|[^\r\n\p{L}\p{N}]?+\p{L}++|\p{N}{1,3}+| ?[^\s\p{L}\p{N}]++[\r\n]*+|\s++$|\s*[\r\n]|\s+(?!\S)|\s""",  # noqa: E501
    special_tokens={
        ENDOFTEXT: 100257,
        FIM_PREFIX: 100258,
        FIM_MIDDLE: 100259,
        FIM_SUFFIX: 100260,
        ENDOFPROMPT: 100276,
    },
)

ENCODING_SPECS: tuple[EncodingSpec, ...] = (O200K_SPEC, CL100K_SPEC)


def bundled_data_dir() -> Traversable:
    """The directory holding the ``*.tiktoken`` files shipped as package data."""
    return files("gateway") / "data"


def load_encoding(spec: EncodingSpec, data_dir: Traversable) -> tiktoken.Encoding:
    """Build one encoding from ``data_dir / spec.filename`` after checking its sha256."""
    path = data_dir / spec.filename
    try:
        contents = path.read_bytes()
    except OSError as error:
        raise TokenizerDataError(
            f"cannot read tokenizer file {path}: {error.strerror or error}"
        ) from None
    actual = hashlib.sha256(contents).hexdigest()
    if actual != spec.sha256:
        raise TokenizerDataError(
            f"tokenizer file {path} is corrupt or was replaced: sha256 is {actual}, "
            f"expected {spec.sha256} for {spec.name}"
        )
    # Same format tiktoken.load.load_tiktoken_bpe parses ("<base64 token> <rank>" per line); we
    # parse it ourselves because that function also copies the file into tiktoken's cache dir.
    ranks: dict[bytes, int] = {}
    for line in contents.splitlines():
        if line:
            token, rank = line.split()
            ranks[base64.b64decode(token)] = int(rank)
    return tiktoken.Encoding(
        name=spec.name,
        pat_str=spec.pat_str,
        mergeable_ranks=ranks,
        special_tokens=dict(spec.special_tokens),
    )


def encoding_name_for_model(model: str) -> str:
    """The tiktoken encoding name for ``model``, by prefix; a ``provider/`` prefix is ignored."""
    bare = model.rsplit("/", 1)[-1].lower()
    for prefix, name in MODEL_PREFIX_ENCODINGS:
        if bare.startswith(prefix):
            return name
    return DEFAULT_ENCODING


class TokenCounter:
    """Counts prompt and text tokens for any model name, using the bundled encodings only."""

    def __init__(self, encodings: Mapping[str, tiktoken.Encoding]) -> None:
        self._encodings = dict(encodings)
        self._by_model: dict[str, tiktoken.Encoding] = {}

    @classmethod
    def load(cls, data_dir: Traversable | None = None) -> TokenCounter:
        """Load both bundled encodings; slow (CPU), so call it in a worker thread."""
        directory = bundled_data_dir() if data_dir is None else data_dir
        return cls({spec.name: load_encoding(spec, directory) for spec in ENCODING_SPECS})

    @property
    def encoding_names(self) -> frozenset[str]:
        """Names accepted as ``tokenizer=``; lets config validation reject unknown ones early."""
        return frozenset(self._encodings)

    def encoding_for_model(self, model: str, tokenizer: str | None = None) -> tiktoken.Encoding:
        """The encoding for ``model``; an explicit ``tokenizer`` name wins over the model name."""
        if tokenizer is not None:
            try:
                return self._encodings[tokenizer]
            except KeyError:
                known = ", ".join(sorted(self._encodings))
                raise ConfigError(f"unknown tokenizer {tokenizer!r}; known: {known}") from None
        encoding = self._by_model.get(model)
        if encoding is None:
            encoding = self._encodings[encoding_name_for_model(model)]
            if len(self._by_model) < MAX_MEMOIZED_MODELS:
                self._by_model[model] = encoding
        return encoding

    def count_text(self, text: str, model: str, tokenizer: str | None = None) -> int:
        """Tokens in ``text``; special-token strings are counted as ordinary text."""
        return len(self.encoding_for_model(model, tokenizer).encode_ordinary(text))

    def count_chat_prompt(
        self, messages: list[dict[str, Any]], model: str, tokenizer: str | None = None
    ) -> int:
        """Prompt tokens of a chat request, following OpenAI's documented accounting.

        Per message: 3 tokens, plus the tokens of every string field (role, content, name,
        tool_call_id, ...), plus 1 if it has a ``name``. ``content`` may also be None or a list
        of parts: text parts count their text, image parts a flat 85 tokens, other parts
        nothing. ``tool_calls`` (and the legacy ``function_call``) count the function name and
        arguments. Finally 3 tokens prime the reply. Other non-string fields are ignored.
        """
        encoding = self.encoding_for_model(model, tokenizer)
        total = REPLY_PRIMING_TOKENS
        for message in messages:
            total += TOKENS_PER_MESSAGE
            for key, value in message.items():
                if isinstance(value, str):
                    total += len(encoding.encode_ordinary(value))
                elif key == "content" and isinstance(value, list):
                    total += _count_content_parts(encoding, value)
                elif key == "tool_calls" and isinstance(value, list):
                    functions = [call.get("function") for call in value if isinstance(call, dict)]
                    total += _count_function_calls(encoding, functions)
                elif key == "function_call":
                    total += _count_function_calls(encoding, [value])
                if key == "name":
                    total += TOKENS_PER_NAME
        return total


def _count_content_parts(encoding: tiktoken.Encoding, parts: list[Any]) -> int:
    total = 0
    for part in parts:
        if not isinstance(part, dict):
            continue
        kind = part.get("type")
        if kind in TEXT_PART_TYPES and isinstance(part.get("text"), str):
            total += len(encoding.encode_ordinary(part["text"]))
        elif kind in IMAGE_PART_TYPES:
            total += IMAGE_PART_TOKENS
    return total


def _count_function_calls(encoding: tiktoken.Encoding, functions: list[Any]) -> int:
    total = 0
    for function in functions:
        if not isinstance(function, dict):
            continue
        for field in ("name", "arguments"):
            value = function.get(field)
            if isinstance(value, str):
                total += len(encoding.encode_ordinary(value))
    return total
