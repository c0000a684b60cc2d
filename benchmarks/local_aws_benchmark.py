"""Benchmark the local Incident Manager: server start, and one environment's deploy cycle.

    .venv/bin/python benchmarks/local_aws_benchmark.py              # prod
    .venv/bin/python benchmarks/local_aws_benchmark.py --environment dev --starts 5

Server start: ``python -m local_aws`` as a child process until it prints its address (the
median of ``--starts`` runs). Cycle: the deploy-level test's cycle for one environment alone
(tests/local_aws/deploy_cycle.py): terraform init, apply from scratch, plan, apply of the
everyday changes, state rm + import back with import blocks, plan, destroy; wall time per step.
This is a benchmark, not a test: it asserts nothing about the times.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(PROJECT_ROOT))
# jsii prints a Node 20 end-of-life banner on every run unless told the major version.
os.environ.setdefault("JSII_SILENCE_WARNING_END_OF_LIFE_NODE_VERSION", "20")

from local_aws.local_apply import TerraformCli, provider_version  # noqa: E402
from local_aws.process import LocalAwsProcess  # noqa: E402
from local_aws.stack_inputs import secret_address_types  # noqa: E402
from stacks.config.environment_loader import load_environments  # noqa: E402
from stacks.stack.synthesize import synthesize  # noqa: E402
from tests.local_aws.deploy_cycle import run_cycle  # noqa: E402
from tests.local_aws.environment_changes import changed_project  # noqa: E402


def server_starts(count: int, workdir: Path) -> list[float]:
    seconds = []
    for _ in range(count):
        started = time.monotonic()
        server = LocalAwsProcess.start(workdir)
        seconds.append(time.monotonic() - started)
        server.stop()
    return seconds


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n", 1)[0])
    parser.add_argument("--environment", default="prod")
    parser.add_argument("--starts", type=int, default=5)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="local-aws-bench-") as temporary:
        work = Path(temporary)
        starts = server_starts(args.starts, work)
        print(
            f"server start: median {statistics.median(starts):.2f} s "
            f"(min {min(starts):.2f}, max {max(starts):.2f}, {len(starts)} runs)"
        )
        outdir = work / "cdktf.out"
        environments = load_environments(PROJECT_ROOT, [args.environment])
        synthesize(environments, PROJECT_ROOT, outdir)
        root, _ = changed_project(PROJECT_ROOT, work / "changed")
        synthesize(load_environments(root, [args.environment]), root, root / "cdktf.out")
        stack_name = f"incident-manager-{args.environment}"
        stack_dir = outdir / "stacks" / stack_name
        version = provider_version(json.loads((stack_dir / "cdk.tf.json").read_text()))
        terraform = TerraformCli.offline(version, work)
        cycle = run_cycle(
            args.environment,
            stack_dir,
            root / "cdktf.out" / "stacks" / stack_name,
            terraform,
            secret_address_types(PROJECT_ROOT),
            work / "cycle",
        )
        if cycle.failure:
            print(f"cycle failed: {cycle.failure}", file=sys.stderr)
            return 1
        for step, seconds in cycle.seconds.items():
            print(f"{args.environment} {step:<18} {seconds:6.1f} s")
        print(f"{args.environment} {'total':<18} {sum(cycle.seconds.values()):6.1f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
