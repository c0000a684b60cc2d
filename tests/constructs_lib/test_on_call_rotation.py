"""OnCallRotation: members in order, hand-offs, shift coverages in a stable order."""

from __future__ import annotations

import pytest

from constructs_lib import (
    CoverageTime,
    MonthlyHandOff,
    OnCallRotation,
    OnCallRotationProps,
    PropsError,
    TimeOfDay,
    WeeklyHandOff,
)
from tests.constructs_lib.fixtures import email_contact, replication_set
from tests.synth_helpers import address, new_stack, only, ref, synth


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


def test_coverages_stay_managed_even_where_the_provider_reads_them_back_wrong() -> None:
    # Provider 5.100.0 reads the start minute back as the end minute (08:30-17:00 shows as
    # 08:00-17:00): a plan shows an update that re-sends the coverage. ignore_changes would hide
    # that noise, and with it a person's later edit of the coverage: not done.
    stack = new_stack()
    rs = replication_set(stack)
    OnCallRotation(
        stack,
        "rotation",
        OnCallRotationProps(
            name="business-hours",
            replication_set=rs,
            contacts=[email_contact(stack, rs, "a")],
            time_zone_id="Europe/Berlin",
            start_time="2026-01-05T07:30:00Z",
            daily=[TimeOfDay(8, 30)],
            shift_coverages={"MON": [CoverageTime(start=TimeOfDay(8, 30), end=TimeOfDay(17, 0))]},
        ),
    )
    rotation = only(synth(stack), "aws_ssmcontacts_rotation")
    assert "ignore_changes" not in rotation.get("lifecycle", {})
