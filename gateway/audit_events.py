"""Audit rows of events that happen outside an admin API transaction.

Auth events (a failed login, a refused attempt, a revoked key still in use) must be recorded
although the request that caused them fails, and its transaction rolls back; the CLI has no
caller. These rows go through the background writer (``RecordWriter.submit("audit_logs", row)``)
or, in the CLI, into the command's own transaction. Ids and times are made here, when the
event happens, so a replayed row stays one row.
"""

from __future__ import annotations

import getpass
from datetime import UTC, datetime
from typing import Any

from core.ids import new_id


def audit_row(
    action: str,
    resource: str,
    *,
    org_id: str | None = None,
    user_id: str | None = None,
    api_key_id: str | None = None,
    details: dict[str, Any] | None = None,
) -> dict[str, Any]:
    """One ``audit_logs`` row, as ``RecordWriter.submit`` takes it."""
    return {
        "id": new_id(),
        "user_id": user_id,
        "org_id": org_id,
        "api_key_id": api_key_id,
        "action": action,
        "resource": resource,
        "details": details,
        "created_at": datetime.now(UTC),
    }


def cli_actor() -> dict[str, str]:
    """Who ran a CLI command: the operating system's user (the CLI has no account)."""
    try:
        who = getpass.getuser()
    except (KeyError, OSError):  # no passwd entry (some containers) and no $USER
        who = "unknown"
    return {"via": "cli", "osUser": who}
