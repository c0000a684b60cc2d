"""`terraform init`, `validate`, `plan` and `show -json` of every example environment, as
synthesized (JSON) and as exported (HCL), run two at a time in the background.

Each run is several Terraform processes that each load the ~700 MB AWS provider and its schema
(about 2 s of CPU each); on the project's 2-core machines running two at a time halves the wall
time of these tests. A test waits only for the run it checks, and a failed run fails only the
tests that look at it, with Terraform's own output.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

from tests.terraform.stack_copy import Json, copy_stack, plan_offline, read_stack
from tests.terraform.terraform_cli import Terraform

PARALLEL_RUNS = 2
# Generous: a run takes about 10 s alone.
RUN_TIMEOUT = 900


@dataclass(frozen=True)
class OfflineRun:
    source: Path
    workdir: Path
    # `terraform validate -json` of the copy as exported, before any override.
    validated: Json
    # `terraform show -json` of the offline plan.
    plan: Json


def offline_run(
    terraform: Terraform,
    source: Path,
    workdir: Path,
    stack: Json,
    address_types: Mapping[str, str],
) -> OfflineRun:
    """Copy ``source``; init without a backend and validate it untouched; then plan it offline
    (``stack``: the synthesized JSON of the same environment, for the overrides)."""
    copy_stack(source, workdir)
    terraform.run(workdir, "init", "-input=false", "-backend=false")
    validated = json.loads(terraform.run(workdir, "validate", "-json").stdout)
    plan = plan_offline(terraform, workdir, stack, address_types)
    return OfflineRun(source=source, workdir=workdir, validated=validated, plan=plan)


class OfflineRuns:
    """Runs started at once, awaited one by one."""

    def __init__(self) -> None:
        self._pool = ThreadPoolExecutor(max_workers=PARALLEL_RUNS, thread_name_prefix="tf")
        self._runs: dict[tuple[str, str], Future[OfflineRun]] = {}

    def start(self, kind: str, environment: str, run: Callable[[], OfflineRun]) -> None:
        self._runs[(kind, environment)] = self._pool.submit(run)

    def result(self, kind: str, environment: str) -> OfflineRun:
        return self._runs[(kind, environment)].result(timeout=RUN_TIMEOUT)

    def close(self) -> None:
        self._pool.shutdown(wait=True, cancel_futures=True)


def start_all(
    runs: OfflineRuns,
    terraform: Terraform,
    outdirs: Mapping[str, Path],
    *,
    environments: tuple[str, ...],
    workroot: Path,
    address_types: Mapping[str, str],
) -> None:
    """One run per output kind (``outdirs``: kind -> cdktf output dir) and environment; the
    overrides come from the JSON stack of the environment (``outdirs["json"]``)."""
    for environment in environments:
        name = f"incident-manager-{environment}"
        stack = read_stack(outdirs["json"] / "stacks" / name)
        for kind, outdir in outdirs.items():

            def run(
                source: Path = outdir / "stacks" / name,
                workdir: Path = workroot / kind / name,
                stack: Json = stack,
            ) -> OfflineRun:
                return offline_run(terraform, source, workdir, stack, address_types)

            runs.start(kind, environment, run)
