"""The drift check of a saved plan, from a checkout: console edits the plan sets back (in the
environment file's words), and how every on-call schedule and shift coverage the stack writes
through the SDK compares with the live account::

    # PLAN_JSON: terraform show -json tfplan, in the stack directory
    python -m stacks.plan.drift_check cdktf.out/stacks/incident-manager-dev/tfplan.json

``make plan-check`` runs the same comparisons (``stacks.plan.plan_flow.drift_status``). The
comparisons themselves live with the provisioners (``constructs_lib.provisioners``), which know
the records; this module adds the plan's words (``stacks.plan.drift_report``).

Exit status: 0 no drift this plan leaves (console edits it sets back are printed); 1 refused
(other account) or AWS error; 2 bad input; 4 drift that the plan does not correct (the
restoring command is printed); 130 interrupted (Ctrl-C).
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from constructs_lib.provisioners.aws_access import SyncError, exit_on_ctrl_c, report_errors
from constructs_lib.provisioners.contract import EXIT_BAD_INPUT, EXIT_DRIFT, EXIT_OK
from constructs_lib.provisioners.oncall_schedule_sync import check_schedules
from constructs_lib.provisioners.plan_records import Restore
from constructs_lib.provisioners.rotation_coverage_sync import check_coverages
from stacks.layout import STACK_PREFIX
from stacks.plan.drift_report import console_edits, plan_names

Json = dict[str, Any]


def read_plan(plan_path: Path) -> Json:
    """``terraform show -json`` of a saved plan, from a file."""
    try:
        plan: Json = json.loads(plan_path.read_text(encoding="utf-8"))
    except (OSError, json.JSONDecodeError) as error:
        raise SyncError(
            f"{plan_path}: cannot read a plan in JSON ({error})", EXIT_BAD_INPUT
        ) from None
    return plan


def environment_of(plan_path: Path) -> str | None:
    """The environment whose stack directory (``cdktf.out/stacks/incident-manager-<env>``)
    holds ``plan_path``; None elsewhere."""
    directory = plan_path.resolve().parent.name
    return directory[len(STACK_PREFIX) :] if directory.startswith(STACK_PREFIX) else None


def check(plan_path: Path, out: Any = None) -> int:
    """Compare every live schedule, and every shift coverage the stack writes through the SDK,
    of a saved plan with the config; print what differs."""
    return drift_check(read_plan(plan_path), out, environment_of(plan_path))


def live_comparisons(plan: Json, out: Any, restore: Restore | None = None) -> int:
    """How each schedule and shift coverage of ``plan`` compares with the live account
    (printed); the number that drifted (differences this plan does not correct)."""
    rotations = plan_names(plan).rotations
    schedules = check_schedules(plan, out, restore, rotation_names=rotations)
    return schedules + check_coverages(plan, out, restore)


def drift_check(plan: Json, out: Any = None, environment: str | None = None) -> int:
    """``check`` of a parsed plan (``terraform show -json``): print console edits this plan sets
    back, and how each schedule and shift coverage compares with the config; EXIT_DRIFT when
    something differs that this plan does not correct. ``environment`` names the environment
    in the commands printed. AWS errors and refusals raise (``report_errors`` prints them)."""
    out = out or sys.stdout
    restore = Restore(environment)
    for sentence in console_edits(plan, restore.apply()):
        print(sentence, file=out)
    return EXIT_DRIFT if live_comparisons(plan, out, restore) else EXIT_OK


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m stacks.plan.drift_check",
        description="Check a saved plan's on-call schedules and shift coverages for drift.",
        epilog=__doc__.split("Exit status: ", 1)[1] if __doc__ else None,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("plan_json", type=Path, help="terraform show -json of a saved plan")
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    # It also reads rotations (their shift coverages): its errors say "drift check".
    return report_errors("drift check", lambda: check(args.plan_json))


if __name__ == "__main__":
    exit_on_ctrl_c("drift check")
    sys.exit(main())
