"""Identifiers: time-ordered, URL-safe and unique across processes.

Rows are written in batches and replayed from the spool, so every id is made by the gateway when
the event happens (never by the database) and sorts by creation time. Ids are not secrets:
``random`` (not ``secrets``) makes them, which keeps them cheap on the request path.
"""

from __future__ import annotations

import base64
import random
import time

# base32's alphabet mapped onto Crockford's, whose characters sort in the order of their values.
_TO_CROCKFORD = bytes.maketrans(
    b"ABCDEFGHIJKLMNOPQRSTUVWXYZ234567", b"0123456789abcdefghjkmnpqrstvwxyz"
)


def new_id() -> str:
    """26 characters: 48 bits of milliseconds then 80 random bits, in Crockford's base32, so
    ids sort by creation time (a ULID's layout, lower case)."""
    value = (time.time_ns() // 1_000_000) << 80 | random.getrandbits(80)
    return base64.b32encode(value.to_bytes(16, "big"))[:26].translate(_TO_CROCKFORD).decode()


def new_request_id() -> str:
    return f"{random.getrandbits(128):032x}"
