"""The AWS API's own limits on the values an environment file sets.

Each rule is a shape of the service models botocore ships (ssm-contacts 2021-05-03,
ssm-incidents 2018-05-10), copied here so that checking an environment file does not need
botocore; ``tests/stacks/config/test_api_rules.py`` reads the models and fails if a copy drifts.
Patterns are matched with the ``regex`` package, which (unlike ``re``) knows ``\\p{L}`` and the
models' other Java-style classes.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from typing import Any

import regex
from pydantic import AfterValidator, Field, GetJsonSchemaHandler
from pydantic.json_schema import JsonSchemaValue
from pydantic_core import CoreSchema, PydanticCustomError

from stacks.config.json_patterns import pattern_schema


@dataclass(frozen=True)
class ShapeRule:
    """Length and pattern limits of one API shape, and the pattern in words."""

    service: str
    shape: str
    min: int | None = None
    max: int | None = None
    pattern: str | None = None
    words: str = ""

    @property
    def source(self) -> str:
        return f"{self.service} {self.shape}"


CONTACTS = "ssm-contacts"
INCIDENTS = "ssm-incidents"
SSM = "ssm"
IAM = "iam"

CONTACT_ALIAS = ShapeRule(
    CONTACTS, "ContactAlias", 1, 255, r"^[a-z0-9_\-]*$", "lowercase letters, digits, '_' and '-'"
)
CONTACT_NAME = ShapeRule(
    CONTACTS,
    "ContactName",
    0,
    255,
    r"^[\p{L}\p{Z}\p{N}_.\-]*$",
    "letters, digits, spaces, '_', '.' and '-'",
)
CHANNEL_NAME = ShapeRule(
    CONTACTS,
    "ChannelName",
    1,
    255,
    r"^[\p{L}\p{Z}\p{N}_.\-]*$",
    "letters, digits, spaces, '_', '.' and '-'",
)
SIMPLE_ADDRESS = ShapeRule(CONTACTS, "SimpleAddress", 1, 320)
ROTATION_NAME = ShapeRule(
    CONTACTS,
    "RotationName",
    1,
    255,
    r"^[a-zA-Z0-9_\-\s\.]*$",
    "letters, digits, spaces, '_', '-' and '.'",
)
TIME_ZONE_ID = ShapeRule(
    CONTACTS, "TimeZoneId", 1, 255, r"^[:a-zA-Z0-9_\-\s\.\\/]*$", "an IANA time zone name"
)
CONTACTS_TAG_KEY = ShapeRule(
    CONTACTS,
    "TagKey",
    1,
    128,
    r"^[\\\/a-zA-Z0-9_+=\-]*$",
    "letters, digits and _ + = - / \\ (no spaces or ':') for contacts, plans and rotations",
)
CONTACTS_TAG_VALUE = ShapeRule(
    CONTACTS,
    "TagValue",
    1,
    256,
    r"^[\p{L}\p{Z}\p{N}_.:\/=+\-@]*$",
    "1 or more letters, digits, spaces and _ . : / = + - @",
)
INCIDENTS_TAG_KEY = ShapeRule(
    INCIDENTS,
    "TagKey",
    1,
    128,
    r"^(?!aws:)[A-Za-z0-9 _=@:.+-/]+$",
    "letters, digits, spaces and _ = @ : . + - /, not starting with 'aws:'",
)
INCIDENTS_TAG_VALUE = ShapeRule(
    INCIDENTS,
    "TagValue",
    0,
    256,
    r"^[A-Za-z0-9 _=@:.+-/]*$",
    "letters, digits, spaces and _ = @ : . + - /",
)
REGION_NAME = ShapeRule(INCIDENTS, "RegionName", 0, 20)
SSE_KMS_KEY = ShapeRule(INCIDENTS, "SseKmsKey", 0, 2048)
RESPONSE_PLAN_NAME = ShapeRule(
    INCIDENTS, "ResponsePlanName", 1, 200, r"^[a-zA-Z0-9-_]*$", "letters, digits, '-' and '_'"
)
RESPONSE_PLAN_DISPLAY_NAME = ShapeRule(INCIDENTS, "ResponsePlanDisplayName", 0, 200)
INCIDENT_TITLE = ShapeRule(INCIDENTS, "IncidentTitle", 0, 200)
INCIDENT_SUMMARY = ShapeRule(INCIDENTS, "IncidentSummary", 0, 8000)
DEDUPE_STRING = ShapeRule(INCIDENTS, "DedupeString", 0, 1000)
DOCUMENT_NAME = ShapeRule(
    INCIDENTS,
    "SsmAutomationDocumentNameString",
    None,
    None,
    r"^[a-zA-Z0-9_\-.:/]{3,128}$",
    "3 to 128 letters, digits and _ - . : /",
)
DOCUMENT_VERSION = ShapeRule(INCIDENTS, "SsmAutomationDocumentVersionString", 0, 128)
PARAMETER_NAME = ShapeRule(INCIDENTS, "SsmParametersKeyString", 1, 50)
DYNAMIC_PARAMETER_NAME = ShapeRule(INCIDENTS, "DynamicSsmParametersKeyString", 1, 50)
PARAMETER_VALUE = ShapeRule(INCIDENTS, "SsmParameterValuesMemberString", 0, 512)
ROLE_ARN = ShapeRule(
    INCIDENTS,
    "RoleArn",
    0,
    1000,
    r"^arn:aws(-cn|-us-gov)?:iam::([0-9]{12})?:role/.+$",
    "an IAM role ARN (arn:aws:iam::<account>:role/<path><name>)",
)
PAGERDUTY_NAME = ShapeRule(INCIDENTS, "PagerDutyConfigurationNameString", 1, 200)
PAGERDUTY_SERVICE_ID = ShapeRule(INCIDENTS, "PagerDutyIncidentConfigurationServiceIdString", 1, 200)
PAGERDUTY_SECRET_ID = ShapeRule(INCIDENTS, "PagerDutyConfigurationSecretIdString", 1, 512)
# Runbook documents (ssm) and the roles that start them (iam).
DOCUMENT_VERSION_NAME = ShapeRule(
    SSM,
    "DocumentVersionName",
    None,
    None,
    r"^[a-zA-Z0-9_\-.]{1,128}$",
    "1 to 128 letters, digits and _ - .",
)
TARGET_TYPE = ShapeRule(
    SSM, "TargetType", None, 200, r"^\/[\w\.\-\:\/]*$", "'/' then letters, digits and _ . - : /"
)
SHARED_ACCOUNT = ShapeRule(
    SSM, "AccountId", None, None, "(?i)all|[0-9]{12}", "a 12-digit account ID or all"
)
ROLE_NAME = ShapeRule(
    IAM, "roleNameType", 1, 64, r"[\w+=,.@-]+", "letters, digits and + = , . @ _ -"
)
ROLE_PATH = ShapeRule(
    IAM,
    "pathType",
    1,
    512,
    r"(\u002F)|(\u002F[\u0021-\u007E]+\u002F)",
    "'/' alone, or '/' + printable ASCII + '/' (e.g. /service-role/)",
)
ROLE_DESCRIPTION = ShapeRule(
    IAM,
    "roleDescriptionType",
    None,
    1000,
    r"[\u0009\u000A\u000D\u0020-\u007E\u00A1-\u00FF]*",
    "printable Latin-1 text",
)
POLICY_NAME = ShapeRule(
    IAM, "policyNameType", 1, 128, r"[\w+=,.@-]+", "letters, digits and + = , . @ _ -"
)

# Numeric and list limits: (service, shape) -> (min, max); None where the model has none.
STAGE_MINUTES = (CONTACTS, "StageDurationInMins", 0, 30)
RETRY_MINUTES = (CONTACTS, "RetryIntervalInMinutes", 0, 60)
RECURRENCE_MULTIPLIER = (CONTACTS, "RecurrenceMultiplier", 1, 100)
NUMBER_OF_ON_CALLS = (CONTACTS, "NumberOfOnCalls", 1, None)
DAY_OF_MONTH = (CONTACTS, "DayOfMonth", 1, 31)
ROTATION_CONTACTS = (CONTACTS, "RotationContactsArnList", 1, 30)
# Plan.RotationIds of an on-call schedule (the model allows 0; AWS refuses a schedule without).
SCHEDULE_ROTATIONS = (CONTACTS, "SsmContactsArnList", 0, 25)
CONTACTS_TAGS = (CONTACTS, "TagsList", 0, 50)


@dataclass(frozen=True)
class DocumentedQuota:
    """A limit the user guide states lower than the service model allows: AWS refuses more."""

    limit: int
    model_limit: int
    source: str


# "Each on-call schedule supports up to eight rotations." The model's RotationIds allows 25.
# (The guide's other figures, 30 contacts per rotation, 1-3 replication regions, 5 engagements,
# match the model and are checked from it.)
SCHEDULE_ROTATIONS_QUOTA = DocumentedQuota(
    8,
    SCHEDULE_ROTATIONS[3] or 0,
    "AWS Incident Manager User Guide, 'Managing responder rotations with on-call schedules'",
)


@dataclass(frozen=True)
class _QuotaCheck(AfterValidator):
    """``documented_quota``'s validator, which also states the quota in the JSON Schema."""

    quota: DocumentedQuota | None = None

    def __get_pydantic_json_schema__(
        self, core_schema: CoreSchema, handler: GetJsonSchemaHandler
    ) -> JsonSchemaValue:
        schema = handler(core_schema)
        if self.quota is not None:
            schema["maxItems"] = min(schema.get("maxItems", self.quota.limit), self.quota.limit)
            _add_comment(schema, self.quota.source)
        return schema


def documented_quota(quota: DocumentedQuota, what: str) -> AfterValidator:
    """A list-size validator for a documented quota, naming its source."""

    def check(value: list[Any]) -> list[Any]:
        if len(value) > quota.limit:
            raise PydanticCustomError(
                "api_rule",
                "has {count} {what}; at most {limit} ({source}; the service model allows "
                "{model_limit}, but AWS documents {limit})",
                {
                    "count": len(value),
                    "what": what,
                    "limit": quota.limit,
                    "source": quota.source,
                    "model_limit": quota.model_limit,
                },
            )
        return value

    return _QuotaCheck(check, quota)


REPLICATION_REGIONS = (INCIDENTS, "RegionMapInput", 1, 3)
ENGAGEMENTS = (INCIDENTS, "EngagementSet", 0, 5)
CHAT_CHANNELS = (INCIDENTS, "ChatbotSnsConfigurationSet", 1, 5)
NOTIFICATION_TARGETS = (INCIDENTS, "NotificationTargetSet", 0, 10)
INCIDENTS_TAGS = (INCIDENTS, "TagMap", 1, 50)
PARAMETERS = (INCIDENTS, "SsmParameters", 1, 200)
DYNAMIC_PARAMETERS = (INCIDENTS, "DynamicSsmParameters", 1, 200)
PARAMETER_VALUES = (INCIDENTS, "SsmParameterValues", 0, 100)
MAX_SESSION_DURATION = (IAM, "roleMaxSessionDurationType", 3600, 43200)

STRING_RULES = (
    CONTACT_ALIAS,
    CONTACT_NAME,
    CHANNEL_NAME,
    SIMPLE_ADDRESS,
    ROTATION_NAME,
    TIME_ZONE_ID,
    CONTACTS_TAG_KEY,
    CONTACTS_TAG_VALUE,
    INCIDENTS_TAG_KEY,
    INCIDENTS_TAG_VALUE,
    REGION_NAME,
    SSE_KMS_KEY,
    RESPONSE_PLAN_NAME,
    RESPONSE_PLAN_DISPLAY_NAME,
    INCIDENT_TITLE,
    INCIDENT_SUMMARY,
    DEDUPE_STRING,
    DOCUMENT_NAME,
    DOCUMENT_VERSION,
    PARAMETER_NAME,
    DYNAMIC_PARAMETER_NAME,
    PARAMETER_VALUE,
    PAGERDUTY_NAME,
    PAGERDUTY_SERVICE_ID,
    PAGERDUTY_SECRET_ID,
    ROLE_ARN,
    DOCUMENT_VERSION_NAME,
    TARGET_TYPE,
    SHARED_ACCOUNT,
    ROLE_NAME,
    ROLE_PATH,
    ROLE_DESCRIPTION,
    POLICY_NAME,
)
RANGE_RULES = (
    STAGE_MINUTES,
    RETRY_MINUTES,
    RECURRENCE_MULTIPLIER,
    NUMBER_OF_ON_CALLS,
    DAY_OF_MONTH,
    ROTATION_CONTACTS,
    SCHEDULE_ROTATIONS,
    CONTACTS_TAGS,
    REPLICATION_REGIONS,
    ENGAGEMENTS,
    CHAT_CHANNELS,
    NOTIFICATION_TARGETS,
    INCIDENTS_TAGS,
    PARAMETERS,
    DYNAMIC_PARAMETERS,
    PARAMETER_VALUES,
    MAX_SESSION_DURATION,
)


@cache
def _compiled(pattern: str) -> Any:
    return regex.compile(pattern)


def _fail(message: str, value: str, rule: ShapeRule) -> PydanticCustomError:
    shown = value if len(value) <= 60 else value[:57] + "..."
    return PydanticCustomError(
        "api_rule",
        "{given} " + message + " ({source})",
        {"given": repr(shown), "source": rule.source},
    )


def _add_comment(schema: JsonSchemaValue, source: str) -> None:
    """Name the limit's source in the schema's ``$comment`` (the reference's AWS limit)."""
    comments = [c for c in schema.get("$comment", "").split("; ") if c]
    schema["$comment"] = "; ".join(dict.fromkeys([*comments, source]))


@dataclass(frozen=True)
class ApiCheck(AfterValidator):
    """``api_check``'s validator, which also states its rule in the JSON Schema: the lengths,
    the pattern (as ECMA-262, see json_patterns) with its words, and the API shape."""

    rule: ShapeRule | None = None

    def __get_pydantic_json_schema__(
        self, core_schema: CoreSchema, handler: GetJsonSchemaHandler
    ) -> JsonSchemaValue:
        schema = handler(core_schema)
        rule = self.rule
        if rule is None:
            return schema
        # Two rules on one value (default tags: both services') keep the stricter lengths.
        if rule.min is not None:
            schema["minLength"] = max(schema.get("minLength", rule.min), rule.min)
        if rule.max is not None:
            schema["maxLength"] = min(schema.get("maxLength", rule.max), rule.max)
        if rule.pattern:
            words = pattern_schema(rule.pattern, f"expected {rule.words} ({rule.source})")
            if "pattern" in schema:
                schema.setdefault("allOf", []).append(words)
            else:
                schema.update(words)
        _add_comment(schema, rule.source)
        return schema


def api_check(rule: ShapeRule) -> AfterValidator:
    """A pydantic validator for ``Annotated[str, api_check(RULE)]``: the rule's lengths and
    pattern, with a message that says what is allowed and which API shape says so."""

    def check(value: str) -> str:
        if rule.min is not None and len(value) < rule.min:
            raise _fail(
                "must not be empty" if not value else f"is too short: at least {rule.min}",
                value,
                rule,
            )
        if rule.max is not None and len(value) > rule.max:
            raise _fail(f"is {len(value)} characters long: at most {rule.max}", value, rule)
        if rule.pattern and not _compiled(rule.pattern).fullmatch(value):
            raise _fail(f"is not valid: expected {rule.words}", value, rule)
        return value

    return ApiCheck(check, rule)


def _source(limits: tuple[str, str, int, int | None]) -> dict[str, Any]:
    return {"$comment": f"{limits[0]} {limits[1]}"}


def api_range(limits: tuple[str, str, int, int | None]) -> Any:
    """Field limits (``ge``/``le``) of a numeric shape, for ``Annotated[int, api_range(...)]``."""
    _, _, low, high = limits
    return Field(ge=low, le=high, json_schema_extra=_source(limits))


def api_size(limits: tuple[str, str, int, int | None], allow_empty: bool = True) -> Any:
    """List or map size limits; ``allow_empty`` where an empty list means "leave it out"."""
    _, _, low, high = limits
    return Field(
        min_length=0 if allow_empty else low, max_length=high, json_schema_extra=_source(limits)
    )
