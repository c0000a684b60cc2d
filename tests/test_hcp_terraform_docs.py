"""docs/hcp-terraform.md: the versions it names are the project's, its commands parse, and its
``cloud`` override replaces a synthesized stack's backend in real Terraform (offline: the
hostname is a closed port on 127.0.0.1, so init stops at HCP Terraform's discovery)."""

from __future__ import annotations

import json
import re
import socket
import subprocess
from pathlib import Path
from typing import Any

from tests.conftest import PROJECT_ROOT

PAGE = PROJECT_ROOT / "docs" / "hcp-terraform.md"


def _page() -> str:
    return PAGE.read_text(encoding="utf-8")


def _cloud_override() -> dict[str, Any]:
    (block,) = re.findall(r"```json\n(.*?)```", _page(), flags=re.DOTALL)
    override: dict[str, Any] = json.loads(block)
    return override


def test_the_versions_it_names_are_the_projects() -> None:
    from local_aws.terraform_setup import MINIMUM_VERSION

    page = _page()
    (boto3,) = re.findall(r"^boto3==(\S+)$", (PROJECT_ROOT / "requirements.txt").read_text(), re.M)
    assert f"| boto3 | {boto3}, as pinned in `requirements.txt`" in page
    assert f"pip install boto3=={boto3}" in page
    assert f"| Terraform | {MINIMUM_VERSION[0]}.{MINIMUM_VERSION[1]} or later" in page
    (provider,) = re.findall(r"\| hashicorp/aws \| exactly (\S+) \|", page)
    snapshots = sorted((PROJECT_ROOT / "tests" / "stacks" / "__snapshots__").rglob("*.json"))
    assert snapshots
    for snapshot in snapshots:
        stack = json.loads(snapshot.read_text(encoding="utf-8"))
        assert stack["terraform"]["required_providers"]["aws"]["version"] == provider, snapshot


def test_its_cloud_block_names_the_stacks_workspace() -> None:
    cloud = _cloud_override()["terraform"]["cloud"]
    assert cloud["workspaces"] == {"name": "incident-manager-prod"}
    assert "cd cdktf.out/stacks/incident-manager-prod" in _page()
    assert "Save it as `cloud_override.tf.json`" in _page()


def test_its_plan_commands_parse(tmp_path: Path) -> None:
    """``.venv/bin/python -m stacks.plan.plan_guard|drift_check tfplan.json``: each module's own
    parser accepts the documented arguments (a missing plan is then reported as bad input)."""
    from stacks.plan import drift_check, plan_guard

    commands = re.findall(r"^\.venv/bin/python -m (\S+) ([^#\n]*?)\s+#", _page(), flags=re.M)
    assert [module for module, _ in commands] == [
        "stacks.plan.plan_guard",
        "stacks.plan.drift_check",
    ]
    for _, arguments in commands:
        assert arguments.split() == ["tfplan.json"]
    missing = str(tmp_path / "tfplan.json")
    assert plan_guard.main([missing]) == 2
    assert drift_check._parser().parse_args([missing]).plan_json == Path(missing)


def _closed_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
    return port


def test_the_cloud_override_replaces_the_synthesized_backend(tmp_path: Path) -> None:
    from local_aws.terraform_setup import find_terraform_binary

    terraform, _ = find_terraform_binary()
    # The backend a synthesized stack has (local, as the example dev's), nothing else: init
    # then needs no provider.
    (tmp_path / "cdk.tf.json").write_text(
        json.dumps({"terraform": {"backend": {"local": {"path": "state.tfstate"}}}}),
        encoding="utf-8",
    )
    override = _cloud_override()
    override["terraform"]["cloud"]["hostname"] = f"127.0.0.1:{_closed_port()}"
    (tmp_path / "cloud_override.tf.json").write_text(json.dumps(override), encoding="utf-8")
    init = subprocess.run(
        [str(terraform), "init", "-input=false", "-no-color"],
        cwd=tmp_path,
        env={"PATH": "/usr/bin:/bin", "CHECKPOINT_DISABLE": "1", "HOME": str(tmp_path)},
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    output = init.stdout + init.stderr
    assert init.returncode == 1, output
    assert "Initializing HCP Terraform..." in output
    assert "Initializing the backend..." not in output
    assert "connection refused" in output
