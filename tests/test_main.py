"""main.py end to end, as a user runs it: a real subprocess in a copy of the project."""

from __future__ import annotations

import hashlib
import json
import subprocess
import sys
from pathlib import Path

import pytest

from benchmarks.synth_benchmark import copy_project
from tests.conftest import PROJECT_ROOT, run_main


@pytest.fixture
def project(tmp_path: Path) -> Path:
    """A copy of the app (code, environments, runbooks) where files can be broken safely."""
    return copy_project(tmp_path)


def tree_digest(directory: Path) -> dict[str, str]:
    return {
        p.relative_to(directory).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(directory.rglob("*"))
        if p.is_file()
    }


def test_synthesizes_every_environment_into_cdktf_out(project: Path) -> None:
    result = run_main(project)
    assert result.returncode == 0, result.stderr
    manifest = json.loads((project / "cdktf.out" / "manifest.json").read_text(encoding="utf-8"))
    assert sorted(manifest["stacks"]) == [
        "incident-manager-dev",
        "incident-manager-prod",
        "incident-manager-staging",
    ]
    assert result.stderr == ""


def test_a_broken_file_exits_2_with_every_problem_and_keeps_the_last_good_output(
    project: Path,
) -> None:
    assert run_main(project).returncode == 0
    before = tree_digest(project / "cdktf.out")
    prod = project / "stacks" / "environments" / "prod.yaml"
    text = prod.read_text(encoding="utf-8")
    prod.write_text(
        text.replace("type: SMS", "type: PAGER")
        .replace("impact: medium", "impact: severe")
        .replace(
            "contacts: [incident-responder, sr-incident-responder]",
            "contacts: [incident-responder, sr-incident-responders]",
        ),
        encoding="utf-8",
    )
    result = run_main(project)
    assert result.returncode == 2
    assert "Traceback" not in result.stderr
    assert "3 problems in environment files:" in result.stderr
    assert (
        "stacks/environments/prod.yaml:32: contacts[0].channels[1].type: 'PAGER' is not allowed; "
        "allowed: EMAIL, SMS, VOICE"
    ) in result.stderr
    assert (
        "stacks/environments/prod.yaml:91: response_plans[0].incident.impact: 'severe' is not "
        "allowed; allowed: critical, high, medium, low, none"
    ) in result.stderr
    assert (
        "stacks/environments/prod.yaml:71: rotations[0].contacts[1]: unknown contact "
        "'sr-incident-responders'; did you mean 'sr-incident-responder'?"
    ) in result.stderr
    assert tree_digest(project / "cdktf.out") == before
    assert [p.name for p in project.iterdir() if p.name.startswith(".cdktf.out")] == []


def test_check_validates_without_writing_anything(project: Path) -> None:
    result = run_main(project, "--check")
    assert result.returncode == 0
    assert result.stdout.splitlines() == [
        "ok  incident-manager-dev  (stacks/environments/dev.yaml)",
        "ok  incident-manager-prod  (stacks/environments/prod.yaml)",
        "ok  incident-manager-staging  (stacks/environments/staging.yaml)",
    ]
    assert not (project / "cdktf.out").exists()


def test_named_environments_only(project: Path) -> None:
    result = run_main(project, "dev")
    assert result.returncode == 0, result.stderr
    assert sorted(p.name for p in (project / "cdktf.out" / "stacks").iterdir()) == [
        "incident-manager-dev"
    ]
    unknown = run_main(project, "prd")
    assert unknown.returncode == 2
    assert "no environment 'prd'; did you mean 'prod'?" in unknown.stderr


def test_check_loads_neither_cdktf_nor_the_provider() -> None:
    code = (
        "import sys, main\n"
        "assert main.main(['--check']) == 0\n"
        "loaded = sorted(m for m in sys.modules if m.split('.')[0] in "
        "('cdktf', 'jsii', 'constructs', 'cdktf_cdktf_provider_aws'))\n"
        "print(loaded)\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], cwd=PROJECT_ROOT, capture_output=True, text=True, check=True
    )
    assert result.stdout.splitlines()[-1] == "[]"


def test_list_secrets_names_every_variable_to_supply() -> None:
    result = subprocess.run(
        [sys.executable, "main.py", "--list-secrets", "staging"],
        cwd=PROJECT_ROOT,
        capture_output=True,
        text=True,
        check=True,
    )
    assert result.stdout.splitlines() == [
        "incident-manager-staging  TF_VAR_stg_incident_responder__email  "
        "(EMAIL of stg-incident-responder / email)",
        "incident-manager-staging  TF_VAR_stg_incident_responder__mobile  "
        "(SMS of stg-incident-responder / mobile)",
        "incident-manager-staging  TF_VAR_stg_sr_incident_responder__email  "
        "(EMAIL of stg-sr-incident-responder / email)",
    ]
