"""The preview benchmark's environment stays valid and exercises every part (no timing here)."""

from __future__ import annotations

import json
from pathlib import Path

from benchmarks.preview_benchmark import AT, preview_environment
from benchmarks.synth_benchmark import copy_project
from tests.conftest import run_main


def test_the_preview_environment_is_valid_and_pages_rotates_and_finds(tmp_path: Path) -> None:
    root = copy_project(tmp_path)
    (root / "stacks" / "environments" / "scale-40.yaml").write_text(
        preview_environment(40), encoding="utf-8"
    )
    result = run_main(root, "preview", "scale-40", "--at", AT, "--format", "json", timeout=120)
    assert result.returncode == 0, result.stderr
    (preview,) = json.loads(result.stdout)
    assert len(preview["response_plans"]) == 100
    assert all(plan["pages"] for plan in preview["response_plans"])
    assert len(preview["rotations"]) == 10
    assert all(rotation["shifts"] for rotation in preview["rotations"])
    assert {f["kind"] for f in preview["findings"]} >= {"no-retry", "rotation-gap"}
