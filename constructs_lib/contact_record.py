"""What a personal contact and an escalation plan both are in ssm-contacts: a contact record of
their type, and plan stages that engage contact channels."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Protocol

from constructs import Construct

from constructs_lib.aws import (
    SsmcontactsContact,
    SsmcontactsPlanStageTarget,
    SsmcontactsPlanStageTargetChannelTargetInfo,
)
from constructs_lib.replication_set import ReplicationSetRef


class ContactRecordProps(Protocol):
    """What a contact record is made from (``ContactProps``, ``EscalationPlanProps``)."""

    @property
    def alias(self) -> str: ...
    @property
    def display_name(self) -> str | None: ...
    @property
    def tags(self) -> Mapping[str, str]: ...
    @property
    def replication_set(self) -> ReplicationSetRef: ...


def contact_record(
    scope: Construct, contact_type: str, props: ContactRecordProps
) -> SsmcontactsContact:
    """The ``Resource`` of ``scope``: a contact record that waits for the replication set
    (creating a contact before the set exists fails: provider docs; terraform-provider-aws
    #33135)."""
    waits_for = list(props.replication_set.dependables)
    return SsmcontactsContact(
        scope,
        "Resource",
        alias=props.alias,
        type=contact_type,
        display_name=props.display_name,
        tags=dict(props.tags) or None,
        depends_on=waits_for or None,
    )


def channel_target(
    channel_arn: str, retry_interval_minutes: int | None
) -> SsmcontactsPlanStageTarget:
    """A plan stage's target that engages one contact channel."""
    return SsmcontactsPlanStageTarget(
        channel_target_info=SsmcontactsPlanStageTargetChannelTargetInfo(
            contact_channel_id=channel_arn,
            retry_interval_in_minutes=retry_interval_minutes,
        )
    )
