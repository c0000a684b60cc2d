"""The workflows' jobs run here, step by step (tests/workflows/runner.py), against the local
Incident Manager: two pull requests and a merge (issue 21, item 5).

One repository (a temporary git repository: the app, the workflows and one small fixture
environment, tests/fixtures/pipelines/prod.yaml, with its state in S3 on the local server),
applied once on main. Each job runs in a fresh clone of it, the installs symlinked:

(a) a pull request that changes prod's escalation plan: the checks job (its `make test` step
    is the suite this test belongs to, so it is not run again here) finds prod changed; the
    plan job's summary shows the paging diff and one in-place update, and the guard passes;
(b) a pull request that renames a contact alias: the summary shows the guard's refusal and the
    job fails with exit 3;
(c) (a) merged: the merge workflow's jobs plan again, find the plan is the reviewed one (a's
    artifact), apply it; the next plan, run as Atlantis runs atlantis.yaml's plan steps, is
    clean.

Terraform runs: 2 to set up, 1 plan each for (a) and (b), plan + apply for (c), 1 plan after.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from ruamel.yaml import YAML

from local_aws.process import LocalAwsProcess
from local_aws.terraform_setup import find_mirror, write_cli_config
from stacks.layout import PROJECT_ROOT
from tests.stacks.adopt.test_make_adopt import fresh_copy
from tests.workflows.runner import JobResult, JobRun, LocalActions, run_atlantis_stage
from tests.workflows.workflow_files import MERGE, PULL_REQUEST, load
from tests.working_copy import LINKED, link_installs

FIXTURE = PROJECT_ROOT / "tests" / "fixtures" / "pipelines" / "prod.yaml"
ACCOUNT = "210987654321"
BUCKET = "pipelines-terraform-state"
SECRETS = {"TF_VAR_pipe_responder__email": "pipe-secret-4711@example.com"}
PLAN_ROLE = f"arn:aws:iam::{ACCOUNT}:role/incident-manager-plan"
APPLY_ROLE = f"arn:aws:iam::{ACCOUNT}:role/incident-manager-apply"
STACK = "incident-manager-prod"
MATRIX = {"include": [{"env": "prod", "stack": STACK}]}
# The suite runs this test: the checks job's suite step is not run inside it.
NOT_RUN = {"make test": "the test suite itself, which runs this test"}
# The Atlantis server's pre_workflow_hooks step (atlantis.yaml's header, docs/ci.md).
ATLANTIS_HOOK = "make ci-setup && .venv/bin/python main.py synth"
# (a): the first stage lasts 10 minutes instead of 5: pipe-lead is paged 5 minutes later.
ESCALATION_CHANGE = ("      - duration_minutes: 5\n", "      - duration_minutes: 10\n")
# (b): a contact renamed: AWS replaces the contact (a new ARN, its pages lost meanwhile).
RENAME = ("pipe-lead", "pipe-manager")
# What the Makefile's installs are made from (each clone's copy would look newer than them).
INSTALL_INPUTS = (
    "requirements.txt",
    "requirements-uv.txt",
    "requirements-checkov.txt",
    "package.json",
    "package-lock.json",
)


def git(root: Path, *args: str) -> str:
    identity = ("-c", "user.name=ci", "-c", "user.email=ci@example.com")
    done = subprocess.run(
        ["git", *identity, *args], cwd=root, capture_output=True, text=True, check=True
    )
    return done.stdout.strip()


@dataclass
class Pipelines:
    """The origin repository, the local server and what every job's environment holds."""

    workdir: Path
    origin: Path
    server: LocalAwsProcess
    env: dict[str, str]
    clones: int = 0

    def commit(self, branch: str, change: tuple[str, str], start: str = "main") -> str:
        """A branch from ``start`` whose prod.yaml has ``change`` applied everywhere."""
        git(self.origin, "checkout", "-q", "-b", branch, start)
        path = self.origin / "stacks" / "environments" / "prod.yaml"
        text = path.read_text(encoding="utf-8")
        assert change[0] in text
        path.write_text(text.replace(*change), encoding="utf-8")
        git(self.origin, "commit", "-qam", branch)
        git(self.origin, "checkout", "-q", "main")
        return git(self.origin, "rev-parse", branch)

    def checkout(self, commit: str) -> Path:
        """A fresh clone at ``commit`` (origin/main known, as checkout with fetch-depth 0)."""
        self.clones += 1
        clone = self.workdir / f"checkout-{self.clones}"
        git(self.workdir, "clone", "-q", str(self.origin), clone.name)
        git(clone, "checkout", "-q", commit)
        link_installs(PROJECT_ROOT, clone)
        # A clone's files are new: make would see them newer than the shared installs and
        # install again into them (uv itself: `rm -rf .tools/uv` under every other test's feet,
        # 2.5 s a job). The runner's installs are the ones made from these very files.
        for name in INSTALL_INPUTS:
            os.utime(clone / name, (0, 0))
        return clone

    def job(  # noqa: PLR0917 - each job's context, named at every call site
        self,
        workflow: Path,
        job: str,
        checkout: Path,
        github: dict[str, Any],
        artifacts: Path,
        matrix: dict[str, str] | None = None,
        needs: dict[str, Any] | None = None,
        variables: dict[str, str] | None = None,
    ) -> JobResult:
        context = {
            "github": {"token": "local-token", **github},
            "matrix": matrix or {},
            "needs": needs or {},
            "vars": variables or {},
            "secrets": {**SECRETS, "GITHUB_TOKEN": "local-token"},
        }
        actions = LocalActions(artifacts, self.server.environment())
        run = JobRun(
            load(workflow),
            job,
            checkout,
            context,
            self.env,
            actions.table(),
            checkout.parent / f"{checkout.name}-{job}",
            not_run=NOT_RUN,
        )
        result = run.run()
        roles = {"plan": [PLAN_ROLE], "apply": [APPLY_ROLE]}.get(job, [])
        assert actions.roles == roles, actions.roles
        return result


@pytest.fixture(scope="module")
def pipelines(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Pipelines]:
    workdir = tmp_path_factory.mktemp("pipelines")
    origin = fresh_copy(workdir)
    for installed in LINKED:
        (origin / installed).unlink()
    shutil.copytree(PROJECT_ROOT / ".github", origin / ".github")
    shutil.copy2(PROJECT_ROOT / ".gitignore", origin / ".gitignore")
    environments = origin / "stacks" / "environments"
    shutil.rmtree(environments)
    environments.mkdir()
    shutil.copy2(FIXTURE, environments / "prod.yaml")
    # atlantis.yaml as `make atlantis` writes it for this repository's one environment.
    written = subprocess.run(
        [sys.executable, "main.py", "atlantis", "--write"],
        cwd=origin,
        capture_output=True,
        check=False,
    )
    assert written.returncode == 0, written.stderr
    git(origin, "init", "-q", "--initial-branch=main")
    git(origin, "add", "-A")
    git(origin, "commit", "-qm", "prod")
    server = LocalAwsProcess.start(workdir / "server", ACCOUNT, request_log=False)
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("AWS_", "TF_", "MAKE", "MFLAGS", "PYTEST_"))
    }
    env["TF_CLI_CONFIG_FILE"] = str(
        write_cli_config(workdir / "terraform.tfrc", find_mirror("5.100.0"))
    )
    state = Pipelines(workdir, origin, server, env)
    try:
        import boto3  # type: ignore[import-untyped]

        credentials = server.environment()
        boto3.client(
            "s3",
            endpoint_url=server.url,
            region_name="us-east-1",
            aws_access_key_id=credentials["AWS_ACCESS_KEY_ID"],
            aws_secret_access_key=credentials["AWS_SECRET_ACCESS_KEY"],
        ).create_bucket(Bucket=BUCKET)
        # main as applied before the pull requests (not a pipeline run: the account's start).
        first = state.checkout("main")
        applied = {**env, **credentials, **SECRETS}
        for command in ("plan-check", "apply"):
            done = subprocess.run(
                [str(first / ".venv/bin/python"), "main.py", command, "prod"],
                cwd=first,
                env=applied,
                capture_output=True,
                text=True,
                check=False,
            )
            assert done.returncode == 0, done.stdout + done.stderr
        yield state
    finally:
        server.stop()


@pytest.fixture(scope="module")
def escalation_change(pipelines: Pipelines) -> tuple[JobResult, JobResult, Path, str]:
    """(a): the checks job and the plan job of the pull request; its artifacts; its head."""
    head = pipelines.commit("escalation", ESCALATION_CHANGE)
    github = {"base_ref": "main", "event": {"pull_request": {"number": 1}}}
    artifacts = pipelines.workdir / "artifacts-a"
    checks = pipelines.job(PULL_REQUEST, "checks", pipelines.checkout(head), github, artifacts)
    assert checks.status == 0, [(s.name, s.output[-2000:]) for s in checks.steps]
    (entry,) = json.loads(checks.outputs["matrix"])["include"]
    plan = pipelines.job(
        PULL_REQUEST,
        "plan",
        pipelines.checkout(head),
        github,
        artifacts,
        matrix=entry,
        needs={"checks": {"outputs": checks.outputs}},
        variables={"IM_PLAN_ROLE_ARN": PLAN_ROLE},
    )
    return checks, plan, artifacts, head


def test_a_pull_request_changing_the_escalation_plan(
    escalation_change: tuple[JobResult, JobResult, Path, str],
) -> None:
    checks, plan, artifacts, _ = escalation_change
    assert json.loads(checks.outputs["matrix"]) == MATRIX
    # The runner's installs are up to date with the commit's pins: the setup step installs
    # nothing (in particular not uv again into the installs every other test uses).
    setup = checks.step("Install the pinned packages").output
    assert "Nothing to be done for 'ci-setup'" in setup, setup
    assert checks.step("Lint and the whole test suite (snapshots, offline plans)").outcome == (
        "skipped"
    )
    assert plan.status == 0, [(s.name, s.output[-3000:]) for s in plan.steps]
    print(f"\n--- summary of pull request (a) ---\n{plan.summary}")
    summary = plan.summary
    # The paging diff (preview-diff), then the plan-check.
    diff, checked = summary.split("### incident-manager-prod: plan-check")
    assert "**PipeDown**: pipe-lead is now paged at minute 10 instead of 5" in diff
    assert "Plan: 0 to add, 1 to change, 0 to destroy." in checked
    assert checked.count("| update in-place |") == 1
    assert "| create |" not in checked
    assert "| destroy |" not in checked
    assert "**Plan guard: passed**" in checked
    assert SECRETS["TF_VAR_pipe_responder__email"] not in summary
    reviewed = artifacts / f"plan-{STACK}" / "cdktf.out" / "stacks" / STACK / "tfplan.json"
    assert reviewed.is_file()
    assert (artifacts / f"preview-{STACK}" / "prod.html").is_file()


def test_a_pull_request_renaming_a_contact_is_refused(pipelines: Pipelines) -> None:
    head = pipelines.commit("rename", RENAME)
    plan = pipelines.job(
        PULL_REQUEST,
        "plan",
        pipelines.checkout(head),
        {"base_ref": "main", "event": {"pull_request": {"number": 2}}},
        pipelines.workdir / "artifacts-b",
        matrix=MATRIX["include"][0],
        needs={"checks": {"outputs": {"matrix": json.dumps(MATRIX)}}},
        variables={"IM_PLAN_ROLE_ARN": PLAN_ROLE},
    )
    print(f"\n--- summary of pull request (b) ---\n{plan.summary}")
    assert plan.status == 3
    assert plan.step("Plan, drift check and plan guard").outcome == "failure"
    # The summary step runs after the failure (if: !cancelled()).
    assert plan.step("The plan-check in the job summary").outcome == "success"
    assert "**Plan guard: refused** (exit 3)" in plan.summary
    assert "**PipeDown**: pipe-manager is now paged at minute 5" in plan.summary
    assert "  [contact-replace] aws_ssmcontacts_contact.contact-pipe-lead_" in plan.summary


def test_the_merge_applies_the_reviewed_plan_and_the_next_plan_is_clean(
    pipelines: Pipelines, escalation_change: tuple[JobResult, JobResult, Path, str]
) -> None:
    _, _, artifacts, head = escalation_change
    before = git(pipelines.origin, "rev-parse", "main")
    git(pipelines.origin, "merge", "-q", "--no-ff", "-m", "Merge pull request #1", head)
    merged = git(pipelines.origin, "rev-parse", "main")
    github = {"sha": merged, "event": {"before": before}}
    changes = pipelines.job(MERGE, "changes", pipelines.checkout(merged), github, artifacts)
    assert changes.status == 0
    assert json.loads(changes.outputs["matrix"]) == MATRIX
    checkout = pipelines.checkout(merged)
    apply = pipelines.job(
        MERGE,
        "apply",
        checkout,
        github,
        artifacts,
        matrix=MATRIX["include"][0],
        needs={"changes": {"outputs": changes.outputs}},
        variables={"IM_APPLY_ROLE_ARN": APPLY_ROLE},
    )
    assert apply.status == 0, [(s.name, s.output[-3000:]) for s in apply.steps]
    compared = apply.step("Stop unless the new plan is the reviewed one").output
    assert "the checked plan makes the reviewed changes" in compared
    applied = apply.step("Apply the checked plan").output
    assert "Apply complete! Resources: 0 added, 1 changed, 0 destroyed." in applied
    # The next plan, as Atlantis plans: its server's hook synthesizes, then the project's
    # custom workflow (atlantis.yaml, generated for this repository) runs its plan steps.
    hooked = {**pipelines.env, **pipelines.server.environment(), **SECRETS}
    hook = subprocess.run(
        ["sh", "-c", ATLANTIS_HOOK],
        cwd=checkout,
        env=hooked,
        capture_output=True,
        text=True,
        check=False,
    )
    assert hook.returncode == 0, hook.stdout + hook.stderr
    atlantis = YAML(typ="safe", pure=True).load((checkout / "atlantis.yaml").read_text("utf-8"))
    again = run_atlantis_stage(atlantis, STACK, "plan", checkout, hooked)
    assert again.status == 0, again.output
    assert "Plan: 0 to add, 0 to change, 0 to destroy." in again.output
    assert (checkout / "cdktf.out/stacks" / STACK / f"{STACK}-default.tfplan").is_file()
