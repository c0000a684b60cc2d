"""IncidentAlarm opens incidents with a response plan; NotificationTopic lets Incident Manager
publish."""

from __future__ import annotations

import json

from constructs_lib import (
    IncidentAlarm,
    IncidentAlarmProps,
    IncidentTemplate,
    NotificationKey,
    NotificationTopic,
    NotificationTopicProps,
    ResponsePlan,
    ResponsePlanProps,
)
from tests.constructs_lib.fixtures import replication_set
from tests.synth_helpers import new_stack, only, ref, resources, synth


def test_blog_alarm_cpu_above_85_percent_starts_an_incident_with_the_plan() -> None:
    stack = new_stack()
    plan = ResponsePlan(
        stack,
        "plan",
        ResponsePlanProps(
            name="EC2HighCPU",
            replication_set=replication_set(stack),
            incident_template=IncidentTemplate(title="cpu-incident-1", impact="medium"),
        ),
    )
    IncidentAlarm(
        stack,
        "alarm",
        IncidentAlarmProps(
            alarm_name="ec2-high-cpu",
            response_plan=plan,
            namespace="AWS/EC2",
            metric_name="CPUUtilization",
            dimensions={"InstanceId": "i-0123456789abcdef0"},
            threshold=85,
            period_seconds=60,
            evaluation_periods=2,
        ),
    )
    out = synth(stack)
    alarm = only(out, "aws_cloudwatch_metric_alarm")
    assert alarm["alarm_actions"] == [ref(plan.resource)]
    assert alarm["metric_name"] == "CPUUtilization"
    assert alarm["namespace"] == "AWS/EC2"
    assert alarm["comparison_operator"] == "GreaterThanThreshold"
    assert alarm["threshold"] == 85
    assert alarm["statistic"] == "Average"
    assert alarm["period"] == 60
    assert alarm["evaluation_periods"] == 2
    assert alarm["dimensions"] == {"InstanceId": "i-0123456789abcdef0"}
    assert alarm["treat_missing_data"] == "missing"


def test_topic_policy_lets_only_incident_manager_of_this_account_publish() -> None:
    stack = new_stack()
    topic = NotificationTopic(
        stack, "topic", NotificationTopicProps(name="chat", account_id="111122223333")
    )
    out = synth(stack)
    sns_topic = only(out, "aws_sns_topic")
    assert sns_topic["name"] == "chat"
    # Encrypted with its own rotating key that Incident Manager may use.
    assert sns_topic["kms_master_key_id"] == ref(topic.encryption_key.resource)
    key = only(out, "aws_kms_key")
    assert key["enable_key_rotation"] is True
    key_statements = json.loads(key["policy"])["Statement"]
    assert key_statements[1]["Principal"] == {"Service": "ssm-incidents.amazonaws.com"}
    assert key_statements[1]["Action"] == ["kms:Decrypt", "kms:GenerateDataKey*"]
    policy_resource = only(out, "aws_sns_topic_policy")
    topic_arn = ref(topic.resource)
    assert policy_resource["arn"] == topic_arn
    policy = json.loads(policy_resource["policy"])
    assert policy["Statement"] == [
        {
            "Sid": "IncidentManagerPublishes",
            "Effect": "Allow",
            "Principal": {"Service": "ssm-incidents.amazonaws.com"},
            "Action": "sns:Publish",
            "Resource": topic_arn,
            "Condition": {"StringEquals": {"aws:SourceAccount": "111122223333"}},
        }
    ]


def test_topics_can_share_one_key() -> None:
    stack = new_stack()
    key = NotificationKey(stack, "key", account_id="111122223333")
    for name in ("chat", "notify"):
        NotificationTopic(
            stack,
            name,
            NotificationTopicProps(name=name, account_id="111122223333", encryption_key=key),
        )
    out = synth(stack)
    assert len(resources(out, "aws_kms_key")) == 1
    assert {t["kms_master_key_id"] for t in resources(out, "aws_sns_topic").values()} == {
        ref(key.resource)
    }
