"""Pagination for the list operations: an opaque token that is the next item's position."""

from __future__ import annotations

import base64
from collections.abc import Callable, Sequence
from typing import TypeVar

Item = TypeVar("Item")
DEFAULT_PAGE = 50


def page(
    items: Sequence[Item],
    token: str | None,
    limit: int | None,
    invalid: Callable[[str], Exception],
) -> tuple[list[Item], str | None]:
    """One page of ``items`` from ``token`` (None: the first), at most ``limit`` long, and the
    token of the next page (None: this is the last). A token we did not issue raises
    ``invalid(message)``."""
    start = 0
    if token:
        try:
            start = int(base64.urlsafe_b64decode(token.encode()).decode().removeprefix("page:"))
        except (ValueError, UnicodeDecodeError) as error:
            raise invalid("The NextToken is not valid.") from error
        if start < 0 or start > len(items):
            raise invalid("The NextToken is not valid.")
    size = limit or DEFAULT_PAGE
    chunk = list(items[start : start + size])
    following = start + size
    next_token = (
        base64.urlsafe_b64encode(f"page:{following}".encode()).decode()
        if following < len(items)
        else None
    )
    return chunk, next_token
