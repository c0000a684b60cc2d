"""OnCallRotation: members in order, hand-offs, shift coverages in a stable order, and the
record that writes the coverages (hashicorp/aws 5.100.0 reads them back wrong)."""

from __future__ import annotations

import pytest
from cdktf import TerraformStack

from constructs_lib import (
    CoverageTime,
    MonthlyHandOff,
    OnCallRotation,
    OnCallRotationProps,
    PropsError,
    ScheduleAccess,
    SyncCommand,
    TimeOfDay,
    WeeklyHandOff,
)
from constructs_lib.on_call_rotation import DayOfWeek
from constructs_lib.provisioners import aws_access, contract, rotation_coverage_sync
from tests.constructs_lib.fixtures import email_contact, replication_set
from tests.synth_helpers import Json, address, body, new_stack, only, ref, resources, synth

ACCESS = ScheduleAccess(region="us-east-1", account_id="111122223333")


def test_weekly_rotation_keeps_member_order_and_waits_for_the_replication_set() -> None:
    stack = new_stack()
    rs = replication_set(stack)
    members = [email_contact(stack, rs, alias) for alias in ("b-second", "a-first")]
    OnCallRotation(
        stack,
        "rotation",
        OnCallRotationProps(
            name="responders",
            replication_set=rs,
            contacts=members,
            time_zone_id="America/Los_Angeles",
            start_time="2026-01-05T09:00:00-08:00",
            weekly=[WeeklyHandOff("MON", TimeOfDay(9, 0))],
        ),
    )
    out = synth(stack)
    rotation = only(out, "aws_ssmcontacts_rotation")
    assert rotation["contact_ids"] == [ref(m.resource) for m in members]
    assert [m.alias for m in members] == ["b-second", "a-first"]
    assert rotation["time_zone_id"] == "America/Los_Angeles"
    assert rotation["start_time"] == "2026-01-05T09:00:00-08:00"
    assert rotation["recurrence"] == [
        {
            "number_of_on_calls": 1,
            "recurrence_multiplier": 1,
            "weekly_settings": [
                {"day_of_week": "MON", "hand_off_time": [{"hour_of_day": 9, "minute_of_hour": 0}]}
            ],
        }
    ]
    assert rotation["depends_on"] == [address(rs.resource)]


def test_shift_coverages_come_out_in_weekday_then_time_order() -> None:
    stack = new_stack()
    rs = replication_set(stack)
    OnCallRotation(
        stack,
        "rotation",
        OnCallRotationProps(
            name="business hours",
            replication_set=rs,
            contacts=[email_contact(stack, rs, "a"), email_contact(stack, rs, "b")],
            time_zone_id="Europe/Berlin",
            number_of_on_calls=2,
            recurrence_multiplier=3,
            monthly=[MonthlyHandOff(1, TimeOfDay(8, 30))],
            shift_coverages={
                "FRI": [
                    CoverageTime(TimeOfDay(13), TimeOfDay(17)),
                    CoverageTime(TimeOfDay(8), TimeOfDay(12)),
                ],
                "MON": [CoverageTime(TimeOfDay(8), TimeOfDay(18))],
            },
            tags={"team": "sre"},
            access=ACCESS,
        ),
    )
    recurrence = only(synth(stack), "aws_ssmcontacts_rotation")["recurrence"][0]
    assert recurrence["number_of_on_calls"] == 2
    assert recurrence["recurrence_multiplier"] == 3
    assert recurrence["monthly_settings"] == [
        {"day_of_month": 1, "hand_off_time": [{"hour_of_day": 8, "minute_of_hour": 30}]}
    ]
    days = [c["map_block_key"] for c in recurrence["shift_coverages"]]
    assert days == ["MON", "FRI"]
    friday = recurrence["shift_coverages"][1]["coverage_times"]
    assert [t["start"][0]["hour_of_day"] for t in friday] == [8, 13]


def test_daily_hand_off() -> None:
    stack = new_stack()
    rs = replication_set(stack)
    OnCallRotation(
        stack,
        "r",
        OnCallRotationProps(
            name="daily",
            replication_set=rs,
            contacts=[email_contact(stack, rs, "a")],
            time_zone_id="Etc/UTC",
            daily=[TimeOfDay(7, 15)],
        ),
    )
    recurrence = only(synth(stack), "aws_ssmcontacts_rotation")["recurrence"][0]
    assert recurrence["daily_settings"] == [{"hour_of_day": 7, "minute_of_hour": 15}]


def test_fails_without_exactly_one_kind_of_hand_off_or_with_no_members() -> None:
    stack = new_stack()
    with pytest.raises(PropsError) as error:
        OnCallRotation(
            stack,
            "r",
            OnCallRotationProps(
                name="x",
                replication_set=replication_set(stack),
                contacts=[],
                time_zone_id="Etc/UTC",
                daily=[TimeOfDay(9)],
                weekly=[WeeklyHandOff("MON", TimeOfDay(9))],
            ),
        )
    assert error.value.problems == (
        "contacts: 0 given; allowed 1 to 30",
        "recurrence: set exactly one of daily, weekly, monthly hand-offs (given: daily, weekly)",
    )


def covered_rotation(
    stack: TerraformStack,
    coverages: dict[DayOfWeek, list[CoverageTime]],
    access: ScheduleAccess | None = ACCESS,
    sync: SyncCommand | None = None,
) -> OnCallRotation:
    rs = replication_set(stack)
    return OnCallRotation(
        stack,
        "rotation",
        OnCallRotationProps(
            name="business-hours",
            replication_set=rs,
            contacts=[email_contact(stack, rs, "a")],
            time_zone_id="Europe/Berlin",
            start_time="2026-01-05T07:30:00Z",
            daily=[TimeOfDay(8, 30)],
            shift_coverages=coverages,
            access=access,
            sync=sync or SyncCommand(),
        ),
    )


def span(start: TimeOfDay, end: TimeOfDay) -> list[CoverageTime]:
    return [CoverageTime(start=start, end=end)]


def only_record(out: Json) -> Json:
    return only(out, "terraform_data")


def test_a_coverage_read_back_wrong_is_ignored_and_written_by_its_record() -> None:
    # 08:30-17:00 reads back as 08:00-17:00 (provider 5.100.0).
    stack = new_stack()
    rotation = covered_rotation(
        stack,
        {
            "MON": span(TimeOfDay(8, 30), TimeOfDay(17)),
            "SAT": span(TimeOfDay(10), TimeOfDay(12)),
        },
    )
    out = synth(stack)
    assert body(out, rotation.resource)["lifecycle"] == {
        "ignore_changes": ["recurrence[0].shift_coverages"]
    }
    record = only_record(out)
    assert rotation.coverage is not None
    assert record == body(out, rotation.coverage)
    spans = {"MON": ["08:30-17:00"], "SAT": ["10:00-12:00"]}
    # A coverage edit, or a new rotation, replaces the record (which writes the coverage).
    assert record["triggers_replace"] == {"arn": ref(rotation.resource), "shift_coverages": spans}
    # So does any update of the rotation: the provider re-sends the coverage it read back. The
    # bare address: Terraform refuses "${...}" here in JSON (cdktf 0.21 would write that).
    assert record["lifecycle"] == {"replace_triggered_by": [address(rotation.resource)]}
    assert record["input"] == {
        "kind": contract.COVERAGE_KIND,
        "arn": ref(rotation.resource),
        "name": "business-hours",
        "region": "us-east-1",
        # A literal string in HCL too (an account ID would otherwise become a number).
        "account_id": '${"111122223333"}',
        "shift_coverages": spans,
    }
    (provisioner,) = record["provisioner"]
    assert provisioner == {
        "local-exec": {
            "command": "exec $${IM_PYTHON:-python3} "
            "-m incident_manager_provisioners.rotation_coverage_sync apply",
            "working_dir": "${path.module}",
            "environment": {"IM_ROTATION_COVERAGE": "${jsonencode(self.input)}"},
        }
    }


def test_what_the_record_hands_the_module_is_the_configured_coverage() -> None:
    stack = new_stack()
    access = ScheduleAccess(
        region="eu-west-1",
        account_id="444455556666",
        role_arn="arn:aws:iam::444455556666:role/deployer",
        session_name="ci",
    )
    covered_rotation(
        stack,
        {
            "FRI": [
                CoverageTime(TimeOfDay(13, 15), TimeOfDay(17, 45)),
                CoverageTime(TimeOfDay(8), TimeOfDay(12)),
            ]
        },
        access=access,
        sync=SyncCommand(working_dir="/srv/stack", python="/opt/python"),
    )
    record = only_record(synth(stack))
    data = {**record["input"], "arn": "arn:aws:ssm-contacts:eu-west-1:444455556666:rotation/x"}
    data["account_id"] = "444455556666"  # as Terraform evaluates the HCL-safe literal
    parsed = rotation_coverage_sync.RotationCoverage.from_json(data, "test")
    assert parsed.shift_coverages == {"FRI": ("08:00-12:00", "13:15-17:45")}
    assert parsed.region == "eu-west-1"
    assert parsed.assume_role == aws_access.AssumeRole(
        role_arn="arn:aws:iam::444455556666:role/deployer", session_name="ci"
    )
    command = record["provisioner"][0]["local-exec"]
    assert (
        command["command"] == "exec $${IM_PYTHON:-/opt/python} "
        "-m incident_manager_provisioners.rotation_coverage_sync apply"
    )
    assert command["working_dir"] == "/srv/stack"


def test_a_coverage_read_back_right_keeps_the_provider_diff_and_still_has_a_record() -> None:
    # 08:00-18:00 reads back right: the provider sees every change. The record stays: an edit
    # from 08:30-17:00 to 08:00-17:00 looks like no change to the provider (the first reads back
    # as the second), and only the record writes it.
    stack = new_stack()
    rotation = covered_rotation(stack, {"MON": span(TimeOfDay(8), TimeOfDay(18))})
    out = synth(stack)
    assert "lifecycle" not in body(out, rotation.resource)
    assert only_record(out)["triggers_replace"]["shift_coverages"] == {"MON": ["08:00-18:00"]}


def test_a_rotation_without_coverage_has_no_record_and_needs_no_access() -> None:
    stack = new_stack()
    rotation = covered_rotation(stack, {}, access=None)
    out = synth(stack)
    assert rotation.coverage is None
    assert resources(out, "terraform_data") == {}
    assert "lifecycle" not in body(out, rotation.resource)


def test_a_coverage_without_access_is_refused() -> None:
    stack = new_stack()
    with pytest.raises(PropsError) as raised:
        covered_rotation(stack, {"MON": span(TimeOfDay(8, 30), TimeOfDay(17))}, access=None)
    (problem,) = raised.value.problems
    assert problem.startswith("access: required with shift_coverages")


def test_the_record_uses_the_contracts_kind_variable_and_module() -> None:
    stack = new_stack()
    covered_rotation(stack, {"MON": span(TimeOfDay(8, 30), TimeOfDay(17))})
    record = only_record(synth(stack))
    assert record["input"]["kind"] == contract.COVERAGE_KIND
    body = record["provisioner"][0]["local-exec"]
    assert list(body["environment"]) == [contract.COVERAGE_VARIABLE]
    module = f"{contract.PACKAGE_IN_STACK}.{contract.COVERAGE_MODULE}"
    assert body["command"].endswith(f" -m {module} apply")
