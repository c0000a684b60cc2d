"""``python -m local_aws --state-file F``: a server killed with SIGKILL and started again on the
same file holds what it held (Incident Manager's objects and moto's own, e.g. KMS keys with
their key material), in a file only its owner reads, replaced atomically."""

from __future__ import annotations

import stat
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from local_aws import state_file
from local_aws.process import LocalAwsProcess
from local_aws.server import start_server
from tests.local_aws.local_clients import local_client

REGION = "us-east-1"
ADDRESS = "placeholder@example.com"
RUNBOOK = '{"schemaVersion": "0.3", "mainSteps": [{"name": "wait", "action": "aws:sleep", '
RUNBOOK += '"inputs": {"Duration": "PT1S"}}]}'


def _client(process: LocalAwsProcess, service: str) -> Any:
    return local_client(process.url, service, REGION)


def _mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def test_a_killed_server_restarts_with_its_data(tmp_path: Path) -> None:
    state = tmp_path / "local-aws.state"
    first = LocalAwsProcess.start(tmp_path / "first", request_log=False, state_file=state)
    try:
        incidents = _client(first, "ssm-incidents")
        contacts = _client(first, "ssm-contacts")
        kms = _client(first, "kms")
        replication_set = incidents.create_replication_set(regions={REGION: {}})["arn"]
        alice = contacts.create_contact(Alias="alice", Type="PERSONAL", Plan={"Stages": []})
        channel = contacts.create_contact_channel(
            ContactId=alice["ContactArn"],
            Name="email",
            Type="EMAIL",
            DeliveryAddress={"SimpleAddress": ADDRESS},
        )["ContactChannelArn"]
        key = kms.create_key(KeySpec="RSA_2048", KeyUsage="SIGN_VERIFY")["KeyMetadata"]["KeyId"]
        public_key = kms.get_public_key(KeyId=key)["PublicKey"]
        # moto's own services an environment uses (SSM's backends hold defaultdict subclasses).
        _client(first, "ssm").create_document(
            Name="runbook", Content=RUNBOOK, DocumentType="Automation", DocumentFormat="JSON"
        )
        _client(first, "ssm").put_parameter(Name="/oncall/team", Value="sre", Type="String")
        topic = _client(first, "sns").create_topic(Name="incidents")["TopicArn"]
        _client(first, "iam").create_role(RoleName="runbook", AssumeRolePolicyDocument="{}")
    finally:
        first.kill()
    assert _mode(state) == 0o600
    assert not list(tmp_path.glob(".local-aws.state.*"))  # no temporary file left behind

    second = LocalAwsProcess.start(tmp_path / "second", request_log=False, state_file=state)
    try:
        contacts = _client(second, "ssm-contacts")
        assert _client(second, "ssm-incidents").list_replication_sets()["replicationSetArns"] == [
            replication_set
        ]
        assert [c["Alias"] for c in contacts.list_contacts()["Contacts"]] == ["alice"]
        shown = contacts.get_contact_channel(ContactChannelId=channel)
        assert shown["DeliveryAddress"] == {"SimpleAddress": ADDRESS}
        assert _client(second, "kms").get_public_key(KeyId=key)["PublicKey"] == public_key
        ssm = _client(second, "ssm")
        assert ssm.get_document(Name="runbook")["Content"] == RUNBOOK
        assert ssm.get_parameter(Name="/oncall/team")["Parameter"]["Value"] == "sre"
        assert _client(second, "sns").get_topic_attributes(TopicArn=topic)["Attributes"]
        assert _client(second, "iam").get_role(RoleName="runbook")["Role"]["RoleName"] == "runbook"
        # Still a server that writes: a change after the restart is kept too.
        contacts.create_contact(Alias="bob", Type="PERSONAL", Plan={"Stages": []})
    finally:
        second.stop()
    restored = state_file.read(state)
    assert sorted(
        c.alias for c in restored["ssmcontacts"]["123456789012"]["aws"].contacts.values()
    ) == [
        "alice",
        "bob",
    ]


def test_the_file_is_replaced_atomically_and_never_wider_than_0600(tmp_path: Path) -> None:
    target = tmp_path / "state"
    target.write_bytes(b"old")
    target.chmod(0o644)
    state_file.write(target, b"new")
    assert target.read_bytes() == b"new"
    assert _mode(target) == 0o600  # a new file, not the old one rewritten
    assert [p.name for p in tmp_path.iterdir()] == ["state"]


@pytest.mark.parametrize("content", [b"", b"not a pickle", b"\x80\x05K\x01."])
def test_a_file_this_server_did_not_write_is_refused_plainly(
    tmp_path: Path, content: bytes
) -> None:
    path = tmp_path / "state"
    path.write_bytes(content)
    with pytest.raises(state_file.StateFileError, match="not a local-aws state file"):
        start_server(state_file=path)


def test_the_command_line_refuses_a_foreign_file_with_exit_2(tmp_path: Path) -> None:
    path = tmp_path / "notes.txt"
    path.write_text("my notes\n", encoding="utf-8")
    done = subprocess.run(
        [sys.executable, "-m", "local_aws", "--state-file", str(path)],
        capture_output=True,
        text=True,
        timeout=60,
        cwd=Path(__file__).resolve().parents[2],
        check=False,
    )
    assert done.returncode == 2
    assert done.stderr.startswith(f"--state-file: {path}: not a local-aws state file")
    assert "Traceback" not in done.stderr
    assert done.stdout == ""
    assert path.read_text(encoding="utf-8") == "my notes\n"  # left as it was
