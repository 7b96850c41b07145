"""Model routing: a public model name to the provider, adapter and transport that serve it.

Built once at start-up from config; resolving a request's model is one dict lookup.
"""

from __future__ import annotations

import time
from collections.abc import Mapping
from dataclasses import dataclass

import orjson

from gateway.errors import NotFoundError
from gateway.forwarder import Transport
from gateway.settings import ModelConfig, ProviderConfig, Settings
from providers.base import ProviderAdapter


@dataclass(frozen=True, slots=True)
class Route:
    model: ModelConfig
    provider: ProviderConfig
    adapter: ProviderAdapter
    transport: Transport

    @property
    def upstream_model(self) -> str:
        return self.model.upstream_name


class Router:
    def __init__(
        self,
        settings: Settings,
        adapters: Mapping[str, ProviderAdapter],
        transports: Mapping[str, Transport],
    ) -> None:
        providers = {p.name: p for p in settings.providers}
        self._routes = {
            m.name: Route(m, providers[m.provider], adapters[m.provider], transports[m.provider])
            for m in settings.models
        }
        created = int(time.time())
        # GET /v1/models is answered from these bytes, made once.
        self.models_body = orjson.dumps(
            {
                "object": "list",
                "data": [
                    {"id": m.name, "object": "model", "created": created, "owned_by": m.provider}
                    for m in settings.models
                ],
            }
        )

    def resolve(self, model: str) -> Route:
        route = self._routes.get(model)
        if route is None:
            raise NotFoundError(
                f"The model `{model}` does not exist or you do not have access to it.",
                code="model_not_found",
                param="model",
            )
        return route
