"""``cdktf deploy incident-manager-<env>`` for real, once: the pinned cdktf CLI synthesizes and
applies one environment against the local Incident Manager, pointed there only by the standard
AWS variables (AWS_ENDPOINT_URL, keys, region), as a person would after ``make local-aws``.

The environment is the first one that owns its replication set, with an on-call schedule added
(a rotation, the schedule, an escalation plan engaging it): the schedule's provisioners run
from ``cdktf.out/stacks/<stack>/`` with the command as synthesized and reach the server only
through those variables, as a person's would. It runs in a copy of the project whose
environment file keeps state in a local file (an S3 backend would need the bucket first), so
nothing in the repository is written.
"""

from __future__ import annotations

import json
import shutil
import subprocess
from collections.abc import Mapping
from pathlib import Path
from typing import Any

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


def project_copy(
    destination: Path, environment: str, additions: Mapping[str, list[Any]] | None = None
) -> Path:
    """What ``cdktf deploy`` needs of the project, copied to ``destination``; the environment's
    file without its backend (state in a local file), ``additions`` appended to its lists."""
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
    for key, entries in (additions or {}).items():
        document.setdefault(key, []).extend(entries)
    with path.open("w", encoding="utf-8") as out:
        yaml.dump(document, out)
    return destination


# The schedule added to the environment; its rotation pages the environment's first contact.
SCHEDULE = "cdktf-deploy-oncall"
ROTATION = "cdktf-deploy-weekdays"
ESCALATION = "cdktf-deploy-escalation"


def schedule_additions(first_contact: str) -> dict[str, list[Any]]:
    return {
        "rotations": [
            {
                "name": ROTATION,
                "contacts": [first_contact],
                "time_zone": "Etc/UTC",
                "start_time": "2026-01-05T08:00:00+00:00",
                "hand_off": {"daily": ["08:00"]},
            }
        ],
        "oncall_schedules": [
            {"alias": SCHEDULE, "display_name": "App on-call", "rotations": [ROTATION]}
        ],
        "escalation_plans": [
            {
                "alias": ESCALATION,
                "stages": [{"duration_minutes": 0, "targets": [{"contact": SCHEDULE}]}],
            }
        ],
    }


def test_cdktf_deploy_applies_an_environment_and_creates_its_schedule_with_its_rotations(
    synthesized_environments: Path, tmp_path: Path
) -> None:
    """One deploy for what were two tests: the example environment is applied (every contact
    it defines is in the server, the state in the project's local file), and the on-call
    schedule added to it is created with its rotation and engaged by the escalation plan
    (test_oncall_schedule_cdktf_deploy.py's test_cdktf_deploy_creates_the_schedule_with_its_
    rotations)."""
    ensure_node_modules()
    stacks = sorted((synthesized_environments / "stacks").iterdir())
    owners = [d for d in stacks if has_replication_set(json.loads((d / "cdk.tf.json").read_text()))]
    assert owners, "no environment owns a replication set: nothing can be deployed on its own"
    stack = json.loads((owners[0] / "cdk.tf.json").read_text(encoding="utf-8"))
    environment = owners[0].name.removeprefix("incident-manager-")
    aliases = sorted(c["alias"] for c in stack["resource"]["aws_ssmcontacts_contact"].values())
    assert not {SCHEDULE, ESCALATION} & set(aliases), aliases
    first_contact = next(
        c["alias"]
        for c in stack["resource"]["aws_ssmcontacts_contact"].values()
        if c["type"] == "PERSONAL"
    )
    project = project_copy(tmp_path / "project", environment, schedule_additions(first_contact))
    try:
        mirror = find_mirror(provider_version(stack))
    except TerraformSetupError as error:
        pytest.fail(str(error), pytrace=False)
    region, account = stack_region(stack), stack_account(stack)
    server = LocalAwsProcess.start(tmp_path / "server", account)
    try:
        env = {
            k: v
            for k, v in main_environment().items()
            if not k.startswith(("AWS_", "TF_", "IM_PYTHON"))
        }
        # The provisioners run the stack directory's copy of their package, with the project's
        # Python as make gives it (make deploy sets IM_PYTHON).
        env["IM_PYTHON"] = str(project / ".venv" / "bin" / "python")
        env.update(server.environment(region))
        env.update(
            TF_CLI_CONFIG_FILE=str(write_cli_config(tmp_path / "terraform.tfrc", mirror)),
            TF_IN_AUTOMATION="1",
            CHECKPOINT_DISABLE="1",
            JSII_SILENCE_WARNING_END_OF_LIFE_NODE_VERSION="20",
            IM_ENVIRONMENTS=environment,
        )
        values = placeholder_values(stack, secret_address_types(PROJECT_ROOT))
        env.update({f"TF_VAR_{name}": str(value) for name, value in values.items()})
        result = cdktf_deploy(project, environment, env)
        schedule_arn = f"arn:aws:ssm-contacts:{region}:{account}:contact/{SCHEDULE}"
        assert "created on-call schedule " + schedule_arn in result.stdout
        import boto3  # type: ignore[import-untyped]

        client = boto3.client(
            "ssm-contacts",
            endpoint_url=server.url,
            region_name=region,
            aws_access_key_id="test-access-key",
            aws_secret_access_key="test-secret-key",
        )
        deployed = sorted(c["Alias"] for c in client.list_contacts()["Contacts"])
        assert deployed == sorted([*aliases, SCHEDULE, ESCALATION])
        schedule = client.get_contact(ContactId=schedule_arn)
        (rotation,) = [r for r in client.list_rotations()["Rotations"] if r["Name"] == ROTATION]
        assert schedule["Type"] == "ONCALL_SCHEDULE"
        assert schedule["Plan"]["RotationIds"] == [rotation["RotationArn"]]
        plan = client.get_contact(
            ContactId=f"arn:aws:ssm-contacts:{region}:{account}:contact/{ESCALATION}"
        )
        assert plan["Plan"]["Stages"][0]["Targets"][0]["ContactTargetInfo"]["ContactId"] == (
            schedule_arn
        )
    finally:
        server.stop()
    assert (project / f"terraform.incident-manager-{environment}.tfstate").is_file()
