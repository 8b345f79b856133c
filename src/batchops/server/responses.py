"""Read endpoints answer with JSON encoded once, in pydantic's Rust encoder.

Returning a `Response` skips FastAPI's response-model validation of a big nested dict (and the
thread hop it takes for a sync route); the route still declares `response_model` (one of
`response_models.py`) so the OpenAPI schema says what comes back.
"""

from __future__ import annotations

from typing import Any

from fastapi import Response
from pydantic_core import to_json


def json_response(content: Any, status_code: int = 200) -> Response:
    """`content` (JSON-ready dicts and lists; dates and enums as pydantic encodes them)."""
    return Response(
        content=to_json(content), status_code=status_code, media_type="application/json"
    )
