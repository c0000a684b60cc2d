"""SNS topics and CloudWatch alarms added to the blog walkthrough through the API, the way the
console makes them: the walkthrough's CPU alarm opening EC2HighCPU, a response plan whose chat
channel and notification topics carry their own policies (one encrypted with a customer
managed key), a second region with a percentile alarm, and what adoption must leave alone."""

from __future__ import annotations

import json
from typing import Any

ACCOUNT = "123456789012"
PLANS = f"arn:aws:ssm-incidents::{ACCOUNT}:response-plan/"
Client = Any


def topic_policy(topic_arn: str, extra: list[dict[str, Any]] | None = None) -> str:
    """SNS's default policy plus the statement that lets Incident Manager publish (the
    console's "Access policy" editor starts from the default)."""
    return json.dumps(
        {
            "Version": "2008-10-17",
            "Id": "__default_policy_ID",
            "Statement": [
                {
                    "Sid": "__default_statement_ID",
                    "Effect": "Allow",
                    "Principal": {"AWS": "*"},
                    "Action": ["SNS:GetTopicAttributes", "SNS:Subscribe", "SNS:Publish"],
                    "Resource": topic_arn,
                    "Condition": {"StringEquals": {"AWS:SourceOwner": ACCOUNT}},
                },
                {
                    "Sid": "IncidentManagerPublishes",
                    "Effect": "Allow",
                    "Principal": {"Service": "ssm-incidents.amazonaws.com"},
                    "Action": "SNS:Publish",
                    "Resource": topic_arn,
                },
                *(extra or []),
            ],
        }
    )


def add_database_plan_with_topics(
    client: Any, engagement: str, chat_topic: str = "incident-chat"
) -> dict[str, str]:
    """Response plan DatabaseDown: chat channel topic ``chat_topic`` encrypted with a customer
    managed key (by alias), notification topic unencrypted with a display name and tags."""
    sns = client("sns")
    key = client("kms").create_key(Description="incident topics")["KeyMetadata"]["KeyId"]
    client("kms").create_alias(AliasName="alias/incident-topics", TargetKeyId=key)
    chat = sns.create_topic(
        Name=chat_topic, Attributes={"KmsMasterKeyId": "alias/incident-topics"}
    )["TopicArn"]
    notify = sns.create_topic(
        Name="incident-updates",
        Attributes={"DisplayName": "Incident updates"},
        Tags=[{"Key": "team", "Value": "dba"}],
    )["TopicArn"]
    for arn in (chat, notify):
        sns.set_topic_attributes(
            TopicArn=arn, AttributeName="Policy", AttributeValue=topic_policy(arn)
        )
    plan = client("ssm-incidents").create_response_plan(
        name="DatabaseDown",
        incidentTemplate={
            "title": "database-down",
            "impact": 1,
            "notificationTargets": [{"snsTopicArn": notify}],
        },
        chatChannel={"chatbotSns": [chat]},
        engagements=[engagement],
    )["arn"]
    return {"chat": chat, "notify": notify, "plan": plan}


def add_second_region_with_alarm(client: Any) -> str:
    """us-west-2 added to the replication set, and the latency alarm there
    (``add_latency_alarm``)."""
    incidents = client("ssm-incidents")
    (arn,) = incidents.list_replication_sets()["replicationSetArns"]
    incidents.update_replication_set(
        arn=arn, actions=[{"addRegionAction": {"regionName": "us-west-2"}}]
    )
    return add_latency_alarm(client)


def add_latency_alarm(client: Any) -> str:
    """In us-west-2 (a region of the replication set): a p99 latency alarm opening EC2HighCPU
    that also notifies a topic of that region when it fires and when it recovers."""
    ops = client("sns", "us-west-2").create_topic(Name="ops-west")["TopicArn"]
    name = "api-latency-p99"
    client("cloudwatch", "us-west-2").put_metric_alarm(
        AlarmName=name,
        Namespace="AWS/ApplicationELB",
        MetricName="TargetResponseTime",
        Dimensions=[{"Name": "LoadBalancer", "Value": "app/api/50dc6c495c0c9188"}],
        ExtendedStatistic="p99",
        EvaluateLowSampleCountPercentile="ignore",
        Unit="Seconds",
        Period=60,
        EvaluationPeriods=3,
        DatapointsToAlarm=2,
        Threshold=1.5,
        ComparisonOperator="GreaterThanOrEqualToThreshold",
        TreatMissingData="notBreaching",
        AlarmActions=[f"{PLANS}EC2HighCPU", ops],
        OKActions=[ops],
        Tags=[{"Key": "team", "Value": "api"}],
    )
    return name


def add_what_adoption_leaves_alone(client: Any, plan_arn: str) -> dict[str, str]:
    """A metric math alarm, a composite alarm, an alarm opening two response plans, and a
    notification topic CloudFormation manages, added to response plan ``plan_arn``."""
    cloudwatch = client("cloudwatch")
    opens = [f"{PLANS}EC2HighCPU"]
    cloudwatch.put_metric_alarm(
        AlarmName="cpu-sum-of-two",
        Metrics=[
            {
                "Id": f"m{i}",
                "MetricStat": {
                    "Metric": {
                        "Namespace": "AWS/EC2",
                        "MetricName": "CPUUtilization",
                        "Dimensions": [{"Name": "InstanceId", "Value": instance}],
                    },
                    "Period": 300,
                    "Stat": "Average",
                },
                "ReturnData": False,
            }
            for i, instance in enumerate(("i-0aaaaaaaaaaaaaaa1", "i-0aaaaaaaaaaaaaaa2"))
        ]
        + [{"Id": "total", "Expression": "m0 + m1", "ReturnData": True}],
        EvaluationPeriods=1,
        Threshold=150,
        ComparisonOperator="GreaterThanThreshold",
        AlarmActions=opens,
    )
    cloudwatch.put_composite_alarm(
        AlarmName="cpu-and-database",
        AlarmRule='ALARM("EC2 high CPU") AND ALARM("cpu-sum-of-two")',
        AlarmActions=opens,
    )
    cloudwatch.put_metric_alarm(
        AlarmName="disk-full",
        Namespace="CWAgent",
        MetricName="disk_used_percent",
        Statistic="Maximum",
        Period=300,
        EvaluationPeriods=1,
        Threshold=95,
        ComparisonOperator="GreaterThanThreshold",
        AlarmActions=[*opens, f"{PLANS}DatabaseDown"],
    )
    template = {
        "Resources": {
            "PagerTopic": {"Type": "AWS::SNS::Topic", "Properties": {"TopicName": "cfn-pager"}}
        }
    }
    client("cloudformation").create_stack(StackName="monitoring", TemplateBody=json.dumps(template))
    pager = f"arn:aws:sns:us-east-1:{ACCOUNT}:cfn-pager"
    incidents = client("ssm-incidents")
    template_now = incidents.get_response_plan(arn=plan_arn)["incidentTemplate"]
    targets = [*template_now.get("notificationTargets", []), {"snsTopicArn": pager}]
    incidents.update_response_plan(arn=plan_arn, incidentTemplateNotificationTargets=targets)
    return {"pager": pager}


def add_topics_adoption_cannot_manage(client: Any) -> dict[str, str]:
    """Response plan OddTopics notifying topics the file cannot manage as they are: another
    region, another account, a deleted topic, settings without a field (delivery policy, FIFO,
    tracing, data protection policy) and a policy naming a deleted role by its unique ID."""
    sns = client("sns")
    arns = {
        "west": client("sns", "us-west-2").create_topic(Name="west-updates")["TopicArn"],
        "partner": "arn:aws:sns:us-east-1:210987654321:partner-updates",
        "delivery": sns.create_topic(Name="with-retries")["TopicArn"],
        "fifo": sns.create_topic(Name="ordered.fifo", Attributes={"FifoTopic": "true"})["TopicArn"],
        "traced": sns.create_topic(Name="traced", Attributes={"TracingConfig": "Active"})[
            "TopicArn"
        ],
        "protected": sns.create_topic(Name="protected")["TopicArn"],
        "orphaned": sns.create_topic(Name="orphaned-principal")["TopicArn"],
    }
    gone = sns.create_topic(Name="gone")["TopicArn"]
    sns.delete_topic(TopicArn=gone)
    arns["gone"] = gone
    sns.set_topic_attributes(
        TopicArn=arns["delivery"],
        AttributeName="DeliveryPolicy",
        AttributeValue=json.dumps({"http": {"defaultHealthyRetryPolicy": {"numRetries": 5}}}),
    )
    sns.put_data_protection_policy(
        ResourceArn=arns["protected"],
        DataProtectionPolicy=json.dumps({"Name": "p", "Version": "2021-06-01", "Statement": []}),
    )
    deleted_role = {
        "Sid": "DeletedRole",
        "Effect": "Allow",
        "Principal": {"AWS": "AROAEXAMPLEUNIQUEID01"},
        "Action": "SNS:Publish",
        "Resource": arns["orphaned"],
    }
    sns.set_topic_attributes(
        TopicArn=arns["orphaned"],
        AttributeName="Policy",
        AttributeValue=topic_policy(arns["orphaned"], [deleted_role]),
    )
    client("ssm-incidents").create_response_plan(
        name="OddTopics",
        incidentTemplate={
            "title": "odd",
            "impact": 4,
            "notificationTargets": [{"snsTopicArn": arn} for arn in arns.values()],
        },
    )
    return arns


def add_alarms_adoption_cannot_express(client: Any) -> None:
    """An anomaly detection alarm, and one whose action spells the response plan the way
    CloudWatch's API reference does (``responseplan/``), both opening EC2HighCPU."""
    cloudwatch = client("cloudwatch")
    cloudwatch.put_metric_alarm(
        AlarmName="cpu-anomaly",
        Metrics=[
            {
                "Id": "m1",
                "MetricStat": {
                    "Metric": {"Namespace": "AWS/EC2", "MetricName": "CPUUtilization"},
                    "Period": 300,
                    "Stat": "Average",
                },
                "ReturnData": True,
            },
            {"Id": "band", "Expression": "ANOMALY_DETECTION_BAND(m1, 2)", "ReturnData": True},
        ],
        ThresholdMetricId="band",
        EvaluationPeriods=1,
        ComparisonOperator="GreaterThanUpperThreshold",
        AlarmActions=[f"{PLANS}EC2HighCPU"],
    )
    cloudwatch.put_metric_alarm(
        AlarmName="cpu-api-spelling",
        Namespace="AWS/EC2",
        MetricName="CPUUtilization",
        Statistic="Maximum",
        Period=60,
        EvaluationPeriods=1,
        Threshold=99,
        ComparisonOperator="GreaterThanThreshold",
        AlarmActions=[f"arn:aws:ssm-incidents::{ACCOUNT}:responseplan/EC2HighCPU"],
    )
