"""The identifiers the gateway keeps about a request carry no personal data.

The tool name (``X-Governs-Tool`` or ``metadata.tool``) and the client's ``X-Request-ID`` are
stored in ``decisions`` and ``usage_records``, returned by ``/api/decisions`` and written to the
access log. So, whatever the org's policy, one in which the fast detectors find PII (any class
they know; NER is not run: these are short machine strings, checked on every request) is never
used: ``gateway.middleware`` does not adopt such a request id (a new one replaces it before
anything logs it), and the proxied routes refuse the request, 400 ``pii_in_identifier``, naming
the header or field and the class, never the value.

A tool name found clean is remembered, so the usual handful of tool names cost a set lookup
instead of a scan. Only clean names are remembered, so no PII stays
in memory. A request id in a canonical machine form (a UUID, 32 hex digits, a ULID) is not
scanned: such an id is generated, not typed, so nothing personal can be read from it, and the
scan would cost every request that sends one tens of µs (bench/RESULTS.md).
"""

from __future__ import annotations

import re
from typing import Any

from aiohttp import web

from core.errors import InvalidRequestError
from core.row_guard import safe_text
from detectors.engine import DetectionEngine

REQUEST_ID_HEADER = "X-Request-ID"
TOOL_HEADER = "X-Governs-Tool"
TOOL_FIELD = "metadata.tool"
DEFAULT_TOOL = "ai.generate"
MAX_TOOL_LENGTH = 200  # decisions.tool and usage_records.tool
CLEAN_TOOLS_KEPT = 4096
_MACHINE_ID = re.compile(
    r"[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}"  # UUID
    r"|[0-9a-fA-F]{32}"  # a UUID without hyphens; this gateway's own request ids
    r"|[0-7][0-9A-HJKMNP-TV-Z]{25}"  # ULID (Crockford's base 32, upper case)
)


class IdentifierGuard:
    def __init__(self, engine: DetectionEngine) -> None:
        self._engine = engine
        self._classes = engine.classes
        self._clean_tools: set[str] = set()

    def pii_classes(self, value: str) -> list[str]:
        """The classes of PII the fast detectors find in ``value`` (none: an empty list)."""
        return sorted({f.pii_class for f in self._engine.scan(value, self._classes)})

    def request_id_classes(self, value: str) -> list[str]:
        """``pii_classes`` of a client's request id; a machine id's are none, unscanned."""
        if _MACHINE_ID.fullmatch(value):
            return []
        return self.pii_classes(value)

    def tool(self, value: str, param: str, where: str) -> str:
        """``value`` as the request's tool; 400 when it is too long or carries PII."""
        if value in self._clean_tools:
            return value
        if len(value) > MAX_TOOL_LENGTH:
            raise InvalidRequestError(
                f"the tool named by {where} has {len(value)} characters; at most "
                f"{MAX_TOOL_LENGTH} are allowed",
                code="invalid_tool",
                param=param,
            )
        if safe_text(value) != value or not value.isprintable():
            # A header byte that is not UTF-8 arrives as a lone surrogate: nothing can store it.
            raise InvalidRequestError(
                f"the tool named by {where} must be printable UTF-8 text",
                code="invalid_tool",
                param=param,
            )
        found = self.pii_classes(value)
        if found:
            raise unsafe_identifier(param, where, found, "tool names")
        if len(self._clean_tools) >= CLEAN_TOOLS_KEPT:
            self._clean_tools.clear()
        self._clean_tools.add(value)
        return value


IDENTIFIERS = web.AppKey("identifiers", IdentifierGuard)
# Set by the middleware when it refused to adopt the client's X-Request-ID: the classes found.
UNSAFE_REQUEST_ID = web.RequestKey("unsafe_request_id", list[str])


def unsafe_identifier(param: str, where: str, classes: list[str], what: str) -> InvalidRequestError:
    return InvalidRequestError(
        f"{where} looks like it holds personal data ({', '.join(classes)}); {what} are stored "
        "and logged, so they must not carry PII",
        code="pii_in_identifier",
        param=param,
    )


def request_tool(request: web.Request, body: dict[str, Any]) -> str:
    """The tool of a proxied request (``X-Governs-Tool``, then ``metadata.tool``, else
    ``ai.generate``), once its identifiers are known to be safe to store: a 400 otherwise."""
    unsafe_id = request.get(UNSAFE_REQUEST_ID)
    if unsafe_id:
        raise unsafe_identifier(
            REQUEST_ID_HEADER, f"the {REQUEST_ID_HEADER} header", unsafe_id, "request ids"
        )
    guard = request.app[IDENTIFIERS]
    tool = request.headers.get(TOOL_HEADER)
    if tool:
        return guard.tool(tool, TOOL_HEADER, f"the {TOOL_HEADER} header")
    metadata = body.get("metadata")
    if isinstance(metadata, dict) and isinstance(metadata.get("tool"), str):
        return guard.tool(metadata["tool"], TOOL_FIELD, TOOL_FIELD)
    return DEFAULT_TOOL
