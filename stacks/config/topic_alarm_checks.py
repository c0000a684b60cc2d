"""Checks across an environment for topics and alarms: topic policy files, alarm regions and
the topics and ARNs alarm actions name. Each problem is a location in the file and a sentence,
like ``environment_checks`` (which runs these)."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

from stacks.config.config_errors import Loc, Repeated, did_you_mean, one_of
from stacks.config.environment_config import PERCENTILE_PATTERN, AlarmConfig, EnvironmentConfig
from stacks.config.policy_files import policy_file_problem

Problem = tuple[Loc, str]
# CloudWatch: at most 5 ARNs per action list; opening the incident is one of the alarm actions.
MAX_ACTIONS = 5
ACTION_ARN = re.compile(r"arn:aws[a-z-]*:[a-z0-9-]+:[a-z0-9-]*:[a-z0-9]*:.+")
RESPONSE_PLAN_ARN = re.compile(r"arn:aws[a-z-]*:ssm-incidents::[0-9]{12}:response-plan/.+")


def check_topics(config: EnvironmentConfig, project_root: Path) -> Iterator[Problem]:
    for index, topic in enumerate(config.topics):
        if topic.policy is None:
            continue
        problem = policy_file_problem(
            project_root, topic.policy, "stacks/policies/<env>/<topic>.topic-policy.json"
        )
        if problem:
            yield ("topics", index, "policy"), problem


def alarm_region(config: EnvironmentConfig, alarm: AlarmConfig) -> str:
    return alarm.region or config.region


def check_alarms_placement(config: EnvironmentConfig) -> Iterator[Problem]:
    """Regions, names unique per region, actions and percentile settings."""
    regions = config.replication_set.regions
    first: dict[tuple[str, str], int] = {}
    for index, alarm in enumerate(config.alarms):
        region = alarm_region(config, alarm)
        if alarm.region is not None and alarm.region not in regions:
            yield (
                ("alarms", index, "region"),
                f"{alarm.region!r} is not in replication_set.regions ({', '.join(regions)}); "
                "an alarm that opens incidents lives in a region of the replication set",
            )
        key = (region, alarm.name)
        if key in first:
            yield (
                ("alarms", index, "name"),
                Repeated(
                    f"{alarm.name!r} is used twice in {region}; alarm names are unique per region",
                    ("alarms", first[key], "name"),
                ),
            )
        first.setdefault(key, index)
        yield from _actions(config, index, alarm)
        low_samples = alarm.evaluate_low_sample_count_percentiles
        if low_samples and not re.fullmatch(PERCENTILE_PATTERN, alarm.metric.statistic):
            yield (
                ("alarms", index, "evaluate_low_sample_count_percentiles"),
                f"applies to percentile statistics only (statistic is {alarm.metric.statistic!r})",
            )


def _actions(config: EnvironmentConfig, index: int, alarm: AlarmConfig) -> Iterator[Problem]:
    topics = [t.name for t in config.topics]
    region = alarm_region(config, alarm)
    if len(alarm.alarm_actions) > MAX_ACTIONS - 1:
        yield (
            ("alarms", index, "alarm_actions"),
            f"has {len(alarm.alarm_actions)} entries; at most {MAX_ACTIONS - 1} are allowed "
            f"(CloudWatch takes {MAX_ACTIONS} alarm actions, and opening the incident is one)",
        )
    for section in ("alarm_actions", "ok_actions", "insufficient_data_actions"):
        seen: set[str] = set()
        for position, action in enumerate(getattr(alarm, section)):
            loc: Loc = ("alarms", index, section, position)
            if action in seen:
                yield loc, f"{action!r} is listed twice; each action once"
            seen.add(action)
            if action.startswith("arn:"):
                if RESPONSE_PLAN_ARN.fullmatch(action):
                    yield (
                        loc,
                        "a response plan ARN; name the plan in response_plan (an alarm opens "
                        "incidents with one response plan)",
                    )
                elif not ACTION_ARN.fullmatch(action):
                    yield loc, f"{action!r} is not an ARN"
                continue
            if action not in topics:
                yield (
                    loc,
                    f"unknown topic {action!r}{did_you_mean(action, topics)} (defined: "
                    f"{one_of(topics)}); or give an action ARN",
                )
            elif region != config.region:
                yield (
                    loc,
                    f"topic {action!r} is in {config.region}, and this alarm in {region}; "
                    "CloudWatch notifies topics of the alarm's own region (give that topic's ARN)",
                )
