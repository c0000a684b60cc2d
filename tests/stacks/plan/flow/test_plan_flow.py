"""stacks/plan/plan_flow.py on a stand-in project and terraform
(tests/stacks/plan/flow/fake_tools.py): the order of the steps, the exit codes, the record that ties
apply to the checked plan, the refused plan put out of reach, the stop while errored.tfstate waits,
the lock timeout and the file modes (issue 17, findings 1, 2, 5, 6, 9, 10). The same flow against
the real Terraform and the local Incident Manager: tests/stacks/plan/flow/test_flow_local_aws.py."""

from __future__ import annotations

import json
import os
import signal
import stat
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest

from stacks.layout import EXIT_BAD_INPUT, EXIT_DRIFT, EXIT_OK, EXIT_REFUSED
from stacks.plan import plan_flow
from stacks.plan.plan_flow import CHECKED_RECORD, PLAN_FILE, PLAN_JSON, REFUSED_PLAN
from tests.conftest import PROJECT_ROOT
from tests.stacks.plan.flow.fake_tools import FakeProject, fake_project

CONTACT_REPLACED: dict[str, Any] = {
    "resource_changes": [
        {
            "address": "aws_ssmcontacts_contact.contact-a",
            "type": "aws_ssmcontacts_contact",
            "change": {
                "actions": ["delete", "create"],
                "before": {"alias": "a", "type": "PERSONAL", "arn": "arn:a"},
                "after": {"alias": "b", "type": "PERSONAL"},
            },
        }
    ]
}


@pytest.fixture
def project(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> FakeProject:
    made = fake_project(tmp_path)
    monkeypatch.setenv("FAKE_LOG", str(made.log))
    monkeypatch.setenv("FAKE_PLAN_JSON", str(made.plan_json))
    return made


def plan_check(project: FakeProject, *allow: str, wait: str = "5s") -> int:
    return plan_flow.plan_check("dev", allow, wait, project.root, str(project.terraform))


def apply(project: FakeProject, wait: str = "5s") -> int:
    return plan_flow.apply("dev", wait, project.root, str(project.terraform))


def mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def test_plan_check_synthesizes_names_missing_secrets_then_plans_with_the_lock_timeout(
    project: FakeProject,
) -> None:
    assert plan_check(project, wait="7s") == EXIT_OK
    assert project.calls() == [
        ["main.py", "synth", "dev"],
        ["main.py", "secrets", "--missing", "dev"],
        ["terraform", "init", "-input=false", "-lock-timeout=7s"],
        ["terraform", "plan", "-input=false", "-lock-timeout=7s", "-out=tfplan"],
        ["terraform", "show", "-json", "tfplan"],
    ]
    record = json.loads((project.stack / CHECKED_RECORD).read_text(encoding="utf-8"))
    assert record == {"sha256": plan_flow.sha256(project.stack / PLAN_FILE), "allow": []}
    # What Terraform wrote under the flow's umask, and what the flow wrote, is the owner's only.
    for name in (PLAN_FILE, PLAN_JSON, CHECKED_RECORD):
        assert mode(project.stack / name) == 0o600, name
    committed = project.root / "stacks/terraform-locks/incident-manager-dev.terraform.lock.hcl"
    assert committed.read_text(encoding="utf-8") == "# lock\n"
    assert mode(committed) == 0o644


def test_plan_check_stops_with_the_status_of_a_failed_step_before_terraform(
    project: FakeProject, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("FAKE_STATUS_SECRETS", "2")
    assert plan_check(project) == EXIT_BAD_INPUT
    assert [c[0] for c in project.calls()] == ["main.py", "main.py"]


def test_a_refused_plan_is_renamed_and_the_refusal_is_printed_last(
    project: FakeProject, capfd: pytest.CaptureFixture[str]
) -> None:
    project.shows(CONTACT_REPLACED)
    assert plan_check(project) == EXIT_REFUSED
    assert not (project.stack / PLAN_FILE).exists()
    assert (project.stack / REFUSED_PLAN).is_file()
    assert not (project.stack / CHECKED_RECORD).exists()
    out, err = capfd.readouterr()
    assert 'terraform apply "tfplan"' in out
    assert err.splitlines()[0].startswith("plan guard: 1 dangerous change(s)")
    assert "[contact-replace] aws_ssmcontacts_contact.contact-a" in err
    assert "renamed tfplan.refused" in err
    assert err.rstrip().endswith('(make plan-check ALLOW="contact-replace").')
    # Nothing applies it: make apply says why.
    assert apply(project) == EXIT_BAD_INPUT
    assert "the plan guard refused the last plan" in capfd.readouterr().err


def test_allowed_kinds_are_recorded_and_guard_the_apply_again(project: FakeProject) -> None:
    project.shows(CONTACT_REPLACED)
    assert plan_check(project, "contact-replace") == EXIT_OK
    record = json.loads((project.stack / CHECKED_RECORD).read_text(encoding="utf-8"))
    assert record["allow"] == ["contact-replace"]
    assert apply(project) == EXIT_OK
    assert ["terraform", "apply", "-input=false", "-lock-timeout=5s", "tfplan"] in project.calls()


def test_apply_applies_the_checked_plan_after_reading_it_again_and_then_forgets_it(
    project: FakeProject,
) -> None:
    assert plan_check(project) == EXIT_OK
    imports = project.root / "stacks" / "adopted" / "dev.imports.json"
    imports.parent.mkdir(parents=True)
    imports.write_text("{}", encoding="utf-8")
    before = len(project.calls())
    assert apply(project, wait="9s") == EXIT_OK
    assert project.calls()[before:] == [
        ["terraform", "show", "-json", "tfplan"],
        ["terraform", "apply", "-input=false", "-lock-timeout=9s", "tfplan"],
    ]
    assert not (project.stack / PLAN_FILE).exists()
    assert not (project.stack / CHECKED_RECORD).exists()
    assert not imports.exists()


def test_apply_refuses_a_plan_changed_after_plan_check(
    project: FakeProject, capfd: pytest.CaptureFixture[str]
) -> None:
    assert plan_check(project) == EXIT_OK
    # As `terraform plan -replace=... -out=tfplan` typed in the stack directory would.
    (project.stack / PLAN_FILE).write_text("another plan", encoding="utf-8")
    before = len(project.calls())
    assert apply(project) == EXIT_BAD_INPUT
    assert project.calls()[before:] == []
    assert "not the plan that plan-check checked" in capfd.readouterr().err
    assert (project.stack / PLAN_FILE).is_file()


def test_apply_refuses_a_plan_that_no_plan_check_recorded(project: FakeProject) -> None:
    project.stack.mkdir(parents=True)
    (project.stack / PLAN_FILE).write_text("plan", encoding="utf-8")
    assert apply(project) == EXIT_BAD_INPUT
    assert project.calls() == []


def test_drift_is_reported_with_its_own_status_and_the_plan_stays_appliable(
    project: FakeProject, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(plan_flow, "drift_status", lambda plan: EXIT_DRIFT)
    assert plan_check(project) == EXIT_DRIFT
    assert (project.stack / CHECKED_RECORD).is_file()
    # A dangerous change outranks drift: the guard's 3.
    project.shows(CONTACT_REPLACED)
    assert plan_check(project) == EXIT_REFUSED


@pytest.mark.parametrize("command", ["plan-check", "apply"])
def test_both_stop_while_errored_state_waits_to_be_pushed_back(
    project: FakeProject, command: str, capfd: pytest.CaptureFixture[str]
) -> None:
    project.stack.mkdir(parents=True)
    (project.stack / "errored.tfstate").write_text("{}", encoding="utf-8")
    status = plan_check(project) if command == "plan-check" else apply(project)
    assert status == EXIT_BAD_INPUT
    message = capfd.readouterr().err
    assert "cdktf.out/stacks/incident-manager-dev/errored.tfstate exists" in message
    assert "would create them again" in message
    assert (
        "cd cdktf.out/stacks/incident-manager-dev && terraform state push errored.tfstate "
        "&& rm errored.tfstate" in message
    )
    assert project.calls() == []


@pytest.mark.parametrize("wait", ["60", "1 minute", "-5s", ""])
def test_a_lock_timeout_that_is_not_a_duration_is_refused_before_anything_runs(
    project: FakeProject, wait: str, capfd: pytest.CaptureFixture[str]
) -> None:
    assert plan_check(project, wait=wait) == EXIT_BAD_INPUT
    assert f"--lock-timeout (LOCK_TIMEOUT): {wait!r} is not a duration" in capfd.readouterr().err
    assert project.calls() == []


def test_a_lock_held_too_long_ends_with_terraforms_failure(
    project: FakeProject, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("FAKE_STATUS_PLAN", "1")
    assert plan_check(project) == 1
    assert not (project.stack / CHECKED_RECORD).exists()


def test_state_files_made_before_are_made_private(project: FakeProject) -> None:
    assert plan_check(project) == EXIT_OK
    state = project.root / "terraform.dev.tfstate"
    backup = project.root / "terraform.dev.tfstate.backup"
    errored = project.stack / "errored.tfstate"
    for path in (state, backup, errored):
        path.write_text("{}", encoding="utf-8")
        path.chmod(0o644)
    unrelated = project.root / "notes.txt"
    unrelated.write_text("x", encoding="utf-8")
    unrelated.chmod(0o644)
    assert set(plan_flow.tighten_modes(project.stack)) == {state, backup, errored}
    assert {mode(p) for p in (state, backup, errored)} == {0o600}
    assert mode(unrelated) == 0o644


def test_addresses_to_replace_reach_terraform_plan(project: FakeProject) -> None:
    address = 'terraform_data.oncall_schedule_settings["app-oncall"]'
    status = plan_flow.plan_check(
        "dev", (), "5s", project.root, str(project.terraform), replace=[address]
    )
    assert status == EXIT_OK
    assert [
        "terraform", "plan", "-input=false", "-lock-timeout=5s", "-out=tfplan",
        f"-replace={address}",
    ] in project.calls()  # fmt: skip


def test_ctrl_c_waits_for_terraform_to_save_the_state_and_says_what_comes_next(
    project: FakeProject,
) -> None:
    """Ctrl-C in a terminal reaches the whole process group; the flow must let Terraform stop
    by itself (Python's default killed it 0.25 s later: state unsaved, S3 lock held)."""
    assert plan_check(project) == EXIT_OK
    env = {**os.environ, "FAKE_APPLY_WAITS_FOR_CTRL_C": "1", "PYTHONPATH": str(PROJECT_ROOT)}
    script = (
        "import sys; from pathlib import Path; from stacks.plan import plan_flow; "
        f"sys.exit(plan_flow.apply('dev', '5s', Path({str(project.root)!r}), "
        f"{str(project.terraform)!r}))"
    )
    child = subprocess.Popen(
        [sys.executable, "-c", script],
        env=env,
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        start_new_session=True,
    )
    try:
        deadline = time.monotonic() + 60
        while not (project.stack / "apply-started").exists():
            assert time.monotonic() < deadline and child.poll() is None, child.communicate()
            time.sleep(0.05)
        os.killpg(child.pid, signal.SIGINT)
        _, err = child.communicate(timeout=60)
    finally:
        if child.poll() is None:
            os.killpg(child.pid, signal.SIGKILL)
            child.wait(timeout=10)
    assert (project.stack / "state-saved").exists(), err
    assert child.returncode == 1
    assert "Traceback" not in err
    assert "apply interrupted (Ctrl-C): Terraform let the calls in flight finish" in err
    assert "make plan-check ENV=dev, then make apply ENV=dev" in err


def test_a_failed_apply_says_which_command_comes_next(
    project: FakeProject, monkeypatch: pytest.MonkeyPatch, capfd: pytest.CaptureFixture[str]
) -> None:
    assert plan_check(project) == EXIT_OK
    monkeypatch.setenv("FAKE_STATUS_APPLY", "1")
    assert apply(project) == 1
    err = capfd.readouterr().err
    assert "After a state lock timeout, run make apply again" in err
    assert "run make plan-check ENV=dev first" in err
    # The checked plan stays for that second try.
    assert (project.stack / CHECKED_RECORD).is_file()


def test_plan_check_prints_the_guards_notes_on_an_interrupted_apply(
    project: FakeProject, monkeypatch: pytest.MonkeyPatch, capfd: pytest.CaptureFixture[str]
) -> None:
    # docs/safety.md promises the note; the drift check (AWS) is not the point here.
    monkeypatch.setattr(plan_flow, "drift_status", lambda plan: EXIT_OK)
    record = {"kind": "ssm-contacts-rotation-coverage", "name": "day"}
    project.shows(
        {
            "resource_changes": [
                {
                    "address": "terraform_data.coverage",
                    "type": "terraform_data",
                    "action_reason": "replace_because_tainted",
                    "change": {
                        "actions": ["delete", "create"],
                        "before": {"input": record},
                        "after": {"input": record},
                    },
                }
            ]
        }
    )
    assert plan_check(project) == EXIT_OK
    out = capfd.readouterr().out
    assert (
        "plan guard: note: terraform_data.coverage: re-creating the shift coverage record of "
        "rotation 'day' after an interrupted apply"
    ) in out
