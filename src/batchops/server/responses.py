"""Read endpoints answer with JSON encoded once, in pydantic's Rust encoder.

Returning a `Response` skips FastAPI's response-model validation of a big nested dict (and the
thread hop it takes for a sync route); the route still declares `response_model` so the
OpenAPI schema says what comes back.
"""

from __future__ import annotations

from typing import Any

from fastapi import Response
from pydantic_core import to_json


def json_response(content: Any) -> Response:
    """`content` (JSON-ready dicts and lists; dates and enums as pydantic encodes them)."""
    return Response(content=to_json(content), media_type="application/json")
