"""Lists are pages: `limit` and `offset` in, `items`, `total` and a `next` link out.

The owner of each list reads the page in SQL (`limit`/`offset` and a count); this only
shapes the answer."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Annotated, Any

from fastapi import Query, Request

Limit = Annotated[int, Query(ge=1, le=500, description="Items per page.")]
Offset = Annotated[int, Query(ge=0, le=10_000_000, description="Items to skip.")]


def page(
    request: Request, items: Sequence[Any], total: int, limit: int, offset: int
) -> dict[str, Any]:
    following = offset + len(items)
    next_link = (
        str(request.url.include_query_params(offset=following, limit=limit))
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
