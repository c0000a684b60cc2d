"""Contact: channels, the console-style engagement plan, and waiting for the replication set."""

from __future__ import annotations

import pytest

from constructs_lib import (
    ChannelEngagement,
    Contact,
    ContactChannelProps,
    ContactProps,
    PropsError,
)
from tests.constructs_lib.fixtures import existing_replication_set, replication_set
from tests.synth_helpers import address, new_stack, only, ref, resources, synth


def _walkthrough_contact(stack, rs) -> Contact:  # type: ignore[no-untyped-def]
    return Contact(
        stack,
        "responder",
        ContactProps(
            alias="incident-responder",
            display_name="Incident Responder",
            replication_set=rs,
            channels=[
                ContactChannelProps("incident responder email", "EMAIL", "ir@example.com"),
                ContactChannelProps("incident responder mobile", "SMS", "+12065550100"),
            ],
            engagement=[
                ChannelEngagement("incident responder email", 0),
                ChannelEngagement("incident responder mobile", 10, retry_interval_minutes=5),
            ],
            tags={"team": "app"},
        ),
    )


def test_walkthrough_contact_engages_email_at_0_and_sms_at_10() -> None:
    stack = new_stack()
    rs = replication_set(stack)
    responder = _walkthrough_contact(stack, rs)
    out = synth(stack)
    contact = only(out, "aws_ssmcontacts_contact")
    assert contact["alias"] == "incident-responder"
    assert contact["type"] == "PERSONAL"
    assert contact["display_name"] == "Incident Responder"
    assert contact["tags"] == {"team": "app"}
    assert contact["depends_on"] == [address(rs.resource)]
    channels = resources(out, "aws_ssmcontacts_contact_channel")
    assert sorted(
        (c["name"], c["type"], c["delivery_address"]["simple_address"]) for c in channels.values()
    ) == [
        ("incident responder email", "EMAIL", "ir@example.com"),
        ("incident responder mobile", "SMS", "+12065550100"),
    ]
    plan = only(out, "aws_ssmcontacts_plan")
    assert plan["contact_id"] == ref(responder.resource)
    email = ref(responder.channel("incident responder email").resource)
    sms = ref(responder.channel("incident responder mobile").resource)
    assert plan["stage"] == [
        {
            "duration_in_minutes": 10,
            "target": [{"channel_target_info": {"contact_channel_id": email}}],
        },
        {
            "duration_in_minutes": 0,
            "target": [
                {"channel_target_info": {"contact_channel_id": sms, "retry_interval_in_minutes": 5}}
            ],
        },
    ]


def test_minimal_contact_with_an_existing_replication_set_has_nothing_to_wait_for() -> None:
    stack = new_stack()
    Contact(
        stack,
        "c",
        ContactProps(
            alias="a",
            replication_set=existing_replication_set(stack),
            channels=[ContactChannelProps("e", "EMAIL", "a@example.com")],
            engagement=[ChannelEngagement("e", 0)],
        ),
    )
    contact = only(synth(stack), "aws_ssmcontacts_contact")
    assert "depends_on" not in contact
    assert "display_name" not in contact


def test_channel_lookup_names_the_channels_there_are() -> None:
    stack = new_stack()
    contact = _walkthrough_contact(stack, replication_set(stack))
    with pytest.raises(KeyError, match=r"has no channel 'pager'.*incident responder email"):
        contact.channel("pager")


def test_fails_when_the_plan_engages_an_unknown_channel_or_nothing() -> None:
    stack = new_stack()
    rs = replication_set(stack)
    with pytest.raises(PropsError) as error:
        Contact(
            stack,
            "c",
            ContactProps(
                alias="a",
                replication_set=rs,
                channels=[ContactChannelProps("e", "EMAIL", "a@example.com")],
                engagement=[ChannelEngagement("sms", 0, retry_interval_minutes=61)],
            ),
        )
    assert error.value.problems == (
        "engagement[0].channel: 'sms' is not a channel of this contact (channels: e)",
        "engagement[0].retry_interval_minutes: 61; allowed 0 to 60",
    )
    with pytest.raises(PropsError, match="a contact whose plan engages no channel is never paged"):
        Contact(
            stack,
            "d",
            ContactProps(alias="b", replication_set=rs, channels=[], engagement=[]),
        )
