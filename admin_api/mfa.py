"""TOTP two-factor authentication (RFC 6238, 6 digits, 30 s, SHA-1: what every app speaks).

Enrolment: ``setup`` makes a secret, its ``otpauth://`` URI and that URI as a QR code (an SVG
data: URI, which the dashboard shows for a phone to scan); ``enable`` switches it on once a code
from the app matches. From then on login needs ``totpCode``.
Codes one step early or late are accepted, for clock drift.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated, Any

import pyotp
import segno
from pydantic import Field

from admin_api.audit import record
from admin_api.caller import load_user
from admin_api.endpoint import Call, Endpoint
from admin_api.errors import ConflictError
from admin_api.validation import Body, Out
from admin_api.wire import reply
from core.errors import InvalidRequestError, NotFoundError
from core.storage.account_models import UserCredential

ISSUER = "GovernsAI"


def totp_matches(secret: str | None, code: str) -> bool:
    return bool(secret) and pyotp.TOTP(secret).verify(code, valid_window=1)


class CodeBody(Body):
    code: Annotated[str, Field(pattern=r"^\d{6}$")]


class TotpSetup(Out):
    secret: str = Field(description="base32 secret, for apps that cannot scan the URI")
    otpauth_uri: str
    qr_code_data_uri: str = Field(
        description="the otpauth URI as a QR code: an SVG image as a data: URI, for <img src>"
    )


class TotpState(Out):
    enabled: bool


class TotpCheck(Out):
    valid: bool


async def _credential(call: Call[Any, Any]) -> UserCredential:
    credential = await call.db.get(UserCredential, call.who.require_user())
    if credential is None:
        raise NotFoundError("this account has no password to add a factor to", code="no_password")
    return credential


async def totp_status(call: Call[None, None]) -> Any:
    credential = await _credential(call)
    return reply(TotpState(enabled=credential.totp_enabled_at is not None))


async def totp_setup(call: Call[None, None]) -> Any:
    credential = await _credential(call)
    if credential.totp_enabled_at is not None:
        raise ConflictError("two-factor authentication is already on", code="mfa_enabled")
    user = await load_user(call.db, credential.user_id)
    credential.totp_secret = pyotp.random_base32()
    uri = pyotp.TOTP(credential.totp_secret).provisioning_uri(name=user.email, issuer_name=ISSUER)
    setup = TotpSetup(secret=credential.totp_secret, otpauth_uri=uri, qr_code_data_uri=_qr(uri))
    return reply(setup)


def _qr(uri: str) -> str:
    # Black on white with the standard 4-module quiet zone: what phone cameras read best.
    return segno.make(uri, error="m").svg_data_uri(scale=5, border=4, dark="#000", light="#fff")


async def totp_enable(call: Call[None, CodeBody]) -> Any:
    credential = await _credential(call)
    if credential.totp_enabled_at is not None:
        raise ConflictError("two-factor authentication is already on", code="mfa_enabled")
    if credential.totp_secret is None:
        raise InvalidRequestError("call setup first", code="mfa_not_set_up")
    if not totp_matches(credential.totp_secret, call.body.code):
        raise InvalidRequestError("wrong code", code="invalid_mfa_code", param="code")
    credential.totp_enabled_at = datetime.now(UTC)
    record(call.db, call.who, org_id=None, action="user.mfa_enable",
           resource=f"user:{credential.user_id}")  # fmt: skip
    return reply(TotpState(enabled=True))


async def totp_verify(call: Call[None, CodeBody]) -> Any:
    credential = await _credential(call)
    return reply(TotpCheck(valid=totp_matches(credential.totp_secret, call.body.code)))


async def totp_disable(call: Call[None, CodeBody]) -> Any:
    credential = await _credential(call)
    if credential.totp_enabled_at is None:
        return reply(TotpState(enabled=False))
    if not totp_matches(credential.totp_secret, call.body.code):
        raise InvalidRequestError("wrong code", code="invalid_mfa_code", param="code")
    credential.totp_enabled_at = None
    credential.totp_secret = None
    record(call.db, call.who, org_id=None, action="user.mfa_disable",
           resource=f"user:{credential.user_id}")  # fmt: skip
    return reply(TotpState(enabled=False))


_TAG = "accounts"
_T = "/api/v1/auth/mfa/totp"
ENDPOINTS = [
    Endpoint("GET", _T, totp_status, "Whether TOTP is on", _TAG, response=TotpState),
    Endpoint("POST", f"{_T}/setup", totp_setup, "Start TOTP enrolment: secret and otpauth URI",
             _TAG, response=TotpSetup),
    Endpoint("POST", f"{_T}/enable", totp_enable, "Switch TOTP on with a first code", _TAG,
             body=CodeBody, response=TotpState),
    Endpoint("POST", f"{_T}/verify", totp_verify, "Check a TOTP code", _TAG, body=CodeBody,
             response=TotpCheck),
    Endpoint("POST", f"{_T}/disable", totp_disable, "Switch TOTP off (needs a code)", _TAG,
             body=CodeBody, response=TotpState),
]  # fmt: skip
