"""A personal contact with its channels and its engagement plan."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

from constructs import Construct

from constructs_lib.aws import SsmcontactsPlan, SsmcontactsPlanStage
from constructs_lib.contact_channel import ContactChannel, ContactChannelProps
from constructs_lib.contact_record import channel_target, contact_record
from constructs_lib.engagement_plan import ChannelEngagement, engagement_stages
from constructs_lib.props_error import raise_if_any
from constructs_lib.replication_set import ReplicationSetRef

MAX_RETRY_INTERVAL_MINUTES = 60


@dataclass(frozen=True)
class ContactProps:
    """Props of ``Contact``: who it is, how to reach them, and when to use which channel."""

    alias: str
    replication_set: ReplicationSetRef
    channels: Sequence[ContactChannelProps]
    engagement: Sequence[ChannelEngagement]
    display_name: str | None = None
    tags: Mapping[str, str] = field(default_factory=dict)


def _validate(props: ContactProps) -> None:
    problems: list[str] = []
    names = [c.name for c in props.channels]
    duplicates = sorted({n for n in names if names.count(n) > 1})
    if duplicates:
        problems.append(f"channels: names used more than once: {', '.join(duplicates)}")
    if not props.engagement:
        problems.append("engagement: empty; a contact whose plan engages no channel is never paged")
    for index, step in enumerate(props.engagement):
        where = f"engagement[{index}]"
        if step.channel not in names:
            problems.append(
                f"{where}.channel: {step.channel!r} is not a channel of this contact "
                f"(channels: {', '.join(names) or 'none'})"
            )
        if step.at_minute < 0:
            problems.append(f"{where}.at_minute: {step.at_minute}; must be 0 or more")
        retry = step.retry_interval_minutes
        if retry is not None and not 0 <= retry <= MAX_RETRY_INTERVAL_MINUTES:
            problems.append(
                f"{where}.retry_interval_minutes: {retry}; "
                f"allowed 0 to {MAX_RETRY_INTERVAL_MINUTES}"
            )
    raise_if_any(f"Contact {props.alias!r}", problems)


class Contact(Construct):
    """Creates a PERSONAL contact, its channels and its engagement plan.

    Every resource waits for the replication set: creating a contact before the set exists
    fails (provider docs; terraform-provider-aws#33135).
    """

    def __init__(self, scope: Construct, id: str, props: ContactProps) -> None:
        super().__init__(scope, id)
        _validate(props)
        self.props = props
        self.resource = contact_record(self, "PERSONAL", props)
        # Read once: every read of a jsii property is a round trip to the Node.js kernel.
        self._contact_arn = self.resource.arn
        self.channels: dict[str, ContactChannel] = {
            channel.name: ContactChannel(
                self, f"Channel-{channel.name}", contact_arn=self._contact_arn, props=channel
            )
            for channel in props.channels
        }
        self.plan = SsmcontactsPlan(
            self,
            "Plan",
            contact_id=self._contact_arn,
            stage=[
                SsmcontactsPlanStage(
                    duration_in_minutes=stage.duration_in_minutes,
                    target=[
                        channel_target(
                            self.channels[step.channel].channel_arn, step.retry_interval_minutes
                        )
                        for step in stage.channels
                    ]
                    or None,
                )
                for stage in engagement_stages(props.engagement)
            ],
        )

    @property
    def alias(self) -> str:
        return self.props.alias

    @property
    def contact_arn(self) -> str:
        return self._contact_arn

    def channel(self, name: str) -> ContactChannel:
        """The channel called ``name``; ``KeyError`` names the channels there are."""
        try:
            return self.channels[name]
        except KeyError:
            raise KeyError(
                f"contact {self.alias!r} has no channel {name!r} "
                f"(channels: {', '.join(self.channels)})"
            ) from None
