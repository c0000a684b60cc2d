"""An SNS topic Incident Manager publishes to: a chat channel or an incident notification."""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass, field

from constructs import Construct

from constructs_lib.aws import SnsTopic, SnsTopicPolicy


@dataclass(frozen=True)
class NotificationTopicProps:
    """Props of ``NotificationTopic``."""

    name: str
    account_id: str
    tags: Mapping[str, str] = field(default_factory=dict)


class NotificationTopic(Construct):
    """Creates an SNS topic whose policy lets Incident Manager (from this account only) publish:
    Incident Manager sends a test message when a response plan is saved and refuses a topic it
    cannot publish to."""

    def __init__(self, scope: Construct, id: str, props: NotificationTopicProps) -> None:
        super().__init__(scope, id)
        self.props = props
        self.resource = SnsTopic(self, "Resource", name=props.name, tags=dict(props.tags) or None)
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
