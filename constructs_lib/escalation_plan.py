"""An escalation plan: an ESCALATION contact whose stages engage contacts and channels."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

from constructs import Construct

from constructs_lib.aws import (
    SsmcontactsPlan,
    SsmcontactsPlanStage,
    SsmcontactsPlanStageTarget,
    SsmcontactsPlanStageTargetContactTargetInfo,
)
from constructs_lib.contact_channel import ContactChannel
from constructs_lib.contact_record import channel_target, contact_record
from constructs_lib.engagement_plan import MAX_STAGE_MINUTES
from constructs_lib.engagement_target import EngagementTarget
from constructs_lib.props_error import raise_if_any
from constructs_lib.replication_set import ReplicationSetRef


@dataclass(frozen=True)
class ContactTarget:
    """Engage a contact (or another escalation plan). When ``is_essential`` (the console's
    "contact acknowledgement stops plan progression"), its acknowledgement stops the plan."""

    contact: EngagementTarget
    is_essential: bool = True


@dataclass(frozen=True)
class ChannelTarget:
    """Engage one channel of a contact directly, retrying every ``retry_interval_minutes``."""

    channel: ContactChannel
    retry_interval_minutes: int | None = None


@dataclass(frozen=True)
class EscalationStage:
    """Targets engaged in parallel when the stage starts; the next stage starts
    ``duration_in_minutes`` later unless an essential contact acknowledged."""

    duration_in_minutes: int
    targets: Sequence[ContactTarget | ChannelTarget]


@dataclass(frozen=True)
class EscalationPlanProps:
    """Props of ``EscalationPlan``."""

    alias: str
    replication_set: ReplicationSetRef
    stages: Sequence[EscalationStage]
    display_name: str | None = None
    tags: Mapping[str, str] = field(default_factory=dict)


def _validate(props: EscalationPlanProps) -> None:
    problems: list[str] = []
    if not props.stages:
        problems.append("stages: empty; an escalation plan needs at least one stage")
    for index, stage in enumerate(props.stages):
        duration = stage.duration_in_minutes
        if not 0 <= duration <= MAX_STAGE_MINUTES:
            problems.append(
                f"stages[{index}].duration_in_minutes: {duration}; allowed 0 to {MAX_STAGE_MINUTES}"
            )
        if duration == 0 and not stage.targets:
            problems.append(f"stages[{index}]: a 0-minute stage must have at least one target")
    raise_if_any(f"EscalationPlan {props.alias!r}", problems)


def _plan_target(target: ContactTarget | ChannelTarget) -> SsmcontactsPlanStageTarget:
    if isinstance(target, ContactTarget):
        return SsmcontactsPlanStageTarget(
            contact_target_info=SsmcontactsPlanStageTargetContactTargetInfo(
                contact_id=target.contact.contact_arn, is_essential=target.is_essential
            )
        )
    return channel_target(target.channel.channel_arn, target.retry_interval_minutes)


class EscalationPlan(Construct):
    """Creates an ESCALATION contact and its staged plan; waits for the replication set."""

    def __init__(self, scope: Construct, id: str, props: EscalationPlanProps) -> None:
        super().__init__(scope, id)
        _validate(props)
        self.props = props
        self.resource = contact_record(self, "ESCALATION", props)
        # Read once: every read of a jsii property is a round trip to the Node.js kernel.
        self._contact_arn = self.resource.arn
        self.plan = SsmcontactsPlan(
            self,
            "Plan",
            contact_id=self._contact_arn,
            stage=[
                SsmcontactsPlanStage(
                    duration_in_minutes=stage.duration_in_minutes,
                    target=[_plan_target(t) for t in stage.targets] or None,
                )
                for stage in props.stages
            ],
        )

    @property
    def alias(self) -> str:
        return self.props.alias

    @property
    def contact_arn(self) -> str:
        return self._contact_arn
