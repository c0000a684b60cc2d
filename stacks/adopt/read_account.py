"""Read a live Incident Manager with boto3 (the usual credential chain; ``AWS_ENDPOINT_URL`` is
honoured by boto3 itself), every list paginated. The answers are kept as the API gives them."""

from __future__ import annotations

from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Any

from stacks.adopt.listing import items
from stacks.adopt.runbooks import LiveRunbooks, read_runbooks

Json = dict[str, Any]
ClientFactory = Callable[[str], Any]
# Requests in flight while reading (botocore keeps up to 10 connections per client).
READERS = 8


class NoReplicationSetError(RuntimeError):
    """The account has no Incident Manager replication set: there is nothing to adopt."""


@dataclass
class LiveContact:
    """A contact (PERSONAL, ESCALATION or ONCALL_SCHEDULE) with its channels, plan and tags."""

    contact: Json
    channels: list[Json] = field(default_factory=list)
    tags: dict[str, str] = field(default_factory=dict)


@dataclass
class LiveAccount:
    """Everything read from one account and region."""

    replication_set: Json
    contacts: list[LiveContact]
    rotations: list[tuple[Json, dict[str, str]]]
    response_plans: list[tuple[Json, dict[str, str]]]
    # The documents and roles the response plans' runbook actions name.
    runbooks: LiveRunbooks = field(default_factory=LiveRunbooks)
    replication_set_tags: dict[str, str] = field(default_factory=dict)


def _contact_tags(contacts: Any, arn: str) -> dict[str, str]:
    tags = contacts.list_tags_for_resource(ResourceARN=arn).get("Tags", [])
    return {t["Key"]: t["Value"] for t in tags}


def read_account(client: ClientFactory) -> LiveAccount:
    """Read the replication set, contacts, rotations, response plans and the documents and
    roles of their runbook actions.

    ``client("ssm-contacts")`` gives a boto3 client of the account and region to adopt.
    """
    incidents = client("ssm-incidents")
    contacts_api = client("ssm-contacts")
    set_arns = list(items(incidents, "list_replication_sets", "replicationSetArns"))
    if not set_arns:
        raise NoReplicationSetError(
            "the account has no Incident Manager replication set in this region's view: there "
            "is nothing to adopt (check the account, the region and the credentials)"
        )
    replication_set = incidents.get_replication_set(arn=set_arns[0])["replicationSet"]
    set_tags = incidents.list_tags_for_resource(resourceArn=set_arns[0]).get("tags", {})

    def contact(summary: Json) -> LiveContact:
        arn = summary["ContactArn"]
        contact = contacts_api.get_contact(ContactId=arn)
        contact.pop("ResponseMetadata", None)
        channels = (
            list(items(contacts_api, "list_contact_channels", "ContactChannels", ContactId=arn))
            if contact["Type"] == "PERSONAL"
            else []
        )
        return LiveContact(contact, channels, _contact_tags(contacts_api, arn))

    def rotation(summary: Json) -> tuple[Json, dict[str, str]]:
        rotation = contacts_api.get_rotation(RotationId=summary["RotationArn"])
        rotation.pop("ResponseMetadata", None)
        return rotation, _contact_tags(contacts_api, summary["RotationArn"])

    def response_plan(summary: Json) -> tuple[Json, dict[str, str]]:
        plan = incidents.get_response_plan(arn=summary["arn"])
        plan.pop("ResponseMetadata", None)
        tags = incidents.list_tags_for_resource(resourceArn=summary["arn"]).get("tags", {})
        return plan, dict(tags)

    # Three to five calls per contact, each a round trip: several at once (boto3 clients are
    # thread-safe), results in list order. 1,000 contacts: see benchmarks/adopt_benchmark.py.
    with ThreadPoolExecutor(max_workers=READERS) as pool:
        contacts = list(pool.map(contact, items(contacts_api, "list_contacts", "Contacts")))
        rotations = list(pool.map(rotation, items(contacts_api, "list_rotations", "Rotations")))
        plans = list(
            pool.map(
                response_plan,
                items(incidents, "list_response_plans", "responsePlanSummaries"),
            )
        )
    runbooks = read_runbooks(client, (plan for plan, _ in plans))
    return LiveAccount(replication_set, contacts, rotations, plans, runbooks, dict(set_tags))
