"""The paging timeline: the walkthrough and a nested fixture by hand, and every response plan
against the plan stages the stack actually synthesizes."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from ruamel.yaml import YAML

from stacks.config.environment_config import EnvironmentConfig
from stacks.paging.findings import findings
from stacks.paging.timeline import OnCall, StopPoint, stage_starts, timelines
from tests.conftest import EXAMPLES_ROOT
from tests.stacks.paging.fixtures import (
    MONDAY_NIGHT,
    PROD_ENGAGES_SCHEDULE,
    PROD_SCHEDULE,
    edited,
    fixture,
    fixture_path,
)


def pages(
    name: str, start: datetime = MONDAY_NIGHT
) -> dict[str, list[tuple[int, str, str, int | None]]]:
    return {
        t.response_plan: [
            (p.minute, p.contact, p.channel, p.retry_interval_minutes) for p in t.pages
        ]
        for t in timelines(fixture(name).config, start)
    }


def test_stage_starts_are_the_sums_of_the_durations_before() -> None:
    assert stage_starts([5, 0]) == [0, 5]
    assert stage_starts([10, 30, 0]) == [0, 10, 40]
    assert stage_starts([]) == []


def test_the_walkthrough_minute_by_minute() -> None:
    assert pages("prod") == {
        "EC2HighCPU": [
            (0, "incident-responder", "incident responder email", None),
            (5, "sr-incident-responder", "sr incident responder email", None),
            (10, "incident-responder", "incident responder mobile", 5),
            # The senior's engagement plan starts with stage 2 at minute 5: phone at 5 + 5.
            (10, "sr-incident-responder", "sr incident responder phone", 5),
        ]
    }
    (timeline,) = timelines(fixture("prod").config, MONDAY_NIGHT)
    assert timeline.stops == (
        StopPoint(0, "incident-responder", "app-escalation-plan", 5,
                  ("EC2HighCPU", "app-escalation-plan stage 1 (+0 min)")),
        StopPoint(5, "sr-incident-responder", "app-escalation-plan", None,
                  ("EC2HighCPU", "app-escalation-plan stage 2 (+5 min)")),
    )  # fmt: skip
    assert timeline.pages[3].path == (
        "EC2HighCPU",
        "app-escalation-plan stage 2 (+5 min)",
        "sr-incident-responder engagement plan stage 2 (+5 min)",
    )
    assert timeline.pages[3].loc == ("contacts", 1, "engagement", 1)
    assert timeline.stages == ((0, "app-escalation-plan", 1), (5, "app-escalation-plan", 2))


def test_being_in_a_rotation_no_schedule_engages_is_not_shown_as_on_call() -> None:
    (night,) = timelines(fixture("prod").config, MONDAY_NIGHT)
    assert [p.on_call for p in night.pages] == [None] * 4


def test_pages_through_a_schedule_name_the_schedule_and_rotation(tmp_path: Path) -> None:
    config = edited("prod", tmp_path, PROD_SCHEDULE, PROD_ENGAGES_SCHEDULE).config
    (night,) = timelines(config, MONDAY_NIGHT)
    # Monday 02:00 in Los Angeles: the senior is on call and is the only one paged.
    assert {p.contact for p in night.pages} == {"sr-incident-responder"}
    assert {p.on_call for p in night.pages} == {OnCall("app-oncall", "app-responders-weekly")}
    # Monday 09:00 in Los Angeles the shift passes to incident-responder.
    (morning,) = timelines(config, datetime(2026, 11, 23, 17, 0, tzinfo=UTC))
    assert {p.contact for p in morning.pages} == {"incident-responder"}


def test_a_gap_over_30_minutes_pages_at_the_asked_minute_through_a_wait_stage() -> None:
    assert pages("staging")["StgEC2HighCPU"] == [
        (0, "stg-incident-responder", "email", None),
        (0, "stg-incident-responder", "mobile", 2),  # the channel target of stage 1
        # Stage 2 engages the on-call schedule: Monday 11:00 in Berlin, its rotation has
        # stg-incident-responder on call.
        (10, "stg-incident-responder", "email", None),
        (20, "stg-sr-incident-responder", "email", None),
        (45, "stg-incident-responder", "mobile", 10),  # stages of 30 + 15 minutes before it
        (55, "stg-incident-responder", "mobile", 10),  # the same, engaged from minute 10
    ]
    (timeline,) = timelines(fixture("staging").config, MONDAY_NIGHT)
    # The senior's target does not stop the plan (acknowledgement_stops_plan: false).
    assert [(s.contact, s.minute) for s in timeline.stops] == [
        ("stg-incident-responder", 0),
        ("stg-incident-responder", 10),
    ]


def test_nested_escalation_plans_resolve_to_people_with_the_path() -> None:
    found = pages("risky", datetime(2026, 3, 27, 6, 0, tzinfo=UTC))
    assert found["Escalating"] == [
        (0, "alice", "email", 2),
        (15, "alice", "phone", 3),  # platform stage 1: a channel target, its own retry
        (15, "bob", "sms", None),
        (25, "alice", "email", 2),  # platform stage 2 at 15 + 10 engages alice again
        (40, "alice", "phone", 5),  # alice's own plan from minute 0: phone at 40
        (65, "alice", "phone", 5),  # ... and from minute 25: phone at 65
    ]
    (escalating, *_) = timelines(fixture("risky").config, datetime(2026, 3, 27, 6, tzinfo=UTC))
    assert [(s.contact, s.plan, s.minute, s.prevents_minute) for s in escalating.stops] == [
        ("alice", "front-door", 0, 15),
        ("alice", "platform", 25, None),  # bob is not essential: no stop
    ]
    assert escalating.stages == (
        (0, "front-door", 1),
        (15, "front-door", 2),
        (15, "platform", 1),
        (25, "platform", 2),
    )
    assert escalating.pages[1].path == (
        "Escalating",
        "front-door stage 2 (+15 min)",
        "platform stage 1 (+0 min)",
        "alice channel 'phone'",
    )
    assert found["Late"] == [(3, "carol", "email", 1)]


# --- fidelity: the same answer read from the synthesized Terraform JSON -----------------------


def _ref(text: str) -> str:
    return text.removeprefix("${").removesuffix(".arn}")


# An escalation target that is an on-call schedule, in the synthesized stack; and how both sides
# below write the schedule's engagement when nobody is on call.
SCHEDULE_DATA = "terraform_data.oncall_schedule["
ON_CALL_SCHEDULE = "(on-call schedule)"


def synthesized_pages(stack: dict[str, Any]) -> dict[str, list[tuple[int, str, str]]]:
    """Walk the synthesized plans the way Incident Manager runs them: each stage engages its
    targets when the durations before it have passed; a contact target runs that contact's
    plan from then."""
    resources = stack["resource"]
    contacts = resources["aws_ssmcontacts_contact"]
    alias = {f"aws_ssmcontacts_contact.{k}": v["alias"] for k, v in contacts.items()}
    channels = {
        f"aws_ssmcontacts_contact_channel.{k}": (alias[_ref(v["contact_id"])], v["name"])
        for k, v in resources["aws_ssmcontacts_contact_channel"].items()
    }
    plans = {_ref(v["contact_id"]): v["stage"] for v in resources["aws_ssmcontacts_plan"].values()}

    def walk(contact: str, minute: int) -> Iterator[tuple[int, str, str]]:
        if contact.startswith(SCHEDULE_DATA):  # who it pages is its rotation's at that minute
            yield minute, contact.split('"')[1], ON_CALL_SCHEDULE
            return
        for stage in plans[contact]:
            for target in stage.get("target", []):
                if "channel_target_info" in target:
                    who, channel = channels[
                        _ref(target["channel_target_info"]["contact_channel_id"])
                    ]
                    yield minute, who, channel
                else:
                    yield from walk(_ref(target["contact_target_info"]["contact_id"]), minute)
            minute += stage["duration_in_minutes"]

    return {
        plan["name"]: sorted(p for e in plan["engagements"] for p in walk(_ref(e), 0))
        for plan in resources["aws_ssmincidents_response_plan"].values()
    }


@pytest.fixture(scope="module")
def synthesized_fixtures(tmp_path_factory: pytest.TempPathFactory) -> Path:
    from stacks.stack.synthesize import synthesize

    outdir = tmp_path_factory.mktemp("paging") / "cdktf.out"
    synthesize([fixture(n) for n in ("prod", "staging", "risky")], EXAMPLES_ROOT, outdir)
    return outdir


@pytest.mark.parametrize("name", ["prod", "staging", "risky"])
def test_the_timeline_is_what_the_synthesized_plan_stages_do(
    name: str, synthesized_fixtures: Path
) -> None:
    stack = json.loads(
        (synthesized_fixtures / "stacks" / f"incident-manager-{name}" / "cdk.tf.json").read_text(
            encoding="utf-8"
        )
    )
    expected = synthesized_pages(stack)
    # 2026-01-01 01:00 in Berlin: staging's business-hours rotation has nobody on call, so its
    # schedule pages nobody and both sides name the schedule and the minute it is engaged.
    found = {
        t.response_plan: sorted(
            [(p.minute, p.contact, p.channel) for p in t.pages]
            + [(minute, schedule, ON_CALL_SCHEDULE) for minute, schedule in t.unstaffed]
        )
        for t in timelines(fixture(name).config, datetime(2026, 1, 1, tzinfo=UTC))
    }
    assert found == expected
    assert any(expected.values())


# --- on-call schedules (issue #11): whoever is on call when the schedule is engaged -----------


def _with_schedule(name: str, plan: int, stage: int, target: int) -> EnvironmentConfig:
    """The fixture with one escalation target turned into the schedule ``oncall``."""
    data = YAML(typ="safe").load(fixture_path(name).read_text(encoding="utf-8"))
    data["escalation_plans"][plan]["stages"][stage]["targets"][target]["contact"] = "oncall"
    return EnvironmentConfig.model_validate(data)


def test_a_schedule_pages_whoever_its_rotation_has_on_call_at_that_minute() -> None:
    config = _with_schedule("prod", 0, 1, 0)
    schedules = {"oncall": ("app-responders-weekly",)}
    (night,) = timelines(config, MONDAY_NIGHT, schedules)
    assert [(p.minute, p.contact, p.channel) for p in night.pages] == [
        (0, "incident-responder", "incident responder email"),
        (5, "sr-incident-responder", "sr incident responder email"),
        (10, "incident-responder", "incident responder mobile"),
        (10, "sr-incident-responder", "sr incident responder phone"),
    ]
    assert night.pages[1].path[2] == (
        "oncall (on-call schedule) > app-responders-weekly: sr-incident-responder on call"
    )
    assert night.schedules == ("oncall",)
    assert [(s.minute, s.contact) for s in night.stops] == [
        (0, "incident-responder"),
        (5, "sr-incident-responder"),
    ]
    # From Monday 09:00 in Los Angeles the rotation has incident-responder on call instead.
    (day,) = timelines(config, datetime(2026, 11, 23, 17, 0, tzinfo=UTC), schedules)
    assert {p.contact for p in day.pages} == {"incident-responder"}
    assert [p.minute for p in day.pages] == [0, 5, 10, 15]


def test_a_schedule_with_nobody_on_call_pages_nobody_and_says_so() -> None:
    # The example's stage 2 engages stg-business-hours-oncall; without stage 3 (the senior),
    # the senior is reached only through that schedule's rotation.
    data = YAML(typ="safe").load(fixture_path("staging").read_text(encoding="utf-8"))
    del data["escalation_plans"][0]["stages"][2]
    config = EnvironmentConfig.model_validate(data)
    saturday = datetime(2026, 11, 28, 12, 0, tzinfo=UTC)
    (timeline,) = timelines(config, saturday)
    assert timeline.unstaffed == ((10, "stg-business-hours-oncall"),)
    assert {p.contact for p in timeline.pages} == {"stg-incident-responder"}
    found = findings(config, [timeline])
    # Members of an engaged schedule's rotation count as paged, even off duty now.
    assert [f for f in found if f.kind == "unpaged-contact"] == []


@settings(max_examples=100, deadline=None)
@given(
    st.lists(st.integers(0, 1440), min_size=1, max_size=4, unique=True),
    st.lists(st.integers(0, 30), min_size=1, max_size=5),
)
def test_a_page_lands_at_its_minute_plus_the_stages_before_it(
    at_minutes: list[int], durations: list[int]
) -> None:
    """Whatever the gaps (any over 30 minutes become extra stages) and wherever the contact
    sits in an escalation plan, its channel X at minute T is paged at stage start + T."""
    channels = [{"name": f"c{i}", "type": "EMAIL", "address": f"c{i}@example.com"}
                for i in range(len(at_minutes))]  # fmt: skip
    stages = [{"duration_minutes": d, "targets": [{"contact": "p"}]} for d in durations]
    config = EnvironmentConfig.model_validate(
        {
            "account_id": "111122223333",
            "region": "us-east-1",
            "replication_set": {"regions": ["us-east-1"]},
            "contacts": [
                {
                    "alias": "p",
                    "channels": channels,
                    "engagement": [
                        {"channel": f"c{i}", "at_minute": m} for i, m in enumerate(at_minutes)
                    ],
                }
            ],
            "escalation_plans": [{"alias": "e", "stages": stages}],
            "response_plans": [
                {"name": "R", "incident": {"title": "t", "impact": "low"}, "engagements": ["e"]}
            ],
        }
    )
    (timeline,) = timelines(config, MONDAY_NIGHT)
    expected = sorted(
        (start + minute, f"c{i}")
        for start in stage_starts(durations)
        for i, minute in enumerate(at_minutes)
    )
    assert sorted((p.minute, p.channel) for p in timeline.pages) == expected
