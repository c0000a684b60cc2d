"""IncidentAlarm opens incidents with a response plan; NotificationTopic lets Incident Manager
publish."""

from __future__ import annotations

import json
from typing import Literal

import pytest
from cdktf import TerraformStack

from constructs_lib import (
    ExistingKey,
    IncidentAlarm,
    IncidentAlarmProps,
    IncidentTemplate,
    NotificationKey,
    NotificationTopic,
    NotificationTopicProps,
    PropsError,
    ResponsePlan,
    ResponsePlanProps,
    Unencrypted,
)
from constructs_lib.aws import AwsProvider
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
    assert topic.encryption_key is not None
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


def _plan(stack: TerraformStack) -> ResponsePlan:
    return ResponsePlan(
        stack,
        "plan",
        ResponsePlanProps(
            name="EC2HighCPU",
            replication_set=replication_set(stack),
            incident_template=IncidentTemplate(title="cpu-incident-1", impact="medium"),
        ),
    )


def test_an_adopted_topic_keeps_its_key_display_name_and_policy() -> None:
    stack = new_stack()
    policy = json.dumps({"Version": "2008-10-17", "Statement": [{"Sid": "Own"}]})
    key = "arn:aws:kms:us-east-1:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab"
    NotificationTopic(
        stack,
        "chat",
        NotificationTopicProps(
            name="chat",
            account_id="111122223333",
            encryption_key=ExistingKey(key),
            display_name="Incident chat",
            policy=policy,
        ),
    )
    NotificationTopic(
        stack,
        "plain",
        NotificationTopicProps(
            name="plain", account_id="111122223333", encryption_key=Unencrypted()
        ),
    )
    out = synth(stack)
    # The existing key is referred to, never created or managed here.
    assert resources(out, "aws_kms_key") == {}
    topics = {t["name"]: t for t in resources(out, "aws_sns_topic").values()}
    assert topics["chat"]["kms_master_key_id"] == key
    assert topics["chat"]["display_name"] == "Incident chat"
    assert "kms_master_key_id" not in topics["plain"]
    assert "display_name" not in topics["plain"]
    policies = [p["policy"] for p in resources(out, "aws_sns_topic_policy").values()]
    # The given policy verbatim; the unencrypted topic without one still gets ours.
    assert policy in policies
    (ours,) = [p for p in policies if p != policy]
    assert json.loads(ours)["Statement"][0]["Sid"] == "IncidentManagerPublishes"


def test_alarm_with_percentile_actions_unit_and_region_provider() -> None:
    stack = new_stack()
    west = AwsProvider(stack, "aws-us-west-2", region="us-west-2", alias="us-west-2")
    plan = _plan(stack)
    ok_topic = "arn:aws:sns:us-west-2:111122223333:ops"
    IncidentAlarm(
        stack,
        "alarm",
        IncidentAlarmProps(
            alarm_name="api-latency-p99",
            response_plan=plan,
            namespace="AWS/ApplicationELB",
            metric_name="TargetResponseTime",
            statistic="p99",
            evaluate_low_sample_count_percentiles="ignore",
            unit="Seconds",
            threshold=1.5,
            alarm_actions=[ok_topic],
            ok_actions=[ok_topic],
            insufficient_data_actions=[ok_topic],
            actions_enabled=False,
            provider=west,
        ),
    )
    alarm = only(synth(stack), "aws_cloudwatch_metric_alarm")
    assert alarm["provider"] == "aws.us-west-2"
    assert alarm["extended_statistic"] == "p99"
    assert "statistic" not in alarm
    assert alarm["evaluate_low_sample_count_percentiles"] == "ignore"
    assert alarm["unit"] == "Seconds"
    assert alarm["alarm_actions"] == [ref(plan.resource), ok_topic]
    assert alarm["ok_actions"] == [ok_topic]
    assert alarm["insufficient_data_actions"] == [ok_topic]
    assert alarm["actions_enabled"] is False


def test_alarm_defaults_write_no_optional_settings() -> None:
    stack = new_stack()
    IncidentAlarm(
        stack,
        "alarm",
        IncidentAlarmProps(
            alarm_name="cpu",
            response_plan=_plan(stack),
            namespace="AWS/EC2",
            metric_name="CPUUtilization",
            threshold=85,
        ),
    )
    alarm = only(synth(stack), "aws_cloudwatch_metric_alarm")
    for absent in (
        "provider",
        "extended_statistic",
        "unit",
        "ok_actions",
        "insufficient_data_actions",
        "actions_enabled",
        "evaluate_low_sample_count_percentiles",
    ):
        assert absent not in alarm, absent


@pytest.mark.parametrize(
    ("statistic", "low_samples", "expected"),
    [
        ("p999", None, "statistic 'p999'"),
        ("Median", None, "statistic 'Median'"),
        ("Average", "evaluate", "for percentile statistics only"),
    ],
)
def test_alarm_refuses_a_statistic_cloudwatch_does_not_take(
    statistic: str, low_samples: Literal["evaluate", "ignore"] | None, expected: str
) -> None:
    stack = new_stack()
    with pytest.raises(PropsError, match=expected):
        IncidentAlarm(
            stack,
            "alarm",
            IncidentAlarmProps(
                alarm_name="cpu",
                response_plan=_plan(stack),
                namespace="AWS/EC2",
                metric_name="CPUUtilization",
                threshold=85,
                statistic=statistic,
                evaluate_low_sample_count_percentiles=low_samples,
            ),
        )
