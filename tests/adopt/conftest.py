"""The local Incident Manager of tests/local_aws (a server thread, reset per test), and the
environment ``adopt`` runs with against it: the server through ``AWS_ENDPOINT_URL`` and fake
keys (boto3 and the provider both follow them), Terraform's provider from the mirror."""

from __future__ import annotations

import pytest

from local_aws.moto_glue import LocalServer
from local_aws.server import FAKE_ACCESS_KEY, FAKE_SECRET_KEY
from local_aws.terraform_setup import installed_mirror, write_cli_config
from tests.local_aws.conftest import aws, local_server

__all__ = ["account_env", "aws", "local_server"]


@pytest.fixture
def account_env(
    local_server: LocalServer,
    monkeypatch: pytest.MonkeyPatch,
    tmp_path_factory: pytest.TempPathFactory,
) -> None:
    for name in ("AWS_PROFILE", "AWS_SESSION_TOKEN", "AWS_REGION", "AWS_DEFAULT_REGION"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("AWS_ENDPOINT_URL", local_server.url)
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", FAKE_ACCESS_KEY)
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", FAKE_SECRET_KEY)
    monkeypatch.setenv("AWS_EC2_METADATA_DISABLED", "true")
    mirror = installed_mirror()
    assert mirror is not None, "no hashicorp/aws provider mirror (local_aws/terraform_setup.py)"
    config = write_cli_config(tmp_path_factory.mktemp("terraform") / "terraform.tfrc", mirror)
    monkeypatch.setenv("TF_CLI_CONFIG_FILE", str(config))
