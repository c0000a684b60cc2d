"""`main.py schema --write|--check`: the environment file's JSON Schema and the reference in
docs/environment-file.md, generated from the config model (stacks.config.generated_files)."""

from __future__ import annotations

import argparse

from stacks.commands.arguments import Subparsers

SUMMARY = "write (or check) the JSON Schema and reference page generated from the config model"


def add_parser(subparsers: Subparsers) -> None:
    """Register ``schema`` with main.py's subcommands."""
    parser = subparsers.add_parser(
        "schema",
        help=SUMMARY,
        description=SUMMARY,
        epilog="exit status: 0 written, or current (--check); 1 stale (--check)",
    )
    action = parser.add_mutually_exclusive_group(required=True)
    action.add_argument("--write", action="store_true", help="write both files (make schema)")
    action.add_argument("--check", action="store_true", help="exit 1 if either file is stale")
    parser.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    from stacks.config.generated_files import main

    return main(["--check" if args.check else "--write"])
