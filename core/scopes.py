"""API key scopes. A key acts only inside its own org; ``admin`` grants every scope there."""

from __future__ import annotations

from enum import StrEnum


class Scope(StrEnum):
    PRECHECK_INVOKE = "precheck:invoke"
    INGEST_WRITE = "ingest:write"
    POLICY_PUBLISH = "policy:publish"
    DECISIONS_READ = "decisions:read"
    USAGE_READ = "usage:read"
    AUDIT_READ = "audit:read"
    KEYS_MANAGE = "keys:manage"
    BUDGETS_MANAGE = "budgets:manage"
    ADMIN = "admin"


ALL_SCOPES: tuple[str, ...] = tuple(scope.value for scope in Scope)


def parse_scopes(text: str) -> tuple[str, ...]:
    """Parse ``"s1,s2"`` into known scopes, rejecting unknown ones with a clear message."""
    scopes = tuple(dict.fromkeys(part.strip() for part in text.split(",") if part.strip()))
    unknown = [scope for scope in scopes if scope not in ALL_SCOPES]
    if unknown:
        raise ValueError(f"unknown scope(s): {', '.join(unknown)}; known: {', '.join(ALL_SCOPES)}")
    if not scopes:
        raise ValueError("at least one scope is needed")
    return scopes
