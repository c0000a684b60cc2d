"""``cdktf deploy incident-manager-<env>`` for real, once: the pinned cdktf CLI synthesizes and
applies one environment against the local Incident Manager, pointed there only by the standard
AWS variables (AWS_ENDPOINT_URL, keys, region), as a person would after ``make local-aws``.

The environment is the first one that owns its replication set; it runs in a copy of the
project whose environment file keeps state in a local file (an S3 backend would need the
bucket first), so nothing in the repository is written.
"""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path

import pytest
from ruamel.yaml import YAML

from local_aws.local_apply import (
    has_replication_set,
    provider_version,
    stack_account,
    stack_region,
)
from local_aws.process import LocalAwsProcess
from local_aws.stack_inputs import placeholder_values, secret_address_types
from local_aws.terraform_setup import TerraformSetupError, find_mirror, write_cli_config
from tests.conftest import PROJECT_ROOT, main_environment
from tests.terraform.test_cdktf_cli import CLI, ensure_node_modules

COPIED = ("cdktf.json", "main.py", "constructs_lib", "stacks")


def cdktf_deploy(
    project: Path, environment: str, env: dict[str, str]
) -> subprocess.CompletedProcess[str]:
    """``cdktf deploy incident-manager-<environment> --auto-approve`` in ``project``; a failure
    fails the test with the CLI's output."""
    result = subprocess.run(
        [
            str(CLI),
            "deploy",
            f"incident-manager-{environment}",
            "--auto-approve",
            # `terraform providers lock` asks the public registry for every platform's
            # checksums; init already locked the provider from the mirror.
            "--skip-provider-lock",
        ],
        cwd=project,
        env=env,
        stdin=subprocess.DEVNULL,
        capture_output=True,
        text=True,
        timeout=900,
        check=False,
    )
    assert result.returncode == 0, f"{result.stdout[-4000:]}\n{result.stderr[-4000:]}"
    return result


def project_copy(destination: Path, environment: str) -> Path:
    destination.mkdir()
    for name in COPIED:
        source = PROJECT_ROOT / name
        if source.is_dir():
            shutil.copytree(
                source, destination / name, ignore=shutil.ignore_patterns("__pycache__")
            )
        else:
            shutil.copy2(source, destination / name)
    (destination / ".venv").symlink_to((PROJECT_ROOT / ".venv").resolve())
    path = destination / "stacks" / "environments" / f"{environment}.yaml"
    yaml = YAML()
    document = yaml.load(path.read_text(encoding="utf-8"))
    document.pop("backend", None)
    with path.open("w", encoding="utf-8") as out:
        yaml.dump(document, out)
    return destination


def test_cdktf_deploy_applies_an_environment(
    synthesized_environments: Path, tmp_path: Path
) -> None:
    ensure_node_modules()
    stacks = sorted((synthesized_environments / "stacks").iterdir())
    owners = [d for d in stacks if has_replication_set(json.loads((d / "cdk.tf.json").read_text()))]
    assert owners, "no environment owns a replication set: nothing can be deployed on its own"
    stack = json.loads((owners[0] / "cdk.tf.json").read_text(encoding="utf-8"))
    environment = owners[0].name.removeprefix("incident-manager-")
    project = project_copy(tmp_path / "project", environment)
    try:
        mirror = find_mirror(provider_version(stack))
    except TerraformSetupError as error:
        pytest.fail(str(error), pytrace=False)
    server = LocalAwsProcess.start(tmp_path / "server", stack_account(stack))
    try:
        env = {k: v for k, v in main_environment().items() if not k.startswith(("AWS_", "TF_"))}
        env.update(server.environment(stack_region(stack)))
        env.update(
            TF_CLI_CONFIG_FILE=str(write_cli_config(tmp_path / "terraform.tfrc", mirror)),
            TF_IN_AUTOMATION="1",
            CHECKPOINT_DISABLE="1",
            JSII_SILENCE_WARNING_END_OF_LIFE_NODE_VERSION="20",
            IM_ENVIRONMENTS=environment,
        )
        values = placeholder_values(stack, secret_address_types(PROJECT_ROOT))
        env.update({f"TF_VAR_{name}": str(value) for name, value in values.items()})
        cdktf_deploy(project, environment, env)
        import boto3  # type: ignore[import-untyped]

        client = boto3.client(
            "ssm-contacts",
            endpoint_url=server.url,
            region_name=stack_region(stack),
            aws_access_key_id="test-access-key",
            aws_secret_access_key="test-secret-key",
        )
        deployed = sorted(c["Alias"] for c in client.list_contacts()["Contacts"])
        expected = sorted(c["alias"] for c in stack["resource"]["aws_ssmcontacts_contact"].values())
        assert deployed == expected
    finally:
        server.stop()
    assert (project / f"terraform.incident-manager-{environment}.tfstate").is_file()
