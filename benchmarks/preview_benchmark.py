"""Benchmark `python main.py preview`: one large environment, and the HTML of the examples.

    .venv/bin/python -m benchmarks.preview_benchmark              # or: make bench-preview
    .venv/bin/python -m benchmarks.preview_benchmark --repeat 10 --contacts 1000

Every timed run is a fresh `python main.py preview ...` subprocess in a temporary copy of the
project (see ``synth_benchmark.copy_project``), after one untimed warm-up, so the figures include
Python's start-up and imports (no cdktf is loaded). The cases:

- preview-N: one generated environment, ``synth_benchmark.scale_environment`` (N contacts with an
  e-mail and an SMS channel each, 100 two-stage escalation plans), plus 10 rotations of 30
  contacts (daily, weekly and monthly hand-offs, coverages, several on call) and 100 response
  plans that engage an escalation plan and a contact each: timelines, 4 weeks of calendar and
  the findings (2,000+ of them, each with its line), printed as text;
- html-examples: every example environment, text plus `--html-dir` (one page each).

Then the same work in one process, split by step (median of the runs). This is a benchmark, not
a test: it asserts nothing about the times.
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Sequence
from datetime import UTC, datetime, timedelta
from pathlib import Path

from benchmarks.synth_benchmark import RUN_TIMEOUT_SECONDS, copy_project, scale_environment

AT = "2026-11-23T10:00Z"
ROTATIONS = 10
RESPONSE_PLANS = 100
ROTATION_MEMBERS = 30
HAND_OFFS = (
    'daily: ["09:00"]',
    "weekly: [{day: MON, time: '09:00'}]",
    "monthly: [{day_of_month: 1, time: '09:00'}]",
)


def preview_environment(contacts: int) -> str:
    """The synth benchmark's scale environment plus rotations and response plans."""
    lines = [scale_environment(contacts).rstrip("\n"), "rotations:"]
    for index in range(ROTATIONS):
        members = ", ".join(
            f"scale-contact-{(index * ROTATION_MEMBERS + m) % contacts:04d}"
            for m in range(min(ROTATION_MEMBERS, contacts))
        )
        lines += [
            f"  - name: scale-rotation-{index:02d}",
            f"    contacts: [{members}]",
            "    time_zone: " + ("America/Los_Angeles", "Europe/Berlin", "Asia/Tokyo")[index % 3],
            '    start_time: "2026-01-05T09:00:00+00:00"',
            f"    number_of_on_calls: {1 + index % 2}",
            f"    recurrence_multiplier: {1 + index % 3}",
            "    hand_off:",
            f"      {HAND_OFFS[index % 3]}",
        ]
        if index % 2:
            lines.append('    shift_coverages: {MON: [{start: "08:00", end: "18:00"}]}')
    lines.append("response_plans:")
    for index in range(RESPONSE_PLANS):
        lines += [
            f"  - name: ScalePlan{index:03d}",
            f"    incident: {{title: scale-{index:03d}, impact: high}}",
            f"    engagements: [scale-escalation-{index % 100:03d}, "
            f"scale-contact-{(index * 7) % contacts:04d}]",
        ]
    return "\n".join(lines) + "\n"


def _run(root: Path, args: Sequence[str]) -> float:
    started = time.perf_counter()
    subprocess.run(
        [sys.executable, "main.py", *args],
        cwd=root,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        check=True,
        timeout=RUN_TIMEOUT_SECONDS,
    )
    return time.perf_counter() - started


def _timed(repeat: int, work: Callable[[], object]) -> list[float]:
    work()  # warm-up: bytecode, page cache
    times = []
    for _ in range(repeat):
        started = time.perf_counter()
        work()
        times.append(time.perf_counter() - started)
    return times


def _row(case: str, what: str, times: list[float]) -> str:
    return (
        f"| {case} | {what} | {len(times)} | {statistics.median(times):.3f} | "
        f"{min(times):.3f} | {max(times):.3f} |"
    )


def in_process(root: Path, name: str, repeat: int) -> list[str]:
    """The preview's steps, timed one by one in this process."""
    from stacks.config.environment_loader import environment_files
    from stacks.paging.calendar import Rotation, shifts
    from stacks.paging.findings import findings, place
    from stacks.paging.html_report import render
    from stacks.paging.preview import build_preview, text
    from stacks.paging.source import load_sources
    from stacks.paging.timeline import timelines

    start = datetime.fromisoformat(AT).astimezone(UTC)
    (source,) = load_sources(root, [name])
    config = source.environment.config
    found = timelines(config, start)
    end = start + timedelta(weeks=4)
    preview = build_preview(source, start)
    steps: list[tuple[str, Callable[[], object]]] = [
        ("read + check the file (libyaml nodes)", lambda: load_sources(root, [name])),
        ("timelines of every response plan", lambda: timelines(config, start)),
        (
            "4 weeks of every rotation",
            lambda: [shifts(Rotation.from_config(r), start, end) for r in config.rotations],
        ),
        ("findings, with lines", lambda: place(findings(config, found), source)),
        ("text", lambda: text(preview)),
    ]
    rows = [_row(f"{name} in-process", what, _timed(repeat, work)) for what, work in steps]
    examples = [n for n in environment_files(root) if n != name]
    rows.append(
        _row(
            "examples in-process",
            "read, preview and render the HTML of every example",
            _timed(
                repeat,
                lambda: [render(build_preview(s, start)) for s in load_sources(root, examples)],
            ),
        )
    )
    return rows


def _arguments(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--repeat", type=int, default=5, help="timed runs per case (default 5)")
    parser.add_argument(
        "--contacts", type=int, default=1000, help="contacts of the scale case (default 1000)"
    )
    return parser.parse_args(argv)


def main(argv: Sequence[str] | None = None) -> int:
    args = _arguments(argv)
    with tempfile.TemporaryDirectory(prefix="preview-bench-") as directory:
        root = copy_project(Path(directory))
        name = f"scale-{args.contacts}"
        (root / "stacks" / "environments" / f"{name}.yaml").write_text(
            preview_environment(args.contacts), encoding="utf-8"
        )
        html = Path(directory) / "html"
        examples = [p.stem for p in sorted((root / "stacks/environments").glob("*.yaml"))]
        examples.remove(name)
        rows = [
            _row(
                f"preview-{args.contacts}",
                "`main.py preview` (subprocess)",
                _timed(args.repeat, lambda: _run(root, ["preview", name, "--at", AT])),
            ),
            _row(
                "html-examples",
                f"`main.py preview {' '.join(examples)} --html-dir` (subprocess)",
                _timed(
                    args.repeat,
                    lambda: _run(root, ["preview", *examples, "--at", AT, "--html-dir", str(html)]),
                ),
            ),
            *in_process(root, name, args.repeat),
        ]
    print("| case | what | runs | median s | min s | max s |")
    print("| --- | --- | ---: | ---: | ---: | ---: |")
    print("\n".join(rows))
    return 0


if __name__ == "__main__":
    sys.exit(main())
