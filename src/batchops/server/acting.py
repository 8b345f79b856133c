"""Recording who acted: the library reads the acting user from the settings (BATCHOPS_USER),
as the CLI's user; a request acts as its token's user. The background runner a request
starts inherits the environment, so its records name the same user."""

from __future__ import annotations

import os
import threading
from collections.abc import Iterator
from contextlib import contextmanager

_lock = threading.Lock()


@contextmanager
def acting_as(user: str) -> Iterator[None]:
    """Run the block with BATCHOPS_USER set to `user`; requests that do so take turns."""
    with _lock:
        before = os.environ.get("BATCHOPS_USER")
        os.environ["BATCHOPS_USER"] = user
        try:
            yield
        finally:
            if before is None:
                os.environ.pop("BATCHOPS_USER", None)
            else:
                os.environ["BATCHOPS_USER"] = before
