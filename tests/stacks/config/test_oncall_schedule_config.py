"""``oncall_schedules:`` in environment files: engageable like a contact, checked like the rest."""

from __future__ import annotations

from pathlib import Path

from stacks.config.environment_loader import load_environments
from tests.stacks.config.test_environment_errors import FILE, problems_of
from tests.stacks.environment_files import MINIMAL, project_with

ROTATION = """\
rotations:
  - name: weekly
    contacts: [incident-responder]
    time_zone: Etc/UTC
    start_time: 2026-01-05T08:00:00+00:00
    hand_off: {weekly: [{day: MON, time: "09:00"}]}
"""


def with_schedule(schedule: str, rest: str = "") -> str:
    return MINIMAL + ROTATION + "oncall_schedules:\n" + schedule + rest


VALID = with_schedule(
    """\
  - alias: app-oncall
    display_name: App on-call
    rotations: [weekly]
""",
    """\
escalation_plans:
  - alias: app-escalation
    stages:
      - duration_minutes: 0
        targets: [{contact: app-oncall}]
response_plans:
  - name: AppDown
    incident: {title: app-down, impact: high}
    engagements: [app-oncall]
""",
)


def test_a_schedule_is_engaged_from_an_escalation_plan_and_a_response_plan(tmp_path: Path) -> None:
    (environment,) = load_environments(project_with(tmp_path, VALID, name="valid"))
    (schedule,) = environment.config.oncall_schedules
    assert (schedule.alias, schedule.display_name, schedule.rotations) == (
        "app-oncall",
        "App on-call",
        ["weekly"],
    )


def test_fails_on_an_unknown_rotation_with_did_you_mean(tmp_path: Path) -> None:
    text = with_schedule("  - {alias: app-oncall, display_name: App, rotations: [weekyl]}\n")
    assert problems_of(tmp_path, text) == [
        f"{FILE}:21: oncall_schedules[0].rotations[0]: unknown rotation 'weekyl'; did you mean "
        "'weekly'? (defined: weekly)"
    ]


def test_fails_without_rotations_or_display_name(tmp_path: Path) -> None:
    text = with_schedule("  - {alias: app-oncall, display_name: '', rotations: []}\n")
    problems = problems_of(tmp_path, text)
    assert len(problems) == 2, problems
    assert problems[0].startswith(f"{FILE}:21: oncall_schedules[0].display_name: ")
    assert problems[0].endswith("must not be empty")
    assert problems[1].startswith(f"{FILE}:21: oncall_schedules[0].rotations: ")
    assert "at least 1" in problems[1]


def test_fails_on_more_rotations_than_the_user_guide_allows(tmp_path: Path) -> None:
    # The model allows 25 RotationIds; the user guide: "up to eight rotations".
    rotations = "".join(
        ROTATION.replace("name: weekly", f"name: r{i}").split("\n", 1)[1] for i in range(9)
    )
    names = ", ".join(f"r{i}" for i in range(9))
    text = (
        MINIMAL
        + "rotations:\n"
        + rotations
        + f"oncall_schedules:\n  - {{alias: app-oncall, display_name: App, rotations: [{names}]}}\n"
    )
    (problem,) = problems_of(tmp_path, text)
    assert problem == (
        f"{FILE}:61: oncall_schedules[0].rotations: has 9 rotations; at most 8 (AWS Incident "
        "Manager User Guide, 'Managing responder rotations with on-call schedules'; the service "
        "model allows 25, but AWS documents 8)"
    )
    eight = text.replace(", r8]", "]")
    assert len(load_environments(project_with(tmp_path / "eight", eight, name="eight"))) == 1


def test_fails_on_a_rotation_listed_twice(tmp_path: Path) -> None:
    text = with_schedule(
        "  - {alias: app-oncall, display_name: App, rotations: [weekly, weekly]}\n"
    )
    assert problems_of(tmp_path, text) == [
        f"{FILE}:21: oncall_schedules[0].rotations: listed more than once: weekly"
    ]


def test_fails_on_a_bad_alias_by_the_api_pattern(tmp_path: Path) -> None:
    text = with_schedule("  - {alias: App Oncall, display_name: App, rotations: [weekly]}\n")
    (problem,) = problems_of(tmp_path, text)
    assert problem.startswith(f"{FILE}:21: oncall_schedules[0].alias: 'App Oncall' is not valid")
    assert "(ssm-contacts ContactAlias)" in problem


def test_fails_when_a_schedule_takes_a_contact_alias(tmp_path: Path) -> None:
    text = with_schedule(
        "  - {alias: incident-responder, display_name: App, rotations: [weekly]}\n"
    )
    assert problems_of(tmp_path, text) == [
        f"{FILE}:21: oncall_schedules[0].alias: 'incident-responder' is already a contact "
        "alias; contacts, escalation plans and on-call schedules share one alias space"
    ]


def test_fails_when_a_schedule_takes_an_escalation_plan_alias(tmp_path: Path) -> None:
    text = VALID.replace("- alias: app-escalation", "- alias: app-oncall")
    problems = problems_of(tmp_path, text)
    assert (
        f"{FILE}:21: oncall_schedules[0].alias: 'app-oncall' is already an escalation plan "
        "alias; contacts, escalation plans and on-call schedules share one alias space"
    ) in problems


def test_fails_when_a_rotation_member_is_a_schedule(tmp_path: Path) -> None:
    text = VALID.replace("contacts: [incident-responder]", "contacts: [app-oncall]")
    assert problems_of(tmp_path, text) == [
        f"{FILE}:16: rotations[0].contacts[0]: 'app-oncall' is an on-call schedule; a rotation "
        "takes personal contacts"
    ]


def test_fails_when_a_channel_target_names_a_schedule(tmp_path: Path) -> None:
    text = VALID.replace(
        "targets: [{contact: app-oncall}]", "targets: [{contact: app-oncall, channel: email}]"
    )
    (problem,) = problems_of(tmp_path, text)
    assert problem.startswith(
        f"{FILE}:28: escalation_plans[0].stages[0].targets[0].contact: unknown contact 'app-oncall'"
    )
    assert "channel targets name a personal contact" in problem


def test_a_misspelt_schedule_in_a_response_plan_is_suggested(tmp_path: Path) -> None:
    text = VALID.replace("engagements: [app-oncall]", "engagements: [app-oncal]")
    (problem,) = problems_of(tmp_path, text)
    assert "unknown contact, escalation plan or on-call schedule 'app-oncal'" in problem
    assert "did you mean 'app-oncall'?" in problem


def test_an_invalid_schedule_alias_is_not_reported_again_where_it_is_engaged(
    tmp_path: Path,
) -> None:
    text = VALID.replace("app-oncall", "App-Oncall")
    (problem,) = problems_of(tmp_path, text)
    assert problem.startswith(f"{FILE}:21: oncall_schedules[0].alias: 'App-Oncall' is not valid")


def test_a_schedule_with_a_bad_tag_still_has_its_rotations_checked(tmp_path: Path) -> None:
    text = with_schedule(
        "  - {alias: app-oncall, display_name: App, rotations: [weekyl], tags: {a b: c}}\n"
    )
    problems = problems_of(tmp_path, text)
    assert [p.split(": ")[1] for p in problems] == [
        "oncall_schedules[0].rotations[0]",
        "oncall_schedules[0].tags.a b",
    ]
