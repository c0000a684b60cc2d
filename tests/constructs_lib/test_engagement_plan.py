"""Console-style engagement times become plan stages with exactly those start times."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from constructs_lib.engagement_plan import (
    MAX_STAGE_MINUTES,
    ChannelEngagement,
    engagement_stages,
)


def _starts(stages: tuple) -> list[int]:  # type: ignore[type-arg]
    starts, clock = [], 0
    for stage in stages:
        starts.append(clock)
        clock += stage.duration_in_minutes
    return starts


def test_walkthrough_email_at_0_and_sms_at_10_is_two_stages() -> None:
    email = ChannelEngagement("email", 0)
    sms = ChannelEngagement("sms", 10, retry_interval_minutes=5)
    stages = engagement_stages([sms, email])
    assert [(s.duration_in_minutes, s.channels) for s in stages] == [(10, (email,)), (0, (sms,))]


def test_gap_longer_than_30_minutes_becomes_waiting_stages() -> None:
    email = ChannelEngagement("email", 5)
    voice = ChannelEngagement("voice", 70)
    stages = engagement_stages([email, voice])
    assert [(s.duration_in_minutes, s.channels) for s in stages] == [
        (5, ()),
        (30, (email,)),
        (30, ()),
        (5, ()),
        (0, (voice,)),
    ]


def test_channels_at_the_same_minute_share_a_stage_in_the_order_given() -> None:
    a, b = ChannelEngagement("a", 0), ChannelEngagement("b", 0)
    assert engagement_stages([b, a])[0].channels == (b, a)


@given(
    st.lists(
        st.builds(ChannelEngagement, st.text(min_size=1, max_size=5), st.integers(0, 500)),
        min_size=1,
        max_size=8,
    )
)
def test_every_channel_starts_at_its_minute_and_every_stage_is_valid(
    engagements: list[ChannelEngagement],
) -> None:
    stages = engagement_stages(engagements)
    starts = _starts(stages)
    for start, stage in zip(starts, stages, strict=True):
        assert 0 <= stage.duration_in_minutes <= MAX_STAGE_MINUTES
        assert stage.duration_in_minutes > 0 or stage.channels
        for channel in stage.channels:
            assert channel.at_minute == start
    engaged = [c for s in stages for c in s.channels]
    assert sorted(engaged, key=id) == sorted(engagements, key=id)
