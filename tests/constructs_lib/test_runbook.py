"""Runbook: the automation document and a role that can start only it."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from constructs_lib import PropsError, Runbook, RunbookProps
from tests.constructs_lib.fixtures import RUNBOOK_DOCUMENT, runbook
from tests.synth_helpers import new_stack, only, synth


def test_document_is_the_yaml_file_verbatim_and_declares_its_parameters() -> None:
    stack = new_stack()
    book = runbook(stack)
    out = synth(stack)
    document = only(out, "aws_ssm_document")
    assert document["name"] == "ec2-cpu-util-runbook"
    assert document["document_type"] == "Automation"
    assert document["document_format"] == "YAML"
    assert document["content"] == RUNBOOK_DOCUMENT.read_text(encoding="utf-8")
    assert book.declared_parameters == ("IncidentRecordArn", "Environment")


def test_role_trusts_only_incident_manager_of_this_account() -> None:
    stack = new_stack()
    runbook(stack)
    out = synth(stack)
    trust = json.loads(only(out, "aws_iam_role")["assume_role_policy"])
    assert trust["Statement"] == [
        {
            "Effect": "Allow",
            "Principal": {"Service": "ssm-incidents.amazonaws.com"},
            "Action": "sts:AssumeRole",
            "Condition": {"StringEquals": {"aws:SourceAccount": "111122223333"}},
        }
    ]


def test_role_may_start_only_this_documents_automation() -> None:
    stack = new_stack()
    runbook(stack)
    policy = json.loads(only(synth(stack), "aws_iam_role_policy")["policy"])
    assert policy["Statement"] == [
        {
            "Sid": "StartThisRunbookOnly",
            "Effect": "Allow",
            "Action": "ssm:StartAutomationExecution",
            "Resource": "arn:aws:ssm:*:111122223333:automation-definition/ec2-cpu-util-runbook:*",
        }
    ]


def test_fails_when_the_document_is_missing(tmp_path: Path) -> None:
    with pytest.raises(PropsError, match="cannot read runbook document"):
        Runbook(
            new_stack(),
            "r",
            RunbookProps(
                name="x-runbook", document_path=tmp_path / "nope.yaml", account_id="111122223333"
            ),
        )


def test_fails_when_the_document_is_not_an_automation_document(tmp_path: Path) -> None:
    path = tmp_path / "bad.yaml"
    path.write_text("schemaVersion: '2.2'\nmainSteps: []\n", encoding="utf-8")
    with pytest.raises(PropsError) as error:
        Runbook(
            new_stack(),
            "r",
            RunbookProps(name="x-runbook", document_path=path, account_id="111122223333"),
        )
    message = str(error.value)
    assert "schemaVersion is '2.2'; automation uses '0.3'" in message
    assert "mainSteps: missing or empty" in message
