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
from pathlib import Path

# jsii prints an end-of-life banner for Node 20 on every run unless told the major version.
os.environ.setdefault("JSII_SILENCE_WARNING_END_OF_LIFE_NODE_VERSION", "20")

from stacks.config.config_errors import ConfigError
from stacks.config.environment_loader import Environment, load_environments
from stacks.config.secret_variables import SecretAddress, missing_secret_addresses, secret_addresses
from stacks.layout import EXIT_CONFIG_ERROR, EXIT_FAILED, EXIT_OK, PROJECT_ROOT

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

Runner = Callable[[argparse.Namespace], int]


def _parser(
    subparsers: argparse._SubParsersAction[argparse.ArgumentParser],
    name: str,
    summary: str,
    epilog: str,
) -> argparse.ArgumentParser:
    return subparsers.add_parser(
        name,
        help=summary,
        description=summary,
        epilog=textwrap.dedent(epilog).strip() + "\n\n" + EXIT_CODES,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )


def _environment_names(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "environments",
        nargs="*",
        metavar="ENV",
        help="environment names (stacks/environments/ENV.yaml); none means every environment",
    )


def _add_synth(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = _parser(
        subparsers,
        "synth",
        "synthesize environments into Terraform JSON (the default command)",
        f"""
        examples:
          python main.py                      every environment into cdktf.out/
          python main.py synth prod           only prod; the other stacks in cdktf.out/ stay
          python main.py synth --hcl          HCL into cdktf.out.hcl/ (make synth-hcl)

        Only the named environments' stack directories are rewritten; files people put there
        (*.auto.tfvars, .terraform.lock.hcl, .terraform/) are kept. A stack's lock file is also
        taken from stacks/terraform-locks/<stack>.terraform.lock.hcl when that exists.

        environment variables:
          {ENVIRONMENTS_VARIABLE}   comma-separated environments when none are named (cdktf CLI)
          {OUTDIR_VARIABLE}     output directory (set by the cdktf CLI)
          {HCL_VARIABLE}  true: write HCL (set by `cdktf synth --hcl`)
          IM_EAGER_PROVIDER_IMPORT  1: import the whole AWS provider package (benchmarks only)
        """,
    )
    _environment_names(parser)
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
    parser.set_defaults(run=_synth)


def _add_check(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = _parser(
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
    _environment_names(parser)
    parser.set_defaults(run=_check)


def _add_secrets(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = _parser(
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
    _environment_names(parser)
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
    parser.set_defaults(run=_secrets)


# Commands in modules of their own: name -> (module exposing add_parser(subparsers), or
# "module:function" naming another such function, and one-line summary); the parser sets
# ``run``. A module is imported only when its command runs: `check` must stay free of cdktf,
# moto and boto3.
COMMAND_MODULES: dict[str, tuple[str, str]] = {
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
        "stacks.plan.plan_flow:add_plan_check_parser",
        "plan one environment with Terraform and run the drift check and plan guard on that plan",
    ),
    "apply": (
        "stacks.plan.plan_flow:add_apply_parser",
        "apply the plan that plan-check checked, and nothing else",
    ),
    "rehearse": (
        "local_aws.rehearse",
        "apply, re-plan and destroy an environment on a local Incident Manager (no AWS)",
    ),
}
BUILT_IN = {"synth": _add_synth, "check": _add_check, "secrets": _add_secrets}
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
    for add in BUILT_IN.values():
        add(subparsers)
    for name, (module_name, summary) in COMMAND_MODULES.items():
        if name == command:
            module, _, function = module_name.partition(":")
            getattr(importlib.import_module(module), function or "add_parser")(subparsers)
        else:
            subparsers.add_parser(name, help=summary)
    return parser


def _normalized(argv: Sequence[str]) -> list[str]:
    """``synth`` when no command is named; the first version's flags mapped to commands."""
    args = list(argv)
    for flag, command in LEGACY_FLAGS.items():
        if flag in args:
            args.remove(flag)
            return [command, *args]
    commands = {*BUILT_IN, *COMMAND_MODULES}
    if not args or (args[0] not in commands and args[0] not in ("-h", "--help")):
        return ["synth", *args]
    return args


def _selected(args: argparse.Namespace) -> list[Environment]:
    """The environments named, or listed in IM_ENVIRONMENTS, or all; ConfigError if any is bad."""
    names = args.environments or [
        n for n in os.environ.get(ENVIRONMENTS_VARIABLE, "").split(",") if n
    ]
    return load_environments(PROJECT_ROOT, names)


def _check(args: argparse.Namespace) -> int:
    for environment in _selected(args):
        print(f"ok  {environment.stack_name}  ({environment.shown_path})")
    return EXIT_OK


def secret_line(secret: SecretAddress) -> str:
    """One line per secret address: stack, environment variable, what it is."""
    return f"{secret.stack}  TF_VAR_{secret.variable}  ({secret.description})"


def _secrets(args: argparse.Namespace) -> int:
    environments = _selected(args)
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


def _synth(args: argparse.Namespace) -> int:
    outdir = Path(args.outdir or PROJECT_ROOT / ("cdktf.out.hcl" if args.hcl else "cdktf.out"))
    environments = _selected(args)
    everything = not args.environments and not os.environ.get(ENVIRONMENTS_VARIABLE)
    # cdktf's Node process reads this once, when it starts (at the first import of cdktf, below).
    os.environ[HCL_VARIABLE] = "true" if args.hcl else "false"
    from constructs_lib.props_error import PropsError
    from stacks.stack.synthesize import HclOutputError, synthesize

    try:
        synthesize(environments, PROJECT_ROOT, outdir, hcl=args.hcl, complete=everything)
    except PropsError as error:
        print(f"synthesis failed; {outdir} left as it was:\n{error}", file=sys.stderr)
        return EXIT_CONFIG_ERROR
    except HclOutputError as error:
        print(f"synthesis failed; {outdir} left as it was:\n{error}", file=sys.stderr)
        return EXIT_FAILED
    for environment in environments:
        print(f"synthesized  {environment.stack_name}")
    return EXIT_OK


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
