"""Synthesize every environment (or the ones named) into Terraform JSON under cdktf.out/.

    python main.py                 # every stacks/environments/*.yaml
    python main.py dev prod        # only these
    python main.py --check         # validate only; does not load cdktf
    python main.py --list-secrets  # the TF_VAR_ names of secret channel addresses
    python main.py --hcl           # HCL instead of JSON, into cdktf.out.hcl/ (make synth-hcl)
    python main.py preview prod    # who gets paged, and when (no cdktf; see its --help)
    python main.py preview-diff prod --base main   # what a change does to paging (Markdown)

A mistake in an environment file prints every problem found (file:line: field: message) and
exits with status 2; cdktf.out is left as it was.
"""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

# jsii prints an end-of-life banner for Node 20 on every run unless told the major version.
os.environ.setdefault("JSII_SILENCE_WARNING_END_OF_LIFE_NODE_VERSION", "20")

from stacks.config_errors import ConfigError
from stacks.environment_loader import Environment, load_environments
from stacks.secret_variables import address_variable

PROJECT_ROOT = Path(__file__).resolve().parent
EXIT_CONFIG_ERROR = 2
# Variables that change what or where main.py writes (the cdktf CLI sets them). A caller that
# wants exactly what its arguments say runs main.py without them.
OUTDIR_VARIABLE = "CDKTF_OUTDIR"
ENVIRONMENTS_VARIABLE = "IM_ENVIRONMENTS"
HCL_VARIABLE = "SYNTH_HCL_OUTPUT"
OUTPUT_VARIABLES = (OUTDIR_VARIABLE, ENVIRONMENTS_VARIABLE, HCL_VARIABLE)


def _arguments(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("environments", nargs="*", metavar="ENV", help="environment names")
    parser.add_argument("--check", action="store_true", help="validate only, write nothing")
    parser.add_argument(
        "--list-secrets",
        action="store_true",
        help="print the variables that carry secret channel addresses, and exit",
    )
    parser.add_argument(
        "--hcl",
        action="store_true",
        # `cdktf synth --hcl` asks for it through SYNTH_HCL_OUTPUT.
        default=os.environ.get(HCL_VARIABLE, "").lower() in ("true", "1"),
        help="write HCL (cdk.tf) instead of JSON, by default into cdktf.out.hcl",
    )
    parser.add_argument(
        "--outdir",
        type=Path,
        # The cdktf CLI tells the app where to write through CDKTF_OUTDIR.
        default=os.environ.get(OUTDIR_VARIABLE),
        help="output directory (default: cdktf.out, or cdktf.out.hcl with --hcl)",
    )
    args = parser.parse_args(argv)
    if args.outdir is None:
        args.outdir = PROJECT_ROOT / ("cdktf.out.hcl" if args.hcl else "cdktf.out")
    args.outdir = Path(args.outdir)
    return args


def secret_lines(environment: Environment) -> list[str]:
    """One line per secret address: stack, environment variable, what it is."""
    return [
        f"{environment.stack_name}  TF_VAR_{address_variable(contact.alias, channel.name)}"
        f"  ({channel.type} of {contact.alias} / {channel.name})"
        for contact in environment.config.contacts
        for channel in contact.channels
        if channel.secret
    ]


# Subcommands that live in their own modules (add_parser/run); main.py only dispatches.
SUBCOMMANDS = ("preview", "preview-diff")


def _subcommand(argv: list[str]) -> int:
    from stacks.paging import command as preview_command
    from stacks.paging import diff_command as preview_diff_command

    parser = argparse.ArgumentParser(prog="main.py")
    subparsers = parser.add_subparsers(required=True)
    preview_command.add_parser(subparsers)
    preview_diff_command.add_parser(subparsers)
    args = parser.parse_args(argv)
    return int(args.run(args))


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    if argv and argv[0] in SUBCOMMANDS:
        return _subcommand(argv)
    args = _arguments(argv)
    names = args.environments or [
        n for n in os.environ.get(ENVIRONMENTS_VARIABLE, "").split(",") if n
    ]
    try:
        environments = load_environments(PROJECT_ROOT, names)
    except ConfigError as error:
        print(error, file=sys.stderr)
        return EXIT_CONFIG_ERROR
    if args.list_secrets:
        for environment in environments:
            for line in secret_lines(environment):
                print(line)
        return 0
    if args.check:
        for environment in environments:
            print(f"ok  {environment.stack_name}  ({environment.path.relative_to(PROJECT_ROOT)})")
        return 0

    # cdktf's Node process reads this once, when it starts (at the first import of cdktf, below).
    os.environ[HCL_VARIABLE] = "true" if args.hcl else "false"
    from constructs_lib.props_error import PropsError
    from stacks.synthesize import HclOutputError, synthesize

    try:
        synthesize(environments, PROJECT_ROOT, args.outdir, hcl=args.hcl)
    except PropsError as error:
        print(f"synthesis failed; {args.outdir} left as it was:\n{error}", file=sys.stderr)
        return EXIT_CONFIG_ERROR
    except HclOutputError as error:
        print(f"synthesis failed; {args.outdir} left as it was:\n{error}", file=sys.stderr)
        return 1
    for environment in environments:
        print(f"synthesized  {environment.stack_name}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
