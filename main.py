"""Incident Manager as code: environment files in, Terraform JSON out.

    python main.py                     # synth: every stacks/environments/*.yaml into cdktf.out/
    python main.py synth dev prod      # only these; other stacks in cdktf.out/ are kept
    python main.py check               # validate only; does not load cdktf
    python main.py secrets             # the TF_VAR_ names of secret channel addresses
    python main.py synth --hcl         # HCL instead of JSON, into cdktf.out.hcl/
    python main.py preview prod        # who gets paged, and when (no cdktf)
    python main.py preview-diff prod --base main   # what a change does to paging (Markdown)
    python main.py plan-check prod     # terraform plan, then drift check and plan guard (0/2/3/4)
    python main.py apply prod          # apply exactly the plan plan-check checked
    python main.py schema --write      # the JSON Schema and reference from the config model

`python main.py --help` and `python main.py <command> --help` say more. A mistake in an
environment file prints every problem found (file:line: field: message) and exits with status 2;
cdktf.out is left as it was.
"""

from __future__ import annotations

import argparse
import importlib
import os
import sys
import textwrap
from collections.abc import Callable, Sequence

# jsii prints an end-of-life banner for Node 20 on every run unless told the major version.
os.environ.setdefault("JSII_SILENCE_WARNING_END_OF_LIFE_NODE_VERSION", "20")

from stacks.commands.arguments import EXIT_CODES, OUTPUT_VARIABLES
from stacks.config.config_errors import ConfigError
from stacks.layout import EXIT_CONFIG_ERROR

__all__ = ["COMMANDS", "LEGACY_FLAGS", "OUTPUT_VARIABLES", "build_parser", "main"]

Runner = Callable[[argparse.Namespace], int]

# Every command: name -> (module with add_parser(subparsers), which registers the command and
# sets ``run``; one-line summary for --help). A module is imported only when its command runs:
# `check` must stay free of cdktf, moto and boto3.
COMMANDS: dict[str, tuple[str, str]] = {
    "synth": (
        "stacks.commands.synth",
        "synthesize environments into Terraform JSON (the default command)",
    ),
    "check": (
        "stacks.commands.check",
        "validate environment files only; writes nothing and does not load cdktf",
    ),
    "secrets": (
        "stacks.commands.secrets",
        "list the TF_VAR_ variables that carry secret channel addresses",
    ),
    "adopt": (
        "stacks.adopt.command",
        "write an environment file and import IDs from a live Incident Manager",
    ),
    "preview": (
        "stacks.paging.command",
        "who gets paged, and when: timelines, on-call calendar, findings, HTML report",
    ),
    "preview-diff": (
        "stacks.paging.diff_command",
        "what a change does to paging, against a git ref, as Markdown",
    ),
    "plan-check": (
        "stacks.commands.plan_check",
        "plan one environment with Terraform and run the drift check and plan guard on that plan",
    ),
    "apply": (
        "stacks.commands.apply",
        "apply the plan that plan-check checked, and nothing else",
    ),
    "rehearse": (
        "local_aws.rehearse",
        "apply, re-plan and destroy an environment on a local Incident Manager (no AWS)",
    ),
    "changed-stacks": (
        "stacks.commands.changed_stacks",
        "the stacks whose synthesized files differ from a git ref, as a GitHub Actions matrix",
    ),
    "plan-summary": (
        "stacks.commands.plan_summary",
        "what plan-check found, as Markdown for a pipeline's job summary",
    ),
    "reviewed-plan": (
        "stacks.commands.reviewed_plan",
        "stop unless the checked plan changes exactly what the reviewed plan changed",
    ),
    "atlantis": (
        "stacks.commands.atlantis",
        "write (or check) atlantis.yaml: one Atlantis project per stack",
    ),
    "schema": (
        "stacks.commands.schema",
        "write (or check) the JSON Schema and reference page generated from the config model",
    ),
}
# Flags of the first version, still accepted: `main.py --check` is `main.py check`.
LEGACY_FLAGS = {"--check": "check", "--list-secrets": "secrets"}


def build_parser(command: str | None = None) -> argparse.ArgumentParser:
    """The command line; ``command`` is the one about to run (its module is loaded)."""
    parser = argparse.ArgumentParser(
        prog="python main.py",
        description=__doc__.split("\n\n")[0],
        epilog=textwrap.dedent(
            """
            examples:
              python main.py                      synthesize every environment (make synth)
              python main.py check                validate every environment file (make check)
              python main.py synth prod           synthesize prod only
              python main.py secrets              the TF_VAR_ variables to supply
              python main.py preview prod         who gets paged, and when (make preview)

            Without a command, main.py synthesizes (the cdktf CLI runs it that way, see
            cdktf.json). `python main.py COMMAND --help` describes each command.
            """
        ).strip()
        + "\n\n"
        + EXIT_CODES,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    subparsers = parser.add_subparsers(title="commands", metavar="COMMAND")
    for name, (module, summary) in COMMANDS.items():
        if name == command:
            importlib.import_module(module).add_parser(subparsers)
        else:
            subparsers.add_parser(name, help=summary)
    return parser


def _normalized(argv: Sequence[str]) -> list[str]:
    """``synth`` when no command is named; the first version's flags mapped to commands."""
    args = list(argv)
    if args and args[0] in COMMANDS:
        # A command's own flags are its own (`schema --check` is not the old `--check`).
        return args
    for flag, command in LEGACY_FLAGS.items():
        if flag in args:
            args.remove(flag)
            return [command, *args]
    if not args or args[0] not in ("-h", "--help"):
        return ["synth", *args]
    return args


def main(argv: Sequence[str] | None = None) -> int:
    words = _normalized(sys.argv[1:] if argv is None else argv)
    args = build_parser(words[0]).parse_args(words)
    run: Runner = args.run
    try:
        return run(args)
    except ConfigError as error:
        print(error, file=sys.stderr)
        return EXIT_CONFIG_ERROR


if __name__ == "__main__":
    sys.exit(main())
