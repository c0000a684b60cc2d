"""The on-call calendar of a rotation: who is on call from when to when.

The rules follow what AWS documents for rotations (ssm-contacts CreateRotation, RecurrenceSettings
and ListPreviewRotationShifts; the Incident Manager user guide, "Creating a rotation"):

1. Hand-offs happen at wall-clock times in the rotation's IANA time zone: every day at each
   ``daily`` time, every week at each ``weekly`` (day, time), every month at each ``monthly``
   (day of month, time). Across a daylight-saving change the hand-off stays at the same local
   time, so that shift is an hour shorter or longer in UTC.
2. ``recurrence_multiplier`` N: "the number of days, weeks, or months a single rotation lasts":
   a shift hands off at every N-th hand-off point (with one hand-off time, N days, weeks or
   months).
3. The first shift starts at ``start_time`` with the first contact listed ("the order that you
   list the contacts in is their shift order"); each hand-off passes to the next contacts in
   that order, wrapping around.
4. ``number_of_on_calls`` K: K contacts are on call together; shift k has the contacts at
   positions kK, kK+1, ... kK+K-1 (modulo the number of contacts), so each shift moves the whole
   group on by K and everyone takes their turn in order.
5. ``shift_coverages``: when given, someone is on call only within the listed hours of the listed
   weekdays (local time); outside them nobody is, and the hand-offs still happen on schedule. A
   coverage whose end is not after its start runs past midnight (``22:00``-``06:00``, or
   ``00:00`` as the end of the day).

Where AWS documents nothing, this module chooses and says so: a local time that does not exist
(the hour skipped in spring) is read with the offset before the change (02:30 becomes 03:30, as
java.time does), an ambiguous one (the hour repeated in autumn) as its first occurrence; a monthly
day beyond the month's end is that month's last day; the first hand-off is the N-th hand-off
point strictly after ``start_time``.

On-call schedules (issue #11) resolve to rotations; ``on_call_at`` is the one place that turns a
rotation and a moment into the people on call then.
"""

from __future__ import annotations

import calendar as month_calendar
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from functools import lru_cache
from zoneinfo import ZoneInfo

from stacks.config.environment_config import RotationConfig

DAYS = ("MON", "TUE", "WED", "THU", "FRI", "SAT", "SUN")
MINUTES_PER_DAY = 24 * 60
MINUTES_PER_WEEK = 7 * MINUTES_PER_DAY


@dataclass(frozen=True)
class Coverage:
    """On-call hours of one weekday (0 = Monday), local time; ``end <= start`` runs past
    midnight."""

    weekday: int
    start: time
    end: time


@dataclass(frozen=True)
class Rotation:
    """A rotation as the calendar needs it: exactly one of ``daily``, ``weekly``, ``monthly``."""

    name: str
    members: tuple[str, ...]
    time_zone: str
    start: datetime
    number_of_on_calls: int = 1
    recurrence_multiplier: int = 1
    daily: tuple[time, ...] = ()
    weekly: tuple[tuple[int, time], ...] = ()
    monthly: tuple[tuple[int, time], ...] = ()
    coverages: tuple[Coverage, ...] = ()

    @classmethod
    def from_config(cls, config: RotationConfig) -> Rotation:
        return cls(
            name=config.name,
            members=tuple(config.contacts),
            time_zone=config.time_zone,
            start=config.start_time,
            number_of_on_calls=config.number_of_on_calls,
            recurrence_multiplier=config.recurrence_multiplier,
            daily=tuple(_time(t) for t in config.hand_off.daily),
            weekly=tuple((DAYS.index(w.day), _time(w.time)) for w in config.hand_off.weekly),
            monthly=tuple((m.day_of_month, _time(m.time)) for m in config.hand_off.monthly),
            coverages=tuple(
                Coverage(DAYS.index(day), _time(c.start), _time(c.end))
                for day, items in sorted(
                    config.shift_coverages.items(), key=lambda item: DAYS.index(item[0])
                )
                for c in items
            ),
        )

    @property
    def zone(self) -> ZoneInfo:
        return _zone(self.time_zone)

    def members_of(self, index: int) -> tuple[str, ...]:
        """Who is on call in shift number ``index`` (0 = the first shift)."""
        count = len(self.members)
        first = index * self.number_of_on_calls
        return tuple(self.members[(first + j) % count] for j in range(self.number_of_on_calls))


@dataclass(frozen=True, order=True)
class Shift:
    """``members`` on call from ``start`` to ``end`` (UTC); ``index`` counts the rotation's
    hand-offs, so pieces of one shift cut by coverage hours share it."""

    start: datetime
    end: datetime
    index: int
    members: tuple[str, ...]

    def local(self, zone: ZoneInfo) -> tuple[datetime, datetime]:
        return self.start.astimezone(zone), self.end.astimezone(zone)


def _time(text: str) -> time:
    hour, minute = text.split(":")
    return time(int(hour), int(minute))


@lru_cache(maxsize=256)
def _zone(name: str) -> ZoneInfo:
    return ZoneInfo(name)


def to_utc(local: datetime, zone: ZoneInfo) -> datetime:
    """A wall-clock time in ``zone`` as UTC (fold 0: see the module docstring)."""
    return local.replace(tzinfo=zone, fold=0).astimezone(UTC)


def _hand_off_points(rotation: Rotation, after: datetime) -> Iterator[datetime]:
    """Local wall-clock hand-off points strictly after ``after`` (naive, local), in order."""
    day = after.date()
    if rotation.daily:
        times = sorted(set(rotation.daily))
        while True:
            for t in times:
                point = datetime.combine(day, t)
                if point > after:
                    yield point
            day += timedelta(days=1)
    elif rotation.weekly:
        weekly = sorted(set(rotation.weekly))
        monday = day - timedelta(days=day.weekday())
        while True:
            for weekday, t in weekly:
                point = datetime.combine(monday + timedelta(days=weekday), t)
                if point > after:
                    yield point
            monday += timedelta(days=7)
    elif rotation.monthly:
        year, month = day.year, day.month
        while True:
            last = month_calendar.monthrange(year, month)[1]
            points = sorted(
                {datetime.combine(date(year, month, min(d, last)), t) for d, t in rotation.monthly}
            )
            for point in points:
                if point > after:
                    yield point
            year, month = (year + 1, 1) if month == 12 else (year, month + 1)
    else:
        raise ValueError(f"rotation {rotation.name!r} has no hand-off times")


def _boundaries(rotation: Rotation) -> Iterator[datetime]:
    """Start of shift 0, 1, 2, ... in UTC: the rotation's start, then every N-th hand-off."""
    zone = rotation.zone
    start = rotation.start.astimezone(UTC)
    yield start
    previous = start
    step = rotation.recurrence_multiplier
    for count, point in enumerate(
        _hand_off_points(rotation, rotation.start.astimezone(zone).replace(tzinfo=None)), 1
    ):
        if count % step:
            continue
        instant = to_utc(point, zone)
        # Two hand-offs either side of a skipped hour can map out of order: keep time moving on.
        if instant > previous:
            previous = instant
            yield instant


def _coverage_windows(
    rotation: Rotation, start: datetime, end: datetime
) -> list[tuple[datetime, datetime]]:
    """The rotation's covered hours overlapping [start, end), in UTC, merged and in order."""
    zone = rotation.zone
    first = start.astimezone(zone).date() - timedelta(days=1)
    last = end.astimezone(zone).date()
    windows: list[tuple[datetime, datetime]] = []
    day = first
    while day <= last:
        for coverage in rotation.coverages:
            if coverage.weekday != day.weekday():
                continue
            local_end_day = day if coverage.end > coverage.start else day + timedelta(days=1)
            window = (
                to_utc(datetime.combine(day, coverage.start), zone),
                to_utc(datetime.combine(local_end_day, coverage.end), zone),
            )
            if window[1] > start and window[0] < end:
                windows.append(window)
        day += timedelta(days=1)
    return _merged(windows)


def _merged(windows: Sequence[tuple[datetime, datetime]]) -> list[tuple[datetime, datetime]]:
    merged: list[tuple[datetime, datetime]] = []
    for begin, finish in sorted(windows):
        if merged and begin <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(merged[-1][1], finish))
        else:
            merged.append((begin, finish))
    return merged


def shifts(rotation: Rotation, start: datetime, end: datetime) -> list[Shift]:
    """Every shift (or covered piece of one) that overlaps [``start``, ``end``), whole, in order.

    Like ListPreviewRotationShifts with StartTime/EndTime: a shift that began before ``start``
    is returned with its real start.
    """
    found: list[Shift] = []
    boundaries = _boundaries(rotation)
    begin = next(boundaries)
    for index, finish in enumerate(boundaries):
        if begin >= end:
            break
        if finish > start:
            found.extend(
                _covered(rotation, Shift(begin, finish, index, rotation.members_of(index)))
            )
        begin = finish
    return [s for s in found if s.end > start and s.start < end]


def _covered(rotation: Rotation, shift: Shift) -> list[Shift]:
    if not rotation.coverages:
        return [shift]
    return [
        Shift(max(shift.start, begin), min(shift.end, finish), shift.index, shift.members)
        for begin, finish in _coverage_windows(rotation, shift.start, shift.end)
        if min(shift.end, finish) > max(shift.start, begin)
    ]


def on_call_at(rotation: Rotation, moment: datetime) -> tuple[str, ...]:
    """The contacts on call at ``moment`` (none outside coverage hours or before the start)."""
    for shift in shifts(rotation, moment, moment + timedelta(microseconds=1)):
        if shift.start <= moment < shift.end:
            return shift.members
    return ()


def gaps(rotation: Rotation, start: datetime, end: datetime) -> list[tuple[datetime, datetime]]:
    """The parts of [``start``, ``end``) in which nobody is on call, in UTC."""
    found: list[tuple[datetime, datetime]] = []
    cursor = start
    for shift in shifts(rotation, start, end):
        if shift.start > cursor:
            found.append((cursor, shift.start))
        cursor = max(cursor, shift.end)
    if cursor < end:
        found.append((cursor, end))
    return found


def uncovered_week(rotation: Rotation) -> list[tuple[int, int]]:
    """Minutes of the local week (0 = Monday 00:00) that no coverage includes, as
    [start, end) ranges; empty when the rotation covers every hour (no coverages: 24/7)."""
    if not rotation.coverages:
        return []
    covered = [False] * MINUTES_PER_WEEK
    for coverage in rotation.coverages:
        begin = (
            coverage.weekday * MINUTES_PER_DAY + coverage.start.hour * 60 + coverage.start.minute
        )
        length = (
            (coverage.end.hour * 60 + coverage.end.minute)
            - (coverage.start.hour * 60 + coverage.start.minute)
        ) % MINUTES_PER_DAY or MINUTES_PER_DAY
        for minute in range(begin, begin + length):
            covered[minute % MINUTES_PER_WEEK] = True
    ranges: list[tuple[int, int]] = []
    minute = 0
    while minute < MINUTES_PER_WEEK:
        if covered[minute]:
            minute += 1
            continue
        begin = minute
        while minute < MINUTES_PER_WEEK and not covered[minute]:
            minute += 1
        ranges.append((begin, minute))
    return ranges


def week_minute_text(minute: int) -> str:
    """``MON 08:00`` for a minute of the week; the week's end reads ``MON 00:00`` + 7 days as
    ``SUN 24:00``."""
    if minute == MINUTES_PER_WEEK:
        return "SUN 24:00"
    day, rest = divmod(minute, MINUTES_PER_DAY)
    return f"{DAYS[day]} {rest // 60:02d}:{rest % 60:02d}"
