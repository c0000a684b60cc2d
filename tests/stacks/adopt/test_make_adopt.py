"""Issue #12's acceptance run, as a person follows docs/adopt.md on a fresh copy: `make local-aws`
in the background, its exports, `make local-aws-example`, `make adopt ENV=acme
REGION=us-east-1` (only imports), `make apply`, everyday edits of the adopted files through `make
plan-check` (which shows the edits and nothing else: no drift) and `make apply`; last, `make
synth-hcl` of the adopted environment plans no change against the same state.

The account holds, besides the example, every other console-style setup adoption is tested on
(tests/stacks/adopt/console_account.py): one adoption, one apply and one set of edits prove them
all, where each setup used to be planned, applied, planned again and edited in an account of its
own. What adoption writes for each setup is asserted where it is built alone, without Terraform
(test_adopt_walkthrough.py, test_adopt_topics_alarms.py, test_adopt_runbooks.py); here, what
Terraform does with it, setup by setup, by address.

The steps are module fixtures, in the order a person runs them; each test asserts what one step
shows (live objects are read right after the step that is asserted on)."""

from __future__ import annotations

import json
import os
import re
import shutil
import stat
import subprocess
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

from stacks.adopt.plan_check import AdoptionPlan, check_adoption_plan
from stacks.layout import SECRETS_FILE
from stacks.plan.plan_guard import check_plan
from tests.conftest import PROJECT_ROOT
from tests.local_aws.make_local_aws import make_local_aws
from tests.stacks.adopt.console_account import RUNBOOK_ROLE, add_every_console_setup
from tests.working_copy import link_installs

COPIED = (
    "main.py",
    "cdktf.json",
    "Makefile",
    "requirements.txt",
    "requirements-checkov.txt",
    "requirements-uv.txt",
    "package.json",
    "package-lock.json",
)
COPIED_FOLDERS = ("constructs_lib", "stacks", "local_aws")
STACK_DIR = Path("cdktf.out/stacks/incident-manager-acme")
HCL_STACK_DIR = Path("cdktf.out.hcl/stacks/incident-manager-acme")
ENV_FILE = Path("stacks/environments/acme.yaml")
POLICIES = Path("stacks/policies/acme")
Json = dict[str, Any]

# What each setup imports, by address without cdktf's hash suffix.
EXAMPLE_IMPORTS = {
    "aws_ssmincidents_replication_set.replication-set",
    *(
        f"aws_ssmcontacts_{kind}.contact-{alias}{suffix}"
        for alias in ("incident-responder", "sr-incident-responder")
        for kind, suffix in (
            ("contact", ""),
            ("plan", "_Plan"),
            ("contact_channel", "_Channel-email"),
            ("contact_channel", "_Channel-sms"),
        )
    ),
    "aws_ssmcontacts_contact.escalation-plan-app-escalation-plan",
    "aws_ssmcontacts_plan.escalation-plan-app-escalation-plan_Plan",
    "aws_ssmcontacts_rotation.rotation-business-hours",
    "aws_ssmincidents_response_plan.response-plan-EC2HighCPU",
    "aws_sns_topic.topic-incident-chat",
    "aws_sns_topic_policy.topic-incident-chat_Policy",
    "aws_ssm_document.runbook-ec2-cpu-util-runbook",
    f"aws_iam_role.runbook-role-{RUNBOOK_ROLE}",
    f"aws_iam_role_policy.runbook-role-{RUNBOOK_ROLE}_policy-start-runbook",
    "aws_cloudwatch_metric_alarm.alarm-EC2highCPU",
}
SETUP_IMPORTS = {
    # docs/adopt.md: "first plan: 19 to import, 0 other change(s)"
    "the example": EXAMPLE_IMPORTS,
    "PaymentsDown: topics, chat, PagerDuty, tags": {
        "aws_ssmincidents_response_plan.response-plan-PaymentsDown",
        "aws_sns_topic.topic-payments-updates",
        "aws_sns_topic_policy.topic-payments-updates_Policy",
        "aws_sns_topic.topic-payments-chat",
        "aws_sns_topic_policy.topic-payments-chat_Policy",
    },
    "an escalation plan engaging a schedule, a channel and a plan": {
        "aws_ssmcontacts_contact.escalation-plan-major-incident",
        "aws_ssmcontacts_plan.escalation-plan-major-incident_Plan",
    },
    "DatabaseDown's topics and the latency alarm of the second region": {
        "aws_ssmincidents_response_plan.response-plan-DatabaseDown",
        "aws_sns_topic.topic-db-chat",
        "aws_sns_topic_policy.topic-db-chat_Policy",
        "aws_sns_topic.topic-incident-updates",
        "aws_sns_topic_policy.topic-incident-updates_Policy",
        "aws_cloudwatch_metric_alarm.alarm-us-west-2-api-latency-p99",
    },
    "the runbook role's managed policy": {
        f"aws_iam_role_policy_attachment.runbook-role-{RUNBOOK_ROLE}_attachment-123456789012-"
        "describe-instances",
    },
    "the console's variety of runbooks": {
        "aws_ssmincidents_response_plan.response-plan-WebDown",
        "aws_ssmincidents_response_plan.response-plan-Critical",
        "aws_ssm_document.runbook-restart-web",
        "aws_iam_role.runbook-role-web-runbook",
        "aws_iam_role_policy.runbook-role-web-runbook_policy-start-runbook",
    },
}
# The on-call schedule's two records and the rotation's coverage record: created, adopting the
# live schedule and checking the live coverage.
RECORDS = {
    'terraform_data.oncall_schedule["business-hours-oncall"]',
    'terraform_data.oncall_schedule_settings["business-hours-oncall"]',
    "terraform_data.rotation-business-hours_Coverage",
}
WEEKDAYS = ("MON", "TUE", "WED", "THU", "FRI")
EVENTBRIDGE_PUBLISHES = {
    "Sid": "EventBridgePublishes",
    "Effect": "Allow",
    "Principal": {"Service": "events.amazonaws.com"},
    "Action": "SNS:Publish",
}
READ_INCIDENTS = {
    "Sid": "ReadIncidents",
    "Effect": "Allow",
    "Action": "ssm-incidents:Get*",
    "Resource": "*",
}


def fresh_copy(destination: Path) -> Path:
    """The repository's files a person gets with a clone, sharing this checkout's installs."""
    root = destination / "repo"
    root.mkdir()
    for name in COPIED:
        shutil.copy2(PROJECT_ROOT / name, root / name)
    for name in COPIED_FOLDERS:
        shutil.copytree(
            PROJECT_ROOT / name,
            root / name,
            ignore=shutil.ignore_patterns("__pycache__"),
        )
    link_installs(PROJECT_ROOT, root)
    return root


@pytest.fixture(scope="module")
def repo(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return fresh_copy(tmp_path_factory.mktemp("make-adopt"))


@pytest.fixture(scope="module")
def exported(repo: Path) -> Iterator[dict[str, str]]:
    """`make local-aws PORT=0` running, and the environment with what it says to export."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("AWS_", "TF_"))}
    with make_local_aws(repo, env) as running:
        assert Path(running.environment["TF_CLI_CONFIG_FILE"]).is_file()
        yield running.environment


def make(repo: Path, env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        ["make", "--no-print-directory", *args],
        cwd=repo,
        env=env,
        stdin=subprocess.DEVNULL,
        capture_output=True,
        text=True,
        timeout=900,
        check=False,
    )


def made(repo: Path, env: dict[str, str], *args: str) -> str:
    """``make ARGS``, which must succeed; its standard output."""
    done = make(repo, env, *args)
    assert done.returncode == 0, done.stdout + done.stderr
    return done.stdout


def saved_plan(repo: Path) -> Json:
    """The last plan `make adopt` or `make plan-check` saved (redacted)."""
    plan: Json = json.loads((repo / STACK_DIR / "tfplan.json").read_text())
    return plan


def stem(address: str) -> str:
    """``address`` without cdktf's hash suffix (``..._C7DC0C1B``)."""
    return re.sub(r"_[0-9A-F]{8}$", "", address)


def changes(plan: Json) -> dict[str, list[str]]:
    """Address stem -> actions, of every resource change but no-ops."""
    return {
        stem(r["address"]): r["change"]["actions"]
        for r in plan.get("resource_changes", [])
        if r["change"]["actions"] != ["no-op"]
    }


def replace_in(path: Path, old: str, new: str, count: int = 1) -> None:
    """``old`` replaced by ``new`` in ``path``, where it occurs exactly ``count`` times."""
    text = path.read_text(encoding="utf-8")
    assert text.count(old) == count, (old, text.count(old))
    path.write_text(text.replace(old, new), encoding="utf-8")


def add_statement(path: Path, statement: Json) -> None:
    """One more statement in the policy file ``path``."""
    policy = json.loads(path.read_text())
    policy["Statement"].append(statement)
    path.write_text(json.dumps(policy, indent=2) + "\n")


@dataclass
class Live:
    """boto3 clients of the server `make local-aws` runs."""

    env: dict[str, str]

    def __call__(self, service: str, region: str = "us-east-1") -> Any:
        import boto3  # type: ignore[import-untyped]

        return boto3.client(
            service,
            region_name=region,
            endpoint_url=self.env["AWS_ENDPOINT_URL"],
            aws_access_key_id=self.env["AWS_ACCESS_KEY_ID"],
            aws_secret_access_key=self.env["AWS_SECRET_ACCESS_KEY"],
        )


@dataclass
class Step:
    """What one step printed and saved, and what was read live right after it."""

    stdout: str = ""
    plan: Json = field(default_factory=dict)
    live: Json = field(default_factory=dict)


@pytest.fixture(scope="module")
def account(repo: Path, exported: dict[str, str]) -> dict[str, str]:
    """`make local-aws-example`, then every other console-style setup through the API."""
    made(repo, exported, "local-aws-example")
    aws = Live(exported)
    arns = add_every_console_setup(aws)
    rotation = aws("ssm-contacts").get_rotation(RotationId=arns["rotation"])
    rotation.pop("ResponseMetadata")
    arns["rotation_before"] = json.dumps(rotation, default=str)
    return arns


@pytest.fixture(scope="module")
def adopted(repo: Path, exported: dict[str, str], account: dict[str, str]) -> Step:
    stdout = made(repo, exported, "adopt", "ENV=acme", "REGION=us-east-1")
    stack = json.loads((repo / STACK_DIR / "cdk.tf.json").read_text())
    return Step(stdout, saved_plan(repo), {"stack": stack})


@pytest.fixture(scope="module")
def applied(repo: Path, exported: dict[str, str], adopted: Step, account: dict[str, str]) -> Step:
    stdout = made(repo, exported, "apply", "ENV=acme")
    aws = Live(exported)
    contacts = aws("ssm-contacts")
    rotation = contacts.get_rotation(RotationId=account["rotation"])
    rotation.pop("ResponseMetadata")
    live = {
        "rotation": json.dumps(rotation, default=str),
        "schedules": [
            c["ContactArn"] for c in contacts.list_contacts(Type="ONCALL_SCHEDULE")["Contacts"]
        ],
        "major_first_target": contacts.get_contact(ContactId=account["major"])["Plan"]["Stages"][0][
            "Targets"
        ][0],
    }
    return Step(stdout, live=live)


@pytest.fixture(scope="module")
def edited(repo: Path, exported: dict[str, str], applied: Step, account: dict[str, str]) -> Step:
    """Everyday edits of the adopted files, one per setup, through `make plan-check` and
    `make apply`; the checked plan, and the live objects after the apply.

    docs/adopt.md runs `make plan-check` (No changes.) between `make apply` and the edits; here
    the edits' own plan-check stands for it: it must change exactly the edited resources, so
    anything the first apply left different from the files would show in it too."""
    path = repo / ENV_FILE
    # The README's: the SMS of incident-responder 15 minutes in, not 10 (the first of two).
    text = path.read_text(encoding="utf-8")
    assert text.count("at_minute: 10") == 2
    path.write_text(text.replace("at_minute: 10", "at_minute: 15", 1), encoding="utf-8")
    # Weekdays covered from 08:00 instead of 08:30.
    text, edits = re.subn(r"start: (['\"]?)08:30", r"start: \g<1>08:00", path.read_text())
    assert edits == len(WEEKDAYS)
    path.write_text(text)
    replace_in(
        path,
        "impact: critical\n    summary: Primary database unreachable",
        "impact: high\n    summary: Primary database unreachable",
    )
    replace_in(path, "threshold: 85\n", "threshold: 90\n")
    replace_in(path, "Environment:\n      - prod\n", "Environment:\n      - production\n")
    add_statement(
        repo / POLICIES / "incident-updates.topic-policy.json",
        {**EVENTBRIDGE_PUBLISHES, "Resource": account["db_notify"]},
    )
    add_statement(repo / POLICIES / f"{RUNBOOK_ROLE}.start-runbook.policy.json", READ_INCIDENTS)
    plan_check = made(repo, exported, "plan-check", "ENV=acme")
    plan = saved_plan(repo)
    stdout = plan_check + made(repo, exported, "apply", "ENV=acme")
    aws = Live(exported)
    live: Json = {
        "coverage": aws("ssm-contacts").get_rotation(RotationId=account["rotation"])["Recurrence"][
            "ShiftCoverages"
        ],
        "engagement": aws("ssm-contacts").get_contact(ContactId=account["responder"])["Plan"],
        "payments": aws("ssm-incidents").get_response_plan(arn=account["paged_plan"]),
        "cpu": aws("ssm-incidents").get_response_plan(arn=account["response_plan"]),
        "alarm": aws("cloudwatch").describe_alarms(AlarmNames=["EC2 high CPU"])["MetricAlarms"],
        "west_alarms": [
            a["AlarmName"] for a in aws("cloudwatch", "us-west-2").describe_alarms()["MetricAlarms"]
        ],
        "topic_policy": aws("sns").get_topic_attributes(TopicArn=account["db_notify"])[
            "Attributes"
        ]["Policy"],
        "role_policy": aws("iam").get_role_policy(
            RoleName=RUNBOOK_ROLE, PolicyName="start-runbook"
        )["PolicyDocument"],
    }
    return Step(stdout, plan, live)


def test_adopt_writes_the_files_and_keeps_addresses_out_of_git(repo: Path, adopted: Step) -> None:
    assert (repo / ENV_FILE).is_file()
    assert (repo / "stacks/adopted/acme.imports.json").is_file()
    addresses = json.loads((repo / STACK_DIR / SECRETS_FILE).read_text())
    assert addresses["incident_responder__email"] == "oncall@example.com"
    # The adopted addresses stay out of every file git would track. The schema is left out: its
    # field descriptions give example addresses (+12065550100), and adopt does not write it.
    schema = repo / "stacks/environment.schema.json"
    assert schema.read_bytes() == (PROJECT_ROOT / "stacks/environment.schema.json").read_bytes()
    tracked = [repo / ENV_FILE, *(p for p in (repo / "stacks").rglob("*.json") if p != schema)]
    assert len(addresses) > 2
    for address in addresses.values():
        assert not [p for p in tracked if str(address) in p.read_text(encoding="utf-8")], address


def test_first_plan_shows_only_imports_setup_by_setup(adopted: Step) -> None:
    total = sum(len(imports) for imports in SETUP_IMPORTS.values())
    assert total == 38
    assert (
        f"first plan: {total} to import, 0 other change(s) (4 imported channel address(es) "
        "marked sensitive, values unchanged); 2 on-call schedule record(s) to create, adopting "
        "the live schedules on apply; 1 shift coverage record(s) to create, checking each "
        "rotation's live coverage on apply and writing the configured hours where they differ"
    ) in adopted.stdout
    assert len(adopted.live["stack"]["import"]) == total
    imported = {
        stem(r["address"]): r["change"]["actions"]
        for r in adopted.plan["resource_changes"]
        if "importing" in r["change"]
    }
    for setup, addresses in SETUP_IMPORTS.items():
        assert addresses <= set(imported), (setup, addresses - set(imported))
    assert set(imported) == set().union(*SETUP_IMPORTS.values())
    # Imports that change nothing; a secret channel's only marks its address sensitive.
    assert {a: act for a, act in imported.items() if act != ["no-op"]} == {
        a: ["update"] for a in imported if "_Channel-" in a
    }
    assert changes(adopted.plan) == {
        **{a: ["update"] for a in imported if "_Channel-" in a},
        **{record: ["create"] for record in RECORDS},
    }
    result: AdoptionPlan = check_adoption_plan(adopted.plan)
    assert (result.imports, result.marked_sensitive, result.other_changes) == (total, 4, [])
    # 08:30-17:00 reads back as 08:00-17:00 (provider 5.100.0): the rotation ignores coverage
    # changes and its coverage record, created here, checks the live hours on apply.
    assert (result.schedule_adoptions, result.coverage_records) == (2, 1)
    # The plan guard lets every import through, the actions kept with an empty map included
    # (imported unchanged, they are not sent).
    assert check_plan(adopted.plan) == []


def test_the_stack_places_alarms_and_roles(adopted: Step) -> None:
    stack = adopted.live["stack"]
    (west,) = [
        a for a in stack["resource"]["aws_cloudwatch_metric_alarm"].values() if "provider" in a
    ]
    assert (west["alarm_name"], west["provider"]) == ("api-latency-p99", "aws.us-west-2")
    # A runbook has a role of its own only when a response plan uses it: the adopted roles only.
    roles = sorted(r["name"] for r in stack["resource"]["aws_iam_role"].values())
    assert roles == [RUNBOOK_ROLE, "web-runbook"]


def test_apply_adopts_schedule_and_coverage_as_they_are(
    repo: Path, applied: Step, account: dict[str, str]
) -> None:
    assert not (repo / "stacks/adopted/acme.imports.json").exists()
    # The live coverage already was the config's: its record wrote nothing, changed nothing.
    assert applied.live["rotation"] == account["rotation_before"]
    # The schedule kept its ARN: adopted, not created again; the plan engaging it still does.
    assert applied.live["schedules"] == [account["schedule"]]
    target = applied.live["major_first_target"]
    assert target["ContactTargetInfo"]["ContactId"] == account["schedule"]


def test_after_apply_only_the_everyday_edits_change_and_apply_in_place(
    edited: Step, account: dict[str, str]
) -> None:
    # Exactly these: each edit's own resource, nothing replaced but the coverage record, the
    # rotation no longer updated on every apply, and no drift the first apply left.
    assert changes(edited.plan) == {
        "aws_ssmcontacts_plan.contact-incident-responder_Plan": ["update"],
        "terraform_data.rotation-business-hours_Coverage": ["delete", "create"],
        "aws_ssmincidents_response_plan.response-plan-PaymentsDown": ["update"],
        "aws_cloudwatch_metric_alarm.alarm-EC2highCPU": ["update"],
        "aws_sns_topic_policy.topic-incident-updates_Policy": ["update"],
        "aws_ssmincidents_response_plan.response-plan-EC2HighCPU": ["update"],
        f"aws_iam_role_policy.runbook-role-{RUNBOOK_ROLE}_policy-start-runbook": ["update"],
    }
    live = edited.live
    # 08:30-17:00 already read back as 08:00-17:00, so the provider saw nothing to change: the
    # coverage record was replaced and wrote the hours.
    coverage = live["coverage"]
    assert {
        (d, c["Start"]["HourOfDay"], c["Start"]["MinuteOfHour"])
        for d in coverage
        for c in coverage[d]
    } == {(day, 8, 0) for day in WEEKDAYS}
    stages = live["engagement"]["Stages"]
    assert [s["DurationInMinutes"] for s in stages] == [15, 0]
    assert live["payments"]["incidentTemplate"]["impact"] == 2
    assert live["payments"]["integrations"][0]["pagerDutyConfiguration"]["name"] == "pd-db"
    (alarm,) = live["alarm"]
    assert alarm["Threshold"] == 90
    statements = json.loads(live["topic_policy"])["Statement"]
    assert {**EVENTBRIDGE_PUBLISHES, "Resource": account["db_notify"]} in statements
    automation = live["cpu"]["actions"][0]["ssmAutomation"]
    assert automation["parameters"] == {"Environment": ["production"]}
    assert automation["dynamicParameters"] == {
        "IncidentRecordArn": {"variable": "INCIDENT_RECORD_ARN"}
    }
    assert automation["roleArn"].endswith(f":role/service-role/{RUNBOOK_ROLE}")
    assert live["role_policy"]["Statement"][-1] == READ_INCIDENTS
    assert len(live["role_policy"]["Statement"]) == 2
    # The other region's alarm is where it was, and nothing was created in this one.
    assert live["west_alarms"] == ["api-latency-p99"]


def test_hcl_export_plans_the_adopted_environment_with_no_change(
    repo: Path, exported: dict[str, str], edited: Step
) -> None:
    # The way out of cdktf: `make synth-hcl` of the adopted environment plans, with the adopted
    # addresses and the same state, and has nothing to change. The HCL stack is the same
    # configuration as the JSON one, so this is also the clean plan after the edits' apply.
    made(repo, exported, "synth-hcl", "ENV=acme")
    hcl_dir = repo / HCL_STACK_DIR
    addresses = hcl_dir / SECRETS_FILE
    assert addresses.read_bytes() == (repo / STACK_DIR / SECRETS_FILE).read_bytes()
    assert stat.S_IMODE(addresses.stat().st_mode) == 0o600
    for step in (("init", "-input=false"), ("plan", "-input=false", "-detailed-exitcode")):
        done = subprocess.run(
            ["terraform", *step, "-no-color"],
            cwd=hcl_dir,
            env=exported,
            stdin=subprocess.DEVNULL,
            capture_output=True,
            text=True,
            timeout=600,
            check=False,
        )
        assert done.returncode == 0, done.stdout + done.stderr
    assert "No changes." in done.stdout
