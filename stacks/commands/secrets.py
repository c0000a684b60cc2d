"""`main.py secrets`: the TF_VAR_ variables that carry secret channel addresses."""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

from stacks.commands.arguments import (
    ENVIRONMENTS_VARIABLE,
    Subparsers,
    command_parser,
    environment_names,
    selected,
)
from stacks.config.secret_variables import (
    SecretAddress,
    missing_secret_addresses,
    secret_addresses,
)
from stacks.layout import EXIT_CONFIG_ERROR, EXIT_OK, PROJECT_ROOT


def add_parser(subparsers: Subparsers) -> None:
    parser = command_parser(
        subparsers,
        "secrets",
        "list the TF_VAR_ variables that carry secret channel addresses",
        f"""
        examples:
          python main.py secrets              one line per secret address of every environment
          python main.py secrets prod --missing
                                              only those neither set as TF_VAR_... nor in a
                                              *.auto.tfvars / terraform.tfvars of prod's stack
                                              directory; exit 2 if there are any (make plan-check)

        environment variables:
          TF_VAR_<name>     a secret address (read only with --missing, never printed)
          {ENVIRONMENTS_VARIABLE}   comma-separated environments when none are named
        """,
    )
    environment_names(parser)
    parser.add_argument(
        "--missing",
        action="store_true",
        help="list only the variables with no value yet, and exit 2 if there are any",
    )
    parser.add_argument(
        "--outdir",
        type=Path,
        default=None,
        help="where the stack directories are, for --missing (default: cdktf.out)",
    )
    parser.set_defaults(run=run)


def secret_line(secret: SecretAddress) -> str:
    """One line per secret address: stack, environment variable, what it is."""
    return f"{secret.stack}  TF_VAR_{secret.variable}  ({secret.description})"


def run(args: argparse.Namespace) -> int:
    environments = selected(args)
    if not args.missing:
        for environment in environments:
            for secret in secret_addresses(environment):
                print(secret_line(secret))
        return EXIT_OK
    outdir = args.outdir or PROJECT_ROOT / "cdktf.out"
    missing = [
        secret
        for environment in environments
        for secret in missing_secret_addresses(
            environment, outdir / "stacks" / environment.stack_name, os.environ
        )
    ]
    if not missing:
        return EXIT_OK
    print(
        f"{len(missing)} secret address{'es' if len(missing) != 1 else ''} not supplied; "
        "set each as an environment variable (or in the stack directory's secrets.auto.tfvars) "
        "before planning:",
        file=sys.stderr,
    )
    for secret in missing:
        print(f"  {secret_line(secret)}", file=sys.stderr)
    return EXIT_CONFIG_ERROR
