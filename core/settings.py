"""Configuration: read once at start-up into frozen, typed objects.

This is the only module that reads the environment. A YAML file may use ``${VAR}`` (or
``${VAR:-default}``) in any string; a variable that is unset and has no default is a start-up
error naming it. Unknown keys are rejected so that a typo never silently does nothing.
"""

from __future__ import annotations

import importlib.util
import os
import re
from collections.abc import Mapping
from decimal import Decimal
from pathlib import Path
from typing import Annotated, Any, Literal, get_args
from urllib.parse import unquote

import yaml
from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    IPvAnyNetwork,
    ValidationError,
    field_validator,
    model_validator,
)

from core.errors import ConfigError

CONFIG_ENV_VAR = "GOVERNS_CONFIG"
BOOTSTRAP_KEY_ENV_VAR = "GOVERNS_BOOTSTRAP_KEY"

_ENV_REFERENCE = re.compile(r"\$\{([A-Za-z_][A-Za-z0-9_]*)(?::-([^}]*))?\}")

PositiveFloat = Annotated[float, Field(gt=0)]


class _Frozen(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class ServerConfig(_Frozen):
    host: str = "127.0.0.1"
    port: int = Field(8080, ge=0, le=65535)
    workers: int = Field(1, ge=1, le=64)
    max_body_bytes: int = Field(4 * 1024 * 1024, ge=1024)
    # A request body still arriving after this long is cut with 408 (a slow client holds a
    # connection and a task for as long as bytes come otherwise).
    body_read_timeout_seconds: PositiveFloat = 30.0
    shutdown_timeout_seconds: PositiveFloat = 30.0
    access_log: bool = False
    upstream_max_connections: int = Field(1000, ge=1)
    # Proxies whose X-Forwarded-For / Forwarded headers name the client (CIDRs). Empty: the
    # peer's own address is the client's, whatever a request's headers claim.
    trusted_proxies: tuple[IPvAnyNetwork, ...] = ()


class DatabaseConfig(_Frozen):
    url: str = "sqlite+aiosqlite:///governs.db"
    auto_migrate: bool = True
    pool_size: int = Field(5, ge=1)
    echo: bool = False

    @field_validator("url")
    @classmethod
    def _async_driver(cls, url: str) -> str:
        """``postgresql://`` (as libpq and most docs write it) and ``sqlite:///`` get the async
        driver the gateway runs on; any other driver is refused, naming the one to use."""
        scheme, separator, rest = url.partition("://")
        if not separator:
            return url  # not a URL: the engine says so at start-up, in one line
        dialect, _, driver = scheme.partition("+")
        dialect = "postgresql" if dialect == "postgres" else dialect
        wanted = {"postgresql": "asyncpg", "sqlite": "aiosqlite"}.get(dialect)
        if wanted is None:
            raise ValueError(
                f"{dialect!r} databases are not supported: use postgresql+asyncpg://... or "
                "sqlite+aiosqlite:///..."
            )
        if driver and driver != wanted:
            raise ValueError(
                f"the {driver!r} driver is not supported: write {dialect}+{wanted}://{rest}"
            )
        return f"{dialect}+{wanted}://{rest}"


class RedisConfig(_Frozen):
    url: str | None = None


class WriterConfig(_Frozen):
    """The background writer of decision, usage and audit rows."""

    batch_size: int = Field(500, ge=1)
    flush_interval_seconds: PositiveFloat = 0.05
    max_queue: int = Field(100_000, ge=1)
    retry_attempts: int = Field(3, ge=0)
    spool_dir: str = "spool"
    replay_interval_seconds: PositiveFloat = 5.0
    # Rows waiting longer than this mean records stopped flowing: /readyz turns 503, and
    # shutdown spools what the database has not taken by then.
    stall_seconds: PositiveFloat = 30.0


class RecordsConfig(_Frozen):
    """How long raw decision and usage rows are kept; ``usage_rollups`` keep the totals."""

    # None: for ever. Rows older than this many days are deleted in the background.
    retention_days: int | None = Field(None, ge=1)
    retention_interval_seconds: PositiveFloat = 3600.0
    retention_batch_size: int = Field(10_000, ge=1)  # rows deleted per statement


class AuthConfig(_Frozen):
    key_cache_seconds: PositiveFloat = 2.0
    # While the database is unreachable, a key is judged by what was last read of it, for at
    # most this long; a key never seen gets 503 auth_unavailable.
    stale_key_seconds: PositiveFloat = 600.0


class RateLimitRule(_Frozen):
    """At most ``per_ip`` attempts from one client address and ``per_account`` for one email
    address within ``window_seconds``."""

    per_ip: int = Field(ge=1)
    per_account: int = Field(ge=1)
    window_seconds: PositiveFloat


class RateLimitsConfig(_Frozen):
    login: RateLimitRule = RateLimitRule(per_ip=100, per_account=10, window_seconds=300)
    signup: RateLimitRule = RateLimitRule(per_ip=20, per_account=5, window_seconds=3600)
    password_reset: RateLimitRule = RateLimitRule(per_ip=20, per_account=5, window_seconds=3600)


class SmtpConfig(_Frozen):
    host: str = "127.0.0.1"
    port: int = Field(587, ge=1, le=65535)
    username: str | None = None
    password: str | None = Field(None, repr=False)
    security: Literal["starttls", "tls", "none"] = "starttls"
    timeout_seconds: PositiveFloat = 10.0


class MailConfig(_Frozen):
    """Outgoing mail: invitations, password resets, email verification, alerts."""

    kind: Literal["file", "log", "smtp"] = "file"
    from_address: str = "GovernsAI gateway <governs@localhost>"
    directory: str = "mail"  # where the file sender writes one .eml file per message
    smtp: SmtpConfig = SmtpConfig()


class IngestConfig(_Frozen):
    signature_window_seconds: PositiveFloat = 300.0


class PasswordHashConfig(_Frozen):
    """Argon2id's cost for new password hashes. The defaults are argon2-cffi's own (RFC 9106's
    low-memory profile); a stored hash keeps the parameters it was made with."""

    time_cost: int = Field(3, ge=1, le=100)
    memory_cost_kib: int = Field(64 * 1024, ge=8, le=4 * 1024 * 1024)
    parallelism: int = Field(4, ge=1, le=64)

    @model_validator(mode="after")
    def _enough_memory(self) -> PasswordHashConfig:
        if self.memory_cost_kib < 8 * self.parallelism:
            raise ValueError("Argon2 needs memory_cost_kib >= 8 * parallelism")
        return self


# A host name with one "{org}" in it (where the org's slug goes), an optional ":port" after.
ORG_HOST_PATTERN = r"^(?:[a-z0-9-]+\.)*[a-z0-9-]*\{org\}[a-z0-9-]*(?:\.[a-z0-9-]+)*(?::\d{1,5})?$"


SsoRole = Literal["OWNER", "ADMIN", "DEVELOPER", "VIEWER"]
SLUG_PATTERN = r"^[a-z0-9][a-z0-9-]{0,99}$"


class SsoProviderConfig(_Frozen):
    """One OpenID Connect identity provider people sign in through (``admin.sso``).

    Users are created on first sign-in into ``org`` when their email is verified by the
    provider and its domain is in ``allowed_domains``; their role there comes from the
    ``role_claim`` (a string or a list, e.g. groups) through ``role_map`` (the highest role
    any value maps to), else ``default_role``, and is re-applied at every sign-in."""

    # Shown on the button ("Sign in with <name>") and used in its URL.
    name: str = Field(pattern=r"^[A-Za-z0-9][A-Za-z0-9 ._-]{0,63}$")
    issuer: str = Field(pattern=r"^https?://[^\s?#]+$")  # discovery: <issuer>/.well-known/...
    client_id: str = Field(min_length=1, max_length=500)
    client_secret: str | None = Field(None, repr=False)  # None: a public client (PKCE only)
    scopes: tuple[str, ...] = ("openid", "email", "profile")
    allowed_domains: tuple[str, ...] = Field(min_length=1)
    org: str = Field(pattern=SLUG_PATTERN)  # the slug of the org new users join
    default_role: SsoRole = "VIEWER"
    role_claim: str | None = Field(None, min_length=1)  # e.g. "groups"
    role_map: dict[str, SsoRole] = Field(default_factory=dict)  # claim value -> role

    @field_validator("allowed_domains")
    @classmethod
    def _lower_domains(cls, domains: tuple[str, ...]) -> tuple[str, ...]:
        return tuple(domain.strip().lower().lstrip("@") for domain in domains)

    @model_validator(mode="after")
    def _coherent(self) -> SsoProviderConfig:
        if "openid" not in self.scopes:
            raise ValueError(f"sso provider {self.name!r}: scopes must include 'openid'")
        if self.role_map and not self.role_claim:
            raise ValueError(f"sso provider {self.name!r}: role_map needs a role_claim")
        return self


class AdminConfig(_Frozen):
    """The admin API (``/api``): accounts, sessions, mail and ingest signing."""

    public_url: str = "http://127.0.0.1:8080"  # base of the links put in mails
    session_ttl_seconds: PositiveFloat = 7 * 24 * 3600.0
    cookie_secure: bool = True
    password_pepper: str | None = Field(None, repr=False)
    password_hash: PasswordHashConfig = PasswordHashConfig()
    password_min_length: int = Field(10, ge=8, le=1024)
    allow_signup: bool = False  # true: anyone who reaches /api may sign up (email verified)
    # The org whose OWNERs, ADMINs and `admin` keys operate the gateway: they grant models to
    # other orgs. Its slug is reserved (nobody else can create an org with it).
    operator_org: str = Field("default", pattern=SLUG_PATTERN)
    invitation_ttl_seconds: PositiveFloat = 7 * 24 * 3600.0
    reset_token_ttl_seconds: PositiveFloat = 3600.0
    verification_token_ttl_seconds: PositiveFloat = 2 * 24 * 3600.0
    rate_limits: RateLimitsConfig = RateLimitsConfig()
    mail: MailConfig = MailConfig()
    ingest: IngestConfig = IngestConfig()
    # e.g. "{org}.app.example.com": the Host header then selects the org (by slug) for the
    # console and the admin API; None: every host serves every org, named by orgId.
    org_host_pattern: str | None = Field(None, pattern=ORG_HOST_PATTERN)
    sso: tuple[SsoProviderConfig, ...] = ()  # OpenID Connect sign-in (admin_api.sso)
    sso_login_ttl_seconds: PositiveFloat = 600.0  # from the button to the provider's answer

    @model_validator(mode="after")
    def _unique_sso_names(self) -> AdminConfig:
        names = [provider.name.lower() for provider in self.sso]
        duplicates = {name for name in names if names.count(name) > 1}
        if duplicates:
            raise ValueError(f"duplicate admin.sso provider names: {sorted(duplicates)}")
        return self


class PiiConfig(_Frozen):
    """PII detection. Detection runs only for orgs with an active policy, and only for the
    classes that policy does not pass through."""

    detectors: tuple[str, ...] = (
        "email",
        "phone",
        "ssn",
        "credit_card",
        "date_of_birth",
        "ip_address",
        "iban",
        "structured",
        "name_lexicon",
    )
    ner: bool = True  # names and addresses (spaCy); loaded in the background at start-up
    timeout_seconds: PositiveFloat = 2.0
    threads: int = Field(2, ge=1, le=32)
    policy_refresh_seconds: PositiveFloat = 1.0


ProviderKind = Literal["openai", "azure", "anthropic", "gemini", "echo"]
RESPONSES_API_KINDS = frozenset({"openai", "azure"})  # kinds whose API has /v1/responses


class ProviderConfig(_Frozen):
    name: str = Field(min_length=1)
    kind: ProviderKind
    base_url: str | None = None
    api_key: str | None = Field(None, repr=False)
    connect_timeout_seconds: PositiveFloat = 10.0
    read_timeout_seconds: PositiveFloat = 600.0
    headers: dict[str, str] = Field(default_factory=dict, repr=False)
    api_version: str | None = None
    # Send /v1/responses requests to the provider's own Responses API, untranslated (null: on
    # for kind openai, off for the others). Turn it off for an OpenAI-compatible server that
    # has no /v1/responses (then Responses requests are translated to chat); on for kind
    # azure sends them to the resource's /openai/v1/responses. Other kinds cannot have it.
    responses_api: bool | None = None

    @model_validator(mode="after")
    def _fits_its_kind(self) -> ProviderConfig:
        if self.kind != "echo" and not self.base_url:
            raise ValueError(f"provider {self.name!r} of kind {self.kind!r} needs a base_url")
        if self.responses_api and self.kind not in RESPONSES_API_KINDS:
            raise ValueError(
                f"provider {self.name!r} of kind {self.kind!r} has no Responses API: "
                "responses_api can be true only for kinds openai and azure"
            )
        return self

    @property
    def speaks_responses(self) -> bool:
        """Whether ``/v1/responses`` is forwarded to this provider's own Responses API."""
        if self.responses_api is None:
            return self.kind == "openai"
        return self.responses_api


class DeploymentConfig(_Frozen):
    """One place a model is served: a provider and its name for the model there."""

    provider: str = Field(min_length=1)
    upstream_model: str | None = None
    weight: float = Field(1.0, gt=0)
    input_cost_per_mtok: Decimal | None = Field(None, ge=0)
    output_cost_per_mtok: Decimal | None = Field(None, ge=0)
    cached_input_cost_per_mtok: Decimal | None = Field(None, ge=0)


class ModelConfig(_Frozen):
    """A model name clients use. Served by ``provider`` (one deployment) or by several
    weighted ``deployments``; ``fallbacks`` are other model names tried, in order, when every
    attempt here failed."""

    name: str = Field(min_length=1)
    provider: str | None = Field(None, min_length=1)
    upstream_model: str | None = None
    input_cost_per_mtok: Decimal | None = Field(None, ge=0)
    output_cost_per_mtok: Decimal | None = Field(None, ge=0)
    cached_input_cost_per_mtok: Decimal | None = Field(None, ge=0)
    tokenizer: Literal["o200k_base", "cl100k_base"] | None = None
    # The model's own output limit: what a budget holds for a request without max_tokens.
    # Default: the price table's figure for the upstream model, else
    # budgets.default_max_output_tokens.
    max_output_tokens: int | None = Field(None, ge=1)
    deployments: tuple[DeploymentConfig, ...] = ()
    fallbacks: tuple[str, ...] = ()
    timeout_seconds: PositiveFloat | None = None

    @model_validator(mode="after")
    def _one_way_to_serve(self) -> ModelConfig:
        if (self.provider is None) == (not self.deployments):
            raise ValueError(f"model {self.name!r} needs either `provider` or `deployments`")
        return self

    @property
    def upstream_name(self) -> str:
        return self.upstream_model or self.name

    def served_by(self) -> tuple[DeploymentConfig, ...]:
        """Every deployment, the single-provider shorthand included."""
        if self.deployments:
            return self.deployments
        assert self.provider is not None
        return (DeploymentConfig(provider=self.provider, upstream_model=self.upstream_model),)

    def priced_for(self, deployment: DeploymentConfig) -> ModelConfig:
        """This model as served by ``deployment``: its prices override the model's."""
        update: dict[str, Any] = {
            "provider": deployment.provider,
            "upstream_model": deployment.upstream_model or self.upstream_model,
            "deployments": (),
        }
        for price in ("input_cost_per_mtok", "output_cost_per_mtok", "cached_input_cost_per_mtok"):
            if getattr(deployment, price) is not None:
                update[price] = getattr(deployment, price)
        return self.model_copy(update=update)


class LiveConfig(_Frozen):
    """The live decision feed (``/ws``)."""

    redis_channel: str = Field("governs:decisions", min_length=1)  # pub/sub between instances
    heartbeat_seconds: PositiveFloat = 30.0  # WebSocket ping interval; a dead peer is dropped
    max_message_bytes: int = Field(64 * 1024, ge=1024)
    max_subscriptions: int = Field(100, ge=1)  # channels per connection
    send_queue: int = Field(1000, ge=1)  # messages a slow client may lag before it is closed
    reauth_seconds: PositiveFloat = 60.0  # a revoked key's connections close within this time


class MetricsConfig(_Frozen):
    """Prometheus ``/metrics``."""

    enabled: bool = True
    require_key: bool = False  # true: scrapers send an API key with the `admin` scope


class HealthConfig(_Frozen):
    """``/readyz`` and ``/api/health``."""

    check_timeout_seconds: PositiveFloat = 2.0  # a database or Redis ping slower than this fails
    cache_seconds: float = Field(5.0, ge=0)  # how long /api/health reuses its database figures


class ModelPriceConfig(_Frozen):
    """One model's prices in USD per million tokens, overriding the shipped price table."""

    input_per_mtok: Decimal = Field(ge=0)
    output_per_mtok: Decimal = Field(ge=0)
    cached_input_per_mtok: Decimal | None = Field(None, ge=0)  # default: the input price
    cache_write_per_mtok: Decimal | None = Field(None, ge=0)  # default: the input price
    max_output_tokens: int | None = Field(None, ge=0)  # the model's own output limit


class PricingConfig(_Frozen):
    """Where prices come from: a model's own ``*_cost_per_mtok`` fields first, then
    ``models`` here (by upstream model name), then the shipped table
    (``gateway/data/prices.yaml``) unless ``builtin_table`` is false."""

    builtin_table: bool = True
    models: dict[str, ModelPriceConfig] = Field(default_factory=dict)


class BudgetAlertsConfig(_Frozen):
    """Budget alerts: an audit row per threshold per period, and a signed webhook if set."""

    thresholds: tuple[int, ...] = (50, 80, 100)  # percent of the budget's limit
    webhook_url: str | None = None
    webhook_secret: str | None = Field(None, repr=False)  # HMAC-SHA256 key, required with a URL
    webhook_timeout_seconds: PositiveFloat = 5.0
    webhook_max_attempts: int = Field(8, ge=1, le=50)
    webhook_backoff_initial_seconds: PositiveFloat = 1.0
    webhook_backoff_max_seconds: PositiveFloat = 300.0

    @model_validator(mode="after")
    def _signed(self) -> BudgetAlertsConfig:
        if self.webhook_url and not self.webhook_secret:
            raise ValueError("budgets.alerts.webhook_url needs a webhook_secret to sign with")
        if any(not 0 < t <= 1000 for t in self.thresholds):
            raise ValueError("budgets.alerts.thresholds are percentages between 1 and 1000")
        return self


class BudgetsConfig(_Frozen):
    """Budget enforcement: reserve each request's worst-case cost, settle the actual cost."""

    enabled: bool = True
    refresh_seconds: PositiveFloat = 1.0  # how often budget changes are looked for
    full_reload_seconds: PositiveFloat = 60.0  # reload everything this often regardless
    reservation_ttl_seconds: PositiveFloat = 900.0  # a crashed instance's holds expire after it
    on_unavailable: Literal["block", "allow"] = "block"  # budget store down: 503, or serve
    # Redis down: "block" (on_unavailable decides), or "local": reserve in this process
    # against the last known spend, reconciled with Redis when it returns.
    on_redis_error: Literal["block", "local"] = "block"
    allow_unpriced_models: bool = False  # may a budget-bound key use a model without a price?
    default_max_output_tokens: int = Field(32_768, ge=1)  # a model whose limit is unknown
    approximate_prompt_margin: float = Field(0.25, ge=0, le=10)  # headroom on prompt tokens of
    # models counted with a borrowed tokenizer (Claude, Gemini, ...)
    alerts: BudgetAlertsConfig = BudgetAlertsConfig()


class CacheModelConfig(_Frozen):
    """One model's limits in the response cache (by the model name clients use)."""

    enabled: bool = True
    max_ttl_seconds: int | None = Field(None, ge=1)
    max_entry_bytes: int | None = Field(None, ge=1024)


class ResponseCacheConfig(_Frozen):
    """The exact-match response cache (``gateway.response_cache``): used only by requests and
    keys that ask for it."""

    enabled: bool = True
    backend: Literal["memory", "redis"] = "memory"  # redis: shared by instances (redis.url)
    max_entries: int = Field(10_000, ge=1)  # memory backend
    max_bytes: int = Field(64 * 1024 * 1024, ge=1024)  # memory backend, all entries together
    max_entry_bytes: int = Field(1024 * 1024, ge=1024)  # a bigger answer is not stored
    max_ttl_seconds: int = Field(24 * 3600, ge=1)  # a longer asked TTL is cut to this
    redis_timeout_seconds: PositiveFloat = 0.25  # slower than this: the cache is skipped
    models: dict[str, CacheModelConfig] = Field(default_factory=dict)


Sampler = Literal[
    "always_on",
    "always_off",
    "traceidratio",
    "parentbased_always_on",
    "parentbased_always_off",
    "parentbased_traceidratio",
]


OtlpProtocol = Literal["http/protobuf", "grpc"]
OTLP_PROTOCOLS: tuple[str, ...] = get_args(OtlpProtocol)
_OTLP_GRPC_DEFAULT_ENDPOINT = "http://localhost:4317"  # the OTLP specification's gRPC port
_OTLP_GRPC_EXPORTER = "opentelemetry.exporter.otlp.proto.grpc"


class TracingConfig(_Frozen):
    """OpenTelemetry traces (``gateway.tracing``), from the standard ``OTEL_*`` environment
    variables only (``tracing_from_environ``); off unless an OTLP endpoint or exporter is set."""

    enabled: bool = False
    # http/protobuf: the OTLP/HTTP traces URL; grpc: the collector's address (scheme://host:port)
    protocol: OtlpProtocol = "http/protobuf"
    endpoint: str = "http://localhost:4318/v1/traces"
    headers: dict[str, str] = Field(default_factory=dict, repr=False)  # may hold a token
    timeout_seconds: PositiveFloat = 10.0
    service_name: str = "governs-gateway"
    resource_attributes: dict[str, str] = Field(default_factory=dict)
    sampler: Sampler = "parentbased_always_on"
    sampler_ratio: float = Field(1.0, ge=0, le=1)


class RequestLimits(_Frozen):
    """Per-minute limits of one scope (an API key or an org); None means no limit."""

    requests_per_minute: int | None = Field(None, ge=1)
    tokens_per_minute: int | None = Field(None, ge=1)


class ProxyRateLimitsConfig(_Frozen):
    """Rate limits of proxied requests (GCRA over a one-minute window); off by default. A key's
    own limits (``requestsPerMinute``, ``tokensPerMinute`` in the admin API) override
    ``per_key``."""

    per_key: RequestLimits = RequestLimits()
    per_org: RequestLimits = RequestLimits()
    on_unavailable: Literal["block", "allow"] = "block"  # Redis down: 503, or let requests pass


class RoutingConfig(_Frozen):
    """Retries, fallbacks and circuit breakers of upstream calls."""

    max_retries: int = Field(2, ge=0, le=10)
    backoff_initial_seconds: PositiveFloat = 0.25
    backoff_max_seconds: PositiveFloat = 8.0
    retry_after_max_seconds: float = Field(10.0, ge=0)
    request_timeout_seconds: PositiveFloat = 600.0
    breaker_failure_threshold: int = Field(5, ge=1)
    breaker_reset_seconds: PositiveFloat = 30.0  # the longest an open breaker waits for a trial
    breaker_initial_reset_seconds: PositiveFloat = 1.0  # the first wait, doubled per failed trial
    provider_model_names: bool = True


class Settings(_Frozen):
    server: ServerConfig = ServerConfig()
    database: DatabaseConfig = DatabaseConfig()
    redis: RedisConfig = RedisConfig()
    writer: WriterConfig = WriterConfig()
    records: RecordsConfig = RecordsConfig()
    auth: AuthConfig = AuthConfig()
    admin: AdminConfig = AdminConfig()
    routing: RoutingConfig = RoutingConfig()
    pricing: PricingConfig = PricingConfig()
    budgets: BudgetsConfig = BudgetsConfig()
    rate_limits: ProxyRateLimitsConfig = ProxyRateLimitsConfig()
    response_cache: ResponseCacheConfig = ResponseCacheConfig()
    tracing: TracingConfig = TracingConfig()
    live: LiveConfig = LiveConfig()
    metrics: MetricsConfig = MetricsConfig()
    health: HealthConfig = HealthConfig()
    pii: PiiConfig = PiiConfig()
    providers: tuple[ProviderConfig, ...] = ()
    models: tuple[ModelConfig, ...] = ()
    bootstrap_key: str | None = Field(None, repr=False)
    source: str | None = None

    @model_validator(mode="after")
    def _check_references(self) -> Settings:
        names = [p.name for p in self.providers]
        duplicates = {n for n in names if names.count(n) > 1}
        if duplicates:
            raise ValueError(f"duplicate provider names: {sorted(duplicates)}")
        model_names = [m.name for m in self.models]
        duplicates = {n for n in model_names if model_names.count(n) > 1}
        if duplicates:
            raise ValueError(f"duplicate model names: {sorted(duplicates)}")
        for model in self.models:
            for deployment in model.served_by():
                if deployment.provider not in names:
                    raise ValueError(
                        f"model {model.name!r} names provider {deployment.provider!r}, "
                        f"which is not configured (configured: {names})"
                    )
            for fallback in model.fallbacks:
                if fallback not in model_names or fallback == model.name:
                    raise ValueError(
                        f"model {model.name!r} falls back to {fallback!r}, which is not "
                        "another configured model"
                    )
        if self.response_cache.backend == "redis" and not self.redis.url:
            raise ValueError("response_cache.backend: redis needs redis.url")
        return self


ECHO_PROVIDER = {"name": "echo", "kind": "echo"}
ECHO_MODEL = {
    "name": "echo",
    "provider": "echo",
    "upstream_model": "echo",
    "input_cost_per_mtok": "0",
    "output_cost_per_mtok": "0",
}


def substitute_env(value: Any, environ: Mapping[str, str], path: str = "") -> Any:
    """Replace ``${VAR}`` / ``${VAR:-default}`` in every string of a parsed YAML tree."""
    if isinstance(value, str):

        def replace(match: re.Match[str]) -> str:
            name, default = match.group(1), match.group(2)
            if name in environ:
                return environ[name]
            if default is not None:
                return default
            where = f" (at {path})" if path else ""
            raise ConfigError(f"environment variable {name} is not set{where}")

        return _ENV_REFERENCE.sub(replace, value)
    if isinstance(value, dict):
        return {
            k: substitute_env(v, environ, f"{path}.{k}" if path else str(k))
            for k, v in value.items()
        }
    if isinstance(value, list):
        return [substitute_env(v, environ, f"{path}[{i}]") for i, v in enumerate(value)]
    return value


_OTLP_TRACES_PATH = "/v1/traces"


def tracing_from_environ(environ: Mapping[str, str]) -> dict[str, Any]:
    """``TracingConfig`` fields from the OpenTelemetry SDK's standard variables: the
    ``OTEL_EXPORTER_OTLP_*`` endpoint, protocol, headers and timeout (the ``_TRACES_`` ones
    first), ``OTEL_SERVICE_NAME``, ``OTEL_RESOURCE_ATTRIBUTES``, ``OTEL_TRACES_SAMPLER`` and
    its ``_ARG``, ``OTEL_TRACES_EXPORTER`` and ``OTEL_SDK_DISABLED``."""

    def get(*names: str) -> str | None:
        return next((environ[n].strip() for n in names if environ.get(n, "").strip()), None)

    exporter = (get("OTEL_TRACES_EXPORTER") or "").lower()
    traces_url = get("OTEL_EXPORTER_OTLP_TRACES_ENDPOINT")
    base_url = get("OTEL_EXPORTER_OTLP_ENDPOINT")
    disabled = (get("OTEL_SDK_DISABLED") or "").lower() == "true"
    if disabled or exporter == "none" or not (exporter or traces_url or base_url):
        return {"enabled": False}
    if exporter not in ("", "otlp"):
        raise ConfigError(
            f"OTEL_TRACES_EXPORTER={exporter}: the gateway exports traces with otlp (or none)"
        )
    protocol = get("OTEL_EXPORTER_OTLP_TRACES_PROTOCOL", "OTEL_EXPORTER_OTLP_PROTOCOL")
    protocol = (protocol or "http/protobuf").lower()
    if protocol not in OTLP_PROTOCOLS:
        raise ConfigError(
            f"OTEL_EXPORTER_OTLP_PROTOCOL={protocol}: the gateway sends OTLP over "
            "http/protobuf (a collector's port 4318) or grpc (port 4317); http/json is not shipped"
        )
    if protocol == "grpc" and importlib.util.find_spec(_OTLP_GRPC_EXPORTER) is None:
        raise ConfigError(
            "OTEL_EXPORTER_OTLP_PROTOCOL=grpc needs the gRPC exporter: "
            "pip install 'governs-gateway[otlp-grpc]'"
        )
    config: dict[str, Any] = {"enabled": True, "protocol": protocol}
    if traces_url:
        config["endpoint"] = traces_url
    elif base_url and protocol == "grpc":
        config["endpoint"] = base_url  # gRPC names the service, not a path: used as it is
    elif base_url:
        config["endpoint"] = base_url.rstrip("/") + _OTLP_TRACES_PATH
    elif protocol == "grpc":
        config["endpoint"] = _OTLP_GRPC_DEFAULT_ENDPOINT
    headers = get("OTEL_EXPORTER_OTLP_TRACES_HEADERS", "OTEL_EXPORTER_OTLP_HEADERS")
    if headers:
        config["headers"] = _key_values("OTEL_EXPORTER_OTLP_HEADERS", headers)
    timeout = get("OTEL_EXPORTER_OTLP_TRACES_TIMEOUT", "OTEL_EXPORTER_OTLP_TIMEOUT")
    if timeout:
        config["timeout_seconds"] = _number("OTEL_EXPORTER_OTLP_TIMEOUT", timeout) / 1000
    resource = get("OTEL_RESOURCE_ATTRIBUTES")
    attributes = _key_values("OTEL_RESOURCE_ATTRIBUTES", resource) if resource else {}
    config["resource_attributes"] = attributes
    service = get("OTEL_SERVICE_NAME") or attributes.get("service.name")
    if service:
        config["service_name"] = service
    sampler = get("OTEL_TRACES_SAMPLER")
    if sampler:
        config["sampler"] = sampler.lower()
    ratio = get("OTEL_TRACES_SAMPLER_ARG")
    if ratio and (sampler or "").lower().endswith("traceidratio"):
        config["sampler_ratio"] = _number("OTEL_TRACES_SAMPLER_ARG", ratio)
    return config


def _key_values(name: str, text: str) -> dict[str, str]:
    """``k1=v1,k2=v2`` with URL-encoded values, as the OpenTelemetry spec writes them."""
    pairs: dict[str, str] = {}
    for item in text.split(","):
        key, separator, value = item.partition("=")
        if not separator or not key.strip():
            raise ConfigError(f"{name}: {item.strip()!r} is not key=value")
        pairs[unquote(key.strip())] = unquote(value.strip())
    return pairs


def _number(name: str, text: str) -> float:
    try:
        return float(text)
    except ValueError:
        raise ConfigError(f"{name}={text} is not a number") from None


def _format_validation_error(error: ValidationError, source: str) -> str:
    lines = [f"invalid configuration in {source}:"]
    for item in error.errors():
        location = ".".join(str(part) for part in item["loc"]) or "(top level)"
        lines.append(f"  {location}: {item['msg']}")
    return "\n".join(lines)


def settings_from_mapping(
    raw: Mapping[str, Any] | None,
    *,
    environ: Mapping[str, str] | None = None,
    source: str = "<defaults>",
) -> Settings:
    environ = os.environ if environ is None else environ
    data = dict(substitute_env(dict(raw or {}), environ))
    if not data.get("providers") and not data.get("models"):
        # No provider configured: the built-in offline echo model answers at once.
        data["providers"] = [ECHO_PROVIDER]
        data["models"] = [ECHO_MODEL]
    if environ.get(BOOTSTRAP_KEY_ENV_VAR):
        data["bootstrap_key"] = environ[BOOTSTRAP_KEY_ENV_VAR]
    if "tracing" in data:
        raise ConfigError(
            f"invalid configuration in {source}: tracing is set by the OTEL_* environment "
            "variables, not in the config file"
        )
    data["tracing"] = tracing_from_environ(environ)
    data["source"] = source
    try:
        return Settings.model_validate(data)
    except ValidationError as error:
        raise ConfigError(_format_validation_error(error, source)) from None


def load_settings(
    path: str | os.PathLike[str] | None = None, *, environ: Mapping[str, str] | None = None
) -> Settings:
    """Load the YAML file at ``path`` (or ``$GOVERNS_CONFIG``); no file means the defaults."""
    environ = os.environ if environ is None else environ
    if path is None:
        path = environ.get(CONFIG_ENV_VAR) or None
    if path is None:
        return settings_from_mapping(None, environ=environ)
    file = Path(path)
    try:
        text = file.read_text(encoding="utf-8")
    except OSError as error:
        raise ConfigError(f"cannot read config file {file}: {error.strerror}") from None
    try:
        raw = yaml.safe_load(text)
    except yaml.YAMLError as error:
        raise ConfigError(f"config file {file} is not valid YAML: {error}") from None
    if raw is not None and not isinstance(raw, dict):
        raise ConfigError(f"config file {file} must hold a mapping at the top level")
    return settings_from_mapping(raw, environ=environ, source=str(file))
