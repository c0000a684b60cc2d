"""ssm-incidents on the local server, through boto3: the replication set's and response plans'
rules, with the error codes AWS documents."""

from __future__ import annotations

import pytest
from botocore.exceptions import ClientError

from tests.local_aws.conftest import ACCOUNT, REGION, Client
from tests.local_aws.test_ssm_contacts_api import error_of, personal, replication_set

TEMPLATE = {"title": "cpu high", "impact": 3}


def test_one_replication_set_per_account_active_at_once(aws: Client) -> None:
    incidents = aws("ssm-incidents")
    arn = replication_set(aws)
    assert arn.startswith(f"arn:aws:ssm-incidents::{ACCOUNT}:replication-set/")
    shown = incidents.get_replication_set(arn=arn)["replicationSet"]
    assert shown["status"] == "ACTIVE"
    assert shown["regionMap"][REGION]["sseKmsKeyId"] == "DefaultKey"
    with pytest.raises(ClientError) as raised:
        incidents.create_replication_set(regions={REGION: {}})
    assert error_of(raised)[0] == "ConflictException"
    assert incidents.list_replication_sets()["replicationSetArns"] == [arn]


def test_the_request_region_belongs_to_the_set(aws: Client) -> None:
    with pytest.raises(ClientError) as raised:
        aws("ssm-incidents").create_replication_set(regions={"eu-west-1": {}})
    assert error_of(raised)[0] == "ValidationException"


def test_keys_are_not_mixed_and_regions_change_one_at_a_time(aws: Client) -> None:
    incidents = aws("ssm-incidents")
    key = f"arn:aws:kms:{REGION}:{ACCOUNT}:key/mrk-1"
    with pytest.raises(ClientError) as raised:
        incidents.create_replication_set(regions={REGION: {"sseKmsKeyId": key}, "us-west-2": {}})
    assert error_of(raised)[0] == "ValidationException"
    arn = replication_set(aws)
    incidents.update_replication_set(
        arn=arn, actions=[{"addRegionAction": {"regionName": "us-west-2"}}]
    )
    assert set(incidents.get_replication_set(arn=arn)["replicationSet"]["regionMap"]) == {
        REGION,
        "us-west-2",
    }
    with pytest.raises(ClientError) as raised:
        incidents.update_replication_set(
            arn=arn,
            actions=[
                {"deleteRegionAction": {"regionName": "us-west-2"}},
                {"deleteRegionAction": {"regionName": REGION}},
            ],
        )
    assert error_of(raised)[0] == "ValidationException"
    incidents.update_replication_set(
        arn=arn, actions=[{"deleteRegionAction": {"regionName": "us-west-2"}}]
    )
    with pytest.raises(ClientError) as raised:
        incidents.update_replication_set(
            arn=arn, actions=[{"deleteRegionAction": {"regionName": REGION}}]
        )
    assert error_of(raised)[0] == "ValidationException"


def test_response_plans_need_the_set_and_unique_names(aws: Client) -> None:
    incidents = aws("ssm-incidents")
    with pytest.raises(ClientError) as raised:
        incidents.create_response_plan(name="cpu", incidentTemplate=TEMPLATE)
    assert error_of(raised)[0] == "ValidationException"
    replication_set(aws)
    arn = incidents.create_response_plan(
        name="cpu", incidentTemplate=TEMPLATE, chatChannel={"empty": {}}, tags={"a": "b"}
    )["arn"]
    assert arn == f"arn:aws:ssm-incidents::{ACCOUNT}:response-plan/cpu"
    assert incidents.get_response_plan(arn=arn)["chatChannel"] == {"empty": {}}
    with pytest.raises(ClientError) as raised:
        incidents.create_response_plan(name="cpu", incidentTemplate=TEMPLATE)
    assert error_of(raised)[0] == "ConflictException"


def test_engagements_are_contacts_that_exist(aws: Client) -> None:
    replication_set(aws)
    incidents = aws("ssm-incidents")
    missing = f"arn:aws:ssm-contacts:{REGION}:{ACCOUNT}:contact/nobody"
    with pytest.raises(ClientError) as raised:
        incidents.create_response_plan(name="cpu", incidentTemplate=TEMPLATE, engagements=[missing])
    assert error_of(raised)[0] == "ResourceNotFoundException"
    alice = personal(aws, "alice")
    arn = incidents.create_response_plan(
        name="cpu", incidentTemplate=TEMPLATE, engagements=[alice]
    )["arn"]
    incidents.update_response_plan(arn=arn, incidentTemplateImpact=1, engagements=[])
    shown = incidents.get_response_plan(arn=arn)
    assert shown["incidentTemplate"] == {"title": "cpu high", "impact": 1}
    assert shown.get("engagements", []) == []


def test_deleting_the_replication_set_deletes_everything(aws: Client) -> None:
    arn = replication_set(aws)
    alice = personal(aws, "alice")
    incidents = aws("ssm-incidents")
    plan = incidents.create_response_plan(name="cpu", incidentTemplate=TEMPLATE)["arn"]
    incidents.delete_replication_set(arn=arn)
    assert incidents.list_replication_sets()["replicationSetArns"] == []
    assert incidents.list_response_plans()["responsePlanSummaries"] == []
    for call, argument in (
        (incidents.get_replication_set, {"arn": arn}),
        (incidents.get_response_plan, {"arn": plan}),
        (aws("ssm-contacts").get_contact, {"ContactId": alice}),
    ):
        with pytest.raises(ClientError) as raised:
            call(**argument)
        assert error_of(raised)[0] == "ResourceNotFoundException"


def test_tags_are_a_map_and_plans_page(aws: Client) -> None:
    replication_set(aws)
    incidents = aws("ssm-incidents")
    names = [f"plan-{n}" for n in range(5)]
    for name in names:
        incidents.create_response_plan(name=name, incidentTemplate=TEMPLATE)
    arn = f"arn:aws:ssm-incidents::{ACCOUNT}:response-plan/plan-0"
    incidents.tag_resource(resourceArn=arn, tags={"team": "sre", "env": "prod"})
    incidents.untag_resource(resourceArn=arn, tagKeys=["team"])
    assert incidents.list_tags_for_resource(resourceArn=arn)["tags"] == {"env": "prod"}
    pages = incidents.get_paginator("list_response_plans").paginate(
        PaginationConfig={"PageSize": 2}
    )
    assert [s["name"] for p in pages for s in p["responsePlanSummaries"]] == names
    incidents.delete_response_plan(arn=arn)
    incidents.delete_response_plan(arn=arn)  # the model lists no not-found error here
