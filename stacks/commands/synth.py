"""`main.py synth` (the default command): environment files into Terraform JSON, or HCL."""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

from stacks.commands.arguments import (
    ENVIRONMENTS_VARIABLE,
    HCL_VARIABLE,
    OUTDIR_VARIABLE,
    Subparsers,
    command_parser,
    environment_names,
    selected,
)
from stacks.commands.atlantis import ATLANTIS_FILE, refresh_atlantis_file
from stacks.layout import EXIT_CONFIG_ERROR, EXIT_FAILED, EXIT_OK, PROJECT_ROOT


def add_parser(subparsers: Subparsers) -> None:
    parser = command_parser(
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
    environment_names(parser)
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
    parser.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    outdir = Path(args.outdir or PROJECT_ROOT / ("cdktf.out.hcl" if args.hcl else "cdktf.out"))
    environments = selected(args)
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
    # A full synth keeps a repository's atlantis.yaml in step with the environment files.
    if everything and not args.hcl and refresh_atlantis_file(PROJECT_ROOT):
        print(f"updated      {ATLANTIS_FILE} (one Atlantis project per environment)")
    return EXIT_OK
