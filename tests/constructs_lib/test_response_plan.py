"""ResponsePlan: incident template, engagements, runbook action, integrations."""

from __future__ import annotations

import pytest

from constructs_lib import (
    ContactTarget,
    EscalationPlan,
    EscalationPlanProps,
    EscalationStage,
    IncidentTemplate,
    PagerDutyIntegration,
    PropsError,
    ResponsePlan,
    ResponsePlanProps,
    RunbookAction,
)
from tests.constructs_lib.fixtures import email_contact, replication_set, runbook
from tests.synth_helpers import address, new_stack, only, ref, synth

TOPIC = "arn:aws:sns:us-east-1:111122223333:incident-chat"


def test_minimal_plan_is_a_title_and_an_impact_by_name() -> None:
    stack = new_stack()
    rs = replication_set(stack)
    ResponsePlan(
        stack,
        "plan",
        ResponsePlanProps(
            name="EC2HighCPU",
            replication_set=rs,
            incident_template=IncidentTemplate(title="cpu-incident-1", impact="medium"),
        ),
    )
    out = synth(stack)
    plan = only(out, "aws_ssmincidents_response_plan")
    assert plan["name"] == "EC2HighCPU"
    assert plan["incident_template"] == {"title": "cpu-incident-1", "impact": 3}
    assert plan["depends_on"] == [address(rs.resource)]
    assert "action" not in plan
    assert "engagements" not in plan


@pytest.mark.parametrize(
    ("name", "number"), [("critical", 1), ("high", 2), ("medium", 3), ("low", 4), ("none", 5)]
)
def test_impact_names_map_to_the_console_numbers(name: str, number: int) -> None:
    stack = new_stack()
    ResponsePlan(
        stack,
        "plan",
        ResponsePlanProps(
            name="p",
            replication_set=replication_set(stack),
            incident_template=IncidentTemplate(title="t", impact=name),
        ),
    )
    assert (
        only(synth(stack), "aws_ssmincidents_response_plan")["incident_template"]["impact"]
        == number
    )


def test_maximal_plan_engages_runs_a_runbook_notifies_and_pages_pagerduty() -> None:
    stack = new_stack()
    rs = replication_set(stack)
    responder = email_contact(stack, rs, "incident-responder")
    escalation = EscalationPlan(
        stack,
        "escalation",
        EscalationPlanProps(
            alias="app-escalation-plan",
            replication_set=rs,
            stages=[EscalationStage(5, [ContactTarget(responder)])],
        ),
    )
    book = runbook(stack)
    ResponsePlan(
        stack,
        "plan",
        ResponsePlanProps(
            name="EC2HighCPU",
            display_name="EC2 high CPU",
            replication_set=rs,
            incident_template=IncidentTemplate(
                title="cpu-incident-1",
                impact="critical",
                summary="CPU above 85%",
                dedupe_string="ec2-high-cpu",
                incident_tags={"service": "web"},
                notification_topic_arns=[TOPIC],
            ),
            chat_channel_topic_arns=[TOPIC],
            engagements=[escalation, responder],
            runbook=RunbookAction(
                runbook=book,
                document_version="$DEFAULT",
                target_account="RESPONSE_PLAN_OWNER_ACCOUNT",
                parameters={"IncidentRecordArn": ["placeholder"]},
                dynamic_parameters={"IncidentRecordArn": "INCIDENT_RECORD_ARN"},
            ),
            pagerduty=PagerDutyIntegration(name="pd", service_id="PSVC123", secret_id="pd-secret"),
            tags={"team": "app"},
        ),
    )
    out = synth(stack)
    plan = only(out, "aws_ssmincidents_response_plan")
    assert plan["display_name"] == "EC2 high CPU"
    assert plan["incident_template"] == {
        "title": "cpu-incident-1",
        "impact": 1,
        "summary": "CPU above 85%",
        "dedupe_string": "ec2-high-cpu",
        "incident_tags": {"service": "web"},
        "notification_target": [{"sns_topic_arn": TOPIC}],
    }
    assert plan["chat_channel"] == [TOPIC]
    assert plan["engagements"] == [
        ref(escalation.resource),
        ref(responder.resource),
    ]
    assert plan["action"] == {
        "ssm_automation": [
            {
                "document_name": ref(book.resource, "name"),
                "role_arn": ref(book.role) if book.role else None,
                "document_version": "$DEFAULT",
                "target_account": "RESPONSE_PLAN_OWNER_ACCOUNT",
                "parameter": [{"name": "IncidentRecordArn", "values": ["placeholder"]}],
                "dynamic_parameters": {"IncidentRecordArn": "INCIDENT_RECORD_ARN"},
            }
        ]
    }
    assert plan["integration"] == {
        "pagerduty": [{"name": "pd", "service_id": "PSVC123", "secret_id": "pd-secret"}]
    }
    assert plan["tags"] == {"team": "app"}


def test_fails_on_unknown_impact_too_many_engagements_and_undeclared_parameters() -> None:
    stack = new_stack()
    rs = replication_set(stack)
    contacts = [email_contact(stack, rs, f"c{i}") for i in range(6)]
    with pytest.raises(PropsError) as error:
        ResponsePlan(
            stack,
            "plan",
            ResponsePlanProps(
                name="p",
                replication_set=rs,
                incident_template=IncidentTemplate(title="t", impact="severe"),
                engagements=contacts,
                runbook=RunbookAction(runbook=runbook(stack), parameters={"InstanceId": []}),
            ),
        )
    assert error.value.problems == (
        "incident_template.impact: 'severe'; allowed critical, high, medium, low, none",
        "engagements: 6 given; a response plan engages at most 5",
        "runbook.parameters: 'InstanceId' is not declared by runbook 'ec2-cpu-util-runbook' "
        "(declared: IncidentRecordArn, Environment)",
        "runbook.parameters.InstanceId: empty; AWS rejects empty value lists",
    )


def test_an_action_can_name_a_document_and_a_role_managed_elsewhere() -> None:
    stack = new_stack()
    rs = replication_set(stack)
    role = "arn:aws:iam::111122223333:role/aws-service-role/ssm-incidents.amazonaws.com/x"
    ResponsePlan(
        stack,
        "plan",
        ResponsePlanProps(
            name="critical",
            replication_set=rs,
            incident_template=IncidentTemplate(title="t", impact="critical"),
            runbook=RunbookAction(
                document_name="AWSIncidents-CriticalIncidentRunbookTemplate",
                role_arn=role,
                document_version="$DEFAULT",
                # Not checked: the document is not read.
                parameters={"Anything": ["x"]},
            ),
        ),
    )
    (automation,) = only(synth(stack), "aws_ssmincidents_response_plan")["action"]["ssm_automation"]
    assert automation["document_name"] == "AWSIncidents-CriticalIncidentRunbookTemplate"
    assert automation["role_arn"] == role
    assert "dynamic_parameters" not in automation


def test_a_named_role_replaces_the_runbooks_own() -> None:
    stack = new_stack()
    rs = replication_set(stack)
    book = runbook(stack)
    role = "arn:aws:iam::111122223333:role/shared-runbooks"
    ResponsePlan(
        stack,
        "plan",
        ResponsePlanProps(
            name="p",
            replication_set=rs,
            incident_template=IncidentTemplate(title="t", impact="low"),
            runbook=RunbookAction(runbook=book, role_arn=role),
        ),
    )
    (automation,) = only(synth(stack), "aws_ssmincidents_response_plan")["action"]["ssm_automation"]
    assert automation["role_arn"] == role
    assert automation["document_name"] == ref(book.resource, "name")


@pytest.mark.parametrize(
    ("action", "problem"),
    [
        (
            RunbookAction(),
            "runbook: give exactly one of runbook (managed here) and document_name",
        ),
        (
            RunbookAction(document_name="AWSIncidents-CriticalIncidentRunbookTemplate"),
            "runbook.role_arn: required with document_name",
        ),
    ],
)
def test_an_action_needs_one_document_and_a_role(action: RunbookAction, problem: str) -> None:
    stack = new_stack()
    with pytest.raises(PropsError) as error:
        ResponsePlan(
            stack,
            "plan",
            ResponsePlanProps(
                name="p",
                replication_set=replication_set(stack),
                incident_template=IncidentTemplate(title="t", impact="low"),
                runbook=action,
            ),
        )
    assert error.value.problems == (problem,)
