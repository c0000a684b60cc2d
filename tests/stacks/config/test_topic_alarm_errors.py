"""Mistakes in the topic and alarm settings adoption writes (topic policy files, existing
keys, alarm regions and actions, statistics), each with file, line, field and what is
allowed."""

from __future__ import annotations

from pathlib import Path

import pytest

from stacks.config.config_errors import ConfigError
from stacks.config.environment_loader import load_environments
from tests.stacks.environment_files import MINIMAL, project_with

FILE = "stacks/environments/broken.yaml"
TWO_REGIONS = MINIMAL.replace("regions: [us-east-1]", "regions: [us-east-1, us-west-2]")
PLAN = """\
response_plans:
  - name: P
    incident: {title: t, impact: low}
"""
# Line 18 is the first alarm's "- name"; its last line (threshold) is 22.
ALARM = """\
alarms:
  - name: cpu
    response_plan: P
    metric: {namespace: AWS/EC2, name: CPUUtilization}
    comparison: GreaterThanThreshold
    threshold: 85
"""


def problems_of(tmp_path: Path, text: str, files: dict[str, str] | None = None) -> list[str]:
    root = project_with(tmp_path, text)
    for relative, content in (files or {}).items():
        (root / relative).parent.mkdir(parents=True, exist_ok=True)
        (root / relative).write_text(content, encoding="utf-8")
    with pytest.raises(ConfigError) as error:
        load_environments(root)
    return [str(p) for p in error.value.problems]


def test_an_alarm_region_outside_the_replication_set(tmp_path: Path) -> None:
    text = MINIMAL + PLAN + ALARM + "    region: us-west-2\n"
    assert problems_of(tmp_path, text) == [
        f"{FILE}:23: alarms[0].region: 'us-west-2' is not in replication_set.regions "
        "(us-east-1); an alarm that opens incidents lives in a region of the replication set"
    ]


def test_an_alarm_region_that_is_no_region(tmp_path: Path) -> None:
    text = TWO_REGIONS + PLAN + ALARM + "    region: us-west-9\n"
    (problem,) = problems_of(tmp_path, text)
    assert problem.startswith(f"{FILE}:23: alarms[0].region: 'us-west-9' is not an AWS region")


def test_alarm_names_are_unique_per_region(tmp_path: Path) -> None:
    twice = ALARM.replace("alarms:\n", "")
    text = TWO_REGIONS + PLAN + ALARM + twice + twice + "    region: us-west-2\n"
    assert problems_of(tmp_path, text) == [
        f"{FILE}:23: alarms[1].name: 'cpu' is used twice in us-east-1; alarm names are unique "
        "per region (first at alarms[0].name, line 18)"
    ]


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (None, "'stacks/policies/broken/chat.json' does not exist (a JSON policy file, "
         "relative to the repository root)"),
        ('{"Statement": [}', "'stacks/policies/broken/chat.json' is not JSON: Expecting value "
         "at line 1 column 16"),
        ('["Statement"]', "'stacks/policies/broken/chat.json' is not a policy document: a JSON "
         'object with a Statement (e.g. {"Version": "2012-10-17", "Statement": [...]})'),
    ],
)  # fmt: skip
def test_a_topic_policy_file_missing_or_not_a_policy(
    tmp_path: Path, content: str | None, message: str
) -> None:
    relative = "stacks/policies/broken/chat.json"
    text = MINIMAL + f"topics:\n  - name: chat\n    policy: {relative}\n"
    files = {relative: content} if content is not None else {}
    assert problems_of(tmp_path, text, files) == [f"{FILE}:16: topics[0].policy: {message}"]


def test_a_topic_policy_outside_the_repository(tmp_path: Path) -> None:
    text = MINIMAL + "topics:\n  - name: chat\n    policy: ../policy.json\n"
    (problem,) = problems_of(tmp_path, text)
    assert problem.startswith(
        f"{FILE}:16: topics[0].policy: '../policy.json' is outside the repository"
    )


def test_an_encryption_key_that_is_no_key_reference(tmp_path: Path) -> None:
    text = MINIMAL + "topics:\n  - name: chat\n    encryption_key: my-key\n"
    assert problems_of(tmp_path, text) == [
        f"{FILE}:16: topics[0].encryption_key: 'my-key' is not a KMS key reference: give a key "
        "ARN, an alias (alias/name or its ARN), a key ID, or none for an unencrypted topic"
    ]


def test_every_key_reference_sns_takes_is_accepted(tmp_path: Path) -> None:
    keys = [
        "none",
        "alias/incident-topics",
        "1234abcd-12ab-34cd-56ef-1234567890ab",
        "mrk-1234abcd12ab34cd56ef1234567890ab",
        "arn:aws:kms:us-east-1:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab",
        "arn:aws:kms:us-east-1:111122223333:alias/incident-topics",
    ]
    topics = "".join(f"  - name: t{i}\n    encryption_key: {key}\n" for i, key in enumerate(keys))
    (environment,) = load_environments(project_with(tmp_path, MINIMAL + "topics:\n" + topics))
    assert [t.encryption_key for t in environment.config.topics] == keys


@pytest.mark.parametrize(
    ("setting", "line", "message"),
    [
        ("statistic: p999", 20, "alarms[0].metric.statistic: 'p999' is not a statistic: "
         "SampleCount, Average, Sum, Minimum, Maximum, or a percentile p0 to p100 with up to two "
         "decimals (p90, p99, p99.9)"),
        ("unit: Percentage", 20, "alarms[0].metric.unit: 'Percentage' is not allowed; did you "
         "mean 'Percent'?; allowed: Seconds, Microseconds"),
    ],
)  # fmt: skip
def test_metric_statistic_and_unit(tmp_path: Path, setting: str, line: int, message: str) -> None:
    text = (
        MINIMAL
        + PLAN
        + ALARM.replace("name: CPUUtilization}", f"name: CPUUtilization, {setting}}}")
    )
    (problem,) = problems_of(tmp_path, text)
    assert problem.startswith(f"{FILE}:{line}: {message}")


def test_low_sample_percentiles_need_a_percentile(tmp_path: Path) -> None:
    text = MINIMAL + PLAN + ALARM + "    evaluate_low_sample_count_percentiles: ignore\n"
    assert problems_of(tmp_path, text) == [
        f"{FILE}:23: alarms[0].evaluate_low_sample_count_percentiles: applies to percentile "
        "statistics only (statistic is 'Average')"
    ]


def test_alarm_actions_name_topics_of_the_alarm_region_or_arns(tmp_path: Path) -> None:
    plan_arn = "arn:aws:ssm-incidents::111122223333:response-plan/P"
    text = (
        TWO_REGIONS
        + "topics:\n  - name: ops\n"
        + PLAN
        + ALARM
        + "    alarm_actions: [opz, 'not-an:arn']\n"
        + "    ok_actions:\n"
        + "      - arn:aws:sns:us-east-1:111122223333:ops\n"
        + "      - arn:aws:sns:us-east-1:111122223333:ops\n"
        + ALARM.replace("alarms:\n", "")
        + "    region: us-west-2\n"
        + f"    alarm_actions: [ops, '{plan_arn}']\n"
    )
    assert problems_of(tmp_path, text) == [
        f"{FILE}:25: alarms[0].alarm_actions[0]: unknown topic 'opz'; did you mean 'ops'? "
        "(defined: ops); or give an action ARN",
        f"{FILE}:25: alarms[0].alarm_actions[1]: unknown topic 'not-an:arn' (defined: ops); or "
        "give an action ARN",
        f"{FILE}:28: alarms[0].ok_actions[1]: 'arn:aws:sns:us-east-1:111122223333:ops' is "
        "listed twice; each action once",
        f"{FILE}:35: alarms[1].alarm_actions[0]: topic 'ops' is in us-east-1, and this alarm in "
        "us-west-2; CloudWatch notifies topics of the alarm's own region (give that topic's ARN)",
        f"{FILE}:35: alarms[1].alarm_actions[1]: a response plan ARN; name the plan in "
        "response_plan (an alarm opens incidents with one response plan)",
    ]


def test_at_most_four_alarm_actions_besides_the_incident(tmp_path: Path) -> None:
    arns = "".join(f"      - arn:aws:sns:us-east-1:111122223333:t{i}\n" for i in range(5))
    text = MINIMAL + PLAN + ALARM + "    alarm_actions:\n" + arns
    assert problems_of(tmp_path, text) == [
        f"{FILE}:23: alarms[0].alarm_actions: has 5 entries; at most 4 are allowed (CloudWatch "
        "takes 5 alarm actions, and opening the incident is one)"
    ]
