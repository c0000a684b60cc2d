"""The local Incident Manager answers a create sent again with its idempotency token as AWS
does: with the first answer, not "already exists" or a second object. The SDKs add the token
(the provider sets CreateRotation's itself) and keep it for their retries, so a create whose
answer was lost (a cut network, a server killed after its write) is retried safely; the test
of the whole flow (test_flow_local_aws.py) depends on it. The answers are kept in the state
file, so a server started again on it answers the same."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from local_aws import state_file
from local_aws.moto_glue import LocalServer
from local_aws.server import start_server
from tests.local_aws.local_clients import local_client, reset_server

REGION = "us-east-1"
WEEKLY = {
    "NumberOfOnCalls": 1,
    "RecurrenceMultiplier": 1,
    "WeeklySettings": [{"DayOfWeek": "MON", "HandOffTime": {"HourOfDay": 9, "MinuteOfHour": 0}}],
}


def _reset(server: LocalServer) -> None:
    reset_server(server.url)


def _client(server: LocalServer, service: str) -> Any:
    return local_client(server.url, service, REGION)


@pytest.fixture
def server(tmp_path: Path) -> Iterator[LocalServer]:
    """A server in this process, on a state file, with nothing in it but a replication set."""
    running = start_server(state_file=tmp_path / "local-aws.state")
    _reset(running)
    try:
        yield running
    finally:
        _reset(running)
        running.stop()


def _set_up(server: LocalServer) -> Any:
    _client(server, "ssm-incidents").create_replication_set(
        regions={REGION: {}}, clientToken="set-1"
    )
    return _client(server, "ssm-contacts")


def test_creates_sent_again_with_their_token_get_the_first_answer(server: LocalServer) -> None:
    incidents = _client(server, "ssm-incidents")
    first_set = incidents.create_replication_set(regions={REGION: {}}, clientToken="set-1")["arn"]
    assert incidents.create_replication_set(regions={REGION: {}}, clientToken="set-1")["arn"] == (
        first_set
    )
    contacts = _client(server, "ssm-contacts")
    contact = {"Alias": "a", "Type": "PERSONAL", "Plan": {"Stages": []}}
    arn = contacts.create_contact(**contact, IdempotencyToken="c-1")["ContactArn"]
    assert contacts.create_contact(**contact, IdempotencyToken="c-1")["ContactArn"] == arn
    channel = {"ContactId": arn, "Name": "mail", "Type": "EMAIL"}
    address = {"DeliveryAddress": {"SimpleAddress": "a@example.com"}}
    first = contacts.create_contact_channel(**channel, **address, IdempotencyToken="ch-1")
    again = contacts.create_contact_channel(**channel, **address, IdempotencyToken="ch-1")
    assert again["ContactChannelArn"] == first["ContactChannelArn"]
    rotation = {"Name": "day", "ContactIds": [arn], "TimeZoneId": "UTC", "Recurrence": WEEKLY}
    made = contacts.create_rotation(**rotation, IdempotencyToken="r-1")["RotationArn"]
    assert contacts.create_rotation(**rotation, IdempotencyToken="r-1")["RotationArn"] == made

    assert incidents.list_replication_sets()["replicationSetArns"] == [first_set]
    assert [c["Alias"] for c in contacts.list_contacts()["Contacts"]] == ["a"]
    assert len(contacts.list_contact_channels(ContactId=arn)["ContactChannels"]) == 1
    assert [r["RotationArn"] for r in contacts.list_rotations()["Rotations"]] == [made]


def test_another_token_or_other_details_are_another_request(server: LocalServer) -> None:
    contacts = _set_up(server)
    contact = {"Alias": "a", "Type": "PERSONAL", "Plan": {"Stages": []}}
    contacts.create_contact(**contact, IdempotencyToken="c-1")
    # A second create of the alias is refused, as ever.
    with pytest.raises(contacts.exceptions.ConflictException):
        contacts.create_contact(**contact, IdempotencyToken="c-2")
    with pytest.raises(contacts.exceptions.ConflictException):
        contacts.create_contact(**contact)
    # The token again with other details is not answered with the first contact's ARN.
    other = contacts.create_contact(**{**contact, "Alias": "b"}, IdempotencyToken="c-1")
    assert other["ContactArn"].endswith(":contact/b")
    # A rotation created without a token is a new rotation each time (AWS makes duplicates).
    rotation = {"Name": "day", "ContactIds": [other["ContactArn"]], "TimeZoneId": "UTC"}
    contacts.create_rotation(**rotation, Recurrence=WEEKLY)
    contacts.create_rotation(**rotation, Recurrence=WEEKLY)
    assert len(contacts.list_rotations()["Rotations"]) == 2


def test_the_first_answers_survive_a_server_started_again_on_its_state_file(
    tmp_path: Path,
) -> None:
    path = tmp_path / "local-aws.state"
    contact = {"Alias": "a", "Type": "PERSONAL", "Plan": {"Stages": []}}
    first = start_server(state_file=path)
    try:
        _reset(first)
        arn = _set_up(first).create_contact(**contact, IdempotencyToken="c-1")["ContactArn"]
    finally:
        first.stop()
    # Everything in memory forgotten, as when the server is killed: only the file remains.
    from moto.moto_api._internal.models import moto_api_backend

    moto_api_backend.reset()
    again = start_server(state_file=path)
    try:
        contacts = _client(again, "ssm-contacts")
        assert contacts.create_contact(**contact, IdempotencyToken="c-1")["ContactArn"] == arn
        assert [c["Alias"] for c in contacts.list_contacts()["Contacts"]] == ["a"]
    finally:
        _reset(again)
        again.stop()


def test_a_partial_state_file_a_killed_server_left_is_removed(tmp_path: Path) -> None:
    path = tmp_path / "local-aws.state"
    state_file.write(path, b"whole")
    partial = tmp_path / ".local-aws.state.123.456.tmp"
    partial.write_bytes(b"half of what a killed server was writing")
    unrelated = tmp_path / ".other.state.1.2.tmp"
    unrelated.write_bytes(b"x")
    assert state_file.remove_partial(path) == [partial]
    assert sorted(p.name for p in tmp_path.iterdir()) == [".other.state.1.2.tmp", path.name]
