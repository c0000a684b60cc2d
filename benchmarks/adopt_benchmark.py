"""How long ``make adopt`` takes for a large account, read from a local Incident Manager.

    .venv/bin/python -m benchmarks.adopt_benchmark [--people 1000] [--escalation-plans 100]

As a person runs it: the local server in its own process (``python -m local_aws``), the large
account loaded through boto3 (``python -m local_aws.console_setup --large``, not timed), then
``python main.py adopt bench --region us-east-1`` in a copy of the project, which reads, writes,
synthesizes and ends with the real Terraform plan and its check. Prints the wall time, the steps
adopt reports, the CPU seconds of adopt and everything it started (Terraform, the provider,
jsii's Node.js) and of the server. A benchmark, not a test: it asserts nothing about the times.
"""

from __future__ import annotations

import argparse
import os
import re
import subprocess
import sys
import tempfile
import time
from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(PROJECT_ROOT))

from benchmarks.synth_benchmark import copy_project  # noqa: E402
from local_aws.process import LocalAwsProcess  # noqa: E402
from local_aws.terraform_setup import installed_mirror, write_cli_config  # noqa: E402

CLOCK_TICKS = os.sysconf("SC_CLK_TCK")


def process_cpu(pid: int) -> float:
    """User + system CPU seconds of a running process (``/proc/<pid>/stat``)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / CLOCK_TICKS


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n", 1)[0])
    parser.add_argument("--people", type=int, default=1000)
    parser.add_argument("--escalation-plans", type=int, default=100)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="adopt-bench-") as temporary:
        work = Path(temporary)
        server = LocalAwsProcess.start(work / "server", request_log=False)
        try:
            env = {**os.environ, **server.environment()}
            env["JSII_SILENCE_WARNING_END_OF_LIFE_NODE_VERSION"] = "20"
            mirror = installed_mirror()
            if mirror is not None:
                env["TF_CLI_CONFIG_FILE"] = str(write_cli_config(work / "terraform.tfrc", mirror))
            subprocess.run(
                [
                    *(sys.executable, "-m", "local_aws.console_setup", "--large"),
                    *("--people", str(args.people)),
                    *("--escalation-plans", str(args.escalation_plans)),
                ],
                cwd=PROJECT_ROOT,
                env=env,
                check=True,
                stdout=subprocess.DEVNULL,
            )
            project = copy_project(work)
            (project / ".venv").symlink_to(PROJECT_ROOT / ".venv")
            server_before = process_cpu(server.process.pid)
            children_before = os.times()
            started = time.monotonic()
            done = subprocess.run(
                [
                    str(project / ".venv/bin/python"),
                    "main.py",
                    "adopt",
                    "bench",
                    "--region",
                    "us-east-1",
                ],
                cwd=project,
                env=env,
                capture_output=True,
                text=True,
                check=False,
            )
            wall = time.monotonic() - started
            children = os.times()
            server_cpu = process_cpu(server.process.pid) - server_before
        finally:
            server.stop()
    adopt_cpu = (children.children_user - children_before.children_user) + (
        children.children_system - children_before.children_system
    )
    print(
        f"adopt of {args.people} contacts (2 channels each) and {args.escalation_plans} "
        f"escalation plans: {wall:.1f} s wall, exit status {done.returncode}"
    )
    for line in done.stdout.splitlines():
        if re.match(r"(wrote|synthesized|terraform|first plan)", line.strip()):
            print(f"  {line.strip()}")
    print(f"  CPU: adopt and its children {adopt_cpu:.1f} s, local server {server_cpu:.1f} s")
    if done.returncode != 0:
        print(done.stderr[-3000:], file=sys.stderr)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
