"""`python main.py plan-summary ENV [--log FILE]`: what `plan-check ENV` found, as Markdown for a
pipeline's job summary (GitHub's ``$GITHUB_STEP_SUMMARY``, a pull request comment): the plan's
changes from the redacted ``tfplan.json``, the guard's verdict, and what the drift check and the
guard printed (read from plan-check's captured output).

Reads files only: no Terraform, no AWS. Imports: the standard library, ``stacks.layout`` and
``stacks.plan.plan_flow``'s file names.
"""

from __future__ import annotations

import argparse
import json
import re
import sys
from pathlib import Path
from typing import Any

from stacks.commands.arguments import Subparsers
from stacks.layout import EXIT_BAD_INPUT, EXIT_OK, PROJECT_ROOT, stack_dir
from stacks.plan.plan_flow import CHECKED_RECORD, PLAN_JSON, REFUSED_PLAN

# Terraform's words for each list of actions, and what each adds, changes and destroys.
ACTIONS: dict[tuple[str, ...], tuple[str, tuple[int, int, int]]] = {
    ("create",): ("create", (1, 0, 0)),
    ("update",): ("update in-place", (0, 1, 0)),
    ("delete",): ("destroy", (0, 0, 1)),
    ("delete", "create"): ("replace (destroy, then create)", (1, 0, 1)),
    ("create", "delete"): ("replace (create, then destroy)", (1, 0, 1)),
}
# Terraform's last line of a plan, and what it may print after it before the checks' lines:
# the outputs' changes (an indented block), where it saved the plan and how to apply it.
PLAN_END = re.compile(r"(Plan: \d+ to add|No changes\.)")
OUTPUTS_HEADER = "Changes to Outputs:"
TERRAFORM_LINES = ("Saved the plan to:", "To perform exactly these actions", 'terraform apply "')
# Terraform colours its output (plan-check does not pass -no-color); a summary is plain text.
ANSI = re.compile(r"\x1b\[[0-9;]*m")
LOG_TAIL = 30


def add_parser(subparsers: Subparsers) -> None:
    """Register ``plan-summary`` with main.py's subcommands."""
    parser = subparsers.add_parser(
        "plan-summary",
        help="what plan-check found, as Markdown for a pipeline's job summary",
        description="Print the plan-check of ENV as Markdown: the changes of its plan "
        "(tfplan.json), the plan guard's verdict, the drift check's and the guard's lines.",
        epilog="example: python main.py plan-summary prod --log plan-check.log "
        '>> "$GITHUB_STEP_SUMMARY"\n\nexit status: 0 printed; 2 no plan-check output of ENV',
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("environment", metavar="ENV")
    parser.add_argument(
        "--log", type=Path, metavar="FILE", help="plan-check's output (stdout and stderr)"
    )
    parser.set_defaults(run=run)


def change_rows(plan: dict[str, Any]) -> tuple[list[tuple[str, str]], tuple[int, int, int]]:
    """(action words, address) of every change, and Terraform's add/change/destroy counts."""
    rows, totals = [], [0, 0, 0]
    for change in plan.get("resource_changes") or []:
        actions = tuple(change["change"]["actions"])
        if actions not in ACTIONS:  # no-op, read
            continue
        words, counts = ACTIONS[actions]
        rows.append((words, change["address"]))
        totals = [t + c for t, c in zip(totals, counts, strict=True)]
    return sorted(rows, key=lambda row: row[1]), (totals[0], totals[1], totals[2])


def check_lines(log: str) -> list[str]:
    """The lines plan-check printed after Terraform's plan (drift check, plan guard), without
    Terraform's colours; when Terraform printed no plan, the log's last lines (its error)."""
    lines = ANSI.sub("", log).splitlines()
    ends = [i for i, line in enumerate(lines) if PLAN_END.match(line)]
    if not ends:
        return lines[-LOG_TAIL:]
    found, in_outputs = [], False
    for line in lines[ends[-1] + 1 :]:
        if line.startswith(OUTPUTS_HEADER):
            in_outputs = True
        elif in_outputs and (line.startswith(" ") or not line.strip()):
            continue
        else:
            in_outputs = False
            if line.strip() and not line.strip().startswith(TERRAFORM_LINES):
                found.append(line)
    return found


def markdown(environment: str, directory: Path, log: str | None) -> str:
    """The summary of ``environment``'s last plan-check in ``directory``."""
    stack = directory.name
    plan_path = directory / PLAN_JSON
    parts = ["", f"### {stack}: plan-check", ""]
    if (directory / REFUSED_PLAN).exists():
        parts.append("**Plan guard: refused** (exit 3): nothing of this plan can be applied.")
    elif (directory / CHECKED_RECORD).exists():
        parts.append("**Plan guard: passed**; the checked plan can be applied after merge.")
    else:
        parts.append("**No checked plan**: plan-check stopped before the guard (see below).")
    if plan_path.exists():
        plan = json.loads(plan_path.read_text(encoding="utf-8"))
        rows, (add, change, destroy) = change_rows(plan)
        parts += ["", f"Plan: {add} to add, {change} to change, {destroy} to destroy.", ""]
        if rows:
            parts += ["| change | resource |", "| --- | --- |"]
            parts += [f"| {words} | `{address}` |" for words, address in rows]
    if log is not None:
        lines = check_lines(log)
        if lines:
            parts += ["", "Drift check and plan guard:", "", "```text", *lines, "```"]
    return "\n".join(parts) + "\n"


def run(args: argparse.Namespace) -> int:
    directory = stack_dir(PROJECT_ROOT, args.environment)
    log = None
    if args.log is not None:
        try:
            log = args.log.read_text(encoding="utf-8", errors="replace")
        except OSError as error:
            print(f"plan-summary: --log: {error}", file=sys.stderr)
            return EXIT_BAD_INPUT
    if log is None and not (directory / PLAN_JSON).exists():
        print(
            f"plan-summary: no {PLAN_JSON} in {directory.relative_to(PROJECT_ROOT)}: "
            f"run python main.py plan-check {args.environment} first",
            file=sys.stderr,
        )
        return EXIT_BAD_INPUT
    sys.stdout.write(markdown(args.environment, directory, log))
    return EXIT_OK
