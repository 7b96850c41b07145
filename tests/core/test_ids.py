"""Record ids: ULID layout in lower-case Crockford base32, sorting by creation time."""

from __future__ import annotations

import base64
import random
import time

import pytest

from core import ids
from core.ids import new_id, new_request_id

CROCKFORD = "0123456789abcdefghjkmnpqrstvwxyz"


def reference_ulid(milliseconds: int, randomness: int) -> str:
    """The same 128 bits through the standard library's base32, mapped onto Crockford's."""
    value = milliseconds << 80 | randomness
    encoded = base64.b32encode(value.to_bytes(16, "big"))[:26]
    return encoded.translate(
        bytes.maketrans(b"ABCDEFGHIJKLMNOPQRSTUVWXYZ234567", CROCKFORD.encode())
    ).decode()


@pytest.mark.parametrize(
    ("milliseconds", "randomness"),
    [(0, 0), (2**48 - 1, 2**80 - 1), (1_764_118_800_123, 0x1234_5678_9ABC_DEF0_1357)],
)
def test_an_id_encodes_the_time_and_randomness_like_base32(
    monkeypatch: pytest.MonkeyPatch, milliseconds: int, randomness: int
) -> None:
    monkeypatch.setattr(ids.time, "time_ns", lambda: milliseconds * 1_000_000 + 999_999)
    monkeypatch.setattr(ids.random, "getrandbits", lambda bits: randomness)
    assert new_id() == reference_ulid(milliseconds, randomness)


def test_random_ids_match_the_reference_encoding(monkeypatch: pytest.MonkeyPatch) -> None:
    draws = random.Random(7)
    for _ in range(2000):
        milliseconds, randomness = draws.getrandbits(48), draws.getrandbits(80)
        monkeypatch.setattr(ids.time, "time_ns", lambda m=milliseconds: m * 1_000_000)
        monkeypatch.setattr(ids.random, "getrandbits", lambda bits, r=randomness: r)
        assert new_id() == reference_ulid(milliseconds, randomness)


def test_ids_are_26_crockford_characters_and_sort_by_time() -> None:
    earlier = [new_id() for _ in range(100)]
    time.sleep(0.002)
    later = new_id()
    assert all(len(i) == 26 and set(i) <= set(CROCKFORD) for i in [*earlier, later])
    assert len(set(earlier)) == 100
    assert max(earlier) < later


def test_request_ids_are_32_hex_characters_and_sort_by_time() -> None:
    earlier = [new_request_id() for _ in range(100)]
    time.sleep(0.002)
    later = new_request_id()
    for request_id in [*earlier, later]:
        assert len(request_id) == 32
        int(request_id, 16)
    assert len(set(earlier)) == 100
    assert max(earlier) < later
