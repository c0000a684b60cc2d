"""One environment's whole life against a private local Incident Manager, with the real
Terraform, in four Terraform steps (each proves what its comment says; the tests in
test_deploy_cycle.py assert it):

1. apply from scratch: every resource is created, and Terraform warns about nothing in the
   provider blocks as synthesized (assume_role and allowed_account_ids kept).
2. the everyday changes and an import, in one saved plan, then applied: the Incident Manager
   resources are removed from the state and brought back with import blocks while the changed
   environment file is applied. Its plan (read with ``terraform show -json``) shows what the
   first apply left, read back: every resource the edits do not touch plans no change (an
   import with no change; a channel whose address is a sensitive variable shows an update that
   changes no value, only marks it sensitive), and each edited resource changes by exactly the
   edit. So it stands for the "plan again, no changes" after the first apply (a resource that
   read back differently would show here) and for the import of every resource, and it
   changes exactly the expected addresses.
3. plan: no changes. What the edits and the imports wrote reads back as configured.
4. destroy: everything, with ``-refresh=false`` (step 3 has just read everything back).

Every step's changes and time are recorded; the first failure stops the cycle and is kept with
Terraform's own output.
"""

from __future__ import annotations

import json
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from local_aws.local_apply import (
    Change,
    LocalWorkdir,
    StepFailedError,
    TerraformCli,
    create_shared_replication_set,
    has_replication_set,
    incident_manager_addresses,
    stack_account,
    stack_providers,
    stack_region,
)
from local_aws.process import LocalAwsProcess

Json = dict[str, Any]


@dataclass
class DeployCycle:
    """What each step of one environment's cycle did."""

    environment: str
    seconds: dict[str, float] = field(default_factory=dict)
    changes: dict[str, list[Change]] = field(default_factory=dict)
    imported_addresses: list[str] = field(default_factory=list)
    failure: str = ""
    server_log: str = ""
    # Every request the server answered, in order (service, operation, status): what the
    # provider and the provisioners called, for docs/ci.md's policies.
    requests: list[Json] = field(default_factory=list)
    # The saved plan of step 2 (``terraform show -json``).
    update_plan: Json = field(default_factory=dict)
    # What the first apply left: address -> attributes (ARNs for the references of step 2).
    applied: dict[str, Json] = field(default_factory=dict)
    # The warnings Terraform printed, per step.
    warnings: dict[str, list[str]] = field(default_factory=dict)
    # Whether its Terraform runs reattached providers started once (rehearse's way).
    shared_providers: bool = False

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

    def step(name: str, action: Any) -> Any:
        started = time.monotonic()
        seen = len(work.warnings)
        result = action()
        cycle.seconds[name] = time.monotonic() - started
        cycle.warnings[name] = work.warnings[seen:]
        if isinstance(result, list):
            cycle.changes[name] = result
        return result

    try:
        if not has_replication_set(stack):
            create_shared_replication_set(server.url, stack_region(stack))
        work.load(stack_dir, address_types)
        step("init", work.init)
        # As rehearse does: the provider started once, a process per configuration, for every
        # later step (local_aws/reattached_providers.py); these cycles are what proves it.
        configurations = len(stack_providers(stack))
        cycle.shared_providers = work.share_providers(configurations, workroot / "providers")
        step("apply", work.apply)
        cycle.applied = work.state_attributes()
        ids = work.state_ids()
        cycle.imported_addresses = incident_manager_addresses(ids)
        work.load(changed_stack_dir, address_types)
        work.forget_for_import(cycle.imported_addresses, ids)
        changes, cycle.update_plan = step(
            "update plan", lambda: work.plan_saved("terraform plan (update and import)")
        )
        cycle.changes["update"] = changes
        step("update", lambda: work.apply_saved("terraform apply (update and import)"))
        work.drop_imports()
        step("plan", work.pending_changes)
        # The plan above has just read everything back: no second refresh to destroy it.
        step("destroy", lambda: work.destroy(refresh=False))
    except StepFailedError as failure:
        cycle.failure = f"{failure.step}:\n{failure.output}"
    finally:
        work.stop_providers()
        server.stop()
        cycle.server_log = server.output.read_text(encoding="utf-8", errors="replace")[-3000:]
        cycle.requests = server.requests()
    return cycle
