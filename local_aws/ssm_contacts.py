"""ssm-contacts (Incident Manager's contacts, channels, engagement plans and rotations): the
backend and its JSON 1.1 responses, with AWS's rules on top of the model's constraints.

State is account-wide (Incident Manager replicates contacts to every region of the replication
set); an ARN carries the region the object was created in. Rules AWS documents and this backend
enforces (the error code in brackets):

- nothing exists before the account has a replication set [ValidationException];
- an alias is unique in the account [ConflictException];
- a contact's ARN is ``arn:aws:ssm-contacts:<region>:<account>:contact/<alias>``;
- channels belong to PERSONAL contacts only [ValidationException];
- a PERSONAL contact's plan targets its own channels; an ESCALATION plan targets contacts
  (any type but itself) or contact channels [ValidationException]; a target must exist
  [ResourceNotFoundException];
- an ONCALL_SCHEDULE contact has RotationIds and no stages ("ONCALL SCHEDULE contact cannot have
  stages in plan") [ValidationException]; other contacts have no RotationIds;
- rotation members are PERSONAL contacts [ValidationException]; a rotation an on-call schedule
  uses cannot be deleted [ConflictException];
- deleting a contact deletes its channels; a missing object is ResourceNotFoundException.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from local_aws import model_validation
from local_aws.moto_glue import AccountBackend, Json, ModelResponse, ServiceError, account_backend
from local_aws.paging import page

SERVICE = "ssm-contacts"
MOTO_NAME = "ssmcontacts"
PERSONAL, ESCALATION, ONCALL_SCHEDULE = "PERSONAL", "ESCALATION", "ONCALL_SCHEDULE"


def validation_error(message: str, fields: list[Json] | None = None) -> ServiceError:
    reason = "FIELD_VALIDATION_FAILED" if fields else "OTHER"
    return ServiceError("ValidationException", message, Reason=reason, Fields=fields or [])


def not_found(kind: str, identifier: str) -> ServiceError:
    return ServiceError(
        "ResourceNotFoundException",
        f"{kind} {identifier} not found",
        ResourceId=identifier,
        ResourceType=kind.upper().replace(" ", "_"),
    )


def conflict(message: str, identifier: str, kind: str, dependents: list[Json]) -> ServiceError:
    return ServiceError(
        "ConflictException",
        message,
        ResourceId=identifier,
        ResourceType=kind,
        DependentEntities=dependents,
    )


@dataclass
class Contact:
    """A contact: PERSONAL, ESCALATION or ONCALL_SCHEDULE."""

    arn: str
    alias: str
    type: str
    display_name: str | None
    stages: list[Json] = field(default_factory=list)
    rotation_ids: list[str] = field(default_factory=list)

    def summary(self) -> Json:
        shown: Json = {"ContactArn": self.arn, "Alias": self.alias, "Type": self.type}
        if self.display_name is not None:
            shown["DisplayName"] = self.display_name
        return shown

    def plan(self) -> Json:
        plan: Json = {"Stages": self.stages}
        if self.rotation_ids:
            plan["RotationIds"] = self.rotation_ids
        return plan


@dataclass
class Channel:
    """A contact channel (SMS, VOICE or EMAIL); new channels await activation."""

    arn: str
    contact_arn: str
    name: str
    type: str
    address: Json
    activation_status: str

    def shown(self) -> Json:
        return {
            "ContactChannelArn": self.arn,
            "ContactArn": self.contact_arn,
            "Name": self.name,
            "Type": self.type,
            "DeliveryAddress": self.address,
            "ActivationStatus": self.activation_status,
        }


@dataclass
class Rotation:
    """An on-call rotation. ``start_time`` stays unset when the request has none: a server that
    fills one in gives Terraform a diff on every plan."""

    arn: str
    name: str
    contact_ids: list[str]
    time_zone_id: str
    recurrence: Json
    start_time: datetime | None

    def shown(self) -> Json:
        shown: Json = {
            "RotationArn": self.arn,
            "Name": self.name,
            "ContactIds": self.contact_ids,
            "TimeZoneId": self.time_zone_id,
            "Recurrence": self.recurrence,
        }
        if self.start_time is not None:
            shown["StartTime"] = self.start_time
        return shown


class ContactsBackend(AccountBackend):
    """One account's contacts, channels, rotations and their tags."""

    def __init__(self, region_name: str, account_id: str) -> None:
        super().__init__(region_name, account_id)
        self.contacts: dict[str, Contact] = {}
        self.channels: dict[str, Channel] = {}
        self.rotations: dict[str, Rotation] = {}
        self.tags: dict[str, dict[str, str]] = {}

    def clear(self) -> None:
        """Everything gone (the replication set was deleted)."""
        self.contacts.clear()
        self.channels.clear()
        self.rotations.clear()
        self.tags.clear()

    # --- lookups
    def contact(self, arn: str) -> Contact:
        if arn not in self.contacts:
            raise not_found("Contact", arn)
        return self.contacts[arn]

    def channel(self, arn: str) -> Channel:
        if arn not in self.channels:
            raise not_found("Contact channel", arn)
        return self.channels[arn]

    def rotation(self, arn: str) -> Rotation:
        if arn not in self.rotations:
            raise not_found("Rotation", arn)
        return self.rotations[arn]

    def _require_replication_set(self) -> None:
        incidents = account_backend("ssmincidents", self.account_id)
        if incidents.replication_set is None:
            raise validation_error(
                "Incident Manager is not set up in this account: it has no replication set. "
                "Create the replication set first (ssm-incidents CreateReplicationSet)."
            )

    def _tagged(self, arn: str, tags: list[Json] | None) -> None:
        self.tags[arn] = {t["Key"]: t.get("Value", "") for t in tags or []}

    # --- contacts
    def create_contact(
        self,
        *,
        region: str,
        alias: str,
        kind: str,
        display_name: str | None,
        plan: Json,
        tags: list[Json] | None,
    ) -> Contact:
        self._require_replication_set()
        if any(existing.alias == alias for existing in self.contacts.values()):
            raise conflict(
                f"A contact with alias {alias} already exists in this account", alias, "CONTACT", []
            )
        arn = f"arn:aws:ssm-contacts:{region}:{self.account_id}:contact/{alias}"
        contact = Contact(arn=arn, alias=alias, type=kind, display_name=display_name)
        self._set_plan(contact, plan)
        self.contacts[arn] = contact
        self._tagged(arn, tags)
        return contact

    def update_contact(self, arn: str, display_name: str | None, plan: Json | None) -> None:
        contact = self.contact(arn)
        if plan is not None:
            self._set_plan(contact, plan)
        if display_name is not None:
            contact.display_name = display_name

    def delete_contact(self, arn: str) -> None:
        self.contact(arn)
        del self.contacts[arn]
        self.tags.pop(arn, None)
        for channel_arn in [a for a, c in self.channels.items() if c.contact_arn == arn]:
            del self.channels[channel_arn]

    def list_contacts(self, alias_prefix: str | None, kind: str | None) -> list[Contact]:
        return [
            c
            for c in sorted(self.contacts.values(), key=lambda c: c.alias)
            if (alias_prefix is None or c.alias.startswith(alias_prefix))
            and (kind is None or c.type == kind)
        ]

    def _set_plan(self, contact: Contact, plan: Json) -> None:
        stages: list[Json] | None = plan.get("Stages")
        rotation_ids: list[str] = plan.get("RotationIds") or []
        if contact.type == ONCALL_SCHEDULE:
            # AWS refuses even an empty stage list on a schedule (hashicorp/terraform-provider-aws
            # #39758 quotes the message).
            if stages is not None:
                raise validation_error("ONCALL SCHEDULE contact cannot have stages in plan")
            if not rotation_ids:
                raise validation_error("ONCALL SCHEDULE contact must have rotations in plan")
            for rotation_id in rotation_ids:
                self.rotation(rotation_id)
            contact.rotation_ids = list(rotation_ids)
            contact.stages = []
            return
        if rotation_ids:
            raise validation_error(
                f"{contact.type} contact cannot have rotations in plan: only ONCALL_SCHEDULE "
                "contacts have RotationIds"
            )
        for number, stage in enumerate(stages or [], start=1):
            for target in stage.get("Targets", []):
                self._check_target(contact, number, target)
        contact.stages = list(stages or [])

    def _check_target(self, contact: Contact, number: int, target: Json) -> None:
        channel_target: Json | None = target.get("ChannelTargetInfo")
        contact_target: Json = target.get("ContactTargetInfo") or {}
        if (channel_target is None) == (not contact_target):
            raise validation_error(
                f"Stage {number}: a target has exactly one of ChannelTargetInfo and "
                "ContactTargetInfo"
            )
        if contact.type == PERSONAL:
            if channel_target is None:  # a contact target
                raise validation_error(
                    f"Stage {number}: the plan of a PERSONAL contact targets its own contact "
                    "channels (ChannelTargetInfo), not contacts"
                )
            channel = self.channel(channel_target["ContactChannelId"])
            if channel.contact_arn != contact.arn:
                raise validation_error(
                    f"Stage {number}: contact channel {channel.arn} belongs to another contact"
                )
            return
        if channel_target is not None:
            # Escalation plans may also page a contact's channel directly: the provider's own
            # documented example (from its acceptance tests against AWS) does so.
            self.channel(channel_target["ContactChannelId"])
            return
        target_id = contact_target.get("ContactId")
        if target_id is None:
            raise validation_error(f"Stage {number}: ContactTargetInfo needs a ContactId")
        engaged = self.contact(target_id)
        if engaged.arn == contact.arn:
            raise validation_error(f"Stage {number}: an escalation plan cannot target itself")

    # --- channels
    def create_channel(
        self, contact_arn: str, name: str, kind: str, address: Json, defer: bool
    ) -> Channel:
        contact = self.contact(contact_arn)
        if contact.type != PERSONAL:
            raise validation_error(
                f"Contact channels can only be added to PERSONAL contacts; {contact.alias} is "
                f"{contact.type}"
            )
        if any(c.contact_arn == contact_arn and c.name == name for c in self.channels.values()):
            raise conflict(
                f"Contact {contact.alias} already has a channel named {name}",
                name,
                "CONTACT_CHANNEL",
                [],
            )
        region = contact_arn.split(":")[3]
        arn = (
            f"arn:aws:ssm-contacts:{region}:{self.account_id}:contact-channel/"
            f"{contact.alias}/{uuid.uuid4()}"
        )
        status = "NOT_ACTIVATED"
        channel = Channel(arn, contact_arn, name, kind, address, status)
        del defer  # Activation codes are never sent: every channel reads NOT_ACTIVATED.
        self.channels[arn] = channel
        return channel

    def update_channel(self, arn: str, name: str | None, address: Json | None) -> None:
        channel = self.channel(arn)
        if name is not None:
            channel.name = name
        if address is not None:
            channel.address = address

    def delete_channel(self, arn: str) -> None:
        self.channel(arn)
        del self.channels[arn]

    def channels_of(self, contact_arn: str) -> list[Channel]:
        self.contact(contact_arn)
        return sorted(
            (c for c in self.channels.values() if c.contact_arn == contact_arn),
            key=lambda c: c.name,
        )

    # --- rotations
    def _check_members(self, contact_ids: list[str]) -> None:
        for contact_id in contact_ids:
            member = self.contact(contact_id)
            if member.type != PERSONAL:
                raise validation_error(
                    f"Rotation members are PERSONAL contacts; {member.alias} is {member.type}"
                )

    def create_rotation(
        self,
        *,
        region: str,
        name: str,
        contact_ids: list[str],
        time_zone_id: str,
        recurrence: Json,
        start_time: datetime | None,
        tags: list[Json] | None,
    ) -> Rotation:
        self._require_replication_set()
        self._check_members(contact_ids)
        arn = f"arn:aws:ssm-contacts:{region}:{self.account_id}:rotation/{uuid.uuid4()}"
        rotation = Rotation(arn, name, list(contact_ids), time_zone_id, recurrence, start_time)
        self.rotations[arn] = rotation
        self._tagged(arn, tags)
        return rotation

    def update_rotation(self, arn: str, params: Json) -> None:
        rotation = self.rotation(arn)
        if params.get("ContactIds") is not None:
            self._check_members(params["ContactIds"])
            rotation.contact_ids = list(params["ContactIds"])
        if params.get("TimeZoneId") is not None:
            rotation.time_zone_id = params["TimeZoneId"]
        if params.get("StartTime") is not None:
            rotation.start_time = params["StartTime"]
        rotation.recurrence = params["Recurrence"]

    def delete_rotation(self, arn: str) -> None:
        self.rotation(arn)
        users = [c for c in self.contacts.values() if arn in c.rotation_ids]
        if users:
            raise conflict(
                f"Rotation {arn} is used by on-call schedule(s) "
                f"{', '.join(c.alias for c in users)}; remove it from them first",
                arn,
                "ROTATION",
                [
                    {
                        "RelationType": "ONCALL_SCHEDULE",
                        "DependentEntityArns": [c.arn for c in users],
                    }
                ],
            )
        del self.rotations[arn]
        self.tags.pop(arn, None)

    # --- tags
    def tagged_resource(self, arn: str) -> dict[str, str]:
        if arn not in self.contacts and arn not in self.rotations:
            raise not_found("Resource", arn)
        return self.tags.setdefault(arn, {})


def _utc(value: Any) -> datetime | None:
    if value is None or not isinstance(value, datetime):
        return None
    return value if value.tzinfo else value.replace(tzinfo=UTC)


class ContactsResponse(ModelResponse):
    """ssm-contacts requests (JSON 1.1, ``X-Amz-Target: SSMContacts.<Operation>``)."""

    service = SERVICE

    @property
    def backend(self) -> ContactsBackend:
        backend: ContactsBackend = account_backend(MOTO_NAME, self.account)
        return backend

    def validate(self, operation: str, params: Json) -> None:
        found = model_validation.violations(SERVICE, operation, params)
        if found:
            fields = [{"Name": v.path, "Message": v.constraint} for v in found]
            raise validation_error(model_validation.summary(found), fields)

    def _page(self, items: list[Any]) -> tuple[list[Any], str | None]:
        params = self.request_params
        return page(items, params.get("NextToken"), params.get("MaxResults"), validation_error)

    def create_contact(self) -> Any:
        p = self.request_params
        contact = self.backend.create_contact(
            region=self.request_region,
            alias=p["Alias"],
            kind=p["Type"],
            display_name=p.get("DisplayName"),
            plan=p["Plan"],
            tags=p.get("Tags"),
        )
        return self.result({"ContactArn": contact.arn})

    def get_contact(self) -> Any:
        contact = self.backend.contact(self.request_params["ContactId"])
        return self.result({**contact.summary(), "Plan": contact.plan()})

    def update_contact(self) -> Any:
        p = self.request_params
        self.backend.update_contact(p["ContactId"], p.get("DisplayName"), p.get("Plan"))
        return self.result({})

    def delete_contact(self) -> Any:
        self.backend.delete_contact(self.request_params["ContactId"])
        return self.result({})

    def list_contacts(self) -> Any:
        p = self.request_params
        items, token = self._page(self.backend.list_contacts(p.get("AliasPrefix"), p.get("Type")))
        answer: Json = {"Contacts": [c.summary() for c in items]}
        if token:
            answer["NextToken"] = token
        return self.result(answer)

    def create_contact_channel(self) -> Any:
        p = self.request_params
        channel = self.backend.create_channel(
            p["ContactId"],
            p["Name"],
            p["Type"],
            p["DeliveryAddress"],
            bool(p.get("DeferActivation")),
        )
        return self.result({"ContactChannelArn": channel.arn})

    def get_contact_channel(self) -> Any:
        return self.result(self.backend.channel(self.request_params["ContactChannelId"]).shown())

    def update_contact_channel(self) -> Any:
        p = self.request_params
        self.backend.update_channel(p["ContactChannelId"], p.get("Name"), p.get("DeliveryAddress"))
        return self.result({})

    def delete_contact_channel(self) -> Any:
        self.backend.delete_channel(self.request_params["ContactChannelId"])
        return self.result({})

    def activate_contact_channel(self) -> Any:
        channel = self.backend.channel(self.request_params["ContactChannelId"])
        channel.activation_status = "ACTIVATED"
        return self.result({})

    def list_contact_channels(self) -> Any:
        items, token = self._page(self.backend.channels_of(self.request_params["ContactId"]))
        answer: Json = {"ContactChannels": [c.shown() for c in items]}
        if token:
            answer["NextToken"] = token
        return self.result(answer)

    def create_rotation(self) -> Any:
        p = self.request_params
        rotation = self.backend.create_rotation(
            region=self.request_region,
            name=p["Name"],
            contact_ids=p["ContactIds"],
            time_zone_id=p["TimeZoneId"],
            recurrence=p["Recurrence"],
            start_time=_utc(p.get("StartTime")),
            tags=p.get("Tags"),
        )
        return self.result({"RotationArn": rotation.arn})

    def get_rotation(self) -> Any:
        return self.result(self.backend.rotation(self.request_params["RotationId"]).shown())

    def update_rotation(self) -> Any:
        p = dict(self.request_params)
        if p.get("StartTime") is not None:
            p["StartTime"] = _utc(p["StartTime"])
        self.backend.update_rotation(p["RotationId"], p)
        return self.result({})

    def delete_rotation(self) -> Any:
        self.backend.delete_rotation(self.request_params["RotationId"])
        return self.result({})

    def list_rotations(self) -> Any:
        prefix = self.request_params.get("RotationNamePrefix") or ""
        rotations = sorted(
            (r for r in self.backend.rotations.values() if r.name.startswith(prefix)),
            key=lambda r: (r.name, r.arn),
        )
        items, token = self._page(rotations)
        answer: Json = {"Rotations": [r.shown() for r in items]}
        if token:
            answer["NextToken"] = token
        return self.result(answer)

    def tag_resource(self) -> Any:
        p = self.request_params
        tags = self.backend.tagged_resource(p["ResourceARN"])
        tags.update({t["Key"]: t.get("Value", "") for t in p["Tags"]})
        return self.result({})

    def untag_resource(self) -> Any:
        p = self.request_params
        tags = self.backend.tagged_resource(p["ResourceARN"])
        for key in p["TagKeys"]:
            tags.pop(key, None)
        return self.result({})

    def list_tags_for_resource(self) -> Any:
        tags = self.backend.tagged_resource(self.request_params["ResourceARN"])
        return self.result({"Tags": [{"Key": k, "Value": v} for k, v in sorted(tags.items())]})
