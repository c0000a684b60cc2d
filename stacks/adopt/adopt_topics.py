"""Which of the response plans' SNS topics the environment can manage, and their ``topics:``
entries. A topic is managed only when importing it changes nothing; otherwise it stays an ARN
in the response plans and the report says why. Subscriptions are never read or managed."""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from typing import Any

from stacks.adopt.read_topics_alarms import LiveTopic
from stacks.config.policy_files import POLICIES_DIR, policy_file_text

Json = dict[str, Any]
CLOUDFORMATION_TAG = "aws:cloudformation:stack-name"
# Topic attributes the environment file cannot express. hashicorp/aws 5.100.0 reads each into
# aws_sns_topic; left out of the configuration, the optional ones show as a change after import
# (the feedback settings, delivery and archive policies, FIFO) and the computed ones would be
# kept but not described (tracing, signature version, FIFO throughput scope).
UNEXPRESSED = {
    "DeliveryPolicy": "a delivery policy (retries of HTTP/S deliveries)",
    "FifoTopic": "FIFO ordering",
    "ContentBasedDeduplication": "content-based deduplication",
    "ArchivePolicy": "a message archive policy",
    "FifoThroughputScope": "a FIFO throughput scope",
    "TracingConfig": "active X-Ray tracing",
    "SignatureVersion": "signature version 2",
    **{
        f"{protocol}{kind}": "delivery status logging (feedback roles, sample rates)"
        for protocol in ("Application", "Firehose", "HTTP", "Lambda", "SQS")
        for kind in (
            "SuccessFeedbackRoleArn",
            "FailureFeedbackRoleArn",
            "SuccessFeedbackSampleRate",
        )
    },
}
# The values AWS reports for a topic that has none of the setting.
DEFAULTS = {
    "FifoTopic": "false",
    "ContentBasedDeduplication": "false",
    "TracingConfig": "PassThrough",
    "SignatureVersion": "1",
}
# A principal given as an account ID, an ARN or "*"; anything else is a unique ID (AIDA...,
# AROA...) that IAM shows once the user or role named in the policy has been deleted.
VALID_PRINCIPAL = re.compile(r"\*|[0-9]{12}|arn:aws[a-z-]*:.+")


@dataclass
class TopicAdoption:
    """The ``topics:`` entries, the policy files, the import IDs and the report."""

    entries: list[Json] = field(default_factory=list)
    # Topic ARN -> name, for the topics the environment manages.
    names: dict[str, str] = field(default_factory=dict)
    files: dict[str, str] = field(default_factory=dict)
    imports: dict[str, str] = field(default_factory=dict)
    report: list[str] = field(default_factory=list)


def policy_path(environment: str, topic: str) -> str:
    return str(POLICIES_DIR / environment / f"{topic}.topic-policy.json")


def _unexpressed(attributes: dict[str, str], data_protection_policy: str) -> list[str]:
    settings = {
        words
        for name, words in UNEXPRESSED.items()
        if attributes.get(name, "").strip() not in ("", DEFAULTS.get(name, ""))
    }
    if data_protection_policy.strip():
        settings.add("a data protection policy")
    return sorted(settings)


def _unique_id_principals(policy: Any) -> list[str]:
    """Principals the provider would wait on for ever: unique IDs of deleted users or roles."""
    found: set[str] = set()
    statements = policy.get("Statement", []) if isinstance(policy, dict) else []
    for statement in statements if isinstance(statements, list) else [statements]:
        principal = statement.get("Principal") if isinstance(statement, dict) else None
        aws = principal.get("AWS", []) if isinstance(principal, dict) else []
        for value in aws if isinstance(aws, list) else [aws]:
            if isinstance(value, str) and not VALID_PRINCIPAL.fullmatch(value):
                found.add(value)
    return sorted(found)


def _why_not(topic: LiveTopic, policy: Any) -> str | None:
    """Why the environment cannot manage ``topic`` without changing it, or None."""
    if topic.unread is not None:
        return topic.unread
    stack = topic.tags.get(CLOUDFORMATION_TAG)
    if stack:
        return (
            f"managed by CloudFormation stack {stack!r}; managing it from two places would make "
            "them undo each other's changes"
        )
    settings = _unexpressed(topic.attributes, topic.data_protection_policy)
    if settings:
        return f"it has settings the environment file cannot express: {', '.join(settings)}"
    if not isinstance(policy, dict):
        return "its policy could not be read as JSON"
    principals = _unique_id_principals(policy)
    if principals:
        return (
            f"its policy names deleted IAM principals by unique ID ({', '.join(principals)}); "
            "the provider waits for them to become ARNs and fails. Remove those statements, "
            "then adopt again"
        )
    return None


def adopt_topics(topics: list[LiveTopic], environment: str) -> TopicAdoption:
    """Decide for each topic; entries in topic-name order."""
    result = TopicAdoption()
    managed = []
    for topic in topics:
        policy_text = topic.attributes.get("Policy", "")
        try:
            policy = json.loads(policy_text) if policy_text else None
        except json.JSONDecodeError:
            policy = None
        reason = _why_not(topic, policy)
        if reason is not None:
            result.report.append(
                f"topic {topic.arn}: {reason}; left as an ARN in the response plans, not "
                "managed (it stays as it is)"
            )
            continue
        managed.append((topic, policy))
    for topic, policy in sorted(managed, key=lambda item: item[0].arn.rsplit(":", 1)[1]):
        name = topic.arn.rsplit(":", 1)[1]
        entry: Json = {"name": name}
        if topic.attributes.get("DisplayName"):
            entry["display_name"] = topic.attributes["DisplayName"]
        # The key exactly as the topic holds it (ARN, alias or key ID): any other spelling of
        # the same key shows as a change.
        entry["encryption_key"] = topic.attributes.get("KmsMasterKeyId") or "none"
        path = policy_path(environment, name)
        entry["policy"] = path
        result.files[path] = policy_file_text(policy)
        tags = {k: v for k, v in topic.tags.items() if not k.startswith("aws:")}
        if tags:
            entry["tags"] = dict(sorted(tags.items()))
        result.entries.append(entry)
        result.names[topic.arn] = name
        result.imports[name] = topic.arn
    if result.entries:
        result.report.append(
            "topics: adopted without their subscriptions, which this project never reads or "
            "changes (who receives the messages stays as it is); removing a topic from the "
            "environment file would delete it, and its subscriptions with it"
        )
    return result
