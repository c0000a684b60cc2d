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


def scannable_copy(stacks: Path, destination: Path) -> Path:
    """The stacks as checkov 3.3.30 can read them: its terraform_json parser
    (checkov/terraform_json/parser.py, ``hclify``) raises "this method receives only dicts" on
    the string ``terraform.required_version`` and then reports the whole file as a parsing
    error, checking nothing in it. The setting has no security meaning, so the copy goes
    without it; every resource is scanned as synthesized."""
    for stack_file in sorted(stacks.glob("*/cdk.tf.json")):
        stack = json.loads(stack_file.read_text(encoding="utf-8"))
        stack.get("terraform", {}).pop("required_version", None)
        target = destination / stack_file.parent.name / stack_file.name
        target.parent.mkdir(parents=True)
        target.write_text(json.dumps(stack, indent=2), encoding="utf-8")
    return destination


# Resource types checkov has checks for (KMS rotation, SNS encryption, IAM policies, ...): a
# stack holding one must appear among the passed checks, so a stack checkov silently stopped
# reading is noticed.
CHECKED_TYPES = ("aws_kms_key", "aws_sns_topic", "aws_iam_role", "aws_cloudwatch_metric_alarm")


def test_every_stack_passes_checkov(synthesized_environments: Path, tmp_path: Path) -> None:
    stacks = synthesized_environments / "stacks"
    report = run_checkov(scannable_copy(stacks, tmp_path / "stacks"))
    results = report["results"]
    failed = [(c["check_id"], c["resource"], c["file_path"]) for c in results["failed_checks"]]
    assert failed == []
    assert report["summary"]["parsing_errors"] == 0
    passed = Counter(Path(c["file_path"]).parent.name for c in results["passed_checks"])
    expected = {
        stack_file.parent.name
        for stack_file in stacks.glob("*/cdk.tf.json")
        if set(json.loads(stack_file.read_text(encoding="utf-8")).get("resource", {}))
        & set(CHECKED_TYPES)
    }
    assert expected <= set(passed)
    assert results.get("skipped_checks", []) == []
