"""HMAC-SHA256 signatures as GitHub signs its webhooks: `sha256=<hex>` of the exact bytes,
with a secret both sides hold. Webhook deliveries and registry exports are signed this way,
with a secret named by an environment variable (never given on a command line, where the
process list would show it)."""

from __future__ import annotations

import hashlib
import hmac
import os
import re

from batchops.errors import EnvironmentProblem, InvalidInput

PREFIX = "sha256="
_ENV_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")


def signature(secret: str, body: bytes) -> str:
    """`sha256=<hex>`: the HMAC-SHA256 of `body` under `secret`."""
    return PREFIX + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()


def signature_matches(secret: str, body: bytes, given: str) -> bool:
    """Whether `given` is the signature of `body` under `secret` (compared in constant time)."""
    return hmac.compare_digest(signature(secret, body), given.strip())


def check_env_name(name: str | None, option: str) -> str | None:
    """`name` if it can name an environment variable; `option` names where it was given."""
    if name is not None and not _ENV_NAME.match(name):
        raise InvalidInput(f"{option} {name!r}: the name of an environment variable")
    return name


def secret_from_env(name: str, option: str) -> str:
    """The secret held by the environment variable `name` (given with `option`)."""
    check_env_name(name, option)
    value = os.environ.get(name, "")
    if not value:
        raise EnvironmentProblem(
            f"{option} {name}: the environment variable {name} is not set or empty; "
            "it must hold the signing secret"
        )
    return value
