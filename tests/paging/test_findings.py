"""Findings: each kind on the fixture built for them, placed at the right line."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest
from ruamel.yaml import YAML

from stacks.config_errors import line_of
from stacks.paging.calendar import Coverage, Rotation
from stacks.paging.findings import findings, place
from stacks.paging.timeline import timelines
from tests.conftest import PROJECT_ROOT
from tests.paging.fixtures import FIXTURES, MONDAY_NIGHT, source

RISKY = "tests/paging/fixtures/risky.yaml"


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
    lines = (FIXTURES / "risky.yaml").read_text(encoding="utf-8").splitlines()
    assert lines[20 - 1].strip() == "- {channel: sms, at_minute: 0}"
    assert lines[26 - 1].strip() == "- alias: dave"
    assert lines[66 - 1].strip() == "shift_coverages:"
    assert lines[82 - 1].strip() == "engagements: [carol]"


def test_the_walkthrough_only_lacks_retries_on_its_e_mails() -> None:
    assert [line.split(" warning ")[1].split("]")[0] for line in placed("prod")] == [
        "[no-retry",
        "[no-retry",
    ]


def test_a_contact_only_in_a_rotation_is_unpaged_and_told_why(tmp_path: Path) -> None:
    text = (FIXTURES / "prod.yaml").read_text(encoding="utf-8")
    text = text.replace(
        "contacts: [incident-responder, sr-incident-responder]",
        "contacts: [incident-responder, sr-incident-responder, spare]",
    ).replace(
        "escalation_plans:",
        "  - alias: spare\n    channels: [{name: e, type: EMAIL, address: s@example.com}]\n"
        "    engagement: [{channel: e, at_minute: 0, retry_interval_minutes: 1}]\n\n"
        "escalation_plans:",
    )
    path = tmp_path / "spare.yaml"
    path.write_text(text, encoding="utf-8")
    from stacks.environment_loader import load_environment

    environment = load_environment(path, PROJECT_ROOT)
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
