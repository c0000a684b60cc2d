"""`main.py plan-check ENV`: synthesize, plan with Terraform, then the drift check and the plan
guard on that saved plan (stacks.plan.plan_flow)."""

from __future__ import annotations

import argparse

from stacks.commands.arguments import Subparsers
from stacks.commands.plan_arguments import plan_command_parser
from stacks.plan.plan_flow import plan_check

PLAN_CHECK_SUMMARY = (
    "synthesize, plan with Terraform (-out=tfplan), then run the drift check and the plan guard "
    "on that saved plan"
)


def add_parser(subparsers: Subparsers) -> None:
    """Register ``plan-check`` with main.py's subcommands."""
    from stacks.plan.plan_guard import add_allow_option

    check = plan_command_parser(subparsers, "plan-check", PLAN_CHECK_SUMMARY)
    add_allow_option(check)
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
