"""RunbookRole: a role described in full (adopted or shared by several runbooks)."""

from __future__ import annotations

import json

import pytest

from constructs_lib import InlinePolicy, PropsError, RunbookRole, RunbookRoleProps
from constructs_lib.runbook_role import attachment_id
from tests.synth_helpers import new_stack, only, ref, resources, synth

TRUST = json.dumps(
    {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Effect": "Allow",
                "Principal": {"Service": "ssm-incidents.amazonaws.com"},
                "Action": "sts:AssumeRole",
            }
        ],
    },
    indent=4,
)
START = (
    '{"Version": "2012-10-17", '
    '"Statement": [{"Effect": "Allow", "Action": "ssm:*", "Resource": "*"}]}'
)
AWS_POLICY = "arn:aws:iam::aws:policy/service-role/AmazonSSMAutomationRole"
OWN_POLICY = "arn:aws:iam::111122223333:policy/teams/describe-instances"


def test_the_role_is_written_with_every_live_setting() -> None:
    stack = new_stack()
    role = RunbookRole(
        stack,
        "role",
        RunbookRoleProps(
            name="IncidentManagerRunbookRole",
            trust_policy=TRUST,
            path="/service-role/",
            description="Starts runbooks",
            max_session_duration=7200,
            permissions_boundary="arn:aws:iam::111122223333:policy/boundary",
            inline_policies=[InlinePolicy("start-runbook", START)],
            managed_policy_arns=[AWS_POLICY, OWN_POLICY],
            tags={"team": "sre"},
        ),
    )
    out = synth(stack)
    body = only(out, "aws_iam_role")
    assert body == {
        "name": "IncidentManagerRunbookRole",
        "path": "/service-role/",
        "description": "Starts runbooks",
        "max_session_duration": 7200,
        "permissions_boundary": "arn:aws:iam::111122223333:policy/boundary",
        # The file's text as it is: the provider compares policies by meaning.
        "assume_role_policy": TRUST,
        "tags": {"team": "sre"},
    }
    policy = only(out, "aws_iam_role_policy")
    assert policy == {
        "name": "start-runbook",
        "role": ref(role.resource, "id"),
        "policy": START,
    }
    attachments = resources(out, "aws_iam_role_policy_attachment")
    assert sorted(a["policy_arn"] for a in attachments.values()) == sorted([AWS_POLICY, OWN_POLICY])
    assert {a["role"] for a in attachments.values()} == {ref(role.resource, "name")}
    assert list(role.attachments) == [AWS_POLICY, OWN_POLICY]


def test_defaults_are_the_providers() -> None:
    stack = new_stack()
    RunbookRole(stack, "role", RunbookRoleProps(name="runbooks", trust_policy=TRUST))
    body = only(synth(stack), "aws_iam_role")
    assert (body["path"], body["max_session_duration"]) == ("/", 3600)
    assert "description" not in body and "permissions_boundary" not in body


def test_attachment_ids_hold_no_slash_and_tell_policies_apart() -> None:
    assert attachment_id(AWS_POLICY) == "attachment-aws-service-role-AmazonSSMAutomationRole"
    assert attachment_id(OWN_POLICY) == "attachment-111122223333-teams-describe-instances"
    customer_twin = "arn:aws:iam::111122223333:policy/service-role/AmazonSSMAutomationRole"
    assert attachment_id(customer_twin) != attachment_id(AWS_POLICY)


def test_fails_on_a_bad_name_and_repeated_policies() -> None:
    with pytest.raises(PropsError) as error:
        RunbookRole(
            new_stack(),
            "role",
            RunbookRoleProps(
                name="bad name",
                trust_policy=TRUST,
                inline_policies=[InlinePolicy("a", START), InlinePolicy("a", START)],
                managed_policy_arns=[AWS_POLICY, AWS_POLICY],
            ),
        )
    assert error.value.problems == (
        "name 'bad name': 1 to 64 letters, digits and + = , . @ _ -",
        "inline policy 'a' is given twice",
        f"managed policy {AWS_POLICY!r} is attached twice",
    )
