"""Which failures of lower libraries mean "a dependency is away", and the 503 each becomes.

The error middleware is the one boundary that asks: a database or Redis outage that reaches it
(an admin API call, a health figure, anything without its own fallback) is answered 503 in the
client's error shape with ``Retry-After``, never as an unhandled error. Code with a fallback
(keys, budgets, the record writer) handles the outage itself and never gets here.
"""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator

from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import TimeoutError as RedisTimeoutError
from sqlalchemy.exc import DBAPIError, DisconnectionError, InterfaceError, OperationalError
from sqlalchemy.exc import TimeoutError as PoolTimeoutError

from core.errors import ServiceUnavailableError

RETRY_AFTER_SECONDS = 5
_DATABASE = (OperationalError, InterfaceError, DisconnectionError, PoolTimeoutError)
_REDIS = (RedisConnectionError, RedisTimeoutError)
# Raised by asyncpg (optional: SQLite needs it not) for a lost or refused connection.
_DRIVER_CONNECTION_ERRORS = frozenset({"PostgresConnectionError", "ConnectionDoesNotExistError"})


def as_unavailable(error: BaseException) -> ServiceUnavailableError | None:
    """The 503 that ``error`` (or an error it was raised from) stands for, or None when it is
    not an outage of the database or Redis."""
    seen: set[int] = set()
    cause: BaseException | None = error
    while cause is not None and id(cause) not in seen:
        seen.add(id(cause))
        if _is_database(cause):
            return _unavailable("the database", "database_unavailable")
        if isinstance(cause, _REDIS):
            return _unavailable("Redis", "redis_unavailable")
        if isinstance(cause, (ConnectionError, TimeoutError)):
            return _unavailable("a service the gateway needs", "service_unavailable")
        # Only what it was raised *from*: an error raised while handling an outage (a bug in
        # that handler) must still show as the unhandled error it is.
        cause = cause.__cause__
    return None


@contextlib.asynccontextmanager
async def database_work() -> AsyncIterator[None]:
    """Work that talks to the database alone: a lost connection in it (asyncpg raises raw
    ``OSError``s for some) is the database's outage, answered 503 ``database_unavailable``."""
    try:
        yield
    except (OSError, TimeoutError) as error:
        raise _unavailable("the database", "database_unavailable") from error


def _is_database(error: BaseException) -> bool:
    if isinstance(error, _DATABASE):
        return True
    if isinstance(error, DBAPIError) and error.connection_invalidated:
        return True
    return any(kind.__name__ in _DRIVER_CONNECTION_ERRORS for kind in type(error).__mro__)


def _unavailable(what: str, code: str) -> ServiceUnavailableError:
    return ServiceUnavailableError(
        f"{what} is unreachable right now; retry shortly",
        code=code,
        headers={"Retry-After": str(RETRY_AFTER_SECONDS)},
    )
