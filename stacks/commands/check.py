"""`main.py check`: validate environment files; writes nothing and does not load cdktf."""

from __future__ import annotations

import argparse

from stacks.commands.arguments import (
    ENVIRONMENTS_VARIABLE,
    Subparsers,
    command_parser,
    environment_names,
    selected,
)
from stacks.layout import EXIT_OK


def add_parser(subparsers: Subparsers) -> None:
    parser = command_parser(
        subparsers,
        "check",
        "validate environment files only; writes nothing and does not load cdktf",
        f"""
        examples:
          python main.py check                every environment (make check)
          python main.py check prod staging

        environment variables:
          {ENVIRONMENTS_VARIABLE}   comma-separated environments when none are named
        """,
    )
    environment_names(parser)
    parser.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    for environment in selected(args):
        print(f"ok  {environment.stack_name}  ({environment.shown_path})")
    return EXIT_OK
