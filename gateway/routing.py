"""Model routing: a requested model name to the ordered candidates that may serve it.

Built once at start-up from config. A model is served by one or more weighted deployments
(provider + upstream model) and may name fallback models. ``provider/model`` names reach a
configured provider directly. Resolving a request's model is a dict lookup; choosing among
deployments is a weighted draw over those whose circuit breaker lets traffic through.
"""

from __future__ import annotations

import random
import time
from collections.abc import Iterator, Mapping
from dataclasses import dataclass

import orjson

from core.errors import NotFoundError
from core.settings import ModelConfig, ProviderConfig, Settings
from gateway.breaker import CircuitBreaker
from gateway.forwarder import Transport
from providers.base import ProviderAdapter, SpeaksResponses
from providers.embeddings import EmbeddingsAdapter, embeddings_adapter_for

MEMO_SIZE = 1024  # memos keyed by model names that clients send stay this small


@dataclass(frozen=True, slots=True, eq=False)  # compared and hashed by identity
class Route:
    """One deployment: where an attempt goes and how it is priced."""

    model: ModelConfig  # the model as served here (prices of this deployment)
    provider: ProviderConfig
    adapter: ProviderAdapter
    transport: Transport
    weight: float
    breaker: CircuitBreaker
    embeddings: EmbeddingsAdapter | None = None  # None: the provider has no embeddings

    @property
    def upstream_model(self) -> str:
        return self.model.upstream_name

    @property
    def label(self) -> str:
        return f"{self.provider.name}/{self.upstream_model}"

    @property
    def native_responses(self) -> SpeaksResponses | None:
        """The adapter, when this deployment is sent ``/v1/responses`` requests as they came
        (its provider speaks the Responses API and its config leaves it on)."""
        adapter = self.adapter
        if self.provider.speaks_responses and isinstance(adapter, SpeaksResponses):
            return adapter
        return None


@dataclass(frozen=True, slots=True)
class ModelRoutes:
    name: str
    routes: tuple[Route, ...]
    fallbacks: tuple[str, ...]
    timeout_seconds: float | None

    def pick(self, tried: set[Route]) -> Route | None:
        """A weighted draw among deployments not tried yet whose breaker allows a call;
        failing that, among tried ones (a retry); None when every breaker is open."""
        for pool in (
            [r for r in self.routes if r not in tried],
            [r for r in self.routes if r in tried],
        ):
            candidates = [r for r in pool if r.breaker.state != "open"]
            while candidates:
                if len(candidates) == 1:
                    route = candidates[0]
                else:
                    route = random.choices(candidates, [r.weight for r in candidates])[0]
                if route.breaker.allow():
                    return route
                candidates.remove(route)
        return None


class Router:
    def __init__(
        self,
        settings: Settings,
        adapters: Mapping[str, ProviderAdapter],
        transports: Mapping[str, Transport],
    ) -> None:
        self._settings = settings
        self._providers = {p.name: p for p in settings.providers}
        self._adapters = adapters
        self._embeddings = {p.name: embeddings_adapter_for(p) for p in settings.providers}
        self._transports = transports
        self._models: dict[str, ModelRoutes] = {
            m.name: ModelRoutes(
                name=m.name,
                routes=tuple(self._route(m.priced_for(d), d.weight) for d in m.served_by()),
                fallbacks=m.fallbacks,
                timeout_seconds=m.timeout_seconds,
            )
            for m in settings.models
        }
        self._direct: dict[str, ModelRoutes] = {}
        self._candidates: dict[str, tuple[ModelConfig, ...]] = {}
        self._speaks_responses: dict[str, bool] = {}
        created = int(time.time())
        self._model_entries = [
            {
                "id": m.name,
                "object": "model",
                "created": created,
                "owned_by": m.provider or "governs",
            }
            for m in settings.models
        ]
        # GET /v1/models is answered from these bytes, made once (per set of allowed models).
        self.models_body = orjson.dumps({"object": "list", "data": self._model_entries})
        self._models_bodies: dict[frozenset[str], bytes] = {}
        # GET /v1/models/{id}: each configured model's bytes, made once.
        self._model_bodies = {e["id"]: orjson.dumps(e) for e in self._model_entries}
        self._created = created

    def models_body_for(self, allowed: frozenset[str] | None) -> bytes:
        """``GET /v1/models`` for a key that may use ``allowed`` (None: every model)."""
        if allowed is None:
            return self.models_body
        body = self._models_bodies.get(allowed)
        if body is None:
            entries = [e for e in self._model_entries if e["id"] in allowed]
            body = orjson.dumps({"object": "list", "data": entries})
            if len(self._models_bodies) < MEMO_SIZE:
                self._models_bodies[allowed] = body
        return body

    def model_body_for(self, name: str, allowed: frozenset[str] | None) -> bytes:
        """``GET /v1/models/{name}`` for a key that may use ``allowed`` (None: every model).

        A ``provider/model`` name is described when routing would serve it. A model the key
        may not use is a 404, as OpenAI answers for models an account cannot see.
        """
        if allowed is None or name in allowed:
            body = self._model_bodies.get(name)
            if body is not None:
                return body
            model = self.resolve(name)  # 404 model_not_found for an unknown name
            return orjson.dumps(
                {
                    "id": name,
                    "object": "model",
                    "created": self._created,
                    "owned_by": model.routes[0].provider.name,
                }
            )
        raise _model_not_found(name)

    def model_names(self) -> tuple[str, ...]:
        """Every configured model's name (what an allowed-models list may name)."""
        return tuple(self._models)

    def _route(self, model: ModelConfig, weight: float) -> Route:
        assert model.provider is not None
        routing = self._settings.routing
        return Route(
            model=model,
            provider=self._providers[model.provider],
            adapter=self._adapters[model.provider],
            transport=self._transports[model.provider],
            weight=weight,
            breaker=CircuitBreaker(
                routing.breaker_failure_threshold,
                routing.breaker_reset_seconds,
                routing.breaker_initial_reset_seconds,
            ),
            embeddings=self._embeddings[model.provider],
        )

    def resolve(self, name: str) -> ModelRoutes:
        model = self._models.get(name) or self._direct.get(name)
        if model is not None:
            return model
        provider_name, _, upstream = name.partition("/")
        if (
            self._settings.routing.provider_model_names
            and upstream
            and provider_name in self._providers
        ):
            # `provider/model`: priced like a configured model of the same upstream name.
            priced = next(
                (m for m in self._settings.models if m.upstream_name == upstream),
                None,
            )
            config = ModelConfig(
                name=name,
                provider=provider_name,
                upstream_model=upstream,
                input_cost_per_mtok=priced.input_cost_per_mtok if priced else None,
                output_cost_per_mtok=priced.output_cost_per_mtok if priced else None,
                cached_input_cost_per_mtok=priced.cached_input_cost_per_mtok if priced else None,
                tokenizer=priced.tokenizer if priced else None,
            )
            model = ModelRoutes(name, (self._route(config, 1.0),), (), None)
            if len(self._direct) < MEMO_SIZE:  # names come from clients: keep the memo bounded
                self._direct[name] = model
            return model
        raise _model_not_found(name)

    def candidate_models(self, name: str) -> tuple[ModelConfig, ...]:
        """Every deployment that may serve a request for ``name``, fallbacks included, each as
        ``Route.model`` (what budgets reserve for: the dearest of them). Worked out once per
        name: routes do not change while the gateway runs."""
        candidates = self._candidates.get(name)
        if candidates is None:
            candidates = tuple(route.model for model in self.chain(name) for route in model.routes)
            if len(self._candidates) < MEMO_SIZE:
                self._candidates[name] = candidates
        return candidates

    def speaks_responses(self, name: str) -> bool:
        """Whether a Responses request for ``name`` is sent as it came: every deployment that
        may serve it, fallbacks included, speaks the Responses API (``Route.native_responses``);
        one that does not makes the whole request go through the chat translation, so the
        policy applies to one request shape. Worked out once per name."""
        speaks = self._speaks_responses.get(name)
        if speaks is None:
            speaks = all(
                route.native_responses is not None
                for model in self.chain(name)
                for route in model.routes
            )
            if len(self._speaks_responses) < MEMO_SIZE:
                self._speaks_responses[name] = speaks
        return speaks

    def chain(self, name: str) -> Iterator[ModelRoutes]:
        """The requested model, then its fallbacks in order (each once)."""
        first = self.resolve(name)
        yield first
        seen = {first.name}
        for fallback in first.fallbacks:
            if fallback not in seen:
                seen.add(fallback)
                yield self.resolve(fallback)


def _model_not_found(name: str) -> NotFoundError:
    return NotFoundError(
        f"The model `{name}` does not exist or you do not have access to it.",
        code="model_not_found",
        param="model",
    )
