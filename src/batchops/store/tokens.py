"""API tokens: created once and shown once, kept as digests, checked on every request.

Roles nest (viewer ⊂ approver ⊂ admin): a route asks for the least role it needs and any
higher role passes. The CLI (`batchops token …`) and the server both use these functions.
"""

from __future__ import annotations

import hashlib
import hmac
import re
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import IntEnum
from typing import Any

from sqlalchemy import select

from batchops.errors import InvalidInput, NotFound
from batchops.settings import current_user
from batchops.store.db import session_scope
from batchops.store.schema import iso, utcnow
from batchops.store.schema.auth import TokenRow

TOKEN_PREFIX = "bo_"


class Role(IntEnum):
    """Ordered: a higher role includes every lower one."""

    VIEWER = 1
    APPROVER = 2
    ADMIN = 3

    @property
    def label(self) -> str:
        return self.name.lower()

    @classmethod
    def parse(cls, text: str) -> Role:
        for role in cls:
            if role.label == str(text).strip().lower():
                return role
        known = ", ".join(role.label for role in cls)
        raise InvalidInput(f"unknown role {text!r}; one of: {known}")


@dataclass(frozen=True)
class TokenInfo:
    """What a valid token stands for; never the token itself."""

    id: int
    user: str
    role: Role
    expires_at: datetime | None

    def allows(self, needed: Role) -> bool:
        return self.role >= needed

    def expired(self) -> bool:
        """Past its expiry now (a token without one never expires)."""
        return self.expires_at is not None and self.expires_at <= utcnow()


def digest(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8", "surrogatepass")).hexdigest()


def parse_token_lifetime(text: str) -> timedelta:
    """`30d`, `12h`, `45m`, `2w`: how long a token lives."""
    match = re.fullmatch(r"\s*(\d+)\s*([mhdw])\s*", text or "")
    if not match or int(match.group(1)) == 0:
        raise InvalidInput(
            f"expiry {text!r} is not a duration such as 45m, 12h, 30d or 2w (a positive number)"
        )
    unit = {"m": "minutes", "h": "hours", "d": "days", "w": "weeks"}[match.group(2)]
    return timedelta(**{unit: int(match.group(1))})


def create_token(
    user: str, role: str | Role, *, expires_in: timedelta | None = None, by: str | None = None
) -> tuple[str, TokenInfo]:
    """A new random token (returned once, never stored) and what it stands for."""
    user = (user or "").strip()
    if not user or len(user) > 256:
        raise InvalidInput("a token needs a user name (1 to 256 characters)")
    level = role if isinstance(role, Role) else Role.parse(role)
    token = TOKEN_PREFIX + secrets.token_urlsafe(32)
    expires = utcnow() + expires_in if expires_in is not None else None
    with session_scope() as session:
        row = TokenRow(
            digest=digest(token),
            user=user,
            role=level.label,
            created_by=by or current_user(),
            created_at=utcnow(),
            expires_at=expires,
        )
        session.add(row)
        session.flush()
        return token, TokenInfo(row.id, user, level, expires)


def pasted_token(text: str) -> str:
    """The token in what a person pasted to sign in: the token itself, or the JSON that
    `batchops token create --json` prints (a file's content); anything else is refused with
    which part to paste."""
    import json

    pasted = text.strip()
    if pasted.startswith(("{", '"')):
        try:
            value = json.loads(pasted)
        except ValueError:
            value = None
        if isinstance(value, dict):
            value = value.get("token")
        if isinstance(value, str) and value.strip():
            return value.strip()
    elif pasted and not any(character.isspace() for character in pasted):
        return pasted
    raise InvalidInput(
        f"paste the token alone (the {TOKEN_PREFIX}… value), or the whole JSON that "
        "`batchops token create --json` printed"
    )


def authenticate(token: str) -> TokenInfo | None:
    """The token's holder, or None for an unknown, revoked or expired token."""
    if not token or len(token) > 512:
        return None
    wanted = digest(token)
    with session_scope() as session:
        row = session.scalar(select(TokenRow).where(TokenRow.digest == wanted))
        if row is None or not hmac.compare_digest(row.digest, wanted):
            return None
        return valid_token(row)


def valid_token(row: TokenRow) -> TokenInfo | None:
    now = utcnow()
    if row.revoked_at is not None or (row.expires_at is not None and row.expires_at <= now):
        return None
    return TokenInfo(row.id, row.user, Role.parse(row.role), row.expires_at)


def list_tokens() -> list[dict[str, Any]]:
    """Every token's record (id, user, role, dates, state), oldest first; no digests."""
    now = utcnow()
    with session_scope() as session:
        rows = session.scalars(select(TokenRow).order_by(TokenRow.id)).all()
        return [
            {
                "id": r.id,
                "user": r.user,
                "role": r.role,
                "created_by": r.created_by,
                "created_at": iso(r.created_at),
                "expires_at": iso(r.expires_at),
                "revoked_at": iso(r.revoked_at),
                "state": "revoked"
                if r.revoked_at
                else "expired"
                if r.expires_at and r.expires_at <= now
                else "active",
            }
            for r in rows
        ]


def revoke_token(token_id: int) -> bool:
    """Revoke a token by id; False when it was already revoked."""
    with session_scope() as session:
        row = session.get(TokenRow, token_id)
        if row is None:
            raise NotFound(f"unknown token id {token_id}")
        if row.revoked_at is not None:
            return False
        row.revoked_at = utcnow()
        return True
