"""``cdktf deploy`` of an environment with an on-call schedule, against the local Incident
Manager: the pinned cdktf CLI synthesizes and applies it, and the schedule's provisioners run
from ``cdktf.out/stacks/<stack>/`` with the command as synthesized, reaching the server only
through the standard AWS variables (AWS_ENDPOINT_URL, keys, region), as a person's would."""

from __future__ import annotations

from pathlib import Path

import pytest

from local_aws.process import LocalAwsProcess
from local_aws.terraform_setup import TerraformSetupError, find_mirror, write_cli_config
from tests.conftest import main_environment
from tests.local_aws.test_cdktf_deploy import cdktf_deploy, project_copy
from tests.terraform.test_cdktf_cli import ensure_node_modules

ACCOUNT = "123456789012"
REGION = "us-east-1"
ENVIRONMENT = "oncall"
SCHEDULE_ARN = f"arn:aws:ssm-contacts:{REGION}:{ACCOUNT}:contact/app-oncall"
ONCALL_ENVIRONMENT = f"""\
account_id: "{ACCOUNT}"
region: {REGION}
replication_set:
  regions: [{REGION}]
  prevent_destroy: false
contacts:
  - alias: alice
    channels: [{{name: email, type: EMAIL, address: alice@example.com}}]
    engagement: [{{channel: email, at_minute: 0}}]
rotations:
  - name: weekdays
    contacts: [alice]
    time_zone: Etc/UTC
    start_time: 2026-01-05T08:00:00+00:00
    hand_off: {{daily: ["08:00"]}}
oncall_schedules:
  - alias: app-oncall
    display_name: App on-call
    rotations: [weekdays]
escalation_plans:
  - alias: app-escalation
    stages:
      - duration_minutes: 0
        targets: [{{contact: app-oncall}}]
"""


def test_cdktf_deploy_creates_the_schedule_with_its_rotations(tmp_path: Path) -> None:
    ensure_node_modules()
    project = project_copy(tmp_path / "project", "dev")
    (project / "stacks" / "environments" / f"{ENVIRONMENT}.yaml").write_text(
        ONCALL_ENVIRONMENT, encoding="utf-8"
    )
    try:
        mirror = find_mirror("5.100.0")
    except TerraformSetupError as error:
        pytest.fail(str(error), pytrace=False)
    server = LocalAwsProcess.start(tmp_path / "server", ACCOUNT)
    try:
        env = {
            k: v
            for k, v in main_environment().items()
            if not k.startswith(("AWS_", "TF_", "IM_PYTHON"))
        }
        env.update(server.environment(REGION))
        env.update(
            TF_CLI_CONFIG_FILE=str(write_cli_config(tmp_path / "terraform.tfrc", mirror)),
            TF_IN_AUTOMATION="1",
            CHECKPOINT_DISABLE="1",
            JSII_SILENCE_WARNING_END_OF_LIFE_NODE_VERSION="20",
            IM_ENVIRONMENTS=ENVIRONMENT,
        )
        result = cdktf_deploy(project, ENVIRONMENT, env)
        assert "created on-call schedule " + SCHEDULE_ARN in result.stdout
        import boto3  # type: ignore[import-untyped]

        client = boto3.client(
            "ssm-contacts",
            endpoint_url=server.url,
            region_name=REGION,
            aws_access_key_id="test-access-key",
            aws_secret_access_key="test-secret-key",
        )
        schedule = client.get_contact(ContactId=SCHEDULE_ARN)
        (rotation,) = client.list_rotations()["Rotations"]
        assert schedule["Type"] == "ONCALL_SCHEDULE"
        assert schedule["Plan"]["RotationIds"] == [rotation["RotationArn"]]
        plan = client.get_contact(
            ContactId=f"arn:aws:ssm-contacts:{REGION}:{ACCOUNT}:contact/app-escalation"
        )
        assert plan["Plan"]["Stages"][0]["Targets"][0]["ContactTargetInfo"]["ContactId"] == (
            SCHEDULE_ARN
        )
    finally:
        server.stop()
