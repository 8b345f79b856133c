"""At most one scheduler acts at a time: a lease row in the metadata database.

Taking or renewing it is one transaction that reads the row locked (SELECT … FOR UPDATE on
PostgreSQL; SQLite's BEGIN IMMEDIATE serialises writers already) and writes it only when it
is free, expired or already ours. A holder renews it in a background thread every third of
its duration; a holder that dies lets it expire, and the next scheduler takes over. The lease
uses the wall clock, never the injected one: it is about processes that run now.
"""

from __future__ import annotations

import os
import socket
import threading
import uuid
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy.exc import IntegrityError

from batchops.store.db import session_scope
from batchops.store.schema import utcnow
from batchops.store.schema.automation import LeaseRow

LEASE_NAME = "scheduler"


def new_holder() -> str:
    return f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:6]}"


def try_take(holder: str, seconds: float, name: str = LEASE_NAME) -> bool:
    """Take or renew the lease for `seconds`; False when another holder's has not expired."""
    now = utcnow()
    try:
        with session_scope() as session:
            row = session.get(LeaseRow, name, with_for_update=True)
            if row is None:
                session.add(
                    LeaseRow(
                        name=name,
                        holder=holder,
                        expires_at=now + timedelta(seconds=seconds),
                        acquired_at=now,
                    )
                )
                return True
            if row.holder != holder and row.expires_at > now:
                return False
            if row.holder != holder:
                row.acquired_at = now
            row.holder = holder
            row.expires_at = now + timedelta(seconds=seconds)
            return True
    except IntegrityError:  # another scheduler inserted the first row at the same moment
        return False


def release(holder: str, name: str = LEASE_NAME) -> None:
    with session_scope() as session:
        row = session.get(LeaseRow, name, with_for_update=True)
        if row is not None and row.holder == holder:
            session.delete(row)


def current(name: str = LEASE_NAME) -> dict[str, Any] | None:
    with session_scope() as session:
        row = session.get(LeaseRow, name)
        if row is None:
            return None
        return {
            "holder": row.holder,
            "expires_at": row.expires_at.isoformat(),
            "acquired_at": row.acquired_at.isoformat(),
        }


class Lease:
    """A held lease kept alive by a thread; `lost` is set when a renewal failed."""

    def __init__(self, seconds: float, holder: str | None = None) -> None:
        self.holder = holder or new_holder()
        self.seconds = seconds
        self.lost = threading.Event()
        self._done = threading.Event()
        self._thread: threading.Thread | None = None
        self.since: datetime | None = None

    def acquire(self) -> bool:
        if not try_take(self.holder, self.seconds):
            return False
        self.lost.clear()
        self.since = utcnow()
        if self._thread is None or not self._thread.is_alive():
            self._done.clear()
            self._thread = threading.Thread(target=self._renew, daemon=True, name="lease")
            self._thread.start()
        return True

    @property
    def held(self) -> bool:
        return self._thread is not None and self._thread.is_alive() and not self.lost.is_set()

    def _renew(self) -> None:
        while not self._done.wait(self.seconds / 3):
            try:
                if not try_take(self.holder, self.seconds):
                    self.lost.set()
                    return
            except Exception:  # the database is briefly unreachable: try again
                continue

    def release(self) -> None:
        self._done.set()
        if self._thread is not None:
            self._thread.join()
        self._thread = None
        release(self.holder)
