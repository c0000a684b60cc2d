"""Small building blocks shared by construct tests."""

from __future__ import annotations

from pathlib import Path

from cdktf import TerraformStack

from constructs_lib import (
    ChannelEngagement,
    Contact,
    ContactChannelProps,
    ContactProps,
    ExistingReplicationSet,
    ReplicationSet,
    ReplicationSetProps,
    Runbook,
    RunbookProps,
)

RUNBOOK_DOCUMENT = (
    Path(__file__).resolve().parents[2] / "stacks" / "runbooks" / "ec2-cpu-util-runbook.yaml"
)


def replication_set(stack: TerraformStack) -> ReplicationSet:
    return ReplicationSet(
        stack, "rs", ReplicationSetProps(regions=["us-east-1"], provider_region="us-east-1")
    )


def existing_replication_set(stack: TerraformStack) -> ExistingReplicationSet:
    return ExistingReplicationSet(stack, "rs", regions=["us-east-1"])


def email_contact(stack: TerraformStack, rs: ReplicationSet, alias: str) -> Contact:
    return Contact(
        stack,
        alias,
        ContactProps(
            alias=alias,
            replication_set=rs,
            channels=[ContactChannelProps("email", "EMAIL", f"{alias}@example.com")],
            engagement=[ChannelEngagement("email", 0)],
        ),
    )


def runbook(stack: TerraformStack, name: str = "ec2-cpu-util-runbook") -> Runbook:
    return Runbook(
        stack,
        "runbook",
        RunbookProps(name=name, document_path=RUNBOOK_DOCUMENT, account_id="111122223333"),
    )
