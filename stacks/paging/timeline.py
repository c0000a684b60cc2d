"""The paging timeline of an incident nobody acknowledges: minute, person, channel, and the path.

Computed from the same stages the stack synthesizes, so it shows what Incident Manager does with
them rather than a second reading of the YAML:

- a response plan engages each of its engagements when the incident opens (minute 0);
- an escalation plan's stages are the configured ones, one for one (``stacks/
  incident_manager_stack.py``); stage *i* starts when the durations of the stages before it
  have passed, and engages all its targets at that moment;
- a contact, when engaged, runs its own engagement plan: the stages
  ``constructs_lib.engagement_plan.engagement_stages`` turns "channel X at minute T" into (the
  very function the construct uses), each starting when the earlier stages' durations passed;
- a channel target pages that channel when its stage starts, retrying every
  ``retry_interval_minutes`` if the page was not delivered (ChannelTargetInfo);
- an acknowledgement by an essential contact target (``acknowledgement_stops_plan``, the API's
  IsEssential) stops the escalation plan: later stages do not start.

An on-call schedule (issue #11: an ONCALL_SCHEDULE contact listing rotations) resolves in one
place, ``_Walk._schedule``: at the moment it is engaged, whoever is on call in each of its
rotations (``calendar``) is engaged like a contact; an essential schedule target's acknowledgement
stops the plan like a person's. Schedules come from the config's ``oncall_schedules`` (alias ->
rotation names), or are passed in.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from itertools import accumulate

from constructs_lib.engagement_plan import ChannelEngagement, engagement_stages
from stacks.config.config_errors import Loc
from stacks.config.environment_config import (
    ContactConfig,
    EnvironmentConfig,
    EscalationPlanConfig,
)
from stacks.paging.calendar import Rotation, Shift, on_call_at, shifts

# Escalation plans cannot engage themselves (checked), so this depth is never reached by a
# valid file; it only bounds the walk.
MAX_DEPTH = 32
# How far ahead of the incident's start the on-call annotation precomputes shifts.
HORIZON = timedelta(days=2)


@dataclass(frozen=True)
class OnCall:
    """Why a person was paged: they were on call in ``rotation`` when on-call schedule
    ``schedule`` was engaged."""

    schedule: str
    rotation: str


@dataclass(frozen=True)
class Page:
    """One channel of one person paged at ``minute`` after the incident opened."""

    minute: int
    contact: str
    channel: str
    channel_type: str
    retry_interval_minutes: int | None
    path: tuple[str, ...]
    # Where the YAML asked for this page: the engagement step or the channel target.
    loc: Loc = field(compare=False)
    # Set only where an on-call schedule paged the person for being on call: being in a
    # rotation matters nowhere else (a rotation no schedule engages pages nobody).
    on_call: OnCall | None = field(default=None, compare=False)


@dataclass(frozen=True)
class StopPoint:
    """From ``minute`` on, an acknowledgement by ``contact`` stops escalation plan ``plan``;
    ``prevents_minute`` is the first later stage that then never starts (None: it was the
    last)."""

    minute: int
    contact: str
    plan: str
    prevents_minute: int | None
    path: tuple[str, ...]


@dataclass(frozen=True)
class Timeline:
    """What happens after ``start`` when an incident opens with ``response_plan``."""

    response_plan: str
    index: int
    start: datetime
    pages: tuple[Page, ...]
    stops: tuple[StopPoint, ...]
    # (minute, escalation plan, stage number) of every escalation stage that starts.
    stages: tuple[tuple[int, str, int], ...] = ()
    # On-call schedules engaged, and (minute, schedule) where one had nobody on call.
    schedules: tuple[str, ...] = ()
    unstaffed: tuple[tuple[int, str], ...] = ()

    @property
    def people(self) -> tuple[str, ...]:
        return tuple(sorted({page.contact for page in self.pages}))

    def at(self, page: Page) -> datetime:
        return self.start + timedelta(minutes=page.minute)


def stage_starts(durations: Sequence[int]) -> list[int]:
    """Minute at which each stage starts: the sum of the durations before it."""
    return [0, *accumulate(durations)][: len(durations)]


@dataclass
class _Walk:
    """One response plan's engagements followed to every page."""

    contacts: dict[str, tuple[int, ContactConfig]]
    plans: dict[str, tuple[int, EscalationPlanConfig]]
    rotations: tuple[Rotation, ...]
    start: datetime
    schedules: Mapping[str, Sequence[str]] = field(default_factory=dict)
    pages: list[Page] = field(default_factory=list)
    engaged_schedules: set[str] = field(default_factory=set)
    unstaffed: list[tuple[int, str]] = field(default_factory=list)
    stops: list[StopPoint] = field(default_factory=list)
    stages: list[tuple[int, str, int]] = field(default_factory=list)
    nearby: dict[str, list[Shift]] = field(default_factory=dict)

    def engage(self, alias: str, minute: int, path: tuple[str, ...], depth: int = 0) -> None:
        if depth > MAX_DEPTH:
            raise ValueError(f"escalation plans nest deeper than {MAX_DEPTH}: {' > '.join(path)}")
        if alias in self.contacts:
            self._contact(alias, minute, path)
        elif alias in self.plans:
            self._escalation_plan(alias, minute, path, depth)
        elif alias in self.schedules:
            self._schedule(alias, minute, path)

    def on_call(self, schedule: str, minute: int) -> list[tuple[str, str]]:
        """(rotation, person) on call in ``schedule``'s rotations ``minute`` into the incident."""
        moment = self.start + timedelta(minutes=minute)
        by_name = {r.name: r for r in self.rotations}
        return [
            (name, person)
            for name in self.schedules[schedule]
            if name in by_name
            for person in self._on_call(by_name[name], moment)
        ]

    def _schedule(self, alias: str, minute: int, path: tuple[str, ...]) -> None:
        self.engaged_schedules.add(alias)
        people = self.on_call(alias, minute)
        if not people:
            self.unstaffed.append((minute, alias))
        for rotation, person in people:
            hop = f"{alias} (on-call schedule) > {rotation}: {person} on call"
            self._contact(person, minute, (*path, hop), OnCall(alias, rotation))

    def _contact(
        self, alias: str, minute: int, path: tuple[str, ...], on_call: OnCall | None = None
    ) -> None:
        index, contact = self.contacts[alias]
        types = {channel.name: channel.type for channel in contact.channels}
        stages = engagement_stages(
            [
                _Step(e.channel, e.at_minute, e.retry_interval_minutes, si)
                for si, e in enumerate(contact.engagement)
            ]
        )
        starts = stage_starts([stage.duration_in_minutes for stage in stages])
        for number, (stage, offset) in enumerate(zip(stages, starts, strict=True), 1):
            for engagement in stage.channels:
                assert isinstance(engagement, _Step)
                self.pages.append(
                    Page(
                        minute + offset,
                        alias,
                        engagement.channel,
                        types[engagement.channel],
                        engagement.retry_interval_minutes,
                        (*path, f"{alias} engagement plan stage {number} (+{offset} min)"),
                        ("contacts", index, "engagement", engagement.step),
                        on_call,
                    )
                )

    def _escalation_plan(self, alias: str, minute: int, path: tuple[str, ...], depth: int) -> None:
        index, plan = self.plans[alias]
        starts = stage_starts([stage.duration_minutes for stage in plan.stages])
        for si, (stage, offset) in enumerate(zip(plan.stages, starts, strict=True)):
            hop = f"{alias} stage {si + 1} (+{offset} min)"
            self.stages.append((minute + offset, alias, si + 1))
            following = minute + starts[si + 1] if si + 1 < len(starts) else None
            for ti, target in enumerate(stage.targets):
                if target.channel is not None:
                    contact = self.contacts[target.contact][1]
                    kind = next(c.type for c in contact.channels if c.name == target.channel)
                    self.pages.append(
                        Page(
                            minute + offset,
                            target.contact,
                            target.channel,
                            kind,
                            target.retry_interval_minutes,
                            (*path, hop, f"{target.contact} channel {target.channel!r}"),
                            ("escalation_plans", index, "stages", si, "targets", ti),
                        )
                    )
                    continue
                essential = target.acknowledgement_stops_plan is not False
                if essential and target.contact in self.contacts:
                    self.stops.append(
                        StopPoint(minute + offset, target.contact, alias, following, (*path, hop))
                    )
                if essential and target.contact in self.schedules:
                    self.stops.extend(
                        StopPoint(minute + offset, person, alias, following, (*path, hop))
                        for _, person in self.on_call(target.contact, minute + offset)
                    )
                self.engage(target.contact, minute + offset, (*path, hop), depth + 1)

    def _on_call(self, rotation: Rotation, moment: datetime) -> tuple[str, ...]:
        # Pages fall within hours of the start: compute each rotation's shifts there once
        # instead of walking its hand-offs from its start for every page.
        if rotation.name not in self.nearby:
            self.nearby[rotation.name] = shifts(rotation, self.start, self.start + HORIZON)
        if moment >= self.start + HORIZON:
            return on_call_at(rotation, moment)
        for shift in self.nearby[rotation.name]:
            if shift.start <= moment < shift.end:
                return shift.members
        return ()


@dataclass(frozen=True)
class _Step(ChannelEngagement):
    """An engagement step that remembers its position in the contact's list."""

    step: int = 0


def schedules_of(config: EnvironmentConfig) -> dict[str, tuple[str, ...]]:
    """On-call schedule alias -> its rotations' names, from ``oncall_schedules``."""
    return {schedule.alias: tuple(schedule.rotations) for schedule in config.oncall_schedules}


def timelines(
    config: EnvironmentConfig,
    start: datetime,
    schedules: Mapping[str, Sequence[str]] | None = None,
) -> list[Timeline]:
    """The timeline of every response plan, in file order."""
    schedules = schedules_of(config) if schedules is None else schedules
    contacts = {c.alias: (i, c) for i, c in enumerate(config.contacts)}
    plans = {p.alias: (i, p) for i, p in enumerate(config.escalation_plans)}
    rotations = tuple(Rotation.from_config(r) for r in config.rotations)
    found = []
    nearby: dict[str, list[Shift]] = {}  # shared: the same shifts for every response plan
    for index, plan in enumerate(config.response_plans):
        walk = _Walk(contacts, plans, rotations, start, schedules, nearby=nearby)
        for alias in plan.engagements:
            walk.engage(alias, 0, (plan.name,))
        found.append(
            Timeline(
                plan.name,
                index,
                start,
                # Explicit keys: optional fields (None or a number) must never be compared.
                tuple(sorted(walk.pages, key=lambda p: (p.minute, p.contact, p.channel, p.path))),
                tuple(sorted(walk.stops, key=lambda s: (s.minute, s.contact, s.plan, s.path))),
                tuple(sorted(set(walk.stages))),
                tuple(sorted(walk.engaged_schedules)),
                tuple(sorted(walk.unstaffed)),
            )
        )
    return found
