"""The hub: which connection listens on which channel, and the fan-out of each decision.

Every ``decisions`` row handed to the writer reaches ``LiveHub.on_record`` (a writer listener)
as it is submitted: the hub serializes it once, pushes it to this instance's subscribers and
hands it to ``publish`` (the Redis relay, when Redis is configured) for the other instances,
whose hubs take it in through ``receive``. Each decision id is delivered once per instance:
the relay skips this instance's own messages, and a short memory of recent ids drops repeats
(an ingested message sent twice, or seen both locally and through Redis).
"""

from __future__ import annotations

import logging
from collections import OrderedDict
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any, Protocol

import orjson

from gateway.live.wire import channels_of, decision_message, decision_to_api

log = logging.getLogger(__name__)

RECENT_IDS = 50_000


class RecentIds:
    """The last ``size`` ids seen: ``add`` says whether an id is new."""

    def __init__(self, size: int = RECENT_IDS) -> None:
        self._size = size
        self._ids: OrderedDict[str, None] = OrderedDict()

    def add(self, item: str) -> bool:
        if item in self._ids:
            return False
        self._ids[item] = None
        if len(self._ids) > self._size:
            self._ids.popitem(last=False)
        return True


class Subscriber(Protocol):
    def push(self, text: str) -> None:
        """Queue one message for the client; never blocks, never raises (a client that falls
        too far behind is closed by its own connection)."""
        ...


@dataclass(frozen=True, slots=True)
class DecisionEvent:
    """One decision on its way to subscribers: the ids that pick its channels and the decision
    already serialized as JSON."""

    id: str
    org_id: str
    user_id: str | None
    api_key_id: str | None
    data_json: str


class LiveHub:
    def __init__(
        self, serialize: Callable[[Mapping[str, Any]], dict[str, Any]] = decision_to_api
    ) -> None:
        self._serialize = serialize
        self._channels: dict[str, dict[Subscriber, str]] = {}  # canonical -> {sub: its name}
        self._recent = RecentIds()
        self.publish: Callable[[DecisionEvent], None] | None = None
        self.delivered = 0

    # -- subscriptions ---------------------------------------------------------------------

    def subscribe(self, subscriber: Subscriber, canonical: str, name: str) -> None:
        """Push decisions of ``canonical`` to ``subscriber``, naming the channel ``name``."""
        self._channels.setdefault(canonical, {})[subscriber] = name

    def unsubscribe(self, subscriber: Subscriber, canonical: str) -> None:
        listeners = self._channels.get(canonical)
        if listeners is not None:
            listeners.pop(subscriber, None)
            if not listeners:
                del self._channels[canonical]

    @property
    def subscriptions(self) -> int:
        return sum(len(listeners) for listeners in self._channels.values())

    # -- decisions -------------------------------------------------------------------------

    def on_record(self, table: str, row: dict[str, Any]) -> None:
        """The writer listener: runs inside ``RecordWriter.submit``, so it never raises."""
        if table != "decisions":
            return
        if not self._channels and self.publish is None:
            return  # nobody listens, here or on another instance: not even an id to remember
        try:
            if not self._recent.add(row["id"]):
                return
            event = DecisionEvent(
                id=row["id"],
                org_id=row["org_id"],
                user_id=row.get("user_id"),
                api_key_id=row.get("api_key_id"),
                data_json=orjson.dumps(self._serialize(row), default=str).decode(),
            )
            self._fan_out(event)
            if self.publish is not None:
                self.publish(event)
        except Exception as error:  # the live feed must never fail a request
            log.warning("live feed skipped a decision: %s", type(error).__name__)

    def receive(self, event: DecisionEvent) -> None:
        """A decision another instance made."""
        if self._recent.add(event.id):
            self._fan_out(event)

    def _fan_out(self, event: DecisionEvent) -> None:
        for canonical in channels_of(event.org_id, event.user_id, event.api_key_id):
            for subscriber, name in list(self._channels.get(canonical, {}).items()):
                subscriber.push(decision_message(name, event.data_json))
                self.delivered += 1
