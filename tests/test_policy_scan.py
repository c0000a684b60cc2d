"""checkov over every synthesized stack: zero failed checks, nothing skipped."""

from __future__ import annotations

import json
import os
import subprocess
from collections import Counter
from pathlib import Path
from typing import Any

from tests.conftest import PROJECT_ROOT

CHECKOV = Path(os.environ.get("CHECKOV", PROJECT_ROOT / ".venv-checkov" / "bin" / "checkov"))


def run_checkov(directory: Path) -> dict[str, Any]:
    assert CHECKOV.is_file(), (
        f"checkov not found at {CHECKOV}: run `make install` (it creates .venv-checkov from "
        "requirements-checkov.txt) or set CHECKOV to its path"
    )
    result = subprocess.run(
        # --skip-download: otherwise checkov calls its vendor's servers (and fails offline).
        [
            str(CHECKOV),
            "-d",
            str(directory),
            "--framework",
            "terraform_json",
            "--skip-download",
            "--output",
            "json",
        ],
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
        env={**os.environ, "BC_SKIP_MAPPING": "TRUE", "CHECKOV_RUN_SCA_PACKAGE_SCAN_V2": "false"},
    )
    assert result.returncode in (0, 1), result.stderr[-2000:]
    report: dict[str, Any] = json.loads(result.stdout)
    return report


def test_every_stack_passes_checkov(synthesized_examples: Path) -> None:
    report = run_checkov(synthesized_examples / "stacks")
    results = report["results"]
    failed = [(c["check_id"], c["resource"], c["file_path"]) for c in results["failed_checks"]]
    assert failed == []
    assert report["summary"]["parsing_errors"] == 0
    passed = Counter(Path(c["file_path"]).parent.name for c in results["passed_checks"])
    # Every stack was actually scanned (a stack of resources checkov has no checks for would
    # not show up, so this also notices a stack that silently stopped being read).
    assert set(passed) == {
        "incident-manager-dev",
        "incident-manager-prod",
        "incident-manager-staging",
    }
    assert results.get("skipped_checks", []) == []
