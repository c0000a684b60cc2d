"""The on-call calendar: hand-computed examples, then properties over generated rotations."""

from __future__ import annotations

import itertools
from datetime import UTC, datetime, time, timedelta
from zoneinfo import ZoneInfo

from hypothesis import given, settings
from hypothesis import strategies as st

from stacks.paging.calendar import (
    Coverage,
    Rotation,
    gaps,
    on_call_at,
    shifts,
    to_utc,
    uncovered_week,
    week_minute_text,
)

LA = ZoneInfo("America/Los_Angeles")
BERLIN = ZoneInfo("Europe/Berlin")
WALKTHROUGH = Rotation(
    name="app-responders-weekly",
    members=("incident-responder", "sr-incident-responder"),
    time_zone="America/Los_Angeles",
    start=datetime(2026, 1, 5, 9, 0, tzinfo=LA),
    weekly=((0, time(9, 0)),),
)


def utc(*args: int) -> datetime:
    return datetime(*args, tzinfo=UTC)  # type: ignore[arg-type, misc]


def test_weekly_rotation_hands_off_every_monday_at_nine_local() -> None:
    found = shifts(WALKTHROUGH, utc(2026, 11, 23, 17), utc(2026, 12, 14, 17))
    # 2026-01-05 to 2026-11-23 is 46 weeks: shift 46, the first contact's turn again.
    assert [(s.index, s.members, s.start, s.end) for s in found] == [
        (46, ("incident-responder",), utc(2026, 11, 23, 17), utc(2026, 11, 30, 17)),
        (47, ("sr-incident-responder",), utc(2026, 11, 30, 17), utc(2026, 12, 7, 17)),
        (48, ("incident-responder",), utc(2026, 12, 7, 17), utc(2026, 12, 14, 17)),
    ]


def test_a_shift_that_began_before_the_window_is_returned_whole() -> None:
    (first,) = shifts(WALKTHROUGH, utc(2026, 11, 23, 10), utc(2026, 11, 23, 11))
    assert (first.index, first.members) == (45, ("sr-incident-responder",))
    assert first.start == utc(2026, 11, 16, 17)


def test_the_shift_across_the_spring_change_is_an_hour_shorter_and_hands_off_at_nine_pdt() -> None:
    (shift,) = shifts(WALKTHROUGH, utc(2026, 3, 5), utc(2026, 3, 5, 1))
    assert shift.start == utc(2026, 3, 2, 17)  # 09:00 PST
    assert shift.end == utc(2026, 3, 9, 16)  # 09:00 PDT
    assert shift.end - shift.start == timedelta(hours=167)
    assert shift.local(LA)[1].hour == 9


def test_nobody_is_on_call_before_the_rotation_starts() -> None:
    assert on_call_at(WALKTHROUGH, utc(2026, 1, 5, 16, 59)) == ()
    assert on_call_at(WALKTHROUGH, utc(2026, 1, 5, 17)) == ("incident-responder",)
    assert gaps(WALKTHROUGH, utc(2026, 1, 5), utc(2026, 1, 6)) == [
        (utc(2026, 1, 5), utc(2026, 1, 5, 17))
    ]


def test_multiplier_and_several_on_call_move_the_group_on_every_n_days() -> None:
    rotation = Rotation(
        name="pairs",
        members=("a", "b", "c"),
        time_zone="UTC",
        start=utc(2026, 1, 1, 8),
        number_of_on_calls=2,
        recurrence_multiplier=2,
        daily=(time(8, 0),),
    )
    found = shifts(rotation, utc(2026, 1, 1, 8), utc(2026, 1, 7, 8))
    assert [(s.members, s.start, s.end) for s in found] == [
        (("a", "b"), utc(2026, 1, 1, 8), utc(2026, 1, 3, 8)),
        (("c", "a"), utc(2026, 1, 3, 8), utc(2026, 1, 5, 8)),
        (("b", "c"), utc(2026, 1, 5, 8), utc(2026, 1, 7, 8)),
    ]


def test_a_start_between_hand_offs_makes_a_short_first_shift() -> None:
    rotation = Rotation(
        name="r", members=("a", "b"), time_zone="UTC", start=utc(2026, 1, 7, 12),
        weekly=((0, time(9, 0)),),
    )  # fmt: skip
    first, second = shifts(rotation, utc(2026, 1, 7, 12), utc(2026, 1, 13))
    assert (first.members, first.end) == (("a",), utc(2026, 1, 12, 9))
    assert (second.members, second.start) == (("b",), utc(2026, 1, 12, 9))


def test_monthly_hand_off_on_the_31st_falls_on_the_last_day_of_shorter_months() -> None:
    rotation = Rotation(
        name="r", members=("a", "b"), time_zone="UTC", start=utc(2026, 1, 31, 9),
        monthly=((31, time(9, 0)),),
    )  # fmt: skip
    found = shifts(rotation, utc(2026, 1, 31, 9), utc(2026, 4, 1))
    assert [(s.members, s.start) for s in found] == [
        (("a",), utc(2026, 1, 31, 9)),
        (("b",), utc(2026, 2, 28, 9)),
        (("a",), utc(2026, 3, 31, 9)),
    ]


def test_a_hand_off_in_the_skipped_spring_hour_happens_an_hour_later() -> None:
    rotation = Rotation(
        name="r", members=("a", "b"), time_zone="America/Los_Angeles",
        start=datetime(2026, 3, 6, 2, 30, tzinfo=LA), daily=(time(2, 30),),
    )  # fmt: skip
    found = shifts(rotation, utc(2026, 3, 8, 0), utc(2026, 3, 9, 0))
    # 2026-03-08 02:30 does not exist in Los Angeles: 03:30 PDT, 10:30 UTC.
    assert [s.start for s in found] == [utc(2026, 3, 7, 10, 30), utc(2026, 3, 8, 10, 30)]


def test_an_ambiguous_autumn_hand_off_is_the_first_occurrence() -> None:
    rotation = Rotation(
        name="r", members=("a", "b"), time_zone="America/Los_Angeles",
        start=datetime(2026, 10, 30, 1, 30, tzinfo=LA), daily=(time(1, 30),),
    )  # fmt: skip
    found = shifts(rotation, utc(2026, 11, 1, 12), utc(2026, 11, 1, 13))
    assert found[0].start == utc(2026, 11, 1, 8, 30)  # 01:30 PDT, not 01:30 PST
    assert found[0].end == utc(2026, 11, 2, 9, 30)  # 01:30 PST the next day: a 25-hour shift


def test_coverage_hours_cut_shifts_and_hand_offs_continue_over_the_weekend() -> None:
    weekdays = tuple(Coverage(day, time(8, 0), time(18, 0)) for day in range(4))
    rotation = Rotation(
        name="business-hours",
        members=("a", "b"),
        time_zone="Europe/Berlin",
        start=datetime(2026, 1, 5, 8, 0, tzinfo=BERLIN),  # a Monday
        daily=(time(8, 0),),
        coverages=(*weekdays, Coverage(4, time(8, 0), time(16, 0))),
    )
    found = shifts(rotation, utc(2026, 1, 9), utc(2026, 1, 13))
    assert [(s.index, s.members, s.start, s.end) for s in found] == [
        (4, ("a",), utc(2026, 1, 9, 7), utc(2026, 1, 9, 15)),  # Friday 08:00-16:00
        (7, ("b",), utc(2026, 1, 12, 7), utc(2026, 1, 12, 17)),  # Monday: Sat and Sun counted
    ]
    assert [(week_minute_text(a), week_minute_text(b)) for a, b in uncovered_week(rotation)] == [
        ("MON 00:00", "MON 08:00"),
        ("MON 18:00", "TUE 08:00"),
        ("TUE 18:00", "WED 08:00"),
        ("WED 18:00", "THU 08:00"),
        ("THU 18:00", "FRI 08:00"),
        ("FRI 16:00", "SUN 24:00"),
    ]


def test_a_coverage_ending_before_it_starts_runs_past_midnight() -> None:
    rotation = Rotation(
        name="nights", members=("a",), time_zone="UTC", start=utc(2026, 1, 5),
        daily=(time(0, 0),), coverages=(Coverage(0, time(22, 0), time(6, 0)),),
    )  # fmt: skip
    pieces = shifts(rotation, utc(2026, 1, 5), utc(2026, 1, 7))
    assert [(p.start, p.end) for p in pieces] == [
        (utc(2026, 1, 5, 22), utc(2026, 1, 6, 0)),
        (utc(2026, 1, 6, 0), utc(2026, 1, 6, 6)),
    ]
    assert uncovered_week(rotation)[0] == (0, 22 * 60)


# --- properties over generated rotations ------------------------------------------------------

ZONES = (
    "UTC",
    "America/Los_Angeles",
    "Europe/Berlin",
    "Australia/Sydney",
    "Australia/Lord_Howe",  # a 30-minute daylight-saving change
    "Pacific/Chatham",  # a 45-minute offset
    "Asia/Kolkata",
)
times = st.builds(time, st.integers(0, 23), st.sampled_from([0, 15, 30, 45]))


@st.composite
def rotations(draw: st.DrawFn, coverage: bool = False) -> Rotation:
    members = tuple(f"c{i}" for i in range(draw(st.integers(1, 6))))
    zone = draw(st.sampled_from(ZONES))
    kind = draw(st.sampled_from(["daily", "weekly", "monthly"]))
    settings_: dict[str, object] = {}
    if kind == "daily":
        settings_["daily"] = tuple(draw(st.lists(times, min_size=1, max_size=3, unique=True)))
    elif kind == "weekly":
        settings_["weekly"] = tuple(
            draw(st.lists(st.tuples(st.integers(0, 6), times), min_size=1, max_size=3, unique=True))
        )
    else:
        settings_["monthly"] = tuple(
            draw(
                st.lists(st.tuples(st.integers(1, 31), times), min_size=1, max_size=2, unique=True)
            )
        )
    covered: tuple[Coverage, ...] = ()
    if coverage:
        covered = tuple(
            draw(
                st.lists(
                    st.builds(Coverage, st.integers(0, 6), times, times).filter(
                        lambda c: c.start != c.end
                    ),
                    min_size=1,
                    max_size=4,
                )
            )
        )
    start_local = draw(st.datetimes(datetime(2025, 1, 1), datetime(2027, 1, 1)))
    return Rotation(
        name="generated",
        members=members,
        time_zone=zone,
        start=to_utc(start_local.replace(second=0, microsecond=0), ZoneInfo(zone)),
        number_of_on_calls=draw(st.integers(1, len(members))),
        recurrence_multiplier=draw(st.integers(1, 3)),
        coverages=covered,
        **settings_,  # type: ignore[arg-type]
    )


# A window after the rotation's start: minutes after it, and a length in weeks.
windows = st.tuples(st.integers(0, 3 * 365 * 1440), st.integers(1, 10))


def _hand_off_matches(rotation: Rotation, moment: datetime) -> bool:
    """``moment`` is one of the rotation's configured local hand-off times, or (when that local
    time does not exist that day) the instant such a time maps to."""
    zone = rotation.zone
    local = moment.astimezone(zone)
    for back in (timedelta(0), timedelta(hours=1), timedelta(minutes=30)):
        candidate = (local - back).replace(tzinfo=None)
        configured = _configured(rotation, candidate)
        if configured and to_utc(candidate, zone) == moment:
            return True
    return False


def _configured(rotation: Rotation, local: datetime) -> bool:
    import calendar

    wall = local.time()
    if rotation.daily:
        return wall in rotation.daily
    if rotation.weekly:
        return (local.weekday(), wall) in rotation.weekly
    last = calendar.monthrange(local.year, local.month)[1]
    return any(min(day, last) == local.day and t == wall for day, t in rotation.monthly)


@settings(max_examples=150, deadline=None)
@given(rotations(), windows)
def test_shifts_never_overlap_and_hand_off_at_the_configured_local_time(
    rotation: Rotation, window: tuple[int, int]
) -> None:
    start, weeks = rotation.start + timedelta(minutes=window[0]), window[1]
    found = shifts(rotation, start, start + timedelta(weeks=weeks))
    assert found, "a rotation without coverages always has someone on call once it started"
    for earlier, later in itertools.pairwise(found):
        assert earlier.end == later.start, "no overlap and, without coverages, no gap"
        assert later.index == earlier.index + 1
        assert _hand_off_matches(rotation, later.start), later.start.astimezone(rotation.zone)


@settings(max_examples=150, deadline=None)
@given(rotations(), windows)
def test_every_member_gets_a_turn_in_order(rotation: Rotation, window: tuple[int, int]) -> None:
    start = rotation.start + timedelta(minutes=window[0])
    count = len(rotation.members)
    end = start + timedelta(days=31 * rotation.recurrence_multiplier * (count + 1))
    found = shifts(rotation, start, end)[: count + 1]
    seen = [m for shift in found for m in shift.members]
    assert set(seen) == set(rotation.members)
    flat_order = [rotation.members.index(m) for m in seen]
    assert all(b == (a + 1) % count for a, b in itertools.pairwise(flat_order))


@settings(max_examples=150, deadline=None)
@given(rotations(coverage=True), windows, st.data())
def test_with_coverages_someone_is_on_call_exactly_in_covered_local_hours(
    rotation: Rotation, window: tuple[int, int], data: st.DataObject
) -> None:
    # Also before the start: nobody is on call then.
    start = rotation.start + timedelta(minutes=window[0] - 14 * 1440)
    weeks = window[1]
    end = start + timedelta(weeks=weeks)
    found = shifts(rotation, start, end)
    for earlier, later in itertools.pairwise(found):
        assert earlier.end <= later.start, "covered pieces never overlap"
    moment = data.draw(st.datetimes(start.replace(tzinfo=None), end.replace(tzinfo=None)))
    moment = moment.replace(tzinfo=UTC)
    local = moment.astimezone(rotation.zone)
    minute = local.weekday() * 1440 + local.hour * 60 + local.minute
    uncovered = any(a <= minute < b for a, b in uncovered_week(rotation))
    on_call = on_call_at(rotation, moment)
    if moment < rotation.start or uncovered:
        # Skipped or repeated local hours can shift a coverage edge by the change itself.
        assert not on_call or _near_a_change(rotation.zone, moment)
    else:
        assert on_call or _near_a_change(rotation.zone, moment)


def _near_a_change(zone: ZoneInfo, moment: datetime) -> bool:
    hours = timedelta(hours=3)
    return (moment - hours).astimezone(zone).utcoffset() != (moment + hours).astimezone(
        zone
    ).utcoffset()
