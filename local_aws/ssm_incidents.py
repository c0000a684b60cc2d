"""ssm-incidents (Incident Manager's replication set and response plans): the backend and its
REST-JSON responses, with AWS's rules on top of the model's constraints.

ARNs carry no region (``arn:aws:ssm-incidents::<account>:replication-set/<id>``,
``...:response-plan/<name>``). Rules enforced (error code in brackets):

- one replication set per account [ConflictException];
- the region the request is sent to is one of the set's regions [ValidationException];
- AWS-owned and customer managed keys are not mixed in one set [ValidationException];
- one region added or deleted per UpdateReplicationSet (the model's limit); the last region is
  not deleted [ValidationException];
- a replication set reads ACTIVE at once and is not found at once after deletion (the provider
  otherwise sleeps ~30 s per poll); deleting it deletes everything: response plans, contacts,
  channels, rotations;
- nothing exists before the replication set [ValidationException]; response plan names are
  unique [ConflictException]; engaged contacts exist [ResourceNotFoundException].
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from local_aws import model_validation
from local_aws.moto_glue import AccountBackend, Json, ModelResponse, ServiceError, account_backend
from local_aws.paging import page

SERVICE = "ssm-incidents"
MOTO_NAME = "ssmincidents"
DEFAULT_KEY = "DefaultKey"
# The members of UpdateResponsePlan that replace a part of the incident template.
TEMPLATE_UPDATES = {
    "incidentTemplateTitle": "title",
    "incidentTemplateImpact": "impact",
    "incidentTemplateSummary": "summary",
    "incidentTemplateDedupeString": "dedupeString",
    "incidentTemplateNotificationTargets": "notificationTargets",
    "incidentTemplateTags": "incidentTags",
}
PLAN_PARTS = ("displayName", "chatChannel", "engagements", "actions", "integrations")


def validation_error(message: str) -> ServiceError:
    return ServiceError("ValidationException", message)


def not_found(kind: str, identifier: str) -> ServiceError:
    return ServiceError(
        "ResourceNotFoundException",
        f"{kind} {identifier} not found",
        resourceIdentifier=identifier,
        resourceType=kind.upper().replace(" ", "_"),
    )


def conflict(message: str, identifier: str, kind: str) -> ServiceError:
    return ServiceError(
        "ConflictException", message, resourceIdentifier=identifier, resourceType=kind
    )


def _now() -> datetime:
    return datetime.now(UTC)


@dataclass
class ReplicationSet:
    """The account's replication set: region -> KMS key (``DefaultKey``: the AWS-owned one)."""

    arn: str
    regions: dict[str, str]
    created: datetime
    modified: datetime
    created_by: str
    deletion_protected: bool = False

    def shown(self) -> Json:
        return {
            "arn": self.arn,
            "createdBy": self.created_by,
            "createdTime": self.created,
            "deletionProtected": self.deletion_protected,
            "lastModifiedBy": self.created_by,
            "lastModifiedTime": self.modified,
            "status": "ACTIVE",
            "regionMap": {
                region: {
                    "sseKmsKeyId": key,
                    "status": "ACTIVE",
                    "statusUpdateDateTime": self.modified,
                }
                for region, key in sorted(self.regions.items())
            },
        }


class IncidentsBackend(AccountBackend):
    """One account's replication set, response plans and their tags."""

    def __init__(self, region_name: str, account_id: str) -> None:
        super().__init__(region_name, account_id)
        self.replication_set: ReplicationSet | None = None
        self.response_plans: dict[str, Json] = {}
        self.tags: dict[str, dict[str, str]] = {}

    def _set(self, arn: str) -> ReplicationSet:
        if self.replication_set is None or self.replication_set.arn != arn:
            raise not_found("Replication set", arn)
        return self.replication_set

    def _require_set(self) -> None:
        if self.replication_set is None:
            raise validation_error(
                "Incident Manager is not set up in this account: it has no replication set. "
                "Create the replication set first (CreateReplicationSet)."
            )

    @staticmethod
    def _check_keys(regions: dict[str, str]) -> None:
        defaults = {k == DEFAULT_KEY for k in regions.values()}
        if len(defaults) > 1:
            raise validation_error(
                "All regions of a replication set use the AWS-owned key or all use customer "
                "managed keys; they cannot be mixed"
            )

    def create_replication_set(
        self, region: str, regions: dict[str, Json], caller: str, tags: dict[str, str] | None
    ) -> ReplicationSet:
        if self.replication_set is not None:
            raise conflict(
                f"This account already has a replication set: {self.replication_set.arn}",
                self.replication_set.arn,
                "REPLICATION_SET",
            )
        keys = {
            name: (info or {}).get("sseKmsKeyId") or DEFAULT_KEY for name, info in regions.items()
        }
        if region not in keys:
            raise validation_error(
                f"The replication set must include the region of the request ({region})"
            )
        self._check_keys(keys)
        arn = f"arn:aws:ssm-incidents::{self.account_id}:replication-set/{uuid.uuid4()}"
        now = _now()
        self.replication_set = ReplicationSet(arn, keys, now, now, caller)
        self.tags[arn] = dict(tags or {})
        return self.replication_set

    def update_replication_set(self, arn: str, actions: list[Json]) -> None:
        current = self._set(arn)
        regions = dict(current.regions)
        for action in actions:
            added = action.get("addRegionAction")
            deleted = action.get("deleteRegionAction")
            if added:
                name = added["regionName"]
                if name in regions:
                    raise validation_error(f"Region {name} is already in the replication set")
                regions[name] = added.get("sseKmsKeyId") or DEFAULT_KEY
            if deleted:
                name = deleted["regionName"]
                if name not in regions:
                    raise validation_error(f"Region {name} is not in the replication set")
                if len(regions) == 1:
                    raise validation_error(
                        "The last region of a replication set cannot be deleted: delete the "
                        "replication set instead"
                    )
                del regions[name]
        self._check_keys(regions)
        current.regions = regions
        current.modified = _now()

    def delete_replication_set(self, arn: str) -> None:
        self._set(arn)
        self.replication_set = None
        self.response_plans.clear()
        self.tags.clear()
        account_backend("ssmcontacts", self.account_id).clear()

    def create_response_plan(self, params: Json) -> str:
        self._require_set()
        name = params["name"]
        arn = f"arn:aws:ssm-incidents::{self.account_id}:response-plan/{name}"
        if arn in self.response_plans:
            raise conflict(f"A response plan named {name} already exists", arn, "RESPONSE_PLAN")
        self._check_engagements(params.get("engagements"))
        plan: Json = {"arn": arn, "name": name, "incidentTemplate": params["incidentTemplate"]}
        plan.update({k: params[k] for k in PLAN_PARTS if params.get(k) is not None})
        self.response_plans[arn] = plan
        self.tags[arn] = dict(params.get("tags") or {})
        return arn

    def _check_engagements(self, engagements: list[str] | None) -> None:
        contacts = account_backend("ssmcontacts", self.account_id)
        for contact_arn in engagements or []:
            if contact_arn not in contacts.contacts:
                raise not_found("Contact", contact_arn)

    def response_plan(self, arn: str) -> Json:
        if arn not in self.response_plans:
            raise not_found("Response plan", arn)
        return self.response_plans[arn]

    def update_response_plan(self, params: Json) -> None:
        plan = self.response_plan(params["arn"])
        # Members left out keep their value; members sent replace it.
        self._check_engagements(params.get("engagements"))
        for part in PLAN_PARTS:
            if params.get(part) is not None:
                plan[part] = params[part]
        template = dict(plan["incidentTemplate"])
        for member, key in TEMPLATE_UPDATES.items():
            if params.get(member) is not None:
                template[key] = params[member]
        plan["incidentTemplate"] = template

    def delete_response_plan(self, arn: str) -> None:
        # The model lists no ResourceNotFoundException here: deleting a missing plan succeeds.
        self.response_plans.pop(arn, None)
        self.tags.pop(arn, None)

    def tagged_resource(self, arn: str) -> dict[str, str]:
        known = arn in self.response_plans or (
            self.replication_set is not None and self.replication_set.arn == arn
        )
        if not known:
            raise not_found("Resource", arn)
        return self.tags.setdefault(arn, {})


class IncidentsResponse(ModelResponse):
    """ssm-incidents requests (REST-JSON: ``POST /createResponsePlan``, ``GET /tags/{arn}`` ...)."""

    service = SERVICE

    @property
    def backend(self) -> IncidentsBackend:
        backend: IncidentsBackend = account_backend(MOTO_NAME, self.account)
        return backend

    def validate(self, operation: str, params: Json) -> None:
        found = model_validation.violations(SERVICE, operation, params)
        if found:
            raise validation_error(model_validation.summary(found))

    def _page(self, items: list[Any]) -> tuple[list[Any], str | None]:
        params = self.request_params
        return page(items, params.get("nextToken"), params.get("maxResults"), validation_error)

    def create_replication_set(self) -> Any:
        p = self.request_params
        caller = f"arn:aws:iam::{self.account}:root"
        created = self.backend.create_replication_set(
            self.request_region, p["regions"], caller, p.get("tags")
        )
        return self.result({"arn": created.arn})

    def get_replication_set(self) -> Any:
        return self.result(
            {"replicationSet": self.backend._set(self.request_params["arn"]).shown()}
        )

    def update_replication_set(self) -> Any:
        p = self.request_params
        self.backend.update_replication_set(p["arn"], p["actions"])
        return self.result({})

    def update_deletion_protection(self) -> Any:
        p = self.request_params
        self.backend._set(p["arn"]).deletion_protected = bool(p["deletionProtected"])
        return self.result({})

    def delete_replication_set(self) -> Any:
        self.backend.delete_replication_set(self.request_params["arn"])
        return self.result({})

    def list_replication_sets(self) -> Any:
        found = [self.backend.replication_set.arn] if self.backend.replication_set else []
        items, token = self._page(found)
        answer: Json = {"replicationSetArns": items}
        if token:
            answer["nextToken"] = token
        return self.result(answer)

    def create_response_plan(self) -> Any:
        return self.result({"arn": self.backend.create_response_plan(self.request_params)})

    def get_response_plan(self) -> Any:
        return self.result(self.backend.response_plan(self.request_params["arn"]))

    def update_response_plan(self) -> Any:
        self.backend.update_response_plan(self.request_params)
        return self.result({})

    def delete_response_plan(self) -> Any:
        self.backend.delete_response_plan(self.request_params["arn"])
        return self.result({})

    def list_response_plans(self) -> Any:
        plans = sorted(self.backend.response_plans.values(), key=lambda p: str(p["name"]))
        items, token = self._page(plans)
        summaries = [{k: p[k] for k in ("arn", "name", "displayName") if k in p} for p in items]
        answer: Json = {"responsePlanSummaries": summaries}
        if token:
            answer["nextToken"] = token
        return self.result(answer)

    def tag_resource(self) -> Any:
        p = self.request_params
        self.backend.tagged_resource(p["resourceArn"]).update(p["tags"])
        return self.result({})

    def untag_resource(self) -> Any:
        p = self.request_params
        tags = self.backend.tagged_resource(p["resourceArn"])
        for key in p["tagKeys"]:
            tags.pop(key, None)
        return self.result({})

    def list_tags_for_resource(self) -> Any:
        tags = self.backend.tagged_resource(self.request_params["resourceArn"])
        return self.result({"tags": dict(sorted(tags.items()))})
