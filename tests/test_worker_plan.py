"""The order in which `make test` hands test modules to its workers (tests/worker_plan.py)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import cast

import pytest

from tests.conftest import PROJECT_ROOT
from tests.worker_plan import MEASURED_CPU_SECONDS, order_modules


def test_every_measured_module_exists() -> None:
    stale = [module for module in MEASURED_CPU_SECONDS if not (PROJECT_ROOT / module).is_file()]
    assert stale == [], f"rows of MEASURED_CPU_SECONDS naming no test module: {stale}"


@dataclass
class FakeItem:
    """What order_modules reads of a pytest item: its node id and its slow mark."""

    nodeid: str
    slow: bool = False

    def get_closest_marker(self, name: str) -> object | None:
        return object() if name == "slow" and self.slow else None


def test_the_costliest_measured_modules_go_first_then_slow_then_quick() -> None:
    measured = sorted(MEASURED_CPU_SECONDS, key=lambda m: -MEASURED_CPU_SECONDS[m])[:2]
    items = [
        FakeItem("tests/test_quick_a.py::t1"),
        FakeItem("tests/test_many_slow.py::t1", slow=True),
        FakeItem("tests/test_many_slow.py::t2", slow=True),
        FakeItem(f"{measured[1]}::t1", slow=True),
        FakeItem("tests/test_one_slow.py::t1", slow=True),
        FakeItem(f"{measured[0]}::t1", slow=True),
        FakeItem("tests/test_quick_a.py::t2"),
        FakeItem(f"{measured[0]}::t2", slow=True),
    ]
    order_modules(cast(list[pytest.Item], items))
    assert [item.nodeid for item in items] == [
        f"{measured[0]}::t1",
        f"{measured[0]}::t2",
        f"{measured[1]}::t1",
        "tests/test_many_slow.py::t1",
        "tests/test_many_slow.py::t2",
        "tests/test_one_slow.py::t1",
        "tests/test_quick_a.py::t1",
        "tests/test_quick_a.py::t2",
    ]
