"""On-call schedules and rotation shift coverages applied for real: the real Terraform and
hashicorp/aws provider (from the mirror), the provisioners running the stack directory's copy
of ``constructs_lib/provisioners/oncall_schedule_sync.py`` and
``constructs_lib/provisioners/rotation_coverage_sync.py``, against the local Incident Manager
(``local_aws``, a child process on 127.0.0.1 that enforces AWS's schedule rules).

One environment goes through three applies (``environment(0..2)``), each checked through the API
(GetContact, GetRotation, the server's request log) and by the plan that comes next: a plan
asserted to change exactly the expected addresses with the expected actions would also show
anything the apply before it left unsettled, so no step needs a "plan again: no changes" of its
own; the last apply is followed by one plan that must show no changes. Between the first and
the second apply, one saved plan serves the plan guard's refusals and the drift check.

The schedules: adopt a schedule made in the console (app-oncall: same ARN, never deleted) and
create another (ops-oncall), engage both from an escalation plan and a response plan, see drift,
refuse replacing one and deleting the other while it is engaged (one plan), change app-oncall's
rotations and display name in place (same ARN; the rotation it stops using is deleted only
afterwards), and delete both when they leave the config.

Shift coverages: hashicorp/aws 5.100.0 reads a coverage's start minute back as its end minute
(08:30-17:00 reads as 08:00-17:00). The edits that trip over that are independent per rotation,
so seven rotations take them side by side (``COVERAGES``), each change followed by a plan that
leaves that rotation alone: created with the console's business hours (08:30-17:00 on weekdays),
then the hours moved (09:15-17:45); the members changed (the provider's update re-sends the
read-back 09:45, the record writes 09:15 after it); hours changed in the console (only the drift
check sees them; its advice puts them back); hours moved to exactly what the provider reads back
(09:45-17:45: the provider sees no change); the coverage removed; a coverage with equal minutes;
a rotation destroyed with its coverage (it leaves the config). UpdateRotation calls are counted
per rotation (``update_rotation_calls``). The HCL export of the first environment plans like
its JSON.

The synthesized stack runs from ``<repo>/cdktf.out/stacks/<stack>/`` of a throwaway directory
that holds nothing else: the provisioners run the package synthesis copied into the stack
directory (``python3 -m incident_manager_provisioners.oncall_schedule_sync``), with this
project's Python as ``$IM_PYTHON`` (as ``make`` gives it). A plain ``python3`` with only boto3
is tests/terraform/test_copied_stack_apply.py's.
"""

from __future__ import annotations

import json
import re
import subprocess
import sys
import textwrap
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from local_aws.local_apply import stack_providers
from local_aws.process import LocalAwsProcess
from local_aws.server import DEFAULT_ACCOUNT, FAKE_ACCESS_KEY, FAKE_SECRET_KEY
from stacks.config.environment_loader import load_environments
from stacks.plan.plan_guard import check_plan
from stacks.stack.synthesize import HCL_OUTPUT_VARIABLE, synthesize, tidy_hcl
from tests.conftest import PROJECT_ROOT, main_environment
from tests.local_aws.local_clients import daily_rotation, local_client
from tests.stacks.environment_files import project_with
from tests.terraform.stack_copy import (
    copy_stack,
    offline_override,
    read_stack,
    write_override,
)
from tests.terraform.terraform_cli import Terraform

Json = dict[str, Any]

REGION = "us-east-1"
ACCOUNT = DEFAULT_ACCOUNT
STACK = "incident-manager-oncall"
SCHEDULE = "app-oncall"
SCHEDULE_ARN = f"arn:aws:ssm-contacts:{REGION}:{ACCOUNT}:contact/{SCHEDULE}"
IDENTITY = f'terraform_data.oncall_schedule["{SCHEDULE}"]'
SETTINGS = f'terraform_data.oncall_schedule_settings["{SCHEDULE}"]'
# A second schedule, created by the stack, engaged by the same plans: the one the plan guard
# sees deleted while still engaged (the first is the one it sees replaced, in the same plan).
OPS = "ops-oncall"
OPS_ARN = f"arn:aws:ssm-contacts:{REGION}:{ACCOUNT}:contact/{OPS}"
OPS_IDENTITY = f'terraform_data.oncall_schedule["{OPS}"]'
OPS_SETTINGS = f'terraform_data.oncall_schedule_settings["{OPS}"]'
PROVIDER_SERVICES = ("ssmcontacts", "ssmincidents", "sts", "iam", "kms", "sns", "ssm")
TIMEOUT = 600
WEEKDAYS = ("MON", "TUE", "WED", "THU", "FRI")
COVERAGE_KIND = "ssm-contacts-rotation-coverage"

BASE = f"""\
account_id: "{ACCOUNT}"
region: {REGION}
default_tags:
  team: payments
replication_set:
  existing: true
  regions: [{REGION}]
contacts:
"""
PEOPLE = "".join(
    f"""\
  - alias: {alias}
    channels: [{{name: email, type: EMAIL, address: {alias}@example.com}}]
    engagement: [{{channel: email, at_minute: 0}}]
"""
    for alias in ("alice", "bob", "carol")
)
SCHEDULE_ROTATIONS = {
    "weekdays": """\
  - name: weekdays
    contacts: [alice, bob]
    time_zone: Etc/UTC
    start_time: 2026-01-05T08:00:00+00:00
    hand_off: {daily: ["08:00"]}
""",
    "around-the-clock": """\
  - name: around-the-clock
    contacts: [bob, alice]
    time_zone: Etc/UTC
    start_time: 2026-01-05T08:00:00+00:00
    hand_off: {weekly: [{day: MON, time: "09:00"}]}
""",
}
OPS_SCHEDULE = f"""\
  - alias: {OPS}
    display_name: Ops on-call
    rotations: [around-the-clock]
"""
# The schedules in each apply: app-oncall adopted with one rotation; then with another rotation
# and display name (the rotation it used leaves the config, and AWS); then both gone (nothing
# engages them; the for_each blocks stay with no instances and the removed instances'
# destroy-time provisioners delete them).
SCHEDULES: tuple[str | None, str | None, str | None] = (
    f"""\
  - alias: {SCHEDULE}
    display_name: App on-call
    rotations: [weekdays]
    tags: {{service: app}}
"""
    + OPS_SCHEDULE,
    f"""\
  - alias: {SCHEDULE}
    display_name: App on-call around the clock
    rotations: [around-the-clock]
    tags: {{service: app}}
"""
    + OPS_SCHEDULE,
    None,
)
SCHEDULE_ROTATIONS_IN = (
    ("weekdays", "around-the-clock"),
    ("around-the-clock",),
    ("around-the-clock",),
)


@dataclass(frozen=True)
class Covered:
    """A rotation with a daily 08:30 hand-off (Europe/Berlin): its members and its weekday
    hours (``HH:MM-HH:MM``; None: on call around the clock)."""

    members: str
    hours: str | None


TWO, THREE = "alice, bob", "alice, bob, carol"
# Each coverage rotation in the three applies (None: not in the config). Each takes its own path
# at the same time, and each change is followed by a plan in which that rotation does not
# change (the next apply's, or the last plan), which would show anything it left unsettled.
COVERAGES: dict[str, tuple[Covered | None, Covered | None, Covered | None]] = {
    # Created with the console's business hours, then the hours moved.
    "business-hours": (Covered(TWO, "08:30-17:00"),) + (Covered(TWO, "09:15-17:45"),) * 2,
    # Hours whose read-back differs (09:45), then the members changed.
    "new-members": (Covered(TWO, "09:15-17:45"),) * 2 + (Covered(THREE, "09:15-17:45"),),
    # Changed in the console after the first apply; the drift check's advice (-replace of its
    # record) is part of the third apply.
    "late-shift": (Covered(TWO, "09:15-17:45"),) * 3,
    # Moved to exactly what the provider reads back.
    "read-back": (Covered(TWO, "09:15-17:45"),) + (Covered(TWO, "09:45-17:45"),) * 2,
    # The coverage removed.
    "uncovered": (Covered(TWO, "08:30-17:00"),) + (Covered(TWO, None),) * 2,
    # A coverage with equal minutes given to a rotation without one (as after a removal: no
    # coverage in the state, no record).
    "covered-again": (Covered(TWO, None),) * 2 + (Covered(TWO, "08:00-18:00"),),
    # Destroyed with its coverage: it leaves the config.
    "short-lived": (Covered(TWO, "08:30-17:00"),) * 2 + (None,),
}


def coverage_rotation(name: str, covered: Covered) -> str:
    text = f"""\
  - name: {name}
    contacts: [{covered.members}]
    time_zone: Europe/Berlin
    start_time: 2026-01-05T07:30:00+00:00
    hand_off: {{daily: ["08:30"]}}
"""
    if covered.hours:
        start, end = covered.hours.split("-")
        text += "    shift_coverages:\n" + "".join(
            f'      {day}: [{{start: "{start}", end: "{end}"}}]\n' for day in WEEKDAYS
        )
    return text


def environment(step: int) -> str:
    """The environment file of apply ``step`` (0, 1, 2)."""
    text = BASE + PEOPLE + "rotations:\n"
    text += "".join(SCHEDULE_ROTATIONS[name] for name in SCHEDULE_ROTATIONS_IN[step])
    text += "".join(
        coverage_rotation(name, covered)
        for name, steps in COVERAGES.items()
        if (covered := steps[step]) is not None
    )
    schedules = SCHEDULES[step]
    if schedules:
        text += "oncall_schedules:\n" + schedules
    engaged = [SCHEDULE, OPS] if schedules else ["bob"]
    return text + textwrap.dedent(
        f"""\
        escalation_plans:
          - alias: app-escalation
            stages:
              - duration_minutes: 0
                targets: [{", ".join(f"{{contact: {c}}}" for c in engaged)}]
        response_plans:
          - name: AppDown
            incident: {{title: app-down, impact: high}}
            engagements: [{", ".join(engaged)}]
        """
    )


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
        # An interpreter with boto3, as make gives it; the module is the stack directory's copy.
        env["IM_PYTHON"] = sys.executable
        env.pop("PYTHONPATH", None)
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
            for _ in stack_providers(stack)
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
        # Once per working directory: a synth keeps `.terraform` and the lock file, and the
        # backend stays the same (each `init` hashes the ~700 MB provider again, ~1.6 CPU-s).
        if not (self.stack_dir / ".terraform").is_dir():
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
                "stacks.plan.drift_check",
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
        return local_client(self.server.url, service, REGION)


# --- Reading plans, apply output and the live rotations ------------------------------------
def _actions(plan: Json) -> dict[str, list[str]]:
    return {c["address"]: c["change"]["actions"] for c in plan["resource_changes"]}


def changes(plan: Json) -> dict[str, list[str]]:
    """What a saved plan would change, by address ({} is Terraform's "No changes")."""
    return {
        address: actions
        for address, actions in _actions(plan).items()
        if actions not in (["no-op"], ["read"])
    }


def _values(change: Json) -> Json:
    """A resource change's values after the plan, or before it for a deletion."""
    values: Json = change["change"]["after"] or change["change"]["before"] or {}
    return values


def rotation_change(plan: Json, name: str) -> Json:
    found: Json
    (found,) = [
        c
        for c in plan["resource_changes"]
        if c["type"] == "aws_ssmcontacts_rotation" and _values(c).get("name") == name
    ]
    return found


def _records(plan: Json, name: str) -> list[Json]:
    """The changes of rotation ``name``'s coverage record (none when it has no record)."""
    return [
        c
        for c in plan["resource_changes"]
        if c["type"] == "terraform_data"
        and (_values(c).get("input") or {}).get("kind") == COVERAGE_KIND
        and _values(c)["input"].get("name") == name
    ]


def record_change(plan: Json, name: str) -> Json:
    """The change of rotation ``name``'s coverage record."""
    found: Json
    (found,) = _records(plan, name)
    return found


def rotation_address(plan: Json, name: str) -> str:
    return str(rotation_change(plan, name)["address"])


def record_address(plan: Json, name: str) -> str:
    return str(record_change(plan, name)["address"])


def address_of(plan: Json, prefix: str) -> str:
    """The one address of ``plan`` that starts with ``prefix`` (``type.construct-path_``)."""
    (address,) = [c["address"] for c in plan["resource_changes"] if c["address"].startswith(prefix)]
    return str(address)


_WROTE = re.compile(r"^\S+ \(local-exec\): on-call rotation '([^']+)': wrote shift coverage ")


def update_rotation_calls(step: Step) -> Counter[str]:
    """The UpdateRotation calls of an apply, per rotation: the provider's (an update in its
    plan) and the coverage records' (their provisioner says it wrote). The server's own count
    must be their sum: no call goes unexplained."""
    counted: Counter[str] = Counter()
    for change in step.plan["resource_changes"]:
        if change["type"] == "aws_ssmcontacts_rotation" and change["change"]["actions"] == [
            "update"
        ]:
            counted[_values(change)["name"]] += 1
    for line in step.output:
        wrote = _WROTE.match(line)
        if wrote:
            counted[wrote.group(1)] += 1
    assert step.calls("UpdateRotation") == sum(counted.values()), step.output
    return counted


@dataclass(frozen=True)
class Live:
    """The live rotations right after an apply, by name: their coverage (as ``{"MON":
    ["08:30-17:00"]}``), ARN and members; and the state's resource instances."""

    coverages: dict[str, dict[str, list[str]]]
    arns: dict[str, str]
    members: dict[str, list[str]]
    addresses: list[str]


def live(deployment: Deployment) -> Live:
    def text(time: Json) -> str:
        return f"{time['HourOfDay']:02d}:{time['MinuteOfHour']:02d}"

    contacts = deployment.client("ssm-contacts")
    coverages, arns, members = {}, {}, {}
    for summary in contacts.list_rotations()["Rotations"]:
        rotation = contacts.get_rotation(RotationId=summary["RotationArn"])
        name = rotation["Name"]
        assert name not in arns, f"two rotations named {name!r}"
        spans = rotation["Recurrence"].get("ShiftCoverages") or {}
        coverages[name] = {
            day: [f"{text(c['Start'])}-{text(c['End'])}" for c in spans[day]]
            for day in sorted(spans)
        }
        arns[name], members[name] = rotation["RotationArn"], rotation["ContactIds"]
    return Live(coverages, arns, members, deployment.state_addresses())


def weekdays(span: str) -> dict[str, list[str]]:
    return {day: [span] for day in sorted(WEEKDAYS)}


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


@dataclass(frozen=True)
class Step:
    """One apply of a saved plan: the plan, Terraform's output, the requests the server served
    from the plan to the end of the apply, and what was live right after."""

    plan: Json
    output: list[str]
    requests: list[Json]
    live: Live

    def calls(self, operation: str) -> int:
        """How many ssm-contacts ``operation`` requests the step made."""
        return sum(
            1
            for r in self.requests
            if r.get("service") == "ssm-contacts" and r.get("operation") == operation
        )


def apply_step(deployment: Deployment, step: int, *extra: str) -> Step:
    """Synthesize ``environment(step)``, plan it (``extra``: plan options), check the plan with
    the plan guard, apply it."""
    since = len(deployment.server.requests())
    deployment.synth(environment(step))
    plan = deployment.plan(*extra)
    assert check_plan(plan) == [], "the plan guard refused an ordinary change"
    applied = deployment.run("apply", "-input=false", "tfplan")
    requests = deployment.server.requests()[since:]
    return Step(plan, applied.stdout.splitlines(), requests, live(deployment))


# --- The deployment and the console's schedule -----------------------------------------------
@pytest.fixture(scope="module")
def deployment(
    terraform: Terraform, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Deployment]:
    workdir = tmp_path_factory.mktemp("oncall-apply")
    server = LocalAwsProcess.start(workdir, account_id=ACCOUNT)
    try:
        project = project_with(workdir / "project", environment(0), name="oncall")
        repo = workdir / "repo"
        repo.mkdir()
        yield Deployment(terraform=terraform, server=server, project=project, repo=repo)
    finally:
        server.stop()


@pytest.fixture(scope="module")
def console_schedule(deployment: Deployment) -> Json:
    """What a team built in the console before adopting: the replication set, a person, a
    rotation and a schedule paging it."""
    incidents, contacts = deployment.client("ssm-incidents"), deployment.client("ssm-contacts")
    incidents.create_replication_set(regions={REGION: {}})
    dave = contacts.create_contact(Alias="dave", Type="PERSONAL", Plan={"Stages": []})
    legacy = daily_rotation(contacts, "legacy", dave["ContactArn"], hour=9)
    created = contacts.create_contact(
        Alias=SCHEDULE,
        DisplayName="Console schedule",
        Type="ONCALL_SCHEDULE",
        Plan={"RotationIds": [legacy]},
        Tags=[{"Key": "owner", "Value": "console"}],
    )
    assert created["ContactArn"] == SCHEDULE_ARN
    return {"legacy_rotation": legacy}


# --- First apply: the schedule adopted, the coverage rotations created ------------------------
@dataclass(frozen=True)
class Created:
    step: Step
    # The drift check of the plan creating the rotations: their ARNs are not known yet.
    check: subprocess.CompletedProcess[str]
    stack: Json


@pytest.fixture(scope="module")
def created(deployment: Deployment, console_schedule: Json) -> Created:
    since = len(deployment.server.requests())
    deployment.synth(environment(0))
    plan = deployment.plan()
    check = deployment.sync_check()
    assert check_plan(plan) == [], "the plan guard refused an ordinary change"
    applied = deployment.run("apply", "-input=false", "tfplan")
    requests = deployment.server.requests()[since:]
    step = Step(plan, applied.stdout.splitlines(), requests, live(deployment))
    return Created(step=step, check=check, stack=read_stack(deployment.stack_dir))


def test_adopting_keeps_the_console_schedule_and_its_arn(
    deployment: Deployment, created: Created
) -> None:
    schedule = _schedule(deployment)
    assert schedule["ContactArn"] == SCHEDULE_ARN
    assert schedule["Type"] == "ONCALL_SCHEDULE"
    # Never deleted; the only contacts created are the escalation plan, the three people and
    # the other schedule (ops-oncall, new).
    assert created.step.calls("DeleteContact") == 0
    assert created.step.calls("CreateContact") == 5
    assert schedule["Plan"]["RotationIds"] == [created.step.live.arns["weekdays"]]
    assert schedule["DisplayName"] == "App on-call"
    # The config is the whole tag set: default tags and the schedule's own; the console's gone.
    assert _tags(deployment) == {"team": "payments", "service": "app"}
    assert _actions(created.step.plan)[IDENTITY] == ["create"]


def test_escalation_and_response_plans_engage_the_schedule(
    deployment: Deployment, created: Created
) -> None:
    contacts = deployment.client("ssm-contacts")
    plan_arn = f"arn:aws:ssm-contacts:{REGION}:{ACCOUNT}:contact/app-escalation"
    stages = contacts.get_contact(ContactId=plan_arn)["Plan"]["Stages"]
    targets = [t["ContactTargetInfo"]["ContactId"] for t in stages[0]["Targets"]]
    assert targets == [SCHEDULE_ARN, OPS_ARN]
    incidents = deployment.client("ssm-incidents")
    plans = incidents.list_response_plans()["responsePlanSummaries"]
    response_plan = incidents.get_response_plan(arn=plans[0]["arn"])
    assert sorted(response_plan["engagements"]) == [SCHEDULE_ARN, OPS_ARN]


def covered_in(step: int) -> list[str]:
    """The rotations with a coverage in apply ``step``, in the order of their records'
    addresses (``terraform_data.rotation-<name>_Coverage_...``), as a plan lists them."""
    return sorted(name for name, steps in COVERAGES.items() if (c := steps[step]) and c.hours)


def untouched(plan: Json, name: str) -> bool:
    """Whether ``plan`` changes neither rotation ``name`` nor its coverage record."""
    found = [rotation_change(plan, name), *_records(plan, name)]
    return all(c["change"]["actions"] == ["no-op"] for c in found)


def test_business_hours_are_created_as_configured_and_plan_clean(
    created: Created, second_plan: SecondPlan
) -> None:
    """Every coverage rotation is created with its record and its hours; the plan after it
    (``second_plan``) changes none of them and its drift check finds them as configured."""
    step = created.step
    for name, steps in COVERAGES.items():
        hours = steps[0].hours if steps[0] else None
        assert step.live.coverages[name] == (weekdays(hours) if hours else {}), name
        if hours is None:
            assert _records(step.plan, name) == [], name
    assert step.live.coverages["business-hours"] == weekdays("08:30-17:00")
    for name in covered_in(0):
        assert record_change(step.plan, name)["change"]["actions"] == ["create"]
    assert (created.check.returncode, created.check.stdout) == (
        0,
        f"on-call schedule {SCHEDULE!r}: display name is 'Console schedule', config says "
        "'App on-call'; tags are {'owner': 'console'}, config says "
        "{'service': 'app', 'team': 'payments'} (this plan writes the config's settings)\n"
        f"on-call schedule {OPS!r}: does not exist (this plan writes the config's settings)\n"
        + "".join(
            f"on-call rotation {name!r}: new; this plan writes its shift coverage\n"
            for name in covered_in(0)
        ),
    )
    # Plan clean: the second plan changes only what it was made to (no coverage rotation, no
    # record), and its drift check finds every coverage as configured.
    assert changes(second_plan.plan) == SECOND_PLAN_CHANGES
    in_sync = second_plan.in_sync
    assert in_sync.returncode == 0, in_sync.stdout + in_sync.stderr
    for name in covered_in(0):
        assert f"on-call rotation {name!r}: shift coverage matches the config" in in_sync.stdout


def _synthesize_hcl(project: Path, outdir: Path) -> Path:
    """`make synth-hcl` of ``project`` in a child process (cdktf reads the HCL switch when its
    Node process starts); the stack directory."""
    code = (
        "import sys; from pathlib import Path; "
        "from stacks.config.environment_loader import load_environments; "
        "from stacks.stack.synthesize import synthesize; "
        "root = Path(sys.argv[1]); synthesize(load_environments(root), root, Path(sys.argv[2]), "
        "hcl=True)"
    )
    subprocess.run(
        [sys.executable, "-c", code, str(project), str(outdir)],
        cwd=PROJECT_ROOT,
        env={**main_environment(), HCL_OUTPUT_VARIABLE: "true"},
        check=True,
        capture_output=True,
        timeout=300,
    )
    return outdir / "stacks" / STACK


def test_the_hcl_export_plans_like_the_json_without_a_warning(
    terraform: Terraform, created: Created, tmp_path: Path
) -> None:
    """`make synth-hcl` of the first apply's environment (coverages read back wrong, on-call
    schedules): ignore_changes and replace_triggered_by hold references, not strings (Terraform
    warns "Quoted references are deprecated" about the first and refuses to plan "${...}" in the
    second, though it validates it). The HCL plans offline, from no state, exactly as the JSON
    planned before the first apply, and without a diagnostic (a plan reports validate's
    warnings too)."""
    project = project_with(tmp_path / "project", environment(0), "oncall")
    hcl = _synthesize_hcl(project, tmp_path / "cdktf.out.hcl")
    text = (hcl / "cdk.tf").read_text(encoding="utf-8")
    assert "ignore_changes = [\n      recurrence[0].shift_coverages,\n    ]" in text
    assert "replace_triggered_by = [\n      aws_ssmcontacts_rotation." in text
    workdir = copy_stack(hcl, tmp_path / "run-hcl")
    write_override(workdir, "ci_offline", offline_override(created.stack, workdir / "ci.tfstate"))
    terraform.run(workdir, "init", "-input=false")
    planned = terraform.run(workdir, "plan", "-input=false", "-lock=false", "-json", "-out=tfplan")
    diagnostics = [
        message["diagnostic"]
        for message in map(json.loads, planned.stdout.splitlines())
        if message.get("type") == "diagnostic"
    ]
    assert diagnostics == []
    plan = json.loads(terraform.run(workdir, "show", "-json", "tfplan").stdout)
    assert plan["resource_changes"] == created.step.plan["resource_changes"]


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


# --- The plan after the first apply: the guard's refusals, no drift, the drift check ----------
# What the second plan was made to change; anything else would be drift the first apply left.
SECOND_PLAN_CHANGES = {
    IDENTITY: ["create", "delete"],
    OPS_IDENTITY: ["delete"],
    OPS_SETTINGS: ["delete"],
}


@dataclass(frozen=True)
class SecondPlan:
    """The plan right after the first apply (refreshed against the server), saved, made to be
    refused twice: app-oncall's instance replaced (``-replace``), and ops-oncall leaving the
    stack while the plans keep engaging its ARN as a literal (as plans edited in the console,
    or in another stack, would). Apart from those it must change nothing. The drift check read
    it while everything was as configured (``in_sync``), and again after console edits
    (``ConsoleEdits``)."""

    plan: Json
    in_sync: subprocess.CompletedProcess[str]


@pytest.fixture(scope="module")
def second_plan(deployment: Deployment, created: Created) -> SecondPlan:
    path = deployment.stack_dir / "cdk.tf.json"
    stack = json.loads(path.read_text(encoding="utf-8"))
    for name in ("oncall_schedule", "oncall_schedule_settings"):
        del stack["resource"]["terraform_data"][name]["for_each"][OPS]
    reference = f'${{terraform_data.oncall_schedule[\\"{OPS}\\"].input.arn}}'
    text = json.dumps(stack).replace(reference, OPS_ARN)
    assert OPS_ARN in text
    assert f'oncall_schedule[\\"{OPS}\\"]' not in text
    path.write_text(text, encoding="utf-8")
    plan = deployment.plan(f"-replace={IDENTITY}")
    return SecondPlan(plan=plan, in_sync=deployment.sync_check())


def test_a_second_plan_has_no_changes_but_those_it_was_made_to_plan(
    second_plan: SecondPlan,
) -> None:
    assert changes(second_plan.plan) == SECOND_PLAN_CHANGES
    outputs = second_plan.plan.get("output_changes", {})
    assert all(c["actions"] == ["no-op"] for c in outputs.values()), outputs


def test_replacing_the_schedule_instance_is_refused(second_plan: SecondPlan) -> None:
    refusals = sorted(check_plan(second_plan.plan), key=lambda r: r.kind)
    assert [(r.kind, r.address) for r in refusals] == [
        ("contact-replace", IDENTITY),
        ("referenced-contact-delete", OPS_IDENTITY),
    ]
    assert "deletes it" in refusals[0].consequence


def test_deleting_a_schedule_that_is_still_engaged_is_refused(second_plan: SecondPlan) -> None:
    refusals = sorted(check_plan(second_plan.plan), key=lambda r: r.kind)
    assert [(r.kind, r.address) for r in refusals] == [
        ("contact-replace", IDENTITY),
        ("referenced-contact-delete", OPS_IDENTITY),
    ]
    assert refusals[1].consequence.startswith(
        f"this apply would delete on-call schedule {OPS!r}, which "
    )
    assert refusals[1].consequence.endswith("still engages: that engagement would page nobody.")


@dataclass(frozen=True)
class ConsoleEdits:
    drift: subprocess.CompletedProcess[str]


@pytest.fixture(scope="module")
def console_edits(
    deployment: Deployment, second_plan: SecondPlan, console_schedule: Json
) -> ConsoleEdits:
    """Someone points app-oncall at the console's rotation and moves late-shift's Monday to
    07:00-17:45 in the console; the drift check reads the second plan again. (A plan made now
    would be the same: terraform_data never reads AWS, and the provider reads 07:00-17:45 back
    as 07:45-17:45 for a rotation that ignores coverage changes; the next apply's plan, which
    must change nothing of late-shift's, shows it.) The schedule's edit is then undone through
    the API, so that the next apply starts from the schedule using the rotation it removes."""
    contacts = deployment.client("ssm-contacts")
    contacts.update_contact(
        ContactId=SCHEDULE_ARN, Plan={"RotationIds": [console_schedule["legacy_rotation"]]}
    )
    late = contacts.get_rotation(RotationId=_rotation_arn(deployment, "late-shift"))
    recurrence = late["Recurrence"]
    recurrence["ShiftCoverages"]["MON"] = [
        {"Start": {"HourOfDay": 7, "MinuteOfHour": 0}, "End": {"HourOfDay": 17, "MinuteOfHour": 45}}
    ]
    contacts.update_rotation(RotationId=late["RotationArn"], Recurrence=recurrence)
    drift = deployment.sync_check()
    contacts.update_contact(
        ContactId=SCHEDULE_ARN, Plan={"RotationIds": [_rotation_arn(deployment, "weekdays")]}
    )
    return ConsoleEdits(drift=drift)


def test_plan_check_reports_rotations_changed_in_the_console(
    second_plan: SecondPlan, console_edits: ConsoleEdits, console_schedule: Json
) -> None:
    in_sync = second_plan.in_sync
    assert in_sync.returncode == 0, in_sync.stdout + in_sync.stderr
    assert f"on-call schedule {SCHEDULE!r}: matches the config" in in_sync.stdout
    result = console_edits.drift
    assert result.returncode == 4, result.stdout + result.stderr
    assert "DRIFT: rotations differ" in result.stdout
    assert console_schedule["legacy_rotation"] in result.stdout
    assert f"-replace='{SETTINGS}'" in result.stdout


# --- Second apply: the schedule changed in place; hours moved, read back, removed -------------
@dataclass(frozen=True)
class Changed:
    step: Step
    # app-oncall right after the apply (GetContact).
    schedule: Json
    # The drift check of the applied plan, run after the apply.
    check: subprocess.CompletedProcess[str]


@pytest.fixture(scope="module")
def changed(deployment: Deployment, console_edits: ConsoleEdits) -> Changed:
    step = apply_step(deployment, 1)
    return Changed(step=step, schedule=_schedule(deployment), check=deployment.sync_check())


def test_the_second_apply_changes_exactly_what_the_config_changed(changed: Changed) -> None:
    """Also the "no changes" check of everything the first apply made: anything it left
    unsettled would show here. late-shift, edited in the console, shows nothing: Terraform
    cannot see that edit."""
    plan = changed.step.plan
    assert changes(plan) == {
        SETTINGS: ["create", "delete"],
        rotation_address(plan, "weekdays"): ["delete"],
        record_address(plan, "business-hours"): ["delete", "create"],
        record_address(plan, "read-back"): ["delete", "create"],
        rotation_address(plan, "uncovered"): ["update"],
        record_address(plan, "uncovered"): ["delete"],
    }


def test_changing_rotations_and_display_name_updates_in_place(changed: Changed) -> None:
    actions = _actions(changed.step.plan)
    assert actions[IDENTITY] == ["no-op"]
    assert actions[SETTINGS] == ["create", "delete"]
    schedule = changed.schedule
    assert schedule["ContactArn"] == SCHEDULE_ARN
    assert schedule["Plan"]["RotationIds"] == [changed.step.live.arns["around-the-clock"]]
    assert schedule["DisplayName"] == "App on-call around the clock"
    assert changed.step.calls("DeleteContact") == 0
    assert changed.step.calls("CreateContact") == 0


def test_the_rotation_left_behind_is_deleted_after_the_schedule_stops_using_it(
    changed: Changed,
) -> None:
    # The local server refuses deleting a rotation a schedule uses (as AWS does): the apply
    # succeeded, so the schedule was updated first.
    assert "weekdays" not in changed.step.live.arns
    deletes = [
        (r.get("region"), r.get("status"))
        for r in changed.step.requests
        if r.get("service") == "ssm-contacts" and r.get("operation") == "DeleteRotation"
    ]
    assert deletes == [(REGION, 200)], deletes
    # The drift check of the applied plan, after the apply: the schedule is as configured; the
    # only drift is late-shift's console edit, which the third apply puts back.
    check = changed.check
    assert f"on-call schedule {SCHEDULE!r}: matches the config" in check.stdout, check.stdout
    drifted = [line for line in check.stdout.splitlines() if "DRIFT" in line]
    assert [line.split(":", 1)[0] for line in drifted] == ["on-call rotation 'late-shift'"]
    assert check.returncode == 4, check.stdout + check.stderr


def test_moving_the_hours_replaces_only_the_record_which_writes_them(
    changed: Changed, removed: Step
) -> None:
    plan = changed.step.plan
    # The provider would send the read-back: the rotation ignores coverage changes.
    assert rotation_change(plan, "business-hours")["change"]["actions"] == ["no-op"]
    assert record_change(plan, "business-hours")["change"]["actions"] == ["delete", "create"]
    assert changed.step.live.coverages["business-hours"] == weekdays("09:15-17:45")
    assert update_rotation_calls(changed.step)["business-hours"] == 1
    # No changes after it: the next plan leaves the rotation and its record alone.
    assert untouched(removed.plan, "business-hours")


def test_hours_equal_to_the_providers_read_back_are_still_written(
    changed: Changed, removed: Step
) -> None:
    # 09:15-17:45 reads back as 09:45-17:45: the provider sees no change to make.
    plan = changed.step.plan
    assert rotation_change(plan, "read-back")["change"]["actions"] == ["no-op"]
    assert record_change(plan, "read-back")["change"]["actions"] == ["delete", "create"]
    assert changed.step.live.coverages["read-back"] == weekdays("09:45-17:45")
    assert update_rotation_calls(changed.step)["read-back"] == 1
    assert untouched(removed.plan, "read-back")


def test_removing_the_coverage_is_the_providers_update_and_the_record_goes(
    changed: Changed, removed: Step
) -> None:
    plan = changed.step.plan
    assert rotation_change(plan, "uncovered")["change"]["actions"] == ["update"]
    record = record_change(plan, "uncovered")
    assert record["change"]["actions"] == ["delete"]
    assert changed.step.live.coverages["uncovered"] == {}
    addresses = changed.step.live.addresses
    # The rotation stays; only its coverage record went.
    assert rotation_address(plan, "uncovered") in addresses
    assert record["address"] not in addresses
    assert untouched(removed.plan, "uncovered")


# --- Third apply: the schedules removed; members changed; the drift check's advice ------------
@pytest.fixture(scope="module")
def removed(deployment: Deployment, created: Created, changed: Changed) -> Step:
    late_shift = record_address(created.step.plan, "late-shift")
    return apply_step(deployment, 2, f"-replace={late_shift}")


@pytest.fixture(scope="module")
def final_plan(deployment: Deployment, removed: Step) -> Json:
    """The plan after the last apply; its drift check is in ``final_check``."""
    return deployment.plan()


@pytest.fixture(scope="module")
def final_check(deployment: Deployment, final_plan: Json) -> subprocess.CompletedProcess[str]:
    return deployment.sync_check()


def test_the_third_apply_changes_exactly_what_the_config_changed(removed: Step) -> None:
    """Also the "no changes" check of the second apply: anything it left would show here."""
    plan = removed.plan
    assert changes(plan) == {
        IDENTITY: ["delete"],
        SETTINGS: ["delete"],
        OPS_IDENTITY: ["delete"],
        OPS_SETTINGS: ["delete"],
        # What engaged the schedules engages bob now.
        address_of(plan, "aws_ssmcontacts_plan.escalation-plan-app-escalation_"): ["update"],
        address_of(plan, "aws_ssmincidents_response_plan.response-plan-AppDown_"): ["update"],
        rotation_address(plan, "new-members"): ["update"],
        record_address(plan, "new-members"): ["delete", "create"],
        # Asked for: the drift check's advice.
        record_address(plan, "late-shift"): ["delete", "create"],
        rotation_address(plan, "covered-again"): ["update"],
        record_address(plan, "covered-again"): ["create"],
        rotation_address(plan, "short-lived"): ["delete"],
        record_address(plan, "short-lived"): ["delete"],
    }


def test_removing_the_schedule_from_the_config_deletes_it(
    deployment: Deployment, removed: Step
) -> None:
    from botocore.exceptions import ClientError

    actions = _actions(removed.plan)
    assert (actions[IDENTITY], actions[OPS_IDENTITY]) == (["delete"], ["delete"])
    for arn in (SCHEDULE_ARN, OPS_ARN):
        with pytest.raises(ClientError) as raised:
            deployment.client("ssm-contacts").get_contact(ContactId=arn)
        assert raised.value.response["Error"]["Code"] == "ResourceNotFoundException"
    # The two schedules and nothing else.
    assert removed.calls("DeleteContact") == 2
    addresses = removed.live.addresses
    assert addresses, "the state holds the rest of the stack"
    assert not [a for a in addresses if a.startswith("terraform_data.oncall_schedule")]


def test_the_plans_stop_engaging_it_before_it_is_deleted(removed: Step) -> None:
    operations = [
        r["operation"]
        for r in removed.requests
        if r.get("service") in ("ssm-contacts", "ssm-incidents")
        and r.get("operation") in ("UpdateContact", "UpdateResponsePlan", "DeleteContact")
    ]
    # Both plans engage both schedules: both schedules go after both plans' updates.
    assert operations[-2:] == ["DeleteContact", "DeleteContact"], operations
    assert {"UpdateContact", "UpdateResponsePlan"} <= set(operations[:-2]), operations


def line_of(output: list[str], start: str) -> int:
    """The index of the first line of ``output`` that starts with ``start``."""
    return next(i for i, line in enumerate(output) if line.startswith(start))


def test_after_the_providers_update_of_the_members_the_record_writes_the_hours_again(
    removed: Step, final_plan: Json
) -> None:
    plan = removed.plan
    rotation = rotation_change(plan, "new-members")
    assert rotation["change"]["actions"] == ["update"]
    record = record_change(plan, "new-members")
    assert record["change"]["actions"] == ["delete", "create"]
    assert record["action_reason"] == "replace_by_triggers"
    # What the provider sent: the coverage it read back (start minute = end minute).
    sent_coverage = rotation["change"]["after"]["recurrence"][0]["shift_coverages"]
    assert {c["coverage_times"][0]["start"][0]["minute_of_hour"] for c in sent_coverage} == {45}
    # The old record goes first (it does nothing when destroyed); the new one, which writes the
    # coverage, is created once the provider's update is complete.
    output = removed.output
    destroyed = line_of(output, f"{record['address']}: Destruction complete")
    updated = line_of(output, f"{rotation['address']}: Modifications complete")
    created = line_of(output, f"{record['address']}: Creation")
    assert destroyed < updated < created, output
    assert update_rotation_calls(removed)["new-members"] == 2
    assert len(removed.live.members["new-members"]) == 3
    assert removed.live.coverages["new-members"] == weekdays("09:15-17:45")
    assert untouched(final_plan, "new-members")


def test_a_coverage_with_equal_minutes_is_sent_by_the_provider_and_by_the_record(
    removed: Step, final_plan: Json
) -> None:
    plan = removed.plan
    assert rotation_change(plan, "covered-again")["change"]["actions"] == ["update"]
    assert record_change(plan, "covered-again")["change"]["actions"] == ["create"]
    assert removed.live.coverages["covered-again"] == weekdays("08:00-18:00")
    # Sent by the provider; the record finds it written.
    assert update_rotation_calls(removed)["covered-again"] == 1
    assert untouched(final_plan, "covered-again")


def test_a_console_edit_of_the_hours_is_reported_by_the_drift_check(
    console_edits: ConsoleEdits,
    changed: Changed,
    removed: Step,
    final_plan: Json,
) -> None:
    """Terraform does not see it (07:00-17:45 reads back as 07:45-17:45, and the rotation
    ignores coverage changes: the second apply's plan leaves late-shift alone); the drift check
    does, and its advice works (the third apply replaces the record as it says)."""
    assert untouched(changed.step.plan, "late-shift")
    assert changed.step.live.coverages["late-shift"]["MON"] == ["07:00-17:45"]
    record = record_address(changed.step.plan, "late-shift")
    result = console_edits.drift
    assert result.returncode == 4, result.stdout + result.stderr
    assert (
        "on-call rotation 'late-shift': DRIFT: shift coverage differs (MON is 07:00-17:45, "
        "config says 09:15-17:45)"
    ) in result.stdout
    assert f"terraform apply -replace='{record}'" in result.stdout
    # The advice works.
    assert record_change(removed.plan, "late-shift")["change"]["actions"] == ["delete", "create"]
    assert update_rotation_calls(removed)["late-shift"] == 1
    assert removed.live.coverages["late-shift"] == weekdays("09:15-17:45")
    assert untouched(final_plan, "late-shift")


def test_the_last_plan_has_no_changes_and_every_coverage_matches(
    final_plan: Json, final_check: subprocess.CompletedProcess[str]
) -> None:
    assert changes(final_plan) == {}
    assert (final_check.returncode, final_check.stdout) == (
        0,
        "on-call schedules: none in this plan\n"
        + "".join(
            f"on-call rotation {name!r}: shift coverage matches the config\n"
            for name in covered_in(2)
        ),
    )


def test_destroy_removes_the_record_before_the_rotation(removed: Step) -> None:
    """short-lived, with its coverage, leaves the config in the third apply: Terraform destroys
    the record before the rotation (the order `terraform destroy` follows too: both come from
    the dependencies in the state), and the rotation is gone."""
    record = record_address(removed.plan, "short-lived")
    rotation = rotation_address(removed.plan, "short-lived")
    destroyed = line_of(removed.output, f"{record}: Destruction complete")
    rotation_destroyed = line_of(removed.output, f"{rotation}: Destruction complete")
    assert destroyed < rotation_destroyed, removed.output
    assert "short-lived" not in removed.live.arns
