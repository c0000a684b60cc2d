"""The order in which `make test` hands test modules to its pytest-xdist workers
(``-n auto --dist loadscope --no-loadscope-reorder``).

The suite is CPU-bound (Terraform starting its ~700 MB provider), so the two cores of the
project's machines are only both busy when the tests run in two processes. ``loadscope`` makes
a test module one unit of work: its module-scoped fixtures, often an applied Terraform state,
are built once, in one worker. xdist hands the units out in collection order (its own reorder,
"most tests first", is switched off), so this puts the modules that start Terraform, a server
or a browser (marked ``slow`` by tests/quick_plugin.py) first, the one with most slow tests
first, and the quick ones last: they fill whichever worker finishes its slow modules first.

(``loadgroup``, which could join modules into one unit, does not group anything with pytest 9:
pytest-xdist 3.8 renames the items' ``_nodeid``, which pytest 9 no longer reads.)

Every worker collects and orders the same items, as xdist requires. Without xdist only the order
changes.
"""

from __future__ import annotations

import pytest

from tests.quick_plugin import SLOW


def module_of(item: pytest.Item) -> str:
    return item.nodeid.split("::", 1)[0]


def order_modules(items: list[pytest.Item]) -> None:
    """Slow modules first (most slow tests first), then the quick ones, each module's items
    together and in their own order (tests/conftest.py calls it after the slow marks are set)."""
    modules: dict[str, list[pytest.Item]] = {}
    for item in items:
        modules.setdefault(module_of(item), []).append(item)

    def slow_tests(module: str) -> int:
        return sum(1 for item in modules[module] if item.get_closest_marker(SLOW) is not None)

    # sorted() is stable: modules alike keep the collection order.
    items[:] = [
        item for module in sorted(modules, key=lambda m: -slow_tests(m)) for item in modules[module]
    ]
