"""A runbook document's attributes the environment file cannot express, from recorded answers."""

from __future__ import annotations

from local_aws.console_setup import BLOG_DOCUMENT
from stacks.adopt.runbooks import LiveDocument, LiveRole, LiveRunbooks, RunbookWriter

ACCOUNT = "123456789012"
ROLE = f"arn:aws:iam::{ACCOUNT}:role/runbook-role"
AUTOMATION = {
    "documentName": "ec2-cpu",
    "roleArn": ROLE,
    "parameters": {"Environment": ["prod"]},
    "dynamicParameters": {"IncidentRecordArn": {"variable": "INCIDENT_RECORD_ARN"}},
}


def _writer(display_name: str | None) -> RunbookWriter:
    described = {
        "Name": "ec2-cpu",
        "Owner": ACCOUNT,
        "DocumentType": "Automation",
        "DocumentFormat": "YAML",
        "DefaultVersion": "1",
        "LatestVersion": "1",
        **({"DisplayName": display_name} if display_name else {}),
    }
    content = BLOG_DOCUMENT.read_text(encoding="utf-8")
    live = LiveRunbooks(
        documents={"ec2-cpu": LiveDocument(described, content)},
        roles={ROLE: LiveRole({"RoleName": "runbook-role", "Arn": ROLE, "Path": "/",
                               "AssumeRolePolicyDocument": {"Statement": []}})},
    )  # fmt: skip
    return RunbookWriter("acme", ACCOUNT, live, {}, {}, [])


def test_a_documents_display_name_is_kept_and_reported() -> None:
    writer = _writer("EC2 CPU runbook")
    assert writer.action("EC2HighCPU", AUTOMATION)["name"] == "ec2-cpu"
    assert writer.report == [
        "response plan EC2HighCPU: runbook document ec2-cpu: its display name 'EC2 CPU runbook' "
        "is kept as AWS holds it (each new version keeps it); provider 5.100.0 has no argument "
        "for it, so the environment file cannot change it"
    ]


def test_a_document_without_display_name_needs_no_report() -> None:
    writer = _writer(None)
    writer.action("EC2HighCPU", AUTOMATION)
    assert writer.report == []
