"""What a local working copy (``LocalWorkdir.load``, used by rehearse and the deploy cycles)
takes from a stack directory."""

from __future__ import annotations

import json
from pathlib import Path

from local_aws.local_apply import OVERRIDE_FILE, LocalWorkdir, TerraformCli


def test_a_teams_override_files_and_state_stay_behind(tmp_path: Path) -> None:
    stack_dir = tmp_path / "stack"
    stack_dir.mkdir()
    stack = {"terraform": {"backend": {"local": {"path": "x.tfstate"}}}, "provider": {"aws": [{}]}}
    (stack_dir / "cdk.tf.json").write_text(json.dumps(stack), encoding="utf-8")
    (stack_dir / "cloud_override.tf.json").write_text('{"terraform": {"cloud": {}}}', "utf-8")
    (stack_dir / "override.tf").write_text("terraform {}\n", encoding="utf-8")
    (stack_dir / "terraform.tfstate").write_text("{}", encoding="utf-8")
    (stack_dir / "secrets.auto.tfvars").write_text('a = "b"\n', encoding="utf-8")
    # Not an override by Terraform's rule (no "_" before "override"): an ordinary file, copied.
    (stack_dir / "myoverride.tf.json").write_text("{}", encoding="utf-8")

    work = LocalWorkdir(
        tmp_path / "work",
        TerraformCli(Path("terraform"), tmp_path / "cli.tfrc"),
        "http://127.0.0.1:1",
        tmp_path / "local.tfstate",
    )
    work.load(stack_dir, {})

    copied = sorted(p.name for p in work.path.iterdir())
    assert "cloud_override.tf.json" not in copied
    assert "override.tf" not in copied
    assert "terraform.tfstate" not in copied
    kept = {"cdk.tf.json", "secrets.auto.tfvars", "myoverride.tf.json", OVERRIDE_FILE}
    assert kept <= set(copied)
