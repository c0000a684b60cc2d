"""A runbook: an SSM Automation document from a YAML or JSON file, and (unless its response
plans name another role) the role Incident Manager uses to start it."""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from constructs import Construct

from constructs_lib.aws import IamRole, IamRolePolicy, SsmDocument
from constructs_lib.props_error import PropsError
from constructs_lib.runbook_document import own_role_name, read_runbook_document


@dataclass(frozen=True)
class RunbookProps:
    """Props of ``Runbook``. ``document_path`` is an SSM Automation document (schemaVersion
    0.3) in YAML, or in JSON when the file ends in ``.json``; ``account_id`` scopes the role to
    this account. ``create_role=False`` when every response plan starting the runbook names its
    own role. ``version_name``, ``target_type`` and ``shared_with`` (account IDs, or ``all``)
    are the document's settings of those names; an adopted document keeps the live ones."""

    name: str
    document_path: Path
    account_id: str
    tags: Mapping[str, str] = field(default_factory=dict)
    create_role: bool = True
    version_name: str | None = None
    target_type: str | None = None
    shared_with: Sequence[str] = ()


def _trust_policy(account_id: str) -> str:
    return json.dumps(
        {
            "Version": "2012-10-17",
            "Statement": [
                {
                    "Effect": "Allow",
                    "Principal": {"Service": "ssm-incidents.amazonaws.com"},
                    "Action": "sts:AssumeRole",
                    "Condition": {"StringEquals": {"aws:SourceAccount": account_id}},
                }
            ],
        },
        indent=2,
        sort_keys=True,
    )


def _start_only_this_document(account_id: str, document_name: str) -> str:
    return json.dumps(
        {
            "Version": "2012-10-17",
            "Statement": [
                {
                    "Sid": "StartThisRunbookOnly",
                    "Effect": "Allow",
                    "Action": "ssm:StartAutomationExecution",
                    "Resource": (
                        f"arn:aws:ssm:*:{account_id}:automation-definition/{document_name}:*"
                    ),
                }
            ],
        },
        indent=2,
        sort_keys=True,
    )


class Runbook(Construct):
    """Creates the automation document and a role that trusts only Incident Manager (in this
    account) and may start only this document's automation."""

    def __init__(self, scope: Construct, id: str, props: RunbookProps) -> None:
        super().__init__(scope, id)
        try:
            self.document = read_runbook_document(props.document_path)
        except ValueError as error:
            raise PropsError(f"Runbook {props.name!r}", [str(error)]) from None
        self.props = props
        tags = dict(props.tags) or None
        self.resource = SsmDocument(
            self,
            "Resource",
            name=props.name,
            document_type="Automation",
            document_format=self.document.format,
            content=self.document.text,
            version_name=props.version_name,
            target_type=props.target_type,
            # provider 5.100.0 reads the shared accounts back joined by "," in the API's order.
            permissions={"type": "Share", "account_ids": ",".join(props.shared_with)}
            if props.shared_with
            else None,
            tags=tags,
        )
        self.role: IamRole | None = None
        if props.create_role:
            self.role = IamRole(
                self,
                "Role",
                name=own_role_name(props.name),
                description=f"Lets Incident Manager start the {props.name} runbook",
                assume_role_policy=_trust_policy(props.account_id),
                tags=tags,
            )
            IamRolePolicy(
                self,
                "RolePolicy",
                name="start-runbook",
                role=self.role.id,
                policy=_start_only_this_document(props.account_id, props.name),
            )

    @property
    def name(self) -> str:
        return self.props.name

    @property
    def declared_parameters(self) -> tuple[str, ...]:
        return self.document.parameters

    @property
    def document_arn(self) -> str:
        return self.resource.arn

    @property
    def role_arn(self) -> str | None:
        """The runbook's own role, or None when it has none (``create_role=False``)."""
        return self.role.arn if self.role is not None else None
