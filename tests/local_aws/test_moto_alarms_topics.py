"""The local server answers CloudWatch, SNS and CloudFormation as the AWS API references say,
where moto 5.2.5 does not (local_aws/moto_alarms_topics.py)."""

from __future__ import annotations

import json

from tests.local_aws.conftest import ACCOUNT, Client

PLAN = f"arn:aws:ssm-incidents::{ACCOUNT}:response-plan/EC2HighCPU"
PREFIX = f"arn:aws:ssm-incidents::{ACCOUNT}:response-plan/"


def _cpu_alarm(aws: Client) -> None:
    aws("cloudwatch").put_metric_alarm(
        AlarmName="cpu",
        Namespace="AWS/EC2",
        MetricName="CPUUtilization",
        Statistic="Average",
        Period=300,
        EvaluationPeriods=1,
        Threshold=85,
        ComparisonOperator="GreaterThanThreshold",
        AlarmActions=[PLAN],
    )


def test_composite_alarms_are_stored_and_listed_only_when_asked_for(aws: Client) -> None:
    _cpu_alarm(aws)
    cloudwatch = aws("cloudwatch")
    cloudwatch.put_composite_alarm(
        AlarmName="cpu-and-disk",
        AlarmRule='ALARM("cpu")',
        AlarmActions=[PLAN],
        OKActions=[f"arn:aws:sns:us-east-1:{ACCOUNT}:ok"],
        AlarmDescription="both",
    )
    # Without AlarmTypes: metric alarms only, as the DescribeAlarms reference says.
    default = cloudwatch.describe_alarms(ActionPrefix=PREFIX)
    assert [a["AlarmName"] for a in default["MetricAlarms"]] == ["cpu"]
    assert default["CompositeAlarms"] == []
    both = cloudwatch.describe_alarms(
        ActionPrefix=PREFIX, AlarmTypes=["MetricAlarm", "CompositeAlarm"]
    )
    assert [a["AlarmName"] for a in both["MetricAlarms"]] == ["cpu"]
    (composite,) = both["CompositeAlarms"]
    assert composite["AlarmRule"] == 'ALARM("cpu")'
    assert composite["AlarmActions"] == [PLAN]
    assert composite["OKActions"] == [f"arn:aws:sns:us-east-1:{ACCOUNT}:ok"]
    assert composite["AlarmDescription"] == "both"
    only = cloudwatch.describe_alarms(AlarmTypes=["CompositeAlarm"])
    assert only["MetricAlarms"] == [] and len(only["CompositeAlarms"]) == 1


def test_topic_attributes_set_later_are_read_back(aws: Client) -> None:
    sns = aws("sns")
    arn = sns.create_topic(Name="traced", Attributes={"TracingConfig": "Active"})["TopicArn"]
    role = f"arn:aws:iam::{ACCOUNT}:role/sns-feedback"
    sns.set_topic_attributes(
        TopicArn=arn, AttributeName="HTTPSuccessFeedbackRoleArn", AttributeValue=role
    )
    attributes = sns.get_topic_attributes(TopicArn=arn)["Attributes"]
    assert attributes["TracingConfig"] == "Active"
    assert attributes["HTTPSuccessFeedbackRoleArn"] == role
    plain = sns.create_topic(Name="plain")["TopicArn"]
    assert "TracingConfig" not in sns.get_topic_attributes(TopicArn=plain)["Attributes"]


def test_data_protection_policy(aws: Client) -> None:
    sns = aws("sns")
    arn = sns.create_topic(Name="protected")["TopicArn"]
    assert "DataProtectionPolicy" not in sns.get_data_protection_policy(ResourceArn=arn)
    policy = json.dumps({"Name": "p", "Version": "2021-06-01", "Statement": []})
    sns.put_data_protection_policy(ResourceArn=arn, DataProtectionPolicy=policy)
    assert sns.get_data_protection_policy(ResourceArn=arn)["DataProtectionPolicy"] == policy


def test_a_topic_a_stack_creates_carries_the_stack_tags(aws: Client) -> None:
    template = {
        "Resources": {
            "AlertsTopic": {"Type": "AWS::SNS::Topic", "Properties": {"TopicName": "alerts"}}
        }
    }
    stack_id = aws("cloudformation").create_stack(
        StackName="monitoring",
        TemplateBody=json.dumps(template),
        Tags=[{"Key": "team", "Value": "ops"}],
    )["StackId"]
    sns = aws("sns")
    (topic,) = sns.list_topics()["Topics"]
    tags = {
        t["Key"]: t["Value"]
        for t in sns.list_tags_for_resource(ResourceArn=topic["TopicArn"])["Tags"]
    }
    assert tags == {
        "aws:cloudformation:stack-name": "monitoring",
        "aws:cloudformation:stack-id": stack_id,
        "aws:cloudformation:logical-id": "AlertsTopic",
        "team": "ops",
    }
