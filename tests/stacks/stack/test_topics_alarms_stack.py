"""The stack's adopted topics (existing key, own policy file) and alarms in another region of
the replication set, on that region's aliased provider."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from stacks.config.environment_loader import load_environments
from stacks.stack.synthesize import synthesize
from tests.stacks.environment_files import project_with

KEY = "arn:aws:kms:us-east-1:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab"
TEXT = f"""\
account_id: "111122223333"
region: us-east-1
replication_set:
  regions: [us-east-1, us-west-2]
  encryption: create-keys
topics:
  - name: chat
    display_name: Incident chat
    encryption_key: {KEY}
    policy: stacks/policies/acme/chat.topic-policy.json
  - name: notify
    encryption_key: none
response_plans:
  - name: P
    incident: {{title: t, impact: low, notify: [notify]}}
    chat_channels: [chat]
alarms:
  - name: cpu
    response_plan: P
    metric: {{namespace: AWS/EC2, name: CPUUtilization}}
    comparison: GreaterThanThreshold
    threshold: 85
    alarm_actions: [notify]
  - name: cpu
    region: us-west-2
    response_plan: P
    metric: {{namespace: AWS/EC2, name: CPUUtilization, statistic: p99, unit: Percent}}
    comparison: GreaterThanThreshold
    threshold: 90
    ok_actions: ['arn:aws:sns:us-west-2:111122223333:ops']
    actions_enabled: false
"""
POLICY = {
    "Version": "2008-10-17",
    "Statement": [
        {
            "Sid": "IncidentManager",
            "Effect": "Allow",
            "Principal": {"Service": "ssm-incidents.amazonaws.com"},
            "Action": "SNS:Publish",
            "Resource": "arn:aws:sns:us-east-1:111122223333:chat",
        }
    ],
}


def _stack(tmp_path: Path) -> Any:
    root = project_with(tmp_path, TEXT, name="acme")
    policy = root / "stacks/policies/acme/chat.topic-policy.json"
    policy.parent.mkdir(parents=True)
    policy.write_text(json.dumps(POLICY), encoding="utf-8")
    synthesize(load_environments(root), root, root / "cdktf.out")
    return json.loads((root / "cdktf.out/stacks/incident-manager-acme/cdk.tf.json").read_text())


def test_adopted_topics_and_an_alarm_in_each_region(tmp_path: Path) -> None:
    stack = _stack(tmp_path)
    resource = stack["resource"]
    # Only the replication set's own keys: the topics use an existing key and none.
    assert len(resource["aws_kms_key"]) == 1 and len(resource["aws_kms_replica_key"]) == 1
    topics = {t["name"]: t for t in resource["aws_sns_topic"].values()}
    assert topics["chat"]["kms_master_key_id"] == KEY
    assert topics["chat"]["display_name"] == "Incident chat"
    assert "kms_master_key_id" not in topics["notify"]
    policies = [json.loads(p["policy"]) for p in resource["aws_sns_topic_policy"].values()]
    assert POLICY in policies
    # One aliased provider for us-west-2, shared by the replica key and the alarm.
    providers = stack["provider"]["aws"]
    assert [p.get("alias") for p in providers] == [None, "us-west-2"]
    alarms = {
        a.get("provider", "default"): a for a in resource["aws_cloudwatch_metric_alarm"].values()
    }
    east, west = alarms["default"], alarms["aws.us-west-2"]
    assert (east["alarm_name"], west["alarm_name"]) == ("cpu", "cpu")
    assert len(east["alarm_actions"]) == 2 and "aws_sns_topic" in east["alarm_actions"][1]
    assert (west["extended_statistic"], west["unit"]) == ("p99", "Percent")
    assert west["ok_actions"] == ["arn:aws:sns:us-west-2:111122223333:ops"]
    assert west["actions_enabled"] is False
