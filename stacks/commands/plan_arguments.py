"""What ``plan-check`` and ``apply`` share: the environment, the state lock's timeout, and
their exit statuses.

Imports: the standard library, ``stacks.commands.arguments`` and ``stacks.plan.plan_flow`` (its
default, no Terraform run).
"""

from __future__ import annotations

import argparse

from stacks.commands.arguments import Subparsers
from stacks.plan.plan_flow import DEFAULT_LOCK_TIMEOUT

PLAN_EXIT_CODES = """\
exit status:
  0  done (plan-check: nothing dangerous, no drift)
  1  Terraform, AWS or the file system failed (Terraform's own message above), e.g. a state
     lock still held after --lock-timeout
  2  bad input: an environment file, a missing secret address, a usage error, errored.tfstate
     waiting to be pushed, or (apply) no plan that plan-check checked
  3  refused by the plan guard: a dangerous change (the plan is renamed tfplan.refused)
  4  drift: on-call schedules or shift coverages changed outside Terraform that this plan does
     not correct (the plan is kept and can be applied)"""


def plan_command_parser(subparsers: Subparsers, name: str, summary: str) -> argparse.ArgumentParser:
    """A subcommand of the plan and apply cycle: its summary, the exit statuses above, and the
    environment and ``--lock-timeout`` it takes."""
    parser = subparsers.add_parser(
        name,
        help=summary,
        description=summary,
        epilog=PLAN_EXIT_CODES,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("environment", metavar="ENV", help="stacks/environments/ENV.yaml")
    parser.add_argument(
        "--lock-timeout",
        default=DEFAULT_LOCK_TIMEOUT,
        metavar="DURATION",
        help="how long to wait for a state lock another run holds "
        f"(default {DEFAULT_LOCK_TIMEOUT})",
    )
    return parser
