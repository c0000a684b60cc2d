"""`make test` and `make test-quick` run on a copy of the working tree (tests/working_copy.py):
what the copy holds, and the make recipe around it (run with a stand-in for pytest, so these
tests take seconds): it runs in the copy, passes the status on and removes the copy, Ctrl-C
included."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tests.conftest import PROJECT_ROOT
from tests.working_copy import LINKED, files_to_copy, make_copy


def git(root: Path, *args: str) -> None:
    subprocess.run(["git", *args], cwd=root, check=True, capture_output=True)


@pytest.fixture
def checkout(tmp_path: Path) -> Path:
    root = tmp_path / "checkout"
    (root / "stacks").mkdir(parents=True)
    (root / ".gitignore").write_text("cdktf.out/\n.venv/\n")
    (root / "stacks/committed.yaml").write_text("committed\n")
    (root / "stacks/deleted.yaml").write_text("deleted\n")
    git(root, "init", "-q")
    git(root, "add", "-A")
    git(root, "-c", "user.name=t", "-c", "user.email=t@example.com", "commit", "-qm", "base")
    (root / "stacks/committed.yaml").write_text("edited, not committed\n")
    (root / "stacks/deleted.yaml").unlink()
    (root / "stacks/new.yaml").write_text("new\n")
    (root / "cdktf.out").mkdir()
    (root / "cdktf.out/manifest.json").write_text("{}")
    (root / ".venv/bin").mkdir(parents=True)
    return root


def test_the_copy_holds_what_git_would_commit_as_it_is_on_disk(
    checkout: Path, tmp_path: Path
) -> None:
    assert files_to_copy(checkout) == [
        Path(".gitignore"),
        Path("stacks/committed.yaml"),
        Path("stacks/new.yaml"),
    ]
    copy = tmp_path / "copy"
    make_copy(checkout, copy)
    assert (copy / "stacks/committed.yaml").read_text() == "edited, not committed\n"
    assert not (copy / "cdktf.out").exists()
    # The installs are linked, not copied (hundreds of MB, read-only to the tests).
    assert (copy / ".venv").is_symlink()
    assert (copy / ".venv").resolve() == (checkout / ".venv").resolve()


def test_outside_git_everything_but_outputs_and_caches_is_copied(tmp_path: Path) -> None:
    root = tmp_path / "unpacked"
    (root / "stacks/__pycache__").mkdir(parents=True)
    (root / "stacks/__pycache__/x.pyc").write_bytes(b"")
    (root / "stacks/dev.yaml").write_text("dev\n")
    (root / "cdktf.out").mkdir()
    (root / "cdktf.out/manifest.json").write_text("{}")
    assert files_to_copy(root) == [Path("stacks/dev.yaml")]


def test_the_project_copy_links_every_install_it_has(tmp_path: Path) -> None:
    copy = tmp_path / "copy"
    make_copy(PROJECT_ROOT, copy)
    assert (copy / "Makefile").read_bytes() == (PROJECT_ROOT / "Makefile").read_bytes()
    for name in LINKED:
        if (PROJECT_ROOT / name).exists():
            assert (copy / name).is_symlink(), name


# Stands in for pytest: says where it runs, then waits (to be interrupted) or exits with a code.
STAND_IN = (
    "import os, sys, time, pathlib; "
    "pathlib.Path(os.environ['REPORT']).write_text(os.getcwd()); "
    "time.sleep(float(os.environ.get('WAIT', '0'))); "
    "sys.exit(int(os.environ.get('STATUS', '0')))"
)


# Runs its arguments with the signal state a shell gives a command: nothing blocked, Ctrl-C's
# default (a pytest worker's may differ, and a child inherits both).
AS_FROM_A_TERMINAL = (
    "import os, signal, sys; signal.pthread_sigmask(signal.SIG_SETMASK, set()); "
    "signal.signal(signal.SIGINT, signal.SIG_DFL); os.execvp(sys.argv[1], sys.argv[1:])"
)


def run_make(report: Path, types: str = "true", **environment: str) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [
            sys.executable,
            "-c",
            AS_FROM_A_TERMINAL,
            "make",
            "--no-print-directory",
            "test-quick",
            "RUFF=true",
            f"TYPES={types}",
            f'PYTEST={sys.executable} -c "{STAND_IN}"',
        ],
        cwd=PROJECT_ROOT,
        env={**os.environ, "REPORT": str(report), **environment},
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        start_new_session=True,
    )


def test_make_runs_the_suite_in_a_copy_passes_its_status_on_and_removes_it(
    tmp_path: Path,
) -> None:
    report = tmp_path / "cwd"
    process = run_make(report, STATUS="3")
    output, _ = process.communicate(timeout=60)
    assert process.returncode != 0, output
    assert "Error 3" in output, output
    ran_in = Path(report.read_text())
    assert ran_in != PROJECT_ROOT
    assert f"on a copy of the working tree in {ran_in}" in output
    assert not ran_in.exists()


def test_a_type_error_found_alongside_passing_tests_fails_the_run_after_them(
    tmp_path: Path,
) -> None:
    report = tmp_path / "cwd"
    process = run_make(report, types="sh -c 'sleep 1; echo type-error | tr a-z A-Z; exit 1'")
    output, _ = process.communicate(timeout=60)
    assert process.returncode != 0, output
    # The tests ran meanwhile (the stand-in wrote where), and the report follows them.
    assert report.exists()
    assert output.index("(alongside the tests)") < output.index("TYPE-ERROR"), output
    assert not Path(report.read_text()).exists()


def test_ctrl_c_removes_the_copy(tmp_path: Path) -> None:
    report = tmp_path / "cwd"
    # Longer than the wait below: a Ctrl-C that stops nothing fails the test.
    process = run_make(report, WAIT="120")
    deadline = time.monotonic() + 30
    while not report.exists() and time.monotonic() < deadline:
        time.sleep(0.05)
    ran_in = Path(report.read_text())
    assert ran_in.is_dir()
    # Ctrl-C in a terminal signals the whole foreground process group.
    os.killpg(process.pid, signal.SIGINT)
    output, _ = process.communicate(timeout=30)
    assert process.returncode != 0, output
    assert not ran_in.exists(), output
