"""The local Incident Manager of tests/local_aws (a server thread, reset per test)."""

from tests.local_aws.conftest import aws, local_server

__all__ = ["aws", "local_server"]
