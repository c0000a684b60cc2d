"""What main.py's own commands share: a subcommand's help layout, the environment names they
take, and the environment variables that steer them (the cdktf CLI sets some).

Imports: the standard library, ``stacks.layout`` and ``stacks.config``.
"""

from __future__ import annotations

import argparse
import os
import textwrap
from typing import TypeAlias

from stacks.config.environment import Environment
from stacks.config.environment_loader import load_environments
from stacks.layout import PROJECT_ROOT

# Variables that change what or where main.py writes (the cdktf CLI sets them). A caller that
# wants exactly what its arguments say runs main.py without them.
OUTDIR_VARIABLE = "CDKTF_OUTDIR"
ENVIRONMENTS_VARIABLE = "IM_ENVIRONMENTS"
HCL_VARIABLE = "SYNTH_HCL_OUTPUT"
OUTPUT_VARIABLES = (OUTDIR_VARIABLE, ENVIRONMENTS_VARIABLE, HCL_VARIABLE)

EXIT_CODES = """\
exit status:
  0  done
  1  something outside the environment files failed (cdktf, Node.js, the file system)
  2  a problem in an environment file or in the command line; every problem is listed"""

# A string: argparse's class is not subscriptable at run time.
Subparsers: TypeAlias = "argparse._SubParsersAction[argparse.ArgumentParser]"


def command_parser(
    subparsers: Subparsers, name: str, summary: str, epilog: str
) -> argparse.ArgumentParser:
    """A subcommand whose help ends with its examples and the exit statuses."""
    return subparsers.add_parser(
        name,
        help=summary,
        description=summary,
        epilog=textwrap.dedent(epilog).strip() + "\n\n" + EXIT_CODES,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )


def environment_names(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "environments",
        nargs="*",
        metavar="ENV",
        help="environment names (stacks/environments/ENV.yaml); none means every environment",
    )


def selected(args: argparse.Namespace) -> list[Environment]:
    """The environments named, or listed in IM_ENVIRONMENTS, or all; ConfigError if any is bad."""
    names = args.environments or [
        n for n in os.environ.get(ENVIRONMENTS_VARIABLE, "").split(",") if n
    ]
    return load_environments(PROJECT_ROOT, names)
