"""`main.py apply ENV`: apply exactly the plan that plan-check checked (stacks.plan.plan_flow)."""

from __future__ import annotations

import argparse

from stacks.commands.arguments import Subparsers
from stacks.commands.plan_arguments import plan_command_parser
from stacks.plan.plan_flow import apply

APPLY_SUMMARY = "apply the tfplan that plan-check checked, and nothing else"


def add_parser(subparsers: Subparsers) -> None:
    """Register ``apply`` with main.py's subcommands."""
    plan_command_parser(subparsers, "apply", APPLY_SUMMARY).set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    return apply(args.environment, args.lock_timeout)
