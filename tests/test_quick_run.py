"""`make test-quick`: which tests it leaves out (tests/quick_selection.py), and the guard that
fails a quick test which starts Terraform's provider, a server or the cdktf CLI after all
(tests/quick_guard.py), in this process and in its children."""

from __future__ import annotations

import importlib
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.conftest import PROJECT_ROOT
from tests.quick_guard import SHIM_EXIT, QuickGuard, QuickRunViolationError
from tests.quick_selection import StarterFinder

# Read by name: a test naming these functions in its code would reach what they reach.
SAMPLES = importlib.import_module("tests.quick_samples")


def sample(name: str) -> object:
    return getattr(SAMPLES, name)


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("pure_helper", None),
        ("runs_python_without_a_server", None),
        ("calls_terraform_directly", "find_terraform_binary"),
        ("calls_terraform_through_a_helper", "find_terraform_binary"),
        ("calls_terraform_through_a_module", "find_terraform_binary"),
        ("imports_inside_and_starts_the_local_server", "LocalServer"),
        ("starts_a_server_by_its_command", "python -m local_aws"),
    ],
)
def test_the_selection_follows_calls_to_the_starters(name: str, expected: str | None) -> None:
    reached = StarterFinder().reached(sample(name))
    if expected is None:
        assert reached is None
    else:
        assert reached is not None
        assert expected in reached


@pytest.fixture
def guard(tmp_path: Path) -> Iterator[QuickGuard]:
    installed = QuickGuard(shim_dir=tmp_path / "bin", violations_file=tmp_path / "violations")
    installed.install()
    yield installed
    installed.uninstall()


def test_terraform_with_its_provider_is_refused_in_this_process(guard: QuickGuard) -> None:
    with pytest.raises(
        QuickRunViolationError, match=r"refused to start `terraform init -input=false`"
    ):
        subprocess.run(["terraform", "init", "-input=false"], check=False)
    assert guard.take() == ["terraform init -input=false"]


def test_terraform_fmt_and_version_load_no_provider_and_stay_allowed(guard: QuickGuard) -> None:
    shown = subprocess.run(["terraform", "version"], capture_output=True, text=True, check=False)
    assert shown.returncode == 0, shown.stderr
    assert shown.stdout.startswith("Terraform v")
    assert guard.take() == []


def test_a_child_meets_the_shim_and_the_test_still_hears_of_it(guard: QuickGuard) -> None:
    child = subprocess.run(
        ["sh", "-c", "terraform plan -refresh=false"], capture_output=True, text=True, check=False
    )
    assert child.returncode == SHIM_EXIT
    assert "refused to start `terraform plan -refresh=false`" in child.stderr
    assert guard.take() == ["terraform plan -refresh=false"]


def test_a_server_is_refused_here_and_in_a_python_child(guard: QuickGuard) -> None:
    import socket

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        with pytest.raises(QuickRunViolationError, match="a server listening"):
            probe.listen()
    code = "import socket; s = socket.socket(); s.bind(('127.0.0.1', 0)); s.listen()"
    child = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=False
    )
    assert child.returncode != 0
    assert "refused to start a server" in child.stderr
    refused = guard.take()
    assert len(refused) == 2
    assert all(line.startswith("a server listening on ('127.0.0.1', ") for line in refused)


def test_uninstall_puts_everything_back(tmp_path: Path) -> None:
    before = (subprocess.Popen.__init__, os.environ.get("PATH"), os.environ.get("PYTHONPATH"))
    installed = QuickGuard(shim_dir=tmp_path / "bin", violations_file=tmp_path / "violations")
    installed.install()
    installed.uninstall()
    assert (
        subprocess.Popen.__init__,
        os.environ.get("PATH"),
        os.environ.get("PYTHONPATH"),
    ) == before


SECRET_TERRAFORM = """
import subprocess

from local_aws.terraform_setup import find_terraform_binary


def test_catches_the_refusal_and_passes_otherwise():
    try:
        subprocess.run(["terraform", "init"], check=False)
    except Exception:
        pass


def test_reaches_a_starter():
    find_terraform_binary()


def test_is_quick():
    assert True
"""


def test_a_quick_session_leaves_out_what_reaches_a_starter_and_fails_a_secret_start(
    tmp_path: Path,
) -> None:
    (tmp_path / "pytest.ini").write_text("[pytest]\n", encoding="utf-8")
    (tmp_path / "conftest.py").write_text(
        "from tests.quick_plugin import *  # noqa: F403\n"
        "from tests.quick_plugin import pytest_addoption, pytest_collection_modifyitems, "
        "pytest_configure, pytest_runtest_makereport, pytest_unconfigure  # noqa: F401\n",
        encoding="utf-8",
    )
    (tmp_path / "test_secret.py").write_text(SECRET_TERRAFORM, encoding="utf-8")
    env = {**os.environ, "PYTHONPATH": str(PROJECT_ROOT)}
    result = subprocess.run(
        [sys.executable, "-m", "pytest", "--quick", "-q", "-p", "no:cacheprovider", "-rf"],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert result.returncode == 1, result.stdout + result.stderr
    assert "1 failed, 1 passed, 1 deselected" in result.stdout
    assert (
        "test_secret.py::test_catches_the_refusal_and_passes_otherwise is a quick test but "
        "started: terraform init" in result.stdout
    )
