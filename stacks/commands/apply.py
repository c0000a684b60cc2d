"""`main.py apply ENV`: apply exactly the plan that plan-check checked (stacks.plan.plan_flow)."""

from __future__ import annotations

import argparse

from stacks.commands.arguments import Subparsers
from stacks.commands.plan_arguments import PLAN_EXIT_CODES, environment_and_lock_timeout
from stacks.plan.plan_flow import apply

APPLY_SUMMARY = "apply the tfplan that plan-check checked, and nothing else"


def add_parser(subparsers: Subparsers) -> None:
    """Register ``apply`` with main.py's subcommands."""
    applying = subparsers.add_parser(
        "apply",
        help=APPLY_SUMMARY,
        description=APPLY_SUMMARY,
        epilog=PLAN_EXIT_CODES,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    environment_and_lock_timeout(applying)
    applying.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    return apply(args.environment, args.lock_timeout)
