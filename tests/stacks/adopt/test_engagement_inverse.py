"""The inverse of engagement_stages, checked as a round trip on generated plans."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from constructs_lib.engagement_plan import ChannelEngagement, EngagementStage, engagement_stages
from stacks.adopt.engagement_inverse import channel_engagements, round_trips

engagement = st.builds(
    ChannelEngagement,
    channel=st.sampled_from(["email", "sms", "voice"]),
    at_minute=st.integers(min_value=0, max_value=200),
    retry_interval_minutes=st.none() | st.integers(min_value=0, max_value=60),
)


@given(st.lists(engagement, max_size=8))
def test_stages_back_to_the_same_minutes(engagements: list[ChannelEngagement]) -> None:
    # Sorted by minute, in file order within a minute: the order the stages hold them in.
    expected = sorted(engagements, key=lambda e: e.at_minute)
    stages = engagement_stages(engagements)
    assert channel_engagements(stages) == expected
    assert round_trips(stages)


def test_console_plan_email_at_0_sms_at_10() -> None:
    stages = [
        EngagementStage(10, (ChannelEngagement("email", 0),)),
        EngagementStage(0, (ChannelEngagement("sms", 0),)),
    ]
    assert channel_engagements(stages) == [
        ChannelEngagement("email", 0),
        ChannelEngagement("sms", 10),
    ]
    assert round_trips(stages)


def test_a_last_stage_with_a_duration_does_not_round_trip() -> None:
    stages = [EngagementStage(5, (ChannelEngagement("email", 0),))]
    assert channel_engagements(stages) == [ChannelEngagement("email", 0)]
    assert not round_trips(stages)
