"""Requests are checked against botocore's service model before any rule: required members,
lengths, patterns (Java-style, via `regex`), enums and ranges, in AWS's wording."""

from __future__ import annotations

from typing import Any

import pytest
from botocore.config import Config
from botocore.exceptions import ClientError

from local_aws.model_validation import SHOWN_LIMIT, short, summary, violations
from tests.local_aws.conftest import REGION, Client
from tests.local_aws.test_ssm_contacts_api import NO_STAGES, error_of, replication_set


def unchecked(aws: Client, service: str) -> Any:
    """A client that sends what it is given: boto3 checks required members, lengths and
    ranges itself, so those reach the server only with its own checks off."""
    import boto3  # type: ignore[import-untyped]

    client = aws(service)
    return boto3.client(
        service,
        endpoint_url=client.meta.endpoint_url,
        region_name=REGION,
        aws_access_key_id="test-access-key",
        aws_secret_access_key="test-secret-key",
        config=Config(parameter_validation=False),
    )


def test_pattern_and_enum_in_aws_wording(aws: Client) -> None:
    replication_set(aws)
    with pytest.raises(ClientError) as raised:
        aws("ssm-contacts").create_contact(Alias="Bad Alias!", Type="TEAM", Plan=NO_STAGES)
    code, message = error_of(raised)
    assert code == "ValidationException"
    assert message == (
        "2 validation errors detected: Value 'Bad Alias!' at 'alias' failed to satisfy "
        "constraint: Member must satisfy regular expression pattern: ^[a-z0-9_\\-]*$; "
        "Value 'TEAM' at 'type' failed to satisfy constraint: Member must satisfy enum value "
        "set: [PERSONAL, ESCALATION, ONCALL_SCHEDULE]"
    )
    assert raised.value.response["Reason"] == "FIELD_VALIDATION_FAILED"
    assert [f["Name"] for f in raised.value.response["Fields"]] == ["alias", "type"]


def test_unicode_letter_classes_need_regex(aws: Client) -> None:
    replication_set(aws)
    contacts = aws("ssm-contacts")
    contacts.create_contact(
        Alias="jose", DisplayName="José Müller", Type="PERSONAL", Plan=NO_STAGES
    )
    with pytest.raises(ClientError) as raised:
        contacts.create_contact(
            Alias="eve", DisplayName="Eve <script>", Type="PERSONAL", Plan=NO_STAGES
        )
    assert "displayName" in error_of(raised)[1]


def test_required_lengths_and_ranges(aws: Client) -> None:
    replication_set(aws)
    contacts = unchecked(aws, "ssm-contacts")
    with pytest.raises(ClientError) as raised:
        contacts.create_contact(Alias="alice", Type="PERSONAL")
    assert error_of(raised)[1] == (
        "1 validation error detected: Value null at 'plan' failed to satisfy constraint: "
        "Member must not be null"
    )
    stage = {"DurationInMinutes": 31, "Targets": []}
    with pytest.raises(ClientError) as raised:
        contacts.create_contact(Alias="a" * 256, Type="PERSONAL", Plan={"Stages": [stage]})
    message = error_of(raised)[1]
    assert (
        "at 'alias' failed to satisfy constraint: Member must have length less than or equal to 255"
        in message
    )
    assert (
        "at 'plan.stages.1.member.durationInMinutes' failed to satisfy constraint: "
        "Member must have value less than or equal to 30" in message
    )
    incidents = unchecked(aws, "ssm-incidents")
    with pytest.raises(ClientError) as raised:
        incidents.create_response_plan(name="x", incidentTemplate={"title": "t", "impact": 0})
    assert raised.value.response["ResponseMetadata"]["HTTPStatusCode"] == 400
    assert "incidentTemplate.impact" in error_of(raised)[1]


def test_a_valid_request_has_no_violations() -> None:
    assert (
        violations(
            "ssm-contacts",
            "CreateContact",
            {"Alias": "alice", "Type": "PERSONAL", "Plan": NO_STAGES},
        )
        == []
    )


def test_empty_runbook_parameters_as_aws_words_it(aws: Client) -> None:
    """The message AWS gave for the provider's empty maps (terraform-provider-aws#32057)."""
    replication_set(aws)
    automation = {
        "roleArn": "arn:aws:iam::123456789012:role/runbook",
        "documentName": "runbook",
        "parameters": {},
        "dynamicParameters": {},
    }
    with pytest.raises(ClientError) as raised:
        unchecked(aws, "ssm-incidents").create_response_plan(
            name="cpu",
            incidentTemplate={"title": "t", "impact": 3},
            actions=[{"ssmAutomation": automation}],
        )
    assert error_of(raised) == (
        "ValidationException",
        "2 validation errors detected: Value '{}' at "
        "'actions.1.member.ssmAutomation.dynamicParameters' failed to satisfy constraint: "
        "Member must have length greater than or equal to 1; Value '{}' at "
        "'actions.1.member.ssmAutomation.parameters' failed to satisfy constraint: Member must "
        "have length greater than or equal to 1",
    )


def test_long_values_and_map_keys_are_cut_short_in_messages() -> None:
    """A 5 MB alias was sent back whole; AWS cuts values in its messages."""
    found = violations(
        "ssm-incidents",
        "CreateResponsePlan",
        {
            "name": "p" * 1_000_000,
            "incidentTemplate": {"title": "t", "impact": 3},
            "tags": {"k" * 1_000_000: "v" * 300},
        },
    )
    text = summary(found)
    assert len(text) < 2_000
    assert f"Value '{'p' * SHOWN_LIMIT}...' at 'name'" in text
    assert f"at 'tags.{'k' * SHOWN_LIMIT}...' failed" in text  # the value's path names the key
    assert f"Value '{'k' * SHOWN_LIMIT}...' at 'tags.key'" in text
    assert short("x" * SHOWN_LIMIT) == "x" * SHOWN_LIMIT
