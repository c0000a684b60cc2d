"""Read the SNS topics the response plans use and the CloudWatch alarms that open incidents,
with boto3, every list paginated. The answers are kept as the API gives them; deciding what
the environment file can express is ``adopt_topics`` and ``adopt_alarms``'s job."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

from botocore.exceptions import ClientError

from stacks.adopt.read_account import LiveAccount

Json = dict[str, Any]
# boto3's ``Session.client``: ``client("sns")``, ``client("cloudwatch", region_name=...)``.
RegionalClientFactory = Callable[..., Any]


@dataclass
class LiveTopic:
    """One SNS topic a response plan publishes to, as read (or why it could not be read)."""

    arn: str
    attributes: dict[str, str] = field(default_factory=dict)
    tags: dict[str, str] = field(default_factory=dict)
    data_protection_policy: str = ""
    # Set when the topic was not read: another account or region, missing, access denied.
    unread: str | None = None


@dataclass
class LiveAlarms:
    """The alarms of one region whose alarm actions open incidents."""

    region: str
    metric_alarms: list[tuple[Json, dict[str, str]]] = field(default_factory=list)
    composite_alarms: list[Json] = field(default_factory=list)
    # Logs Insights query alarms (PutLogAlarm): no resource for them in provider 5.100.0.
    log_alarms: list[Json] = field(default_factory=list)


def response_plan_topics(account: LiveAccount) -> list[str]:
    """Every topic ARN the response plans use (chat channels, notification targets), once."""
    arns: dict[str, None] = {}
    for plan, _ in account.response_plans:
        for arn in plan.get("chatChannel", {}).get("chatbotSns", []):
            arns[arn] = None
        for target in plan.get("incidentTemplate", {}).get("notificationTargets", []):
            arns[target["snsTopicArn"]] = None
    return sorted(arns)


def topic_place(arn: str) -> tuple[str, str] | None:
    """(region, account) of an SNS topic ARN, or None when ``arn`` is not one."""
    parts = arn.split(":")
    if len(parts) != 6 or parts[0] != "arn" or parts[2] != "sns":
        return None
    return parts[3], parts[4]


def read_topics(
    client: RegionalClientFactory, arns: Iterable[str], account_id: str, region: str
) -> list[LiveTopic]:
    """Read the topics of ``account_id`` in ``region``; the others are only named."""
    sns = client("sns")
    topics = []
    for arn in arns:
        place = topic_place(arn)
        if place is None:
            topics.append(LiveTopic(arn, unread="not an SNS topic ARN"))
            continue
        topic_region, topic_account = place
        if topic_account != account_id:
            topics.append(LiveTopic(arn, unread=f"a topic of account {topic_account}"))
            continue
        if topic_region != region:
            topics.append(LiveTopic(arn, unread=f"a topic of region {topic_region}"))
            continue
        try:
            attributes = sns.get_topic_attributes(TopicArn=arn)["Attributes"]
            tags = sns.list_tags_for_resource(ResourceArn=arn).get("Tags", [])
            protection = sns.get_data_protection_policy(ResourceArn=arn)
        except ClientError as error:
            code = error.response.get("Error", {}).get("Code", "")
            reason = (
                "does not exist (deleted after the response plan was saved?)"
                if code in ("NotFound", "NotFoundException", "ResourceNotFound")
                else f"could not be read ({code}: {error.response['Error'].get('Message', '')})"
            )
            topics.append(LiveTopic(arn, unread=reason))
            continue
        topics.append(
            LiveTopic(
                arn,
                attributes=dict(attributes),
                tags={t["Key"]: t["Value"] for t in tags},
                data_protection_policy=protection.get("DataProtectionPolicy") or "",
            )
        )
    return topics


def incident_action_prefix(account_id: str) -> str:
    """The start of every Incident Manager alarm action of the account (ssm-incidents ARNs
    have no region). Not ``...:response-plan/`` alone: CloudWatch's API reference spells the
    action ``arn:aws:ssm-incidents::<account>:responseplan/<name>``, the console and the
    response plan's own ARN ``response-plan/``; both must be found."""
    return f"arn:aws:ssm-incidents::{account_id}:"


def read_alarms(
    client: RegionalClientFactory, regions: Iterable[str], account_id: str
) -> list[LiveAlarms]:
    """The metric, composite and log alarms whose alarm actions open incidents, per region,
    with the metric alarms' tags."""
    found = []
    for region in regions:
        cloudwatch = client("cloudwatch", region_name=region)
        live = LiveAlarms(region)
        for page in cloudwatch.get_paginator("describe_alarms").paginate(
            ActionPrefix=incident_action_prefix(account_id),
            # Without AlarmTypes only metric alarms are listed; the others are reported.
            AlarmTypes=["MetricAlarm", "CompositeAlarm", "LogAlarm"],
        ):
            for alarm in page.get("MetricAlarms", []):
                tags = cloudwatch.list_tags_for_resource(ResourceARN=alarm["AlarmArn"])
                pairs = {t["Key"]: t["Value"] for t in tags.get("Tags", [])}
                live.metric_alarms.append((alarm, pairs))
            live.composite_alarms.extend(page.get("CompositeAlarms", []))
            live.log_alarms.extend(page.get("LogAlarms", []))
        found.append(live)
    return found
