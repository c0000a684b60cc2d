"""Checks across an environment that a field-by-field schema cannot make.

References resolve (with "did you mean" for a near miss), names are unique, the provider region
is in the replication set, key settings are consistent, rotations fit their members, runbook
parameters are declared by the document, runbook roles' policy files are JSON policies, no
escalation plan reaches itself, and on-call schedules name rotations that exist. Each problem is a
location in the file and a sentence.
"""

from __future__ import annotations

import functools
import zoneinfo
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path
from typing import Any

from constructs_lib.runbook_document import (
    RunbookDocument,
    own_role_name,
    read_runbook_document,
)
from stacks.config.config_errors import Loc, Repeated, did_you_mean, one_of
from stacks.config.environment_config import (
    EnvironmentConfig,
    EscalationPlanConfig,
    ResponsePlanConfig,
)
from stacks.config.policy_files import policy_file_problem, repository_path
from stacks.config.secret_variables import address_variable
from stacks.config.topic_alarm_checks import check_alarms_placement, check_topics

Problem = tuple[Loc, str]
ENGAGEABLE = "contact, escalation plan or on-call schedule"


class UnknownName(str):
    """A "no such name" message that remembers the name (so that a name defined by an entry
    already reported as invalid is not reported again as unknown)."""

    name: str

    def __new__(cls, message: str, name: str) -> UnknownName:
        text = super().__new__(cls, message)
        text.name = name
        return text


def _repeats(
    loc: Loc, values: Iterable[object], what: str, shown: Callable[[Any], str] = repr
) -> Iterator[Problem]:
    """Each value of a list that repeats an earlier one: ``what`` says why it must not."""
    first: dict[object, int] = {}
    for index, value in enumerate(values):
        if value in first:
            yield (
                (*loc, index),
                Repeated(f"{shown(value)} is listed twice; {what}", (*loc, first[value])),
            )
        else:
            first[value] = index


def _duplicates(section: str, key: str, names: Iterable[str]) -> Iterator[Problem]:
    first: dict[str, int] = {}
    for index, name in enumerate(names):
        if name in first:
            yield (
                (section, index, key),
                Repeated(
                    f"{name!r} is used twice; {key} must be unique", (section, first[name], key)
                ),
            )
        else:
            first[name] = index


def _unknown(kind: str, name: str, known: list[str], extra: str = "") -> UnknownName:
    return UnknownName(
        f"unknown {kind} {name!r}{did_you_mean(name, known)} (defined: {one_of(known)}){extra}",
        name,
    )


def check_replication_set(config: EnvironmentConfig) -> Iterator[Problem]:
    rs = config.replication_set
    yield from _repeats(
        ("replication_set", "regions"), rs.regions, "a region is in the replication set once"
    )
    if config.region not in rs.regions:
        yield (
            ("region",),
            (
                f"{config.region!r} is not in replication_set.regions ({', '.join(rs.regions)}); "
                "AWS requires the provider region to be one of the replication set's regions"
            ),
        )
    if rs.existing and (rs.encryption != "aws-owned-key" or rs.key_arns or rs.tags):
        yield (
            ("replication_set", "existing"),
            (
                "an existing replication set is not managed here; remove encryption, key_arns "
                "and tags"
            ),
        )
    if rs.encryption == "customer-managed-keys":
        missing = [r for r in rs.regions if r not in rs.key_arns]
        if missing:
            yield (
                ("replication_set", "key_arns"),
                (
                    f"no key for {', '.join(missing)}; AWS-owned and customer managed keys cannot "
                    "be mixed, so every region needs a key"
                ),
            )
        for region in rs.key_arns:
            if region not in rs.regions:
                yield (
                    ("replication_set", "key_arns", region),
                    (f"{region!r} is not one of the replication set's regions"),
                )
    elif rs.key_arns:
        yield (
            ("replication_set", "key_arns"),
            (
                f"key_arns is only used with encryption: customer-managed-keys "
                f"(encryption is {rs.encryption!r})"
            ),
        )


def check_unique_names(config: EnvironmentConfig) -> Iterator[Problem]:
    # Contacts and escalation plans are both ssm-contacts contacts: one alias space.
    aliases = [c.alias for c in config.contacts]
    yield from _duplicates("contacts", "alias", aliases)
    for index, plan in enumerate(config.escalation_plans):
        if plan.alias in aliases:
            yield (
                ("escalation_plans", index, "alias"),
                Repeated(
                    f"{plan.alias!r} is already a contact alias; contacts and escalation plans "
                    "share one alias space",
                    ("contacts", aliases.index(plan.alias), "alias"),
                ),
            )
    yield from _duplicates("escalation_plans", "alias", [p.alias for p in config.escalation_plans])
    # On-call schedules are ssm-contacts contacts too: the same alias space.
    kinds = {c.alias: "a contact" for c in config.contacts}
    kinds.update(
        {p.alias: "an escalation plan" for p in config.escalation_plans if p.alias not in kinds}
    )
    for index, schedule in enumerate(config.oncall_schedules):
        if schedule.alias in kinds:
            yield (
                ("oncall_schedules", index, "alias"),
                (
                    f"{schedule.alias!r} is already {kinds[schedule.alias]} alias; contacts, "
                    "escalation plans and on-call schedules share one alias space"
                ),
            )
    yield from _duplicates("oncall_schedules", "alias", [s.alias for s in config.oncall_schedules])
    yield from _duplicates("rotations", "name", [r.name for r in config.rotations])
    yield from _duplicates("topics", "name", [t.name for t in config.topics])
    yield from _duplicates("runbooks", "name", [r.name for r in config.runbooks])
    yield from _duplicates("runbook_roles", "name", [r.name for r in config.runbook_roles])
    yield from _duplicates("response_plans", "name", [p.name for p in config.response_plans])
    # Alarm names are unique per region: checked in topic_alarm_checks.


def check_contacts(config: EnvironmentConfig) -> Iterator[Problem]:
    variables: dict[str, str] = {}
    for ci, contact in enumerate(config.contacts):
        for hi, channel in enumerate(contact.channels):
            if not channel.secret:
                continue
            variable = address_variable(contact.alias, channel.name)
            owner = f"{contact.alias}/{channel.name}"
            if variable in variables:
                yield (
                    ("contacts", ci, "channels", hi, "name"),
                    (
                        f"its secret address variable {variable!r} is also that of "
                        f"{variables[variable]!r}; rename one of the channels"
                    ),
                )
            variables.setdefault(variable, owner)
        names = [c.name for c in contact.channels]
        seen: dict[str, int] = {}
        for hi, name in enumerate(names):
            if name in seen:
                yield (
                    ("contacts", ci, "channels", hi, "name"),
                    Repeated(
                        f"{name!r} is used twice; channel names of a contact must be unique",
                        ("contacts", ci, "channels", seen[name], "name"),
                    ),
                )
            seen.setdefault(name, hi)
        yield from _repeats(
            ("contacts", ci, "engagement"),
            [(s.channel, s.at_minute) for s in contact.engagement],
            "a channel is engaged once at a given minute",
            lambda step: f"channel {step[0]!r} at minute {step[1]}",
        )
        for si, step in enumerate(contact.engagement):
            if step.channel not in names:
                yield (
                    ("contacts", ci, "engagement", si, "channel"),
                    _unknown("channel", step.channel, names),
                )


def check_escalation_plans(config: EnvironmentConfig) -> Iterator[Problem]:
    contacts = {c.alias: c for c in config.contacts}
    plans = [p.alias for p in config.escalation_plans]
    schedules = [s.alias for s in config.oncall_schedules]
    for pi, plan in enumerate(config.escalation_plans):
        for si, stage in enumerate(plan.stages):
            yield from _repeats(
                ("escalation_plans", pi, "stages", si, "targets"),
                [(t.contact, t.channel) for t in stage.targets],
                "a stage engages each target once",
                lambda target: repr(target[0]) + (f" channel {target[1]!r}" if target[1] else ""),
            )
            for ti, target in enumerate(stage.targets):
                loc: Loc = ("escalation_plans", pi, "stages", si, "targets", ti)
                if target.channel is None:
                    engageable = [*contacts, *plans, *schedules]
                    if target.contact not in engageable:
                        yield (
                            (*loc, "contact"),
                            _unknown(ENGAGEABLE, target.contact, engageable),
                        )
                    continue
                if target.contact not in contacts:
                    yield (
                        (*loc, "contact"),
                        _unknown(
                            "contact",
                            target.contact,
                            list(contacts),
                            "; channel targets name a personal contact",
                        ),
                    )
                    continue
                channels = [c.name for c in contacts[target.contact].channels]
                if target.channel not in channels:
                    yield (
                        (*loc, "channel"),
                        _unknown(f"channel of {target.contact!r}", target.channel, channels),
                    )
    yield from _escalation_cycles(config.escalation_plans)


def _escalation_cycles(plans: list[EscalationPlanConfig]) -> Iterator[Problem]:
    """An escalation plan that engages itself, directly or through other plans, pages forever."""
    engages = {
        p.alias: {t.contact for s in p.stages for t in s.targets if t.channel is None}
        for p in plans
    }

    def path_back(start: str) -> list[str] | None:
        stack: list[tuple[str, list[str]]] = [(start, [start])]
        visited: set[str] = set()
        while stack:
            node, path = stack.pop()
            for nxt in sorted(engages.get(node, ())):
                if nxt == start:
                    return [*path, start]
                if nxt in engages and nxt not in visited:
                    visited.add(nxt)
                    stack.append((nxt, [*path, nxt]))
        return None

    for index, plan in enumerate(plans):
        cycle = path_back(plan.alias)
        if cycle:
            yield (
                ("escalation_plans", index, "stages"),
                (f"escalation plan {plan.alias!r} engages itself: {' -> '.join(cycle)}"),
            )


@functools.cache
def _time_zones() -> frozenset[str]:
    # Scans the zone database on disk (~25 ms): once per process, and only if there is a rotation.
    return frozenset(zoneinfo.available_timezones())


def check_rotations(config: EnvironmentConfig) -> Iterator[Problem]:
    contacts = [c.alias for c in config.contacts]
    plans = {p.alias for p in config.escalation_plans}
    schedules = {s.alias for s in config.oncall_schedules}
    for ri, rotation in enumerate(config.rotations):
        for mi, member in enumerate(rotation.contacts):
            if member in plans:
                yield (
                    ("rotations", ri, "contacts", mi),
                    (f"{member!r} is an escalation plan; a rotation takes personal contacts"),
                )
            elif member in schedules and member not in contacts:
                yield (
                    ("rotations", ri, "contacts", mi),
                    (f"{member!r} is an on-call schedule; a rotation takes personal contacts"),
                )
            elif member not in contacts:
                yield ("rotations", ri, "contacts", mi), _unknown("contact", member, contacts)
        yield from _repeats(
            ("rotations", ri, "contacts"),
            rotation.contacts,
            "a contact takes one turn per rotation (list each member once)",
        )
        yield from _repeats(
            ("rotations", ri, "hand_off", "daily"), rotation.hand_off.daily, "hand-off times differ"
        )
        if rotation.number_of_on_calls > len(rotation.contacts):
            yield (
                ("rotations", ri, "number_of_on_calls"),
                (
                    f"{rotation.number_of_on_calls} on call at once but the rotation has only "
                    f"{len(rotation.contacts)} contact(s)"
                ),
            )
        zones = _time_zones()
        if rotation.time_zone not in zones:
            yield (
                ("rotations", ri, "time_zone"),
                (
                    f"{rotation.time_zone!r} is not an IANA time zone"
                    f"{did_you_mean(rotation.time_zone, zones)} (e.g. America/New_York, Etc/UTC)"
                ),
            )
        for day, coverages in rotation.shift_coverages.items():
            for ki, coverage in enumerate(coverages):
                if coverage.start == coverage.end:
                    yield (
                        ("rotations", ri, "shift_coverages", day, ki),
                        (f"start and end are both {coverage.start}; a coverage must have a length"),
                    )
            spans = [(_minute(c.start), _minute(c.end)) for c in coverages]
            for later, earlier, start, end in coverage_overlaps(spans):
                first, second = coverages[earlier], coverages[later]
                merged = f"{_clock(min(spans[earlier][0], spans[later][0]))}-" + _clock(
                    max(_day_end(spans[earlier]), _day_end(spans[later]))
                )
                yield (
                    ("rotations", ri, "shift_coverages", day, later),
                    Repeated(
                        f"{second.start}-{second.end} overlaps {first.start}-{first.end} from "
                        f"{_clock(start)} to {_clock(end)} on {day}; AWS accepts overlapping "
                        "coverages (the ssm-contacts model sets no rule for CoverageTime), but "
                        f"they mean one coverage: write {merged}, or fix the hours",
                        ("rotations", ri, "shift_coverages", day, earlier),
                    ),
                )


DAY_MINUTES = 24 * 60


def _minute(text: str) -> int:
    hours, minutes = text.split(":")
    return int(hours) * 60 + int(minutes)


def _clock(minute: int) -> str:
    return "24:00" if minute == DAY_MINUTES else f"{minute // 60:02d}:{minute % 60:02d}"


def _day_end(span: tuple[int, int]) -> int:
    """Where a coverage ends on its own day: an end at or before the start (22:00-06:00, or
    an end of 00:00) runs past midnight, so on this day it covers up to midnight."""
    start, end = span
    return end if end > start else DAY_MINUTES


def coverage_overlaps(spans: list[tuple[int, int]]) -> list[tuple[int, int, int, int]]:
    """For each coverage of one day (start and end minute) that overlaps an earlier one:
    (its index, the earlier one's index, first and last minute they share)."""
    found = []
    for later, span in enumerate(spans):
        for earlier in range(later):
            start = max(span[0], spans[earlier][0])
            end = min(_day_end(span), _day_end(spans[earlier]))
            if start < end and span[0] != span[1] and spans[earlier][0] != spans[earlier][1]:
                found.append((later, earlier, start, end))
                break
    return found


def check_oncall_schedules(config: EnvironmentConfig) -> Iterator[Problem]:
    rotations = [r.name for r in config.rotations]
    for si, schedule in enumerate(config.oncall_schedules):
        for ri, name in enumerate(schedule.rotations):
            if name not in rotations:
                yield (
                    ("oncall_schedules", si, "rotations", ri),
                    _unknown("rotation", name, rotations),
                )
        duplicates = sorted({r for r in schedule.rotations if schedule.rotations.count(r) > 1})
        if duplicates:
            yield (
                ("oncall_schedules", si, "rotations"),
                f"listed more than once: {', '.join(duplicates)}",
            )


def read_runbooks(
    config: EnvironmentConfig, project_root: Path
) -> tuple[dict[str, RunbookDocument], list[Problem]]:
    """Read every runbook document; unreadable or malformed ones become problems."""
    documents: dict[str, RunbookDocument] = {}
    problems: list[Problem] = []
    for index, runbook in enumerate(config.runbooks):
        loc: Loc = ("runbooks", index, "document")
        path = repository_path(project_root, runbook.document)
        if path is None:
            problems.append(
                (
                    loc,
                    f"{runbook.document!r} is outside the repository; give a path inside it, "
                    "relative to the repository root (e.g. stacks/runbooks/<name>.yaml)",
                )
            )
            continue
        try:
            documents[runbook.name] = read_runbook_document(path, shown=runbook.document)
        except ValueError as error:
            problems.append((loc, str(error)))
    return documents, problems


def runbooks_with_own_role(config: EnvironmentConfig) -> set[str]:
    """Runbooks that create their own role: all but those every starting action gives a
    ``role:`` (an unused runbook keeps its role, as it always did)."""
    actions = [p.runbook for p in config.response_plans if p.runbook and p.runbook.name]
    return {
        r.name
        for r in config.runbooks
        if not [a for a in actions if a.name == r.name]
        or any(a.role is None for a in actions if a.name == r.name)
    }


def check_runbook_roles(config: EnvironmentConfig, project_root: Path) -> Iterator[Problem]:
    """Each role's policy files are JSON policies inside the repository; names are unique."""
    own = {own_role_name(name): name for name in runbooks_with_own_role(config)}
    for ri, role in enumerate(config.runbook_roles):
        if role.name in own:
            yield (
                ("runbook_roles", ri, "name"),
                (
                    f"{role.name!r} is also the role runbook {own[role.name]!r} creates for "
                    "itself; rename one, or give its response plans role: "
                    f"{role.name}"
                ),
            )
        files: list[tuple[Loc, str]] = [(("runbook_roles", ri, "trust_policy"), role.trust_policy)]
        files += [
            (("runbook_roles", ri, "inline_policies", pi, "document"), policy.document)
            for pi, policy in enumerate(role.inline_policies)
        ]
        for loc, document in files:
            problem = policy_file_problem(
                project_root, document, "stacks/policies/<env>/<role>.trust-policy.json"
            )
            if problem:
                yield loc, problem
        yield from _repeats(
            ("runbook_roles", ri, "inline_policies"),
            [p.name for p in role.inline_policies],
            "inline policy names of a role are unique",
        )
        yield from _repeats(
            ("runbook_roles", ri, "managed_policies"),
            role.managed_policies,
            "a managed policy is attached once",
        )


def check_response_plans(
    config: EnvironmentConfig, documents: dict[str, RunbookDocument]
) -> Iterator[Problem]:
    engageable = [
        *(c.alias for c in config.contacts),
        *(p.alias for p in config.escalation_plans),
        *(s.alias for s in config.oncall_schedules),
    ]
    topics = [t.name for t in config.topics]
    runbooks = [r.name for r in config.runbooks]
    roles = [r.name for r in config.runbook_roles]
    for pi, plan in enumerate(config.response_plans):
        yield from _repeats(
            ("response_plans", pi, "engagements"),
            plan.engagements,
            "a response plan engages each contact or escalation plan once",
        )
        yield from _repeats(
            ("response_plans", pi, "chat_channels"),
            plan.chat_channels,
            "each chat channel topic once",
        )
        yield from _repeats(
            ("response_plans", pi, "incident", "notify"),
            plan.incident.notify,
            "each notification topic once",
        )
        for ei, name in enumerate(plan.engagements):
            if name not in engageable:
                yield (
                    ("response_plans", pi, "engagements", ei),
                    _unknown(ENGAGEABLE, name, engageable),
                )
        yield from _topic_refs(("response_plans", pi, "chat_channels"), plan.chat_channels, topics)
        yield from _topic_refs(
            ("response_plans", pi, "incident", "notify"), plan.incident.notify, topics
        )
        yield from _runbook_action(pi, plan, runbooks, roles, documents)


def _topic_refs(loc: Loc, names: list[str], topics: list[str]) -> Iterator[Problem]:
    for index, name in enumerate(names):
        if not name.startswith("arn:") and name not in topics:
            yield (*loc, index), _unknown("topic", name, topics, "; or give an SNS topic ARN")


def _runbook_action(
    index: int,
    plan: ResponsePlanConfig,
    runbooks: list[str],
    roles: list[str],
    documents: dict[str, RunbookDocument],
) -> Iterator[Problem]:
    action = plan.runbook
    if action is None:
        return
    loc: Loc = ("response_plans", index, "runbook")
    if action.role is not None and not action.role.startswith("arn:") and action.role not in roles:
        yield (
            (*loc, "role"),
            _unknown("runbook role", action.role, roles, "; or give an IAM role ARN"),
        )
    if action.name is None:
        # A document named by document: is not checked, even one of this environment's
        # runbooks (an adopted action passing a parameter its document does not declare).
        return
    if action.name not in runbooks:
        yield (*loc, "name"), _unknown("runbook", action.name, runbooks)
        return
    document = documents.get(action.name)
    if document is None:  # unreadable; reported at runbooks[...]
        return
    for section in ("parameters", "dynamic_parameters"):
        for name in getattr(action, section):
            if name not in document.parameters:
                yield (
                    (*loc, section, name),
                    (
                        f"{name!r} is not a parameter of runbook {action.name!r}"
                        f"{did_you_mean(name, document.parameters)} "
                        f"(declared: {one_of(document.parameters)}); an undeclared parameter "
                        "fails when the incident starts"
                    ),
                )


def check_alarms(config: EnvironmentConfig) -> Iterator[Problem]:
    plans = [p.name for p in config.response_plans]
    for index, alarm in enumerate(config.alarms):
        if alarm.response_plan not in plans:
            yield (
                ("alarms", index, "response_plan"),
                _unknown("response plan", alarm.response_plan, plans),
            )
        if alarm.datapoints_to_alarm and alarm.datapoints_to_alarm > alarm.evaluation_periods:
            yield (
                ("alarms", index, "datapoints_to_alarm"),
                (
                    f"{alarm.datapoints_to_alarm} is more than evaluation_periods "
                    f"({alarm.evaluation_periods})"
                ),
            )


def check_environment(config: EnvironmentConfig, project_root: Path) -> list[Problem]:
    """Every cross-field problem of one environment."""
    documents, problems = read_runbooks(config, project_root)
    for check in (
        check_replication_set(config),
        check_unique_names(config),
        check_contacts(config),
        check_escalation_plans(config),
        check_rotations(config),
        check_oncall_schedules(config),
        check_runbook_roles(config, project_root),
        check_response_plans(config, documents),
        check_alarms(config),
        check_topics(config, project_root),
        check_alarms_placement(config),
    ):
        problems.extend(check)
    return problems
