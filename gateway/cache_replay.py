"""The response cache on the request path: answer from an entry, or record the upstream's.

The pipeline opens its upstream call through ``CachePlan.open``: on a hit it gets an
``UpstreamCall`` whose response replays the stored bytes (no attempt is made), on a miss the
real call, its response recorded as it is read. Everything after (parsing, the output policy,
the client's API, billing) runs as for any answer; ``keep`` stores a complete one.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Mapping
from types import TracebackType
from typing import Any

from aiohttp import web

from gateway.attempts import AttemptLog, UpstreamCall, open_upstream
from gateway.forwarder import UpstreamResponse
from gateway.response_cache import (
    CACHE_HEADER,
    HIT,
    MISS,
    CachedAnswer,
    CacheLookup,
    ResponseCache,
)
from gateway.routing import Route, Router

RESPONSE_CACHE = web.AppKey("response_cache", ResponseCache)
CACHE_HIT_TAG = "cache:hit"


class _ReplayedResponse:
    """A stored answer, served through the ``UpstreamResponse`` contract."""

    status = 200
    headers: Mapping[str, str] = {}

    def __init__(self, pieces: tuple[bytes, ...]) -> None:
        self._pieces = pieces

    async def read(self) -> bytes:
        return b"".join(self._pieces)

    async def chunks(self) -> AsyncIterator[bytes]:
        for piece in self._pieces:
            yield piece

    def release(self) -> None:
        return None


class _RecordedResponse:
    """The upstream's response, its bytes kept as they are read."""

    def __init__(self, response: UpstreamResponse) -> None:
        self._response = response
        self.status = response.status
        self.headers = response.headers
        self.pieces: list[bytes] = []

    async def read(self) -> bytes:
        body = await self._response.read()
        self.pieces.append(body)
        return body

    async def chunks(self) -> AsyncIterator[bytes]:
        async for piece in self._response.chunks():
            self.pieces.append(piece)
            yield piece

    def release(self) -> None:
        self._response.release()


class CachePlan:
    """What the cache does for one request that asked for it: a hit, or a miss to store."""

    __slots__ = ("_cache", "_hit", "_lookup", "_recorded", "_route", "_stream")

    def __init__(
        self,
        cache: ResponseCache,
        lookup: CacheLookup,
        hit: tuple[CachedAnswer, Route] | None,
        stream: bool,
    ) -> None:
        self._cache = cache
        self._lookup = lookup
        self._hit = hit
        self._stream = stream
        self._recorded: _RecordedResponse | None = None
        self._route: Route | None = None

    @property
    def hit(self) -> bool:
        return self._hit is not None

    def headers(self) -> dict[str, str]:
        return {CACHE_HEADER: HIT if self._hit is not None else MISS}

    def open(self, upstream: open_upstream, attempts: AttemptLog) -> _OpenAnswer:
        return _OpenAnswer(self, upstream, attempts)

    def keep(self) -> None:
        """The answer arrived whole: store it (a miss only)."""
        recorded, route = self._recorded, self._route
        if recorded is None or route is None:
            return
        answer = CachedAnswer(tuple(recorded.pieces), self._stream, route.label)
        self._cache.put_nowait(self._lookup, answer)


class _OpenAnswer:
    __slots__ = ("_attempts", "_plan", "_upstream")

    def __init__(self, plan: CachePlan, upstream: open_upstream, attempts: AttemptLog) -> None:
        self._plan = plan
        self._upstream = upstream
        self._attempts = attempts

    async def __aenter__(self) -> UpstreamCall:
        plan = self._plan
        if plan._hit is not None:
            answer, route = plan._hit
            self._attempts.route = route
            self._attempts.tags.append(CACHE_HIT_TAG)
            return UpstreamCall(route, _ReplayedResponse(answer.pieces))
        call = await self._upstream.__aenter__()
        plan._recorded = _RecordedResponse(call.response)
        plan._route = call.route
        return UpstreamCall(call.route, plan._recorded)

    async def __aexit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        if self._plan._hit is None:
            await self._upstream.__aexit__(kind, error, traceback)


async def plan_cache(
    cache: ResponseCache,
    router: Router,
    *,
    org_id: str,
    api: str,
    model: str,
    body: dict[str, Any],
    stream: bool,
    asked_ttl: int | None,
    key_ttl: int | None,
    deterministic: bool = False,
) -> CachePlan | None:
    """Look the request up; ``body`` is what would go upstream (after the PII policy). None:
    the request does not use the cache (most do not: nothing more is done for them).
    ``deterministic``: the key's TTL applies whatever the body says (embeddings)."""
    lookup = cache.lookup_for(
        org_id=org_id,
        api=api,
        model=model,
        body=body,
        asked_ttl=asked_ttl,
        key_ttl=key_ttl,
        deterministic=deterministic,
    )
    if lookup is None:
        return None
    hit: tuple[CachedAnswer, Route] | None = None
    answer = await cache.get(lookup)
    if answer is not None and answer.stream == stream:
        route = _route_of(router, model, answer.route)
        if route is not None:
            hit = (answer, route)
    return CachePlan(cache, lookup, hit, stream)


def _route_of(router: Router, model: str, label: str) -> Route | None:
    """The deployment that gave a stored answer, if it still serves ``model`` (config may have
    changed since: then the entry is a miss)."""
    for routes in router.chain(model):
        for route in routes.routes:
            if route.label == label:
                return route
    return None
