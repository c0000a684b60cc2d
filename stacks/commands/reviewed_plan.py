"""`python main.py reviewed-plan ENV --reviewed FILE`: does the plan plan-check just checked
change exactly what the reviewed plan (the pull request's redacted ``tfplan.json``) changed?

The merge pipeline plans again instead of applying the pull request's saved plan: a binary
``tfplan`` holds the secret addresses in clear text, so it never leaves the job that made it;
the redacted JSON does. This command compares the two plans' changes (address, actions and the
planned values, redacted alike) and stops the apply when they differ: the account or main
moved on since the review, and the new plan needs a review of its own.

Reads files only. Imports: the standard library, ``stacks.layout``, ``stacks.plan.plan_flow``.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

from stacks.commands.arguments import Subparsers
from stacks.layout import EXIT_BAD_INPUT, EXIT_OK, PROJECT_ROOT, stack_dir
from stacks.plan.plan_flow import PLAN_JSON

Changes = dict[str, Any]


def add_parser(subparsers: Subparsers) -> None:
    """Register ``reviewed-plan`` with main.py's subcommands."""
    parser = subparsers.add_parser(
        "reviewed-plan",
        help="stop unless the checked plan changes exactly what the reviewed plan changed",
        description="Compare the changes of ENV's checked plan (tfplan.json, as plan-check "
        "left it) with a reviewed plan's tfplan.json.",
        epilog="exit status: 0 the same changes; 2 they differ (each address named) or a plan "
        "is missing",
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("environment", metavar="ENV")
    parser.add_argument("--reviewed", type=Path, required=True, metavar="FILE")
    parser.set_defaults(run=run)


def changes(plan: dict[str, Any]) -> Changes:
    """Address -> (actions, planned values, unknown values) of every change but no-op/read."""
    found: Changes = {}
    for change in plan.get("resource_changes") or []:
        body = change["change"]
        if body["actions"] in (["no-op"], ["read"]):
            continue
        key = change["address"] + (f" deposed {change['deposed']}" if "deposed" in change else "")
        found[key] = {
            "actions": body["actions"],
            "after": body.get("after"),
            "after_unknown": body.get("after_unknown"),
        }
    return found


def differences(reviewed: Changes, checked: Changes) -> list[str]:
    """One line per address whose change is not the reviewed one."""
    lines = []
    for address in sorted(set(reviewed) | set(checked)):
        before: dict[str, Any] = reviewed.get(address) or {}
        now: dict[str, Any] = checked.get(address) or {}
        if before == now:
            continue
        was, planned = "/".join(before.get("actions", [])), "/".join(now.get("actions", []))
        if not before:
            lines.append(f"{address}: {planned}, not in the reviewed plan")
        elif not now:
            lines.append(f"{address}: reviewed {was}, no longer planned")
        elif was != planned:
            lines.append(f"{address}: reviewed {was}, now {planned}")
        else:
            lines.append(f"{address}: {planned} with other values")
    return lines


def _read(path: Path) -> dict[str, Any]:
    loaded: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
    return loaded


def run(args: argparse.Namespace) -> int:
    checked_path = stack_dir(PROJECT_ROOT, args.environment) / PLAN_JSON
    for path, what in ((args.reviewed, "--reviewed"), (checked_path, "the checked plan")):
        if not path.is_file():
            print(f"reviewed-plan: {what}: no file {path}", file=sys.stderr)
            return EXIT_BAD_INPUT
    found = differences(changes(_read(args.reviewed)), changes(_read(checked_path)))
    if found:
        print(
            f"reviewed-plan: the new plan of {args.environment} is not the reviewed one; "
            "not applying (review a new plan):",
            *(f"  {line}" for line in found),
            sep="\n",
            file=sys.stderr,
        )
        return EXIT_BAD_INPUT
    print(f"reviewed-plan: {args.environment}: the checked plan makes the reviewed changes")
    return EXIT_OK
