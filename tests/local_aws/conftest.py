"""A local AWS server in this test process (a thread), reset before each test."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from local_aws.moto_glue import LocalServer
from local_aws.server import start_server
from tests.local_aws.local_clients import REGION, Client, emptied

# REGION and Client are the tests' names for them here too.
__all__ = ["ACCOUNT", "REGION", "Client", "aws", "local_server"]

ACCOUNT = "123456789012"


@pytest.fixture(scope="session")
def local_server() -> Iterator[LocalServer]:
    server = start_server()
    yield server
    server.stop()


@pytest.fixture
def aws(local_server: LocalServer) -> Client:
    """``aws("ssm-contacts")``: a boto3 client of the server, after resetting every backend."""
    return emptied(local_server.url)
