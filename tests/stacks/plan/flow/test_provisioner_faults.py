"""The provisioners' SDK calls (constructs_lib/provisioners/oncall_schedule_sync.py,
rotation_coverage_sync.py) under faults: how long they retry, what Ctrl-C prints, a delete whose
answer was lost. No server: the clients are only built, or the AWS side is a stand-in object."""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
from typing import Any

import pytest
from botocore.exceptions import ClientError

from constructs_lib.provisioners import aws_access
from constructs_lib.provisioners import oncall_schedule_sync as sync
from tests.conftest import PROJECT_ROOT


def test_clients_retry_in_standard_mode_about_as_long_as_the_provider() -> None:
    config = aws_access.client_config({})
    assert config.retries == {"mode": "standard", "total_max_attempts": 13}


@pytest.mark.parametrize("variable", ["AWS_RETRY_MODE", "AWS_MAX_ATTEMPTS"])
def test_the_callers_own_retry_settings_win(variable: str) -> None:
    assert aws_access.client_config({variable: "2"}) is None


def test_every_client_of_a_session_gets_the_retries(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in aws_access.RETRY_VARIABLES:
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "test")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "test")
    session = aws_access.new_session("us-east-1")
    for service in ("sts", "ssm-contacts"):
        retries = session.client(service).meta.config.retries
        assert retries == {"mode": "standard", "total_max_attempts": 13}, service


def test_ctrl_c_in_a_provisioner_is_one_line_and_status_130(
    capsys: pytest.CaptureFixture[str],
) -> None:
    def interrupted() -> int:
        raise KeyboardInterrupt

    try:
        status = aws_access.report_errors("on-call schedule", interrupted)
    except KeyboardInterrupt:
        pytest.fail("Ctrl-C escaped the provisioner as a traceback")
    assert status == 130
    err = capsys.readouterr().err
    assert err == (
        "on-call schedule: interrupted (Ctrl-C); what AWS had done stays, and the next apply "
        "runs this step again\n"
    )


class _Contacts:
    """ssm-contacts whose DeleteContact deletes, but whose answer is lost: the SDK's retry
    finds nothing left."""

    def get_contact(self, ContactId: str) -> dict[str, Any]:  # noqa: N803 - the SDK's name
        return {"ContactArn": ContactId, "Type": sync.SCHEDULE_TYPE, "Alias": "app-oncall"}

    def list_tags_for_resource(self, ResourceARN: str) -> dict[str, Any]:  # noqa: N803
        return {"Tags": []}

    def delete_contact(self, ContactId: str) -> None:  # noqa: N803
        error = {"Error": {"Code": "ResourceNotFoundException", "Message": "not found"}}
        raise ClientError(error, "DeleteContact")


def test_a_delete_retried_after_its_answer_was_lost_is_done() -> None:
    schedule = sync.Schedule.from_json(
        {
            "arn": "arn:aws:ssm-contacts:us-east-1:123456789012:contact/app-oncall",
            "alias": "app-oncall",
            "region": "us-east-1",
            "account_id": "123456789012",
        },
        "test",
    )
    assert sync.delete(schedule, _Contacts()) == f"deleted on-call schedule {schedule.arn}"


INTERRUPTED = (
    "{}: interrupted (Ctrl-C); what AWS had done stays, and the next apply runs this step again\n"
)


def test_ctrl_c_wherever_the_provisioner_is_ends_it_with_one_line() -> None:
    """Outside the AWS calls too (an import, an error being printed, the way out)."""
    script = (
        "import os, signal, time\n"
        "from constructs_lib.provisioners.aws_access import exit_on_ctrl_c\n"
        "exit_on_ctrl_c('on-call schedule')\n"
        "os.kill(os.getpid(), signal.SIGINT)\n"
        "time.sleep(10)\n"
        "print('not stopped')\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", script],
        cwd=PROJECT_ROOT,
        capture_output=True,
        text=True,
        timeout=30,
        check=False,
    )
    assert (done.returncode, done.stdout, done.stderr) == (
        130,
        "",
        INTERRUPTED.format("on-call schedule"),
    )


# A socket listening on 127.0.0.1 stands for AWS: a server, which the quick loop starts none of.
@pytest.mark.slow
def test_a_provisioner_waiting_for_aws_stops_on_ctrl_c_with_one_line() -> None:
    coverage = {
        "arn": "arn:aws:ssm-contacts:us-east-1:123456789012:rotation/r1",
        "name": "day",
        "region": "us-east-1",
        "account_id": "123456789012",
        "shift_coverages": {"MON": ["08:00-17:00"]},
    }
    with socket.socket() as silent:
        # Accepts the connection and never answers: the provisioner waits for AWS.
        silent.bind(("127.0.0.1", 0))
        silent.listen()
        silent.settimeout(60)
        env = {k: v for k, v in os.environ.items() if not k.startswith("AWS_")}
        env.update(
            AWS_ENDPOINT_URL=f"http://127.0.0.1:{silent.getsockname()[1]}",
            AWS_ACCESS_KEY_ID="test",
            AWS_SECRET_ACCESS_KEY="test",
            AWS_EC2_METADATA_DISABLED="true",
            IM_ROTATION_COVERAGE=json.dumps(coverage),
        )
        child = subprocess.Popen(
            [sys.executable, "-m", "constructs_lib.provisioners.rotation_coverage_sync", "apply"],
            cwd=PROJECT_ROOT,
            env=env,
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        try:
            connection, _ = silent.accept()
            child.send_signal(signal.SIGINT)
            out, err = child.communicate(timeout=30)
            connection.close()
        finally:
            if child.poll() is None:
                child.kill()
                child.wait(timeout=10)
    assert (child.returncode, out, err) == (130, "", INTERRUPTED.format("rotation coverage"))
