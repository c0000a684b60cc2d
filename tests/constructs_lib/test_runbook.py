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


# --- JSON documents, exact text, document settings, and runbooks without a role of their own --


def _document(tmp_path: Path, name: str, data: bytes) -> Path:
    path = tmp_path / name
    path.write_bytes(data)
    return path


JSON_DOCUMENT = (
    '{\r\n    "schemaVersion": "0.3",\r\n    "parameters": {"IncidentRecordArn": {"type": '
    '"String"}},\r\n    "mainSteps": [{"name": "p", "action": "aws:pause", "inputs": {}}]\r\n}'
)


def test_a_json_file_is_a_json_document_sent_byte_for_byte(tmp_path: Path) -> None:
    stack = new_stack()
    path = _document(tmp_path, "restart.json", JSON_DOCUMENT.encode())
    book = Runbook(
        stack, "r", RunbookProps(name="restart", document_path=path, account_id="111122223333")
    )
    document = only(synth(stack), "aws_ssm_document")
    assert document["document_format"] == "JSON"
    assert document["content"] == JSON_DOCUMENT
    assert book.declared_parameters == ("IncidentRecordArn",)


def test_yaml_text_keeps_its_line_endings_and_loses_only_the_byte_order_mark(
    tmp_path: Path,
) -> None:
    text = RUNBOOK_DOCUMENT.read_text(encoding="utf-8").replace("\n", "\r\n")
    path = _document(tmp_path, "crlf.yml", b"\xef\xbb\xbf" + text.encode())
    stack = new_stack()
    Runbook(stack, "r", RunbookProps(name="crlf", document_path=path, account_id="111122223333"))
    document = only(synth(stack), "aws_ssm_document")
    assert document["document_format"] == "YAML"
    assert document["content"] == text


def test_a_json_document_that_is_not_json_names_the_line(tmp_path: Path) -> None:
    path = _document(tmp_path, "bad.json", b'{\n  "schemaVersion": "0.3",\n}')
    with pytest.raises(PropsError, match=r"bad\.json: not valid JSON: .*\(line 3, column 1\)"):
        Runbook(
            new_stack(),
            "r",
            RunbookProps(name="bad-json", document_path=path, account_id="111122223333"),
        )


def test_version_name_target_type_and_shares_are_the_documents_settings() -> None:
    stack = new_stack()
    Runbook(
        stack,
        "r",
        RunbookProps(
            name="ec2-cpu-util-runbook",
            document_path=RUNBOOK_DOCUMENT,
            account_id="111122223333",
            version_name="release-1",
            target_type="/AWS::EC2::Instance",
            shared_with=["444455556666", "777788889999"],
        ),
    )
    document = only(synth(stack), "aws_ssm_document")
    assert (document["version_name"], document["target_type"]) == (
        "release-1",
        "/AWS::EC2::Instance",
    )
    # The provider reads the shares back joined by "," in the API's order.
    assert document["permissions"] == {"type": "Share", "account_ids": "444455556666,777788889999"}


def test_without_a_role_of_its_own_only_the_document_is_created() -> None:
    stack = new_stack()
    book = Runbook(
        stack,
        "r",
        RunbookProps(
            name="ec2-cpu-util-runbook",
            document_path=RUNBOOK_DOCUMENT,
            account_id="111122223333",
            create_role=False,
        ),
    )
    out = synth(stack)
    assert set(out["resource"]) == {"aws_ssm_document"}
    assert (book.role, book.role_arn) == (None, None)
