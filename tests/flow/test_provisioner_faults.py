"""The provisioners' SDK calls (stacks/oncall_schedule_sync.py, rotation_coverage_sync.py) under
faults: how long they retry, what Ctrl-C prints, a delete whose answer was lost. No server: the
clients are only built, or the AWS side is a stand-in object."""

from __future__ import annotations

from typing import Any

import pytest
from botocore.exceptions import ClientError

from stacks import oncall_schedule_sync as sync


def test_clients_retry_in_standard_mode_about_as_long_as_the_provider() -> None:
    config = sync.client_config({})
    assert config.retries == {"mode": "standard", "total_max_attempts": 13}


@pytest.mark.parametrize("variable", ["AWS_RETRY_MODE", "AWS_MAX_ATTEMPTS"])
def test_the_callers_own_retry_settings_win(variable: str) -> None:
    assert sync.client_config({variable: "2"}) is None


def test_every_client_of_a_session_gets_the_retries(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in sync.RETRY_VARIABLES:
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "test")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "test")
    session = sync.new_session("us-east-1")
    for service in ("sts", "ssm-contacts"):
        retries = session.client(service).meta.config.retries
        assert retries == {"mode": "standard", "total_max_attempts": 13}, service


def test_ctrl_c_in_a_provisioner_is_one_line_and_status_130(
    capsys: pytest.CaptureFixture[str],
) -> None:
    def interrupted() -> int:
        raise KeyboardInterrupt

    try:
        status = sync.report_errors("on-call schedule", interrupted)
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
