"""The inverse of ``constructs_lib.engagement_plan.engagement_stages``: API plan stages back
into "engage channel X at minute T", the form the environment file uses."""

from __future__ import annotations

from collections.abc import Sequence

from constructs_lib.engagement_plan import ChannelEngagement, EngagementStage, engagement_stages


def channel_engagements(stages: Sequence[EngagementStage]) -> list[ChannelEngagement]:
    """Each channel at the minute its stage starts (the sum of the durations before it)."""
    engagements: list[ChannelEngagement] = []
    minute = 0
    for stage in stages:
        engagements.extend(
            ChannelEngagement(c.channel, minute, c.retry_interval_minutes) for c in stage.channels
        )
        minute += stage.duration_in_minutes
    return engagements


def round_trips(stages: Sequence[EngagementStage]) -> bool:
    """Whether the environment file's form rebuilds exactly these stages (if not, the first
    plan after adoption would rewrite the engagement plan)."""
    return _shape(engagement_stages(channel_engagements(stages))) == _shape(stages)


def _shape(stages: Sequence[EngagementStage]) -> list[tuple[int, list[tuple[str, int | None]]]]:
    """What the API holds of stages: durations, channels and retries (no minutes)."""
    return [
        (s.duration_in_minutes, [(c.channel, c.retry_interval_minutes) for c in s.channels])
        for s in stages
    ]
