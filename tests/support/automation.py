"""Small stored pipelines and a local HTTP receiver for the automation tests."""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from batchops.pipeline import FunctionStep, ParameterString, Pipeline


def echo(who: str) -> dict[str, str]:
    return {"said": f"hello {who}"}


def fail(who: str) -> dict[str, str]:
    raise RuntimeError(f"cannot greet {who}")


def store_pipeline(name: str = "greet", function: Any = echo) -> str:
    who = ParameterString("Who", "world")
    step = FunctionStep("Say", function=function, inputs={"who": who}, outputs=["said"])
    Pipeline(name, [who], [step]).upsert()
    return name


class Receiver:
    """Records every POST; answers with `status` after `delay` seconds."""

    def __init__(self, status: int = 200, delay: float = 0.0) -> None:
        self.status, self.delay = status, delay
        self.requests: list[dict[str, Any]] = []
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers["Content-Length"]))
                receiver.requests.append(
                    {
                        "headers": dict(self.headers),
                        "body": json.loads(body),
                        "raw": body,
                        "path": self.path,
                    }
                )
                time.sleep(receiver.delay)
                self.send_response(receiver.status)
                self.end_headers()

            def log_message(self, *args: Any) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/hook"


@contextmanager
def receiving(status: int = 200, delay: float = 0.0) -> Iterator[Receiver]:
    receiver = Receiver(status, delay)
    thread = threading.Thread(target=receiver.server.serve_forever, daemon=True)
    thread.start()
    try:
        yield receiver
    finally:
        receiver.server.shutdown()
        receiver.server.server_close()


def unused_port_url() -> str:
    """A loopback URL where nothing listens."""
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    return f"http://127.0.0.1:{port}/down"
