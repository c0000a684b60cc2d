"""Translate a console-style engagement plan ("engage channel X at minute T") into plan stages.

The API has no absolute times: a plan is a list of stages, each engaging its targets when it
starts and lasting ``duration`` minutes (0 to 30) before the next stage begins. A channel engaged
at minute T therefore sits in the stage that starts at T; gaps longer than 30 minutes become
several stages, and the extra ones engage nobody.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

MAX_STAGE_MINUTES = 30


@dataclass(frozen=True)
class ChannelEngagement:
    """Engage the contact's channel ``channel`` ``at_minute`` minutes into the engagement."""

    channel: str
    at_minute: int
    retry_interval_minutes: int | None = None


@dataclass(frozen=True)
class EngagementStage:
    """One plan stage: the channels it engages and how long it lasts."""

    duration_in_minutes: int
    channels: tuple[ChannelEngagement, ...]


def _waits(minutes: int) -> list[EngagementStage]:
    """Stages that engage nobody and together last ``minutes``."""
    stages = []
    while minutes > 0:
        step = min(minutes, MAX_STAGE_MINUTES)
        stages.append(EngagementStage(step, ()))
        minutes -= step
    return stages


def engagement_stages(engagements: Sequence[ChannelEngagement]) -> tuple[EngagementStage, ...]:
    """Stages whose start times are exactly the requested minutes.

    Channels engaged at the same minute share a stage, in the order given. The last stage lasts
    0 minutes: nothing follows it, and a 0-minute stage is valid because it has targets.
    """
    if any(e.at_minute < 0 for e in engagements):
        raise ValueError("at_minute must be 0 or more")
    minutes = sorted({e.at_minute for e in engagements})
    if not minutes:
        return ()
    stages = _waits(minutes[0])
    for index, minute in enumerate(minutes):
        channels = tuple(e for e in engagements if e.at_minute == minute)
        gap = minutes[index + 1] - minute if index + 1 < len(minutes) else 0
        first = min(gap, MAX_STAGE_MINUTES)
        stages.append(EngagementStage(first, channels))
        stages.extend(_waits(gap - first))
    return tuple(stages)
