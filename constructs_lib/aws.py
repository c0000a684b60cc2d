"""The one place that imports the AWS provider: only the submodules constructs_lib uses.

Type checkers see ordinary imports; at run time each submodule is loaded on its own by
``provider_loader`` so that the provider package ``__init__`` never runs. A construct that needs
a new resource type adds it here, in both branches.
"""

from typing import TYPE_CHECKING

from constructs_lib.provider_loader import load_provider_module

if TYPE_CHECKING:
    from cdktf_cdktf_provider_aws.cloudwatch_metric_alarm import (
        CloudwatchMetricAlarm,
    )
    from cdktf_cdktf_provider_aws.iam_role import (
        IamRole,
    )
    from cdktf_cdktf_provider_aws.iam_role_policy import (
        IamRolePolicy,
    )
    from cdktf_cdktf_provider_aws.iam_role_policy_attachment import (
        IamRolePolicyAttachment,
    )
    from cdktf_cdktf_provider_aws.kms_key import (
        KmsKey,
    )
    from cdktf_cdktf_provider_aws.kms_replica_key import (
        KmsReplicaKey,
    )
    from cdktf_cdktf_provider_aws.provider import (
        AwsProvider,
        AwsProviderAssumeRole,
        AwsProviderDefaultTags,
    )
    from cdktf_cdktf_provider_aws.sns_topic import (
        SnsTopic,
    )
    from cdktf_cdktf_provider_aws.sns_topic_policy import (
        SnsTopicPolicy,
    )
    from cdktf_cdktf_provider_aws.ssm_document import (
        SsmDocument,
    )
    from cdktf_cdktf_provider_aws.ssmcontacts_contact import (
        SsmcontactsContact,
    )
    from cdktf_cdktf_provider_aws.ssmcontacts_contact_channel import (
        SsmcontactsContactChannel,
        SsmcontactsContactChannelDeliveryAddress,
    )
    from cdktf_cdktf_provider_aws.ssmcontacts_plan import (
        SsmcontactsPlan,
        SsmcontactsPlanStage,
        SsmcontactsPlanStageTarget,
        SsmcontactsPlanStageTargetChannelTargetInfo,
        SsmcontactsPlanStageTargetContactTargetInfo,
    )
    from cdktf_cdktf_provider_aws.ssmcontacts_rotation import (
        SsmcontactsRotation,
        SsmcontactsRotationRecurrence,
        SsmcontactsRotationRecurrenceDailySettings,
        SsmcontactsRotationRecurrenceMonthlySettings,
        SsmcontactsRotationRecurrenceMonthlySettingsHandOffTime,
        SsmcontactsRotationRecurrenceShiftCoverages,
        SsmcontactsRotationRecurrenceShiftCoveragesCoverageTimes,
        SsmcontactsRotationRecurrenceShiftCoveragesCoverageTimesEnd,
        SsmcontactsRotationRecurrenceShiftCoveragesCoverageTimesStart,
        SsmcontactsRotationRecurrenceWeeklySettings,
        SsmcontactsRotationRecurrenceWeeklySettingsHandOffTime,
    )
    from cdktf_cdktf_provider_aws.ssmincidents_replication_set import (
        SsmincidentsReplicationSet,
        SsmincidentsReplicationSetRegion,
    )
    from cdktf_cdktf_provider_aws.ssmincidents_response_plan import (
        SsmincidentsResponsePlan,
        SsmincidentsResponsePlanAction,
        SsmincidentsResponsePlanActionSsmAutomation,
        SsmincidentsResponsePlanActionSsmAutomationParameter,
        SsmincidentsResponsePlanIncidentTemplate,
        SsmincidentsResponsePlanIncidentTemplateNotificationTarget,
        SsmincidentsResponsePlanIntegration,
        SsmincidentsResponsePlanIntegrationPagerduty,
    )
else:
    _provider = load_provider_module("provider")
    AwsProvider = _provider.AwsProvider
    AwsProviderAssumeRole = _provider.AwsProviderAssumeRole
    AwsProviderDefaultTags = _provider.AwsProviderDefaultTags
    _ssmincidents_replication_set = load_provider_module("ssmincidents_replication_set")
    SsmincidentsReplicationSet = _ssmincidents_replication_set.SsmincidentsReplicationSet
    SsmincidentsReplicationSetRegion = (
        _ssmincidents_replication_set.SsmincidentsReplicationSetRegion
    )
    _ssmcontacts_contact = load_provider_module("ssmcontacts_contact")
    SsmcontactsContact = _ssmcontacts_contact.SsmcontactsContact
    _ssmcontacts_contact_channel = load_provider_module("ssmcontacts_contact_channel")
    SsmcontactsContactChannel = _ssmcontacts_contact_channel.SsmcontactsContactChannel
    SsmcontactsContactChannelDeliveryAddress = (
        _ssmcontacts_contact_channel.SsmcontactsContactChannelDeliveryAddress
    )
    _ssmcontacts_plan = load_provider_module("ssmcontacts_plan")
    SsmcontactsPlan = _ssmcontacts_plan.SsmcontactsPlan
    SsmcontactsPlanStage = _ssmcontacts_plan.SsmcontactsPlanStage
    SsmcontactsPlanStageTarget = _ssmcontacts_plan.SsmcontactsPlanStageTarget
    SsmcontactsPlanStageTargetChannelTargetInfo = (
        _ssmcontacts_plan.SsmcontactsPlanStageTargetChannelTargetInfo
    )
    SsmcontactsPlanStageTargetContactTargetInfo = (
        _ssmcontacts_plan.SsmcontactsPlanStageTargetContactTargetInfo
    )
    _ssmcontacts_rotation = load_provider_module("ssmcontacts_rotation")
    SsmcontactsRotation = _ssmcontacts_rotation.SsmcontactsRotation
    SsmcontactsRotationRecurrence = _ssmcontacts_rotation.SsmcontactsRotationRecurrence
    SsmcontactsRotationRecurrenceDailySettings = (
        _ssmcontacts_rotation.SsmcontactsRotationRecurrenceDailySettings
    )
    SsmcontactsRotationRecurrenceMonthlySettings = (
        _ssmcontacts_rotation.SsmcontactsRotationRecurrenceMonthlySettings
    )
    SsmcontactsRotationRecurrenceMonthlySettingsHandOffTime = (
        _ssmcontacts_rotation.SsmcontactsRotationRecurrenceMonthlySettingsHandOffTime
    )
    SsmcontactsRotationRecurrenceShiftCoverages = (
        _ssmcontacts_rotation.SsmcontactsRotationRecurrenceShiftCoverages
    )
    SsmcontactsRotationRecurrenceShiftCoveragesCoverageTimes = (
        _ssmcontacts_rotation.SsmcontactsRotationRecurrenceShiftCoveragesCoverageTimes
    )
    SsmcontactsRotationRecurrenceShiftCoveragesCoverageTimesEnd = (
        _ssmcontacts_rotation.SsmcontactsRotationRecurrenceShiftCoveragesCoverageTimesEnd
    )
    SsmcontactsRotationRecurrenceShiftCoveragesCoverageTimesStart = (
        _ssmcontacts_rotation.SsmcontactsRotationRecurrenceShiftCoveragesCoverageTimesStart
    )
    SsmcontactsRotationRecurrenceWeeklySettings = (
        _ssmcontacts_rotation.SsmcontactsRotationRecurrenceWeeklySettings
    )
    SsmcontactsRotationRecurrenceWeeklySettingsHandOffTime = (
        _ssmcontacts_rotation.SsmcontactsRotationRecurrenceWeeklySettingsHandOffTime
    )
    _ssmincidents_response_plan = load_provider_module("ssmincidents_response_plan")
    SsmincidentsResponsePlan = _ssmincidents_response_plan.SsmincidentsResponsePlan
    SsmincidentsResponsePlanAction = _ssmincidents_response_plan.SsmincidentsResponsePlanAction
    SsmincidentsResponsePlanActionSsmAutomation = (
        _ssmincidents_response_plan.SsmincidentsResponsePlanActionSsmAutomation
    )
    SsmincidentsResponsePlanActionSsmAutomationParameter = (
        _ssmincidents_response_plan.SsmincidentsResponsePlanActionSsmAutomationParameter
    )
    SsmincidentsResponsePlanIncidentTemplate = (
        _ssmincidents_response_plan.SsmincidentsResponsePlanIncidentTemplate
    )
    SsmincidentsResponsePlanIncidentTemplateNotificationTarget = (
        _ssmincidents_response_plan.SsmincidentsResponsePlanIncidentTemplateNotificationTarget
    )
    SsmincidentsResponsePlanIntegration = (
        _ssmincidents_response_plan.SsmincidentsResponsePlanIntegration
    )
    SsmincidentsResponsePlanIntegrationPagerduty = (
        _ssmincidents_response_plan.SsmincidentsResponsePlanIntegrationPagerduty
    )
    _kms_key = load_provider_module("kms_key")
    KmsKey = _kms_key.KmsKey
    _kms_replica_key = load_provider_module("kms_replica_key")
    KmsReplicaKey = _kms_replica_key.KmsReplicaKey
    _iam_role = load_provider_module("iam_role")
    IamRole = _iam_role.IamRole
    _iam_role_policy = load_provider_module("iam_role_policy")
    IamRolePolicy = _iam_role_policy.IamRolePolicy
    _iam_role_policy_attachment = load_provider_module("iam_role_policy_attachment")
    IamRolePolicyAttachment = _iam_role_policy_attachment.IamRolePolicyAttachment
    _ssm_document = load_provider_module("ssm_document")
    SsmDocument = _ssm_document.SsmDocument
    _sns_topic = load_provider_module("sns_topic")
    SnsTopic = _sns_topic.SnsTopic
    _sns_topic_policy = load_provider_module("sns_topic_policy")
    SnsTopicPolicy = _sns_topic_policy.SnsTopicPolicy
    _cloudwatch_metric_alarm = load_provider_module("cloudwatch_metric_alarm")
    CloudwatchMetricAlarm = _cloudwatch_metric_alarm.CloudwatchMetricAlarm

__all__ = [
    "AwsProvider",
    "AwsProviderAssumeRole",
    "AwsProviderDefaultTags",
    "CloudwatchMetricAlarm",
    "IamRole",
    "IamRolePolicy",
    "IamRolePolicyAttachment",
    "KmsKey",
    "KmsReplicaKey",
    "SnsTopic",
    "SnsTopicPolicy",
    "SsmDocument",
    "SsmcontactsContact",
    "SsmcontactsContactChannel",
    "SsmcontactsContactChannelDeliveryAddress",
    "SsmcontactsPlan",
    "SsmcontactsPlanStage",
    "SsmcontactsPlanStageTarget",
    "SsmcontactsPlanStageTargetChannelTargetInfo",
    "SsmcontactsPlanStageTargetContactTargetInfo",
    "SsmcontactsRotation",
    "SsmcontactsRotationRecurrence",
    "SsmcontactsRotationRecurrenceDailySettings",
    "SsmcontactsRotationRecurrenceMonthlySettings",
    "SsmcontactsRotationRecurrenceMonthlySettingsHandOffTime",
    "SsmcontactsRotationRecurrenceShiftCoverages",
    "SsmcontactsRotationRecurrenceShiftCoveragesCoverageTimes",
    "SsmcontactsRotationRecurrenceShiftCoveragesCoverageTimesEnd",
    "SsmcontactsRotationRecurrenceShiftCoveragesCoverageTimesStart",
    "SsmcontactsRotationRecurrenceWeeklySettings",
    "SsmcontactsRotationRecurrenceWeeklySettingsHandOffTime",
    "SsmincidentsReplicationSet",
    "SsmincidentsReplicationSetRegion",
    "SsmincidentsResponsePlan",
    "SsmincidentsResponsePlanAction",
    "SsmincidentsResponsePlanActionSsmAutomation",
    "SsmincidentsResponsePlanActionSsmAutomationParameter",
    "SsmincidentsResponsePlanIncidentTemplate",
    "SsmincidentsResponsePlanIncidentTemplateNotificationTarget",
    "SsmincidentsResponsePlanIntegration",
    "SsmincidentsResponsePlanIntegrationPagerduty",
]
