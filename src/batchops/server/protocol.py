"""uvicorn's HTTP/1.1 protocol (httptools, the C parser) with Nagle's algorithm off.

With `--workers` above 1, uvicorn binds its listening socket without naming TCP, so asyncio
does not set TCP_NODELAY on the accepted connections and each small response waits ~40 ms for
the client's delayed ACK. Setting it here gives every worker count the same latency.
httptools rather than h11: parsing and writing a request cost about half as much CPU, which
is what a loaded two-core server runs out of first.
"""

from __future__ import annotations

import asyncio
import socket

from uvicorn.protocols.http.httptools_impl import HttpToolsProtocol


class NoDelayHttpToolsProtocol(HttpToolsProtocol):
    def connection_made(self, transport: asyncio.Transport) -> None:  # type: ignore[override]
        connection = transport.get_extra_info("socket")
        if connection is not None and connection.family in (socket.AF_INET, socket.AF_INET6):
            connection.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        super().connection_made(transport)
