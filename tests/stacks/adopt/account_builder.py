"""Make an ``account_specs.Account`` through boto3, in the order the console makes it: the
replication set (with its keys), contacts with an empty plan, their channels (some activated),
their engagement plans; rotations, the on-call schedule, escalation plans; topics, runbook
documents and roles; response plans; alarms in each region."""

from __future__ import annotations

import json
from typing import Any

from tests.stacks.adopt.account_specs import (
    Account,
    Alarm,
    Person,
    ResponsePlan,
    Rotation,
    Runbook,
    Stage,
    Tags,
    Time,
    Topic,
)

ACCOUNT = "123456789012"
CONTACTS = f"arn:aws:ssm-contacts:us-east-1:{ACCOUNT}:contact/"
RESPONSE_PLANS = f"arn:aws:ssm-incidents::{ACCOUNT}:response-plan/"
Client = Any
Json = dict[str, Any]


def _pairs(tags: Tags) -> list[dict[str, str]]:
    return [{"Key": k, "Value": v} for k, v in tags.items()]


def _hand_off(time: Time) -> dict[str, int]:
    return {"HourOfDay": time[0], "MinuteOfHour": time[1]}


class Builder:
    """Makes one account; ``channels`` maps (alias, channel name) to the channel's ARN."""

    def __init__(self, client: Client) -> None:
        self.client = client
        self.contacts = client("ssm-contacts")
        self.incidents = client("ssm-incidents")
        self.channels: dict[tuple[str, str], str] = {}
        self.rotations: dict[str, str] = {}

    def build(self, account: Account) -> None:
        self._replication_set(account)
        for person in account.people:
            self._person(person)
        for rotation in account.rotations:
            self._rotation(rotation)
        for schedule in account.schedules:
            self.contacts.create_contact(
                Alias=schedule.alias,
                Type="ONCALL_SCHEDULE",
                Plan={"RotationIds": [self.rotations[n] for n in schedule.rotations]},
                Tags=_pairs(schedule.tags),
                **({"DisplayName": schedule.display_name} if schedule.display_name else {}),
            )
        for plan in account.escalation_plans:
            self.contacts.create_contact(
                Alias=plan.alias,
                Type="ESCALATION",
                Plan={"Stages": [self._stage(s) for s in plan.stages]},
                Tags=_pairs(plan.tags),
                **({"DisplayName": plan.display_name} if plan.display_name is not None else {}),
            )
        topics = {topic.name: self._topic(topic) for topic in account.topics}
        for response_plan in account.response_plans:
            self._response_plan(response_plan, topics)
        for alarm in account.alarms:
            self._alarm(alarm)

    def _replication_set(self, account: Account) -> None:
        regions: dict[str, Json] = {}
        for region in account.regions:
            regions[region] = {}
            if account.customer_keys:
                key = self.client("kms", region).create_key()["KeyMetadata"]["Arn"]
                regions[region] = {"sseKmsKeyId": key}
        self.incidents.create_replication_set(
            regions=regions, **({"tags": account.set_tags} if account.set_tags else {})
        )

    def _person(self, person: Person) -> None:
        arn = self.contacts.create_contact(
            Alias=person.alias,
            Type="PERSONAL",
            Plan={"Stages": []},
            Tags=_pairs(person.tags),
            **({"DisplayName": person.display_name} if person.display_name is not None else {}),
        )["ContactArn"]
        for index, channel in enumerate(person.channels):
            address = (
                f"{person.alias}.{index}@example.com"
                if channel.kind == "EMAIL"
                else f"+1206555{index:04d}"
            )
            channel_arn = self.contacts.create_contact_channel(
                ContactId=arn,
                Name=channel.name,
                Type=channel.kind,
                DeliveryAddress={"SimpleAddress": address},
            )["ContactChannelArn"]
            if channel.activated:
                self.contacts.activate_contact_channel(
                    ContactChannelId=channel_arn, ActivationCode="123456"
                )
            self.channels[(person.alias, channel.name)] = channel_arn
        self.contacts.update_contact(
            ContactId=arn, Plan={"Stages": [self._stage(s) for s in person.stages]}
        )

    def _stage(self, stage: Stage) -> Json:
        targets: list[Json] = []
        for target in stage.targets:
            if target.channel is None:
                targets.append(
                    {
                        "ContactTargetInfo": {
                            "ContactId": CONTACTS + target.alias,
                            "IsEssential": target.essential,
                        }
                    }
                )
                continue
            info: Json = {"ContactChannelId": self.channels[(target.alias, target.channel)]}
            if target.retry is not None:
                info["RetryIntervalInMinutes"] = target.retry
            targets.append({"ChannelTargetInfo": info})
        return {"DurationInMinutes": stage.duration, "Targets": targets}

    def _rotation(self, rotation: Rotation) -> None:
        recurrence: Json = {
            "NumberOfOnCalls": rotation.on_calls,
            "RecurrenceMultiplier": rotation.multiplier,
        }
        if rotation.daily:
            recurrence["DailySettings"] = [_hand_off(t) for t in rotation.daily]
        if rotation.weekly:
            recurrence["WeeklySettings"] = [
                {"DayOfWeek": day, "HandOffTime": _hand_off(t)} for day, t in rotation.weekly
            ]
        if rotation.monthly:
            recurrence["MonthlySettings"] = [
                {"DayOfMonth": date, "HandOffTime": _hand_off(t)} for date, t in rotation.monthly
            ]
        if rotation.coverages:
            recurrence["ShiftCoverages"] = {
                day: [{"Start": _hand_off(a), "End": _hand_off(b)} for a, b in times]
                for day, times in rotation.coverages.items()
            }
        self.rotations[rotation.name] = self.contacts.create_rotation(
            Name=rotation.name,
            ContactIds=[CONTACTS + alias for alias in rotation.contacts],
            StartTime=rotation.start,
            TimeZoneId=rotation.time_zone,
            Recurrence=recurrence,
            Tags=_pairs(rotation.tags),
        )["RotationArn"]

    def _topic(self, topic: Topic) -> str:
        sns = self.client("sns")
        attributes = {}
        if topic.display_name:
            attributes["DisplayName"] = topic.display_name
        if topic.kms_key:
            attributes["KmsMasterKeyId"] = topic.kms_key
        arn = str(
            sns.create_topic(Name=topic.name, Attributes=attributes, Tags=_pairs(topic.tags))[
                "TopicArn"
            ]
        )
        if topic.with_policy:
            statement = {
                "Sid": "IncidentManagerPublishes",
                "Effect": "Allow",
                "Principal": {"Service": "ssm-incidents.amazonaws.com"},
                "Action": "SNS:Publish",
                "Resource": arn,
            }
            policy = {"Version": "2012-10-17", "Statement": [statement]}
            sns.set_topic_attributes(
                TopicArn=arn, AttributeName="Policy", AttributeValue=json.dumps(policy)
            )
        return arn

    def _runbook(self, runbook: Runbook) -> Json:
        content: Json = {
            "schemaVersion": "0.3",
            "description": f"Runbook {runbook.document}",
            "parameters": {name: {"type": "String", "default": ""} for name in runbook.declared},
            "mainSteps": [{"name": "Pause", "action": "aws:pause", "inputs": {}}],
        }
        if runbook.json_format:
            text = json.dumps(content, indent=4)
            if runbook.windows_line_endings:
                text = text.replace("\n", "\r\n")
        else:
            text = _yaml(content)
        self.client("ssm").create_document(
            Name=runbook.document,
            Content=text,
            DocumentType="Automation",
            DocumentFormat="JSON" if runbook.json_format else "YAML",
            Tags=_pairs(runbook.document_tags),
            **({"VersionName": runbook.version_name} if runbook.version_name else {}),
        )
        iam = self.client("iam")
        trust = {
            "Version": "2012-10-17",
            "Statement": [
                {
                    "Effect": "Allow",
                    "Principal": {"Service": "ssm-incidents.amazonaws.com"},
                    "Action": "sts:AssumeRole",
                }
            ],
        }
        role = iam.create_role(
            RoleName=runbook.role,
            Path=runbook.role_path,
            AssumeRolePolicyDocument=json.dumps(trust),
            Tags=_pairs(runbook.role_tags),
        )["Role"]["Arn"]
        start = {
            "Version": "2012-10-17",
            "Statement": [
                {
                    "Effect": "Allow",
                    "Action": "ssm:StartAutomationExecution",
                    "Resource": f"arn:aws:ssm:*:{ACCOUNT}:automation-definition/"
                    f"{runbook.document}:*",
                }
            ],
        }
        iam.put_role_policy(
            RoleName=runbook.role, PolicyName="start-runbook", PolicyDocument=json.dumps(start)
        )
        automation: Json = {"documentName": runbook.document, "roleArn": role}
        if runbook.document_version:
            automation["documentVersion"] = runbook.document_version
        if runbook.target_account:
            automation["targetAccount"] = runbook.target_account
        if runbook.parameters:
            automation["parameters"] = {k: list(v) for k, v in runbook.parameters.items()}
        if runbook.dynamic_parameters:
            automation["dynamicParameters"] = {
                k: {"variable": v} for k, v in runbook.dynamic_parameters.items()
            }
        return {"ssmAutomation": automation}

    def _response_plan(self, plan: ResponsePlan, topics: dict[str, str]) -> None:
        template: Json = {"title": plan.title, "impact": plan.impact}
        if plan.summary is not None:
            template["summary"] = plan.summary
        if plan.dedupe is not None:
            template["dedupeString"] = plan.dedupe
        if plan.incident_tags:
            template["incidentTags"] = plan.incident_tags
        if plan.notify:
            template["notificationTargets"] = [{"snsTopicArn": topics[t]} for t in plan.notify]
        request: Json = {"name": plan.name, "incidentTemplate": template}
        if plan.display_name is not None:
            request["displayName"] = plan.display_name
        if plan.chat:
            request["chatChannel"] = {"chatbotSns": [topics[t] for t in plan.chat]}
        if plan.engagements:
            request["engagements"] = [CONTACTS + alias for alias in plan.engagements]
        if plan.runbook is not None:
            request["actions"] = [self._runbook(plan.runbook)]
        if plan.pagerduty is not None:
            request["integrations"] = [
                {
                    "pagerDutyConfiguration": {
                        "name": plan.pagerduty.name,
                        "secretId": plan.pagerduty.secret_id,
                        "pagerDutyIncidentConfiguration": {"serviceId": plan.pagerduty.service_id},
                    }
                }
            ]
        if plan.tags:
            request["tags"] = plan.tags
        self.incidents.create_response_plan(**request)

    def _alarm(self, alarm: Alarm) -> None:
        request: Json = {
            "AlarmName": alarm.name,
            "Namespace": alarm.namespace,
            "MetricName": alarm.metric,
            "Period": alarm.period,
            "EvaluationPeriods": alarm.evaluation_periods,
            "Threshold": alarm.threshold,
            "ComparisonOperator": alarm.comparison,
            "AlarmActions": [RESPONSE_PLANS + alarm.plan],
            "Dimensions": [{"Name": k, "Value": v} for k, v in alarm.dimensions.items()],
            "Tags": _pairs(alarm.tags),
        }
        if alarm.statistic.startswith("p"):
            request["ExtendedStatistic"] = alarm.statistic
        else:
            request["Statistic"] = alarm.statistic
        if alarm.datapoints is not None:
            request["DatapointsToAlarm"] = alarm.datapoints
        if alarm.treat_missing is not None:
            request["TreatMissingData"] = alarm.treat_missing
        if alarm.description is not None:
            request["AlarmDescription"] = alarm.description
        if alarm.unit is not None:
            request["Unit"] = alarm.unit
        self.client("cloudwatch", alarm.region).put_metric_alarm(**request)


def _yaml(content: Json) -> str:
    """``content`` as the console's YAML editor writes a runbook."""
    from io import StringIO

    from ruamel.yaml import YAML

    yaml = YAML()
    yaml.default_flow_style = False
    stream = StringIO()
    yaml.dump(content, stream)
    return stream.getvalue()


def build_account(client: Client, account: Account) -> None:
    """Make ``account`` through ``client`` (boto3 clients of the local server)."""
    Builder(client).build(account)
