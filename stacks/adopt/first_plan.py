"""The plan that ends ``adopt``: synthesize the new environment and run the real Terraform.

With ``AWS_ENDPOINT_URL`` set (a local Incident Manager), the plan runs in a working copy whose
provider override points every endpoint there (``local_aws.local_apply``); otherwise in the
stack's own directory with the usual credentials, leaving ``tfplan`` and ``tfplan.json`` as
``make plan-check`` does.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import tempfile
from pathlib import Path
from typing import Any

from local_aws.local_apply import VAR_FILE, LocalWorkdir, TerraformCli, provider_version
from stacks.adopt.plan_check import AdoptionPlan, check_adoption_plan
from stacks.environment_loader import ENVIRONMENTS_DIR, load_environment
from stacks.synthesize import synthesize

SECRETS_FILE = "adopted-addresses.auto.tfvars.json"


def stack_dir(project_root: Path, environment: str) -> Path:
    return project_root / "cdktf.out" / "stacks" / f"incident-manager-{environment}"


def plan_adopted(environment: str, project_root: Path) -> AdoptionPlan:
    """Synthesize ``environment`` and classify its first plan (``RuntimeError`` on failure)."""
    env = load_environment(project_root / ENVIRONMENTS_DIR / f"{environment}.yaml", project_root)
    synthesize([env], project_root, project_root / "cdktf.out", complete=False)
    directory = stack_dir(project_root, environment)
    endpoint = os.environ.get("AWS_ENDPOINT_URL")
    plan = _local_plan(directory, endpoint) if endpoint else _plan_in_place(directory)
    return check_adoption_plan(plan)


def _local_plan(directory: Path, endpoint: str) -> Any:
    stack = json.loads((directory / "cdk.tf.json").read_text(encoding="utf-8"))
    workroot = Path(tempfile.mkdtemp(prefix="adopt-plan-"))
    try:
        terraform = TerraformCli.offline(provider_version(stack), workroot)
        work = LocalWorkdir(workroot / "work", terraform, endpoint, workroot / "adopt.tfstate")
        work.load(directory, {})
        # The adopted addresses, not placeholders (a -var-file wins over *.auto.tfvars.json).
        shutil.copyfile(directory / SECRETS_FILE, work.path / VAR_FILE)
        work.init()
        work.run("terraform plan", "plan", "-input=false", "-out=tfplan", f"-var-file={VAR_FILE}")
        return json.loads(work.run("terraform show", "show", "-json", "tfplan"))
    finally:
        shutil.rmtree(workroot, ignore_errors=True)


def _plan_in_place(directory: Path) -> Any:
    def terraform(*args: str) -> str:
        done = subprocess.run(
            ["terraform", *args], cwd=directory, capture_output=True, text=True, check=False
        )
        if done.returncode != 0:
            raise RuntimeError(f"terraform {args[0]} failed:\n{done.stderr or done.stdout}")
        return done.stdout

    terraform("init", "-input=false", "-no-color")
    terraform("plan", "-input=false", "-no-color", "-out=tfplan")
    shown = terraform("show", "-json", "tfplan")
    (directory / "tfplan.json").write_text(shown, encoding="utf-8")
    return json.loads(shown)
