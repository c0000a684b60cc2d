"""atlantis.yaml: current (regenerated == committed), one project per stack for 30 generated
environments as for the examples, and only Atlantis's documented repo-level keys. Its
workflow's steps run in tests/workflows/test_simulated_runs.py (the plan after the merge)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path
from typing import Any

from ruamel.yaml import YAML

from stacks.commands.atlantis import ATLANTIS_FILE, atlantis_yaml
from stacks.layout import PROJECT_ROOT

# The keys Atlantis documents for a repo-level atlantis.yaml, from
# https://www.runatlantis.io/docs/repo-level-atlantis-yaml (Reference: Top-Level Keys, Project,
# Autoplan; its "Example Using All Keys") and
# https://www.runatlantis.io/docs/custom-workflows (Reference: Workflow, Stage, Step: the
# built-in steps and the `run`, `env` and `multienv` steps).
DOCUMENTED = {
    "top": {
        "version",
        "automerge",
        "delete_source_branch_on_merge",
        "parallel_plan",
        "parallel_apply",
        "projects",
        "workflows",
        "allowed_regexp_prefixes",
    },
    "project": {
        "name",
        "branch",
        "dir",
        "workspace",
        "execution_order_group",
        "delete_source_branch_on_merge",
        "repo_locking",
        "autoplan",
        "terraform_version",
        "apply_requirements",
        "workflow",
    },
    "autoplan": {"enabled", "when_modified"},
    "workflow": {"plan", "apply", "import", "state_rm", "policy_check"},
    "stage": {"steps"},
    "step": {
        "init",
        "plan",
        "apply",
        "show",
        "policy_check",
        "import",
        "state_rm",
        "version",
        "run",
        "env",
        "multienv",
    },
}


def load(text: str) -> dict[str, Any]:
    loaded: dict[str, Any] = YAML(typ="safe", pure=True).load(text)
    return loaded


def undocumented(config: dict[str, Any]) -> list[str]:
    """Every key of ``config`` that Atlantis does not document where it stands."""
    found = [f"top: {k}" for k in set(config) - DOCUMENTED["top"]]
    for project in config.get("projects", []):
        found += [f"project: {k}" for k in set(project) - DOCUMENTED["project"]]
        found += [
            f"autoplan: {k}" for k in set(project.get("autoplan", {})) - DOCUMENTED["autoplan"]
        ]
    for workflow in config.get("workflows", {}).values():
        found += [f"workflow: {k}" for k in set(workflow) - DOCUMENTED["workflow"]]
        for stage in workflow.values():
            found += [f"stage: {k}" for k in set(stage) - DOCUMENTED["stage"]]
            for step in stage["steps"]:
                keys = {step} if isinstance(step, str) else set(step)
                found += [f"step: {k}" for k in keys - DOCUMENTED["step"]]
    return sorted(found)


def test_committed_file_is_current() -> None:
    committed = (PROJECT_ROOT / ATLANTIS_FILE).read_text(encoding="utf-8")
    assert committed == atlantis_yaml(PROJECT_ROOT), "run `make atlantis` and commit it"
    checked = subprocess.run(
        [sys.executable, "main.py", "atlantis", "--check"],
        cwd=PROJECT_ROOT,
        capture_output=True,
        text=True,
        check=False,
    )
    assert checked.returncode == 0, checked.stderr


def test_only_documented_keys() -> None:
    config = load(atlantis_yaml(PROJECT_ROOT))
    assert config["version"] == 3
    assert undocumented(config) == []
    # The check itself catches a key Atlantis does not know.
    config["projects"][0]["autoplan"]["when_changed"] = []
    assert undocumented(config) == ["autoplan: when_changed"]


def test_one_project_per_stack_for_thirty_environments(tmp_path: Path) -> None:
    environments = tmp_path / "stacks" / "environments"
    environments.mkdir(parents=True)
    names = [f"team{a:02d}-{e}" for a in range(10) for e in ("prod", "stage", "dev")]
    for name in names:
        (environments / f"{name}.yaml").write_text("account_id: '1'\n", encoding="utf-8")
    config = load(atlantis_yaml(tmp_path))
    projects = config["projects"]
    assert [p["name"] for p in projects] == sorted(f"incident-manager-{n}" for n in names)
    for project in projects:
        directory = tmp_path / project["dir"]
        assert project["dir"] == f"cdktf.out/stacks/{project['name']}"
        environment = project["name"].removeprefix("incident-manager-")
        own = (directory / project["autoplan"]["when_modified"][0]).resolve()
        # when_modified is relative to dir: it names the environment's own file.
        assert own == (environments / f"{environment}.yaml").resolve()
        assert project["workflow"] in config["workflows"]
