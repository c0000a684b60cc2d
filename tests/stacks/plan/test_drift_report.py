"""stacks/plan/drift_report.py: console edits in the config's words (issue 17, finding 7), on a plan
recorded from real Terraform and the local Incident Manager (``recorded/record_console_drift.py``:
an engagement plan and a rotation's members changed in the console), and on constructed stages
where the shape of the input matters."""

from __future__ import annotations

import copy
import json
import subprocess
from pathlib import Path
from typing import Any

from hypothesis import given
from hypothesis import strategies as st

from constructs_lib.provisioners.plan_records import Restore
from stacks.plan.drift_check import drift_check
from stacks.plan.drift_report import PlanNames, console_edits, engagement_words, plan_names
from tests.conftest import PROJECT_ROOT

Json = dict[str, Any]
RECORDED = Path(__file__).parent / "recorded" / "console_drift.plan.json"
RESTORE = "This plan restores the config: make apply ENV=oncall"


def recorded() -> Json:
    plan: Json = json.loads(RECORDED.read_text(encoding="utf-8"))
    return plan


def test_console_edits_are_said_in_the_configs_words() -> None:
    assert console_edits(recorded(), RESTORE) == [
        "contact 'incident-responder': engagement now SMS 'mobile' at minute 0; config: EMAIL "
        f"'email' at minute 0, SMS 'mobile' at minute 10. {RESTORE}",
        f"rotation 'business-hours': members now [alice]; config [alice, bob]. {RESTORE}",
    ]


def test_a_change_of_the_config_alone_is_no_console_edit() -> None:
    plan = recorded()
    plan["resource_drift"] = []  # the same diff, but Terraform found nothing changed outside it
    assert console_edits(plan, RESTORE) == []


def test_names_come_from_the_plans_state() -> None:
    names = plan_names(recorded())
    assert sorted(names.contacts.values()) == [
        "alice",
        "app-escalation",
        "bob",
        "incident-responder",
    ]
    assert sorted(names.channels.values()) == [
        "EMAIL 'email'",
        "EMAIL 'email'",
        "EMAIL 'email'",
        "SMS 'mobile'",
    ]
    assert list(names.rotations.values()) == ["business-hours"]


def test_an_escalation_plan_edit_names_the_contacts_it_engages() -> None:
    plan = recorded()
    change = next(c for c in plan["resource_changes"] if c["type"] == "aws_ssmcontacts_plan")
    names = plan_names(plan)
    arn = {alias: a for a, alias in names.contacts.items()}
    escalation = copy.deepcopy(change)
    escalation["address"] = "aws_ssmcontacts_plan.escalation"
    escalation["change"]["actions"] = ["update"]

    def stage(minutes: int, alias: str) -> Json:
        info = {"contact_id": arn[alias], "is_essential": False}
        return {"duration_in_minutes": minutes, "target": [{"contact_target_info": [info]}]}

    escalation["change"]["before"] = {
        "contact_id": arn["app-escalation"],
        "stage": [stage(0, "bob")],
    }
    escalation["change"]["after"] = {
        "contact_id": arn["app-escalation"],
        "stage": [stage(5, "alice"), stage(0, "incident-responder")],
    }
    plan["resource_changes"] = [escalation]
    plan["resource_drift"] = [{"address": escalation["address"], "change": {"actions": ["update"]}}]
    assert console_edits(plan, RESTORE) == [
        "escalation plan 'app-escalation': engagement now 'bob' at minute 0; config: 'alice' at "
        f"minute 0, 'incident-responder' at minute 5. {RESTORE}"
    ]


def test_the_drift_check_prints_console_edits_and_exits_0_as_this_plan_restores_them(
    capsys: Any,
) -> None:
    plan = recorded()
    # Without its schedule and coverage records: those need the live API (their own tests).
    plan["resource_changes"] = [
        c for c in plan["resource_changes"] if c["type"] != "terraform_data"
    ]
    assert drift_check(plan, environment="oncall") == 0
    out = capsys.readouterr().out
    assert out.splitlines()[0].startswith("contact 'incident-responder': engagement now SMS")
    assert out.count(RESTORE) == 2


@given(
    st.lists(
        st.tuples(st.integers(0, 30), st.lists(st.sampled_from(["a", "b", None]), max_size=3)),
        max_size=6,
    )
)
def test_engagement_minutes_are_the_sums_of_earlier_durations(
    stages: list[tuple[int, list[str | None]]],
) -> None:
    names = PlanNames(channels={"a": "EMAIL 'email'", "b": "SMS 'mobile'"})
    shaped = [
        {
            "duration_in_minutes": minutes,
            "target": [{"channel_target_info": [{"contact_channel_id": c}]} for c in channels],
        }
        for minutes, channels in stages
    ]
    words = engagement_words(shaped, names)
    expected = []
    start = 0
    for minutes, channels in stages:
        for channel in channels:
            said = names.channel(channel)
            expected.append(f"{said} at minute {start}")
        start += minutes
    assert words == (", ".join(expected) or "nobody")


def test_the_printed_replace_command_reaches_terraform_plan() -> None:
    address = 'terraform_data.oncall_schedule_settings["app-oncall"]'
    command = Restore("dev").replace(address)
    assert command.startswith(f"make plan-check ENV=dev REPLACE='{address}'")
    shown = subprocess.run(
        ["make", "-n", "plan-check", "ENV=dev", f"REPLACE={address}"],
        cwd=PROJECT_ROOT,
        capture_output=True,
        text=True,
        check=True,
        timeout=60,
    ).stdout
    # make passes it to plan-check, which hands it to `terraform plan -replace` (test_plan_flow).
    (plan,) = [line for line in shown.splitlines() if "main.py plan-check" in line]
    assert plan.endswith(f"--replace '{address}'")
