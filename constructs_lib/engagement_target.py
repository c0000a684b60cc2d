"""What a response plan, an escalation stage or a rotation can engage."""

from __future__ import annotations

from typing import Protocol


class EngagementTarget(Protocol):
    """A contact or an escalation plan: both are ssm-contacts contacts with an ARN."""

    @property
    def alias(self) -> str: ...

    @property
    def contact_arn(self) -> str: ...
