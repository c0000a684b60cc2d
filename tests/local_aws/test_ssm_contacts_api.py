"""ssm-contacts on the local server, through boto3: AWS's rules, each with the error code AWS
documents for it."""

from __future__ import annotations

from typing import Any

import pytest
from botocore.exceptions import ClientError

from tests.local_aws.conftest import ACCOUNT, REGION, Client

NO_STAGES: dict[str, Any] = {"Stages": []}
DAILY = {
    "NumberOfOnCalls": 1,
    "RecurrenceMultiplier": 1,
    "DailySettings": [{"HourOfDay": 9, "MinuteOfHour": 0}],
}


def error_of(raised: pytest.ExceptionInfo[ClientError]) -> tuple[str, str]:
    error = raised.value.response["Error"]
    return error["Code"], error["Message"]


def replication_set(aws: Client) -> str:
    arn: str = aws("ssm-incidents").create_replication_set(regions={REGION: {}})["arn"]
    return arn


def personal(aws: Client, alias: str) -> str:
    arn: str = aws("ssm-contacts").create_contact(Alias=alias, Type="PERSONAL", Plan=NO_STAGES)[
        "ContactArn"
    ]
    return arn


def channel(aws: Client, contact: str, name: str = "email") -> str:
    arn: str = aws("ssm-contacts").create_contact_channel(
        ContactId=contact,
        Name=name,
        Type="EMAIL",
        DeliveryAddress={"SimpleAddress": f"{name}@example.com"},
    )["ContactChannelArn"]
    return arn


def test_nothing_exists_before_the_replication_set(aws: Client) -> None:
    with pytest.raises(ClientError) as raised:
        personal(aws, "alice")
    code, message = error_of(raised)
    assert code == "ValidationException"
    assert "replication set" in message


def test_a_contact_arn_names_region_account_and_alias(aws: Client) -> None:
    replication_set(aws)
    arn = personal(aws, "alice")
    assert arn == f"arn:aws:ssm-contacts:{REGION}:{ACCOUNT}:contact/alice"
    contact = aws("ssm-contacts").get_contact(ContactId=arn)
    assert (contact["Alias"], contact["Type"], contact["Plan"]) == ("alice", "PERSONAL", NO_STAGES)


def test_an_alias_is_unique_in_the_account(aws: Client) -> None:
    replication_set(aws)
    personal(aws, "alice")
    with pytest.raises(ClientError) as raised:
        aws("ssm-contacts").create_contact(Alias="alice", Type="ESCALATION", Plan=NO_STAGES)
    assert error_of(raised)[0] == "ConflictException"


def test_channels_belong_to_personal_contacts_only(aws: Client) -> None:
    replication_set(aws)
    plan = aws("ssm-contacts").create_contact(Alias="team", Type="ESCALATION", Plan=NO_STAGES)
    with pytest.raises(ClientError) as raised:
        channel(aws, plan["ContactArn"])
    code, message = error_of(raised)
    assert code == "ValidationException"
    assert "PERSONAL" in message


def test_a_personal_plan_targets_its_own_channels(aws: Client) -> None:
    replication_set(aws)
    alice, bob = personal(aws, "alice"), personal(aws, "bob")
    own, other = channel(aws, alice), channel(aws, bob)
    contacts = aws("ssm-contacts")
    stage = {"DurationInMinutes": 5, "Targets": [{"ChannelTargetInfo": {"ContactChannelId": own}}]}
    contacts.update_contact(ContactId=alice, Plan={"Stages": [stage]})
    assert contacts.get_contact(ContactId=alice)["Plan"]["Stages"][0]["Targets"] == stage["Targets"]
    for target in (
        {"ChannelTargetInfo": {"ContactChannelId": other}},
        {"ContactTargetInfo": {"ContactId": bob, "IsEssential": True}},
    ):
        with pytest.raises(ClientError) as raised:
            contacts.update_contact(
                ContactId=alice, Plan={"Stages": [{"DurationInMinutes": 5, "Targets": [target]}]}
            )
        assert error_of(raised)[0] == "ValidationException"


def test_an_escalation_plan_targets_contacts_that_exist(aws: Client) -> None:
    replication_set(aws)
    alice = personal(aws, "alice")
    contacts = aws("ssm-contacts")
    plan = contacts.create_contact(Alias="team", Type="ESCALATION", Plan=NO_STAGES)["ContactArn"]
    target = {"ContactTargetInfo": {"ContactId": alice, "IsEssential": True}}
    contacts.update_contact(
        ContactId=plan, Plan={"Stages": [{"DurationInMinutes": 0, "Targets": [target]}]}
    )
    missing = {
        "ContactTargetInfo": {"ContactId": alice.replace("alice", "nobody"), "IsEssential": True}
    }
    with pytest.raises(ClientError) as raised:
        contacts.update_contact(
            ContactId=plan, Plan={"Stages": [{"DurationInMinutes": 0, "Targets": [missing]}]}
        )
    assert error_of(raised)[0] == "ResourceNotFoundException"
    itself = {"ContactTargetInfo": {"ContactId": plan, "IsEssential": True}}
    with pytest.raises(ClientError) as raised:
        contacts.update_contact(
            ContactId=plan, Plan={"Stages": [{"DurationInMinutes": 0, "Targets": [itself]}]}
        )
    assert error_of(raised)[0] == "ValidationException"


def test_an_on_call_schedule_has_rotations_and_no_stages(aws: Client) -> None:
    replication_set(aws)
    alice = personal(aws, "alice")
    contacts = aws("ssm-contacts")
    rotation = contacts.create_rotation(
        Name="weekly", ContactIds=[alice], TimeZoneId="UTC", Recurrence=DAILY
    )["RotationArn"]
    with pytest.raises(ClientError) as raised:
        contacts.create_contact(Alias="oncall", Type="ONCALL_SCHEDULE", Plan=NO_STAGES)
    assert error_of(raised) == (
        "ValidationException",
        "ONCALL SCHEDULE contact cannot have stages in plan",
    )
    schedule = contacts.create_contact(
        Alias="oncall", Type="ONCALL_SCHEDULE", Plan={"RotationIds": [rotation]}
    )["ContactArn"]
    assert contacts.get_contact(ContactId=schedule)["Plan"]["RotationIds"] == [rotation]
    with pytest.raises(ClientError) as raised:
        contacts.update_contact(ContactId=alice, Plan={"RotationIds": [rotation]})
    assert error_of(raised)[0] == "ValidationException"


def test_rotation_members_are_personal_contacts(aws: Client) -> None:
    replication_set(aws)
    contacts = aws("ssm-contacts")
    plan = contacts.create_contact(Alias="team", Type="ESCALATION", Plan=NO_STAGES)["ContactArn"]
    with pytest.raises(ClientError) as raised:
        contacts.create_rotation(Name="r", ContactIds=[plan], TimeZoneId="UTC", Recurrence=DAILY)
    assert error_of(raised)[0] == "ValidationException"


def test_a_rotation_a_schedule_uses_cannot_be_deleted(aws: Client) -> None:
    replication_set(aws)
    contacts = aws("ssm-contacts")
    rotation = contacts.create_rotation(
        Name="r", ContactIds=[personal(aws, "alice")], TimeZoneId="UTC", Recurrence=DAILY
    )["RotationArn"]
    schedule = contacts.create_contact(
        Alias="oncall", Type="ONCALL_SCHEDULE", Plan={"RotationIds": [rotation]}
    )["ContactArn"]
    with pytest.raises(ClientError) as raised:
        contacts.delete_rotation(RotationId=rotation)
    assert error_of(raised)[0] == "ConflictException"
    contacts.delete_contact(ContactId=schedule)
    contacts.delete_rotation(RotationId=rotation)
    with pytest.raises(ClientError) as raised:
        contacts.get_rotation(RotationId=rotation)
    assert error_of(raised)[0] == "ResourceNotFoundException"


def test_a_rotation_without_start_time_reads_back_without_one(aws: Client) -> None:
    replication_set(aws)
    contacts = aws("ssm-contacts")
    rotation = contacts.create_rotation(
        Name="r", ContactIds=[personal(aws, "alice")], TimeZoneId="UTC", Recurrence=DAILY
    )["RotationArn"]
    assert "StartTime" not in contacts.get_rotation(RotationId=rotation)


def test_deleted_things_are_not_found_at_once(aws: Client) -> None:
    replication_set(aws)
    alice = personal(aws, "alice")
    email = channel(aws, alice)
    contacts = aws("ssm-contacts")
    contacts.delete_contact(ContactId=alice)
    for call, argument in (
        (contacts.get_contact, {"ContactId": alice}),
        (contacts.get_contact_channel, {"ContactChannelId": email}),
    ):
        with pytest.raises(ClientError) as raised:
            call(**argument)
        assert error_of(raised)[0] == "ResourceNotFoundException"


def test_tags_are_a_key_value_list(aws: Client) -> None:
    replication_set(aws)
    contacts = aws("ssm-contacts")
    arn = contacts.create_contact(
        Alias="alice", Type="PERSONAL", Plan=NO_STAGES, Tags=[{"Key": "team", "Value": "sre"}]
    )["ContactArn"]
    contacts.tag_resource(ResourceARN=arn, Tags=[{"Key": "env", "Value": "prod"}])
    contacts.untag_resource(ResourceARN=arn, TagKeys=["team"])
    assert contacts.list_tags_for_resource(ResourceARN=arn)["Tags"] == [
        {"Key": "env", "Value": "prod"}
    ]


def test_lists_page_with_next_token(aws: Client) -> None:
    replication_set(aws)
    aliases = [f"person-{n:02d}" for n in range(7)]
    for alias in aliases:
        personal(aws, alias)
    contacts = aws("ssm-contacts")
    seen: list[str] = []
    token: dict[str, str] = {}
    while True:
        page = contacts.list_contacts(MaxResults=3, **token)
        assert len(page["Contacts"]) <= 3
        seen += [c["Alias"] for c in page["Contacts"]]
        if "NextToken" not in page:
            break
        token = {"NextToken": page["NextToken"]}
    assert seen == aliases
    paginated = contacts.get_paginator("list_contacts").paginate(PaginationConfig={"PageSize": 2})
    assert [c["Alias"] for p in paginated for c in p["Contacts"]] == aliases
    with pytest.raises(ClientError) as raised:
        contacts.list_contacts(NextToken="not-a-token")
    assert error_of(raised)[0] == "ValidationException"


def test_channels_and_rotations_list(aws: Client) -> None:
    replication_set(aws)
    alice = personal(aws, "alice")
    channel(aws, alice, "email")
    channel(aws, alice, "pager")
    contacts = aws("ssm-contacts")
    listed = contacts.list_contact_channels(ContactId=alice)["ContactChannels"]
    assert [(c["Name"], c["ActivationStatus"]) for c in listed] == [
        ("email", "NOT_ACTIVATED"),
        ("pager", "NOT_ACTIVATED"),
    ]
    contacts.create_rotation(Name="r", ContactIds=[alice], TimeZoneId="UTC", Recurrence=DAILY)
    assert [r["Name"] for r in contacts.list_rotations()["Rotations"]] == ["r"]


def test_concurrent_creates_of_one_alias_make_one_contact(aws: Client) -> None:
    from concurrent.futures import ThreadPoolExecutor

    replication_set(aws)
    clients = [aws("ssm-contacts") for _ in range(8)]

    def create(client: Any) -> str:
        try:
            client.create_contact(Alias="alice", Type="PERSONAL", Plan=NO_STAGES)
        except ClientError as error:
            return str(error.response["Error"]["Code"])
        return "created"

    with ThreadPoolExecutor(max_workers=8) as pool:
        outcomes = sorted(pool.map(create, clients))
    assert outcomes == ["ConflictException"] * 7 + ["created"]
