"""What a change does to paging: who is paged when, and who is on call, before and after, as
Markdown for a pull request comment."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from itertools import pairwise
from zoneinfo import ZoneInfo

from stacks.paging.calendar import DAYS, Shift
from stacks.paging.preview import Preview, RotationCalendar
from stacks.paging.timeline import Page, Timeline

MAX_CALENDAR_LINES = 20


def _minutes(values: Sequence[int]) -> str:
    unique = sorted(set(values))
    word = "minute" if len(unique) == 1 else "minutes"
    return f"{word} {', '.join(str(m) for m in unique)}"


def _page_text(page: Page) -> str:
    retry = f", retry {page.retry_interval_minutes} min" if page.retry_interval_minutes else ""
    return f"{page.channel_type} '{page.channel}' at minute {page.minute}{retry}"


def timeline_changes(old: Timeline | None, new: Timeline | None) -> list[str]:
    """Sentences about one response plan: who is paged when, and what stops escalation."""
    name = (new or old).response_plan  # type: ignore[union-attr]
    if old is None:
        return [f"**{name}**: new response plan; pages {', '.join(new.people) or 'nobody'}"]  # type: ignore[union-attr]
    if new is None:
        return [f"**{name}**: response plan removed (paged {', '.join(old.people) or 'nobody'})"]
    lines = []
    for person in sorted(set(old.people) | set(new.people)):
        before = [p for p in old.pages if p.contact == person]
        after = [p for p in new.pages if p.contact == person]
        if not before:
            lines.append(
                f"**{name}**: {person} is now paged at {_minutes([p.minute for p in after])}"
            )
        elif not after:
            lines.append(
                f"**{name}**: {person} is no longer paged "
                f"(was paged at {_minutes([p.minute for p in before])})"
            )
        elif sorted({p.minute for p in before}) != sorted({p.minute for p in after}):
            lines.append(
                f"**{name}**: {person} is now paged at {_minutes([p.minute for p in after])} "
                f"instead of {_minutes([p.minute for p in before]).split(' ', 1)[1]}"
            )
        elif sorted(map(_page_text, before)) != sorted(map(_page_text, after)):
            lines.append(
                f"**{name}**: {person} is now paged by {'; '.join(sorted(map(_page_text, after)))} "
                f"instead of {'; '.join(sorted(map(_page_text, before)))}"
            )
    stops_before = _stops(old)
    stops_after = _stops(new)
    for contact, plan in sorted(set(stops_before) | set(stops_after)):
        was, now = stops_before.get((contact, plan)), stops_after.get((contact, plan))
        if was == now:
            continue
        who = f"**{name}**: an acknowledgement by {contact}"
        if now is None:
            lines.append(f"{who} no longer stops {plan} (it did from {_minutes(was or [])})")
        elif was is None:
            lines.append(f"{who} now stops {plan} from {_minutes(now)}")
        else:
            lines.append(
                f"{who} now stops {plan} from {_minutes(now)} instead of "
                f"{_minutes(was).split(' ', 1)[1]}"
            )
    return lines


def _stops(timeline: Timeline) -> dict[tuple[str, str], list[int]]:
    found: dict[tuple[str, str], list[int]] = {}
    for stop in timeline.stops:
        found.setdefault((stop.contact, stop.plan), []).append(stop.minute)
    return found


def _local(moment: datetime, zone: ZoneInfo) -> str:
    local = moment.astimezone(zone)
    return f"{DAYS[local.weekday()].title()} {local:%Y-%m-%d %H:%M}"


def _on_call(shifts: Sequence[Shift], moment: datetime) -> tuple[str, ...]:
    for shift in shifts:
        if shift.start <= moment < shift.end:
            return shift.members
    return ()


def calendar_changes(
    old: RotationCalendar | None, new: RotationCalendar | None, window: tuple[datetime, datetime]
) -> list[str]:
    """Sentences about one rotation: the spans of the window whose people on call changed."""
    name = (new or old).rotation.name  # type: ignore[union-attr]
    if old is None:
        return [f"**{name}**: new rotation"]
    if new is None:
        return [f"**{name}**: rotation removed"]
    zone = new.rotation.zone
    instants = sorted(
        {window[0], window[1]}
        | {
            t
            for s in (*old.shifts, *new.shifts)
            for t in (s.start, s.end)
            if window[0] < t < window[1]
        }
    )
    spans: list[tuple[datetime, datetime, tuple[str, ...], tuple[str, ...]]] = []
    for begin, end in pairwise(instants):
        before, after = _on_call(old.shifts, begin), _on_call(new.shifts, begin)
        if before == after:
            continue
        if spans and spans[-1][1] == begin and spans[-1][2:] == (before, after):
            spans[-1] = (spans[-1][0], end, before, after)
        else:
            spans.append((begin, end, before, after))
    lines = [
        f"**{name}**: {_local(begin, zone)} to {_local(end, zone)} ({new.rotation.time_zone}): "
        f"{', '.join(after) or 'nobody'} instead of {', '.join(before) or 'nobody'}"
        for begin, end, before, after in spans
    ]
    if len(lines) > MAX_CALENDAR_LINES:
        lines = [
            *lines[:MAX_CALENDAR_LINES],
            f"**{name}**: ... {len(lines) - MAX_CALENDAR_LINES} more",
        ]
    return lines


def markdown(base: str, old: Preview | None, new: Preview) -> str:
    """The PR comment: paging changes, then calendar changes, between ``base`` and now."""
    window = (new.start, new.end)
    paging: list[str] = []
    old_timelines = {t.response_plan: t for t in old.timelines} if old else {}
    new_timelines = {t.response_plan: t for t in new.timelines}
    for plan in [*new_timelines, *(p for p in old_timelines if p not in new_timelines)]:
        paging += timeline_changes(old_timelines.get(plan), new_timelines.get(plan))
    calendar: list[str] = []
    old_calendars = {c.rotation.name: c for c in old.calendars} if old else {}
    new_calendars = {c.rotation.name: c for c in new.calendars}
    for rotation in [*new_calendars, *(r for r in old_calendars if r not in new_calendars)]:
        calendar += calendar_changes(
            old_calendars.get(rotation), new_calendars.get(rotation), window
        )
    heading = f"### Paging changes in `{new.environment}` ({base} → working tree)"
    intro = (
        f"An incident opening {new.start:%Y-%m-%d %H:%M} UTC that nobody acknowledges; "
        f"on-call calendar for {new.weeks} weeks from then."
    )
    if old is None:
        intro += f" `{new.file}` does not exist in {base}: everything is new."
    if not paging and not calendar:
        return f"{heading}\n\n{intro}\n\nNo change to who is paged when, or to who is on call.\n"
    parts = [heading, "", intro, ""]
    parts += ["**Who is paged when**", ""] + ([f"- {line}" for line in paging] or ["- no change"])
    parts += ["", "**Who is on call**", ""] + (
        [f"- {line}" for line in calendar] or ["- no change"]
    )
    return "\n".join(parts) + "\n"
