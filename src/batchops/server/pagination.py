"""Lists are pages: `limit` and `offset` in, `items`, `total` and a `next` link out (relative:
its path and query, never built from the request's Host header).

The owner of each list reads the page in SQL (`limit`/`offset` and a count); this only
shapes the answer."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Annotated, Any

from fastapi import Query, Request
from starlette.datastructures import URL

Limit = Annotated[int, Query(ge=1, le=500, description="Items per page.")]
Offset = Annotated[int, Query(ge=0, le=10_000_000, description="Items to skip.")]


def page(
    request: Request, items: Sequence[Any], total: int, limit: int, offset: int
) -> dict[str, Any]:
    following = offset + len(items)
    next_link = (
        relative(request.url.include_query_params(offset=following, limit=limit))
        if following < total
        else None
    )
    return {
        "items": list(items),
        "total": total,
        "limit": limit,
        "offset": offset,
        "next": next_link,
    }


def relative(url: URL) -> str:
    """The path and query of `url`: a link that stays on the server the client asked, whatever
    Host header came with the request (a forged one must not send the next click elsewhere)."""
    return f"{url.path}?{url.query}" if url.query else url.path
