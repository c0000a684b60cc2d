"""Every item of a paginated AWS list, whatever the number of pages (adoption reads whole
accounts: thousands of contacts are many pages)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any


def items(client: Any, operation: str, key: str, **kwargs: Any) -> Iterator[Any]:
    """The ``key`` entries of every page of ``operation`` (boto3's paginator)."""
    for page in client.get_paginator(operation).paginate(**kwargs):
        yield from page.get(key, [])
