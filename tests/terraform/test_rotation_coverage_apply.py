"""Shift coverages applied for real: the real Terraform 1.11 and hashicorp/aws 5.100.0 (from the
mirror) against the local Incident Manager, the coverage record's provisioner running
``stacks/rotation_coverage_sync.py`` as synthesized.

hashicorp/aws 5.100.0 reads a coverage's start minute back as its end minute (08:30-17:00 reads
as 08:00-17:00). One rotation goes through the edits that trip over that, each step checked
through the API (GetRotation) and by a second plan that must show no changes: created with the
console's business hours (08:30-17:00 on weekdays), the hours moved (09:15-17:45), the members
changed (the provider's update re-sends the read-back 09:45, the record writes 09:15 after it),
hours changed in the console (only the drift check sees it), the hours moved to exactly what
the provider reads back (09:45-17:45: the provider sees no change), the coverage removed, a
coverage with equal minutes again, and destroy.
"""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from local_aws.process import LocalAwsProcess
from stacks.plan_guard import check_plan
from stacks.synthesize import HCL_OUTPUT_VARIABLE, tidy_hcl
from tests.conftest import PROJECT_ROOT, main_environment
from tests.stacks.environment_files import project_with
from tests.terraform.offline_runs import offline_run
from tests.terraform.stack_copy import read_stack
from tests.terraform.terraform_cli import Terraform
from tests.terraform.test_oncall_schedule_apply import ACCOUNT, REGION, Deployment

Json = dict[str, Any]
WEEKDAYS = ("MON", "TUE", "WED", "THU", "FRI")


def environment(members: str, coverage: str | None) -> str:
    """One rotation with a daily 08:30 hand-off; ``coverage`` (``HH:MM-HH:MM``) on weekdays."""
    text = f"""\
account_id: "{ACCOUNT}"
region: {REGION}
replication_set:
  regions: [{REGION}]
  prevent_destroy: false
contacts:
"""
    for alias in ("alice", "bob", "carol"):
        text += f"""\
  - alias: {alias}
    channels: [{{name: email, type: EMAIL, address: {alias}@example.com}}]
    engagement: [{{channel: email, at_minute: 0}}]
"""
    text += f"""\
rotations:
  - name: business-hours
    contacts: [{members}]
    time_zone: Europe/Berlin
    start_time: 2026-01-05T07:30:00+00:00
    hand_off: {{daily: ["08:30"]}}
"""
    if coverage:
        start, end = coverage.split("-")
        text += "    shift_coverages:\n" + "".join(
            f'      {day}: [{{start: "{start}", end: "{end}"}}]\n' for day in WEEKDAYS
        )
    return text


@pytest.fixture(scope="module")
def deployment(
    terraform: Terraform, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Deployment]:
    workdir = tmp_path_factory.mktemp("coverage-apply")
    server = LocalAwsProcess.start(workdir, account_id=ACCOUNT)
    try:
        project = project_with(workdir / "project", environment("alice, bob", None), "oncall")
        repo = workdir / "repo"
        repo.mkdir()
        # The repository layout the provisioner command expects from the stack directory.
        (repo / "stacks").symlink_to(PROJECT_ROOT / "stacks")
        (repo / ".venv").symlink_to(Path(sys.prefix))
        yield Deployment(terraform=terraform, server=server, project=project, repo=repo)
    finally:
        server.stop()


def live(deployment: Deployment) -> Json:
    contacts = deployment.client("ssm-contacts")
    (summary,) = contacts.list_rotations()["Rotations"]
    rotation: Json = contacts.get_rotation(RotationId=summary["RotationArn"])
    return rotation


def live_coverage(deployment: Deployment) -> dict[str, list[str]]:
    """The live coverage as ``{"MON": ["08:30-17:00"]}``."""

    def text(time: Json) -> str:
        return f"{time['HourOfDay']:02d}:{time['MinuteOfHour']:02d}"

    coverages = live(deployment)["Recurrence"].get("ShiftCoverages") or {}
    return {
        day: [f"{text(c['Start'])}-{text(c['End'])}" for c in spans]
        for day, spans in sorted(coverages.items())
    }


def weekdays(span: str) -> dict[str, list[str]]:
    return {day: [span] for day in sorted(WEEKDAYS)}


def no_changes(deployment: Deployment) -> bool:
    result = deployment.run("plan", "-input=false", "-detailed-exitcode", ok=(0, 2))
    return result.returncode == 0


def changes(plan: Json) -> list[str]:
    """What a saved plan would change ([] is Terraform's "No changes")."""
    return [
        c["address"]
        for c in plan["resource_changes"]
        if c["change"]["actions"] not in (["no-op"], ["read"])
    ]


def actions(plan: Json) -> dict[str, list[str]]:
    return {c["address"]: c["change"]["actions"] for c in plan["resource_changes"]}


def rotation_actions(plan: Json) -> list[str]:
    (found,) = [c for c in plan["resource_changes"] if c["type"] == "aws_ssmcontacts_rotation"]
    actions: list[str] = found["change"]["actions"]
    return actions


def records(plan: Json) -> dict[str, Json]:
    """The coverage records of a plan, by address."""
    return {c["address"]: c for c in plan["resource_changes"] if c["type"] == "terraform_data"}


def updates(deployment: Deployment, since: int) -> int:
    return deployment.calls("UpdateRotation", since)


@pytest.fixture(scope="module")
def created(deployment: Deployment) -> Json:
    deployment.synth(environment("alice, bob", "08:30-17:00"))
    plan = deployment.plan()
    # The drift check of a plan creating the rotation: its ARN is not known yet.
    check = deployment.sync_check()
    assert check_plan(plan) == []
    deployment.run("apply", "-input=false", "tfplan")
    return {"plan": plan, "check": check}


def test_business_hours_are_created_as_configured_and_plan_clean(
    deployment: Deployment, created: Json
) -> None:
    assert live_coverage(deployment) == weekdays("08:30-17:00")
    (record,) = records(created["plan"]).values()
    assert record["change"]["actions"] == ["create"]
    assert (created["check"].returncode, created["check"].stdout) == (
        0,
        "on-call schedules: none in this plan\n"
        "on-call rotation 'business-hours': new; this plan writes its shift coverage\n",
    )
    assert changes(deployment.plan()) == []
    check = deployment.sync_check()
    assert check.returncode == 0, check.stdout + check.stderr
    assert "on-call rotation 'business-hours': shift coverage matches the config" in check.stdout


@pytest.fixture(scope="module")
def moved(deployment: Deployment, created: Json) -> Json:
    before = len(deployment.server.requests())
    plan = deployment.apply(environment("alice, bob", "09:15-17:45"))
    return {"plan": plan, "since": before}


def test_moving_the_hours_replaces_only_the_record_which_writes_them(
    deployment: Deployment, moved: Json
) -> None:
    planned = actions(moved["plan"])
    # The provider would send the read-back: the rotation ignores coverage changes.
    assert rotation_actions(moved["plan"]) == ["no-op"]
    (record,) = records(moved["plan"])
    assert planned[record] == ["delete", "create"]
    assert live_coverage(deployment) == weekdays("09:15-17:45")
    assert updates(deployment, moved["since"]) == 1
    assert no_changes(deployment)


@pytest.fixture(scope="module")
def members_changed(deployment: Deployment, moved: Json) -> Json:
    before = len(deployment.server.requests())
    deployment.synth(environment("alice, bob, carol", "09:15-17:45"))
    plan = deployment.plan()
    assert check_plan(plan) == [], "the plan guard refused replacing the record"
    applied = deployment.run("apply", "-input=false", "tfplan")
    return {"plan": plan, "since": before, "output": applied.stdout.splitlines()}


def test_after_the_providers_update_of_the_members_the_record_writes_the_hours_again(
    deployment: Deployment, members_changed: Json
) -> None:
    plan = members_changed["plan"]
    assert rotation_actions(plan) == ["update"]
    (record,) = records(plan).values()
    assert record["change"]["actions"] == ["delete", "create"]
    assert record["action_reason"] == "replace_by_triggers"
    # What the provider sent: the coverage it read back (start minute = end minute).
    (rotation,) = [c for c in plan["resource_changes"] if c["type"] == "aws_ssmcontacts_rotation"]
    sent_coverage = rotation["change"]["after"]["recurrence"][0]["shift_coverages"]
    assert {c["coverage_times"][0]["start"][0]["minute_of_hour"] for c in sent_coverage} == {45}
    # The old record goes first (it does nothing when destroyed); the new one, which writes the
    # coverage, is created once the provider's update is complete.
    (address,) = records(plan)
    output = members_changed["output"]
    destroyed = next(
        i for i, line in enumerate(output) if line.startswith(f"{address}: Destruction complete")
    )
    updated = next(i for i, line in enumerate(output) if "Modifications complete" in line)
    created = next(i for i, line in enumerate(output) if line.startswith(f"{address}: Creation"))
    assert output[updated].startswith("aws_ssmcontacts_rotation.")
    assert destroyed < updated < created, output
    assert updates(deployment, members_changed["since"]) == 2
    rotation_now = live(deployment)
    assert len(rotation_now["ContactIds"]) == 3
    assert live_coverage(deployment) == weekdays("09:15-17:45")
    assert no_changes(deployment)


@pytest.fixture(scope="module")
def console_edit(deployment: Deployment, members_changed: Json) -> Json:
    """Someone moves Monday to 07:00-17:45 in the console."""
    rotation = live(deployment)
    recurrence = rotation["Recurrence"]
    recurrence["ShiftCoverages"]["MON"] = [
        {"Start": {"HourOfDay": 7, "MinuteOfHour": 0}, "End": {"HourOfDay": 17, "MinuteOfHour": 45}}
    ]
    deployment.client("ssm-contacts").update_rotation(
        RotationId=rotation["RotationArn"], Recurrence=recurrence
    )
    return {"plan": deployment.plan()}


def test_a_console_edit_of_the_hours_is_reported_by_the_drift_check(
    deployment: Deployment, console_edit: Json
) -> None:
    # 07:00-17:45 reads back as 07:45-17:45, and the rotation ignores coverage changes.
    assert changes(console_edit["plan"]) == []
    (record,) = records(console_edit["plan"])
    result = deployment.sync_check()
    assert result.returncode == 4, result.stdout + result.stderr
    assert (
        "on-call rotation 'business-hours': DRIFT: shift coverage differs (MON is 07:00-17:45, "
        "config says 09:15-17:45)"
    ) in result.stdout
    assert f"terraform apply -replace='{record}'" in result.stdout
    # The advice works.
    deployment.plan(f"-replace={record}")
    deployment.run("apply", "-input=false", "tfplan")
    assert live_coverage(deployment) == weekdays("09:15-17:45")


@pytest.fixture(scope="module")
def read_back_hours(deployment: Deployment, console_edit: Json) -> Json:
    before = len(deployment.server.requests())
    plan = deployment.apply(environment("alice, bob, carol", "09:45-17:45"))
    return {"plan": plan, "since": before}


def test_hours_equal_to_the_providers_read_back_are_still_written(
    deployment: Deployment, read_back_hours: Json
) -> None:
    # 09:15-17:45 reads back as 09:45-17:45: the provider sees no change to make.
    plan = read_back_hours["plan"]
    assert rotation_actions(plan) == ["no-op"]
    (record,) = records(plan).values()
    assert record["change"]["actions"] == ["delete", "create"]
    assert live_coverage(deployment) == weekdays("09:45-17:45")
    assert no_changes(deployment)


@pytest.fixture(scope="module")
def uncovered(deployment: Deployment, read_back_hours: Json) -> Json:
    return {"plan": deployment.apply(environment("alice, bob, carol", None))}


def test_removing_the_coverage_is_the_providers_update_and_the_record_goes(
    deployment: Deployment, uncovered: Json
) -> None:
    plan = uncovered["plan"]
    assert rotation_actions(plan) == ["update"]
    (record,) = records(plan).values()
    assert record["change"]["actions"] == ["delete"]
    assert live_coverage(deployment) == {}
    assert no_changes(deployment)
    addresses = deployment.state_addresses()
    # The rotation stays; only its coverage record went.
    assert [a for a in addresses if a.startswith("aws_ssmcontacts_rotation.")]
    assert not [a for a in addresses if a.startswith("terraform_data.")]


@pytest.fixture(scope="module")
def covered_again(deployment: Deployment, uncovered: Json) -> Json:
    return {"plan": deployment.apply(environment("alice, bob, carol", "08:00-18:00"))}


def test_a_coverage_with_equal_minutes_is_sent_by_the_provider_and_by_the_record(
    deployment: Deployment, covered_again: Json
) -> None:
    plan = covered_again["plan"]
    assert rotation_actions(plan) == ["update"]
    (record,) = records(plan).values()
    assert record["change"]["actions"] == ["create"]
    assert live_coverage(deployment) == weekdays("08:00-18:00")
    assert no_changes(deployment)


def test_destroy_removes_the_record_before_the_rotation(
    deployment: Deployment, covered_again: Json
) -> None:
    result = deployment.run("destroy", "-input=false", "-auto-approve")
    order = [
        line.split(": Destruction complete", 1)[0]
        for line in result.stdout.splitlines()
        if ": Destruction complete" in line
    ]
    (record,) = records(covered_again["plan"])
    (rotation,) = [a for a in order if a.startswith("aws_ssmcontacts_rotation.")]
    assert order.index(record) < order.index(rotation), order
    assert deployment.client("ssm-contacts").list_rotations()["Rotations"] == []


def _synthesize(project: Path, outdir: Path, *, hcl: bool) -> Path:
    """`make synth` / `make synth-hcl` of ``project`` in a child process (cdktf reads the HCL
    switch when its Node process starts); the stack directory."""
    code = (
        "import sys; from pathlib import Path; "
        "from stacks.environment_loader import load_environments; "
        "from stacks.synthesize import synthesize; "
        "root = Path(sys.argv[1]); synthesize(load_environments(root), root, Path(sys.argv[2]), "
        f"hcl={hcl})"
    )
    subprocess.run(
        [sys.executable, "-c", code, str(project), str(outdir)],
        cwd=PROJECT_ROOT,
        env={**main_environment(), HCL_OUTPUT_VARIABLE: "true" if hcl else "false"},
        check=True,
        capture_output=True,
        timeout=300,
    )
    return outdir / "stacks" / "incident-manager-oncall"


def test_the_hcl_export_plans_like_the_json_without_a_warning(
    terraform: Terraform, tmp_path: Path
) -> None:
    """`make synth-hcl` of a coverage read back wrong: ignore_changes and replace_triggered_by
    hold references, not strings (Terraform warns "Quoted references are deprecated" about the
    first and refuses to plan "${...}" in the second, though it validates it)."""
    project = project_with(tmp_path / "project", environment("alice", "08:30-17:00"), "oncall")
    hcl = _synthesize(project, tmp_path / "cdktf.out.hcl", hcl=True)
    text = (hcl / "cdk.tf").read_text(encoding="utf-8")
    assert "ignore_changes = [\n      recurrence[0].shift_coverages,\n    ]" in text
    assert "replace_triggered_by = [\n      aws_ssmcontacts_rotation." in text
    json_dir = _synthesize(project, tmp_path / "cdktf.out", hcl=False)
    stack = read_stack(json_dir)
    runs = {
        kind: offline_run(terraform, source, tmp_path / f"run-{kind}", stack, {})
        for kind, source in (("hcl", hcl), ("json", json_dir))
    }
    validated = runs["hcl"].validated
    assert (validated["valid"], validated["diagnostics"]) == (True, []), validated
    assert runs["hcl"].plan["resource_changes"] == runs["json"].plan["resource_changes"]


def test_tidy_hcl_writes_lifecycle_references_bare() -> None:
    rendered = "\n".join(
        [
            "  lifecycle {",
            "    ignore_changes = [",
            '      "recurrence[0].shift_coverages",',
            "    ]",
            "    replace_triggered_by = [",
            '      "${aws_ssmcontacts_rotation.r_1}",',
            "    ]",
            "  }",
            '  x = ["${a.b}"]',
        ]
    )
    assert tidy_hcl(rendered).split("\n") == [
        "  lifecycle {",
        "    ignore_changes = [",
        "      recurrence[0].shift_coverages,",
        "    ]",
        "    replace_triggered_by = [",
        "      aws_ssmcontacts_rotation.r_1,",
        "    ]",
        "  }",
        '  x = ["${a.b}"]',
    ]
