"""uvicorn's HTTP/1.1 protocol with Nagle's algorithm off on every connection.

With `--workers` above 1, uvicorn binds its listening socket without naming TCP, so asyncio
does not set TCP_NODELAY on the accepted connections and each small response waits ~40 ms for
the client's delayed ACK. Setting it here gives every worker count the same latency.
"""

from __future__ import annotations

import asyncio
import socket

from uvicorn.protocols.http.h11_impl import H11Protocol


class NoDelayH11Protocol(H11Protocol):
    def connection_made(self, transport: asyncio.Transport) -> None:  # type: ignore[override]
        connection = transport.get_extra_info("socket")
        if connection is not None and connection.family in (socket.AF_INET, socket.AF_INET6):
            connection.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        super().connection_made(transport)
