"""The order in which `make test` hands test modules to its pytest-xdist workers
(``-n auto --dist loadscope --no-loadscope-reorder``).

The suite is CPU-bound (Terraform starting its ~700 MB provider), so the two cores of the
project's machines are only both busy when the tests run in two processes. ``loadscope`` makes
a test module one unit of work: its module-scoped fixtures, often an applied Terraform state,
are built once, in one worker. xdist hands the units out in collection order (its own reorder,
"most tests first", is switched off), so this puts the costliest modules first, as measured
(``MEASURED_CPU_SECONDS``), then the other modules that start Terraform, a server or a browser
(marked ``slow`` by tests/quick_plugin.py), most slow tests first, and the quick ones last:
they fill whichever worker finishes its slow modules first. Started last, one long module keeps
one worker busy while the other idles: the simulated pipelines (3 slow tests, ~110 CPU-s) were
25th by their count of slow tests.

(``loadgroup``, which could join modules into one unit, does not group anything with pytest 9:
pytest-xdist 3.8 renames the items' ``_nodeid``, which pytest 9 no longer reads.)

Every worker collects and orders the same items, as xdist requires. Without xdist only the order
changes.
"""

from __future__ import annotations

import pytest

from tests.quick_plugin import SLOW

# CPU-seconds per test module from `make bench-tests` (2 cores, 2026-12-07, Terraform runs
# sharing provider processes through the relay, jsii loading the provider lazily), the modules
# above ~12 s. Only the order of the units depends on it: a module renamed or added is
# ordered by its slow tests until the table is brought up to date (tests/test_worker_plan.py
# names stale rows).
MEASURED_CPU_SECONDS: dict[str, float] = {
    "tests/local_aws/test_deploy_cycle.py": 49,
    "tests/stacks/plan/flow/test_flow_local_aws.py": 43,
    "tests/workflows/test_simulated_runs.py": 39,
    "tests/terraform/test_oncall_schedule_apply.py": 30,
    "tests/stacks/adopt/test_make_adopt.py": 25,
    "tests/constructs_lib/test_provider_loader.py": 20,
    "tests/stacks/plan/plan_guard/test_plan_guard.py": 18,
    "tests/terraform/test_copied_stack_apply.py": 17,
    "tests/terraform/test_shared_provider.py": 15,
    "tests/test_main.py": 14,
    "tests/local_aws/test_cdktf_deploy.py": 13,
    "tests/terraform/test_backend_remote_state.py": 12,
}


def module_of(item: pytest.Item) -> str:
    return item.nodeid.split("::", 1)[0]


def order_modules(items: list[pytest.Item]) -> None:
    """The measured costliest modules first, then the other slow modules (most slow tests
    first), then the quick ones, each module's items together and in their own order
    (tests/conftest.py calls it after the slow marks are set)."""
    modules: dict[str, list[pytest.Item]] = {}
    for item in items:
        modules.setdefault(module_of(item), []).append(item)

    def slow_tests(module: str) -> int:
        return sum(1 for item in modules[module] if item.get_closest_marker(SLOW) is not None)

    # sorted() is stable: modules alike keep the collection order.
    def cost(module: str) -> tuple[float, int]:
        return (-MEASURED_CPU_SECONDS.get(module, 0.0), -slow_tests(module))

    items[:] = [item for module in sorted(modules, key=cost) for item in modules[module]]
