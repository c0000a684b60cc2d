"""The local Incident Manager of tests/local_aws (a server thread, reset per test), and the
environment ``adopt`` runs with against it: the server through ``AWS_ENDPOINT_URL`` and fake
keys (boto3 and the provider both follow them), Terraform's provider from the mirror.

``module_account`` is the same for a module-scoped fixture: the server reset once, and the
environment set while the fixture builds, adopts and plans an account. Such a fixture keeps
what it read: a later test's ``aws`` resets the server."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest

from local_aws.moto_glue import LocalServer
from local_aws.server import FAKE_ACCESS_KEY, FAKE_SECRET_KEY
from local_aws.terraform_setup import installed_mirror, write_cli_config
from tests.local_aws.conftest import aws, local_server
from tests.local_aws.local_clients import Client, emptied

__all__ = ["account_env", "aws", "local_server", "module_account"]


def _set_environment(monkeypatch: pytest.MonkeyPatch, server: LocalServer, folder: Path) -> None:
    for name in ("AWS_PROFILE", "AWS_SESSION_TOKEN", "AWS_REGION", "AWS_DEFAULT_REGION"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("AWS_ENDPOINT_URL", server.url)
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", FAKE_ACCESS_KEY)
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", FAKE_SECRET_KEY)
    monkeypatch.setenv("AWS_EC2_METADATA_DISABLED", "true")
    mirror = installed_mirror()
    assert mirror is not None, "no hashicorp/aws provider mirror (local_aws/terraform_setup.py)"
    config = write_cli_config(folder / "terraform.tfrc", mirror)
    monkeypatch.setenv("TF_CLI_CONFIG_FILE", str(config))


@pytest.fixture
def account_env(
    local_server: LocalServer,
    monkeypatch: pytest.MonkeyPatch,
    tmp_path_factory: pytest.TempPathFactory,
) -> None:
    _set_environment(monkeypatch, local_server, tmp_path_factory.mktemp("terraform"))


@contextmanager
def _module_account(server: LocalServer, folder: Path) -> Iterator[Client]:
    client = emptied(server.url)
    with pytest.MonkeyPatch.context() as monkeypatch:
        _set_environment(monkeypatch, server, folder)
        yield client


@pytest.fixture(scope="module")
def module_account(local_server: LocalServer, tmp_path_factory: pytest.TempPathFactory) -> Any:
    """``with module_account() as aws:`` an emptied server and adopt's environment."""

    def open_account() -> Any:
        return _module_account(local_server, tmp_path_factory.mktemp("terraform"))

    return open_account
