"""Synthesize environments into a fresh directory, then swap it in whole.

cdktf.out is replaced only when every environment synthesized: a failure leaves the previous
output as it was, never half of a new one.
"""

from __future__ import annotations

import shutil
import tempfile
from collections.abc import Sequence
from pathlib import Path

from cdktf import App

from stacks.environment_loader import Environment
from stacks.incident_manager_stack import IncidentManagerStack


def build_app(environments: Sequence[Environment], project_root: Path, outdir: Path) -> App:
    """An App holding one ``IncidentManagerStack`` per environment (not yet synthesized)."""
    app = App(outdir=str(outdir))
    for environment in environments:
        IncidentManagerStack(app, environment, project_root)
    return app


def synthesize(environments: Sequence[Environment], project_root: Path, outdir: Path) -> None:
    """Write ``outdir`` anew with one stack per environment, or leave it untouched on error."""
    outdir = outdir.resolve()
    outdir.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=f".{outdir.name}.new-", dir=outdir.parent))
    try:
        build_app(environments, project_root, staging).synth()
        _swap_in(staging, outdir)
    finally:
        shutil.rmtree(staging, ignore_errors=True)


def _keep_local_variable_files(outdir: Path, staging: Path) -> None:
    """Carry untracked ``*.auto.tfvars`` (secret addresses put there by a person) over to the
    new output: Terraform reads them only from the stack's own directory."""
    for tfvars in sorted(outdir.glob("stacks/*/*.auto.tfvars")):
        stack_dir = staging / "stacks" / tfvars.parent.name
        if stack_dir.is_dir():
            shutil.copy2(tfvars, stack_dir / tfvars.name)


def _swap_in(staging: Path, outdir: Path) -> None:
    _keep_local_variable_files(outdir, staging)
    retired = outdir.with_name(f".{outdir.name}.old")
    shutil.rmtree(retired, ignore_errors=True)
    if outdir.exists():
        outdir.rename(retired)
    staging.rename(outdir)
    shutil.rmtree(retired, ignore_errors=True)
