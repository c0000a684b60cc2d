"""The plan guard after an interrupted apply (issue 17, finding 3), on a plan recorded from real
Terraform 1.11.4 (``recorded/interrupted_apply.tf`` says how): a tainted schedule record, its
deposed copy, a settings record replaced and a tainted coverage record. Terraform runs no
destroy-time provisioner for a tainted or deposed object, so none of this deletes a schedule;
the guard says what is being re-created instead of refusing."""

from __future__ import annotations

import copy
import io
import json
from pathlib import Path
from typing import Any

from stacks.plan.plan_guard import check_plan, notes, run_guard

Json = dict[str, Any]
RECORDED = Path(__file__).parent / "recorded" / "interrupted_apply.plan.json"
IDENTITY = 'terraform_data.oncall_schedule["app-oncall"]'
COVERAGE = 'terraform_data.coverage["business-hours"]'
SCHEDULE_ARN = "arn:aws:ssm-contacts:us-east-1:111122223333:contact/app-oncall"


def recorded() -> Json:
    plan: Json = json.loads(RECORDED.read_text(encoding="utf-8"))
    return plan


def engaged_by_an_escalation_plan(plan: Json) -> Json:
    """``plan`` with an escalation plan that keeps engaging the schedule, as the stack's do."""
    engaged = copy.deepcopy(plan)
    target = {"contact_target_info": [{"contact_id": SCHEDULE_ARN, "is_essential": True}]}
    engaged["resource_changes"].append(
        {
            "address": "aws_ssmcontacts_plan.escalation",
            "type": "aws_ssmcontacts_plan",
            "change": {
                "actions": ["no-op"],
                "before": {"stage": [{"target": [target]}]},
                "after": {"stage": [{"target": [target]}]},
            },
        }
    )
    return engaged


def test_the_recording_is_what_an_interrupted_apply_leaves() -> None:
    changes = [
        (c["address"], c.get("deposed") is not None, c["change"]["actions"], c.get("action_reason"))
        for c in recorded()["resource_changes"]
    ]
    assert (IDENTITY, False, ["create", "delete"], "replace_because_tainted") in changes
    assert (IDENTITY, True, ["delete"], None) in changes
    assert (COVERAGE, False, ["create", "delete"], "replace_because_tainted") in changes


def test_a_tainted_or_deposed_schedule_record_is_not_refused() -> None:
    assert check_plan(recorded()) == []
    # Not even while an escalation plan engages the schedule: nothing deletes it.
    assert check_plan(engaged_by_an_escalation_plan(recorded())) == []


def test_the_same_replacement_not_tainted_is_still_refused() -> None:
    plan = recorded()
    for change in plan["resource_changes"]:
        if change["address"] == IDENTITY and not change.get("deposed"):
            change["action_reason"] = "replace_by_request"  # terraform plan -replace=...
    (refusal,) = check_plan(plan)
    assert (refusal.kind, refusal.address) == ("contact-replace", IDENTITY)
    assert "deletes it, leaving nothing to page" in refusal.consequence


def test_a_deposed_schedule_record_still_engaged_is_refused_once_it_is_no_leftover() -> None:
    plan = engaged_by_an_escalation_plan(recorded())
    for change in plan["resource_changes"]:
        change.pop("deposed", None)  # a plain delete: its destroy-time provisioner runs
    refused = [(r.kind, r.address) for r in check_plan(plan)]
    assert ("referenced-contact-delete", IDENTITY) in refused


def test_notes_say_what_is_re_created_after_an_interrupted_apply() -> None:
    said = {(n.address, n.text.split(":")[0].split(";")[0]) for n in notes(recorded())}
    assert said == {
        (
            IDENTITY,
            "re-creating the record of on-call schedule 'app-oncall' after an interrupted apply",
        ),
        (
            IDENTITY,
            "dropping a leftover copy of this record from a replacement that stopped half-way",
        ),
        (
            COVERAGE,
            "re-creating the shift coverage record of rotation 'business-hours' after an "
            "interrupted apply",
        ),
    }
    texts = " ".join(n.text for n in notes(recorded()))
    assert (
        "Terraform runs no destroy-time provisioner for a tainted object, so the schedule is not "
        "deleted" in texts
    )


def test_run_guard_takes_the_parsed_plan_and_prints_the_notes_then_passes() -> None:
    out, err = io.StringIO(), io.StringIO()
    assert run_guard(recorded(), source="tfplan", out=out, err=err) == 0
    lines = out.getvalue().splitlines()
    assert lines[-1] == "plan guard: nothing dangerous in tfplan"
    assert sum(line.startswith("plan guard: note: ") for line in lines) == 3
    assert err.getvalue() == ""


def test_run_guard_refuses_with_exit_3_and_an_unknown_kind_with_exit_2() -> None:
    plan = recorded()
    for change in plan["resource_changes"]:
        change.pop("action_reason", None)
        change.pop("deposed", None)
    err = io.StringIO()
    assert run_guard(plan, out=io.StringIO(), err=err) == 3
    assert "[contact-replace] " + IDENTITY in err.getvalue()
    err = io.StringIO()
    assert run_guard(plan, ["everything"], out=io.StringIO(), err=err) == 2
    assert "unknown kind(s) ['everything']" in err.getvalue()
