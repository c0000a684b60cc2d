"""plan-summary: the changes of a plan and the checks' lines out of plan-check's output."""

from __future__ import annotations

import json
from pathlib import Path

from stacks.commands.plan_summary import change_rows, check_lines, markdown

LOG = """\
Terraform will perform the following actions:
  # aws_ssmcontacts_plan.x will be updated in-place
\x1b[1mPlan:\x1b[0m 0 to add, 1 to change, 0 to destroy.
\x1b[0m
Changes to Outputs:
  ~ contact_arns = {
      - a = "arn"
    }
on-call schedules: none in this plan
plan guard: 1 dangerous change(s); not applying:
  [contact-replace] aws_ssmcontacts_contact.a: a rename
"""


def change(address: str, *actions: str) -> dict[str, object]:
    return {"address": address, "change": {"actions": list(actions)}}


def test_the_checks_lines_follow_terraforms_plan_and_its_outputs() -> None:
    assert check_lines(LOG) == [
        "on-call schedules: none in this plan",
        "plan guard: 1 dangerous change(s); not applying:",
        "  [contact-replace] aws_ssmcontacts_contact.a: a rename",
    ]


def test_without_a_plan_the_logs_last_lines() -> None:
    log = "\n".join(f"line {n}" for n in range(50)) + "\nError: no credentials\n"
    assert check_lines(log)[-1] == "Error: no credentials"
    assert len(check_lines(log)) == 30


def test_counts_as_terraform_counts_them() -> None:
    plan = {
        "resource_changes": [
            change("b", "update"),
            change("a", "delete", "create"),
            change("c", "no-op"),
            change("d", "create"),
        ]
    }
    rows, counts = change_rows(plan)
    assert counts == (2, 1, 1)
    assert rows == [
        ("replace (destroy, then create)", "a"),
        ("update in-place", "b"),
        ("create", "d"),
    ]


def test_a_refused_plan_says_so(tmp_path: Path) -> None:
    stack = tmp_path / "incident-manager-prod"
    stack.mkdir()
    (stack / "tfplan.refused").write_bytes(b"")
    (stack / "tfplan.json").write_text(json.dumps({"resource_changes": []}), encoding="utf-8")
    text = markdown("prod", stack, LOG)
    assert text.startswith("\n### incident-manager-prod: plan-check\n")
    assert "**Plan guard: refused** (exit 3)" in text
    assert "Plan: 0 to add, 0 to change, 0 to destroy." in text
    assert "```text\non-call schedules: none in this plan\n" in text
