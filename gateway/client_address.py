"""The client's address, believed from ``X-Forwarded-For`` / ``Forwarded`` only behind a
trusted proxy.

With ``server.trusted_proxies`` empty (the default) the client is the TCP peer, whatever a
request's headers claim. When the peer is in a trusted CIDR, the forwarding headers are read
right to left (each proxy appends the address it saw) and the first address that is not a
trusted proxy is the client: the rightmost untrusted hop. Everything to its left was written by
the client itself and proves nothing. ``Forwarded`` (RFC 7239) is read when present, else
``X-Forwarded-For``.

Worked out at most once per request, and only when something asks (login and sign-up rate
limits, audit rows, the access log): the proxy's hot path pays nothing for it.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Sequence

from aiohttp import web

from core.settings import ServerConfig

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address
IPNetwork = ipaddress.IPv4Network | ipaddress.IPv6Network
CLIENT_ADDRESS = web.RequestKey("client_address", str)
MAX_HOPS = 32  # a longer chain is read only this far from the right


def _address(text: str) -> IPAddress | None:
    text = text.strip().strip('"')
    if text.startswith("["):  # [v6]:port, as Forwarded writes IPv6
        text = text[1 : text.find("]")] if "]" in text else text[1:]
    elif text.count(":") == 1:  # v4:port
        text = text.split(":", 1)[0]
    try:
        address = ipaddress.ip_address(text)
    except ValueError:
        return None
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
        return address.ipv4_mapped
    return address


def _forwarded_for(header: str) -> list[str]:
    """The ``for=`` values of a ``Forwarded`` header, in order."""
    hops = []
    for element in header.split(","):
        for pair in element.split(";"):
            name, _, value = pair.partition("=")
            if name.strip().lower() == "for":
                hops.append(value)
    return hops


class ClientAddresses:
    """Built once from ``server``; ``of(request)`` gives a request's client address."""

    def __init__(self, config: ServerConfig) -> None:
        self._trusted: tuple[IPNetwork, ...] = tuple(config.trusted_proxies)

    def trusts(self, address: IPAddress | None) -> bool:
        return address is not None and any(address in net for net in self._trusted)

    def of(self, request: web.Request) -> str:
        known = request.get(CLIENT_ADDRESS)
        if known is None:
            known = request[CLIENT_ADDRESS] = self._resolve(request)
        return known

    def _resolve(self, request: web.Request) -> str:
        peer = request.remote or "unknown"
        if not self._trusted or not self.trusts(_address(peer)):
            return peer
        forwarded = request.headers.getall("Forwarded", [])
        if forwarded:
            hops = [hop for header in forwarded for hop in _forwarded_for(header)]
        else:
            hops = [
                hop
                for header in request.headers.getall("X-Forwarded-For", [])
                for hop in header.split(",")
            ]
        return self.rightmost_untrusted(hops, peer)

    def rightmost_untrusted(self, hops: Sequence[str], peer: str) -> str:
        client = peer
        for hop in list(reversed(hops))[:MAX_HOPS]:
            address = _address(hop)
            if address is None:
                return client  # garbage (or "unknown"): the last address a trusted hop vouched for
            client = str(address)
            if not self.trusts(address):
                return client
        return client


CLIENT_ADDRESSES = web.AppKey("client_addresses", ClientAddresses)


def client_address(request: web.Request) -> str:
    """The request's client address, as ``server.trusted_proxies`` lets the gateway believe."""
    addresses = request.app.get(CLIENT_ADDRESSES)
    if addresses is None:
        return request.remote or "unknown"
    return addresses.of(request)
