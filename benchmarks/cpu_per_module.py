"""A pytest plugin for `make bench-tests`: CPU-seconds per test module, written as JSON lines.

``pytest -p benchmarks.cpu_per_module`` with ``IM_BENCH_CPU_LOG=<file>`` appends, after each
test (setup, call and teardown), one line: the test's module and the CPU time this process and
its finished children used meanwhile. On 2 cores the suite is CPU-bound, so CPU-seconds, not
wall seconds, say where its time goes, and they hardly depend on what else the machine does.

A child's CPU counts when it has been waited for: Terraform's (and its provider's, which
Terraform waits for) at the end of each run, a server's when the fixture that started it stops
it. The worker's shared provider processes (tests/terraform/shared_provider.py), which nobody
waits for, count as they run. Work of a fixture shared by several modules counts to the test
that first needed it.
"""

from __future__ import annotations

import json
import os
import resource
from collections.abc import Generator
from pathlib import Path

import pytest

from tests.terraform import shared_provider

LOG_VARIABLE = "IM_BENCH_CPU_LOG"


def _cpu_seconds() -> float:
    own = resource.getrusage(resource.RUSAGE_SELF)
    children = resource.getrusage(resource.RUSAGE_CHILDREN)
    pool = os.environ.get(shared_provider.POOL_VARIABLE)
    shared = shared_provider.cpu_seconds(Path(pool)) if pool else 0.0
    return own.ru_utime + own.ru_stime + children.ru_utime + children.ru_stime + shared


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_protocol(item: pytest.Item) -> Generator[None, None, None]:
    log = os.environ.get(LOG_VARIABLE)
    started = _cpu_seconds()
    yield
    if log:
        line = {"module": item.nodeid.split("::", 1)[0], "cpu": _cpu_seconds() - started}
        with Path(log).open("a", encoding="utf-8") as stream:
            stream.write(json.dumps(line) + "\n")
