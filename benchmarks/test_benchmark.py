"""`make bench-tests`: how long the test suite and the quick loop take, and how often the suite
starts Terraform and its provider (the provider, ~700 MB, is what the suite waits on).

Not a test (pytest collects tests/ only): it asserts nothing, it measures. By default it runs
the whole suite once (~15 min on 2 cores) and `make test-quick`; `--tests` runs a subset
instead, e.g. `--tests tests/stacks/plan/plan_guard` to try the script out.

How it counts:
- terraform runs: a `terraform` wrapper first on PATH logs each run, then execs the real one
  (every run in the suite finds Terraform on PATH);
- provider starts: /proc is read every 50 ms for `terraform-provider-aws*` processes, each
  (pid, start time) counted once when its environment holds this run's IM_BENCH_TESTS_RUN,
  and attributed to the test module named in its PYTEST_CURRENT_TEST (pytest sets it;
  Terraform passes its environment on). A provider
  lives at least several hundred milliseconds (it loads its schema first), so none is missed.
"""

from __future__ import annotations

import argparse
import collections
import json
import os
import re
import shlex
import shutil
import stat
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parent.parent
PROVIDER_PREFIX = "terraform-provider-aws"
POLL_SECONDS = 0.05
RUN_VARIABLE = "IM_BENCH_TESTS_RUN"
CPU_LOG_VARIABLE = "IM_BENCH_CPU_LOG"
WRAPPER = """#!/bin/sh
echo "$PYTEST_CURRENT_TEST" >> "{log}"
exec "{real}" "$@"
"""


@dataclass
class ProviderCounter:
    """Counts the provider processes of one run (``RUN_VARIABLE=run_id`` in their environment)
    seen in /proc while it runs (a background thread)."""

    run_id: str
    seen: dict[tuple[int, str], str] = field(default_factory=dict)
    _stop: threading.Event = field(default_factory=threading.Event)
    _thread: threading.Thread | None = None

    def start(self) -> None:
        self._thread = threading.Thread(target=self._poll, daemon=True)
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join()

    def _poll(self) -> None:
        while not self._stop.is_set():
            for entry in os.scandir("/proc"):
                if entry.name.isdigit():
                    self._look_at(int(entry.name))
            time.sleep(POLL_SECONDS)

    def _look_at(self, pid: int) -> None:
        try:
            argv0 = Path(f"/proc/{pid}/cmdline").read_bytes().split(b"\0", 1)[0]
            if not Path(os.fsdecode(argv0)).name.startswith(PROVIDER_PREFIX):
                return
            started = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[19]
            key = (pid, started)
            if key not in self.seen:
                environ = Path(f"/proc/{pid}/environ").read_bytes()
                # Only this run's: other work on the machine starts providers too.
                if f"{RUN_VARIABLE}={self.run_id}".encode() in environ.split(b"\0"):
                    self.seen[key] = _test_module(environ)
        except OSError:  # gone, or not ours to read
            return


def _test_module(environ: bytes) -> str:
    for item in environ.split(b"\0"):
        if item.startswith(b"PYTEST_CURRENT_TEST="):
            return item.split(b"=", 1)[1].decode(errors="replace").split("::", 1)[0]
    return "(outside a test)"


@dataclass
class SuiteRun:
    seconds: float
    summary: str
    terraform_runs: collections.Counter[str]
    provider_starts: collections.Counter[str]
    cpu_seconds: collections.defaultdict[str, float]
    slowest: list[str]
    # pytest's short summary lines of the tests that failed or errored ("FAILED path::name ...").
    failures: list[str]
    returncode: int

    def cpu_total(self) -> float:
        return sum(self.cpu_seconds.values())


def run_suite(tests: list[str], durations: int, pytest_args: list[str]) -> SuiteRun:
    """pytest over ``tests`` with the terraform wrapper on PATH and the provider counter on."""
    real = shutil.which("terraform")
    with tempfile.TemporaryDirectory(prefix="bench-tests-") as work:
        log = Path(work) / "terraform-runs.log"
        log.touch()
        cpu_log = Path(work) / "cpu-per-module.jsonl"
        env = {k: v for k, v in os.environ.items() if k not in {"MAKEFLAGS", "MFLAGS", "MAKELEVEL"}}
        if real is not None:
            wrapper = Path(work) / "bin" / "terraform"
            wrapper.parent.mkdir()
            wrapper.write_text(WRAPPER.format(log=log, real=real), encoding="utf-8")
            wrapper.chmod(wrapper.stat().st_mode | stat.S_IXUSR)
            env["PATH"] = f"{wrapper.parent}{os.pathsep}{env.get('PATH', '')}"
        run_id = f"{os.getpid()}-{time.time_ns()}"
        env[RUN_VARIABLE] = run_id
        env[CPU_LOG_VARIABLE] = str(cpu_log)
        counter = ProviderCounter(run_id)
        counter.start()
        started = time.monotonic()
        result = subprocess.run(
            [
                str(PROJECT_ROOT / ".venv" / "bin" / "pytest"),
                "-q",
                "-p",
                "benchmarks.cpu_per_module",
                f"--durations={durations}",
                *pytest_args,
                *tests,
            ],
            cwd=PROJECT_ROOT,
            env=env,
            capture_output=True,
            text=True,
            check=False,
        )
        seconds = time.monotonic() - started
        counter.stop()
        runs = collections.Counter(
            line.split("::", 1)[0] or "(outside a test)"
            for line in log.read_text(encoding="utf-8").splitlines()
        )
        cpu: collections.defaultdict[str, float] = collections.defaultdict(float)
        if cpu_log.exists():
            for line in cpu_log.read_text(encoding="utf-8").splitlines():
                entry = json.loads(line)
                cpu[entry["module"]] += float(entry["cpu"])
    lines = result.stdout.splitlines()
    summary = next(
        (line for line in reversed(lines) if re.search(r"\d+ (passed|failed)", line)), ""
    )
    slowest = [line for line in lines if re.match(r"^\d+\.\d+s (call|setup|teardown) ", line)]
    failures = [line for line in lines if line.startswith(("FAILED ", "ERROR "))]
    return SuiteRun(
        seconds=seconds,
        summary=summary.strip("= "),
        terraform_runs=runs,
        provider_starts=collections.Counter(counter.seen.values()),
        cpu_seconds=cpu,
        slowest=slowest,
        failures=failures,
        returncode=result.returncode,
    )


def time_quick_loop() -> tuple[float, str, int]:
    """`make test-quick` as an engineer runs it, installs done."""
    env = {k: v for k, v in os.environ.items() if k not in {"MAKEFLAGS", "MFLAGS", "MAKELEVEL"}}
    started = time.monotonic()
    result = subprocess.run(
        ["make", "--no-print-directory", "test-quick"],
        cwd=PROJECT_ROOT,
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    seconds = time.monotonic() - started
    summary = next(
        (line for line in reversed(result.stdout.splitlines()) if "passed" in line), ""
    ).strip("= ")
    return seconds, summary, result.returncode


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n", 1)[0])
    parser.add_argument(
        "--tests", nargs="+", default=[], metavar="PATH", help="a subset (default: the suite)"
    )
    parser.add_argument("--no-suite", action="store_true", help="time the quick loop only")
    parser.add_argument("--no-quick", action="store_true", help="leave out `make test-quick`")
    parser.add_argument("--slowest", type=int, default=10, help="slowest tests listed (10)")
    parser.add_argument(
        "--pytest-args",
        default="",
        help="pytest options for the suite, e.g. the workers `make test` uses (make bench-tests "
        "passes them); default: one process",
    )
    args = parser.parse_args(argv)
    failed = False
    print(f"load average at start: {os.getloadavg()[0]:.2f} ({os.cpu_count()} cores)")
    if not args.no_suite:
        suite = run_suite(args.tests, args.slowest, shlex.split(args.pytest_args))
        failed |= suite.returncode != 0
        what = " ".join(args.tests) or "the whole suite"
        how = f" with {args.pytest_args}" if args.pytest_args else ", one process"
        print(f"\n## pytest over {what}{how}: {suite.seconds:.1f} s wall ({suite.summary})")
        print(f"terraform runs: {sum(suite.terraform_runs.values())}")
        print(f"provider starts: {sum(suite.provider_starts.values())}")
        print(f"CPU-seconds in tests (pytest and what it waited for): {suite.cpu_total():.0f}")
        if suite.failures:
            print("\n".join(["failed:", *(f"  {line}" for line in suite.failures)]))
        print(
            "\n| test module | CPU s | terraform runs | provider starts |"
            "\n| --- | ---: | ---: | ---: |"
        )
        modules = set(suite.terraform_runs) | set(suite.provider_starts) | set(suite.cpu_seconds)
        for module in sorted(modules, key=lambda m: (-suite.cpu_seconds[m], m)):
            print(
                f"| {module} | {suite.cpu_seconds[module]:.1f} | {suite.terraform_runs[module]} "
                f"| {suite.provider_starts[module]} |"
            )
        print(f"\nslowest {args.slowest}:")
        print("\n".join(f"  {line}" for line in suite.slowest))
    if not args.no_quick:
        seconds, summary, code = time_quick_loop()
        failed |= code != 0
        print(f"\n## make test-quick: {seconds:.1f} s wall ({summary or f'exit {code}'})")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
