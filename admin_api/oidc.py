"""An OpenID Connect relying party: discovery, the authorization request (code flow with PKCE,
``state`` and ``nonce``), the code exchange, and the ID token checked against the provider's
JWKS by joserfc (signature, ``iss``, ``aud``, ``azp``, ``exp``, ``iat``, ``nonce``).

The discovery document and the key set are fetched once and kept; the key set is fetched again
only when a token names a key it does not hold (the provider rotated its keys), at most once a
``JWKS_REFRESH_SECONDS``. Every failure is an ``OidcError`` whose ``reason`` the sign-in shows
and audits; the provider's own answers are never logged.
"""

from __future__ import annotations

import asyncio
import base64
import hashlib
import secrets
import time
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote_plus, urlencode

import aiohttp
import orjson
from joserfc import jwt
from joserfc.errors import InvalidKeyIdError, JoseError
from joserfc.jwk import KeySet
from joserfc.jwt import JWTClaimsRegistry

from core.settings import SsoProviderConfig

JWKS_REFRESH_SECONDS = 30.0
CLOCK_LEEWAY_SECONDS = 60
# Asymmetric algorithms only: "none" and the HMAC ones (keyed by the client secret) are refused.
SAFE_ALGORITHMS = ("RS256", "RS384", "RS512", "PS256", "PS384", "PS512", "ES256", "ES384",
                   "ES512", "EdDSA")  # fmt: skip
MAX_DOCUMENT_BYTES = 256 * 1024


class OidcError(Exception):
    """A sign-in that cannot go on: ``reason`` is a short code (``provider_unavailable``,
    ``token_exchange_failed``, ``id_token_invalid``), the message says what went wrong."""

    def __init__(self, reason: str, message: str) -> None:
        super().__init__(message)
        self.reason = reason


@dataclass(frozen=True, slots=True)
class Metadata:
    """What the gateway uses of the provider's ``/.well-known/openid-configuration``."""

    issuer: str
    authorization_endpoint: str
    token_endpoint: str
    jwks_uri: str
    algorithms: tuple[str, ...]
    secret_in_body: bool  # client_secret_post only; else client_secret_basic


@dataclass(frozen=True, slots=True)
class Pkce:
    verifier: str
    challenge: str

    @classmethod
    def new(cls) -> Pkce:
        """RFC 7636's S256: the challenge is the verifier's SHA-256, base64url, unpadded."""
        verifier = secrets.token_urlsafe(64)
        digest = hashlib.sha256(verifier.encode("ascii")).digest()
        return cls(verifier, base64.urlsafe_b64encode(digest).rstrip(b"=").decode("ascii"))


class OidcProvider:
    """One configured identity provider, talking to it through the shared HTTP session."""

    def __init__(self, config: SsoProviderConfig, http: aiohttp.ClientSession) -> None:
        self.config = config
        self._http = http
        self._metadata: Metadata | None = None
        self._keys: KeySet | None = None
        self._keys_fetched = 0.0
        self._lock = asyncio.Lock()

    async def metadata(self) -> Metadata:
        if self._metadata is None:
            async with self._lock:
                if self._metadata is None:
                    self._metadata = await self._discover()
        return self._metadata

    async def authorization_url(
        self, *, state: str, nonce: str, challenge: str, redirect_uri: str
    ) -> str:
        meta = await self.metadata()
        query = urlencode({
            "response_type": "code",
            "client_id": self.config.client_id,
            "redirect_uri": redirect_uri,
            "scope": " ".join(self.config.scopes),
            "state": state,
            "nonce": nonce,
            "code_challenge": challenge,
            "code_challenge_method": "S256",
        })  # fmt: skip
        separator = "&" if "?" in meta.authorization_endpoint else "?"
        return f"{meta.authorization_endpoint}{separator}{query}"

    async def exchange(self, code: str, verifier: str, redirect_uri: str) -> str:
        """Trade the authorization code for tokens; answers the ID token (compact JWS)."""
        meta = await self.metadata()
        form = {
            "grant_type": "authorization_code",
            "code": code,
            "redirect_uri": redirect_uri,
            "code_verifier": verifier,
            "client_id": self.config.client_id,
        }
        headers = {}
        secret = self.config.client_secret
        if secret is not None:
            if meta.secret_in_body:
                form["client_secret"] = secret
            else:
                # RFC 6749, 2.3.1: both parts form-encoded before the Basic scheme's base64.
                headers["Authorization"] = aiohttp.encode_basic_auth(
                    quote_plus(self.config.client_id), quote_plus(secret)
                )
        answer = await self._json("POST", meta.token_endpoint, "token_exchange_failed",
                                  data=form, headers=headers)  # fmt: skip
        id_token = answer.get("id_token")
        if not isinstance(id_token, str):
            raise OidcError("token_exchange_failed", "the provider's answer has no id_token")
        return id_token

    async def validate(self, id_token: str, nonce: str) -> dict[str, Any]:
        """The ID token's claims once its signature and claims hold; else ``OidcError``."""
        meta = await self.metadata()
        keys = await self._key_set(refresh=False)
        try:
            try:
                token = jwt.decode(id_token, keys, algorithms=list(meta.algorithms))
            except InvalidKeyIdError:
                # A key the provider rotated in since the set was read.
                keys = await self._key_set(refresh=True)
                token = jwt.decode(id_token, keys, algorithms=list(meta.algorithms))
            JWTClaimsRegistry(
                leeway=CLOCK_LEEWAY_SECONDS,
                iss={"essential": True, "value": meta.issuer},
                aud={"essential": True, "value": self.config.client_id},
                sub={"essential": True},
                exp={"essential": True},
                iat={"essential": True},
                nonce={"essential": True, "value": nonce},
            ).validate(token.claims)
        except (JoseError, ValueError) as error:
            raise OidcError("id_token_invalid", f"the ID token was refused: {error}") from None
        claims = dict(token.claims)
        audience = claims.get("aud")
        if isinstance(audience, list) and len(audience) > 1:
            if claims.get("azp") != self.config.client_id:
                raise OidcError("id_token_invalid", "the ID token was issued to another client")
        return claims

    async def _discover(self) -> Metadata:
        url = self.config.issuer.rstrip("/") + "/.well-known/openid-configuration"
        document = await self._json("GET", url, "provider_unavailable")
        # OpenID Connect Discovery 1.0, section 4.3: the document must name the issuer itself.
        if document.get("issuer") != self.config.issuer:
            raise OidcError(
                "provider_unavailable",
                f"the discovery document names issuer {document.get('issuer')!r}, not "
                f"{self.config.issuer!r}",
            )
        fields: dict[str, str] = {}
        for name in ("authorization_endpoint", "token_endpoint", "jwks_uri"):
            value = document.get(name)
            if not isinstance(value, str) or not value.startswith(("https://", "http://")):
                raise OidcError("provider_unavailable", f"the discovery document lacks {name}")
            fields[name] = value
        offered = document.get("id_token_signing_alg_values_supported") or ["RS256"]
        algorithms = tuple(alg for alg in SAFE_ALGORITHMS if alg in offered)
        if not algorithms:
            raise OidcError("provider_unavailable", "the provider signs with no safe algorithm")
        methods = document.get("token_endpoint_auth_methods_supported") or ["client_secret_basic"]
        return Metadata(
            issuer=document["issuer"],
            algorithms=algorithms,
            secret_in_body="client_secret_basic" not in methods and "client_secret_post" in methods,
            **fields,
        )

    async def _key_set(self, *, refresh: bool) -> KeySet:
        async with self._lock:
            stale = time.monotonic() - self._keys_fetched > JWKS_REFRESH_SECONDS
            if self._keys is None or (refresh and stale):
                assert self._metadata is not None, "metadata() runs before the key set is read"
                document = await self._json("GET", self._metadata.jwks_uri, "provider_unavailable")
                try:
                    self._keys = KeySet.import_key_set(document)  # type: ignore[arg-type]
                except (JoseError, ValueError, TypeError, KeyError) as error:
                    raise OidcError(
                        "provider_unavailable", f"the provider's key set is unusable: {error}"
                    ) from None
                self._keys_fetched = time.monotonic()
            return self._keys

    async def _json(
        self,
        method: str,
        url: str,
        reason: str,
        headers: dict[str, str] | None = None,
        **kwargs: Any,
    ) -> dict[str, Any]:
        headers = {"Accept": "application/json", **(headers or {})}
        try:
            async with self._http.request(method, url, headers=headers, **kwargs) as response:
                body = await response.content.read(MAX_DOCUMENT_BYTES + 1)
                if response.status != 200:
                    raise OidcError(reason, f"{url} answered HTTP {response.status}")
        except (aiohttp.ClientError, TimeoutError) as error:
            raise OidcError(reason, f"{url} cannot be reached: {error!r}") from None
        if len(body) > MAX_DOCUMENT_BYTES:
            raise OidcError(reason, f"{url} answered more than {MAX_DOCUMENT_BYTES} bytes")
        try:
            document = orjson.loads(body)
        except orjson.JSONDecodeError:
            document = None
        if not isinstance(document, dict):
            raise OidcError(reason, f"{url} did not answer a JSON object")
        return document
