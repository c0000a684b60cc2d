"""Adopt the SNS topics response plans use and the CloudWatch alarms that open incidents, from
the local server: what the file can express is managed (test_make_adopt.py's account holds these
topics and alarms: its first plan only imports them, and an everyday edit of each applies in
place); the rest stays as it is and is reported."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from local_aws.console_setup import add_cpu_alarm, build_blog_walkthrough
from stacks.adopt.command import adopt
from stacks.config.environment_loader import load_environment
from tests.stacks.adopt.topics_alarms_setup import (
    ACCOUNT,
    add_alarms_adoption_cannot_express,
    add_database_plan_with_topics,
    add_second_region_with_alarm,
    add_topics_adoption_cannot_manage,
    add_what_adoption_leaves_alone,
)

ENV_FILE = "stacks/environments/acme.yaml"
CHAT_POLICY = "stacks/policies/acme/incident-chat.topic-policy.json"
UPDATES_POLICY = "stacks/policies/acme/incident-updates.topic-policy.json"


def _setup(aws: Any) -> dict[str, str]:
    """The walkthrough, its CPU alarm, DatabaseDown with its two topics, a second region with a
    percentile alarm, and what adoption leaves alone."""
    arns = build_blog_walkthrough(aws)
    add_cpu_alarm(aws, ACCOUNT)
    database = add_database_plan_with_topics(aws, arns["plan"])
    add_second_region_with_alarm(aws)
    left = add_what_adoption_leaves_alone(aws, database["plan"])
    return {**arns, **{f"db_{k}": v for k, v in database.items()}, **left}


def test_topics_and_alarms_written_and_what_cannot_be_expressed_reported(
    aws: Any, account_env: None, tmp_path: Path
) -> None:
    arns = _setup(aws)
    odd = add_topics_adoption_cannot_manage(aws)
    add_alarms_adoption_cannot_express(aws)
    adoption = adopt("acme", "us-east-1", None, tmp_path)
    config = load_environment(tmp_path / ENV_FILE, tmp_path).config

    chat, updates = config.topics
    assert (chat.name, chat.display_name, chat.encryption_key, chat.policy, chat.tags) == (
        "incident-chat",
        None,
        "alias/incident-topics",
        CHAT_POLICY,
        {},
    )
    assert (updates.name, updates.display_name, updates.encryption_key, updates.tags) == (
        "incident-updates",
        "Incident updates",
        "none",
        {"team": "dba"},
    )
    # Each policy file holds what AWS holds, as JSON.
    for topic, arn in ((chat, arns["db_chat"]), (updates, arns["db_notify"])):
        live = aws("sns").get_topic_attributes(TopicArn=arn)["Attributes"]["Policy"]
        assert json.loads((tmp_path / str(topic.policy)).read_text()) == json.loads(live)
    plans = {p.name: p for p in config.response_plans}
    # Managed topics by name; the CloudFormation topic stays an ARN.
    assert plans["DatabaseDown"].chat_channels == ["incident-chat"]
    assert plans["DatabaseDown"].incident.notify == ["incident-updates", arns["pager"]]
    assert plans["OddTopics"].incident.notify == list(odd.values())

    cpu, latency = config.alarms
    assert (cpu.name, cpu.region, cpu.response_plan, cpu.threshold) == (
        "EC2 high CPU",
        None,
        "EC2HighCPU",
        85,
    )
    assert (cpu.metric.namespace, cpu.metric.name, cpu.metric.statistic) == (
        "AWS/EC2",
        "CPUUtilization",
        "Average",
    )
    assert cpu.metric.dimensions == {"InstanceId": "i-0123456789abcdef0"}
    assert (cpu.datapoints_to_alarm, cpu.treat_missing_data, cpu.actions_enabled) == (
        1,
        "missing",
        True,
    )
    assert (latency.name, latency.region, latency.metric.statistic, latency.metric.unit) == (
        "api-latency-p99",
        "us-west-2",
        "p99",
        "Seconds",
    )
    ops = f"arn:aws:sns:us-west-2:{ACCOUNT}:ops-west"
    assert (latency.alarm_actions, latency.ok_actions, latency.tags) == (
        [ops],
        [ops],
        {"team": "api"},
    )
    assert (latency.evaluate_low_sample_count_percentiles, latency.treat_missing_data) == (
        "ignore",
        "notBreaching",
    )
    assert (latency.datapoints_to_alarm, latency.evaluation_periods) == (2, 3)

    imports = json.loads((tmp_path / "stacks/adopted/acme.imports.json").read_text())
    assert imports["topics"] == {
        "incident-chat": arns["db_chat"],
        "incident-updates": arns["db_notify"],
    }
    assert imports["alarms"] == {"us-east-1": ["EC2 high CPU"], "us-west-2": ["api-latency-p99"]}

    report = "\n".join(adoption.report)
    expected = [
        f"topic {odd['west']}: a topic of region us-west-2; left as an ARN",
        f"topic {odd['partner']}: a topic of account 210987654321; left as an ARN",
        f"topic {odd['gone']}: does not exist (deleted after the response plan was saved?)",
        f"topic {odd['delivery']}: it has settings the environment file cannot express: a "
        "delivery policy",
        f"topic {odd['fifo']}: it has settings the environment file cannot express: FIFO ordering",
        f"topic {odd['traced']}: it has settings the environment file cannot express: active "
        "X-Ray tracing",
        f"topic {odd['protected']}: it has settings the environment file cannot express: a "
        "data protection policy",
        f"topic {odd['orphaned']}: its policy names deleted IAM principals by unique ID "
        "(AROAEXAMPLEUNIQUEID01)",
        f"topic {arns['pager']}: managed by CloudFormation stack 'monitoring'",
        "topics: adopted without their subscriptions, which this project never reads or changes",
        "alarm 'cpu-sum-of-two' (us-east-1): a metric math alarm",
        "alarm 'cpu-anomaly' (us-east-1): an anomaly detection alarm",
        "alarm 'disk-full' (us-east-1): its actions open incidents with several response plans "
        "(EC2HighCPU, DatabaseDown)",
        "alarm 'cpu-api-spelling' (us-east-1): its action "
        f"arn:aws:ssm-incidents::{ACCOUNT}:responseplan/EC2HighCPU spells the response plan "
        "differently",
        "alarm 'cpu-and-database' (us-east-1): a composite alarm (rule 'ALARM(\"EC2 high CPU\") "
        'AND ALARM("cpu-sum-of-two")\')',
    ]
    for line in expected:
        assert line in report, line
    left_out = [line for line in adoption.report if line.startswith(("topic ", "alarm "))]
    assert len(left_out) == len(expected) - 1  # every other line is one of the above
    assert all("left" in line for line in left_out)
    assert (tmp_path / "stacks/adopted/acme.report.txt").read_text().count("\n- ") == len(
        adoption.report
    ) - 1
    # Deterministic: adopting again writes the same bytes, policy files included.
    written = {p: p.read_bytes() for p in (tmp_path / "stacks").rglob("*") if p.is_file()}
    assert tmp_path / CHAT_POLICY in written
    adopt("acme", "us-east-1", None, tmp_path, force=True)
    assert {p: p.read_bytes() for p in written} == written
