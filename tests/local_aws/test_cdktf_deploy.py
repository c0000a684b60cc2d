"""``make deploy ENV=<env>`` for real, once, as a person without a terminal or a registry runs
it (a CI job): ``make local-aws ENV=<env>`` serves the local Incident Manager as the
environment's account and prints what to export (the AWS variables and a Terraform CLI config
that installs the provider from the mirror); ``make deploy`` without a terminal stops with a
message and status 2 (the cdktf CLI's approval prompt would crash, "Raw mode is not
supported"); with ``AUTO_APPROVE=1`` the pinned cdktf CLI synthesizes and applies, its
registry lock step skipped, so ``terraform init`` writes the lock file from the mirror, and the
provider's ``allowed_account_ids`` accepts the server (against moto's default account it
stopped with "AWS account ID not allowed").

The environment is the first one that owns its replication set, with an on-call schedule added
(a rotation, the schedule, an escalation plan engaging it): the schedule's provisioners run
from ``cdktf.out/stacks/<stack>/`` with the command as synthesized (the Python make gives them)
and reach the server only through those variables, as a person's would. It runs in a copy of
the project whose environment file keeps state in a local file (an S3 backend would need the
bucket first), so nothing in the repository is written.
"""

from __future__ import annotations

import json
import os
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
from local_aws.stack_inputs import placeholder_values, secret_address_types
from local_aws.terraform_setup import TerraformSetupError, find_mirror
from tests.conftest import PROJECT_ROOT, main_environment
from tests.local_aws.make_local_aws import make_local_aws
from tests.terraform.test_cdktf_cli import ensure_node_modules

COPIED = ("Makefile", "cdktf.json", "main.py", "constructs_lib", "stacks", "local_aws")

JSII_CACHE_VARIABLE = "JSII_RUNTIME_PACKAGE_CACHE_ROOT"


def jsii_package_cache() -> str:
    """Where jsii's runtime keeps the assemblies it unpacked for this user (its Linux default,
    from this process's HOME, unless the variable names another)."""
    default = Path.home() / ".cache" / "aws" / "jsii" / "package-cache"
    return os.environ.get(JSII_CACHE_VARIABLE) or str(default)


def make(
    project: Path, env: dict[str, str], *args: str, timeout: float = 900
) -> subprocess.CompletedProcess[str]:
    """``make ARGS`` in ``project`` with no terminal on stdin, as in a CI job. The copy shares
    this checkout's installs (symlinks; ensure_node_modules made sure of the CLI), so make is
    told not to install (INSTALLED=, NODE_INSTALLED=)."""
    return subprocess.run(
        ["make", "--no-print-directory", *args, "INSTALLED=", "NODE_INSTALLED="],
        cwd=project,
        env=env,
        stdin=subprocess.DEVNULL,
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )


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
    for installed in (".venv", "node_modules"):
        (destination / installed).symlink_to((PROJECT_ROOT / installed).resolve())
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


def _assert_deployed(env: dict[str, str], region: str, account: str, aliases: list[str]) -> None:
    """The server holds every contact of the environment, and the added schedule with its
    rotation, engaged by the added escalation plan."""
    import boto3  # type: ignore[import-untyped]

    schedule_arn = f"arn:aws:ssm-contacts:{region}:{account}:contact/{SCHEDULE}"

    client = boto3.client(
        "ssm-contacts",
        endpoint_url=env["AWS_ENDPOINT_URL"],
        region_name=region,
        aws_access_key_id=env["AWS_ACCESS_KEY_ID"],
        aws_secret_access_key=env["AWS_SECRET_ACCESS_KEY"],
    )
    deployed_aliases = sorted(c["Alias"] for c in client.list_contacts()["Contacts"])
    assert deployed_aliases == sorted([*aliases, SCHEDULE, ESCALATION])
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


def test_make_deploy_without_a_terminal_applies_only_when_asked_and_without_the_registry(
    synthesized_environments: Path, tmp_path: Path
) -> None:
    """One deploy for what were two tests: the example environment is applied (every contact
    it defines is in the server, the state in the project's local file), and the on-call
    schedule added to it is created with its rotation and engaged by the escalation plan; the
    make targets around it work without a terminal and without the registry (issue 21)."""
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
        find_mirror(provider_version(stack))
    except TerraformSetupError as error:
        pytest.fail(str(error), pytrace=False)
    region, account = stack_region(stack), stack_account(stack)
    # The provider refuses any other account ("AWS account ID not allowed: 123456789012", what
    # `make plan-check` and `make deploy` met against moto's default account): the deploy below
    # passing is the server answering as the environment's account. (A `make plan-check` after
    # it would show the same for plain Terraform, at ~15 CPU-seconds more.)
    assert account is not None, "the stack names no allowed account"
    # As on a first deploy: no lock file committed yet (stacks/terraform-locks/), so the cdktf
    # CLI would run its registry lock step.
    shutil.rmtree(project / "stacks" / "terraform-locks", ignore_errors=True)
    env = {
        k: v
        for k, v in main_environment().items()
        if not k.startswith(("AWS_", "TF_", "IM_PYTHON", "MOTO_", "MAKE", "MFLAGS"))
    }
    # A HOME of its own: no ~/.terraformrc of this machine decides how providers install.
    env["HOME"] = str(tmp_path / "home")
    # jsii's package cache stays the machine's: under an empty HOME each synthesis would unpack
    # the provider's 34 MB assembly again (~7 CPU-seconds each), which proves nothing here.
    env[JSII_CACHE_VARIABLE] = jsii_package_cache()
    with make_local_aws(project, env, f"ENV={environment}", "INSTALLED=") as server:
        assert server.banner.endswith(f"(account {account})"), server.banner
        env = server.environment
        assert env["AWS_REGION"] == region
        assert Path(env["TF_CLI_CONFIG_FILE"]).is_file()
        values = placeholder_values(stack, secret_address_types(PROJECT_ROOT))
        env.update({f"TF_VAR_{name}": str(value) for name, value in values.items()})
        env.update(TF_IN_AUTOMATION="1", IM_ENVIRONMENTS=environment)

        refused = make(project, env, "deploy", f"ENV={environment}")
        assert refused.returncode == 2, refused.stdout + refused.stderr
        assert "no terminal to ask for approval on" in refused.stderr
        assert "Raw mode" not in refused.stdout + refused.stderr
        stack_dir = project / "cdktf.out" / "stacks" / f"incident-manager-{environment}"
        assert not (stack_dir / ".terraform.lock.hcl").exists()

        deployed = make(project, env, "deploy", f"ENV={environment}", "AUTO_APPROVE=1")
        assert deployed.returncode == 0, f"{deployed.stdout[-4000:]}\n{deployed.stderr[-4000:]}"
        assert "--auto-approve --skip-provider-lock" in deployed.stdout
        schedule_arn = f"arn:aws:ssm-contacts:{region}:{account}:contact/{SCHEDULE}"
        assert "created on-call schedule " + schedule_arn in deployed.stdout
        # The lock file terraform init wrote from the mirror (no registry was asked).
        lock = (stack_dir / ".terraform.lock.hcl").read_text(encoding="utf-8")
        assert 'provider "registry.terraform.io/hashicorp/aws"' in lock
        assert f'version     = "{provider_version(stack)}"' in lock

        _assert_deployed(env, region, account, aliases)
    assert (project / f"terraform.incident-manager-{environment}.tfstate").is_file()
