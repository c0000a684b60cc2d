"""On-call schedules applied for real: the real Terraform and hashicorp/aws provider (from the
mirror), the provisioners running ``stacks/oncall_schedule_sync.py``, against the local Incident
Manager (``local_aws``, a child process on 127.0.0.1 that enforces AWS's schedule rules).

One environment goes through a schedule's life, each step checked through the API:
adopt a schedule made in the console (same ARN, never deleted), engage it from an escalation plan
and a response plan, see drift, change its rotations and display name in place (same ARN; the
rotation it stops using is deleted only afterwards), refuse replacing it, and delete it when it
leaves the config.

The synthesized stack runs from ``<repo>/cdktf.out/stacks/<stack>/`` of a throwaway repository
whose ``stacks`` and ``.venv`` link to this one's, so the provisioners run with the command as
synthesized (in ``../../..``, ``.venv/bin/python -m stacks.oncall_schedule_sync``), no override.
"""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from local_aws.process import LocalAwsProcess
from local_aws.server import DEFAULT_ACCOUNT, FAKE_ACCESS_KEY, FAKE_SECRET_KEY
from stacks.environment_loader import load_environments
from stacks.plan_guard import check_plan
from stacks.synthesize import synthesize
from tests.conftest import PROJECT_ROOT
from tests.stacks.environment_files import project_with
from tests.terraform.stack_copy import aws_providers, read_stack, write_override
from tests.terraform.terraform_cli import Terraform

Json = dict[str, Any]

REGION = "us-east-1"
ACCOUNT = DEFAULT_ACCOUNT
STACK = "incident-manager-oncall"
SCHEDULE = "app-oncall"
SCHEDULE_ARN = f"arn:aws:ssm-contacts:{REGION}:{ACCOUNT}:contact/{SCHEDULE}"
IDENTITY = f'terraform_data.oncall_schedule["{SCHEDULE}"]'
SETTINGS = f'terraform_data.oncall_schedule_settings["{SCHEDULE}"]'
PROVIDER_SERVICES = ("ssmcontacts", "ssmincidents", "sts", "iam", "kms", "sns", "ssm")
TIMEOUT = 600

BASE = f"""\
account_id: "{ACCOUNT}"
region: {REGION}
default_tags:
  team: payments
replication_set:
  existing: true
  regions: [{REGION}]
contacts:
  - alias: alice
    channels: [{{name: email, type: EMAIL, address: alice@example.com}}]
    engagement: [{{channel: email, at_minute: 0}}]
  - alias: bob
    channels: [{{name: email, type: EMAIL, address: bob@example.com}}]
    engagement: [{{channel: email, at_minute: 0}}]
"""
WEEKDAYS = """\
  - name: weekdays
    contacts: [alice, bob]
    time_zone: Etc/UTC
    start_time: 2026-01-05T08:00:00+00:00
    hand_off: {daily: ["08:00"]}
"""
AROUND_THE_CLOCK = """\
  - name: around-the-clock
    contacts: [bob, alice]
    time_zone: Etc/UTC
    start_time: 2026-01-05T08:00:00+00:00
    hand_off: {weekly: [{day: MON, time: "09:00"}]}
"""


def environment(rotations: str, schedule: str | None, engaged: str) -> str:
    text = BASE + "rotations:\n" + rotations
    if schedule:
        text += "oncall_schedules:\n" + schedule
    return text + textwrap.dedent(
        f"""\
        escalation_plans:
          - alias: app-escalation
            stages:
              - duration_minutes: 0
                targets: [{{contact: {engaged}}}]
        response_plans:
          - name: AppDown
            incident: {{title: app-down, impact: high}}
            engagements: [{engaged}]
        """
    )


V1 = environment(
    WEEKDAYS + AROUND_THE_CLOCK,
    f"""\
  - alias: {SCHEDULE}
    display_name: App on-call
    rotations: [weekdays]
    tags: {{service: app}}
""",
    SCHEDULE,
)
# Other rotation, other display name; the rotation it used leaves the config (and AWS).
V2 = environment(
    AROUND_THE_CLOCK,
    f"""\
  - alias: {SCHEDULE}
    display_name: App on-call around the clock
    rotations: [around-the-clock]
    tags: {{service: app}}
""",
    SCHEDULE,
)
# No schedule any more: nothing engages it; the for_each blocks stay (no instances) and the
# removed instance's destroy-time provisioner deletes it.
V3 = environment(AROUND_THE_CLOCK, None, "bob")


@dataclass
class Deployment:
    """A throwaway repository with one environment, its stack and the server it applies to."""

    terraform: Terraform
    server: LocalAwsProcess
    project: Path
    repo: Path

    @property
    def stack_dir(self) -> Path:
        return self.repo / "cdktf.out" / "stacks" / STACK

    def env(self) -> dict[str, str]:
        """Terraform's environment: the test CLI config, and the SDK (in the provisioners)
        pointed at the local server with fake keys, exactly as the provider is."""
        env = self.terraform.env(
            {
                "AWS_ENDPOINT_URL": self.server.url,
                "AWS_ACCESS_KEY_ID": FAKE_ACCESS_KEY,
                "AWS_SECRET_ACCESS_KEY": FAKE_SECRET_KEY,
                "AWS_REGION": REGION,
                "AWS_EC2_METADATA_DISABLED": "true",
            }
        )
        # The provisioners must find the module with the command as synthesized.
        env.pop("IM_PYTHON", None)
        return env

    def synth(self, text: str) -> None:
        """Write the environment file, synthesize it into the repo's cdktf.out (as `make
        synth` does) and point the provider at the server (an override file, as CI does)."""
        (self.project / "stacks" / "environments" / "oncall.yaml").write_text(text, "utf-8")
        outdir = self.repo / "cdktf.out"
        synthesize(load_environments(self.project), self.project, outdir)
        stack = read_stack(self.stack_dir)
        providers = [
            {
                "access_key": FAKE_ACCESS_KEY,
                "secret_key": FAKE_SECRET_KEY,
                "endpoints": [dict.fromkeys(PROVIDER_SERVICES, self.server.url)],
                "skip_metadata_api_check": True,
            }
            for _ in aws_providers(stack)
        ]
        state = self.state_path
        write_override(
            self.stack_dir,
            "test_local_aws",
            {
                "terraform": {"backend": {"local": {"path": str(state)}}},
                "provider": {"aws": providers},
            },
        )

    def run(self, *args: str, ok: tuple[int, ...] = (0,)) -> subprocess.CompletedProcess[str]:
        result = subprocess.run(
            [str(self.terraform.binary), *args, "-no-color"],
            cwd=self.stack_dir,
            env=self.env(),
            stdin=subprocess.DEVNULL,
            capture_output=True,
            text=True,
            timeout=TIMEOUT,
            check=False,
        )
        if result.returncode not in ok:
            pytest.fail(
                f"terraform {' '.join(args)} exited {result.returncode}:\n{result.stdout}\n"
                f"{result.stderr}\n--- server log\n{self.server.output.read_text()[-3000:]}",
                pytrace=False,
            )
        return result

    def plan(self, *extra: str) -> Json:
        self.run("init", "-input=false", "-reconfigure")
        self.run("plan", "-input=false", "-out=tfplan", *extra)
        shown: Json = json.loads(self.run("show", "-json", "tfplan").stdout)
        (self.stack_dir / "tfplan.json").write_text(json.dumps(shown), encoding="utf-8")
        return shown

    def apply(self, text: str) -> Json:
        self.synth(text)
        plan = self.plan()
        assert check_plan(plan) == [], "the plan guard refused an ordinary change"
        self.run("apply", "-input=false", "tfplan")
        return plan

    def sync_check(self) -> subprocess.CompletedProcess[str]:
        """`make plan-check`'s drift step on the last plan."""
        return subprocess.run(
            [
                sys.executable,
                "-m",
                "stacks.oncall_schedule_sync",
                "check",
                str(self.stack_dir / "tfplan.json"),
            ],
            cwd=PROJECT_ROOT,
            env={**self.env(), "PYTHONPATH": str(PROJECT_ROOT)},
            capture_output=True,
            text=True,
            timeout=120,
            check=False,
        )

    @property
    def state_path(self) -> Path:
        return self.repo / "terraform.oncall.tfstate"

    def state_addresses(self) -> list[str]:
        """Every resource instance in the state, as `terraform show -json` names them (read
        from the state file: `show` would start the provider only to print it)."""
        state = json.loads(self.state_path.read_text(encoding="utf-8"))
        addresses = []
        for resource in state.get("resources", []):
            if resource.get("mode") != "managed":
                continue
            address = f"{resource['type']}.{resource['name']}"
            for instance in resource.get("instances", []):
                key = instance.get("index_key")
                addresses.append(address if key is None else f"{address}[{json.dumps(key)}]")
        return addresses

    def client(self, service: str) -> Any:
        import boto3  # type: ignore[import-untyped]

        return boto3.client(
            service,
            endpoint_url=self.server.url,
            region_name=REGION,
            aws_access_key_id=FAKE_ACCESS_KEY,
            aws_secret_access_key=FAKE_SECRET_KEY,
        )

    def calls(self, operation: str, since: int = 0) -> int:
        return sum(
            1
            for r in self.server.requests()[since:]
            if r.get("service") == "ssm-contacts" and r.get("operation") == operation
        )


def _actions(plan: Json) -> dict[str, list[str]]:
    return {c["address"]: c["change"]["actions"] for c in plan["resource_changes"]}


@pytest.fixture(scope="module")
def deployment(
    terraform: Terraform, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Deployment]:
    workdir = tmp_path_factory.mktemp("oncall-apply")
    server = LocalAwsProcess.start(workdir, account_id=ACCOUNT)
    try:
        project = project_with(workdir / "project", V1, name="oncall")
        repo = workdir / "repo"
        repo.mkdir()
        # The repository layout the provisioner command expects from the stack directory.
        (repo / "stacks").symlink_to(PROJECT_ROOT / "stacks")
        (repo / ".venv").symlink_to(Path(sys.prefix))
        yield Deployment(terraform=terraform, server=server, project=project, repo=repo)
    finally:
        server.stop()


@pytest.fixture(scope="module")
def console_schedule(deployment: Deployment) -> Json:
    """What a team built in the console before adopting: the replication set, a person, a
    rotation and a schedule paging it."""
    incidents, contacts = deployment.client("ssm-incidents"), deployment.client("ssm-contacts")
    incidents.create_replication_set(regions={REGION: {}})
    carol = contacts.create_contact(Alias="carol", Type="PERSONAL", Plan={"Stages": []})
    legacy = contacts.create_rotation(
        Name="legacy",
        ContactIds=[carol["ContactArn"]],
        TimeZoneId="Etc/UTC",
        StartTime="2026-01-05T08:00:00Z",
        Recurrence={
            "NumberOfOnCalls": 1,
            "RecurrenceMultiplier": 1,
            "DailySettings": [{"HourOfDay": 9, "MinuteOfHour": 0}],
        },
    )["RotationArn"]
    created = contacts.create_contact(
        Alias=SCHEDULE,
        DisplayName="Console schedule",
        Type="ONCALL_SCHEDULE",
        Plan={"RotationIds": [legacy]},
        Tags=[{"Key": "owner", "Value": "console"}],
    )
    assert created["ContactArn"] == SCHEDULE_ARN
    return {"legacy_rotation": legacy}


def _rotation_arn(deployment: Deployment, name: str) -> str:
    rotations = deployment.client("ssm-contacts").list_rotations()["Rotations"]
    found = [str(r["RotationArn"]) for r in rotations if r["Name"] == name]
    assert len(found) == 1, f"rotation {name!r}: {found}"
    return found[0]


def _schedule(deployment: Deployment) -> Json:
    contact: Json = deployment.client("ssm-contacts").get_contact(ContactId=SCHEDULE_ARN)
    return contact


def _tags(deployment: Deployment) -> dict[str, str]:
    listed = deployment.client("ssm-contacts").list_tags_for_resource(ResourceARN=SCHEDULE_ARN)
    return {t["Key"]: t["Value"] for t in listed["Tags"]}


@pytest.fixture(scope="module")
def adopted(deployment: Deployment, console_schedule: Json) -> Json:
    before = len(deployment.server.requests())
    plan = deployment.apply(V1)
    return {"plan": plan, "requests_before": before}


def test_adopting_keeps_the_console_schedule_and_its_arn(
    deployment: Deployment, adopted: Json
) -> None:
    since = adopted["requests_before"]
    schedule = _schedule(deployment)
    assert schedule["ContactArn"] == SCHEDULE_ARN
    assert schedule["Type"] == "ONCALL_SCHEDULE"
    # Never deleted; the only contact created is the escalation plan (and the two people).
    assert deployment.calls("DeleteContact", since) == 0
    assert deployment.calls("CreateContact", since) == 3
    assert schedule["Plan"]["RotationIds"] == [_rotation_arn(deployment, "weekdays")]
    assert schedule["DisplayName"] == "App on-call"
    # The config is the whole tag set: default tags and the schedule's own; the console's gone.
    assert _tags(deployment) == {"team": "payments", "service": "app"}
    assert _actions(adopted["plan"])[IDENTITY] == ["create"]


def test_escalation_and_response_plans_engage_the_schedule(
    deployment: Deployment, adopted: Json
) -> None:
    contacts = deployment.client("ssm-contacts")
    plan_arn = f"arn:aws:ssm-contacts:{REGION}:{ACCOUNT}:contact/app-escalation"
    stages = contacts.get_contact(ContactId=plan_arn)["Plan"]["Stages"]
    assert stages[0]["Targets"][0]["ContactTargetInfo"]["ContactId"] == SCHEDULE_ARN
    incidents = deployment.client("ssm-incidents")
    plans = incidents.list_response_plans()["responsePlanSummaries"]
    response_plan = incidents.get_response_plan(arn=plans[0]["arn"])
    assert response_plan["engagements"] == [SCHEDULE_ARN]


@pytest.fixture(scope="module")
def second_plan(deployment: Deployment, adopted: Json) -> Json:
    """The plan right after the adoption (refreshed against the server), saved: the test that it
    changes nothing and the drift check's "in sync" case read the same one."""
    return deployment.plan()


def test_a_second_plan_has_no_changes(second_plan: Json) -> None:
    changed = {
        address: actions
        for address, actions in _actions(second_plan).items()
        if actions not in (["no-op"], ["read"])
    }
    assert changed == {}
    outputs = second_plan.get("output_changes", {})
    assert all(c["actions"] == ["no-op"] for c in outputs.values()), outputs


def test_plan_check_reports_rotations_changed_in_the_console(
    deployment: Deployment, second_plan: Json, console_schedule: Json
) -> None:
    # The drift check reads tfplan.json beside the stack: the second plan's, put back.
    (deployment.stack_dir / "tfplan.json").write_text(json.dumps(second_plan), encoding="utf-8")
    in_sync = deployment.sync_check()
    assert in_sync.returncode == 0, in_sync.stdout + in_sync.stderr
    assert f"on-call schedule {SCHEDULE!r}: matches the config" in in_sync.stdout
    deployment.client("ssm-contacts").update_contact(
        ContactId=SCHEDULE_ARN, Plan={"RotationIds": [console_schedule["legacy_rotation"]]}
    )
    deployment.plan()
    result = deployment.sync_check()
    assert result.returncode == 4, result.stdout + result.stderr
    assert "DRIFT: rotations differ" in result.stdout
    assert console_schedule["legacy_rotation"] in result.stdout
    assert f"-replace='{SETTINGS}'" in result.stdout


def test_replacing_the_schedule_instance_is_refused(deployment: Deployment, adopted: Json) -> None:
    plan = deployment.plan(f"-replace={IDENTITY}")
    refusals = check_plan(plan)
    assert [(r.kind, r.address) for r in refusals] == [("contact-replace", IDENTITY)]
    assert "deletes it" in refusals[0].consequence


def test_deleting_a_schedule_that_is_still_engaged_is_refused(
    deployment: Deployment, adopted: Json
) -> None:
    # The schedule leaves the stack while the plans keep engaging its ARN as a literal (as
    # plans edited in the console, or in another stack, would).
    deployment.synth(V1)
    path = deployment.stack_dir / "cdk.tf.json"
    stack = json.loads(path.read_text(encoding="utf-8"))
    for name in ("oncall_schedule", "oncall_schedule_settings"):
        stack["resource"]["terraform_data"][name]["for_each"] = {}
    reference = f'${{terraform_data.oncall_schedule[\\"{SCHEDULE}\\"].input.arn}}'
    text = json.dumps(stack).replace(reference, SCHEDULE_ARN)
    assert SCHEDULE_ARN in text
    assert "oncall_schedule[" not in text
    path.write_text(text, encoding="utf-8")
    refusals = check_plan(deployment.plan())
    kinds = sorted((r.kind, r.address) for r in refusals)
    assert kinds == [("referenced-contact-delete", IDENTITY)]
    assert refusals[0].consequence.startswith(
        f"this apply would delete on-call schedule {SCHEDULE!r}, which "
    )
    assert refusals[0].consequence.endswith("still engages: that engagement would page nobody.")


@pytest.fixture(scope="module")
def changed(deployment: Deployment, adopted: Json) -> Json:
    weekdays = _rotation_arn(deployment, "weekdays")
    before = len(deployment.server.requests())
    plan = deployment.apply(V2)
    return {"plan": plan, "requests_before": before, "weekdays": weekdays}


def test_changing_rotations_and_display_name_updates_in_place(
    deployment: Deployment, changed: Json
) -> None:
    actions = _actions(changed["plan"])
    assert actions[IDENTITY] == ["no-op"]
    assert actions[SETTINGS] == ["create", "delete"]
    schedule = _schedule(deployment)
    assert schedule["ContactArn"] == SCHEDULE_ARN
    assert schedule["Plan"]["RotationIds"] == [_rotation_arn(deployment, "around-the-clock")]
    assert schedule["DisplayName"] == "App on-call around the clock"
    assert deployment.calls("DeleteContact", changed["requests_before"]) == 0
    assert deployment.calls("CreateContact", changed["requests_before"]) == 0


def test_the_rotation_left_behind_is_deleted_after_the_schedule_stops_using_it(
    deployment: Deployment, changed: Json
) -> None:
    # The local server refuses deleting a rotation a schedule uses (as AWS does): the apply
    # succeeded, so the schedule was updated first.
    names = [r["Name"] for r in deployment.client("ssm-contacts").list_rotations()["Rotations"]]
    assert "weekdays" not in names
    assert deployment.calls("DeleteRotation", changed["requests_before"]) == 1
    deployment.plan()
    in_sync = deployment.sync_check()
    assert in_sync.returncode == 0, in_sync.stdout + in_sync.stderr


@pytest.fixture(scope="module")
def removed(deployment: Deployment, changed: Json) -> Json:
    before = len(deployment.server.requests())
    plan = deployment.apply(V3)
    return {"plan": plan, "requests_before": before}


def test_removing_the_schedule_from_the_config_deletes_it(
    deployment: Deployment, removed: Json
) -> None:
    from botocore.exceptions import ClientError

    assert _actions(removed["plan"])[IDENTITY] == ["delete"]
    with pytest.raises(ClientError) as raised:
        _schedule(deployment)
    assert raised.value.response["Error"]["Code"] == "ResourceNotFoundException"
    assert deployment.calls("DeleteContact", removed["requests_before"]) == 1
    addresses = deployment.state_addresses()
    assert addresses, "the state holds the rest of the stack"
    assert not [a for a in addresses if a.startswith("terraform_data.")]


def test_the_plans_stop_engaging_it_before_it_is_deleted(
    deployment: Deployment, removed: Json
) -> None:
    operations = [
        r["operation"]
        for r in deployment.server.requests()[removed["requests_before"] :]
        if r.get("service") in ("ssm-contacts", "ssm-incidents")
        and r.get("operation") in ("UpdateContact", "UpdateResponsePlan", "DeleteContact")
    ]
    assert operations[-1] == "DeleteContact", operations
    assert {"UpdateContact", "UpdateResponsePlan"} <= set(operations[:-1]), operations
