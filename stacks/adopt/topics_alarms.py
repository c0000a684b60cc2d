"""Adoption of the response plans' SNS topics and of the alarms that open incidents, added to
what ``build_adoption`` wrote: ``topics:`` and ``alarms:`` entries, the topic policy files,
their import IDs, managed topics named in the response plans instead of their ARNs, and the
report of what stays unmanaged."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from stacks.adopt.adopt_alarms import adopt_alarms
from stacks.adopt.adopt_topics import adopt_topics
from stacks.adopt.read_account import LiveAccount
from stacks.adopt.read_topics_alarms import (
    LiveAlarms,
    LiveTopic,
    RegionalClientFactory,
    read_alarms,
    read_topics,
    response_plan_topics,
)
from stacks.adopt.write_environment import Adoption

Json = dict[str, Any]


@dataclass
class LiveTopicsAlarms:
    """What ``read_topics_and_alarms`` read."""

    topics: list[LiveTopic]
    alarms: list[LiveAlarms]


def read_topics_and_alarms(
    client: RegionalClientFactory, account: LiveAccount, account_id: str, region: str
) -> LiveTopicsAlarms:
    """The response plans' topics (those of ``region`` and ``account_id`` read), and the
    alarms of every region of the replication set."""
    topics = read_topics(client, response_plan_topics(account), account_id, region)
    regions = sorted(account.replication_set.get("regionMap", {})) or [region]
    return LiveTopicsAlarms(topics, read_alarms(client, regions, account_id))


def _with_section(
    environment: Json, key: str, value: Json | list[Any], before: tuple[str, ...]
) -> Json:
    """``environment`` with ``key`` inserted before the first of ``before`` present (else at
    the end): the file reads in dependency order."""
    result: Json = {}
    for existing, content in environment.items():
        if existing in before and key not in result:
            result[key] = value
        result[existing] = content
    result.setdefault(key, value)
    return result


def add_topics_and_alarms(
    adoption: Adoption, live: LiveTopicsAlarms, environment: str, account_id: str, region: str
) -> None:
    """Add the topics and alarms the file can express to ``adoption``; report the others."""
    topics = adopt_topics(live.topics, environment)
    env = adoption.environment
    for plan in env.get("response_plans", []):
        if "chat_channels" in plan:
            plan["chat_channels"] = [topics.names.get(a, a) for a in plan["chat_channels"]]
        incident = plan.get("incident", {})
        if "notify" in incident:
            incident["notify"] = [topics.names.get(a, a) for a in incident["notify"]]
    if topics.entries:
        env = _with_section(env, "topics", topics.entries, ("runbooks", "response_plans", "alarms"))
        adoption.imports["topics"] = topics.imports
    adoption.files.update(topics.files)
    adoption.report.extend(topics.report)
    plans = dict(adoption.imports.get("response_plans", {}))
    alarms = adopt_alarms(
        live.alarms, account_id, region, {arn: name for name, arn in plans.items()}
    )
    if alarms.entries:
        env = _with_section(env, "alarms", alarms.entries, ())
        adoption.imports["alarms"] = alarms.imports
    adoption.report.extend(alarms.report)
    adoption.environment = env
