"""The gateway's one error tree.

Every error a client can see is a ``GatewayError``; each class carries its HTTP status and
OpenAI's error ``type`` and ``code``, and ``gateway.middleware`` is the only place that renders
them, always in OpenAI's shape (with ``x-should-retry: false`` on refusals that a retry cannot
change)::

    {"error": {"message": ..., "type": ..., "param": ..., "code": ...}}

    GatewayError
    ├── InvalidRequestError         400 invalid_request_error
    │   ├── RequestTimeoutError     408  the request body did not arrive in time
    │   ├── RequestTooLargeError    413
    │   ├── UnsupportedEncodingError 415 a Content-Encoding the gateway does not decode
    │   ├── NotFoundError           404  (unknown model, route or resource)
    │   └── MethodNotAllowedError   405
    ├── AuthenticationError         401  missing, unknown, inactive or expired key
    ├── PermissionDeniedError       403  key lacks a scope
    │   └── PolicyDeniedError       403  the org's policy denies a PII class (not retried)
    ├── RateLimitError              429  budget or rate limit (a budget's: not retried)
    ├── UpstreamError               the provider answered with an error: its status is passed on
    ├── UpstreamUnavailableError    502  connect error, bad response
    ├── UpstreamTimeoutError        504
    └── ServiceUnavailableError     503  a dependency the gateway needs is down
"""

from __future__ import annotations

from typing import Any, ClassVar


class GatewayError(Exception):
    status: ClassVar[int] = 500
    error_type: ClassVar[str] = "api_error"
    default_code: ClassVar[str | None] = "internal_error"
    # Sent as ``x-should-retry`` when set: the OpenAI and Anthropic SDKs obey it before their
    # own status rules, so a refusal that a retry cannot change is not sent three more times.
    should_retry: ClassVar[bool | None] = None

    def __init__(
        self,
        message: str,
        *,
        code: str | None = None,
        param: str | None = None,
        headers: dict[str, str] | None = None,
    ) -> None:
        super().__init__(message)
        self.message = message
        self.code = code if code is not None else self.default_code
        self.param = param
        self.headers = headers or {}

    @property
    def http_status(self) -> int:
        return self.status

    def to_body(self) -> dict[str, Any]:
        return {
            "error": {
                "message": self.message,
                "type": self.error_type,
                "param": self.param,
                "code": self.code,
            }
        }


class InvalidRequestError(GatewayError):
    status = 400
    error_type = "invalid_request_error"
    default_code = "invalid_request"


class RequestTooLargeError(InvalidRequestError):
    status = 413
    default_code = "request_too_large"


class RequestTimeoutError(InvalidRequestError):
    status = 408
    default_code = "request_timeout"


class UnsupportedEncodingError(InvalidRequestError):
    status = 415
    default_code = "invalid_content_encoding"


class NotFoundError(InvalidRequestError):
    status = 404
    default_code = "not_found"


class MethodNotAllowedError(InvalidRequestError):
    status = 405
    default_code = "method_not_allowed"


class AuthenticationError(GatewayError):
    status = 401
    error_type = "invalid_request_error"
    default_code = "invalid_api_key"


class PermissionDeniedError(GatewayError):
    status = 403
    error_type = "permission_error"
    default_code = "insufficient_scope"


class PolicyDeniedError(PermissionDeniedError):
    """The org's policy forbids sending (or returning) a PII class for this tool."""

    default_code = "policy_denied"
    should_retry = False


class RateLimitError(GatewayError):
    status = 429
    error_type = "rate_limit_error"
    default_code = "rate_limit_exceeded"


class ServiceUnavailableError(GatewayError):
    status = 503
    error_type = "api_error"
    default_code = "service_unavailable"


class UpstreamUnavailableError(GatewayError):
    status = 502
    error_type = "api_error"
    default_code = "upstream_unavailable"


class UpstreamTimeoutError(GatewayError):
    status = 504
    error_type = "api_error"
    default_code = "upstream_timeout"


class UpstreamError(GatewayError):
    """The provider answered with an error. Its status is passed on to the client.

    ``body`` is the error already in OpenAI's shape (an OpenAI-compatible upstream's own body,
    or an adapter's translation of another provider's error).
    """

    error_type = "api_error"
    default_code = "upstream_error"

    def __init__(
        self,
        message: str,
        *,
        upstream_status: int,
        body: dict[str, Any] | None = None,
        code: str | None = None,
        param: str | None = None,
        error_type: str | None = None,
        headers: dict[str, str] | None = None,
    ) -> None:
        super().__init__(message, code=code, param=param, headers=headers)
        self.upstream_status = upstream_status
        self.body = body
        self.upstream_error_type = error_type or self.error_type

    @property
    def http_status(self) -> int:
        return self.upstream_status

    def to_body(self) -> dict[str, Any]:
        if self.body is not None:
            return self.body
        return {
            "error": {
                "message": self.message,
                "type": self.upstream_error_type,
                "param": self.param,
                "code": self.code,
            }
        }


class ConfigError(Exception):
    """The configuration cannot be used; raised at start-up, never while serving."""
