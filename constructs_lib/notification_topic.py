"""An encrypted SNS topic Incident Manager publishes to: a chat channel or a notification."""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass, field

from constructs import Construct

from constructs_lib.aws import KmsKey, SnsTopic, SnsTopicPolicy
from constructs_lib.key_policy import service_key_policy


def notification_key_policy(account_id: str) -> str:
    """The account administers the key; Incident Manager (of this account) may encrypt with it,
    which publishing to an encrypted topic needs."""
    return service_key_policy(
        account_id,
        "IncidentManagerPublishesEncrypted",
        "ssm-incidents.amazonaws.com",
        ["kms:Decrypt", "kms:GenerateDataKey*"],
    )


class NotificationKey(Construct):
    """A rotating KMS key for notification topics. The AWS managed ``alias/aws/sns`` key cannot
    be used: service principals such as Incident Manager may not use AWS managed keys."""

    def __init__(self, scope: Construct, id: str, *, account_id: str) -> None:
        super().__init__(scope, id)
        self.resource = KmsKey(
            self,
            "Resource",
            description="Incident Manager notification topics",
            enable_key_rotation=True,
            policy=notification_key_policy(account_id),
        )

    @property
    def key_arn(self) -> str:
        return self.resource.arn


@dataclass(frozen=True)
class ExistingKey:
    """A KMS key managed elsewhere, named as the topic holds it: a key ARN, key ID, alias name
    (``alias/...``) or alias ARN. Only referred to: the stack neither creates nor changes it."""

    key_id: str


@dataclass(frozen=True)
class Unencrypted:
    """No server-side encryption (an existing topic adopted as it is)."""


TopicEncryption = NotificationKey | ExistingKey | Unencrypted


@dataclass(frozen=True)
class NotificationTopicProps:
    """Props of ``NotificationTopic``.

    Without ``encryption_key`` the topic gets its own key; without ``policy`` (a policy
    document as JSON text) it gets one that lets Incident Manager of ``account_id`` publish.
    """

    name: str
    account_id: str
    encryption_key: TopicEncryption | None = None
    display_name: str | None = None
    policy: str | None = None
    tags: Mapping[str, str] = field(default_factory=dict)


class NotificationTopic(Construct):
    """Creates an encrypted SNS topic whose policy lets Incident Manager (from this account only)
    publish: Incident Manager sends a test message when a response plan is saved and refuses a
    topic it cannot publish to. An adopted topic keeps its own key and policy instead."""

    def __init__(self, scope: Construct, id: str, props: NotificationTopicProps) -> None:
        super().__init__(scope, id)
        self.props = props
        key = props.encryption_key or NotificationKey(self, "Key", account_id=props.account_id)
        # The key this construct or a sibling created (None for an existing key or none).
        self.encryption_key = key if isinstance(key, NotificationKey) else None
        key_id = None
        if isinstance(key, NotificationKey):
            key_id = key.key_arn
        elif isinstance(key, ExistingKey):
            key_id = key.key_id
        self.resource = SnsTopic(
            self,
            "Resource",
            name=props.name,
            display_name=props.display_name,
            kms_master_key_id=key_id,
            tags=dict(props.tags) or None,
        )
        self.policy = SnsTopicPolicy(
            self,
            "Policy",
            arn=self.resource.arn,
            policy=props.policy
            if props.policy is not None
            else _policy(self.resource.arn, props.account_id),
        )

    @property
    def topic_arn(self) -> str:
        return self.resource.arn


def _policy(topic_arn: str, account_id: str) -> str:
    # topic_arn is a token at synth time; json.dumps keeps it verbatim inside the string and
    # Terraform resolves it.
    return json.dumps(
        {
            "Version": "2012-10-17",
            "Statement": [
                {
                    "Sid": "IncidentManagerPublishes",
                    "Effect": "Allow",
                    "Principal": {"Service": "ssm-incidents.amazonaws.com"},
                    "Action": "sns:Publish",
                    "Resource": topic_arn,
                    "Condition": {"StringEquals": {"aws:SourceAccount": account_id}},
                }
            ],
        },
        indent=2,
        sort_keys=True,
    )
