"""`plan` and `apply` against a server (`--server URL`): the same library functions, run by
the server on its own database, reached through its API.

The client sends the declarations (`POST /api/project/plan`), stores each pipeline that
changed with its code bundle (`PUT /api/pipelines/{name}`), then has the server apply the
rest (`POST /api/project/apply`). The token comes from an environment variable and is never
printed.
"""

from __future__ import annotations

import json
import os
import urllib.error
import urllib.request
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from batchops.errors import EnvironmentProblem, InvalidInput, NotFound
from batchops.project.apply import ApplyResult
from batchops.project.declared import Declared
from batchops.project.plan import Change, Plan
from batchops.project.projectfile import InvalidProject
from batchops.runtime.bundles import PipelineBundle
from batchops.store.redact import mask_url

DEFAULT_TOKEN_ENV = "BATCHOPS_TOKEN"
TIMEOUT_SECONDS = 120.0


@dataclass(frozen=True)
class Server:
    """A batchops server's base URL and the token to call it with (None: a loopback server
    without tokens)."""

    url: str
    token: str | None = None

    @classmethod
    def from_environment(cls, url: str, token_env: str = DEFAULT_TOKEN_ENV) -> Server:
        return cls(url.rstrip("/"), os.environ.get(token_env) or None)

    def call(self, method: str, path: str, body: Mapping[str, Any]) -> Any:
        """The JSON answer; a 4xx is the server's own error message, as InvalidInput."""
        request = urllib.request.Request(
            self.url + path, data=json.dumps(body).encode(), method=method
        )
        request.add_header("Content-Type", "application/json")
        if self.token:
            request.add_header("Authorization", f"Bearer {self.token}")
        try:
            with urllib.request.urlopen(request, timeout=TIMEOUT_SECONDS) as response:
                return json.loads(response.read())
        except urllib.error.HTTPError as error:
            detail = _detail(error)
            if error.code == 404:
                raise NotFound(f"{mask_url(self.url)}{path}: {detail}") from None
            if 400 <= error.code < 500:
                raise InvalidInput(f"the server {mask_url(self.url)} refused: {detail}") from None
            raise EnvironmentProblem(
                f"the server {mask_url(self.url)} answered {error.code}: {detail}"
            ) from None
        except (urllib.error.URLError, OSError) as error:
            reason = getattr(error, "reason", error)
            raise EnvironmentProblem(
                f"cannot reach the server {mask_url(self.url)}: {reason}"
            ) from None


def _detail(error: urllib.error.HTTPError) -> str:
    try:
        detail = json.loads(error.read()).get("detail")
    except (ValueError, AttributeError):
        return str(error.reason)
    return detail if isinstance(detail, str) else json.dumps(detail)


def remote_plan(server: Server, declared: Declared) -> Plan:
    return Plan.from_json(server.call("POST", "/api/project/plan", declared.to_json()))


def remote_apply(
    server: Server, declared: Declared, bundles: Mapping[str, PipelineBundle]
) -> ApplyResult:
    """Store the changed pipelines, then have the server apply the rest."""
    planned = remote_plan(server, declared)
    if planned.problems:
        raise InvalidProject(declared.file, list(planned.problems))
    stored: list[Change] = []
    for change in planned.pending:
        if change.kind != "pipeline":
            continue
        body = {**bundles[change.name].to_json(), "managed": declared.managed.to_json()}
        try:
            server.call("PUT", f"/api/pipelines/{change.name}", body)
        except (InvalidInput, NotFound, EnvironmentProblem) as error:
            rest = tuple(c for c in planned.pending if c not in stored and c != change)
            return ApplyResult(planned, tuple(stored), change, str(error), rest)
        stored.append(change)
    applied = ApplyResult.from_json(server.call("POST", "/api/project/apply", declared.to_json()))
    return ApplyResult(
        planned,
        (*stored, *applied.applied),
        applied.failed,
        applied.error,
        applied.not_applied,
    )
