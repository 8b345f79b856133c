"""Verified bearer tokens remembered for a moment, so a burst of API calls does not read the
tokens table once per request.

An entry lives `TTL_SECONDS` (and never past the token's own expiry): a token revoked by
process (`batchops token revoke`, the only way to revoke) stops working within that window.
Keyed by the token's digest, never the token; bounded, the oldest entry leaves first.
"""

from __future__ import annotations

import threading
import time
from collections import OrderedDict

from batchops.store.tokens import TokenInfo, authenticate, digest

TTL_SECONDS = 1.0
MAX_ENTRIES = 1024

_entries: OrderedDict[str, tuple[float, TokenInfo]] = OrderedDict()
_lock = threading.Lock()


def recall(token: str) -> TokenInfo | None:
    """The token's holder if it was verified within the last `TTL_SECONDS`, else None (then
    ask `verify`); cheap enough for the event loop."""
    key = digest(token)
    with _lock:
        found = _entries.get(key)
        if found is None:
            return None
        until, info = found
        if until > time.monotonic() and not info.expired():
            return info
        del _entries[key]
        return None


def verify(token: str) -> TokenInfo | None:
    """`authenticate`, remembering a valid token; unknown tokens are never remembered."""
    if not token or len(token) > 512:
        return None
    key = digest(token)
    now = time.monotonic()
    info = authenticate(token)
    if info is not None:
        with _lock:
            _entries[key] = (now + TTL_SECONDS, info)
            while len(_entries) > MAX_ENTRIES:
                _entries.popitem(last=False)
    return info
