"""main.py end to end, as a user runs it: a real subprocess in a copy of the project holding the
frozen example environments (tests/fixtures/examples)."""

from __future__ import annotations

import hashlib
import json
import shutil
import stat
from pathlib import Path

import pytest

from benchmarks.synth_benchmark import copy_project
from stacks.commands.atlantis import ATLANTIS_FILE, atlantis_yaml
from tests.conftest import EXAMPLES_ROOT, PROJECT_ROOT, cdktf_modules_loaded_by, run_main

STACKS = ["incident-manager-dev", "incident-manager-prod", "incident-manager-staging"]


@pytest.fixture
def project(tmp_path: Path) -> Path:
    """A copy of the app (code, the example environments and runbooks) where files can be
    broken safely."""
    root = copy_project(tmp_path)
    for folder in ("environments", "runbooks"):
        shutil.rmtree(root / "stacks" / folder)
        shutil.copytree(EXAMPLES_ROOT / "stacks" / folder, root / "stacks" / folder)
    shutil.rmtree(root / "stacks" / "terraform-locks", ignore_errors=True)
    return root


def tree_digest(directory: Path) -> dict[str, str]:
    return {
        p.relative_to(directory).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(directory.rglob("*"))
        if p.is_file()
    }


def stack_dirs(project: Path) -> list[str]:
    return sorted(p.name for p in (project / "cdktf.out" / "stacks").iterdir())


def manifest_stacks(project: Path) -> list[str]:
    manifest = json.loads((project / "cdktf.out" / "manifest.json").read_text(encoding="utf-8"))
    return sorted(manifest["stacks"])


def test_synthesizes_every_environment_into_readable_cdktf_out(project: Path) -> None:
    # A full synth also brings a repository's atlantis.yaml in step with the environments.
    (project / ATLANTIS_FILE).write_text("projects: []\n", encoding="utf-8")
    result = run_main(project)
    assert result.returncode == 0, result.stderr
    assert manifest_stacks(project) == STACKS
    assert result.stderr == ""
    assert "updated      atlantis.yaml" in result.stdout
    assert (project / ATLANTIS_FILE).read_text(encoding="utf-8") == atlantis_yaml(project)
    assert f"name: {STACKS[0]}" in atlantis_yaml(project)
    # Readable by the team's other tools and users, like any output (mkdtemp makes 0700).
    for directory in (project / "cdktf.out", project / "cdktf.out" / "stacks" / STACKS[0]):
        assert stat.S_IMODE(directory.stat().st_mode) == 0o755, directory


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


def test_a_file_that_is_not_utf8_is_a_config_error_not_a_traceback(project: Path) -> None:
    dev = project / "stacks" / "environments" / "dev.yaml"
    data = dev.read_bytes()
    # A display name typed on a legacy code page: 'é' as the single byte 0xe9.
    dev.write_bytes(data.replace(b"Dev Incident Responder", b"Dev Incident R\xe9sponder", 1))
    line = data[: data.index(b"Dev Incident Responder")].count(b"\n") + 1
    for command in ([], ["check"]):
        result = run_main(project, *command)
        assert result.returncode == 2, result.stderr
        assert "Traceback" not in result.stderr
        assert (
            f"stacks/environments/dev.yaml:{line}: not UTF-8 text (line {line}, byte 0xe9); "
            "save the file as UTF-8"
        ) in result.stderr


def test_yml_files_are_environments_too(project: Path) -> None:
    environments = project / "stacks" / "environments"
    (environments / "dev.yaml").rename(environments / "qa.yml")
    result = run_main(project, "check")
    assert result.returncode == 0, result.stderr
    assert "ok  incident-manager-qa  (stacks/environments/qa.yml)" in result.stdout.splitlines()
    shutil.copy(environments / "qa.yml", environments / "qa.yaml")
    twice = run_main(project, "check")
    assert twice.returncode == 2
    assert "environment 'qa' has two files (qa.yaml and qa.yml); keep one" in twice.stderr


def test_check_validates_without_writing_anything(project: Path) -> None:
    for command in (["check"], ["--check"]):
        result = run_main(project, *command)
        assert result.returncode == 0
        assert result.stdout.splitlines() == [
            "ok  incident-manager-dev  (stacks/environments/dev.yaml)",
            "ok  incident-manager-prod  (stacks/environments/prod.yaml)",
            "ok  incident-manager-staging  (stacks/environments/staging.yaml)",
        ]
    assert not (project / "cdktf.out").exists()


def test_named_environments_rewrite_only_their_own_stack_and_a_full_synth_prunes(
    project: Path,
) -> None:
    assert run_main(project).returncode == 0
    prod_dir = project / "cdktf.out" / "stacks" / "incident-manager-prod"
    dev_dir = project / "cdktf.out" / "stacks" / "incident-manager-dev"
    # What people and Terraform put in stack directories.
    (prod_dir / "secrets.auto.tfvars").write_text('a = "x@example.com"\n', encoding="utf-8")
    (dev_dir / "secrets.auto.tfvars").write_text('b = "y@example.com"\n', encoding="utf-8")
    (dev_dir / ".terraform.lock.hcl").write_text("# lock\n", encoding="utf-8")
    (dev_dir / ".terraform").mkdir()
    (dev_dir / "tfplan").write_text("stale plan", encoding="utf-8")
    (dev_dir / "cloud_override.tf.json").write_text('{"terraform": {}}', encoding="utf-8")
    prod_before = tree_digest(prod_dir)

    result = run_main(project, "synth", "dev")
    assert result.returncode == 0, result.stderr
    assert stack_dirs(project) == STACKS
    assert manifest_stacks(project) == STACKS
    assert tree_digest(prod_dir) == prod_before
    assert (dev_dir / "secrets.auto.tfvars").read_text(encoding="utf-8") == 'b = "y@example.com"\n'
    assert (dev_dir / ".terraform.lock.hcl").read_text(encoding="utf-8") == "# lock\n"
    assert (dev_dir / ".terraform").is_dir()
    # An override file (an HCP Terraform `cloud` block, docs/hcp-terraform.md) stays too.
    assert (dev_dir / "cloud_override.tf.json").read_text(encoding="utf-8") == '{"terraform": {}}'
    # A saved plan no longer matches the configuration: it goes.
    assert not (dev_dir / "tfplan").exists()

    # A full synth drops the stack of an environment whose file is gone, and puts a lock file
    # committed under stacks/terraform-locks/ into its stack.
    (project / "stacks" / "environments" / "staging.yaml").unlink()
    locks = project / "stacks" / "terraform-locks"
    locks.mkdir()
    (locks / "incident-manager-prod.terraform.lock.hcl").write_text("# committed\n", "utf-8")
    result = run_main(project)
    assert result.returncode == 0, result.stderr
    assert stack_dirs(project) == ["incident-manager-dev", "incident-manager-prod"]
    assert manifest_stacks(project) == ["incident-manager-dev", "incident-manager-prod"]
    assert (prod_dir / ".terraform.lock.hcl").read_text(encoding="utf-8") == "# committed\n"
    assert (prod_dir / "secrets.auto.tfvars").is_file()

    unknown = run_main(project, "prd")
    assert unknown.returncode == 2
    assert "no environment 'prd'; did you mean 'prod'?" in unknown.stderr


def test_check_loads_neither_cdktf_nor_the_provider() -> None:
    assert cdktf_modules_loaded_by("import main\nassert main.main(['check']) == 0") == []


def test_adopt_loads_cdktf_only_for_its_plan() -> None:
    # `adopt --help`, `--no-plan` and a refusal never synthesize: 0.3 s instead of 2.8.
    code = "import main\nfrom stacks.adopt import command, first_plan, plan_check"
    assert cdktf_modules_loaded_by(code) == []


def test_secrets_names_every_variable_to_supply(project: Path) -> None:
    expected = [
        "incident-manager-staging  TF_VAR_stg_incident_responder__email  "
        "(EMAIL of stg-incident-responder / email)",
        "incident-manager-staging  TF_VAR_stg_incident_responder__mobile  "
        "(SMS of stg-incident-responder / mobile)",
        "incident-manager-staging  TF_VAR_stg_sr_incident_responder__email  "
        "(EMAIL of stg-sr-incident-responder / email)",
    ]
    for command in (["secrets", "staging"], ["--list-secrets", "staging"]):
        result = run_main(project, *command)
        assert result.returncode == 0, result.stderr
        assert result.stdout.splitlines() == expected


def test_secrets_missing_names_each_unset_variable_and_exits_2(
    project: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    stack_dir = project / "cdktf.out" / "stacks" / "incident-manager-staging"
    stack_dir.mkdir(parents=True)
    (stack_dir / "secrets.auto.tfvars").write_text(
        'stg_incident_responder__email = "a@example.com"\n', encoding="utf-8"
    )
    monkeypatch.setenv("TF_VAR_stg_sr_incident_responder__email", "b@example.com")
    monkeypatch.setenv("TF_VAR_stg_incident_responder__mobile", "")  # empty is not a value
    result = run_main(project, "secrets", "--missing", "staging")
    assert result.returncode == 2
    assert result.stderr.splitlines() == [
        "1 secret address not supplied; set each as an environment variable (or in the stack "
        "directory's secrets.auto.tfvars) before planning:",
        "  incident-manager-staging  TF_VAR_stg_incident_responder__mobile  "
        "(SMS of stg-incident-responder / mobile)",
    ]
    monkeypatch.setenv("TF_VAR_stg_incident_responder__mobile", "+12065550100")
    assert run_main(project, "secrets", "--missing", "staging").returncode == 0


@pytest.mark.parametrize("command", [[], ["synth"], ["check"], ["secrets"]])
def test_help_shows_examples_exit_codes_and_variables(command: list[str]) -> None:
    result = run_main(PROJECT_ROOT, *command, "--help")
    assert result.returncode == 0, result.stderr
    text = result.stdout
    assert "examples:" in text
    assert "exit status:" in text and "  2  a problem in an environment file" in text
    if command:
        assert "environment variables:" in text
        assert "IM_ENVIRONMENTS" in text
    else:
        for name in ("synth", "check", "secrets"):
            assert f"    {name} " in text
