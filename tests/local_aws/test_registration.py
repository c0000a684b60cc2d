"""The moto extension is registered and routed: fails loudly when a moto upgrade moves the
internals local_aws/moto_glue.py relies on."""

from __future__ import annotations

import re
from pathlib import Path

import moto
import pytest
from botocore.exceptions import ClientError
from moto.backends import get_backend

from local_aws.moto_glue import MOTO_VERSION, registered_services
from local_aws.server import register_incident_manager
from local_aws.ssm_contacts import ContactsBackend
from local_aws.ssm_incidents import IncidentsBackend
from tests.local_aws.conftest import Client

ROOT = Path(__file__).resolve().parents[2]


def test_moto_is_the_pinned_version() -> None:
    pinned = re.search(r"^moto\[server\]==(\S+)$", (ROOT / "requirements.txt").read_text(), re.M)
    assert pinned is not None
    assert pinned.group(1) == MOTO_VERSION == moto.__version__, (
        "moto changed: re-check local_aws/moto_glue.py against the new internals, then the pin"
    )


def test_both_services_are_registered_with_moto() -> None:
    register_incident_manager()
    assert registered_services() == ["ssmcontacts", "ssmincidents"]
    contacts = get_backend("ssm-contacts")["123456789012"]["aws"]  # type: ignore[call-overload]
    incidents = get_backend("ssm-incidents")["123456789012"]["aws"]  # type: ignore[call-overload]
    assert isinstance(contacts, ContactsBackend)
    assert isinstance(incidents, IncidentsBackend)


def test_requests_reach_both_backends_and_moto_s_own(aws: Client) -> None:
    assert aws("ssm-incidents").list_replication_sets()["replicationSetArns"] == []
    assert aws("ssm-contacts").list_contacts()["Contacts"] == []
    assert aws("sts").get_caller_identity()["Account"] == "123456789012"
    with pytest.raises(ClientError) as raised:
        aws("ssm-contacts").get_contact(
            ContactId="arn:aws:ssm-contacts:us-east-1:123456789012:contact/nobody"
        )
    assert raised.value.response["Error"]["Code"] == "ResourceNotFoundException"
