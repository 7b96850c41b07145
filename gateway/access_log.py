"""One structured line per request: client address (``gateway.client_address``: behind a
trusted proxy, the forwarded one), method, path (never the query string, which may carry
``/ws?key=``), status, duration and correlation id. No bodies, ever."""

from __future__ import annotations

import logging

from aiohttp import web
from aiohttp.abc import AbstractAccessLogger

from gateway.client_address import client_address
from gateway.middleware import REQUEST_ID


class AccessLogger(AbstractAccessLogger):
    def log(self, request: web.BaseRequest, response: web.StreamResponse, time: float) -> None:
        self.logger.info(
            "request",
            extra={
                "client": (
                    client_address(request)
                    if isinstance(request, web.Request)
                    else (request.remote or "unknown")
                ),
                "method": request.method,
                "path": request.path,
                "status": response.status,
                "duration_ms": round(time * 1000, 3),
                "correlation_id": request.get(REQUEST_ID),
            },
        )


ACCESS_LOGGER_NAME = "governs.access"


def access_logger() -> logging.Logger:
    return logging.getLogger(ACCESS_LOGGER_NAME)
