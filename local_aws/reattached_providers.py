"""The AWS provider started once for all the Terraform runs of one rehearsal, a process per
provider configuration, behind the provider relay (local_aws/provider_relay.py).

Why: Terraform starts the ~700 MB provider for the schema and again for every configuration of
every walk, and each new process spends ~2 CPU-seconds before its first call (a trace of
`make rehearse ENV=prod`: 2.2 s between ``ValidateProviderConfig`` and ``ConfigureProvider`` in
each walk, two processes side by side for prod's two regions), then Terraform decodes the whole
schema (~1.2 s) in every run. A rehearsal makes four runs of up to two walks each.

How: the provider binary ``terraform init`` installed in the rehearsal's copy is started in
debug mode (``-debug``, the mode provider developers attach a debugger to), once per
configuration, with the environment Terraform would give it; every later run reattaches it
(``TF_REATTACH_PROVIDERS``, Terraform's own mechanism) through the relay, which answers the
schema request with the run's resource types and sends each configuration to its own process.
The calls themselves are the provider's own, unchanged. The processes run in sessions of their
own (a Ctrl-C reaches Terraform, which stops them over gRPC as it stops its own) and ``stop``
ends them (rehearse calls it in ``finally``). When they cannot start (no grpcio, the provider
refuses the debug mode, ``IM_SHARED_PROVIDER=0``), Terraform starts its providers as usual.
"""

from __future__ import annotations

import os
import signal
import sys
from dataclasses import dataclass, field
from pathlib import Path

from local_aws import provider_relay as relay

# "0": every Terraform run of a rehearsal starts its own providers.
SWITCH_VARIABLE = "IM_SHARED_PROVIDER"


@dataclass
class ReattachedProviders:
    """Provider processes (one per configuration) and their relay, shared by the Terraform
    runs that ``run_env`` is asked for."""

    folder: Path
    reattach: str
    pids: list[int] = field(default_factory=list)

    @classmethod
    def start(
        cls, binary: Path, configurations: int, folder: Path, env: dict[str, str]
    ) -> ReattachedProviders | None:
        """``configurations`` processes of ``binary`` with ``env`` and a relay in front, their
        files in ``folder``; None (and nothing left running) when they cannot serve."""
        if os.environ.get(SWITCH_VARIABLE) == "0" or configurations < 1:
            return None
        folder.mkdir(parents=True, exist_ok=True)
        started = cls(folder, "")
        first = ""
        try:
            upstreams = []
            for index in range(configurations):
                pid, reattach = relay.start_provider(binary, folder / f"provider-{index}", env)
                started.pids.append(pid)
                upstreams.append(relay.upstream_address(reattach))
                if index == 0:
                    first = reattach
            if not all(upstreams):
                started.stop()
                return None
            (folder / relay.UPSTREAMS_FILE).write_text("\n".join(upstreams), encoding="utf-8")
            relay_pid, port = relay.start_relay(folder, sys.executable)
        except relay.ProviderStartError:
            started.stop()
            return None
        if not relay_pid:
            started.stop()
            return None
        started.pids.append(relay_pid)
        started.reattach = relay.through_relay(first, port)
        return started

    def run_env(self, workdir: Path, states: list[Path], kinds: list[str]) -> dict[str, str]:
        """The environment for the next Terraform run in ``workdir`` (its state in ``states``):
        reattach the processes, and tell the relay which types the run can touch."""
        relay.prepare_run(self.folder, relay.wanted_types(workdir, states, kinds))
        return {relay.REATTACH_VARIABLE: self.reattach}

    def stop(self) -> None:
        """End every process (the relay first: no call reaches a provider being stopped)."""
        for pid in reversed(self.pids):
            try:
                os.kill(pid, signal.SIGKILL)
                os.waitpid(pid, 0)
            except (ProcessLookupError, ChildProcessError):
                pass
        self.pids.clear()
