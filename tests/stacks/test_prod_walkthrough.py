"""The prod stack holds the AWS blog walkthrough, resource for resource."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from ruamel.yaml import YAML

Json = dict[str, Any]


@pytest.fixture(scope="module")
def prod(synthesized_examples: Path) -> Json:
    path = synthesized_examples / "stacks" / "incident-manager-prod" / "cdk.tf.json"
    data: Json = json.loads(path.read_text(encoding="utf-8"))
    return data


def _named(prod: Json, resource_type: str, key: str, value: str) -> tuple[str, Json]:
    matches = [(n, b) for n, b in prod["resource"][resource_type].items() if b.get(key) == value]
    assert len(matches) == 1, f"{resource_type} with {key}={value!r}: {len(matches)} found"
    return matches[0]


def _ref(resource_type: str, name: str, attribute: str = "arn") -> str:
    return f"${{{resource_type}.{name}.{attribute}}}"


def test_contacts_engage_email_at_minute_0_then_sms_at_minute_10(prod: Json) -> None:
    name, contact = _named(prod, "aws_ssmcontacts_contact", "alias", "incident-responder")
    assert contact["type"] == "PERSONAL"
    _named(prod, "aws_ssmcontacts_contact", "alias", "sr-incident-responder")
    channels = {
        b["name"]: (n, b)
        for n, b in prod["resource"]["aws_ssmcontacts_contact_channel"].items()
        if b["contact_id"] == _ref("aws_ssmcontacts_contact", name)
    }
    assert {c["type"] for _, c in channels.values()} == {"EMAIL", "SMS"}
    email_name, _ = channels["incident responder email"]
    sms_name, _ = channels["incident responder mobile"]
    _, plan = _named(
        prod, "aws_ssmcontacts_plan", "contact_id", _ref("aws_ssmcontacts_contact", name)
    )
    stages = plan["stage"]
    assert stages[0]["duration_in_minutes"] == 10
    assert stages[0]["target"][0]["channel_target_info"]["contact_channel_id"] == _ref(
        "aws_ssmcontacts_contact_channel", email_name
    )
    assert stages[1]["target"][0]["channel_target_info"]["contact_channel_id"] == _ref(
        "aws_ssmcontacts_contact_channel", sms_name
    )


def test_escalation_plan_stage_1_is_5_minutes_of_the_responder_then_the_senior(prod: Json) -> None:
    plan_name, plan_contact = _named(
        prod, "aws_ssmcontacts_contact", "alias", "app-escalation-plan"
    )
    assert plan_contact["type"] == "ESCALATION"
    responder, _ = _named(prod, "aws_ssmcontacts_contact", "alias", "incident-responder")
    senior, _ = _named(prod, "aws_ssmcontacts_contact", "alias", "sr-incident-responder")
    _, plan = _named(
        prod, "aws_ssmcontacts_plan", "contact_id", _ref("aws_ssmcontacts_contact", plan_name)
    )
    first, second = plan["stage"]
    assert first["duration_in_minutes"] == 5
    assert first["target"] == [
        {
            "contact_target_info": {
                "contact_id": _ref("aws_ssmcontacts_contact", responder),
                "is_essential": True,
            }
        }
    ]
    assert second["target"] == [
        {
            "contact_target_info": {
                "contact_id": _ref("aws_ssmcontacts_contact", senior),
                "is_essential": True,
            }
        }
    ]


def test_response_plan_ec2highcpu_engages_the_escalation_plan_and_runs_the_runbook(
    prod: Json,
) -> None:
    _, plan = _named(prod, "aws_ssmincidents_response_plan", "name", "EC2HighCPU")
    assert plan["incident_template"]["title"] == "cpu-incident-1"
    assert plan["incident_template"]["impact"] == 3
    escalation, _ = _named(prod, "aws_ssmcontacts_contact", "alias", "app-escalation-plan")
    assert plan["engagements"] == [_ref("aws_ssmcontacts_contact", escalation)]
    document_name, document = _named(prod, "aws_ssm_document", "name", "ec2-cpu-util-runbook")
    automation = plan["action"]["ssm_automation"][0]
    assert automation["document_name"] == _ref("aws_ssm_document", document_name, "name")
    role_name, _ = _named(prod, "aws_iam_role", "name", "IncidentManager-ec2-cpu-util-runbook")
    assert automation["role_arn"] == _ref("aws_iam_role", role_name)
    steps = [s["name"] for s in YAML(typ="safe").load(document["content"])["mainSteps"]]
    assert steps == [
        "Inspect",
        "AddMetrics",
        "AttachToAutoScalingGroup",
        "Validate",
        "CloseIncident",
    ]


def test_cpu_above_85_percent_opens_an_ec2highcpu_incident(prod: Json) -> None:
    plan_name, _ = _named(prod, "aws_ssmincidents_response_plan", "name", "EC2HighCPU")
    _, alarm = _named(prod, "aws_cloudwatch_metric_alarm", "metric_name", "CPUUtilization")
    assert alarm["comparison_operator"] == "GreaterThanThreshold"
    assert alarm["threshold"] == 85
    assert alarm["alarm_actions"] == [_ref("aws_ssmincidents_response_plan", plan_name)]


def test_weekly_rotation_of_the_responders(prod: Json) -> None:
    (rotation,) = prod["resource"]["aws_ssmcontacts_rotation"].values()
    assert len(rotation["contact_ids"]) == 2
    assert "weekly_settings" in rotation["recurrence"][0]


def test_replication_set_spans_two_regions_with_customer_managed_keys(prod: Json) -> None:
    (rs,) = prod["resource"]["aws_ssmincidents_replication_set"].values()
    assert [r["name"] for r in rs["region"]] == ["us-east-1", "us-west-2"]
    assert all(r["kms_key_arn"].startswith("${aws_kms") for r in rs["region"])
    assert rs["lifecycle"] == {"prevent_destroy": True}


def test_every_incident_manager_resource_waits_for_the_replication_set(prod: Json) -> None:
    (rs_name,) = prod["resource"]["aws_ssmincidents_replication_set"]
    waiting = [
        body
        for resource_type in (
            "aws_ssmcontacts_contact",
            "aws_ssmcontacts_rotation",
            "aws_ssmincidents_response_plan",
        )
        for body in prod["resource"][resource_type].values()
    ]
    assert len(waiting) == 5
    for body in waiting:
        assert body["depends_on"] == [f"aws_ssmincidents_replication_set.{rs_name}"]


def test_the_stack_refuses_any_account_but_prods(prod: Json) -> None:
    for provider in prod["provider"]["aws"]:
        assert provider["allowed_account_ids"] == ["444455556666"]
