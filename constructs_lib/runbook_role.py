"""A role Incident Manager assumes to start runbooks, described in full: trust policy, inline
policies and attached managed policies. Used for roles that exist already (adopted from a live
account, imported as they are) or that several runbooks share; a runbook without one gets its
own narrow role (``Runbook``)."""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

from constructs import Construct

from constructs_lib.aws import IamRole, IamRolePolicy, IamRolePolicyAttachment
from constructs_lib.props_error import raise_if_any

DEFAULT_PATH = "/"
DEFAULT_MAX_SESSION_SECONDS = 3600
# IAM's own rule for role and policy names (iam roleNameType / policyNameType).
NAME_PATTERN = re.compile(r"^[\w+=,.@-]+$")


@dataclass(frozen=True)
class InlinePolicy:
    """One inline policy of a role: its name and its JSON text."""

    name: str
    document: str


@dataclass(frozen=True)
class RunbookRoleProps:
    """Props of ``RunbookRole``. ``trust_policy`` and each inline policy's ``document`` are
    JSON text, passed on as they are (the provider compares policies by meaning, not by
    spacing). ``managed_policy_arns`` are attached one by one: attachments made outside this
    stack stay as they are."""

    name: str
    trust_policy: str
    path: str = DEFAULT_PATH
    description: str | None = None
    max_session_duration: int = DEFAULT_MAX_SESSION_SECONDS
    permissions_boundary: str | None = None
    inline_policies: Sequence[InlinePolicy] = ()
    managed_policy_arns: Sequence[str] = ()
    tags: Mapping[str, str] = field(default_factory=dict)


def _validate(props: RunbookRoleProps) -> None:
    problems = []
    if not NAME_PATTERN.match(props.name) or len(props.name) > 64:
        problems.append(f"name {props.name!r}: 1 to 64 letters, digits and + = , . @ _ -")
    names = [p.name for p in props.inline_policies]
    for name in sorted({n for n in names if names.count(n) > 1}):
        problems.append(f"inline policy {name!r} is given twice")
    arns = list(props.managed_policy_arns)
    for arn in sorted({a for a in arns if arns.count(a) > 1}):
        problems.append(f"managed policy {arn!r} is attached twice")
    raise_if_any(f"RunbookRole {props.name!r}", problems)


def attachment_id(policy_arn: str) -> str:
    """A construct id for the attachment of ``policy_arn`` (ids cannot hold '/'): its account
    (``aws`` for AWS managed policies), path and name."""
    parts = policy_arn.split(":", 5)
    account, resource = (parts[4], parts[5]) if len(parts) == 6 else ("", policy_arn)
    return f"attachment-{account}-{resource.removeprefix('policy/').replace('/', '-')}"


class RunbookRole(Construct):
    """Creates (or, with import blocks, takes over) one IAM role, its inline policies and its
    managed policy attachments."""

    def __init__(self, scope: Construct, id: str, props: RunbookRoleProps) -> None:
        super().__init__(scope, id)
        _validate(props)
        self.props = props
        self.resource = IamRole(
            self,
            "Resource",
            name=props.name,
            # The live role's settings, all of them: IAM changes a role's path only by
            # replacing the role, and the provider's defaults (path "/", 3600 seconds, no
            # description) would show as changes on an adopted role.
            path=props.path,
            description=props.description,
            max_session_duration=props.max_session_duration,
            permissions_boundary=props.permissions_boundary,
            assume_role_policy=props.trust_policy,
            tags=dict(props.tags) or None,
        )
        self.inline_policies = {
            policy.name: IamRolePolicy(
                self,
                f"policy-{policy.name}",
                name=policy.name,
                role=self.resource.id,
                policy=policy.document,
            )
            for policy in props.inline_policies
        }
        self.attachments = {
            arn: IamRolePolicyAttachment(
                self, attachment_id(arn), role=self.resource.name, policy_arn=arn
            )
            for arn in props.managed_policy_arns
        }

    @property
    def name(self) -> str:
        return self.props.name

    @property
    def role_arn(self) -> str:
        return self.resource.arn
