"""A response plan: the incident template, who to engage, and which runbook to start."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Literal

from constructs import Construct

from constructs_lib.aws import (
    SsmincidentsResponsePlan,
    SsmincidentsResponsePlanAction,
    SsmincidentsResponsePlanActionSsmAutomation,
    SsmincidentsResponsePlanActionSsmAutomationParameter,
    SsmincidentsResponsePlanIncidentTemplate,
    SsmincidentsResponsePlanIncidentTemplateNotificationTarget,
    SsmincidentsResponsePlanIntegration,
    SsmincidentsResponsePlanIntegrationPagerduty,
)
from constructs_lib.engagement_target import EngagementTarget
from constructs_lib.props_error import raise_if_any
from constructs_lib.replication_set import ReplicationSetRef
from constructs_lib.runbook import Runbook

# The console's impact names and the numbers the API takes.
IMPACT_BY_NAME: Mapping[str, int] = {"critical": 1, "high": 2, "medium": 3, "low": 4, "none": 5}
MAX_ENGAGEMENTS = 5

TargetAccount = Literal["RESPONSE_PLAN_OWNER_ACCOUNT", "IMPACTED_ACCOUNT"]
DynamicParameter = Literal["INVOLVED_RESOURCES", "INCIDENT_RECORD_ARN"]


@dataclass(frozen=True)
class IncidentTemplate:
    """What an incident opened with this plan looks like. ``impact`` is a console name:
    critical, high, medium, low or none."""

    title: str
    impact: str
    summary: str | None = None
    dedupe_string: str | None = None
    incident_tags: Mapping[str, str] = field(default_factory=dict)
    notification_topic_arns: Sequence[str] = ()


@dataclass(frozen=True)
class RunbookAction:
    """Start ``runbook`` when an incident opens. ``parameters`` must be declared by the
    document: an undeclared one fails when the incident starts (terraform-provider-aws#32057).

    Instead of ``runbook``, ``document_name`` names a document this stack does not manage (one
    owned by Amazon, such as AWSIncidents-CriticalIncidentRunbookTemplate, or shared from
    another account); its parameters are not checked, and ``role_arn`` is then required.
    ``role_arn`` defaults to the runbook's own role."""

    runbook: Runbook | None = None
    document_name: str | None = None
    role_arn: str | None = None
    document_version: str | None = None
    target_account: TargetAccount | None = None
    parameters: Mapping[str, Sequence[str]] = field(default_factory=dict)
    dynamic_parameters: Mapping[str, DynamicParameter] = field(default_factory=dict)


@dataclass(frozen=True)
class PagerDutyIntegration:
    """Page a PagerDuty service too; ``secret_id`` names the Secrets Manager secret holding
    the PagerDuty credentials."""

    name: str
    service_id: str
    secret_id: str


@dataclass(frozen=True)
class ResponsePlanProps:
    """Props of ``ResponsePlan``."""

    name: str
    replication_set: ReplicationSetRef
    incident_template: IncidentTemplate
    display_name: str | None = None
    chat_channel_topic_arns: Sequence[str] = ()
    engagements: Sequence[EngagementTarget] = ()
    runbook: RunbookAction | None = None
    pagerduty: PagerDutyIntegration | None = None
    tags: Mapping[str, str] = field(default_factory=dict)


def _validate(props: ResponsePlanProps) -> None:
    problems: list[str] = []
    impact = props.incident_template.impact
    if impact not in IMPACT_BY_NAME:
        problems.append(
            f"incident_template.impact: {impact!r}; allowed {', '.join(IMPACT_BY_NAME)}"
        )
    if len(props.engagements) > MAX_ENGAGEMENTS:
        problems.append(
            f"engagements: {len(props.engagements)} given; a response plan engages at most "
            f"{MAX_ENGAGEMENTS}"
        )
    if props.runbook:
        problems.extend(_action_problems(props.runbook))
        for name, values in props.runbook.parameters.items():
            if not values:
                problems.append(f"runbook.parameters.{name}: empty; AWS rejects empty value lists")
    raise_if_any(f"ResponsePlan {props.name!r}", problems)


def _action_problems(action: RunbookAction) -> list[str]:
    if (action.runbook is None) == (action.document_name is None):
        return ["runbook: give exactly one of runbook (managed here) and document_name"]
    if action.runbook is None:
        return [] if action.role_arn else ["runbook.role_arn: required with document_name"]
    problems = []
    if action.role_arn is None and action.runbook.role_arn is None:
        problems.append(
            f"runbook.role_arn: runbook {action.runbook.name!r} has no role of its own "
            "(create_role=False); name one"
        )
    declared = action.runbook.declared_parameters
    for name in sorted({*action.parameters, *action.dynamic_parameters}):
        if name not in declared:
            problems.append(
                f"runbook.parameters: {name!r} is not declared by runbook "
                f"{action.runbook.name!r} (declared: {', '.join(declared) or 'none'})"
            )
    return problems


def _action(action: RunbookAction) -> SsmincidentsResponsePlanAction:
    # _validate made sure that exactly one document and a role are given.
    document_name = action.runbook.resource.name if action.runbook else action.document_name
    role_arn = action.role_arn or (action.runbook.role_arn if action.runbook else None)
    return SsmincidentsResponsePlanAction(
        ssm_automation=[
            SsmincidentsResponsePlanActionSsmAutomation(
                document_name=str(document_name),
                role_arn=str(role_arn),
                document_version=action.document_version,
                target_account=action.target_account,
                parameter=[
                    SsmincidentsResponsePlanActionSsmAutomationParameter(
                        name=name, values=list(action.parameters[name])
                    )
                    for name in sorted(action.parameters)
                ]
                or None,
                dynamic_parameters=dict(sorted(action.dynamic_parameters.items())) or None,
            )
        ]
    )


class ResponsePlan(Construct):
    """Creates a response plan; waits for the replication set."""

    def __init__(self, scope: Construct, id: str, props: ResponsePlanProps) -> None:
        super().__init__(scope, id)
        _validate(props)
        self.props = props
        template = props.incident_template
        waits_for = list(props.replication_set.dependables)
        self.resource = SsmincidentsResponsePlan(
            self,
            "Resource",
            name=props.name,
            display_name=props.display_name,
            incident_template=SsmincidentsResponsePlanIncidentTemplate(
                title=template.title,
                impact=IMPACT_BY_NAME[template.impact],
                summary=template.summary,
                dedupe_string=template.dedupe_string,
                incident_tags=dict(template.incident_tags) or None,
                notification_target=[
                    SsmincidentsResponsePlanIncidentTemplateNotificationTarget(sns_topic_arn=arn)
                    for arn in template.notification_topic_arns
                ]
                or None,
            ),
            chat_channel=list(props.chat_channel_topic_arns) or None,
            engagements=[e.contact_arn for e in props.engagements] or None,
            action=_action(props.runbook) if props.runbook else None,
            integration=(
                SsmincidentsResponsePlanIntegration(
                    pagerduty=[
                        SsmincidentsResponsePlanIntegrationPagerduty(
                            name=props.pagerduty.name,
                            service_id=props.pagerduty.service_id,
                            secret_id=props.pagerduty.secret_id,
                        )
                    ]
                )
                if props.pagerduty
                else None
            ),
            tags=dict(props.tags) or None,
            depends_on=waits_for or None,
        )

    @property
    def name(self) -> str:
        return self.props.name

    @property
    def response_plan_arn(self) -> str:
        return self.resource.arn
