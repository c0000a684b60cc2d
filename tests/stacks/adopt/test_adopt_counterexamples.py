"""The shrunk counterexamples of the generative round trip (test_adopt_round_trip.py, `make
fuzz-adopt`), each kept as the account hypothesis shrank it to and checked at the cheapest step
that showed the failure."""

from __future__ import annotations

import json
import subprocess
from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from stacks.adopt.command import adopt
from stacks.config.environment_loader import load_environment
from stacks.config.secret_variables import address_variable
from stacks.layout import stack_dir
from stacks.stack.synthesize import synthesize
from tests.stacks.adopt.account_builder import build_account
from tests.stacks.adopt.account_specs import (
    Account,
    Channel,
    EscalationPlan,
    Person,
    ResponsePlan,
    Rotation,
    Schedule,
    Stage,
    Target,
)

ENV_FILE = Path("stacks/environments/acme.yaml")


def _account(**parts: Any) -> Account:
    """The smallest account hypothesis makes, with ``parts`` in place of its defaults."""
    person = Person(
        alias="0",
        display_name=None,
        channels=(Channel("0", "EMAIL", activated=False),),
        stages=(Stage(0, (Target("0", "0"),)),),
        tags={},
    )
    plan = ResponsePlan(
        name="0",
        display_name=None,
        title="0",
        impact=1,
        summary=None,
        dedupe=None,
        incident_tags={},
        notify=(),
        chat=(),
        engagements=(),
        runbook=None,
        pagerduty=None,
        tags={},
    )
    defaults: dict[str, Any] = {
        "regions": ("us-east-1",),
        "customer_keys": False,
        "set_tags": {},
        "people": (person,),
        "escalation_plans": (),
        "rotations": (),
        "schedules": (),
        "topics": (),
        "response_plans": (plan,),
        "alarms": (),
        "edit": ("contact_display_name", 0),
    }
    return Account(**{**defaults, **parts})


def _synthesized(root: Path) -> Path:
    env = load_environment(root / ENV_FILE, root)
    synthesize([env], root, root / "cdktf.out", complete=False)
    return stack_dir(root, "acme")


def test_an_alias_starting_with_a_digit_gets_a_terraform_variable_name() -> None:
    # Terraform refuses a variable name that does not start with a letter or "_"; the names
    # that already worked stay as they were (people have them as TF_VAR_ secrets).
    assert address_variable("0", "0") == "_0__0"
    assert address_variable("24x7-oncall", "phone") == "_24x7_oncall__phone"
    assert address_variable("db-oncall", "phone") == "db_oncall__phone"
    assert address_variable("-", "0") == "__0"


def test_counterexample_contact_alias_0_with_a_secret_channel(
    aws: Any, account_env: None, tmp_path: Path
) -> None:
    # Found by the round trip: alias "0" (the API's pattern allows a leading digit) gave the
    # variable "0__0", and `terraform init` of the first plan failed: "Invalid variable name".
    build_account(aws, _account())
    adopt("acme", "us-east-1", None, tmp_path)
    done = subprocess.run(
        ["terraform", "init", "-input=false", "-no-color"],
        cwd=_synthesized(tmp_path),
        stdin=subprocess.DEVNULL,
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode == 0, done.stdout + done.stderr


def test_what_refers_to_a_contact_left_out_is_left_out_too(
    aws: Any, account_env: None, tmp_path: Path
) -> None:
    # Found once the strategy made contacts without an engagement plan (valid: the console
    # saves a contact before its plan): the contact was left out, but the rotation it is in and
    # the escalation plan engaging it still named it, and the written file failed the checks
    # ("unknown contact 'noplan'"). Now they are left out too, and so is what refers to them.
    noplan = Person("noplan", None, (Channel("e", "EMAIL", activated=False),), (), {})
    rotation = Rotation(
        "r", ("0", "noplan"), datetime(2026, 1, 5, tzinfo=UTC), "UTC", 1, 1, daily=((9, 0),)
    )
    account = _account(
        people=(_account().people[0], noplan),
        rotations=(rotation,),
        schedules=(Schedule("oncall", None, ("r",), {}),),
        escalation_plans=(
            EscalationPlan("esc", None, (Stage(5, (Target("noplan"),)),), {}),
            EscalationPlan("up", None, (Stage(5, (Target("esc"), Target("0"))),), {}),
            EscalationPlan("kept", None, (Stage(5, (Target("0"),)),), {}),
        ),
    )
    plans = (
        replace(account.response_plans[0], engagements=("up",)),
        replace(account.response_plans[0], name="Kept", engagements=("kept",)),
    )
    build_account(aws, replace(account, response_plans=plans))
    adoption = adopt("acme", "us-east-1", None, tmp_path)
    config = load_environment(tmp_path / ENV_FILE, tmp_path).config
    assert [c.alias for c in config.contacts] == ["0"]
    assert [p.alias for p in config.escalation_plans] == ["kept"]
    assert (config.rotations, config.oncall_schedules) == ([], [])
    assert [p.name for p in config.response_plans] == ["Kept"]
    assert [line for line in adoption.report if "not activated" not in line] == [
        "contact noplan: its engagement plan engages no channel; left out",
        "rotation r: its contact(s) noplan are left out (above); left out too, not managed "
        "(it stays as it is)",
        "escalation plan esc: engages noplan, left out (above); left out too, not managed "
        "(it stays as it is)",
        "on-call schedule oncall: lists rotation(s) r, left out (above); left out too, not "
        "managed (it stays as it is)",
        "escalation plan up: engages esc, left out (above); left out too, not managed (it "
        "stays as it is)",
        "response plan 0: engages up, left out (above); left out too, not managed (it stays "
        "as it is, and so do the alarms that open it)",
    ]
    imports = json.loads((tmp_path / "stacks/adopted/acme.imports.json").read_text())
    assert "rotations" not in imports
    assert set(imports["response_plans"]) == {"Kept"}


def test_channels_whose_secret_variables_would_share_a_name_leave_their_contact_out(
    aws: Any, account_env: None, tmp_path: Path
) -> None:
    # Found by `make fuzz-adopt` (channels '𰝞įüąJ셒' and '奢ø容¼J' of contact 0, both '_0__j'):
    # a variable name keeps a-z and 0-9 only, so channels "ü" and "ö" of contact p would both
    # be "p__", and the file's check refused it ("rename one of the channels"): the adopted
    # file did not load. The contact is left out and reported, with what refers to it.
    person = Person(
        "p",
        None,
        (Channel("ü", "EMAIL", activated=False), Channel("ö", "SMS", activated=False)),
        (Stage(0, (Target("p", "ü"),)),),
        {},
    )
    account = _account(people=(_account().people[0], person))
    build_account(aws, replace(account, response_plans=()))
    adoption = adopt("acme", "us-east-1", None, tmp_path)
    config = load_environment(tmp_path / ENV_FILE, tmp_path).config
    assert [c.alias for c in config.contacts] == ["0"]
    assert (
        "contact p: the secret address variable of its channel 'ü' would be 'p__', that of "
        "'p/ö' too (rename one channel, then adopt again); left out"
    ) in adoption.report
