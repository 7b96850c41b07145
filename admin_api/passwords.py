"""Passwords: Argon2id, with an optional server-side pepper.

With a pepper the password is first keyed with HMAC-SHA256(pepper, password), so a stolen
database alone cannot be attacked offline; changing or losing the pepper invalidates every
password (users then reset theirs). Hashing costs tens of milliseconds of CPU and memory by
design (``admin.password_hash``), so it runs in a worker thread, off the event loop. A hash
records its own parameters, so hashes made with other parameters still verify.
"""

from __future__ import annotations

import asyncio
import hashlib
import hmac

from argon2 import PasswordHasher as Argon2Hasher
from argon2.exceptions import InvalidHashError, VerificationError

from core.settings import PasswordHashConfig


class PasswordHasher:
    def __init__(self, pepper: str | None = None, cost: PasswordHashConfig | None = None) -> None:
        cost = cost or PasswordHashConfig()
        self._argon2 = Argon2Hasher(  # Argon2id
            time_cost=cost.time_cost,
            memory_cost=cost.memory_cost_kib,
            parallelism=cost.parallelism,
        )
        self._pepper = pepper.encode() if pepper else None
        # Verified against when an email is unknown, so both cases take the same time.
        self._decoy = self._argon2.hash("decoy password")

    def _keyed(self, password: str) -> str:
        if self._pepper is None:
            return password
        return hmac.new(self._pepper, password.encode(), hashlib.sha256).hexdigest()

    async def hash(self, password: str) -> str:
        return await asyncio.to_thread(self._argon2.hash, self._keyed(password))

    async def verify(self, password_hash: str | None, password: str) -> bool:
        return await asyncio.to_thread(self._verify, password_hash, password)

    def _verify(self, password_hash: str | None, password: str) -> bool:
        try:
            return self._argon2.verify(password_hash or self._decoy, self._keyed(password)) and (
                password_hash is not None
            )
        except (VerificationError, InvalidHashError):
            return False
