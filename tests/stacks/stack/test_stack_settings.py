"""Terraform settings a reviewer expects in every stack: the provider's full source, the
Terraform version the backend needs, and the ARNs other tools need as outputs."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from stacks.config.environment_loader import load_environments
from tests.conftest import PROJECT_ROOT, environment_names


@pytest.mark.parametrize("environment", environment_names())
def test_provider_source_terraform_version_and_arn_outputs(
    environment: str, synthesized_environments: Path
) -> None:
    (config,) = [e.config for e in load_environments(PROJECT_ROOT, [environment])]
    stack = json.loads(
        (
            synthesized_environments / "stacks" / f"incident-manager-{environment}" / "cdk.tf.json"
        ).read_text(encoding="utf-8")
    )
    terraform = stack["terraform"]
    assert terraform["required_providers"]["aws"]["source"] == "hashicorp/aws"
    # The S3 backend's lock file needs Terraform 1.10; import blocks need 1.5.
    uses_lockfile = terraform["backend"].get("s3", {}).get("use_lockfile") is True
    assert terraform["required_version"] == (">= 1.10" if uses_lockfile else ">= 1.5")

    outputs = stack.get("output", {})
    expected = {
        "contact_arns": [c.alias for c in config.contacts],
        "escalation_plan_arns": [p.alias for p in config.escalation_plans],
        "rotation_arns": [r.name for r in config.rotations],
        "response_plan_arns": [p.name for p in config.response_plans],
    }
    for name, keys in expected.items():
        if keys:
            assert sorted(outputs[name]["value"]) == sorted(keys), name
        else:
            assert name not in outputs
    assert ("replication_set_arn" in outputs) is not config.replication_set.existing


def test_cdktf_test_stacks_write_into_the_session_temp_folder() -> None:
    """cdktf's Testing.app() makes a folder in the system temp directory per test stack and
    never removes it: the session redirects TMPDIR into a folder it removes at the end."""
    from cdktf import Testing

    from tests.conftest import SESSION_TEMP

    app = Testing.app()
    assert Path(app.outdir).parent == SESSION_TEMP
