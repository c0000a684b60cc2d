"""The GitHub Actions workflows pass actionlint and GitHub's workflow schema, pin every action
by commit, ask for the least permissions, take secrets only as TF_VAR_ variables, and run one
apply of a stack at a time, for 30 stacks in 10 accounts as for one."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from stacks.commands.changed_stacks import matrix
from stacks.layout import PROJECT_ROOT
from tests.workflows.workflow_files import MERGE, PINNED, PULL_REQUEST, WORKFLOWS, load, uses_lines

BIN = Path(sys.executable).parent
OIDC_ACTION = "aws-actions/configure-aws-credentials@"


def test_actionlint_finds_nothing() -> None:
    result = subprocess.run(
        # The files named: without them actionlint looks for a git repository, and `make test`
        # runs on a copy of the working tree that has none.
        [str(BIN / "actionlint"), "-no-color", str(PULL_REQUEST), str(MERGE)],
        cwd=PROJECT_ROOT,
        capture_output=True,
        text=True,
        check=False,
    )
    assert (result.returncode, result.stdout, result.stderr) == (0, "", "")


def test_actionlint_would_find_a_mistake(tmp_path: Path) -> None:
    # The linter really reads the files: an unknown context in a copy is reported.
    broken = tmp_path / "broken.yml"
    text = PULL_REQUEST.read_text(encoding="utf-8").replace(
        "needs.checks.outputs", "needs.chekcs.outputs", 1
    )
    broken.write_text(text, encoding="utf-8")
    result = subprocess.run(
        [str(BIN / "actionlint"), "-no-color", str(broken)],
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 1
    assert "chekcs" in result.stdout


def test_github_workflow_schema() -> None:
    result = subprocess.run(
        [
            str(BIN / "check-jsonschema"),
            "--builtin-schema",
            "vendor.github-workflows",
            *map(str, sorted(WORKFLOWS.glob("*.yml"))),
        ],
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr


@pytest.mark.parametrize("path", [PULL_REQUEST, MERGE], ids=lambda p: p.name)
def test_actions_pinned_by_commit_with_their_version(path: Path) -> None:
    lines = uses_lines(path)
    assert lines
    assert [line for line in lines if not PINNED.fullmatch(line)] == []


@pytest.mark.parametrize("path", [PULL_REQUEST, MERGE], ids=lambda p: p.name)
def test_least_privilege_permissions(path: Path) -> None:
    workflow = load(path)
    assert workflow["permissions"] == {"contents": "read"}
    for name, job in workflow["jobs"].items():
        oidc = any(s.get("uses", "").startswith(OIDC_ACTION) for s in job["steps"])
        permissions = job.get("permissions", {})
        assert (permissions.get("id-token") == "write") == oidc, name
        assert "write" not in {v for k, v in permissions.items() if k != "id-token"}, name


@pytest.mark.parametrize("path", [PULL_REQUEST, MERGE], ids=lambda p: p.name)
def test_secrets_reach_steps_only_as_tf_var_variables(path: Path) -> None:
    text = path.read_text(encoding="utf-8")
    # The one use of the secrets: the step that exports the TF_VAR_ ones to later steps.
    assert text.count("secrets") == text.count("${{ toJSON(secrets) }}") + text.count(
        "The environment's secret addresses"
    )
    for job in load(path)["jobs"].values():
        for step in job["steps"]:
            if "toJSON(secrets)" in str(step.get("env")):
                assert 'select(.key | startswith("TF_VAR_"))' in step["run"]


def test_thirty_stacks_in_ten_accounts_one_apply_of_a_stack_at_a_time() -> None:
    apply = load(MERGE)["jobs"]["apply"]
    assert apply["concurrency"] == {
        "group": "incident-manager-${{ matrix.env }}",
        "cancel-in-progress": False,
    }
    assert apply["environment"] == "incident-manager-${{ matrix.env }}"
    stacks = [f"incident-manager-team{a:02d}-{e}" for a in range(10) for e in ("a", "b", "c")]
    entries = matrix(stacks)["include"]
    groups = [apply["concurrency"]["group"].replace("${{ matrix.env }}", e["env"]) for e in entries]
    # One group per stack, named as the stack (and its GitHub environment): two applies of a
    # stack queue; two stacks never wait for each other.
    assert groups == [e["stack"] for e in entries] == stacks
    assert len(set(groups)) == 30


def test_the_matrix_jobs_are_skipped_when_no_stack_changed() -> None:
    for path, needs in ((PULL_REQUEST, "checks"), (MERGE, "changes")):
        job = next(j for j in load(path)["jobs"].values() if "strategy" in j)
        assert job["needs"] == needs
        assert job["if"] == f"fromJSON(needs.{needs}.outputs.matrix).include[0] != null"
        assert job["strategy"]["matrix"] == f"${{{{ fromJSON(needs.{needs}.outputs.matrix) }}}}"
