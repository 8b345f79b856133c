"""Page sessions and the secrets the servers of one database share.

A session is a random id (in the page's signed cookie) whose digest is kept here with the
token it stands for, so logging out ends it on every server at once and revoking the token
ends it too. The cookies' signing key is kept here as well (unless BATCHOPS_SESSION_SECRET
gives it), so every server of the database accepts a cookie any of them issued.
"""

from __future__ import annotations

import secrets
from datetime import timedelta

from sqlalchemy import delete, select
from sqlalchemy.exc import IntegrityError

from batchops.store.db import session_scope, write_scope
from batchops.store.schema import utcnow
from batchops.store.schema.auth import ServerSecretRow, SessionRow, TokenRow
from batchops.store.tokens import TokenInfo, digest, valid_token


def start_session(token_id: int, seconds: float) -> str:
    """A new session for the token, lasting `seconds`; its id (shown once, kept as a digest).
    Sessions that expired leave as new ones come."""
    session_id = secrets.token_urlsafe(32)
    now = utcnow()
    with write_scope() as session:
        session.execute(delete(SessionRow).where(SessionRow.expires_at <= now))
        session.add(
            SessionRow(
                digest=digest(session_id),
                token_id=token_id,
                created_at=now,
                expires_at=now + timedelta(seconds=seconds),
            )
        )
    return session_id


def session_holder(session_id: str) -> TokenInfo | None:
    """The token a live session stands for; None once it ended, expired or its token did."""
    with session_scope() as session:
        row = session.get(SessionRow, digest(session_id))
        if row is None or row.expires_at <= utcnow():
            return None
        token = session.get(TokenRow, row.token_id)
        return None if token is None else valid_token(token)


def end_session(session_id: str) -> None:
    """Log out: the session stops working on every server (nothing to do if it ended)."""
    with write_scope() as session:
        session.execute(delete(SessionRow).where(SessionRow.digest == digest(session_id)))


def shared_secret(name: str) -> bytes:
    """The 32-byte secret `name` of this database, made by whichever server asks first."""
    with session_scope() as session:
        row = session.get(ServerSecretRow, name)
        if row is not None:
            return bytes.fromhex(row.value)
    try:
        with write_scope() as session:
            made = ServerSecretRow(name=name, value=secrets.token_hex(32), created_at=utcnow())
            session.add(made)
    except IntegrityError:
        pass  # another server made it meanwhile: theirs is the one
    with session_scope() as session:
        query = select(ServerSecretRow.value).where(ServerSecretRow.name == name)
        return bytes.fromhex(session.execute(query).scalar_one())
