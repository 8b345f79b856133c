"""Webhooks: a JSON POST per event, kept in an outbox until delivered or out of tries.

A delivery is queued in the transaction that decides it (rule matched, alarm changed state),
under an id derived from what caused it, so handling an event twice queues it once. The
scheduler sends queued deliveries from worker threads: a timeout per try, retries with
exponential backoff, every try with the same `X-Batchops-Delivery` id (receivers drop
repeats), signed with HMAC-SHA256 of the body (`X-Batchops-Signature-256: sha256=<hex>`) when
a secret is configured, as GitHub signs its hooks. Each delivery's outcome goes to the owner's
history. Delivery is at least once.
"""

from __future__ import annotations

import json
import os
import threading
import urllib.error
import urllib.request
from typing import Any
from urllib.parse import urlsplit

from sqlalchemy import select
from sqlalchemy.orm import Session

from batchops.errors import InvalidInput
from batchops.events import history, logs
from batchops.settings import automation_settings
from batchops.store.db import session_scope
from batchops.store.redact import mask_url
from batchops.store.schema import utcnow
from batchops.store.schema.automation import WebhookDeliveryRow
from batchops.store.signing import check_env_name, signature

SIGNATURE_HEADER = "X-Batchops-Signature-256"
DELIVERY_HEADER = "X-Batchops-Delivery"
EVENT_HEADER = "X-Batchops-Event"


def check_url(url: str) -> str:
    """A URL deliveries can go to: http(s), a host, no credentials in its userinfo."""
    shown = mask_url(url)
    try:
        parts = urlsplit(url)
        parts.port  # noqa: B018 (a port that is no number is refused here, not at delivery)
    except ValueError as error:
        raise InvalidInput(f"webhook URL {shown!r}: {error}") from None
    if parts.scheme not in ("http", "https") or not parts.netloc:
        raise InvalidInput(f"webhook URL {shown!r}: only http:// and https:// URLs are accepted")
    if _has_userinfo(url):
        raise InvalidInput(f"webhook URL {shown!r}: {USERINFO_REFUSED}")
    return url


USERINFO_REFUSED = (
    "credentials in the URL (user:password@) are never sent; drop them and sign the "
    "deliveries with --secret-env NAME (HMAC-SHA256), or let the receiver take a token in "
    "the query (?token=…, masked wherever batchops shows the URL)"
)


def _has_userinfo(url: str) -> bool:
    return "@" in urlsplit(url).netloc


def check_secret_env(name: str | None) -> str | None:
    return check_env_name(name, "`secret_env`")


def enqueue(
    session: Session,
    delivery_id: str,
    kind: str,
    name: str,
    url: str,
    secret_env: str | None,
    body: dict[str, Any],
) -> None:
    """Queue in the caller's transaction; an id already queued is left as it is."""
    if session.get(WebhookDeliveryRow, delivery_id) is not None:
        return
    session.add(
        WebhookDeliveryRow(
            id=delivery_id,
            kind=kind,
            name=name,
            url=url,
            secret_env=secret_env,
            body={"delivery_id": delivery_id, **body},
            status="pending",
            attempts=0,
            created_at=utcnow(),
            updated_at=utcnow(),
        )
    )


def pending_ids() -> list[str]:
    with session_scope() as session:
        return list(
            session.scalars(
                select(WebhookDeliveryRow.id)
                .where(WebhookDeliveryRow.status == "pending")
                .order_by(WebhookDeliveryRow.created_at)
            )
        )


def deliver(delivery_id: str, stop: threading.Event | None = None) -> str:
    """Try one queued delivery until it succeeds or the tries run out; its final status.

    A `stop` set between tries leaves it pending, for the next scheduler.
    """
    settings = automation_settings()
    with session_scope() as session:
        row = session.get(WebhookDeliveryRow, delivery_id)
        if row is None or row.status != "pending":
            return row.status if row else "unknown"
        url, secret_env, body, kind, name = row.url, row.secret_env, row.body, row.kind, row.name
        attempts = row.attempts
    data = json.dumps(body, sort_keys=True, default=str).encode()
    headers = {
        "Content-Type": "application/json",
        "User-Agent": "batchops-webhook",
        DELIVERY_HEADER: delivery_id,
        EVENT_HEADER: str(body.get("event", {}).get("type", "")),
    }
    error = ""
    problem = _cannot_send(kind, name, url, secret_env)
    if problem:
        return _finish(delivery_id, kind, name, url, attempts, "failed", problem)
    if secret_env:
        headers[SIGNATURE_HEADER] = signature(os.environ[secret_env], data)
    while attempts < settings.webhook_tries:
        if (
            attempts
            and stop is not None
            and stop.wait(settings.webhook_backoff * 2 ** (attempts - 1))
        ):
            return "pending"
        if attempts and stop is None:
            threading.Event().wait(settings.webhook_backoff * 2 ** (attempts - 1))
        attempts += 1
        error = _post(url, data, headers, settings.webhook_timeout)
        _save_attempt(delivery_id, attempts, error)
        logs.log(
            "delivery",
            "webhook try",
            delivery_id=delivery_id,
            url=mask_url(url),
            attempt=attempts,
            error=error or None,
        )
        if not error:
            return _finish(delivery_id, kind, name, url, attempts, "delivered", "")
    return _finish(delivery_id, kind, name, url, attempts, "failed", error)


def _cannot_send(kind: str, name: str, url: str, secret_env: str | None) -> str:
    """Why the delivery cannot be tried at all ('' when it can)."""
    if _has_userinfo(url):  # stored before such URLs were refused: it never can be sent
        return (
            f"the webhook URL of {kind} {name} holds credentials (user:password@), which are "
            f"never sent: delete the {kind} and create it again with a URL without them "
            "(sign deliveries with --secret-env NAME)"
        )
    if secret_env and os.environ.get(secret_env) is None:
        return f"the secret's environment variable {secret_env} is not set"
    return ""


def _post(url: str, data: bytes, headers: dict[str, str], timeout: float) -> str:
    """'' on a 2xx answer, else why not."""
    request = urllib.request.Request(url, data=data, headers=headers, method="POST")
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:
            response.read(1 << 16)
            return ""
    except urllib.error.HTTPError as failure:
        return f"HTTP {failure.code}"
    except (urllib.error.URLError, OSError, TimeoutError) as failure:
        reason = getattr(failure, "reason", failure)
        return f"{type(failure).__name__}: {reason}"


def _save_attempt(delivery_id: str, attempts: int, error: str) -> None:
    with session_scope() as session:
        row = session.get(WebhookDeliveryRow, delivery_id)
        if row is not None:
            row.attempts = attempts
            row.last_error = error or None
            row.updated_at = utcnow()


def _finish(
    delivery_id: str, kind: str, name: str, url: str, attempts: int, status: str, error: str
) -> str:
    with session_scope() as session:
        row = session.get(WebhookDeliveryRow, delivery_id)
        if row is not None:
            row.status = status
            row.attempts = attempts
            row.last_error = error or None
            row.updated_at = utcnow()
            history.add_entry(
                session,
                kind,
                name,
                status,
                {
                    "delivery_id": delivery_id,
                    "url": mask_url(url),
                    "attempts": attempts,
                    "error": error or None,
                },
                key=f"delivery:{delivery_id}",
            )
        logs.add_entry(
            session,
            "delivery",
            f"webhook {status}",
            delivery_id=delivery_id,
            url=mask_url(url),
            attempts=attempts,
            error=error or None,
        )
    return status


def delivery_json(delivery_id: str) -> dict[str, Any] | None:
    with session_scope() as session:
        row = session.get(WebhookDeliveryRow, delivery_id)
        if row is None:
            return None
        return {
            "id": row.id,
            "owner": f"{row.kind}/{row.name}",
            "url": mask_url(row.url),
            "status": row.status,
            "attempts": row.attempts,
            "last_error": row.last_error,
        }
