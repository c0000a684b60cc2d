"""The local AWS server: moto's own services plus Incident Manager's two, on one port."""

from __future__ import annotations

from pathlib import Path
from typing import IO

from local_aws.moto_glue import LocalServer, ServiceRegistration, register
from local_aws.ssm_contacts import ContactsBackend, ContactsResponse
from local_aws.ssm_incidents import IncidentsBackend, IncidentsResponse

DEFAULT_HOST = "127.0.0.1"
DEFAULT_REGION = "us-east-1"
# moto's default account, used when the server is not told another one (MOTO_ACCOUNT_ID).
DEFAULT_ACCOUNT = "123456789012"
# Any key pair is accepted; these say plainly that they are not real.
FAKE_ACCESS_KEY = "test-access-key"
FAKE_SECRET_KEY = "test-secret-key"

INCIDENT_MANAGER = (
    ServiceRegistration("ssmcontacts", "ssm-contacts", ContactsBackend, ContactsResponse),
    ServiceRegistration("ssmincidents", "ssm-incidents", IncidentsBackend, IncidentsResponse),
)


def register_incident_manager() -> list[str]:
    """Teach moto (this process) ssm-contacts and ssm-incidents; idempotent."""
    return register(INCIDENT_MANAGER)


def start_server(
    host: str = DEFAULT_HOST,
    port: int = 0,
    request_log: IO[str] | None = None,
    state_file: Path | None = None,
) -> LocalServer:
    """A running server in a background thread of this process (port 0: a free one); with
    ``state_file``, holding the data that file holds and saving every change to it."""
    register_incident_manager()
    server = LocalServer(host, port, request_log, state_file)
    server.start()
    return server


def client_environment(url: str, region: str = DEFAULT_REGION) -> dict[str, str]:
    """The variables that point Terraform's AWS provider, the AWS CLI and boto3 at ``url``."""
    return {
        "AWS_ENDPOINT_URL": url,
        "AWS_ACCESS_KEY_ID": FAKE_ACCESS_KEY,
        "AWS_SECRET_ACCESS_KEY": FAKE_SECRET_KEY,
        "AWS_REGION": region,
        "AWS_DEFAULT_REGION": region,
        # Neither Terraform nor the SDKs look for instance credentials.
        "AWS_EC2_METADATA_DISABLED": "true",
    }
