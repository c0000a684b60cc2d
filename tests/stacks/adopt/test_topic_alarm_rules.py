"""What adopt_topics and adopt_alarms decide for settings the local server cannot produce
(moto refuses trimmed-mean statistics; AWS writes aws: tags itself)."""

from __future__ import annotations

import json
from typing import Any

import pytest

from stacks.adopt.adopt_alarms import adopt_alarms
from stacks.adopt.adopt_topics import adopt_topics
from stacks.adopt.read_topics_alarms import LiveAlarms, LiveTopic

ACCOUNT = "111122223333"
PLAN = f"arn:aws:ssm-incidents::{ACCOUNT}:response-plan/EC2HighCPU"
PLANS = {PLAN: "EC2HighCPU"}
TOPIC = f"arn:aws:sns:us-east-1:{ACCOUNT}:updates"
KEY = "arn:aws:kms:us-east-1:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab"
POLICY = json.dumps(
    {
        "Version": "2012-10-17",
        "Statement": [{"Effect": "Allow", "Principal": {"AWS": ACCOUNT}, "Action": "SNS:Publish"}],
    }
)


def _alarm(**changes: Any) -> dict[str, Any]:
    alarm: dict[str, Any] = {
        "AlarmName": "cpu",
        "AlarmArn": f"arn:aws:cloudwatch:us-east-1:{ACCOUNT}:alarm:cpu",
        "Namespace": "AWS/EC2",
        "MetricName": "CPUUtilization",
        "Statistic": "Average",
        "Period": 300,
        "EvaluationPeriods": 1,
        "Threshold": 85.0,
        "ComparisonOperator": "GreaterThanThreshold",
        "AlarmActions": [PLAN],
        "OKActions": [],
        "InsufficientDataActions": [],
        "ActionsEnabled": True,
    }
    alarm.update(changes)
    return {k: v for k, v in alarm.items() if v is not None}


def _one(alarm: dict[str, Any], tags: dict[str, str] | None = None) -> Any:
    return adopt_alarms(
        [LiveAlarms("us-east-1", [(alarm, tags or {})])], ACCOUNT, "us-east-1", PLANS
    )


@pytest.mark.parametrize(
    ("changes", "tags", "reason"),
    [
        ({"Statistic": None, "ExtendedStatistic": "tm90"}, {}, "its statistic 'tm90' is not a "
         "percentile"),
        ({}, {"aws:cloudformation:stack-name": "alarms"}, "managed by CloudFormation stack "
         "'alarms'"),
        ({"OKActions": [PLAN]}, {}, "its OKActions open incidents too"),
        ({"AlarmActions": ["arn:aws:ssm-incidents::999988887777:response-plan/X"]}, {},
         "a response plan of another account"),
        ({"AlarmActions": [f"arn:aws:ssm-incidents::{ACCOUNT}:response-plan/Gone"]}, {},
         "a response plan that was not adopted"),
        ({"ComparisonOperator": "LessThanLowerThreshold"}, {}, "its comparison "
         "'LessThanLowerThreshold' is not expressed"),
        ({"WarmUpConfiguration": {"WarmUpPeriodDurationInMinutes": 10}}, {}, "it has a warm-up "
         "period, which provider 5.100.0 cannot express (an edit would drop it)"),
        ({"EvaluationWindow": {"WallClockWindow": {"Timezone": "Europe/Berlin"}},
          "ActionConfiguration": {"AlarmTagsPropagation": {"Enabled": True}}}, {},
         "it has a wall clock evaluation window, alarm tag propagation, which provider"),
    ],
)  # fmt: skip
def test_alarms_left_out(changes: dict[str, Any], tags: dict[str, str], reason: str) -> None:
    result = _one(_alarm(**changes), tags)
    assert result.entries == [] and result.imports == {}
    (line,) = result.report
    assert reason in line and line.startswith("alarm 'cpu' (us-east-1): ")


def test_newer_alarm_settings_at_their_defaults_do_not_stop_adoption() -> None:
    defaults = {
        "EvaluationWindow": {"SlidingWindow": {}},
        "WarmUpConfiguration": {"WarmUpPeriodDurationInMinutes": 0},
        "ActionConfiguration": {"AlarmTagsPropagation": {"Enabled": False}},
    }
    result = _one(_alarm(**defaults))
    assert [e["name"] for e in result.entries] == ["cpu"] and result.report == []


def test_alarm_defaults_are_not_written_and_aws_tags_are_dropped() -> None:
    alarm = _alarm(
        TreatMissingData="missing",
        # Meaningless for a non-percentile statistic; the provider keeps it as computed.
        EvaluateLowSampleCountPercentile="",
        Threshold=0.75,
    )
    result = _one(alarm, {"team": "sre", "aws:createdBy": "console"})
    (entry,) = result.entries
    assert entry == {
        "name": "cpu",
        "response_plan": "EC2HighCPU",
        "metric": {
            "namespace": "AWS/EC2",
            "name": "CPUUtilization",
            "statistic": "Average",
            "period_seconds": 300,
        },
        "comparison": "GreaterThanThreshold",
        "threshold": 0.75,
        "evaluation_periods": 1,
        "tags": {"team": "sre"},
    }
    assert result.imports == {"us-east-1": ["cpu"]}


def test_actions_disabled_is_written() -> None:
    (entry,) = _one(_alarm(ActionsEnabled=False)).entries
    assert entry["actions_enabled"] is False


def _topic(**attributes: str) -> LiveTopic:
    return LiveTopic(TOPIC, attributes={"Policy": POLICY, "TopicArn": TOPIC, **attributes})


@pytest.mark.parametrize(
    ("attributes", "words"),
    [
        ({"SignatureVersion": "2"}, "signature version 2"),
        ({"LambdaFailureFeedbackRoleArn": "arn:aws:iam::111122223333:role/f"},
         "delivery status logging"),
        ({"ArchivePolicy": '{"MessageRetentionPeriod": "30"}'}, "a message archive policy"),
    ],
)  # fmt: skip
def test_topic_settings_without_a_field(attributes: dict[str, str], words: str) -> None:
    result = adopt_topics([_topic(**attributes)], "acme")
    assert result.entries == [] and result.names == {}
    (line,) = result.report
    assert f"cannot express: {words}" in line


def test_default_values_do_not_stop_a_topic_from_being_managed() -> None:
    topic = _topic(
        SignatureVersion="1",
        TracingConfig="PassThrough",
        FifoTopic="false",
        DeliveryPolicy="",
        KmsMasterKeyId=KEY,
    )
    topic.tags = {"aws:cloudformation:logical-id": "x", "team": "sre"}
    result = adopt_topics([topic], "acme")
    assert result.entries == [
        {
            "name": "updates",
            "encryption_key": KEY,
            "policy": "stacks/policies/acme/updates.topic-policy.json",
            "tags": {"team": "sre"},
        }
    ]
    assert result.imports == {"updates": TOPIC}
    assert result.files["stacks/policies/acme/updates.topic-policy.json"].endswith("}\n")


def test_a_log_alarm_opening_incidents_is_reported() -> None:
    live = LiveAlarms("us-east-1", log_alarms=[{"AlarmName": "errors", "AlarmActions": [PLAN]}])
    result = adopt_alarms([live], ACCOUNT, "us-east-1", PLANS)
    assert result.entries == []
    assert result.report == [
        "alarm 'errors' (us-east-1): a log alarm (a scheduled Logs Insights query), which "
        "provider 5.100.0 has no resource for; left out, not managed (it stays as it is and "
        "keeps opening incidents)"
    ]
