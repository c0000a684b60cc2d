"""The plan that ends ``adopt``: synthesize the new environment and run the real Terraform in
the stack's own directory, with the caller's environment (credentials, ``AWS_ENDPOINT_URL`` for
a local Incident Manager, ``TF_CLI_CONFIG_FILE``), leaving ``tfplan``, its check record and a
redacted ``tfplan.json`` as ``make plan-check`` does (``stacks.plan_flow``), so that ``make
apply`` applies exactly the plan that was checked.
"""

from __future__ import annotations

import os
import subprocess
import time
from collections.abc import Callable
from pathlib import Path

from local_aws.terraform_setup import GO_GC_PERCENT
from stacks.adopt.plan_check import AdoptionPlan, check_adoption_plan
from stacks.environment_loader import (
    ENVIRONMENTS_DIR,
    STACK_PREFIX,
    Environment,
    load_environment,
)
from stacks.plan_flow import Terraform, check_plan_file, private_files

SECRETS_FILE = "adopted-addresses.auto.tfvars.json"
Progress = Callable[[str], None]


def stack_dir(project_root: Path, environment: str) -> Path:
    return project_root / "cdktf.out" / "stacks" / f"{STACK_PREFIX}{environment}"


def _quiet(_: str) -> None:
    """No progress lines."""


def plan_adopted(
    environment: str,
    project_root: Path,
    progress: Progress = _quiet,
    loaded: Environment | None = None,
) -> AdoptionPlan:
    """Synthesize ``environment`` (``loaded``: already read and checked) and classify its first
    plan (``RuntimeError`` on failure); ``progress`` gets a line per step with its time."""
    # Here, not at the top: synthesis loads cdktf and the provider (~2.7 s), which `adopt
    # --help`, `--no-plan` and a refusal never need.
    from stacks.synthesize import synthesize

    started = time.monotonic()
    env = loaded or load_environment(
        project_root / ENVIRONMENTS_DIR / f"{environment}.yaml", project_root
    )
    synthesize([env], project_root, project_root / "cdktf.out", complete=False)
    progress(f"synthesized {env.stack_name} in {time.monotonic() - started:.1f} s")
    directory = stack_dir(project_root, environment)
    timings = []

    def terraform(*args: str) -> str:
        step = time.monotonic()
        done = subprocess.run(
            ["terraform", *args, "-no-color"],
            cwd=directory,
            env=_terraform_environment(),
            stdin=subprocess.DEVNULL,
            capture_output=True,
            text=True,
            check=False,
        )
        if done.returncode != 0:
            raise RuntimeError(f"terraform {args[0]} failed:\n{done.stderr or done.stdout}")
        timings.append(f"{args[0]} {time.monotonic() - step:.1f} s")
        return done.stdout

    # The plan and state hold the adopted addresses: the owner's only (umask 077).
    with private_files():
        terraform("init", "-input=false")
        terraform("plan", "-input=false", "-out=tfplan")
    # The plan guard reads the plan once, in memory, and records it for make apply; a refused
    # plan becomes tfplan.refused and shows below as changes other than imports.
    step = time.monotonic()
    checked = check_plan_file(Terraform(directory), (), project_root, with_drift=False)
    timings.append(f"show and guard {time.monotonic() - step:.1f} s")
    progress(f"terraform {', '.join(timings)}")
    return check_adoption_plan(checked.plan)


def _terraform_environment() -> dict[str, str]:
    env = dict(os.environ)
    # A first plan imports every object at once: thousands of resources for a large account,
    # CPU-bound in the provider, whose collector runs less at GOGC=400 (local_aws.terraform_setup).
    env.setdefault("GOGC", GO_GC_PERCENT)
    env.setdefault("CHECKPOINT_DISABLE", "1")
    return env
