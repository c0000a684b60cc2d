"""Gaps and risks in who gets paged: warnings that point at a file and line like config errors.

Lines come from the node tree the file was read into (``stacks.paging.source``): no second
parse, however many findings a large file has.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import Literal

from stacks.config.config_errors import Loc, format_path
from stacks.config.environment_config import EnvironmentConfig
from stacks.paging.calendar import (
    MINUTES_PER_DAY,
    MINUTES_PER_WEEK,
    Rotation,
    uncovered_week,
    week_minute_text,
)
from stacks.paging.source import SourceFile
from stacks.paging.timeline import Timeline, schedules_of

Kind = Literal[
    "rotation-gap",
    "unused-rotation",
    "one-person",
    "unpaged-contact",
    "nobody-at-minute-0",
    "no-retry",
]
KINDS: tuple[Kind, ...] = (
    "rotation-gap",
    "unused-rotation",
    "one-person",
    "unpaged-contact",
    "nobody-at-minute-0",
    "no-retry",
)


@dataclass(frozen=True, order=True)
class Finding:
    """One gap or risk: where in the file, which kind, and what it means."""

    loc: Loc
    kind: Kind
    message: str


@dataclass(frozen=True, order=True)
class PlacedFinding:
    """A finding with its file and line, printed like a config error but as a warning."""

    file: str
    line: int
    path: str
    kind: Kind
    message: str

    def __str__(self) -> str:
        return f"{self.file}:{self.line}: {self.path}: warning [{self.kind}]: {self.message}"


def findings(
    config: EnvironmentConfig,
    found: Sequence[Timeline],
    schedules: Mapping[str, Sequence[str]] | None = None,
) -> list[Finding]:
    """Every finding of one environment (``place`` puts them in file order)."""
    schedules = schedules_of(config) if schedules is None else schedules
    return [
        *_rotation_gaps(config),
        *_unused_rotations(config, found, schedules),
        *_one_person(config, found),
        *_unpaged_contacts(config, found, schedules),
        *_nobody_at_minute_zero(config, found),
        *_no_retry(config, found, schedules),
    ]


def _engaged_schedules(found: Sequence[Timeline]) -> set[str]:
    return {schedule for timeline in found for schedule in timeline.schedules}


def _unused_rotations(
    config: EnvironmentConfig, found: Sequence[Timeline], schedules: Mapping[str, Sequence[str]]
) -> Iterator[Finding]:
    # A rotation pages only through an on-call schedule that lists it, and only when something
    # engages that schedule: otherwise being on call in it pages nobody.
    engaged = _engaged_schedules(found)
    for index, rotation in enumerate(config.rotations):
        listing = sorted(alias for alias, names in schedules.items() if rotation.name in names)
        if any(alias in engaged for alias in listing):
            continue
        why = (
            f"only on-call schedules no response plan reaches list it ({', '.join(listing)})"
            if listing
            else "no on-call schedule lists it"
        )
        yield Finding(
            ("rotations", index, "name"),
            "unused-rotation",
            f"rotation {rotation.name!r} pages nobody: {why} (a rotation pages only through an "
            "on-call schedule a response plan engages: list it in one, or remove it)",
        )


def _rotation_gaps(config: EnvironmentConfig) -> Iterator[Finding]:
    for index, rotation_config in enumerate(config.rotations):
        rotation = Rotation.from_config(rotation_config)
        uncovered = uncovered_week(rotation)
        if not uncovered:
            continue
        hours = sum(b - a for a, b in uncovered) / 60
        ranges = ", ".join(_range_text(a, b) for a, b in _wrapped(uncovered))
        yield Finding(
            ("rotations", index, "shift_coverages"),
            "rotation-gap",
            f"rotation {rotation.name!r} has nobody on call {hours:g} hours a week "
            f"({rotation.time_zone}): {ranges}",
        )


def _wrapped(ranges: list[tuple[int, int]]) -> list[tuple[int, int]]:
    """Join a gap running to Sunday midnight with one starting Monday 00:00 (``end`` may then
    exceed the week: it is read modulo the week)."""
    if len(ranges) > 1 and ranges[0][0] == 0 and ranges[-1][1] == MINUTES_PER_WEEK:
        return [*ranges[1:-1], (ranges[-1][0], MINUTES_PER_WEEK + ranges[0][1])]
    return ranges


def _range_text(start: int, end: int) -> str:
    if start == 0 and end == MINUTES_PER_WEEK:
        return "all week"
    first = week_minute_text(start)
    last = week_minute_text(end % MINUTES_PER_WEEK if end > MINUTES_PER_WEEK else end)
    same_day = end <= MINUTES_PER_WEEK and (end - 1) // MINUTES_PER_DAY == start // MINUTES_PER_DAY
    return f"{first}-{last[4:]}" if same_day else f"{first} to {last}"


def _plan_finding(timeline: Timeline, kind: Kind, message: str) -> Finding:
    """A finding about a response plan as a whole, placed at its engagements."""
    return Finding(("response_plans", timeline.index, "engagements"), kind, message)


def _one_person(config: EnvironmentConfig, found: Sequence[Timeline]) -> Iterator[Finding]:
    for timeline in found:
        if len(timeline.people) == 1:
            yield _plan_finding(
                timeline,
                "one-person",
                f"every page of {timeline.response_plan} goes to one person, "
                f"{timeline.people[0]}: if they cannot answer, nobody else is paged",
            )


def _unpaged_contacts(
    config: EnvironmentConfig, found: Sequence[Timeline], schedules: Mapping[str, Sequence[str]]
) -> Iterator[Finding]:
    paged = {person for timeline in found for person in timeline.people}
    paged |= _on_call_members(config, found, schedules)
    engaged_by: dict[str, list[str]] = {}
    for plan in config.escalation_plans:
        for stage in plan.stages:
            for target in stage.targets:
                engaged_by.setdefault(target.contact, []).append(plan.alias)
    in_rotations: dict[str, list[str]] = {}
    for rotation in config.rotations:
        for member in rotation.contacts:
            in_rotations.setdefault(member, []).append(rotation.name)
    for index, contact in enumerate(config.contacts):
        if contact.alias in paged:
            continue
        why = ""
        if contact.alias in engaged_by:
            plans = ", ".join(sorted(set(engaged_by[contact.alias])))
            why = f"; only escalation plans no response plan reaches engage it ({plans})"
        elif contact.alias in in_rotations:
            why = (
                f"; it is in rotation(s) {', '.join(in_rotations[contact.alias])}, but a rotation "
                "pages nobody until an on-call schedule engages it"
            )
        yield Finding(
            ("contacts", index, "alias"),
            "unpaged-contact",
            f"no response plan pages {contact.alias!r}{why}",
        )


def _nobody_at_minute_zero(
    config: EnvironmentConfig, found: Sequence[Timeline]
) -> Iterator[Finding]:
    for timeline in found:
        if not timeline.pages:
            yield _plan_finding(
                timeline,
                "nobody-at-minute-0",
                f"{timeline.response_plan} pages nobody at all: an incident opened with it "
                "engages no contact channel",
            )
        elif timeline.pages[0].minute > 0:
            yield _plan_finding(
                timeline,
                "nobody-at-minute-0",
                f"{timeline.response_plan} pages nobody at minute 0: the first page goes out at "
                f"minute {timeline.pages[0].minute}",
            )


def _on_call_members(
    config: EnvironmentConfig, found: Sequence[Timeline], schedules: Mapping[str, Sequence[str]]
) -> set[str]:
    """Whoever is in a rotation of an engaged schedule: paged when on call, not only now."""
    engaged = {name for schedule in _engaged_schedules(found) for name in schedules[schedule]}
    return {m for r in config.rotations if r.name in engaged for m in r.contacts}


def _no_retry(
    config: EnvironmentConfig, found: Sequence[Timeline], schedules: Mapping[str, Sequence[str]]
) -> Iterator[Finding]:
    # Only what something pages: a contact's engagement plan runs when a response plan, an
    # escalation stage or an on-call schedule engages the contact (a channel target pages that
    # channel alone), and an escalation plan's stages when a response plan reaches the plan.
    paged_at = {page.loc for timeline in found for page in timeline.pages}
    on_call = _on_call_members(config, found, schedules)
    for ci, contact in enumerate(config.contacts):
        types = {channel.name: channel.type for channel in contact.channels}
        for ei, step in enumerate(contact.engagement):
            loc: Loc = ("contacts", ci, "engagement", ei)
            if loc not in paged_at and contact.alias not in on_call:
                continue
            if not step.retry_interval_minutes:
                yield Finding(
                    loc,
                    "no-retry",
                    f"{contact.alias}'s {types.get(step.channel, '')} channel {step.channel!r} "
                    f"is paged at minute {step.at_minute} with no retry: an undelivered page is "
                    "not sent again (set retry_interval_minutes)",
                )
    for pi, plan in enumerate(config.escalation_plans):
        for si, stage in enumerate(plan.stages):
            for ti, target in enumerate(stage.targets):
                where: Loc = ("escalation_plans", pi, "stages", si, "targets", ti)
                unretried = target.channel is not None and not target.retry_interval_minutes
                if where in paged_at and unretried:
                    yield Finding(
                        where,
                        "no-retry",
                        f"{plan.alias} stage {si + 1} pages {target.contact}'s channel "
                        f"{target.channel!r} with no retry: an undelivered page is not sent again "
                        "(set retry_interval_minutes)",
                    )


def place(found: Sequence[Finding], source: SourceFile) -> list[PlacedFinding]:
    """File and line of every finding, in file order."""
    return sorted(
        PlacedFinding(source.shown, source.line_of(f.loc), format_path(f.loc), f.kind, f.message)
        for f in found
    )
