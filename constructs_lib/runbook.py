"""A runbook: an SSM Automation document from a YAML file, and the role Incident Manager uses
to start it."""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

from constructs import Construct

from constructs_lib.aws import IamRole, IamRolePolicy, SsmDocument
from constructs_lib.props_error import PropsError
from constructs_lib.runbook_document import read_runbook_document

MAX_ROLE_NAME = 64


@dataclass(frozen=True)
class RunbookProps:
    """Props of ``Runbook``. ``document_path`` is an SSM Automation document in YAML
    (schemaVersion 0.3); ``account_id`` scopes the role to this account."""

    name: str
    document_path: Path
    account_id: str
    tags: Mapping[str, str] = field(default_factory=dict)


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
            document_format="YAML",
            content=self.document.text,
            tags=tags,
        )
        self.role = IamRole(
            self,
            "Role",
            name=f"IncidentManager-{props.name}"[:MAX_ROLE_NAME],
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
    def role_arn(self) -> str:
        return self.role.arn
