"""The benchmark's generated environment stays valid as the checks evolve (no timing here)."""

from __future__ import annotations

from pathlib import Path

from benchmarks.synth_benchmark import copy_project, scale_environment
from tests.conftest import run_main


def test_the_scaling_environment_passes_every_check(tmp_path: Path) -> None:
    root = copy_project(tmp_path)
    environment = root / "stacks" / "environments" / "scale-25.yaml"
    environment.write_text(scale_environment(25, escalation_plans=30), encoding="utf-8")
    result = run_main(root, "--check", "scale-25", timeout=120)
    assert result.returncode == 0, result.stderr
    assert result.stdout.splitlines() == [
        "ok  incident-manager-scale-25  (stacks/environments/scale-25.yaml)"
    ]


def test_the_sizes_pass_the_checks_side_by_side(tmp_path: Path) -> None:
    """The benchmark writes every size into one project (they used to share an account, and
    the shared-account rules refused the second size's aliases: `make bench` exit 2)."""
    root = copy_project(tmp_path)
    for size in (3, 4):
        environment = root / "stacks" / "environments" / f"scale-{size}.yaml"
        environment.write_text(scale_environment(size, escalation_plans=2), encoding="utf-8")
    result = run_main(root, "--check", "scale-3", "scale-4", timeout=120)
    assert result.returncode == 0, result.stderr


def test_the_scaling_environment_has_the_requested_size() -> None:
    text = scale_environment(7, escalation_plans=3)
    assert text.count("  - alias: scale-contact-") == 7
    assert text.count("  - alias: scale-escalation-") == 3
    assert text.count("type: EMAIL") == 7
    assert text.count("type: SMS") == 7
