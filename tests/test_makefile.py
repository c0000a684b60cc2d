"""The Makefile as a user meets it: `make help`, what `install` installs, what `plan-check` runs
before Terraform. GNU make's own dry run (-n) and database (-p) are the source of truth."""

from __future__ import annotations

import re
import subprocess
from pathlib import Path

from tests.conftest import PROJECT_ROOT


def make(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        ["make", "--no-print-directory", *args],
        cwd=PROJECT_ROOT,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


def phony_targets() -> set[str]:
    text = (PROJECT_ROOT / "Makefile").read_text(encoding="utf-8")
    declared = set()
    for match in re.finditer(r"^\.PHONY:((?:.*\\\n)*.*)$", text, flags=re.MULTILINE):
        declared |= set(match.group(1).replace("\\\n", " ").split())
    return declared


def test_make_help_lists_every_target_with_one_line() -> None:
    result = make("help")
    assert result.returncode == 0, result.stderr
    listed = {}
    for line in result.stdout.splitlines():
        match = re.match(r"^  (\S+(?: \S+)*?)\s{2,}(\S.*)$", line)
        if match:
            for target in match.group(1).split():
                listed[target] = match.group(2)
    targets = phony_targets()
    assert len(targets) > 10
    assert targets <= set(listed), f"not in make help: {sorted(targets - set(listed))}"
    assert all(len(text) > 10 for text in listed.values())
    # `make` alone is the help, not a surprise install.
    assert make().stdout == result.stdout


def test_install_installs_every_environment_the_tests_need() -> None:
    # The database (-p) shows the prerequisites as make expanded them: a variable used before
    # its definition would have expanded to nothing.
    database = make("-pn", "install").stdout
    (line,) = [line for line in database.splitlines() if line.startswith("install:")]
    assert line.split(":", 1)[1].split() == [
        ".venv/.installed",
        ".venv-checkov/.installed",
        "node_modules/.installed",
    ]


def test_plan_check_and_apply_are_one_command_each_so_their_status_is_theirs() -> None:
    # GNU make exits 2 whenever a recipe fails; one command per target keeps the command's own
    # status in make's "Error N" line, and CI calls that command directly (docs/deploy.md).
    # What the command runs, in order, is tested in tests/stacks/plan/flow/test_plan_flow.py.
    commands = make(
        "-n", "plan-check", "ENV=prod", "ALLOW=contact-replace replication-key", "LOCK_TIMEOUT=5s"
    ).stdout.splitlines()
    assert [c for c in commands if "main.py" in c] == [
        ".venv/bin/python main.py plan-check prod --allow contact-replace --allow replication-key"
        " --lock-timeout 5s"
    ]
    commands = make("-n", "apply", "ENV=prod").stdout.splitlines()
    assert [c for c in commands if "main.py" in c] == [
        ".venv/bin/python main.py apply prod --lock-timeout 60s"
    ]
    for target in ("plan-check", "apply"):
        usage = make(target)
        assert usage.returncode == 2
        assert f"usage: make {target} ENV=<environment>" in usage.stderr


def test_first_installs_say_what_they_are_doing() -> None:
    text = (PROJECT_ROOT / "Makefile").read_text(encoding="utf-8")
    for target in ("$(INSTALLED):", "$(CHECKOV_INSTALLED):", "$(NODE_INSTALLED):"):
        recipe = text.split(target, 1)[1].split("\n\n", 1)[0]
        assert '@echo "Installing' in recipe, target


def test_the_suite_runs_as_if_typed_in_a_shell() -> None:
    # Tests run make themselves and read its last line ("make: *** ... Error 3"); under
    # `make test` an inherited MAKELEVEL turns it into "make[1]: ***" (CI failed on that).
    for goal in ("test", "test-quick"):
        dry = make("-n", goal)
        assert dry.returncode == 0, dry.stderr
        runs = [line for line in dry.stdout.splitlines() if "/pytest" in line]
        assert runs, dry.stdout
        for line in runs:
            assert "env -u MAKEFLAGS -u MFLAGS -u MAKELEVEL .venv/bin/pytest" in line, line


def test_make_help_prints_values_not_make_variables() -> None:
    shown = make("help").stdout
    assert "$(" not in shown, [line for line in shown.splitlines() if "$(" in line]
    (local_aws,) = [line for line in shown.splitlines() if line.startswith("  local-aws ")]
    assert "127.0.0.1:4566" in local_aws
    # The value, not a copy of the default: what `make local-aws PORT=...` would use.
    assert "127.0.0.1:5000" in make("help", "PORT=5000").stdout


def test_plan_check_and_apply_print_what_runs_not_their_recipe(tmp_path: Path) -> None:
    # A stand-in python (BIN=) that says how it was called; INSTALLED= drops the install step.
    python = tmp_path / "python"
    python.write_text('#!/bin/sh\necho "python $*"\n', encoding="utf-8")
    python.chmod(0o755)
    for target in ("plan-check", "apply"):
        result = make(target, "ENV=prod", "INSTALLED=", f"BIN={tmp_path}")
        assert result.returncode == 0, result.stderr
        assert result.stdout.splitlines() == [f"python main.py {target} prod --lock-timeout 60s"], (
            result.stdout
        )
