"""Shared fixtures: the NER model is loaded once per session, with the network blocked."""

from __future__ import annotations

import contextlib
import socket
from collections.abc import Iterator
from typing import Any

import pytest


class NetworkBlockedError(RuntimeError):
    pass


def _refuse(*args: Any, **kwargs: Any) -> None:
    raise NetworkBlockedError("a detector tried to reach the network")


@contextlib.contextmanager
def network_blocked() -> Iterator[None]:
    """Any socket connection attempt raises while this is active."""
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(socket.socket, "connect", _refuse)
        patch.setattr(socket.socket, "connect_ex", _refuse)
        patch.setattr(socket, "create_connection", _refuse)
        yield


@pytest.fixture
def no_network() -> Iterator[None]:
    # Function-scoped: the rest of the session (servers on loopback) needs sockets.
    with network_blocked():
        yield


@pytest.fixture(scope="session")
def analyzer() -> Any:
    """presidio's analyzer with the model, loaded once; a download attempt would raise."""
    from detectors.ner import build_analyzer

    with network_blocked():
        return build_analyzer()


@pytest.fixture(scope="session")
def ner_detector(analyzer: Any) -> Any:
    from detectors.ner import NerDetector

    return NerDetector(analyzer)
