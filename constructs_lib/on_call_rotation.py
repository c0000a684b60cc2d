"""An on-call rotation: contacts taking turns, handing off daily, weekly or monthly."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Literal

from cdktf import TerraformResourceLifecycle
from constructs import Construct

from constructs_lib.aws import (
    SsmcontactsRotation,
    SsmcontactsRotationRecurrence,
    SsmcontactsRotationRecurrenceDailySettings,
    SsmcontactsRotationRecurrenceMonthlySettings,
    SsmcontactsRotationRecurrenceMonthlySettingsHandOffTime,
    SsmcontactsRotationRecurrenceShiftCoverages,
    SsmcontactsRotationRecurrenceShiftCoveragesCoverageTimes,
    SsmcontactsRotationRecurrenceShiftCoveragesCoverageTimesEnd,
    SsmcontactsRotationRecurrenceShiftCoveragesCoverageTimesStart,
    SsmcontactsRotationRecurrenceWeeklySettings,
    SsmcontactsRotationRecurrenceWeeklySettingsHandOffTime,
)
from constructs_lib.contact import Contact
from constructs_lib.oncall_schedule import ScheduleAccess, SyncCommand
from constructs_lib.props_error import raise_if_any
from constructs_lib.replication_set import ReplicationSetRef
from constructs_lib.rotation_coverage import (
    COVERAGE_ATTRIBUTE,
    RotationCoverage,
    ignores_coverage,
)

DayOfWeek = Literal["MON", "TUE", "WED", "THU", "FRI", "SAT", "SUN"]
DAYS_OF_WEEK: tuple[DayOfWeek, ...] = ("MON", "TUE", "WED", "THU", "FRI", "SAT", "SUN")
MAX_CONTACTS = 30


@dataclass(frozen=True, order=True)
class TimeOfDay:
    """A wall-clock time in the rotation's time zone."""

    hour: int
    minute: int = 0

    def __str__(self) -> str:
        return f"{self.hour:02d}:{self.minute:02d}"


@dataclass(frozen=True)
class WeeklyHandOff:
    """Hand off every week on ``day`` at ``time``."""

    day: DayOfWeek
    time: TimeOfDay


@dataclass(frozen=True)
class MonthlyHandOff:
    """Hand off every month on ``day_of_month`` at ``time``."""

    day_of_month: int
    time: TimeOfDay


@dataclass(frozen=True)
class CoverageTime:
    """A period of a day during which the rotation has someone on call."""

    start: TimeOfDay
    end: TimeOfDay


@dataclass(frozen=True)
class OnCallRotationProps:
    """Props of ``OnCallRotation``. Exactly one of ``daily``, ``weekly``, ``monthly`` is set.

    ``shift_coverages`` limits on-call hours per weekday (none: around the clock); the provider
    reads them back wrong, so they are written through the AWS SDK too, with ``access`` (the
    stack provider's account, region and role; required with ``shift_coverages``) and ``sync``
    (see ``constructs_lib/rotation_coverage.py``). Contacts take turns in the order given:
    reordering them changes who is on call.
    """

    name: str
    replication_set: ReplicationSetRef
    contacts: Sequence[Contact]
    time_zone_id: str
    start_time: str | None = None
    number_of_on_calls: int = 1
    recurrence_multiplier: int = 1
    daily: Sequence[TimeOfDay] = ()
    weekly: Sequence[WeeklyHandOff] = ()
    monthly: Sequence[MonthlyHandOff] = ()
    shift_coverages: Mapping[DayOfWeek, Sequence[CoverageTime]] = field(default_factory=dict)
    tags: Mapping[str, str] = field(default_factory=dict)
    access: ScheduleAccess | None = None
    sync: SyncCommand = field(default_factory=SyncCommand)


def _validate(props: OnCallRotationProps) -> None:
    problems: list[str] = []
    if not 1 <= len(props.contacts) <= MAX_CONTACTS:
        problems.append(f"contacts: {len(props.contacts)} given; allowed 1 to {MAX_CONTACTS}")
    kinds = [
        k
        for k, v in (("daily", props.daily), ("weekly", props.weekly), ("monthly", props.monthly))
        if v
    ]
    if len(kinds) != 1:
        problems.append(
            "recurrence: set exactly one of daily, weekly, monthly hand-offs "
            f"(given: {', '.join(kinds) or 'none'})"
        )
    if props.number_of_on_calls < 1:
        problems.append(f"number_of_on_calls: {props.number_of_on_calls}; must be 1 or more")
    if not 1 <= props.recurrence_multiplier <= 100:
        problems.append(f"recurrence_multiplier: {props.recurrence_multiplier}; allowed 1 to 100")
    if props.shift_coverages and props.access is None:
        problems.append(
            "access: required with shift_coverages (the account, region and role that write "
            "the coverage through the AWS SDK: hashicorp/aws 5.100.0 reads it back wrong)"
        )
    raise_if_any(f"OnCallRotation {props.name!r}", problems)


def coverage_spans(props: OnCallRotationProps) -> dict[str, list[str]]:
    """``{"MON": ["08:30-17:00"]}``: the coverages in weekday order, each day's sorted."""
    return {
        day: [f"{c.start}-{c.end}" for c in sorted(coverages, key=lambda c: (c.start, c.end))]
        for day in DAYS_OF_WEEK
        if (coverages := props.shift_coverages.get(day))
    }


def _coverages(
    props: OnCallRotationProps,
) -> list[SsmcontactsRotationRecurrenceShiftCoverages] | None:
    # Weekday order, then start time: the provider stores a set, we emit a stable list.
    blocks = [
        SsmcontactsRotationRecurrenceShiftCoverages(
            map_block_key=day,
            coverage_times=[
                SsmcontactsRotationRecurrenceShiftCoveragesCoverageTimes(
                    start=[
                        SsmcontactsRotationRecurrenceShiftCoveragesCoverageTimesStart(
                            hour_of_day=c.start.hour, minute_of_hour=c.start.minute
                        )
                    ],
                    end=[
                        SsmcontactsRotationRecurrenceShiftCoveragesCoverageTimesEnd(
                            hour_of_day=c.end.hour, minute_of_hour=c.end.minute
                        )
                    ],
                )
                for c in sorted(props.shift_coverages[day], key=lambda c: (c.start, c.end))
            ],
        )
        for day in DAYS_OF_WEEK
        if day in props.shift_coverages
    ]
    return blocks or None


class OnCallRotation(Construct):
    """Creates an on-call rotation of personal contacts; waits for the replication set."""

    def __init__(self, scope: Construct, id: str, props: OnCallRotationProps) -> None:
        super().__init__(scope, id)
        _validate(props)
        self.props = props
        recurrence = SsmcontactsRotationRecurrence(
            number_of_on_calls=props.number_of_on_calls,
            recurrence_multiplier=props.recurrence_multiplier,
            daily_settings=[
                SsmcontactsRotationRecurrenceDailySettings(
                    hour_of_day=t.hour, minute_of_hour=t.minute
                )
                for t in props.daily
            ]
            or None,
            weekly_settings=[
                SsmcontactsRotationRecurrenceWeeklySettings(
                    day_of_week=w.day,
                    hand_off_time=[
                        SsmcontactsRotationRecurrenceWeeklySettingsHandOffTime(
                            hour_of_day=w.time.hour, minute_of_hour=w.time.minute
                        )
                    ],
                )
                for w in props.weekly
            ]
            or None,
            monthly_settings=[
                SsmcontactsRotationRecurrenceMonthlySettings(
                    day_of_month=m.day_of_month,
                    hand_off_time=[
                        SsmcontactsRotationRecurrenceMonthlySettingsHandOffTime(
                            hour_of_day=m.time.hour, minute_of_hour=m.time.minute
                        )
                    ],
                )
                for m in props.monthly
            ]
            or None,
            shift_coverages=_coverages(props),
        )
        waits_for = list(props.replication_set.dependables)
        spans = coverage_spans(props)
        self.resource = SsmcontactsRotation(
            self,
            "Resource",
            name=props.name,
            contact_ids=[c.contact_arn for c in props.contacts],
            time_zone_id=props.time_zone_id,
            start_time=props.start_time,
            recurrence=[recurrence],
            tags=dict(props.tags) or None,
            depends_on=waits_for or None,
            # The provider would show an update on every plan (its read-back differs from the
            # config); the coverage record below writes the coverage instead.
            lifecycle=TerraformResourceLifecycle(ignore_changes=[COVERAGE_ATTRIBUTE])
            if ignores_coverage(spans)
            else None,
        )
        self.coverage: RotationCoverage | None = None
        if spans and props.access is not None:
            self.coverage = RotationCoverage(
                self,
                "Coverage",
                rotation=self.resource,
                name=props.name,
                spans=spans,
                access=props.access,
                sync=props.sync,
            )

    @property
    def rotation_arn(self) -> str:
        return self.resource.arn
