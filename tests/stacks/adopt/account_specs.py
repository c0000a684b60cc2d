"""Console-style Incident Manager accounts as hypothesis generates them: random but valid
combinations of what the APIs allow, as data (``tests/stacks/adopt/account_builder.py`` makes them
through boto3).

Validity comes from the service models botocore ships (lengths, patterns, enums, ranges: the
local server checks every request against them) and from rules AWS documents:

- the replication set has one to three regions, all on the AWS-owned key or all on customer
  managed keys, and includes the region it is created in (the Incident Manager user guide);
- a personal contact's plan engages its own channels (a contact may have no channel, or no
  plan yet); an escalation plan engages contacts of any type (not itself) and channels; names
  and aliases are unique (API reference);
- a rotation has one to 30 personal contacts, hands off daily, weekly or monthly, and has at
  most as many on call at once as it has contacts; an on-call schedule lists up to eight
  rotations (the user guide's quota; the model allows 25); shift coverages of one day do not
  overlap (AWS accepts overlaps, but they mean one longer coverage; the console refuses them);
- tag keys do not start with ``aws:`` (reserved); each service's tag alphabet is its model's;
- a response plan engages up to five contacts, notifies up to ten topics, has one to five chat
  topics or none, at most one runbook action and one PagerDuty integration;
- a document name does not start with ``aws``, ``amazon`` or ``amzn`` (reserved prefixes);
- an alarm's datapoints to alarm are at most its evaluation periods; its period is 10, 30 or
  a multiple of 60 seconds; percentiles are ``p0.0``-``p100``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from hypothesis import strategies as st

Time = tuple[int, int]
Tags = dict[str, str]

REGIONS = ("us-east-1", "us-west-2", "eu-west-1")
TIME_ZONES = ("UTC", "Europe/Berlin", "America/New_York", "Asia/Kolkata", "Australia/Sydney")
DAYS = ("MON", "TUE", "WED", "THU", "FRI", "SAT", "SUN")
EDITS = ("contact_display_name", "response_plan_title", "alarm_threshold")
MAX_ROTATIONS_PER_SCHEDULE = 8


def _text(alphabet: Any, min_size: int, max_size: int) -> st.SearchStrategy[str]:
    return st.text(alphabet=alphabet, min_size=min_size, max_size=max_size)


_ASCII = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789"
_UNICODE_NAME = st.characters(categories=("L", "Zs", "N"), include_characters="_.-")
# Tag alphabets, from each model's TagKey/TagValue patterns (SNS and CloudWatch have none: the
# tagging guide's letters, digits, spaces and + - = . _ : / @).
_UNICODE_TAG = st.characters(categories=("L", "Zs", "N"), include_characters="_.:/=+-@")
TAG_ALPHABETS: dict[str, tuple[Any, Any, int]] = {
    # service: (key alphabet, value alphabet, minimum value length)
    "ssm-contacts": (_ASCII + "_+=-/\\", _UNICODE_TAG, 1),
    "ssm-incidents": (_ASCII + " _=@:.+,-/", _ASCII + " _=@:.+,-/", 0),
    "sns": (_UNICODE_TAG, _UNICODE_TAG, 0),
    "cloudwatch": (_UNICODE_TAG, _UNICODE_TAG, 0),
    "ssm": (_UNICODE_TAG, _UNICODE_TAG, 0),
    "iam": (_UNICODE_TAG, _UNICODE_TAG, 0),
}
# Valid for every service: a tag policy's pairs, which adoption may write once.
_POLICY_KEY = _text(_ASCII + "_=+-/", 1, 8)
_POLICY_VALUE = _text(_ASCII + " _.:/=+-@", 1, 8)


def tags(service: str) -> st.SearchStrategy[Tags]:
    key_alphabet, value_alphabet, value_min = TAG_ALPHABETS[service]
    key = _text(key_alphabet, 1, 8).filter(lambda k: not k.lower().startswith("aws"))
    return st.dictionaries(key, _text(value_alphabet, value_min, 8), max_size=2)


@dataclass(frozen=True)
class Target:
    """A stage target: a contact (``alias``) or a channel (``alias``'s ``channel``)."""

    alias: str
    channel: str | None = None
    retry: int | None = None
    essential: bool = True


@dataclass(frozen=True)
class Stage:
    duration: int
    targets: tuple[Target, ...]


@dataclass(frozen=True)
class Channel:
    name: str
    kind: str
    activated: bool


@dataclass(frozen=True)
class Person:
    alias: str
    display_name: str | None
    channels: tuple[Channel, ...]
    stages: tuple[Stage, ...]
    tags: Tags


@dataclass(frozen=True)
class EscalationPlan:
    alias: str
    display_name: str | None
    stages: tuple[Stage, ...]
    tags: Tags


@dataclass(frozen=True)
class Rotation:
    name: str
    contacts: tuple[str, ...]
    start: datetime
    time_zone: str
    on_calls: int
    multiplier: int
    daily: tuple[Time, ...] = ()
    weekly: tuple[tuple[str, Time], ...] = ()
    monthly: tuple[tuple[int, Time], ...] = ()
    coverages: dict[str, tuple[tuple[Time, Time], ...]] = field(default_factory=dict)
    tags: Tags = field(default_factory=dict)


@dataclass(frozen=True)
class Schedule:
    alias: str
    display_name: str | None
    rotations: tuple[str, ...]
    tags: Tags


@dataclass(frozen=True)
class Topic:
    name: str
    display_name: str | None
    kms_key: str | None
    with_policy: bool
    tags: Tags


@dataclass(frozen=True)
class Runbook:
    """An automation document (JSON or YAML), the role that starts it, and the action."""

    document: str
    json_format: bool
    windows_line_endings: bool
    declared: tuple[str, ...]
    version_name: str | None
    document_tags: Tags
    role: str
    role_path: str
    role_tags: Tags
    document_version: str | None
    target_account: str | None
    parameters: dict[str, tuple[str, ...]]
    dynamic_parameters: dict[str, str]


@dataclass(frozen=True)
class PagerDuty:
    name: str
    service_id: str
    secret_id: str


@dataclass(frozen=True)
class ResponsePlan:
    name: str
    display_name: str | None
    title: str
    impact: int
    summary: str | None
    dedupe: str | None
    incident_tags: Tags
    notify: tuple[str, ...]
    chat: tuple[str, ...]
    engagements: tuple[str, ...]
    runbook: Runbook | None
    pagerduty: PagerDuty | None
    tags: Tags


@dataclass(frozen=True)
class Alarm:
    name: str
    region: str
    plan: str
    description: str | None
    unit: str | None
    namespace: str
    metric: str
    statistic: str
    period: int
    evaluation_periods: int
    datapoints: int | None
    threshold: float
    comparison: str
    treat_missing: str | None
    dimensions: Tags
    tags: Tags


@dataclass(frozen=True)
class Account:
    """One console-style account, and the everyday edit made after its adoption."""

    regions: tuple[str, ...]
    customer_keys: bool
    set_tags: Tags
    people: tuple[Person, ...]
    escalation_plans: tuple[EscalationPlan, ...]
    rotations: tuple[Rotation, ...]
    schedules: tuple[Schedule, ...]
    topics: tuple[Topic, ...]
    response_plans: tuple[ResponsePlan, ...]
    alarms: tuple[Alarm, ...]
    edit: tuple[str, int]


def _unique_names(base: st.SearchStrategy[str], count: int) -> st.SearchStrategy[list[str]]:
    """``count`` names, made unique by a numbered suffix where they repeat."""

    def numbered(names: list[str]) -> list[str]:
        taken: set[str] = set()
        result = []
        for index, name in enumerate(names):
            unique = name
            while unique in taken:
                unique = f"{unique}{index}"
            taken.add(unique)
            result.append(unique)
        return result

    return st.lists(base, min_size=count, max_size=count).map(numbered)


def _time() -> st.SearchStrategy[Time]:
    return st.tuples(st.integers(0, 23), st.integers(0, 59))


@st.composite
def _channels(draw: st.DrawFn, minimum: int) -> tuple[Channel, ...]:
    count = draw(st.integers(minimum, 3))
    # Mostly plain names, as people type them; some in other scripts.
    name = _text(_ASCII + " -_.", 1, 10) | _text(_UNICODE_NAME, 1, 10)
    names = draw(_unique_names(name.filter(str.strip), count))
    return tuple(
        Channel(name, draw(st.sampled_from(("EMAIL", "SMS", "VOICE"))), draw(st.booleans()))
        for name in names
    )


@st.composite
def _personal_stages(draw: st.DrawFn, alias: str, channels: tuple[str, ...]) -> tuple[Stage, ...]:
    """Stages engaging the contact's own channels: any durations (gaps), any retries, a channel
    in one stage or not at all, or engaged again in a later stage."""
    used = draw(st.lists(st.sampled_from(channels), min_size=1, unique=True))
    used += draw(st.lists(st.sampled_from(channels), max_size=1))
    stages: list[Stage] = []
    while used:
        size = draw(st.integers(1, len(used)))
        group, used = used[:size], used[size:]
        if len(set(group)) < len(group):
            # Engaged again: in the next stage.
            group, used = group[:-1], [group[-1], *used]
        targets = tuple(Target(alias, name, draw(st.none() | st.integers(0, 60))) for name in group)
        stages.append(Stage(draw(st.integers(0, 30)), targets))
    return tuple(stages)


@st.composite
def _person(draw: st.DrawFn, alias: str, policy: Tags, *, complete: bool) -> Person:
    """A personal contact; unless ``complete``, maybe without channels or without an
    engagement plan (both valid: the console saves a contact before its plan)."""
    channels = draw(_channels(1 if complete else 0))
    stages: tuple[Stage, ...] = ()
    if channels and (complete or draw(st.integers(0, 4))):
        stages = draw(_personal_stages(alias, tuple(c.name for c in channels)))
    display_name = draw(st.none() | _text(_UNICODE_NAME, 0, 16))
    return Person(alias, display_name, channels, stages, {**draw(tags("ssm-contacts")), **policy})


@st.composite
def _escalation_stages(
    draw: st.DrawFn, engageable: tuple[str, ...], channels: tuple[tuple[str, str], ...]
) -> tuple[Stage, ...]:
    stages = []
    for _ in range(draw(st.integers(1, 3))):
        contacts = draw(st.lists(st.sampled_from(engageable), max_size=2, unique=True))
        pages = draw(st.lists(st.sampled_from(channels), max_size=1, unique=True))
        if not contacts and not pages:
            contacts = [engageable[0]]
        targets = [Target(alias, essential=draw(st.booleans())) for alias in contacts]
        targets += [
            Target(alias, name, draw(st.none() | st.integers(0, 60))) for alias, name in pages
        ]
        stages.append(Stage(draw(st.integers(0, 30)), tuple(targets)))
    return tuple(stages)


@st.composite
def _coverages(draw: st.DrawFn) -> dict[str, tuple[tuple[Time, Time], ...]]:
    """Per day, up to two coverages that do not overlap; the last may run overnight (its end
    before its start: it counts up to midnight on its day)."""
    result = {}
    for day in draw(st.lists(st.sampled_from(DAYS), max_size=3, unique=True)):
        minutes = sorted(
            draw(st.lists(st.integers(0, 24 * 60 - 1), min_size=2, max_size=4, unique=True))
        )
        pairs = [(minutes[i], minutes[i + 1]) for i in range(0, len(minutes) - 1, 2)]
        if draw(st.booleans()):
            # Overnight: the last coverage ends the next morning, before it started.
            start, _ = pairs[-1]
            end = draw(st.integers(0, start - 1)) if start > 0 else None
            if end is not None:
                pairs[-1] = (start, end)
        result[day] = tuple(((a // 60, a % 60), (b // 60, b % 60)) for a, b in pairs)
    return result


@st.composite
def _rotation(draw: st.DrawFn, name: str, people: tuple[str, ...], policy: Tags) -> Rotation:
    contacts = tuple(draw(st.lists(st.sampled_from(people), min_size=1, max_size=3, unique=True)))
    kind = draw(st.sampled_from(("daily", "weekly", "monthly")))
    hand_off: dict[str, Any] = {"daily": (), "weekly": (), "monthly": ()}
    if kind == "daily":
        hand_off["daily"] = tuple(draw(st.lists(_time(), min_size=1, max_size=2, unique=True)))
    elif kind == "weekly":
        days = draw(st.lists(st.sampled_from(DAYS), min_size=1, max_size=2, unique=True))
        hand_off["weekly"] = tuple((day, draw(_time())) for day in days)
    else:
        dates = draw(st.lists(st.integers(1, 31), min_size=1, max_size=2, unique=True))
        hand_off["monthly"] = tuple((date, draw(_time())) for date in dates)
    start = draw(
        st.datetimes(datetime(2025, 1, 1), datetime(2027, 12, 31), timezones=st.just(UTC))
    ).replace(microsecond=0)
    return Rotation(
        name=name,
        contacts=contacts,
        start=start,
        time_zone=draw(st.sampled_from(TIME_ZONES)),
        on_calls=draw(st.integers(1, len(contacts))),
        multiplier=draw(st.integers(1, 100)),
        coverages=draw(_coverages()),
        tags={**draw(tags("ssm-contacts")), **policy},
        **hand_off,
    )


@st.composite
def _runbook(draw: st.DrawFn, document: str, role: str, policy: Tags) -> Runbook:
    declared = tuple(draw(_unique_names(_text(_ASCII, 1, 8), draw(st.integers(0, 3)))))
    passed = draw(st.permutations(declared))[: draw(st.integers(0, len(declared)))]
    split = draw(st.integers(0, len(passed)))
    parameters = {
        name: tuple(draw(st.lists(_text(_ASCII + " -_", 0, 8), min_size=1, max_size=2)))
        for name in passed[:split]
    }
    dynamic = {
        name: draw(st.sampled_from(("INCIDENT_RECORD_ARN", "INVOLVED_RESOURCES")))
        for name in passed[split:]
    }
    json_format = draw(st.booleans())
    return Runbook(
        document=document,
        json_format=json_format,
        windows_line_endings=json_format and draw(st.booleans()),
        declared=declared,
        version_name=draw(st.none() | _text(_ASCII + "_-.", 1, 10)),
        document_tags={**draw(tags("ssm")), **policy},
        role=role,
        role_path=draw(st.sampled_from(("/", "/service-role/"))),
        role_tags={**draw(tags("iam")), **policy},
        document_version=draw(st.sampled_from((None, "$DEFAULT", "$LATEST", "1"))),
        target_account=draw(
            st.sampled_from((None, "RESPONSE_PLAN_OWNER_ACCOUNT", "IMPACTED_ACCOUNT"))
        ),
        parameters=parameters,
        dynamic_parameters=dynamic,
    )


_PRINTABLE = st.characters(exclude_categories=("Cc", "Cs", "Co", "Cn"))


@st.composite
def _response_plan(
    draw: st.DrawFn,
    name: str,
    *,
    contacts: tuple[str, ...],
    topics: tuple[str, ...],
    runbook_names: tuple[str, str],
    policy: Tags,
) -> ResponsePlan:
    document, role = runbook_names
    # The model allows each empty (min 0) as well as absent.
    optional = st.none() | _text(_PRINTABLE, 0, 24)
    pagerduty = st.builds(
        PagerDuty,
        _text(_ASCII + "-_", 1, 10),
        _text(_ASCII, 1, 10),
        _text(_ASCII + "-_/", 1, 12),
    )
    return ResponsePlan(
        name=name,
        display_name=draw(optional),
        title=draw(_text(_PRINTABLE, 1, 24).filter(str.strip)),
        impact=draw(st.integers(1, 5)),
        summary=draw(optional),
        dedupe=draw(optional),
        incident_tags=draw(tags("ssm-incidents")),
        notify=tuple(draw(st.lists(st.sampled_from(topics), max_size=2, unique=True)))
        if topics
        else (),
        chat=tuple(draw(st.lists(st.sampled_from(topics), max_size=2, unique=True)))
        if topics
        else (),
        engagements=tuple(draw(st.lists(st.sampled_from(contacts), max_size=3, unique=True))),
        runbook=draw(st.none() | _runbook(document, role, policy)),
        pagerduty=draw(st.none() | pagerduty),
        tags={**draw(tags("ssm-incidents")), **policy},
    )


@st.composite
def _alarm(draw: st.DrawFn, name: str, region: str, plans: tuple[str, ...], policy: Tags) -> Alarm:
    percentile = st.sampled_from(("p50", "p90", "p99", "p99.9"))
    standard = st.sampled_from(("Average", "Sum", "Minimum", "Maximum", "SampleCount"))
    evaluation = draw(st.integers(1, 3))
    return Alarm(
        name=name,
        region=region,
        plan=draw(st.sampled_from(plans)),
        description=draw(st.none() | _text(_PRINTABLE, 0, 24)),
        unit=draw(st.sampled_from((None, "Percent", "Seconds", "Count", "Bytes/Second"))),
        namespace=draw(st.sampled_from(("AWS/EC2", "Custom/App"))),
        metric=draw(_text(_ASCII, 1, 12)),
        statistic=draw(standard | percentile),
        period=draw(st.sampled_from((10, 30, 60, 300))),
        evaluation_periods=evaluation,
        datapoints=draw(st.none() | st.integers(1, evaluation)),
        threshold=draw(st.integers(-1000, 1000).map(float) | st.floats(-1e6, 1e6, allow_nan=False)),
        comparison=draw(
            st.sampled_from(
                (
                    "GreaterThanThreshold",
                    "GreaterThanOrEqualToThreshold",
                    "LessThanThreshold",
                    "LessThanOrEqualToThreshold",
                )
            )
        ),
        treat_missing=draw(
            st.sampled_from((None, "breaching", "notBreaching", "ignore", "missing"))
        ),
        dimensions=draw(
            st.dictionaries(_text(_ASCII, 1, 8), _text(_ASCII + "-_", 1, 12), max_size=2)
        ),
        tags={**draw(tags("cloudwatch")), **policy},
    )


@st.composite
def accounts(draw: st.DrawFn) -> Account:
    """A console-style account (see the module docstring)."""
    policy = draw(
        st.dictionaries(
            _POLICY_KEY.filter(lambda k: not k.lower().startswith("aws")), _POLICY_VALUE, max_size=1
        )
    )
    regions = ("us-east-1", *draw(st.lists(st.sampled_from(REGIONS[1:]), max_size=2, unique=True)))
    alias = _text("abcdefghijklmnopqrstuvwxyz0123456789_-", 1, 10)
    aliases = draw(_unique_names(alias, draw(st.integers(1, 6))))
    people_count = draw(st.integers(1, max(1, len(aliases) - 2)))
    person_aliases = aliases[:people_count]
    # The first is complete: the edit after adoption needs a contact the file holds.
    people = tuple(
        draw(_person(a, policy, complete=index == 0)) for index, a in enumerate(person_aliases)
    )
    rotation_names = draw(
        _unique_names(
            _text(_ASCII + "_- .", 1, 10).filter(lambda n: n.strip() == n and n),
            draw(st.integers(0, 2)),
        )
    )
    rotations = tuple(draw(_rotation(n, tuple(person_aliases), policy)) for n in rotation_names)
    schedules: list[Schedule] = []
    rest = aliases[people_count:]
    if rotations and rest and draw(st.booleans()):
        names = draw(
            st.lists(
                st.sampled_from(rotation_names),
                min_size=1,
                max_size=MAX_ROTATIONS_PER_SCHEDULE,
                unique=True,
            )
        )
        schedules.append(
            Schedule(
                rest[0],
                draw(st.none() | _text(_UNICODE_NAME, 1, 16)),
                tuple(names),
                {**draw(tags("ssm-contacts")), **policy},
            )
        )
        rest = rest[1:]
    channels = tuple((p.alias, c.name) for p in people for c in p.channels)
    engageable = [*person_aliases, *(s.alias for s in schedules)]
    escalation_plans = []
    for plan_alias in rest:
        stages = draw(_escalation_stages(tuple(engageable), channels))
        escalation_plans.append(
            EscalationPlan(
                plan_alias,
                draw(st.none() | _text(_UNICODE_NAME, 0, 16)),
                stages,
                {**draw(tags("ssm-contacts")), **policy},
            )
        )
        engageable.append(plan_alias)
    topic_names = draw(_unique_names(_text(_ASCII + "_-", 1, 12), draw(st.integers(0, 2))))
    topics = tuple(
        Topic(
            name,
            draw(st.none() | _text(_ASCII + " _-", 1, 12).filter(str.strip)),
            draw(st.sampled_from((None, "alias/aws/sns"))),
            draw(st.booleans()),
            {**draw(tags("sns")), **policy},
        )
        for name in topic_names
    )
    plan_names = draw(_unique_names(_text(_ASCII + "-_", 1, 12), draw(st.integers(1, 2))))
    plans = tuple(
        draw(
            _response_plan(
                name,
                contacts=tuple(engageable),
                topics=tuple(topic_names),
                runbook_names=(f"run-{name}"[:128], f"role-{name}"[:64]),
                policy=policy,
            )
        )
        for name in plan_names
    )
    alarms = tuple(
        draw(_alarm(f"alarm {region} {index}", region, tuple(plan_names), policy))
        for index, region in enumerate(regions)
        if draw(st.booleans())
    )
    return Account(
        regions=regions,
        customer_keys=draw(st.booleans()),
        set_tags={**draw(tags("ssm-incidents")), **policy},
        people=people,
        escalation_plans=tuple(escalation_plans),
        rotations=rotations,
        schedules=tuple(schedules),
        topics=topics,
        response_plans=plans,
        alarms=alarms,
        edit=(draw(st.sampled_from(EDITS)), draw(st.integers(0, 10))),
    )
