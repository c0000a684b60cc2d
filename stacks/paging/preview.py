"""One environment's paging preview: timelines, on-call calendars and findings, as text or JSON."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from stacks.paging.calendar import DAYS, Rotation, Shift, gaps, shifts
from stacks.paging.findings import PlacedFinding, findings, place
from stacks.paging.source import SourceFile
from stacks.paging.timeline import Page, Timeline, timelines

DEFAULT_WEEKS = 4


@dataclass(frozen=True)
class RotationCalendar:
    """The shifts of one rotation in the preview's window, and when nobody is on call."""

    rotation: Rotation
    shifts: tuple[Shift, ...]
    gaps: tuple[tuple[datetime, datetime], ...]


@dataclass(frozen=True)
class Preview:
    """Everything `main.py preview` reports about one environment."""

    environment: str
    file: str
    start: datetime
    weeks: int
    timelines: tuple[Timeline, ...]
    calendars: tuple[RotationCalendar, ...]
    findings: tuple[PlacedFinding, ...]

    @property
    def end(self) -> datetime:
        return self.start + timedelta(weeks=self.weeks)


def build_preview(source: SourceFile, start: datetime, weeks: int = DEFAULT_WEEKS) -> Preview:
    environment = source.environment
    config = environment.config
    found = timelines(config, start)
    end = start + timedelta(weeks=weeks)
    calendars = []
    for rotation_config in config.rotations:
        rotation = Rotation.from_config(rotation_config)
        calendars.append(
            RotationCalendar(
                rotation, tuple(shifts(rotation, start, end)), tuple(gaps(rotation, start, end))
            )
        )
    return Preview(
        environment=environment.name,
        file=source.shown,
        start=start,
        weeks=weeks,
        timelines=tuple(found),
        calendars=tuple(calendars),
        findings=tuple(place(findings(config, found), source)),
    )


# --- text -------------------------------------------------------------------------------------


def _utc(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y-%m-%d %H:%M")


def _local(moment: datetime, rotation: Rotation) -> str:
    local = moment.astimezone(rotation.zone)
    return f"{DAYS[local.weekday()].title()} {local:%Y-%m-%d %H:%M}"


def retry_text(page: Page) -> str:
    if page.retry_interval_minutes:
        return f"retry every {page.retry_interval_minutes} min if undelivered"
    return "no retry"


def hand_off_text(rotation: Rotation) -> str:
    """``weekly hand-off MON 09:00`` and the like."""
    if rotation.daily:
        when = ", ".join(f"{t:%H:%M}" for t in sorted(rotation.daily))
        unit = "day"
        kind = "daily"
    elif rotation.weekly:
        when = ", ".join(f"{DAYS[d]} {t:%H:%M}" for d, t in sorted(rotation.weekly))
        unit = "week"
        kind = "weekly"
    else:
        when = ", ".join(f"day {d} {t:%H:%M}" for d, t in sorted(rotation.monthly))
        unit = "month"
        kind = "monthly"
    every = rotation.recurrence_multiplier
    length = f"{every} {unit}s" if every > 1 else f"1 {unit}"
    return f"{kind} hand-off {when}, shifts of {length}"


def text(preview: Preview) -> str:
    lines = [
        f"Paging preview of {preview.environment} ({preview.file})",
        f"An incident opens {_utc(preview.start)} UTC and nobody acknowledges.",
        "",
    ]
    if not preview.timelines:
        lines += ["No response plans.", ""]
    for timeline in preview.timelines:
        lines += _timeline_text(timeline)
    lines.append(
        f"On-call calendar, {preview.weeks} week{'s' if preview.weeks != 1 else ''} from "
        f"{_utc(preview.start)} UTC"
    )
    lines.append("")
    if not preview.calendars:
        lines += ["No rotations.", ""]
    for calendar in preview.calendars:
        lines += _calendar_text(calendar)
    count = len(preview.findings)
    lines.append(f"{count} finding{'s' if count != 1 else ''}" + (":" if count else "."))
    lines += [f"  {finding}" for finding in preview.findings]
    return "\n".join(lines) + "\n"


def _timeline_text(timeline: Timeline) -> list[str]:
    lines = [f"{timeline.response_plan}"]
    if not timeline.pages:
        lines.append("  pages nobody")
        lines += [
            f"  minute {minute}: on-call schedule {schedule} has nobody on call"
            for minute, schedule in timeline.unstaffed
        ]
        return [*lines, ""]
    width = max(len(p.contact) for p in timeline.pages)
    lines.append(f"  minute  at (UTC)          {'who':<{width}}  channel")
    for page in timeline.pages:
        on_call = (
            f"; on call in {page.on_call.rotation}, paged through on-call schedule "
            f"{page.on_call.schedule}"
            if page.on_call
            else ""
        )
        lines.append(
            f"  {page.minute:>6}  {_utc(timeline.at(page))}  {page.contact:<{width}}  "
            f"{page.channel_type} {page.channel!r} ({retry_text(page)}{on_call})"
        )
        lines.append(f"  {'':>6}  {'':16}  via {' > '.join(page.path)}")
    for minute, schedule in timeline.unstaffed:
        lines.append(f"  minute {minute}: on-call schedule {schedule} has nobody on call: no page")
    if timeline.stops:
        lines.append("  an acknowledgement stops escalation:")
    for stop in timeline.stops:
        after = (
            f"the stage at minute {stop.prevents_minute} never starts"
            if stop.prevents_minute is not None
            else "no stage follows"
        )
        lines.append(
            f"    from minute {stop.minute}: {stop.contact} acknowledges -> {stop.plan} stops; "
            f"{after}"
        )
    lines.append("")
    return lines


def _calendar_text(calendar: RotationCalendar) -> list[str]:
    rotation = calendar.rotation
    lines = [
        f"{rotation.name} ({rotation.time_zone}; {hand_off_text(rotation)}; "
        f"{rotation.number_of_on_calls} on call"
        + ("; coverage hours only" if rotation.coverages else "")
        + ")",
        f"  {'from (local)':<20}  {'to (local)':<20}  {'from (UTC)':<16}  {'to (UTC)':<16}"
        "  on call",
    ]
    for shift in calendar.shifts:
        lines.append(
            f"  {_local(shift.start, rotation)}  {_local(shift.end, rotation)}  "
            f"{_utc(shift.start)}  {_utc(shift.end)}  {', '.join(shift.members)}"
        )
    if calendar.gaps:
        lines.append(f"  nobody on call ({len(calendar.gaps)} gaps in the window):")
        lines += [
            f"    {_local(a, rotation)} - {_local(b, rotation)}  ({_utc(a)} - {_utc(b)} UTC)"
            for a, b in calendar.gaps[:10]
        ]
        if len(calendar.gaps) > 10:
            lines.append(f"    ... {len(calendar.gaps) - 10} more")
    else:
        lines.append("  somebody is on call at every moment of the window")
    lines.append("")
    return lines


# --- JSON -------------------------------------------------------------------------------------


def _iso(moment: datetime) -> str:
    return moment.astimezone(UTC).isoformat().replace("+00:00", "Z")


def as_json(preview: Preview) -> dict[str, Any]:
    return {
        "environment": preview.environment,
        "file": preview.file,
        "incident_start": _iso(preview.start),
        "weeks": preview.weeks,
        "response_plans": [
            {
                "name": t.response_plan,
                "pages": [
                    {
                        "minute": p.minute,
                        "at": _iso(t.at(p)),
                        "contact": p.contact,
                        "channel": p.channel,
                        "channel_type": p.channel_type,
                        "retry_interval_minutes": p.retry_interval_minutes,
                        "path": list(p.path),
                        "on_call": (
                            {"schedule": p.on_call.schedule, "rotation": p.on_call.rotation}
                            if p.on_call
                            else None
                        ),
                    }
                    for p in t.pages
                ],
                "unstaffed_schedules": [
                    {"minute": minute, "schedule": schedule} for minute, schedule in t.unstaffed
                ],
                "escalation_stages": [
                    {"minute": minute, "escalation_plan": plan, "stage": number}
                    for minute, plan, number in t.stages
                ],
                "acknowledgement_stops": [
                    {
                        "from_minute": s.minute,
                        "contact": s.contact,
                        "escalation_plan": s.plan,
                        "prevents_stage_at_minute": s.prevents_minute,
                        "path": list(s.path),
                    }
                    for s in t.stops
                ],
            }
            for t in preview.timelines
        ],
        "rotations": [
            {
                "name": c.rotation.name,
                "time_zone": c.rotation.time_zone,
                "shifts": [
                    {
                        "members": list(s.members),
                        "start": _iso(s.start),
                        "end": _iso(s.end),
                        "start_local": s.start.astimezone(c.rotation.zone).isoformat(),
                        "end_local": s.end.astimezone(c.rotation.zone).isoformat(),
                    }
                    for s in c.shifts
                ],
                "gaps": [{"start": _iso(a), "end": _iso(b)} for a, b in c.gaps],
            }
            for c in preview.calendars
        ],
        "findings": [
            {"file": f.file, "line": f.line, "path": f.path, "kind": f.kind, "message": f.message}
            for f in preview.findings
        ],
    }


def json_text(previews: list[Preview]) -> str:
    return json.dumps([as_json(p) for p in previews], indent=2) + "\n"
