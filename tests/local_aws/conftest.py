"""A local AWS server in this test process (a thread), reset before each test."""

from __future__ import annotations

import urllib.request
from collections.abc import Callable, Iterator
from typing import Any

import pytest

from local_aws.moto_glue import LocalServer
from local_aws.server import FAKE_ACCESS_KEY, FAKE_SECRET_KEY, start_server

REGION = "us-east-1"
ACCOUNT = "123456789012"

Client = Callable[..., Any]


@pytest.fixture(scope="session")
def local_server() -> Iterator[LocalServer]:
    server = start_server()
    yield server
    server.stop()


@pytest.fixture
def aws(local_server: LocalServer) -> Client:
    """``aws("ssm-contacts")``: a boto3 client of the server, after resetting every backend."""
    import boto3  # type: ignore[import-untyped]

    request = urllib.request.Request(f"{local_server.url}/moto-api/reset", method="POST")
    with urllib.request.urlopen(request, timeout=10) as response:
        assert response.status == 200

    def client(service: str, region: str = REGION) -> Any:
        return boto3.client(
            service,
            endpoint_url=local_server.url,
            region_name=region,
            aws_access_key_id=FAKE_ACCESS_KEY,
            aws_secret_access_key=FAKE_SECRET_KEY,
        )

    return client
