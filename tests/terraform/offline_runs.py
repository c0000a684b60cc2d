"""`terraform init`, `plan` and `show -json` of every example environment, as synthesized
(JSON) and as exported (HCL), run two at a time in the background.

No separate `terraform validate`: the plan validates the configuration first (the same validate
walk) and prints the same warnings, so a validate of the same directory only started the ~700 MB
provider twice more (about 2 CPU-seconds a run). What it reported is kept: ``validated`` is built
from the plan's own diagnostics.

Each run is several Terraform processes that each load the provider and its schema; on the
project's 2-core machines running two at a time halves the wall time of these tests. A test waits
only for the run it checks, and a failed run fails only the tests that look at it, with
Terraform's own output.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

from tests.terraform.stack_copy import Json, copy_stack, plan_offline_diagnosed, read_stack
from tests.terraform.terraform_cli import Terraform

PARALLEL_RUNS = 2
# Generous: a run takes about 10 s alone.
RUN_TIMEOUT = 900


@dataclass(frozen=True)
class OfflineRun:
    source: Path
    workdir: Path
    # What `terraform validate -json` of the copy said, as told by the offline plan: "valid"
    # (the plan ran; a configuration error fails the run) and "diagnostics", every warning
    # except the ones about the offline override file (ours, not the copy's).
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
    """Copy ``source`` and plan it offline (``stack``: the synthesized JSON of the same
    environment, for the overrides); the plan's warnings about the copy's own files stand for
    its ``terraform validate``."""
    copy_stack(source, workdir)
    plan, diagnostics = plan_offline_diagnosed(terraform, workdir, stack, address_types)
    validated = {"valid": True, "diagnostics": diagnostics}
    return OfflineRun(source=source, workdir=workdir, validated=validated, plan=plan)


class OfflineRuns:
    """Runs registered at once, started two at a time when a test module asks for their kind
    (or when the first one is awaited), awaited one by one."""

    def __init__(self) -> None:
        self._pool = ThreadPoolExecutor(max_workers=PARALLEL_RUNS, thread_name_prefix="tf")
        self._runs: dict[tuple[str, str], Future[OfflineRun]] = {}
        self._registered: dict[tuple[str, str], Callable[[], OfflineRun]] = {}

    def register(self, kind: str, environment: str, run: Callable[[], OfflineRun]) -> None:
        self._registered[(kind, environment)] = run

    def start(self, kind: str, environment: str, run: Callable[[], OfflineRun]) -> None:
        self._registered[(kind, environment)] = run
        self._runs[(kind, environment)] = self._pool.submit(run)

    def start_kinds(self, *kinds: str) -> None:
        """Start every registered run of ``kinds`` not started yet, in registration order."""
        for (kind, environment), run in self._registered.items():
            if kind in kinds and (kind, environment) not in self._runs:
                self._runs[(kind, environment)] = self._pool.submit(run)

    def result(self, kind: str, environment: str) -> OfflineRun:
        if (kind, environment) not in self._runs:
            self.start_kinds(kind)
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
    """One run per output kind (``outdirs``: kind -> cdktf output dir) and environment,
    registered (``OfflineRuns.start_kinds`` starts them); the overrides come from the JSON stack
    of the environment (``outdirs["json"]``)."""
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

            runs.register(kind, environment, run)
