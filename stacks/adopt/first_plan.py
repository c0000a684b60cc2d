"""The plan that ends ``adopt``: synthesize the new environment and run the real Terraform in
the stack's own directory, with the caller's environment (credentials, ``AWS_ENDPOINT_URL`` for
a local Incident Manager, ``TF_CLI_CONFIG_FILE``), leaving ``tfplan``, its check record and a
redacted ``tfplan.json`` as ``make plan-check`` does (``stacks.plan.plan_flow``), so that ``make
apply`` applies exactly the plan that was checked.
"""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import subprocess
import tempfile
import time
from collections.abc import Callable, Iterator
from pathlib import Path

from stacks.adopt.plan_check import AdoptionPlan, check_adoption_plan
from stacks.config.environment import Environment
from stacks.config.environment_loader import load_environment
from stacks.layout import ENVIRONMENTS_DIR, stack_dir
from stacks.plan.plan_flow import Terraform, check_plan_file, private_files
from stacks.plan.terraform_settings import GO_GC_PERCENT

CONFIG_FILE = "cdk.tf.json"
LOCK_FILE = ".terraform.lock.hcl"
Progress = Callable[[str], None]


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
    from stacks.stack.synthesize import synthesize

    started = time.monotonic()
    env = loaded or load_environment(
        project_root / ENVIRONMENTS_DIR / f"{environment}.yaml", project_root
    )
    synthesize([env], project_root, project_root / "cdktf.out", complete=False)
    progress(f"synthesized {env.stack_name} in {time.monotonic() - started:.1f} s")
    directory = stack_dir(project_root, environment)
    timings = []

    def terraform(*args: str, cwd: Path = directory) -> str:
        step = time.monotonic()
        done = subprocess.run(
            ["terraform", *args, "-no-color"],
            cwd=cwd,
            env=_terraform_environment(directory),
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
        with config_without_imports(directory) as init_directory:
            terraform("init", "-input=false", cwd=init_directory)
        terraform("plan", "-input=false", "-out=tfplan")
    # The plan guard reads the plan once, in memory, and records it for make apply; a refused
    # plan becomes tfplan.refused and shows below as changes other than imports.
    step = time.monotonic()
    checked = check_plan_file(Terraform(directory), (), project_root, with_drift=False)
    timings.append(f"show and guard {time.monotonic() - step:.1f} s")
    progress(f"terraform {', '.join(timings)}")
    return check_adoption_plan(checked.plan)


@contextlib.contextmanager
def config_without_imports(directory: Path) -> Iterator[Path]:
    """A directory holding ``directory``'s configuration without its import blocks, where
    ``terraform init`` (with ``TF_DATA_DIR`` set to ``directory``'s) installs the same providers
    and backend; the lock file it writes is copied back on success.

    Why: init reads and checks every import block though it installs nothing for them: with the
    4,201 imports of 1,000 contacts it took 10.6 s instead of 1.1 s. The plan, in ``directory``,
    reads them all as before.
    """
    config_file = directory / CONFIG_FILE
    config = json.loads(config_file.read_text(encoding="utf-8"))
    if "import" not in config:
        yield directory
        return
    del config["import"]
    scratch = Path(tempfile.mkdtemp(prefix=".init-", dir=directory))
    try:
        (scratch / CONFIG_FILE).write_text(json.dumps(config), encoding="utf-8")
        if (directory / LOCK_FILE).exists():
            shutil.copy2(directory / LOCK_FILE, scratch / LOCK_FILE)
        yield scratch
        shutil.copy2(scratch / LOCK_FILE, directory / LOCK_FILE)
    finally:
        shutil.rmtree(scratch, ignore_errors=True)


def _terraform_environment(directory: Path) -> dict[str, str]:
    env = dict(os.environ)
    # init may run in another directory (config_without_imports): the stack's own data
    # directory either way. An absolute TF_DATA_DIR the caller set is kept.
    if not Path(env.get("TF_DATA_DIR", "")).is_absolute():
        env["TF_DATA_DIR"] = str(directory / env.get("TF_DATA_DIR", ".terraform"))
    # A first plan imports every object at once: thousands of resources for a large account,
    # CPU-bound in the provider, whose collector runs less at GOGC=400
    # (stacks.plan.terraform_settings).
    env.setdefault("GOGC", GO_GC_PERCENT)
    env.setdefault("CHECKPOINT_DISABLE", "1")
    return env
