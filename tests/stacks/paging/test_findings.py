"""Findings: each kind on the fixture built for them, placed at the right line."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest
from ruamel.yaml import YAML

from stacks.config.config_errors import line_of
from stacks.paging.calendar import Coverage, Rotation
from stacks.paging.findings import findings, place
from stacks.paging.timeline import timelines
from tests.stacks.paging.fixtures import (
    MONDAY_NIGHT,
    PROD_ENGAGES_SCHEDULE,
    PROD_SCHEDULE,
    edited,
    fixture_path,
    source,
)

RISKY = "tests/stacks/paging/risky.yaml"


def placed(name: str) -> list[str]:
    file = source(name)
    config = file.environment.config
    return [str(f) for f in place(findings(config, timelines(config, MONDAY_NIGHT)), file)]


def test_every_kind_of_finding_with_file_and_line() -> None:
    assert placed("risky") == [
        f"{RISKY}:20: contacts[1].engagement[0]: warning [no-retry]: bob's SMS channel 'sms' is "
        "paged at minute 0 with no retry: an undelivered page is not sent again (set "
        "retry_interval_minutes)",
        f"{RISKY}:26: contacts[3].alias: warning [unpaged-contact]: no response plan pages "
        "'dave'; only escalation plans no response plan reaches engage it (orphan-plan)",
        f"{RISKY}:58: rotations[0].name: warning [unused-rotation]: rotation 'weekdays' pages "
        "nobody: no on-call schedule lists it (a rotation pages only through an on-call schedule "
        "a response plan engages: list it in one, or remove it)",
        f"{RISKY}:66: rotations[0].shift_coverages: warning [rotation-gap]: rotation 'weekdays' "
        "has nobody on call 108 hours a week (Europe/Berlin): MON 20:00 to TUE 08:00, TUE 20:00 "
        "to WED 08:00, WED 20:00 to THU 08:00, THU 20:00 to FRI 08:00, FRI 20:00 to MON 08:00",
        f"{RISKY}:79: response_plans[1].engagements: warning [one-person]: every page of "
        "OnlyAlice goes to one person, alice: if they cannot answer, nobody else is paged",
        f"{RISKY}:82: response_plans[2].engagements: warning [nobody-at-minute-0]: Late pages "
        "nobody at minute 0: the first page goes out at minute 3",
        f"{RISKY}:82: response_plans[2].engagements: warning [one-person]: every page of Late "
        "goes to one person, carol: if they cannot answer, nobody else is paged",
    ]


def test_the_lines_are_those_of_the_named_fields() -> None:
    lines = fixture_path("risky").read_text(encoding="utf-8").splitlines()
    assert lines[20 - 1].strip() == "- {channel: sms, at_minute: 0}"
    assert lines[26 - 1].strip() == "- alias: dave"
    assert lines[66 - 1].strip() == "shift_coverages:"
    assert lines[82 - 1].strip() == "engagements: [carol]"


def test_the_walkthrough_lacks_retries_on_its_e_mails_and_a_schedule_for_its_rotation() -> None:
    assert [line.split(" warning ")[1].split("]")[0] for line in placed("prod")] == [
        "[no-retry",
        "[no-retry",
        "[unused-rotation",
    ]


def test_a_rotation_only_an_unengaged_schedule_lists_pages_nobody(tmp_path: Path) -> None:
    config = edited("prod", tmp_path, PROD_SCHEDULE).config
    found = findings(config, timelines(config, MONDAY_NIGHT))
    assert [f.message for f in found if f.kind == "unused-rotation"] == [
        "rotation 'app-responders-weekly' pages nobody: only on-call schedules no response plan "
        "reaches list it (app-oncall) (a rotation pages only through an on-call schedule a "
        "response plan engages: list it in one, or remove it)"
    ]


def test_a_rotation_an_engaged_schedule_lists_is_no_finding(tmp_path: Path) -> None:
    config = edited("prod", tmp_path, PROD_SCHEDULE, PROD_ENGAGES_SCHEDULE).config
    found = findings(config, timelines(config, MONDAY_NIGHT))
    assert [f.kind for f in found if f.kind == "unused-rotation"] == []
    # Whoever is on call is paged through the schedule; both members' e-mails lack a retry,
    # the one off call now included (they are paged in their own shifts).
    assert sorted(f.loc for f in found if f.kind == "no-retry") == [
        ("contacts", 0, "engagement", 0),
        ("contacts", 1, "engagement", 0),
    ]


def test_an_engagement_plan_nothing_engages_gets_no_no_retry_finding(tmp_path: Path) -> None:
    """The README's recipe: db-oncall's phone is a channel target; its own engagement plan (an
    e-mail at minute 0 with no retry) never runs, so it is no risk."""
    db_oncall = (
        "  - alias: db-oncall\n"
        "    channels:\n"
        "      - {name: email, type: EMAIL, address: db-oncall@example.com}\n"
        "      - {name: phone, type: VOICE, address: '+12065550100'}\n"
        "    engagement:\n"
        "      - {channel: email, at_minute: 0}\n"
        "      - {channel: phone, at_minute: 5, retry_interval_minutes: 5}\n\n"
        "escalation_plans:"
    )
    senior = "          - contact: sr-incident-responder\n"
    senior += "            acknowledgement_stops_plan: true\n"
    target = (senior, senior + "          - {contact: db-oncall, channel: phone}\n")
    config = edited("prod", tmp_path, ("escalation_plans:", db_oncall), target).config
    no_retry = [f.message for f in findings(config, timelines(config, MONDAY_NIGHT))]
    no_retry = [m for m in no_retry if "no retry" in m]
    assert [m.split(" with no retry")[0] for m in no_retry] == [
        "incident-responder's EMAIL channel 'incident responder email' is paged at minute 0",
        "sr-incident-responder's EMAIL channel 'sr incident responder email' is paged at minute 0",
        "app-escalation-plan stage 2 pages db-oncall's channel 'phone'",
    ]


def test_a_contact_only_in_a_rotation_is_unpaged_and_told_why(tmp_path: Path) -> None:
    environment = edited(
        "prod",
        tmp_path,
        (
            "contacts: [incident-responder, sr-incident-responder]",
            "contacts: [incident-responder, sr-incident-responder, spare]",
        ),
        (
            "escalation_plans:",
            "  - alias: spare\n    channels: [{name: e, type: EMAIL, address: s@example.com}]\n"
            "    engagement: [{channel: e, at_minute: 0, retry_interval_minutes: 1}]\n\n"
            "escalation_plans:",
        ),
    )
    found = findings(environment.config, timelines(environment.config, MONDAY_NIGHT))
    assert [f.message for f in found if f.kind == "unpaged-contact"] == [
        "no response plan pages 'spare'; it is in rotation(s) app-responders-weekly, but a "
        "rotation pages nobody until an on-call schedule engages it"
    ]


@pytest.mark.parametrize("name", ["prod", "staging", "risky"])
def test_lines_from_the_node_tree_are_those_the_round_trip_reader_gives(name: str) -> None:
    file = source(name)
    config = file.environment.config
    data = YAML(typ="rt").load(file.environment.path.read_text(encoding="utf-8"))
    locs = [f.loc for f in findings(config, timelines(config, MONDAY_NIGHT))]
    locs += [
        ("contacts", i, "engagement", j)
        for i, c in enumerate(config.contacts)
        for j in range(len(c.engagement))
    ]
    locs += [("escalation_plans", 0, "stages", 1, "targets", 0), ("rotations", 0, "nope")]
    assert [file.line_of(loc) for loc in locs] == [line_of(data, loc) for loc in locs]


def test_a_rotation_covering_every_hour_has_no_gap_finding() -> None:
    rotation = Rotation(
        name="r", members=("a",), time_zone="UTC", start=datetime(2026, 1, 1, tzinfo=UTC),
        daily=((datetime.min.time()),),
        coverages=tuple(Coverage(d, datetime.min.time(), datetime.min.time()) for d in range(7)),
    )  # fmt: skip
    from stacks.paging.calendar import uncovered_week

    assert uncovered_week(rotation) == []
