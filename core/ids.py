"""Identifiers: time-ordered, URL-safe and unique across processes.

Rows are written in batches and replayed from the spool, so every id is made by the gateway when
the event happens (never by the database) and sorts by creation time. Ids are not secrets:
``random`` (not ``secrets``) makes them, which keeps them cheap on the request path.
"""

from __future__ import annotations

import random
import re
import time

# Crockford's base32, whose characters sort in the order of their values.
_CROCKFORD = "0123456789abcdefghjkmnpqrstvwxyz"
# Every pair of characters, indexed by the 10 bits they encode: 13 lookups make an id, 2.3 times
# faster than base64.b32encode, which is pure Python before 3.13.
_PAIRS = tuple(first + second for first in _CROCKFORD for second in _CROCKFORD)
_PAIR_SHIFTS = tuple(range(120, -10, -10))
_ID_SHAPE = re.compile(r"[0-9a-hjkmnp-tv-z]{26}")


def looks_like_id(text: str) -> bool:
    """Whether ``text`` could be an id of ``new_id``. Org slugs that could are refused: an org
    is named by its id or its slug wherever an ``orgId`` is taken, and one org's slug must
    never be another org's id."""
    return _ID_SHAPE.fullmatch(text) is not None


def new_id() -> str:
    """26 characters: 48 bits of milliseconds then 80 random bits, in Crockford's base32, so
    ids sort by creation time (a ULID's layout, lower case)."""
    # The 128 bits are encoded left-aligned in 130, as base32 of the 16 bytes would be.
    value = ((time.time_ns() // 1_000_000) << 80 | random.getrandbits(80)) << 2
    pairs = _PAIRS
    return "".join([pairs[(value >> shift) & 1023] for shift in _PAIR_SHIFTS])


def new_request_id() -> str:
    """32 hex characters: 48 bits of milliseconds then 80 random bits. Time first, because
    ``correlation_id`` is indexed: appending to an index instead of inserting at random places
    halves SQLite's work per decision row at 100,000 rows (figures in bench/RESULTS.md)."""
    return f"{time.time_ns() // 1_000_000:012x}{random.getrandbits(80):020x}"
