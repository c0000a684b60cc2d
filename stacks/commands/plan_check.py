"""`main.py plan-check ENV`: synthesize, plan with Terraform, then the drift check and the plan
guard on that saved plan (stacks.plan.plan_flow)."""

from __future__ import annotations

import argparse

from stacks.commands.arguments import Subparsers
from stacks.commands.plan_arguments import PLAN_EXIT_CODES, environment_and_lock_timeout
from stacks.plan.plan_flow import plan_check

PLAN_CHECK_SUMMARY = (
    "synthesize, plan with Terraform (-out=tfplan), then run the drift check and the plan guard "
    "on that saved plan"
)


def add_parser(subparsers: Subparsers) -> None:
    """Register ``plan-check`` with main.py's subcommands."""
    from stacks.plan.plan_guard import KINDS

    check = subparsers.add_parser(
        "plan-check",
        help=PLAN_CHECK_SUMMARY,
        description=PLAN_CHECK_SUMMARY,
        epilog=PLAN_EXIT_CODES,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    environment_and_lock_timeout(check)
    check.add_argument(
        "--allow",
        action="append",
        default=[],
        choices=sorted(KINDS),
        metavar="KIND",
        help="let one kind of dangerous change through: "
        + "; ".join(f"{k}: {v}" for k, v in KINDS.items()),
    )
    check.add_argument(
        "--replace",
        action="append",
        default=[],
        metavar="ADDRESS",
        help="plan this resource address for replacement (terraform plan -replace), as the drift "
        "check prints it for an on-call schedule re-pointed in the console",
    )
    check.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    return plan_check(args.environment, args.allow, args.lock_timeout, replace=args.replace)
