"""Adopt the blog walkthrough from the local Incident Manager; the real Terraform plan of the
written environment shows only imports."""

from __future__ import annotations

import argparse
import json
import re
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from local_aws.console_setup import (
    POLICY_TAGS,
    add_rotation_and_schedule,
    build_blog_walkthrough,
)
from local_aws.moto_glue import LocalServer
from stacks.adopt import command
from stacks.adopt.command import adopt
from stacks.adopt.first_plan import SECRETS_FILE, plan_adopted
from stacks.adopt.plan_check import AdoptionPlan
from stacks.environment_loader import load_environment
from stacks.plan_guard import check_plan
from tests.adopt.adopted_stack import AdoptedStack

ACCOUNT = "123456789012"


def test_written_environment(aws: Any, account_env: None, tmp_path: Path) -> None:
    arns = build_blog_walkthrough(aws)
    adoption = adopt("acme", "us-east-1", None, tmp_path)
    env = load_environment(tmp_path / "stacks/environments/acme.yaml", tmp_path)
    config = env.config
    assert config.account_id == ACCOUNT
    assert [c.alias for c in config.contacts] == ["incident-responder", "sr-incident-responder"]
    responder = config.contacts[0]
    assert responder.display_name == "Incident Responder"
    assert [(c.name, c.type, c.secret, c.address) for c in responder.channels] == [
        ("email", "EMAIL", True, None),
        ("sms", "SMS", True, None),
    ]
    assert [(e.channel, e.at_minute, e.retry_interval_minutes) for e in responder.engagement] == [
        ("email", 0, None),
        ("sms", 10, 5),
    ]
    # A tag policy's two tags on every resource, the replication set included: written once.
    assert config.default_tags == POLICY_TAGS
    assert config.replication_set.tags == {}
    assert [c.tags for c in config.contacts] == [{}, {}]
    assert config.contacts[1].display_name == "Sénior Responder"
    (plan,) = config.escalation_plans
    assert plan.tags == {}
    assert [
        (s.duration_minutes, [(t.contact, t.acknowledgement_stops_plan) for t in s.targets])
        for s in plan.stages
    ] == [
        (15, [("incident-responder", None)]),
        (0, [("sr-incident-responder", False)]),
    ]
    (response,) = config.response_plans
    assert (response.name, response.incident.impact, response.engagements) == (
        "EC2HighCPU",
        "medium",
        ["app-escalation-plan"],
    )
    assert response.tags == {}
    # Addresses only in the git-ignored variables file, never in the environment file.
    text = (tmp_path / "stacks/environments/acme.yaml").read_text(encoding="utf-8")
    assert "example.com" not in text and "+1206" not in text
    secrets = json.loads(
        (tmp_path / "cdktf.out/stacks/incident-manager-acme" / SECRETS_FILE).read_text()
    )
    assert secrets["incident_responder__email"] == "oncall@example.com"
    assert secrets["sr_incident_responder__sms"] == "+12065550101"
    imports = json.loads((tmp_path / "stacks/adopted/acme.imports.json").read_text())
    assert imports["contacts"]["incident-responder"]["contact"] == arns["responder"]
    assert imports["escalation_plans"] == {"app-escalation-plan": arns["plan"]}
    assert imports["response_plans"] == {"EC2HighCPU": arns["response_plan"]}
    assert adoption.report == [
        f"contact {alias}: channel sms is not activated; it pages nobody until the person "
        "enters the activation code (adoption keeps it as it is)"
        for alias in ("incident-responder", "sr-incident-responder")
    ]
    assert (tmp_path / "stacks/adopted/acme.report.txt").read_text().count("not activated") == 2


def test_refuses_to_overwrite(aws: Any, account_env: None, tmp_path: Path) -> None:
    build_blog_walkthrough(aws)
    adopt("acme", "us-east-1", None, tmp_path)
    written = {p: p.read_bytes() for p in (tmp_path / "stacks").rglob("*") if p.is_file()}
    with pytest.raises(ValueError, match=r"acme\.yaml exists"):
        adopt("acme", "us-east-1", None, tmp_path)
    adopt("acme", "us-east-1", None, tmp_path, force=True)
    # Deterministic: the same account gives the same files, byte for byte.
    assert {p: p.read_bytes() for p in written} == written


def test_refuses_an_account_without_replication_set(
    aws: Any, account_env: None, tmp_path: Path
) -> None:
    aws("ssm-incidents")  # resets the server
    with pytest.raises(ValueError, match="no Incident Manager replication set"):
        adopt("acme", "us-east-1", None, tmp_path)
    assert not (tmp_path / "stacks/environments/acme.yaml").exists()


def test_first_plan_shows_only_imports(
    aws: Any, account_env: None, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: Any
) -> None:
    build_blog_walkthrough(aws)
    monkeypatch.setattr(command, "PROJECT_ROOT", tmp_path)
    args = argparse.Namespace(
        environment="acme", region="us-east-1", account_id=None, force=False, no_plan=False
    )
    assert command.run(args) == 0
    stack = json.loads(
        (tmp_path / "cdktf.out/stacks/incident-manager-acme/cdk.tf.json").read_text()
    )
    assert len(stack["import"]) == 12
    out = capsys.readouterr().out
    # 1 replication set, 2 contacts with a plan and 2 channels each, an escalation plan and its
    # plan, a response plan; the 4 secret channels only have their address marked sensitive.
    assert (
        "first plan: 12 to import, 0 other change(s) (4 imported channel address(es) marked "
        "sensitive, values unchanged)"
    ) in out


def test_first_plan_lists_other_changes(aws: Any, account_env: None, tmp_path: Path) -> None:
    build_blog_walkthrough(aws)
    adopt("acme", "us-east-1", None, tmp_path)
    path = tmp_path / "stacks/environments/acme.yaml"
    path.write_text(path.read_text().replace("title: cpu-incident", "title: other-title"))
    result = plan_adopted("acme", tmp_path)
    assert result.imports == 11
    # The plan guard lets every import through: importing deletes and replaces nothing.
    assert check_plan(result.plan) == []
    (line,) = result.other_changes
    assert re.fullmatch(
        r"response plan aws_ssmincidents_response_plan\.response-plan-EC2HighCPU_\w+ would be "
        r"imported, then changed in place \(attributes: incident_template\)",
        line,
    ), line


def _check_first_plan(result: AdoptionPlan) -> None:
    """Imports, the schedule's two records and the rotation's coverage record; nothing else."""
    assert result.other_changes == []
    assert result.imports == 13
    assert result.schedule_adoptions == 2  # its identity and its settings record
    # 08:30-17:00 reads back as 08:00-17:00 (provider 5.100.0): the rotation ignores coverage
    # changes and its coverage record, created here, checks the live hours on apply.
    assert result.coverage_records == 1
    (rotation,) = [
        c for c in result.plan["resource_changes"] if c["type"] == "aws_ssmcontacts_rotation"
    ]
    assert rotation["change"]["actions"] == ["no-op"]
    assert "importing" in rotation["change"]
    assert result.summary() == (
        "13 to import, 0 other change(s) (4 imported channel address(es) marked sensitive, "
        "values unchanged); 2 on-call schedule record(s) to create, adopting the live schedules "
        "on apply; 1 shift coverage record(s) to create, checking each rotation's live coverage "
        "on apply and writing the configured hours where they differ"
    )


def test_rotation_and_schedule_apply_then_no_changes(
    aws: Any, account_env: None, local_server: LocalServer, tmp_path: Path
) -> None:
    arns = build_blog_walkthrough(aws)
    add_rotation_and_schedule(aws, arns)
    adopt("acme", "us-east-1", None, tmp_path)
    config = load_environment(tmp_path / "stacks/environments/acme.yaml", tmp_path).config
    (rotation,) = config.rotations
    assert rotation.start_time == datetime(2026, 1, 5, 7, 30, tzinfo=UTC)
    assert rotation.hand_off.daily == ["08:30"]
    assert {d: [(c.start, c.end) for c in cs] for d, cs in rotation.shift_coverages.items()} == {
        day: [("08:30", "17:00")] for day in ("MON", "TUE", "WED", "THU", "FRI")
    }
    assert [(s.alias, s.rotations) for s in config.oncall_schedules] == [
        ("business-hours-oncall", ["business-hours"])
    ]
    _check_first_plan(plan_adopted("acme", tmp_path))
    api = aws("ssm-contacts")
    live_before = api.get_rotation(RotationId=arns["rotation"])
    live_before.pop("ResponseMetadata")

    # Apply, as `make apply` would, then plan again: nothing left to change.
    adopted = AdoptedStack.open(tmp_path, local_server)
    work = adopted.work
    applied = work.apply()
    assert {c.action for c in applied} <= {"import", "update", "create"}
    assert [c.address for c in applied if c.action == "create"] == [
        a for a in (c.address for c in applied) if a.startswith("terraform_data.")
    ]
    # The live coverage already was the config's: the record wrote nothing, changed nothing.
    live_after = api.get_rotation(RotationId=arns["rotation"])
    assert {k: v for k, v in live_after.items() if k != "ResponseMetadata"} == live_before
    # The schedule kept its ARN: adopted, not created again.
    listed = aws("ssm-contacts").list_contacts(Type="ONCALL_SCHEDULE")["Contacts"]
    assert [c["ContactArn"] for c in listed] == [arns["schedule"]]
    adopted.drop_imports()
    assert "import" not in work.stack
    assert work.pending_changes() == []

    # An everyday edit of the adopted file applies in place, nothing replaced.
    path = tmp_path / "stacks/environments/acme.yaml"
    path.write_text(path.read_text().replace("at_minute: 10", "at_minute: 15"))
    adopted.resynthesize()
    edited = work.apply("terraform apply (edit)")
    # Both people's plans; the rotation is no longer updated on every apply.
    assert {(c.kind, c.action) for c in edited} == {("aws_ssmcontacts_plan", "update")}
    assert work.pending_changes() == []

    # Weekdays from 08:00 instead of 08:30: 08:30-17:00 already reads back as 08:00-17:00, so
    # the provider sees nothing to change; the coverage record is replaced and writes the hours.
    text, edits = re.subn(r"start: (['\"]?)08:30", r"start: \g<1>08:00", path.read_text())
    assert edits == 5
    path.write_text(text)
    adopted.resynthesize()
    moved = work.apply("terraform apply (coverage)")
    assert [(c.kind, c.action) for c in moved] == [("terraform_data", "replace")]
    live = api.get_rotation(RotationId=arns["rotation"])["Recurrence"]["ShiftCoverages"]
    assert {
        (d, c["Start"]["HourOfDay"], c["Start"]["MinuteOfHour"]) for d in live for c in live[d]
    } == {(day, 8, 0) for day in ("MON", "TUE", "WED", "THU", "FRI")}
    assert work.pending_changes() == []


def test_response_plan_with_topics_chat_pagerduty_and_tags(
    aws: Any, account_env: None, local_server: LocalServer, tmp_path: Path
) -> None:
    arns = build_blog_walkthrough(aws)
    topic = aws("sns").create_topic(Name="incident-updates")["TopicArn"]
    chat = aws("sns").create_topic(Name="chatbot")["TopicArn"]
    aws("ssm-incidents").create_response_plan(
        name="DatabaseDown",
        incidentTemplate={
            "title": "database-down",
            "impact": 1,
            "summary": "Primary database unreachable",
            "notificationTargets": [{"snsTopicArn": topic}],
            "incidentTags": {"service": "db"},
        },
        chatChannel={"chatbotSns": [chat]},
        engagements=[arns["plan"], arns["senior"]],
        integrations=[
            {
                "pagerDutyConfiguration": {
                    "name": "pd-db",
                    "secretId": "pagerduty-secret",
                    "pagerDutyIncidentConfiguration": {"serviceId": "PABC123"},
                }
            }
        ],
        tags={"team": "dba", "cost-center": "1234"},
    )
    adopt("acme", "us-east-1", None, tmp_path)
    config = load_environment(tmp_path / "stacks/environments/acme.yaml", tmp_path).config
    plan = next(p for p in config.response_plans if p.name == "DatabaseDown")
    assert plan.incident.impact == "critical"
    # Both topics are this account's and region's, with SNS's default policy: managed, by name.
    assert [(t.name, t.encryption_key) for t in config.topics] == [
        ("chatbot", "none"),
        ("incident-updates", "none"),
    ]
    assert plan.incident.notify == ["incident-updates"]
    assert plan.incident.tags == {"service": "db"}
    assert plan.chat_channels == ["chatbot"]
    assert plan.engagements == ["app-escalation-plan", "sr-incident-responder"]
    assert plan.pagerduty is not None and plan.pagerduty.service_id == "PABC123"
    assert plan.tags == {"cost-center": "1234", "team": "dba"}
    result = plan_adopted("acme", tmp_path)
    assert result.other_changes == []
    assert result.imports == 17  # the walkthrough's 12, DatabaseDown, 2 topics and 2 policies

    # Applied, the imports gone: no changes. The impact lowered to high applies in place.
    adopted = AdoptedStack.open(tmp_path, local_server)
    adopted.work.apply()
    adopted.drop_imports()
    assert adopted.work.pending_changes() == []
    path = adopted.environment_file
    path.write_text(path.read_text().replace("impact: critical", "impact: high"))
    adopted.resynthesize()
    edited = adopted.work.apply("terraform apply (edit)")
    assert [(c.kind, c.action) for c in edited] == [("aws_ssmincidents_response_plan", "update")]
    live = aws("ssm-incidents").get_response_plan(
        arn=f"arn:aws:ssm-incidents::{ACCOUNT}:response-plan/DatabaseDown"
    )
    assert live["incidentTemplate"]["impact"] == 2
    assert live["integrations"][0]["pagerDutyConfiguration"]["name"] == "pd-db"
    assert adopted.work.pending_changes() == []


@pytest.mark.parametrize(
    ("regions", "customer_keys", "tags"),
    [
        (("us-east-1",), False, {}),
        (("us-east-1", "us-west-2"), False, POLICY_TAGS),
        (("us-east-1", "us-west-2"), True, {}),
        (("us-east-1", "us-west-2", "eu-west-1"), True, POLICY_TAGS),
    ],
)
def test_replication_set_of_one_to_three_regions(  # noqa: PLR0917 - pytest fixtures
    aws: Any,
    account_env: None,
    tmp_path: Path,
    regions: tuple[str, ...],
    customer_keys: bool,
    tags: dict[str, str],
) -> None:
    keys = {r: aws("kms", r).create_key()["KeyMetadata"]["Arn"] for r in regions}
    aws("ssm-incidents").create_replication_set(
        regions={r: {"sseKmsKeyId": keys[r]} if customer_keys else {} for r in regions},
        **({"tags": tags} if tags else {}),
    )
    adopt("acme", "us-east-1", None, tmp_path)
    config = load_environment(tmp_path / "stacks/environments/acme.yaml", tmp_path).config
    # The provider region first, then the others in name order.
    assert config.replication_set.regions == [regions[0], *sorted(regions[1:])]
    expected = "customer-managed-keys" if customer_keys else "aws-owned-key"
    assert config.replication_set.encryption == expected
    assert config.replication_set.key_arns == (keys if customer_keys else {})
    # The only resource: its tags stay its own (the import reads them; none is a change).
    assert (config.replication_set.tags, config.default_tags) == (tags, {})
    result = plan_adopted("acme", tmp_path)
    assert result.other_changes == []
    assert result.imports == 1


def test_a_runbook_action_is_kept_as_it_is_and_reported(
    aws: Any, account_env: None, tmp_path: Path
) -> None:
    role = f"arn:aws:iam::{ACCOUNT}:role/runbook-role"
    aws("ssm-incidents").create_replication_set(regions={"us-east-1": {}})
    aws("ssm-incidents").create_response_plan(
        name="WithRunbook",
        incidentTemplate={"title": "t", "impact": 5},
        actions=[
            {
                "ssmAutomation": {
                    "roleArn": role,
                    "documentName": "MyRunbook",
                    "parameters": {"Environment": ["prod"]},
                }
            }
        ],
    )
    adoption = adopt("acme", "us-east-1", None, tmp_path)
    config = load_environment(tmp_path / "stacks/environments/acme.yaml", tmp_path).config
    (plan,) = config.response_plans
    assert plan.incident.impact == "none"
    # Neither the document nor the role exists: the action names them as AWS holds it.
    action = plan.runbook
    assert action is not None
    assert (action.name, action.document, action.role) == (None, "MyRunbook", role)
    assert (action.parameters, action.dynamic_parameters, action.kept_as_adopted) == (
        {"Environment": ["prod"]},
        {},
        True,
    )
    assert (config.runbooks, config.runbook_roles) == ([], [])
    report = (tmp_path / "stacks/adopted/acme.report.txt").read_text()
    assert [line.split(":")[0] for line in adoption.report] == ["response plan WithRunbook"] * 3
    assert "runbook document MyRunbook does not exist" in report
    assert f"runbook role {role} does not exist" in report
    assert "has no dynamic_parameters" in report and "kept_as_adopted: true" in report
    # The first plan imports the action unchanged: nothing is dropped.
    result = plan_adopted("acme", tmp_path)
    assert result.other_changes == []
    assert result.imports == 2


def test_plans_engaging_plans_channels_and_a_schedule(
    aws: Any, account_env: None, local_server: LocalServer, tmp_path: Path
) -> None:
    arns = build_blog_walkthrough(aws)
    add_rotation_and_schedule(aws, arns)
    api = aws("ssm-contacts")
    sms = next(
        c["ContactChannelArn"]
        for c in api.list_contact_channels(ContactId=arns["senior"])["ContactChannels"]
        if c["Name"] == "sms"
    )
    api.create_contact(
        Alias="major-incident",
        DisplayName="Größere Störung",
        Type="ESCALATION",
        Plan={
            "Stages": [
                {
                    "DurationInMinutes": 5,
                    "Targets": [
                        {"ContactTargetInfo": {"ContactId": arns["schedule"], "IsEssential": True}},
                        {
                            "ChannelTargetInfo": {
                                "ContactChannelId": sms,
                                "RetryIntervalInMinutes": 2,
                            }
                        },
                    ],
                },
                {
                    "DurationInMinutes": 0,
                    "Targets": [
                        {"ContactTargetInfo": {"ContactId": arns["plan"], "IsEssential": True}}
                    ],
                },
            ]
        },
        Tags=[{"Key": "severity", "Value": "major"}],
    )
    adopt("acme", "us-east-1", None, tmp_path)
    config = load_environment(tmp_path / "stacks/environments/acme.yaml", tmp_path).config
    major = next(p for p in config.escalation_plans if p.alias == "major-incident")
    assert major.display_name == "Größere Störung"
    assert major.tags == {"severity": "major"}
    assert [
        [(t.contact, t.channel, t.retry_interval_minutes) for t in s.targets] for s in major.stages
    ] == [
        [("business-hours-oncall", None, None), ("sr-incident-responder", "sms", 2)],
        [("app-escalation-plan", None, None)],
    ]
    result = plan_adopted("acme", tmp_path)
    assert result.other_changes == []
    assert result.imports == 15
    # Applied, the imports gone: no changes; the schedule and the plans engaging it as they were.
    adopted = AdoptedStack.open(tmp_path, local_server)
    adopted.work.apply()
    adopted.drop_imports()
    assert adopted.work.pending_changes() == []
    major_arn = f"arn:aws:ssm-contacts:us-east-1:{ACCOUNT}:contact/major-incident"
    live = api.get_contact(ContactId=major_arn)["Plan"]["Stages"][0]["Targets"][0]
    assert live["ContactTargetInfo"]["ContactId"] == arns["schedule"]


@pytest.mark.parametrize("with_setup", [True, False])
def test_command_refusals_exit_2_with_a_message(  # noqa: PLR0917 - pytest fixtures
    aws: Any,
    account_env: None,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: Any,
    with_setup: bool,
) -> None:
    if with_setup:
        build_blog_walkthrough(aws)
        (tmp_path / "stacks/environments").mkdir(parents=True)
        (tmp_path / "stacks/environments/acme.yaml").write_text("kept: true\n")
    monkeypatch.setattr(command, "PROJECT_ROOT", tmp_path)
    args = argparse.Namespace(
        environment="acme", region="us-east-1", account_id=None, force=False, no_plan=True
    )
    assert command.run(args) == 2
    err = capsys.readouterr().err
    expected = "acme.yaml exists" if with_setup else "no Incident Manager replication set"
    assert err.startswith("adopt: ") and expected in err and "Traceback" not in err
    if with_setup:
        assert (tmp_path / "stacks/environments/acme.yaml").read_text() == "kept: true\n"
