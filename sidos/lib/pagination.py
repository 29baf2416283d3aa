"""Limit/offset pages for the REST API: {"items": [...], "count": N} (PRODUCT.md Conventions)."""

from ninja import Field, Schema

MAX_LIMIT = 500


class Pagination(Schema):
    limit: int = Field(50, ge=1, le=MAX_LIMIT, description=f"items per page, at most {MAX_LIMIT}")
    # Bounded so the OFFSET always fits the database's integer type.
    offset: int = Field(0, ge=0, le=2**31 - 1, description="items to skip")


def page(queryset, pagination: Pagination) -> dict:
    """Two queries whatever the page size: the count and the page itself."""
    start = pagination.offset
    return {"items": list(queryset[start : start + pagination.limit]), "count": queryset.count()}
