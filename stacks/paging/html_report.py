"""A self-contained HTML page per environment: paging timelines and on-call weeks as inline SVG.

No script, no font, no image and no style sheet is fetched: everything is in the one file, so
it opens offline, from a CI artifact or a mail attachment. Output depends only on the preview
(no generation time), so the same config and ``--at`` give the same bytes.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from datetime import date, datetime, timedelta
from html import escape
from pathlib import Path

from stacks.paging.calendar import DAYS, Rotation
from stacks.paging.preview import Preview, RotationCalendar, hand_off_text, retry_text
from stacks.paging.timeline import Timeline

CHANNEL_COLOURS = {"EMAIL": "#2563eb", "SMS": "#16a34a", "VOICE": "#ea580c"}
# Colour-blind-safe palette (Okabe-Ito) for rotation members, in member order.
MEMBER_COLOURS = (
    "#0072b2",
    "#e69f00",
    "#009e73",
    "#cc79a7",
    "#56b4e9",
    "#d55e00",
    "#f0e442",
    "#999999",
)
WIDTH = 960
LABEL_WIDTH = 280
ROW_HEIGHT = 36
HOUR_HEIGHT = 9
DAY_WIDTH = 120

STYLE = """
body { font: 14px/1.4 system-ui, -apple-system, "Segoe UI", sans-serif; margin: 24px;
       color: #111827; background: #fff; max-width: 1000px; }
h1 { font-size: 22px; margin: 0 0 4px; } h2 { font-size: 18px; margin: 28px 0 8px; }
h3 { font-size: 15px; margin: 18px 0 6px; }
.meta, .note { color: #4b5563; } svg { display: block; margin: 6px 0 12px; }
svg text { font: 12px system-ui, sans-serif; fill: #111827; }
svg .axis { stroke: #9ca3af; stroke-width: 1; } svg .grid { stroke: #e5e7eb; stroke-width: 1; }
svg .stage { stroke: #6b7280; stroke-dasharray: 4 3; }
svg .retry { stroke-dasharray: 2 3; stroke-width: 2; }
svg .stop { fill: #fef3c7; } svg text.who { font-weight: 600; }
svg text.channel { fill: #4b5563; font-size: 11px; }
svg .gap { fill: url(#gap-hatch); stroke: #dc2626; }
svg .outside { fill: #f3f4f6; }
table { border-collapse: collapse; margin: 6px 0 12px; }
th, td { border-bottom: 1px solid #e5e7eb; padding: 3px 8px; text-align: left;
         vertical-align: top; }
td.path { color: #4b5563; font-size: 12px; }
.legend span { display: inline-block; margin-right: 14px; }
.swatch { display: inline-block; width: 12px; height: 12px; margin-right: 4px;
          vertical-align: -1px; border-radius: 2px; }
ul.findings li { margin: 2px 0; } code { font-size: 12px; }
"""


def _attrs(**values: object) -> str:
    return "".join(
        f' {name.rstrip("_").replace("_", "-")}="{escape(str(value))}"'
        for name, value in values.items()
    )


def _tag(name: str, content: str = "", **values: object) -> str:
    return f"<{name}{_attrs(**values)}>{content}</{name}>"


def _fit(text: str, width: float, char_width: float = 6.6) -> str:
    """``text`` cut with an ellipsis to about ``width`` pixels of 12px text."""
    most = max(3, int(width / char_width))
    return text if len(text) <= most else text[: most - 1] + "…"


def _utc(moment: datetime) -> str:
    return f"{moment:%Y-%m-%d %H:%M} UTC"


# --- paging timeline --------------------------------------------------------------------------


def timeline_svg(timeline: Timeline) -> str:
    """One row per (person, channel), a dot where it is paged, dashed retries, shaded spans in
    which an acknowledgement stops escalation, dashed lines where stages start."""
    rows: list[tuple[str, str, str]] = []
    for page in timeline.pages:
        key = (page.contact, page.channel, page.channel_type)
        if key not in rows:
            rows.append(key)
    last = max(
        [p.minute for p in timeline.pages] + [s.prevents_minute or 0 for s in timeline.stops]
    )
    span = max(15, last + 10)
    plot = WIDTH - LABEL_WIDTH - 20
    height = 40 + ROW_HEIGHT * max(1, len(rows)) + 30

    def x(minute: float) -> float:
        return LABEL_WIDTH + plot * minute / span

    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" class="timeline" width="{WIDTH}" '
        f'height="{height}" role="img" aria-label="{escape(timeline.response_plan)} paging '
        f'timeline" data-response-plan="{escape(timeline.response_plan)}">'
    ]
    top, bottom = 30, 30 + ROW_HEIGHT * max(1, len(rows))
    # Shade only where an acknowledgement still changes something: until the stage it prevents.
    for stop in timeline.stops:
        if stop.prevents_minute is None:
            continue
        end = stop.prevents_minute
        parts.append(
            _tag(
                "rect",
                _tag("title", f"an acknowledgement by {stop.contact} stops {stop.plan}"),
                class_="stop",
                x=f"{x(stop.minute):.1f}",
                y=top,
                width=f"{max(2.0, x(end) - x(stop.minute)):.1f}",
                height=bottom - top,
            )
        )
    step = 5 if span <= 60 else 15 if span <= 180 else 60
    for minute in range(0, span + 1, step):
        parts.append(
            f'<line class="grid" x1="{x(minute):.1f}" y1="{top}" x2="{x(minute):.1f}" '
            f'y2="{bottom}"/>'
        )
        parts.append(
            _tag("text", str(minute), x=f"{x(minute):.1f}", y=bottom + 16, text_anchor="middle")
        )
    parts.append(_tag("text", "minutes after the incident opens", x=LABEL_WIDTH, y=16))
    starting: dict[int, list[str]] = {}
    for minute, plan, number in timeline.stages:
        starting.setdefault(minute, []).append(f"{plan} stage {number}")
    for minute, names in sorted(starting.items()):
        if minute == 0:
            continue  # the first stages start with the incident: the axis itself
        parts.append(
            _tag(
                "line",
                _tag("title", escape(f"minute {minute}: {', '.join(names)} starts")),
                class_="stage",
                x1=f"{x(minute):.1f}",
                y1=top - 6,
                x2=f"{x(minute):.1f}",
                y2=bottom,
            )
        )
    for index, (contact, channel, kind) in enumerate(rows):
        y = top + ROW_HEIGHT * index + ROW_HEIGHT / 2
        parts.append(
            _tag(
                "text", escape(_fit(contact, LABEL_WIDTH - 16)), x=8, y=f"{y - 2:.1f}", class_="who"
            )
        )
        parts.append(
            _tag(
                "text",
                escape(_fit(f"{kind} {channel}", LABEL_WIDTH - 16)),
                x=8,
                y=f"{y + 12:.1f}",
                class_="channel",
            )
        )
        colour = CHANNEL_COLOURS.get(kind, "#374151")
        row = [
            p
            for p in timeline.pages
            if (p.contact, p.channel, p.channel_type) == (contact, channel, kind)
        ]
        for number, page in enumerate(row):
            # Retries (only if undelivered) drawn until the row's next page, or the axis' end.
            until = row[number + 1].minute if number + 1 < len(row) else span
            if page.retry_interval_minutes:
                retry = page.minute + page.retry_interval_minutes
                while retry < until or (retry == until == span):
                    parts.append(
                        _tag(
                            "circle",
                            _tag("title", f"retry at minute {retry} if undelivered"),
                            class_="retry-mark",
                            cx=f"{x(retry):.1f}",
                            cy=f"{y:.1f}",
                            r=3,
                            fill="none",
                            stroke=colour,
                        )
                    )
                    retry += page.retry_interval_minutes
            parts.append(
                _tag(
                    "circle",
                    _tag(
                        "title",
                        f"minute {page.minute}: {page.channel_type} {page.channel} "
                        f"({retry_text(page)}) via {' > '.join(page.path)}",
                    ),
                    class_="page",
                    cx=f"{x(page.minute):.1f}",
                    cy=f"{y:.1f}",
                    r=7,
                    fill=colour,
                )
            )
    parts.append(
        f'<line class="axis" x1="{LABEL_WIDTH}" y1="{bottom}" x2="{WIDTH - 20}" y2="{bottom}"/>'
    )
    parts.append("</svg>")
    return "".join(parts)


def _timeline_section(timeline: Timeline) -> str:
    heading = _tag("h3", escape(timeline.response_plan))
    unstaffed = "".join(
        _tag("p", escape(f"Minute {minute}: on-call schedule {schedule} has nobody on call."),
             class_="note unstaffed")
        for minute, schedule in timeline.unstaffed
    )  # fmt: skip
    if not timeline.pages:
        return heading + _tag("p", "Pages nobody.", class_="note") + unstaffed
    heading += unstaffed
    rows = "".join(
        "<tr>"
        + _tag("td", str(p.minute))
        + _tag("td", escape(f"{timeline.at(p):%H:%M}"))
        + _tag("td", escape(p.contact))
        + _tag("td", escape(f"{p.channel_type} {p.channel}"))
        + _tag("td", escape(retry_text(p)))
        + _tag("td", escape(" > ".join(p.path)), class_="path")
        + "</tr>"
        for p in timeline.pages
    )
    stops = "".join(
        _tag(
            "li",
            escape(
                f"from minute {s.minute}: an acknowledgement by {s.contact} stops {s.plan}"
                + (
                    f" (the stage at minute {s.prevents_minute} never starts)"
                    if s.prevents_minute is not None
                    else ""
                )
            ),
        )
        for s in timeline.stops
    )
    legend = "".join(
        f'<span><i class="swatch" style="background:{colour}"></i>{kind}</span>'
        for kind, colour in CHANNEL_COLOURS.items()
    )
    return (
        heading
        + timeline_svg(timeline)
        + _tag(
            "div",
            legend + "<span>○ retry if undelivered</span><span>┆ an escalation stage starts</span>"
            "<span>shaded: an acknowledgement stops escalation</span>",
            class_="legend",
        )
        + "<table><tr><th>minute</th><th>UTC</th><th>who</th><th>channel</th><th>retry</th>"
        "<th>path</th></tr>" + rows + "</table>" + (_tag("ul", stops) if stops else "")
    )


# --- on-call calendar -------------------------------------------------------------------------


def _day_pieces(
    begin: datetime, end: datetime, rotation: Rotation
) -> Iterator[tuple[date, float, float]]:
    """A UTC span cut into local days: (day, start hour, end hour) in wall-clock hours."""
    local_begin = begin.astimezone(rotation.zone).replace(tzinfo=None)
    local_end = end.astimezone(rotation.zone).replace(tzinfo=None)
    day = local_begin.date()
    while datetime.combine(day, datetime.min.time()) < local_end:
        day_start = datetime.combine(day, datetime.min.time())
        a = max(local_begin, day_start)
        b = min(local_end, day_start + timedelta(days=1))
        if b > a:
            yield (
                day,
                (a - day_start).total_seconds() / 3600,
                (b - day_start).total_seconds() / 3600,
            )
        day += timedelta(days=1)


def week_svg(calendar: RotationCalendar, monday: date, window: tuple[datetime, datetime]) -> str:
    """One week, Monday to Sunday in the rotation's time zone: a column per day, a block per
    shift in the member's colour, hatched red where nobody is on call."""
    rotation = calendar.rotation
    colours = {m: MEMBER_COLOURS[i % len(MEMBER_COLOURS)] for i, m in enumerate(rotation.members)}
    left, top = 44, 22
    height = top + 24 * HOUR_HEIGHT + 6
    width = left + 7 * DAY_WIDTH + 4
    days = [monday + timedelta(days=i) for i in range(7)]

    def block(day: date, a: float, b: float, **attrs: object) -> str:
        index = (day - monday).days
        content = attrs.pop("content", "")
        return _tag(
            "rect",
            str(content),
            x=f"{left + index * DAY_WIDTH + 1:.1f}",
            y=f"{top + a * HOUR_HEIGHT:.1f}",
            width=DAY_WIDTH - 2,
            height=f"{max(1.0, (b - a) * HOUR_HEIGHT):.1f}",
            **attrs,
        )

    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" class="week" width="{width}" height="{height}" '
        f'role="img" aria-label="{escape(rotation.name)}, week of {monday}" '
        f'data-rotation="{escape(rotation.name)}">',
    ]
    for i, day in enumerate(days):
        parts.append(
            _tag(
                "text",
                f"{DAYS[i].title()} {day:%d %b}",
                x=left + i * DAY_WIDTH + DAY_WIDTH / 2,
                y=14,
                text_anchor="middle",
            )
        )
    for hour in range(0, 25, 3):
        y = top + hour * HOUR_HEIGHT
        parts.append(f'<line class="grid" x1="{left}" y1="{y}" x2="{width - 4}" y2="{y}"/>')
        parts.append(_tag("text", f"{hour:02d}:00", x=2, y=y + 4))
    week_start = datetime.combine(monday, datetime.min.time()).replace(tzinfo=rotation.zone)
    week_end = week_start + timedelta(days=7)
    # Outside the preview's window nothing was computed: grey, not a gap.
    for span in ((week_start, window[0]), (window[1], week_end)):
        if span[1] > span[0]:
            for day, a, b in _day_pieces(
                max(span[0], week_start), min(span[1], week_end), rotation
            ):
                if monday <= day < monday + timedelta(days=7):
                    parts.append(block(day, a, b, class_="outside"))
    for shift in calendar.shifts:
        label = ", ".join(shift.members)
        begin, end = max(shift.start, window[0]), min(shift.end, window[1])
        for day, a, b in _day_pieces(begin, end, rotation):
            if not monday <= day < monday + timedelta(days=7):
                continue
            parts.append(
                block(
                    day,
                    a,
                    b,
                    class_="shift",
                    fill=colours[shift.members[0]],
                    content=_tag(
                        "title",
                        escape(f"{label}: {_utc(shift.start)} to {_utc(shift.end)}"),
                    ),
                )
            )
            if (b - a) * HOUR_HEIGHT >= 16:
                parts.append(
                    _tag(
                        "text",
                        escape(_fit(label, DAY_WIDTH - 10)),
                        x=left + (day - monday).days * DAY_WIDTH + 6,
                        y=f"{top + a * HOUR_HEIGHT + 13:.1f}",
                        style="fill:#fff;font-weight:600",
                    )
                )
    for begin, end in calendar.gaps:
        for day, a, b in _day_pieces(begin, end, rotation):
            if monday <= day < monday + timedelta(days=7):
                parts.append(
                    block(
                        day,
                        a,
                        b,
                        class_="gap",
                        content=_tag(
                            "title", escape(f"nobody on call: {_utc(begin)} to {_utc(end)}")
                        ),
                    )
                )
    parts.append("</svg>")
    return "".join(parts)


def _calendar_section(calendar: RotationCalendar, preview: Preview) -> str:
    rotation = calendar.rotation
    first = preview.start.astimezone(rotation.zone).date()
    monday = first - timedelta(days=first.weekday())
    last = preview.end.astimezone(rotation.zone).date()
    weeks = []
    while monday <= last:
        weeks.append(
            _tag(
                "h3", escape(f"{rotation.name}: week of {monday:%a %d %b %Y}"), class_="week-title"
            )
        )
        weeks.append(week_svg(calendar, monday, (preview.start, preview.end)))
        monday += timedelta(days=7)
    legend = "".join(
        f'<span><i class="swatch" style="background:{MEMBER_COLOURS[i % len(MEMBER_COLOURS)]}"></i>'
        f"{escape(member)}</span>"
        for i, member in enumerate(rotation.members)
    )
    gaps = (
        f"{len(calendar.gaps)} gap(s) in the window: hatched red."
        if calendar.gaps
        else "Somebody is on call at every moment of the window."
    )
    return (
        _tag("h2", escape(f"On-call calendar: {rotation.name}"))
        + _tag(
            "p",
            escape(
                f"{rotation.time_zone} (local time below); {hand_off_text(rotation)}; "
                f"{rotation.number_of_on_calls} on call. {gaps}"
            ),
            class_="meta",
        )
        + _tag(
            "div",
            legend + '<span><i class="swatch" style="background:#fca5a5"></i>nobody</span>',
            class_="legend",
        )
        + "".join(weeks)
    )


# Defined once per page: every week grid fills its gaps with it.
SHARED_DEFS = (
    '<svg width="0" height="0" style="position:absolute" aria-hidden="true"><defs>'
    '<pattern id="gap-hatch" width="6" height="6" patternUnits="userSpaceOnUse" '
    'patternTransform="rotate(45)"><rect width="6" height="6" fill="#fee2e2"/>'
    '<line x1="0" y1="0" x2="0" y2="6" stroke="#dc2626" stroke-width="2"/></pattern></defs></svg>'
)


def render(preview: Preview) -> str:
    """The whole page."""
    findings = "".join(
        _tag(
            "li",
            _tag("code", escape(f"{f.file}:{f.line}"))
            + escape(f" {f.path}: [{f.kind}] {f.message}"),
        )
        for f in preview.findings
    )
    body = (
        SHARED_DEFS
        + _tag("h1", escape(f"Who gets paged, and when: {preview.environment}"))
        + _tag(
            "p",
            escape(
                f"{preview.file}. An incident opens {_utc(preview.start)} and nobody "
                f"acknowledges; on-call calendar for {preview.weeks} weeks from then."
            ),
            class_="meta",
        )
        + _tag("h2", "Paging timelines")
        + ("".join(_timeline_section(t) for t in preview.timelines) or "<p>No response plans.</p>")
        + "".join(_calendar_section(c, preview) for c in preview.calendars)
        + _tag("h2", f"Findings ({len(preview.findings)})")
        + (_tag("ul", findings, class_="findings") if findings else "<p>None.</p>")
    )
    return (
        '<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8">'
        # Nothing may be fetched: the policy makes any accidental reference fail loudly.
        '<meta http-equiv="Content-Security-Policy" content="default-src \'none\'; '
        "style-src 'unsafe-inline'; img-src data:\">"
        f"<title>{escape(f'Paging preview: {preview.environment}')}</title>"
        f"<style>{STYLE}</style></head><body>{body}</body></html>\n"
    )


def write_reports(previews: Sequence[Preview], directory: Path) -> list[Path]:
    directory.mkdir(parents=True, exist_ok=True)
    written = []
    for preview in previews:
        path = directory / f"{preview.environment}.html"
        path.write_text(render(preview), encoding="utf-8")
        written.append(path)
    return written
