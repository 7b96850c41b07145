"""Identifiers: time-ordered, URL-safe and unique across processes.

Rows are written in batches and replayed from the spool, so every id is made by the gateway when
the event happens (never by the database) and sorts by creation time.
"""

from __future__ import annotations

import os
import time
import uuid

_CROCKFORD = "0123456789abcdefghjkmnpqrstvwxyz"


def new_id() -> str:
    """A 26-character ULID: 48 bits of milliseconds then 80 random bits, Crockford base32."""
    value = (time.time_ns() // 1_000_000) << 80 | int.from_bytes(os.urandom(10), "big")
    chars = []
    for _ in range(26):
        value, digit = divmod(value, 32)
        chars.append(_CROCKFORD[digit])
    return "".join(reversed(chars))


def new_request_id() -> str:
    return uuid.uuid4().hex
