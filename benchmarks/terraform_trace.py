"""Count and time the Terraform commands and provider starts of a test run, per test module.

``python -m benchmarks.terraform_trace run -- .venv/bin/pytest tests/terraform/test_x.py`` runs
the command (any command: ``-- .venv/bin/python main.py rehearse prod`` too) with a
``terraform`` wrapper first on PATH and a provider mirror whose hashicorp/aws binary is a wrapper
of the real one; both append one JSON line per process to a log (with ``PYTEST_CURRENT_TEST``,
which pytest sets and every child inherits), then the summary is printed:
``python -m benchmarks.terraform_trace summary LOG`` prints it again.

Terraform starts the ~700 MB provider several times per command (schema, validate, plan,
apply): the provider count, not the command count, is what the suite's time follows, and it does
not depend on how loaded the machine is.
"""

from __future__ import annotations

import argparse
import json
import os
import shlex
import shutil
import subprocess
import sys
import tempfile
from collections import Counter, defaultdict
from pathlib import Path

from local_aws.terraform_setup import PROVIDER_SOURCE, find_mirror

TRACE_VARIABLE = "IM_TERRAFORM_TRACE"
PROVIDER_VERSION = "5.100.0"

# Shell, not Python: a Python wrapper would add ~50 ms to each of several hundred processes.
_TERRAFORM_WRAPPER = """#!/bin/bash
start=$(date +%s.%N)
{real} "$@"
status=$?
end=$(date +%s.%N)
# Quotes and backslashes would break the JSON line.
args=$(printf '%s' "$*" | tr '"\\\\' '__')
if [ -n "${trace}" ]; then
  printf '{{"kind":"terraform","args":"%s","start":%s,"end":%s,"status":%s,"test":"%s"}}\\n' \\
    "$args" "$start" "$end" "$status" "${{PYTEST_CURRENT_TEST:-}}" >> "${trace}"
fi
exit $status
"""
_PROVIDER_WRAPPER = """#!/bin/bash
if [ -n "${trace}" ]; then
  printf '{{"kind":"provider","start":%s,"test":"%s"}}\\n' \\
    "$(date +%s.%N)" "${{PYTEST_CURRENT_TEST:-}}" >> "${trace}"
fi
exec {real} "$@"
"""


def prepare(workdir: Path) -> tuple[Path, Path]:
    """A bin folder holding the terraform wrapper and a mirror holding the provider wrapper."""
    real_terraform = shutil.which("terraform")
    if real_terraform is None:
        raise SystemExit("terraform is not on PATH")
    bin_dir = workdir / "bin"
    bin_dir.mkdir(parents=True)
    wrapper = bin_dir / "terraform"
    wrapper.write_text(
        _TERRAFORM_WRAPPER.format(real=shlex.quote(real_terraform), trace=TRACE_VARIABLE),
        encoding="utf-8",
    )
    wrapper.chmod(0o755)
    real_mirror = find_mirror(PROVIDER_VERSION)
    platform_dir = PROVIDER_SOURCE + f"/{PROVIDER_VERSION}/linux_amd64"
    real_dir = real_mirror / platform_dir
    mirror = workdir / "mirror"
    (mirror / platform_dir).mkdir(parents=True)
    for item in real_dir.iterdir():
        target = mirror / platform_dir / item.name
        if item.name.startswith("terraform-provider-aws"):
            target.write_text(
                _PROVIDER_WRAPPER.format(real=shlex.quote(str(item)), trace=TRACE_VARIABLE),
                encoding="utf-8",
            )
            target.chmod(0o755)
        else:
            target.symlink_to(item)
    return bin_dir, mirror


def _module(test: str) -> str:
    return test.split("::", 1)[0] if test else "(no test)"


def summary(log: Path) -> str:
    """Per module: provider starts, terraform runs by subcommand, terraform seconds."""
    providers: Counter[str] = Counter()
    runs: dict[str, Counter[str]] = defaultdict(Counter)
    seconds: defaultdict[str, float] = defaultdict(float)
    for line in log.read_text(encoding="utf-8").splitlines():
        entry = json.loads(line)
        module = _module(entry["test"])
        if entry["kind"] == "provider":
            providers[module] += 1
        else:
            command = next((a for a in entry["args"].split() if not a.startswith("-")), "?")
            runs[module][command] += 1
            seconds[module] += float(entry["end"]) - float(entry["start"])
    lines = [f"{'module':<58} {'provider':>8} {'tf runs':>7} {'tf s':>7}  by command"]
    modules = sorted(set(providers) | set(runs), key=lambda m: -providers[m])
    for module in modules:
        by_command = " ".join(f"{c}:{n}" for c, n in sorted(runs[module].items()))
        lines.append(
            f"{module:<58} {providers[module]:>8} {sum(runs[module].values()):>7} "
            f"{seconds[module]:>7.1f}  {by_command}"
        )
    total_runs = sum(sum(c.values()) for c in runs.values())
    lines.append(
        f"{'total':<58} {sum(providers.values()):>8} {total_runs:>7} {sum(seconds.values()):>7.1f}"
    )
    return "\n".join(lines)


def timeline(log: Path) -> str:
    """Every terraform run in order: seconds, provider starts during it, arguments."""
    entries = [json.loads(line) for line in log.read_text(encoding="utf-8").splitlines()]
    starts = [float(e["start"]) for e in entries if e["kind"] == "provider"]
    lines = []
    for entry in sorted((e for e in entries if e["kind"] == "terraform"), key=lambda e: e["start"]):
        begin, end = float(entry["start"]), float(entry["end"])
        providers = sum(1 for s in starts if begin <= s <= end)
        lines.append(f"{end - begin:6.1f} s {providers:>2} provider  {entry['args'][:100]}")
    return "\n".join(lines)


def run(command: list[str], log: Path) -> int:
    with tempfile.TemporaryDirectory(prefix="terraform-trace-") as temporary:
        bin_dir, mirror = prepare(Path(temporary))
        log.write_text("", encoding="utf-8")
        env = {
            **os.environ,
            "PATH": f"{bin_dir}{os.pathsep}{os.environ.get('PATH', '')}",
            "IM_TF_PLUGIN_MIRROR": str(mirror),
            TRACE_VARIABLE: str(log.resolve()),
        }
        status = subprocess.run(command, env=env, check=False).returncode
    print(summary(log))
    return status


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    commands = parser.add_subparsers(dest="verb", required=True)
    run_parser = commands.add_parser("run", help="a command with the wrappers, then the summary")
    run_parser.add_argument("--log", type=Path, default=Path("terraform-trace.jsonl"))
    run_parser.add_argument("command", nargs=argparse.REMAINDER)
    summary_parser = commands.add_parser("summary", help="the summary of a log")
    summary_parser.add_argument("log", type=Path)
    summary_parser.add_argument(
        "--timeline", action="store_true", help="also every terraform run, in order"
    )
    args = parser.parse_args()
    if args.verb == "summary":
        print(summary(args.log))
        if args.timeline:
            print(timeline(args.log))
        return 0
    command = args.command[1:] if args.command[:1] == ["--"] else args.command
    return run(command, args.log)


if __name__ == "__main__":
    sys.exit(main())
