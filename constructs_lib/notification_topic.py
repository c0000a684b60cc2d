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
class NotificationTopicProps:
    """Props of ``NotificationTopic``. Without ``encryption_key`` the topic gets its own."""

    name: str
    account_id: str
    encryption_key: NotificationKey | None = None
    tags: Mapping[str, str] = field(default_factory=dict)


class NotificationTopic(Construct):
    """Creates an encrypted SNS topic whose policy lets Incident Manager (from this account only)
    publish: Incident Manager sends a test message when a response plan is saved and refuses a
    topic it cannot publish to."""

    def __init__(self, scope: Construct, id: str, props: NotificationTopicProps) -> None:
        super().__init__(scope, id)
        self.props = props
        self.encryption_key = props.encryption_key or NotificationKey(
            self, "Key", account_id=props.account_id
        )
        self.resource = SnsTopic(
            self,
            "Resource",
            name=props.name,
            kms_master_key_id=self.encryption_key.key_arn,
            tags=dict(props.tags) or None,
        )
        SnsTopicPolicy(
            self,
            "Policy",
            arn=self.resource.arn,
            policy=_policy(self.resource.arn, props.account_id),
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
