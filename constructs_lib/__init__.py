"""Reusable constructs for AWS Systems Manager Incident Manager; one module per concept.

Names are loaded on first use (PEP 562), so that importing a pure module such as
``constructs_lib.engagement_plan`` does not load cdktf and the AWS provider. Importing the
package has jsii's Node.js runtime, when it starts, load the provider lazily as well
(``lazy_provider_index``).
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

from constructs_lib import lazy_provider_index

# Before anything starts jsii's Node.js runtime (see the module).
lazy_provider_index.preload()

if TYPE_CHECKING:
    from constructs_lib.contact import Contact, ContactProps
    from constructs_lib.contact_channel import (
        ChannelType,
        ContactChannel,
        ContactChannelProps,
    )
    from constructs_lib.engagement_plan import (
        ChannelEngagement,
        EngagementStage,
        engagement_stages,
    )
    from constructs_lib.engagement_target import EngagementTarget
    from constructs_lib.escalation_plan import (
        ChannelTarget,
        ContactTarget,
        EscalationPlan,
        EscalationPlanProps,
        EscalationStage,
    )
    from constructs_lib.incident_alarm import IncidentAlarm, IncidentAlarmProps
    from constructs_lib.notification_topic import (
        ExistingKey,
        NotificationKey,
        NotificationTopic,
        NotificationTopicProps,
        Unencrypted,
    )
    from constructs_lib.on_call_rotation import (
        CoverageTime,
        MonthlyHandOff,
        OnCallRotation,
        OnCallRotationProps,
        TimeOfDay,
        WeeklyHandOff,
    )
    from constructs_lib.oncall_schedule import (
        OnCallSchedule,
        OnCallScheduleProps,
        OnCallScheduleSet,
        ScheduleAccess,
        SyncCommand,
    )
    from constructs_lib.props_error import PropsError
    from constructs_lib.replication_set import (
        AwsOwnedKey,
        CreatedKeys,
        CustomerManagedKeys,
        ExistingReplicationSet,
        ReplicationSet,
        ReplicationSetProps,
        ReplicationSetRef,
    )
    from constructs_lib.response_plan import (
        IMPACT_BY_NAME,
        IncidentTemplate,
        PagerDutyIntegration,
        ResponsePlan,
        ResponsePlanProps,
        RunbookAction,
    )
    from constructs_lib.runbook import Runbook, RunbookProps
    from constructs_lib.runbook_role import InlinePolicy, RunbookRole, RunbookRoleProps
    from constructs_lib.terraform_data import TerraformData

_MODULE_OF = {
    "AwsOwnedKey": "constructs_lib.replication_set",
    "ChannelEngagement": "constructs_lib.engagement_plan",
    "ChannelTarget": "constructs_lib.escalation_plan",
    "ChannelType": "constructs_lib.contact_channel",
    "Contact": "constructs_lib.contact",
    "ContactChannel": "constructs_lib.contact_channel",
    "ContactChannelProps": "constructs_lib.contact_channel",
    "ContactProps": "constructs_lib.contact",
    "ContactTarget": "constructs_lib.escalation_plan",
    "CoverageTime": "constructs_lib.on_call_rotation",
    "CreatedKeys": "constructs_lib.replication_set",
    "CustomerManagedKeys": "constructs_lib.replication_set",
    "EngagementStage": "constructs_lib.engagement_plan",
    "EngagementTarget": "constructs_lib.engagement_target",
    "EscalationPlan": "constructs_lib.escalation_plan",
    "EscalationPlanProps": "constructs_lib.escalation_plan",
    "EscalationStage": "constructs_lib.escalation_plan",
    "ExistingReplicationSet": "constructs_lib.replication_set",
    "IMPACT_BY_NAME": "constructs_lib.response_plan",
    "IncidentAlarm": "constructs_lib.incident_alarm",
    "IncidentAlarmProps": "constructs_lib.incident_alarm",
    "IncidentTemplate": "constructs_lib.response_plan",
    "InlinePolicy": "constructs_lib.runbook_role",
    "MonthlyHandOff": "constructs_lib.on_call_rotation",
    "ExistingKey": "constructs_lib.notification_topic",
    "NotificationKey": "constructs_lib.notification_topic",
    "NotificationTopic": "constructs_lib.notification_topic",
    "NotificationTopicProps": "constructs_lib.notification_topic",
    "Unencrypted": "constructs_lib.notification_topic",
    "OnCallRotation": "constructs_lib.on_call_rotation",
    "OnCallRotationProps": "constructs_lib.on_call_rotation",
    "OnCallSchedule": "constructs_lib.oncall_schedule",
    "OnCallScheduleProps": "constructs_lib.oncall_schedule",
    "OnCallScheduleSet": "constructs_lib.oncall_schedule",
    "PagerDutyIntegration": "constructs_lib.response_plan",
    "PropsError": "constructs_lib.props_error",
    "ReplicationSet": "constructs_lib.replication_set",
    "ReplicationSetProps": "constructs_lib.replication_set",
    "ReplicationSetRef": "constructs_lib.replication_set",
    "ResponsePlan": "constructs_lib.response_plan",
    "ResponsePlanProps": "constructs_lib.response_plan",
    "Runbook": "constructs_lib.runbook",
    "RunbookAction": "constructs_lib.response_plan",
    "RunbookProps": "constructs_lib.runbook",
    "RunbookRole": "constructs_lib.runbook_role",
    "RunbookRoleProps": "constructs_lib.runbook_role",
    "ScheduleAccess": "constructs_lib.oncall_schedule",
    "SyncCommand": "constructs_lib.oncall_schedule",
    "TerraformData": "constructs_lib.terraform_data",
    "TimeOfDay": "constructs_lib.on_call_rotation",
    "WeeklyHandOff": "constructs_lib.on_call_rotation",
    "engagement_stages": "constructs_lib.engagement_plan",
}


def __getattr__(name: str) -> Any:
    module = _MODULE_OF.get(name)
    if module is None:
        raise AttributeError(f"module 'constructs_lib' has no attribute {name!r}")
    return getattr(importlib.import_module(module), name)


__all__ = [
    "IMPACT_BY_NAME",
    "AwsOwnedKey",
    "ChannelEngagement",
    "ChannelTarget",
    "ChannelType",
    "Contact",
    "ContactChannel",
    "ContactChannelProps",
    "ContactProps",
    "ContactTarget",
    "CoverageTime",
    "CreatedKeys",
    "CustomerManagedKeys",
    "EngagementStage",
    "EngagementTarget",
    "EscalationPlan",
    "EscalationPlanProps",
    "EscalationStage",
    "ExistingKey",
    "ExistingReplicationSet",
    "IncidentAlarm",
    "IncidentAlarmProps",
    "IncidentTemplate",
    "InlinePolicy",
    "MonthlyHandOff",
    "NotificationKey",
    "NotificationTopic",
    "NotificationTopicProps",
    "OnCallRotation",
    "OnCallRotationProps",
    "OnCallSchedule",
    "OnCallScheduleProps",
    "OnCallScheduleSet",
    "PagerDutyIntegration",
    "PropsError",
    "ReplicationSet",
    "ReplicationSetProps",
    "ReplicationSetRef",
    "ResponsePlan",
    "ResponsePlanProps",
    "Runbook",
    "RunbookAction",
    "RunbookProps",
    "RunbookRole",
    "RunbookRoleProps",
    "ScheduleAccess",
    "SyncCommand",
    "TerraformData",
    "TimeOfDay",
    "Unencrypted",
    "WeeklyHandOff",
    "engagement_stages",
]
