"""pytest hooks of the quick run (tests/conftest.py takes them in): every test that reaches a
starter (tests/quick_selection.py) is marked ``slow``; ``--quick`` leaves the slow ones out and
installs the guard (tests/quick_guard.py) for the rest."""

from __future__ import annotations

import tempfile
from collections.abc import Generator
from pathlib import Path

import pytest

from tests.quick_guard import QuickGuard
from tests.quick_selection import StarterFinder, slow_reason

SLOW = "slow"
_GUARD_KEY = pytest.StashKey[QuickGuard]()


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption(
        "--quick",
        action="store_true",
        help="only the tests that start no Terraform provider, server or browser "
        "(make test-quick); a quick test that starts one fails",
    )


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line(
        "markers",
        f"{SLOW}: starts Terraform with its provider, a server or a browser (set by "
        "tests/quick_selection.py; by hand only where that cannot see it)",
    )
    if config.getoption("--quick", default=False):
        workdir = Path(tempfile.mkdtemp(prefix="quick-guard-"))
        guard = QuickGuard(shim_dir=workdir / "bin", violations_file=workdir / "violations")
        guard.install()
        config.stash[_GUARD_KEY] = guard


def pytest_unconfigure(config: pytest.Config) -> None:
    guard = config.stash.get(_GUARD_KEY, None)
    if guard is not None:
        guard.uninstall()


@pytest.hookimpl(tryfirst=True)
def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """The hook where this plugin is used alone (tests/conftest.py composes its own)."""
    mark_slow_and_select(config, items)


def mark_slow_and_select(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Mark every test that reaches a starter ``slow``; with --quick, deselect those."""
    finder = StarterFinder()
    slow: list[pytest.Item] = []
    for item in items:
        if item.get_closest_marker(SLOW) is None:
            reason = _slow_reason(item, finder)
            if reason is None:
                continue
            item.add_marker(pytest.mark.slow(reason=reason))
        slow.append(item)
    if config.getoption("--quick", default=False) and slow:
        config.hook.pytest_deselected(items=slow)
        chosen = set(map(id, slow))
        items[:] = [item for item in items if id(item) not in chosen]


def _slow_reason(item: pytest.Item, finder: StarterFinder) -> str | None:
    function = getattr(item, "function", None)
    info = getattr(item, "_fixtureinfo", None)
    if function is None or info is None:
        return None
    fixtures = [
        definition.func
        for name in info.names_closure
        for definition in info.name2fixturedefs.get(name, ())
    ]
    return slow_reason(function, fixtures, finder)


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(
    item: pytest.Item, call: pytest.CallInfo[None]
) -> Generator[None, pytest.TestReport, pytest.TestReport]:
    report = yield
    guard = item.config.stash.get(_GUARD_KEY, None)
    refused = guard.take() if guard is not None else []
    if refused:
        # Even when the test's code caught the refusal (or a child's exit status was ignored).
        report.outcome = "failed"
        report.longrepr = (
            f"{item.nodeid} is a quick test but started: {'; '.join(refused)}.\n"
            "It reaches none of tests/quick_selection.py's STARTERS. Use the fixture or helper "
            "that starts it, add the way it started to STARTERS, or mark the test "
            "@pytest.mark.slow."
        )
    return report
