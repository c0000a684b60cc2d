"""constructs_lib/provisioners/rotation_coverage_sync.py against the local Incident Manager (a
thread of this process): writing a rotation's coverage, leaving the rest of it alone, refusals,
bad input, and the drift report of `make plan-check` (``python -m stacks.plan.drift_check``)."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from constructs_lib.provisioners import contract
from constructs_lib.provisioners import rotation_coverage_sync as sync
from stacks.plan import drift_check
from tests.constructs_lib.provisioners.test_oncall_schedule_sync import (
    ACCOUNT,
    OTHER_ACCOUNT,
    REGION,
    contacts,
    server,
)

__all__ = ["contacts", "server"]  # the fixtures, shared with the schedule's tests

Json = dict[str, Any]
ADDRESS = "terraform_data.rotation-business-hours_Coverage_0A1B2C3D"
WEEKDAYS = ("MON", "TUE", "WED", "THU", "FRI")


def hours(start: tuple[int, int], end: tuple[int, int]) -> Json:
    return {
        "Start": {"HourOfDay": start[0], "MinuteOfHour": start[1]},
        "End": {"HourOfDay": end[0], "MinuteOfHour": end[1]},
    }


def business_hours(contacts: Any, coverage: Json | None = None) -> str:
    """A rotation as the provider leaves it after an update: 08:00-17:00 on weekdays (the
    read-back of 08:30-17:00), tagged, daily hand-off at 08:30."""
    members = [
        contacts.create_contact(Alias=alias, Type="PERSONAL", Plan={"Stages": []})["ContactArn"]
        for alias in ("alice", "bob")
    ]
    recurrence: Json = {
        "NumberOfOnCalls": 1,
        "RecurrenceMultiplier": 2,
        "DailySettings": [{"HourOfDay": 8, "MinuteOfHour": 30}],
    }
    if coverage is None:
        coverage = {key: [hours((8, 0), (17, 0))] for key in WEEKDAYS}
    if coverage:
        recurrence["ShiftCoverages"] = coverage
    arn: str = contacts.create_rotation(
        Name="business-hours",
        ContactIds=members,
        TimeZoneId="Europe/Berlin",
        StartTime=datetime(2026, 1, 5, 7, 30, tzinfo=UTC),
        Recurrence=recurrence,
        Tags=[{"Key": "team", "Value": "sre"}],
    )["RotationArn"]
    return arn


def payload(arn: str | None, **changes: Any) -> Json:
    data: Json = {
        "kind": contract.COVERAGE_KIND,
        "arn": arn,
        "name": "business-hours",
        "region": REGION,
        "account_id": ACCOUNT,
        "shift_coverages": {**{key: ["08:30-17:00"] for key in WEEKDAYS}, "SAT": ["10:00-12:00"]},
    }
    data.update(changes)
    return data


def run(data: Json | str | None) -> int:
    if data is None:
        return sync.main(["apply"], {})
    text = data if isinstance(data, str) else json.dumps(data)
    return sync.main(["apply"], {contract.COVERAGE_VARIABLE: text})


class CountingClient:
    """The real client, counting the calls made through it."""

    def __init__(self, client: Any) -> None:
        self.client = client
        self.calls: list[str] = []

    def __getattr__(self, name: str) -> Any:
        self.calls.append(name)
        return getattr(self.client, name)


def test_apply_writes_the_configured_coverage_and_leaves_the_rest_alone(
    contacts: Any, capsys: pytest.CaptureFixture[str]
) -> None:
    arn = business_hours(contacts)
    before = contacts.get_rotation(RotationId=arn)
    assert run(payload(arn)) == 0
    assert capsys.readouterr().out == (
        "on-call rotation 'business-hours': wrote shift coverage MON TUE WED THU FRI "
        "08:30-17:00; SAT 10:00-12:00\n"
    )
    after = contacts.get_rotation(RotationId=arn)
    assert after["Recurrence"]["ShiftCoverages"] == {
        **{key: [hours((8, 30), (17, 0))] for key in WEEKDAYS},
        "SAT": [hours((10, 0), (12, 0))],
    }
    for key in ("ContactIds", "TimeZoneId", "StartTime", "Name"):
        assert after[key] == before[key], key
    for key in ("NumberOfOnCalls", "RecurrenceMultiplier", "DailySettings"):
        assert after["Recurrence"][key] == before["Recurrence"][key], key
    assert contacts.list_tags_for_resource(ResourceARN=arn)["Tags"] == [
        {"Key": "team", "Value": "sre"}
    ]


def test_apply_writes_nothing_when_the_coverage_already_is_the_configs(contacts: Any) -> None:
    arn = business_hours(contacts, {key: [hours((8, 30), (17, 0))] for key in WEEKDAYS})
    coverage = sync.RotationCoverage.from_json(
        payload(arn, shift_coverages={key: ["08:30-17:00"] for key in reversed(WEEKDAYS)}), "test"
    )
    counting = CountingClient(contacts)
    message = sync.apply(coverage, counting)
    assert message.endswith("already is MON TUE WED THU FRI 08:30-17:00; nothing written")
    assert counting.calls == ["get_rotation"]


def test_apply_gives_coverage_to_a_rotation_around_the_clock(contacts: Any) -> None:
    arn = business_hours(contacts, {})
    assert run(payload(arn, shift_coverages={"SUN": ["22:00-06:00"]})) == 0
    live = contacts.get_rotation(RotationId=arn)["Recurrence"]["ShiftCoverages"]
    assert live == {"SUN": [hours((22, 0), (6, 0))]}


def test_apply_to_a_missing_rotation_exits_1_and_says_what_to_do(
    contacts: Any, capsys: pytest.CaptureFixture[str]
) -> None:
    arn = business_hours(contacts)
    contacts.delete_rotation(RotationId=arn)
    assert run(payload(arn)) == 1
    err = capsys.readouterr().err
    assert err.startswith("rotation coverage: on-call rotation 'business-hours' (")
    assert "does not exist (deleted outside Terraform?). Plan again" in err


def test_credentials_of_another_account_are_refused_before_any_change(
    contacts: Any, capsys: pytest.CaptureFixture[str]
) -> None:
    arn = business_hours(contacts)
    assert run(payload(arn, account_id=OTHER_ACCOUNT)) == 1
    assert (
        f"AWS account ID not allowed: these credentials are for account {ACCOUNT}; on-call "
        f"rotation 'business-hours' belongs to account {OTHER_ACCOUNT}. Nothing was changed."
    ) in capsys.readouterr().err
    live = contacts.get_rotation(RotationId=arn)["Recurrence"]["ShiftCoverages"]
    assert live["MON"] == [hours((8, 0), (17, 0))]


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        (None, "IM_ROTATION_COVERAGE is not set"),
        ("{not json", "IM_ROTATION_COVERAGE: not JSON"),
        ({"name": None, "region": None}, "missing name, region"),
        ({"shift_coverages": {}}, "shift_coverages must be an object of weekday"),
        ({"shift_coverages": {"MONDAY": ["08:30-17:00"]}}, "unknown day 'MONDAY'; allowed: MON,"),
        ({"shift_coverages": {"MON": []}}, "shift_coverages.MON: expected a list of HH:MM-HH:MM"),
        ({"shift_coverages": {"MON": ["8:30-17:00"]}}, "'8:30-17:00' is not HH:MM-HH:MM"),
        ({"shift_coverages": {"MON": ["08:30-24:00"]}}, "'08:30-24:00' is not HH:MM-HH:MM"),
    ],
)
def test_bad_input_exits_2_with_a_message(
    changes: Json | str | None, message: str, capsys: pytest.CaptureFixture[str]
) -> None:
    data: Json | str | None = changes
    if isinstance(changes, dict):
        data = payload("arn:aws:ssm-contacts:us-east-1:123456789012:rotation/x", **changes)
    assert run(data) == 2
    err = capsys.readouterr().err
    assert err.startswith("rotation coverage: ")
    assert message in err
    assert "Traceback" not in err


def test_differences_and_descriptions_in_words() -> None:
    config = {"MON": ("08:30-17:00",), "TUE": ("08:30-17:00",), "SAT": ("10:00-12:00",)}
    live = sync.spans_of({"TUE": [hours((8, 30), (17, 0))], "MON": [hours((8, 0), (17, 0))]})
    assert live == {"MON": ("08:00-17:00",), "TUE": ("08:30-17:00",)}
    assert sync.differences(config, live) == [
        "MON is 08:00-17:00, config says 08:30-17:00",
        "SAT is not covered, config says 10:00-12:00",
    ]
    assert sync.describe(config) == "MON TUE 08:30-17:00; SAT 10:00-12:00"
    assert sync.describe({}) == "none (on call around the clock)"


def coverage_change(actions: list[str], data: Json | None, unknown: Json | None = None) -> Json:
    """A coverage record as `terraform show -json` writes it (the deploy-level test reads the
    same from real plans)."""
    return {
        "address": ADDRESS,
        "type": "terraform_data",
        "change": {
            "actions": actions,
            "after": None if data is None else {"input": data},
            "after_unknown": unknown or {},
        },
    }


def check(tmp_path: Path, *changes: Json) -> int:
    plan = tmp_path / "tfplan.json"
    plan.write_text(json.dumps({"resource_changes": list(changes)}), encoding="utf-8")
    return drift_check.main([str(plan)])


def test_check_reports_a_coverage_changed_outside_terraform_as_drift(
    contacts: Any, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    arn = business_hours(contacts)
    assert check(tmp_path, coverage_change(["no-op"], payload(arn))) == 4
    out = capsys.readouterr().out
    assert out.startswith("on-call schedules: none in this plan\n")
    assert (
        "on-call rotation 'business-hours': DRIFT: shift coverage differs (MON is 08:00-17:00, "
        "config says 08:30-17:00; TUE is 08:00-17:00, config says 08:30-17:00; "
    ) in out
    assert "SAT is not covered, config says 10:00-12:00)" in out
    assert f"terraform apply -replace='{ADDRESS}'" in out
    # Outside a stack directory the environment is not known: the command says where it goes.
    assert f"make plan-check ENV=<environment> REPLACE='{ADDRESS}', then make apply" in out


def test_check_accepts_what_this_plan_writes_and_what_matches(
    contacts: Any, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    arn = business_hours(contacts)
    assert check(tmp_path, coverage_change(["delete", "create"], payload(arn))) == 0
    assert (
        "on-call rotation 'business-hours': shift coverage differs (MON is 08:00-17:00, "
        in capsys.readouterr().out
    )
    same = payload(arn, shift_coverages={key: ["08:00-17:00"] for key in WEEKDAYS})
    assert check(tmp_path, coverage_change(["no-op"], same)) == 0
    out = capsys.readouterr().out
    assert out.endswith("on-call rotation 'business-hours': shift coverage matches the config\n")


def test_check_neither_reads_new_rotations_nor_records_being_deleted(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # No server behind this: a new rotation's ARN is unknown, a deleted record has no "after".
    new = coverage_change(
        ["create"], payload(None), {"input": {"arn": True}, "triggers_replace": {"arn": True}}
    )
    assert check(tmp_path, new, coverage_change(["delete"], None)) == 0
    assert capsys.readouterr().out == (
        "on-call schedules: none in this plan\n"
        "on-call rotation 'business-hours': new; this plan writes its shift coverage\n"
    )
