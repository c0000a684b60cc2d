"""One environment's whole life against a private local Incident Manager, with the real
Terraform: apply from scratch, plan (no changes), apply the everyday changes, plan, remove the
Incident Manager resources from the state and import them back with import blocks, plan,
destroy. Every step's changes and time are recorded; the first failure stops the cycle and is
kept with Terraform's own output."""

from __future__ import annotations

import json
import time
from dataclasses import dataclass, field
from pathlib import Path

from local_aws.local_apply import (
    Change,
    LocalWorkdir,
    StepFailedError,
    TerraformCli,
    create_shared_replication_set,
    has_replication_set,
    incident_manager_addresses,
    stack_account,
    stack_region,
)
from local_aws.process import LocalAwsProcess


@dataclass
class DeployCycle:
    """What each step of one environment's cycle did."""

    environment: str
    seconds: dict[str, float] = field(default_factory=dict)
    changes: dict[str, list[Change]] = field(default_factory=dict)
    imported_addresses: list[str] = field(default_factory=list)
    failure: str = ""
    server_log: str = ""

    def actions(self, step: str) -> dict[str, str]:
        """Address -> action of ``step``."""
        return {c.address: c.action for c in self.changes.get(step, [])}


def run_cycle(  # noqa: PLR0917 - one call site, every argument named there
    environment: str,
    stack_dir: Path,
    changed_stack_dir: Path,
    terraform: TerraformCli,
    address_types: dict[str, str],
    workroot: Path,
) -> DeployCycle:
    """The cycle of ``environment`` (never raises; a failure is recorded)."""
    cycle = DeployCycle(environment)
    stack = json.loads((stack_dir / "cdk.tf.json").read_text(encoding="utf-8"))
    server = LocalAwsProcess.start(workroot, stack_account(stack))
    work = LocalWorkdir(workroot / "work", terraform, server.url, workroot / "deploy.tfstate")

    def step(name: str, action: object) -> None:
        started = time.monotonic()
        result = action() if callable(action) else action
        cycle.seconds[name] = time.monotonic() - started
        if isinstance(result, list):
            cycle.changes[name] = result

    try:
        if not has_replication_set(stack):
            create_shared_replication_set(server.url, stack_region(stack))
        work.load(stack_dir, address_types)
        step("init", work.init)
        step("apply", work.apply)
        step("plan", work.pending_changes)
        work.load(changed_stack_dir, address_types)
        # The update's own plan shows any drift of what the first apply left: no separate plan.
        step("update", lambda: work.apply("terraform apply (update)"))
        ids = work.state_ids()
        cycle.imported_addresses = incident_manager_addresses(ids)
        step("import", lambda: work.forget_and_import(cycle.imported_addresses, ids))
        step("plan after import", work.pending_changes)
        # "plan after import" has just read everything back: no second refresh to destroy it.
        step("destroy", lambda: work.destroy(refresh=False))
    except StepFailedError as failure:
        cycle.failure = f"{failure.step}:\n{failure.output}"
    finally:
        server.stop()
        cycle.server_log = server.output.read_text(encoding="utf-8", errors="replace")[-3000:]
    return cycle
