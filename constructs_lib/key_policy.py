"""KMS key policies for Incident Manager: the account administers the key, and a named
service of this account (never a wildcard principal) may use it."""

from __future__ import annotations

import json
from collections.abc import Sequence


def service_key_policy(
    account_id: str, sid: str, services: str | Sequence[str], actions: Sequence[str]
) -> str:
    """The policy as JSON text (keys sorted: the same text on every synth)."""
    policy = {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Sid": "AccountAdministersKey",
                "Effect": "Allow",
                # The account root delegates to the account's IAM policies; without it nobody
                # could manage the key.
                "Principal": {"AWS": f"arn:aws:iam::{account_id}:root"},
                "Action": "kms:*",
                "Resource": "*",
            },
            {
                "Sid": sid,
                "Effect": "Allow",
                "Principal": {"Service": services if isinstance(services, str) else list(services)},
                "Action": list(actions),
                "Resource": "*",
                "Condition": {"StringEquals": {"aws:SourceAccount": account_id}},
            },
        ],
    }
    return json.dumps(policy, indent=2, sort_keys=True)
