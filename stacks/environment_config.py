"""The typed shape of an environment file (stacks/environments/<env>.yaml).

Every model forbids unknown keys, so a typo is an error rather than a silently ignored setting.
String, number and list limits come from the AWS API models (``api_rules``); addresses, regions
and names are checked for what they mean; cross-references (contacts by alias, plans by name) are
checked in ``environment_checks``.
"""

from __future__ import annotations

import re
from datetime import datetime
from typing import Annotated, Any, Literal

import phonenumbers
from email_validator import EmailNotValidError, validate_email
from pydantic import AfterValidator, BaseModel, ConfigDict, Field, field_validator, model_validator
from pydantic_core import PydanticCustomError

from stacks import api_rules as api
from stacks.aws_regions import AWS_REGIONS, INCIDENT_MANAGER_REGIONS
from stacks.config_errors import did_you_mean

ACCOUNT_ID_PATTERN = r"^[0-9]{12}$"
TIME_PATTERN = r"^([01][0-9]|2[0-3]):[0-5][0-9]$"
ARN_PATTERN = r"^arn:aws[a-z-]*:[a-z0-9-]+:[a-z0-9-]*:[0-9]{0,12}:.+$"
TOPIC_NAME_PATTERN = r"^[A-Za-z0-9_-]+$"
BUCKET_PATTERN = r"^[a-z0-9][a-z0-9.-]+$"
RUNBOOK_NAME_PATTERN = r"^[a-zA-Z0-9_\-.]+$"
# What SNS accepts as KmsMasterKeyId, or none (an unencrypted topic).
KEY_REFERENCE_PATTERN = (
    r"none|alias/[a-zA-Z0-9/_-]{1,250}|(mrk-)?[0-9a-f]{8}-?[0-9a-f]{4}-?[0-9a-f]{4}-?[0-9a-f]{4}-?"
    r"[0-9a-f]{12}|mrk-[0-9a-f]{32}"
    r"|arn:aws[a-z-]*:kms:[a-z0-9-]+:[0-9]{12}:(key/[a-zA-Z0-9-]+|alias/[a-zA-Z0-9/_-]+)"
)
STANDARD_STATISTICS = ("SampleCount", "Average", "Sum", "Minimum", "Maximum")
# CloudWatch's percentile extended statistics (p0 to p100, up to two decimals).
PERCENTILE_PATTERN = r"p(\d{1,2}(\.\d{1,2})?|100)"


def _region_in(allowed: tuple[str, ...], what: str) -> AfterValidator:
    def check(value: str) -> str:
        if value in allowed:
            return value
        if value in AWS_REGIONS:
            raise PydanticCustomError(
                "region",
                "{given} is an AWS region, but not {what} (those are: {allowed})",
                {"given": repr(value), "what": what, "allowed": ", ".join(allowed)},
            )
        raise PydanticCustomError(
            "region",
            "{given} is not {what}{hint}",
            {"given": repr(value), "what": what, "hint": did_you_mean(value, allowed)},
        )

    return AfterValidator(check)


Alias = Annotated[str, api.api_check(api.CONTACT_ALIAS)]
DisplayName = Annotated[str, api.api_check(api.CONTACT_NAME)]
ImRegion = Annotated[
    str,
    api.api_check(api.REGION_NAME),
    _region_in(INCIDENT_MANAGER_REGIONS, "an AWS region where Incident Manager runs"),
]
AwsRegion = Annotated[str, _region_in(AWS_REGIONS, "an AWS region")]
AccountId = Annotated[str, Field(pattern=ACCOUNT_ID_PATTERN)]
Minutes = Annotated[int, Field(ge=0, le=24 * 60)]
StageMinutes = Annotated[int, api.api_range(api.STAGE_MINUTES)]
RetryMinutes = Annotated[int, api.api_range(api.RETRY_MINUTES)]
TimeOfDayText = Annotated[str, Field(pattern=TIME_PATTERN)]
ContactsTags = Annotated[
    dict[
        Annotated[str, api.api_check(api.CONTACTS_TAG_KEY)],
        Annotated[str, api.api_check(api.CONTACTS_TAG_VALUE)],
    ],
    api.api_size(api.CONTACTS_TAGS),
]
IncidentsTags = Annotated[
    dict[
        Annotated[str, api.api_check(api.INCIDENTS_TAG_KEY)],
        Annotated[str, api.api_check(api.INCIDENTS_TAG_VALUE)],
    ],
    api.api_size(api.INCIDENTS_TAGS),
]
DefaultTags = Annotated[
    dict[
        Annotated[str, api.api_check(api.CONTACTS_TAG_KEY), api.api_check(api.INCIDENTS_TAG_KEY)],
        Annotated[
            str, api.api_check(api.CONTACTS_TAG_VALUE), api.api_check(api.INCIDENTS_TAG_VALUE)
        ],
    ],
    api.api_size(api.CONTACTS_TAGS),
]
# Tags on any other AWS resource (IAM, KMS, SNS, SSM, CloudWatch): the general limits.
ResourceTags = Annotated[
    dict[
        Annotated[str, Field(min_length=1, max_length=128)], Annotated[str, Field(max_length=256)]
    ],
    Field(max_length=50),
]
Arn = Annotated[str, Field(pattern=ARN_PATTERN)]
Day = Literal["MON", "TUE", "WED", "THU", "FRI", "SAT", "SUN"]
ChannelType = Literal["EMAIL", "SMS", "VOICE"]
TargetAccount = Literal["RESPONSE_PLAN_OWNER_ACCOUNT", "IMPACTED_ACCOUNT"]
DynamicParameterValue = Literal["INVOLVED_RESOURCES", "INCIDENT_RECORD_ARN"]
Impact = Literal["critical", "high", "medium", "low", "none"]
# CloudWatch StandardUnit (cloudwatch 2010-08-01 model).
Unit = Literal[
    "Seconds", "Microseconds", "Milliseconds", "Bytes", "Kilobytes", "Megabytes", "Gigabytes",
    "Terabytes", "Bits", "Kilobits", "Megabits", "Gigabits", "Terabits", "Percent", "Count",
    "Bytes/Second", "Kilobytes/Second", "Megabytes/Second", "Gigabytes/Second",
    "Terabytes/Second", "Bits/Second", "Kilobits/Second", "Megabits/Second", "Gigabits/Second",
    "Terabits/Second", "Count/Second", "None",
]  # fmt: skip
# An alarm action: a topic name from topics:, or an ARN (SNS topic, Auto Scaling policy,
# EC2 action arn:aws:automate:..., Systems Manager OpsItem, Lambda function).
AlarmActionRef = Annotated[str, Field(min_length=1, max_length=1024)]


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, strict=True)


class AssumeRoleConfig(_Model):
    """The role Terraform assumes to manage this environment."""

    role_arn: Arn
    session_name: Annotated[str, Field(min_length=2, max_length=64)] | None = None
    external_id: Annotated[str, Field(min_length=2, max_length=1224)] | None = None


class LocalBackendConfig(_Model):
    """State in a local file. ``path`` is relative to the repository root; the default keeps
    it beside cdktf.json, never inside cdktf.out (which every synth replaces)."""

    type: Literal["local"]
    path: str | None = None


class S3BackendConfig(_Model):
    """State in S3, locked either by an S3 lock file or by a DynamoDB table."""

    type: Literal["s3"]
    bucket: Annotated[str, Field(min_length=3, max_length=63, pattern=BUCKET_PATTERN)]
    key: Annotated[str, Field(min_length=1, max_length=1024)]
    region: AwsRegion
    encrypt: bool = True
    kms_key_id: str | None = None
    lock: Literal["lockfile", "dynamodb"] = "lockfile"
    dynamodb_table: str | None = None
    role_arn: Arn | None = None

    @model_validator(mode="after")
    def _lock_table(self) -> S3BackendConfig:
        if self.lock == "dynamodb" and not self.dynamodb_table:
            raise ValueError("lock: dynamodb needs dynamodb_table")
        if self.lock == "lockfile" and self.dynamodb_table:
            raise ValueError("dynamodb_table is only used with lock: dynamodb")
        return self


BackendConfig = Annotated[LocalBackendConfig | S3BackendConfig, Field(discriminator="type")]


class ReplicationSetConfig(_Model):
    """The account's replication set, or (``existing: true``) a set created elsewhere."""

    regions: Annotated[list[ImRegion], api.api_size(api.REPLICATION_REGIONS, allow_empty=False)]
    existing: bool = False
    encryption: Literal["aws-owned-key", "create-keys", "customer-managed-keys"] = "aws-owned-key"
    key_arns: dict[ImRegion, Annotated[Arn, api.api_check(api.SSE_KMS_KEY)]] = Field(
        default_factory=dict
    )
    prevent_destroy: bool = True
    key_deletion_window_days: Annotated[int, Field(ge=7, le=30)] = 30
    # The set's own tags (ssm-incidents rules); create-keys tags its keys with them too.
    tags: IncidentsTags = Field(default_factory=dict)


class ChannelConfig(_Model):
    """One way to reach a contact."""

    name: Annotated[str, api.api_check(api.CHANNEL_NAME)]
    type: ChannelType
    address: Annotated[str, api.api_check(api.SIMPLE_ADDRESS)] | None = None
    # true: the address is a sensitive Terraform variable supplied at plan time, not in git.
    secret: bool = False

    @model_validator(mode="after")
    def _address_fits_type(self) -> ChannelConfig:
        if self.secret:
            if self.address is not None:
                raise ValueError(
                    "give either address or secret: true, not both (a secret address is "
                    "supplied at plan time, not written here)"
                )
            return self
        if self.address is None:
            raise ValueError("needs an address, or secret: true to supply it at plan time")
        if self.type == "EMAIL":
            try:
                validate_email(self.address, check_deliverability=False)
            except EmailNotValidError as error:
                raise ValueError(
                    f"address {self.address!r} is not an e-mail address: {error}"
                ) from None
        elif not _is_e164(self.address):
            raise ValueError(
                f"address {self.address!r} is not a phone number in E.164 form "
                f"(+, country code, number, no spaces: e.g. +12065550100) for {self.type}"
            )
        return self


def _is_e164(address: str) -> bool:
    if not address.startswith("+"):
        return False
    try:
        number = phonenumbers.parse(address, None)
    except phonenumbers.NumberParseException:
        return False
    formatted = phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)
    return formatted == address and phonenumbers.is_valid_number(number)


class EngagementStepConfig(_Model):
    """Engage ``channel`` ``at_minute`` minutes after the contact is engaged."""

    channel: str
    # A day at most: a later engagement is surely a typo, and each 30 minutes is one stage.
    at_minute: Minutes
    retry_interval_minutes: RetryMinutes | None = None


class ContactConfig(_Model):
    """A person Incident Manager can page."""

    alias: Alias
    display_name: DisplayName | None = None
    channels: Annotated[list[ChannelConfig], Field(min_length=1)]
    engagement: Annotated[list[EngagementStepConfig], Field(min_length=1)]
    tags: ContactsTags = Field(default_factory=dict)


class StageTargetConfig(_Model):
    """A stage target: a contact or escalation plan (``contact``), or one channel of a
    contact (``contact`` + ``channel``)."""

    contact: str
    channel: str | None = None
    acknowledgement_stops_plan: bool | None = None
    retry_interval_minutes: RetryMinutes | None = None

    @model_validator(mode="after")
    def _one_kind(self) -> StageTargetConfig:
        if self.channel is None and self.retry_interval_minutes is not None:
            raise ValueError("retry_interval_minutes applies to a channel target only")
        if self.channel is not None and self.acknowledgement_stops_plan is not None:
            raise ValueError("acknowledgement_stops_plan applies to a contact target only")
        return self


class StageConfig(_Model):
    """Targets engaged together; the next stage starts ``duration_minutes`` later."""

    duration_minutes: StageMinutes
    targets: list[StageTargetConfig] = Field(default_factory=list)

    @model_validator(mode="after")
    def _zero_needs_target(self) -> StageConfig:
        if self.duration_minutes == 0 and not self.targets:
            raise ValueError("a 0-minute stage must have at least one target")
        return self


class EscalationPlanConfig(_Model):
    """An escalation plan: stages of contacts and channels."""

    alias: Alias
    display_name: DisplayName | None = None
    stages: Annotated[list[StageConfig], Field(min_length=1)]
    tags: ContactsTags = Field(default_factory=dict)


class WeeklyHandOffConfig(_Model):
    day: Day
    time: TimeOfDayText


class MonthlyHandOffConfig(_Model):
    day_of_month: Annotated[int, api.api_range(api.DAY_OF_MONTH)]
    time: TimeOfDayText


class HandOffConfig(_Model):
    """When the on-call shift changes hands: exactly one of daily, weekly, monthly."""

    daily: list[TimeOfDayText] = Field(default_factory=list)
    weekly: list[WeeklyHandOffConfig] = Field(default_factory=list)
    monthly: list[MonthlyHandOffConfig] = Field(default_factory=list)

    @model_validator(mode="after")
    def _exactly_one(self) -> HandOffConfig:
        given = [k for k in ("daily", "weekly", "monthly") if getattr(self, k)]
        if len(given) != 1:
            raise ValueError(
                f"set exactly one of daily, weekly, monthly (given: {', '.join(given) or 'none'})"
            )
        return self


class CoverageConfig(_Model):
    start: TimeOfDayText
    end: TimeOfDayText


class RotationConfig(_Model):
    """An on-call rotation of personal contacts, taking turns in the order listed."""

    name: Annotated[str, api.api_check(api.ROTATION_NAME)]
    contacts: Annotated[list[str], api.api_size(api.ROTATION_CONTACTS, allow_empty=False)]
    time_zone: Annotated[str, api.api_check(api.TIME_ZONE_ID)]
    start_time: datetime
    number_of_on_calls: Annotated[int, api.api_range(api.NUMBER_OF_ON_CALLS)] = 1
    recurrence_multiplier: Annotated[int, api.api_range(api.RECURRENCE_MULTIPLIER)] = 1
    hand_off: HandOffConfig
    shift_coverages: dict[Day, list[CoverageConfig]] = Field(default_factory=dict)
    tags: ContactsTags = Field(default_factory=dict)

    @field_validator("start_time", mode="before")
    @classmethod
    def _parse_text(cls, value: object) -> object:
        # YAML gives a datetime for an unquoted timestamp and a str for a quoted one.
        if isinstance(value, str):
            try:
                return datetime.fromisoformat(value)
            except ValueError:
                raise ValueError(
                    "not an ISO 8601 date and time; write e.g. 2026-01-05T09:00:00-08:00"
                ) from None
        return value

    @field_validator("start_time")
    @classmethod
    def _aware(cls, value: datetime) -> datetime:
        if value.tzinfo is None:
            raise ValueError("needs a UTC offset, e.g. 2026-01-05T09:00:00Z")
        return value


class OnCallScheduleConfig(_Model):
    """An on-call schedule: pages whoever is on call in its rotations; engaged like a contact."""

    alias: Alias
    # CloudFormation requires a display name for a schedule; so do we, so that a later move to
    # CloudFormation or the provider's rotation_ids needs no change.
    display_name: Annotated[str, Field(min_length=1), api.api_check(api.CONTACT_NAME)]
    # The model allows an empty RotationIds list; AWS refuses a schedule without rotations.
    rotations: Annotated[
        list[str],
        Field(min_length=1),
        api.documented_quota(api.SCHEDULE_ROTATIONS_QUOTA, "rotations"),
    ]
    tags: ContactsTags = Field(default_factory=dict)


def _key_reference(value: str) -> str:
    if re.fullmatch(KEY_REFERENCE_PATTERN, value):
        return value
    raise ValueError(
        f"{value!r} is not a KMS key reference: give a key ARN, an alias (alias/name or its "
        "ARN), a key ID, or none for an unencrypted topic"
    )


class TopicConfig(_Model):
    """An SNS topic for chat channels or incident notifications.

    By default the environment creates it, encrypted with a KMS key the stack creates, with a
    policy that lets Incident Manager of this account publish. An existing topic adopted as it
    is names the key it uses (``encryption_key``, referred to, not managed; ``none`` for an
    unencrypted topic) and its own policy (``policy``, a JSON file in the repository).
    """

    name: Annotated[str, Field(min_length=1, max_length=256, pattern=TOPIC_NAME_PATTERN)]
    # SNS: "up to 100 printable ASCII characters" (the sender name of SMS messages).
    display_name: Annotated[str, Field(max_length=100)] | None = None
    encryption_key: Annotated[str, AfterValidator(_key_reference)] | None = None
    # A JSON file relative to the repository root (stacks/policies/<env>/<topic>.topic-policy.json).
    policy: Annotated[str, Field(min_length=1)] | None = None
    tags: ResourceTags = Field(default_factory=dict)


# AWS takes document version names of 1 to 128 characters; provider 5.100.0 refuses fewer than
# 3 when it plans.
PROVIDER_MIN_VERSION_NAME = 3


def _provider_version_name(value: str) -> str:
    if len(value) < PROVIDER_MIN_VERSION_NAME:
        raise ValueError(
            f"{value!r} is too short: the AWS provider (5.100.0) takes 3 to 128 characters, "
            "although AWS allows 1"
        )
    return value


class RunbookConfig(_Model):
    """An SSM Automation document; ``document`` is a file relative to the repo root, JSON if it
    ends in ``.json``, YAML otherwise. ``version_name``, ``target_type`` and ``shared_with`` (the
    accounts the document is shared with, or ``all``) are the document's own settings."""

    name: Annotated[str, api.api_check(api.DOCUMENT_NAME), Field(pattern=RUNBOOK_NAME_PATTERN)]
    document: Annotated[str, Field(min_length=1)]
    version_name: (
        Annotated[
            str, api.api_check(api.DOCUMENT_VERSION_NAME), AfterValidator(_provider_version_name)
        ]
        | None
    ) = None
    target_type: Annotated[str, api.api_check(api.TARGET_TYPE)] | None = None
    shared_with: list[Annotated[str, api.api_check(api.SHARED_ACCOUNT)]] = Field(
        default_factory=list
    )
    tags: ResourceTags = Field(default_factory=dict)


class InlinePolicyConfig(_Model):
    """An inline policy of a runbook role: its name and its JSON file."""

    name: Annotated[str, api.api_check(api.POLICY_NAME)]
    document: Annotated[str, Field(min_length=1)]


class RunbookRoleConfig(_Model):
    """An IAM role Incident Manager assumes to start runbooks, described in full (an adopted
    role, or one several response plans share). Policy files are JSON, relative to the repo
    root. ``managed_policies`` are attached one by one; other attachments stay as they are."""

    name: Annotated[str, api.api_check(api.ROLE_NAME)]
    path: Annotated[str, api.api_check(api.ROLE_PATH)] = "/"
    description: Annotated[str, api.api_check(api.ROLE_DESCRIPTION)] | None = None
    max_session_duration: Annotated[int, api.api_range(api.MAX_SESSION_DURATION)] = 3600
    permissions_boundary: Arn | None = None
    trust_policy: Annotated[str, Field(min_length=1)]
    inline_policies: list[InlinePolicyConfig] = Field(default_factory=list)
    managed_policies: list[Arn] = Field(default_factory=list)
    tags: ResourceTags = Field(default_factory=dict)


class IncidentConfig(_Model):
    """The template of incidents opened with a response plan."""

    title: Annotated[str, Field(min_length=1), api.api_check(api.INCIDENT_TITLE)]
    impact: Impact
    summary: Annotated[str, api.api_check(api.INCIDENT_SUMMARY)] | None = None
    dedupe_string: Annotated[str, api.api_check(api.DEDUPE_STRING)] | None = None
    tags: IncidentsTags = Field(default_factory=dict)
    notify: Annotated[list[str], api.api_size(api.NOTIFICATION_TARGETS)] = Field(
        default_factory=list
    )


class RunbookActionConfig(_Model):
    """Start a runbook when an incident opens: ``name``, a runbook of this environment, or
    ``document``, one this stack does not manage (owned by Amazon, or shared from another
    account: its name or ARN). ``role`` is a ``runbook_roles`` name or a role ARN (default: the
    runbook's own role; required with ``document``).

    ``kept_as_adopted`` allows an empty ``parameters`` or ``dynamic_parameters`` map, which
    provider 5.100.0 cannot send: an action adopted that way is imported and left as AWS holds
    it while this entry is unchanged. Changing it fails at apply until both maps have an entry."""

    name: str | None = None
    document: Annotated[str, api.api_check(api.DOCUMENT_NAME)] | None = None
    role: Annotated[str, Field(min_length=1)] | None = None
    kept_as_adopted: bool = False
    document_version: Annotated[str, api.api_check(api.DOCUMENT_VERSION)] | None = None
    target_account: TargetAccount | None = None
    parameters: Annotated[
        dict[
            Annotated[str, api.api_check(api.PARAMETER_NAME)],
            Annotated[
                list[Annotated[str, api.api_check(api.PARAMETER_VALUE)]],
                # AWS rejects an empty value list (terraform-provider-aws#32057).
                Field(min_length=1, max_length=api.PARAMETER_VALUES[3]),
            ],
        ],
        api.api_size(api.PARAMETERS),
    ] = Field(default_factory=dict)
    dynamic_parameters: Annotated[
        dict[Annotated[str, api.api_check(api.DYNAMIC_PARAMETER_NAME)], DynamicParameterValue],
        api.api_size(api.DYNAMIC_PARAMETERS),
    ] = Field(default_factory=dict)

    @model_validator(mode="after")
    def _one_document(self) -> RunbookActionConfig:
        if (self.name is None) == (self.document is None):
            raise ValueError(
                "give exactly one of name (a runbook of this environment) and document (a "
                "document this stack does not manage, e.g. "
                "AWSIncidents-CriticalIncidentRunbookTemplate)"
            )
        if self.document is not None and self.role is None:
            raise ValueError(
                "a document this stack does not manage needs role: (a runbook_roles name or a "
                "role ARN); only runbooks of this environment have a role of their own"
            )
        return self

    @field_validator("role")
    @classmethod
    def _role_arn(cls, value: str | None) -> str | None:
        # A name is looked up in runbook_roles (environment_checks); an ARN must be one.
        if value is not None and value.startswith("arn:"):
            check: Any = api.api_check(api.ROLE_ARN).func
            check(value)
        return value

    @model_validator(mode="after")
    def _both_maps(self) -> RunbookActionConfig:
        # provider 5.100.0 sends both maps, empty or not, and AWS refuses an empty one
        # ("Value '{}' at '...parameters' failed to satisfy constraint", #32057): the apply
        # would fail half-way, so say it here.
        missing = [k for k in ("parameters", "dynamic_parameters") if not getattr(self, k)]
        if self.kept_as_adopted:
            if not missing:
                raise ValueError(
                    "kept_as_adopted is only for an action adopted with an empty parameters or "
                    "dynamic_parameters map; this one has both: remove kept_as_adopted"
                )
            return self
        if missing:
            raise ValueError(
                f"give at least one entry in {' and '.join(missing)}: the AWS provider sends "
                "both maps and AWS refuses an empty one (terraform-provider-aws#32057); e.g. "
                "parameters: {Environment: [prod]} and dynamic_parameters: {IncidentRecordArn: "
                "INCIDENT_RECORD_ARN}, each declared by the runbook document"
            )
        return self


class PagerDutyConfig(_Model):
    name: Annotated[str, api.api_check(api.PAGERDUTY_NAME)]
    service_id: Annotated[str, api.api_check(api.PAGERDUTY_SERVICE_ID)]
    secret_id: Annotated[str, api.api_check(api.PAGERDUTY_SECRET_ID)]


class ResponsePlanConfig(_Model):
    """A response plan: incident template, engagements, runbook."""

    name: Annotated[str, api.api_check(api.RESPONSE_PLAN_NAME)]
    display_name: Annotated[str, api.api_check(api.RESPONSE_PLAN_DISPLAY_NAME)] | None = None
    incident: IncidentConfig
    chat_channels: Annotated[list[str], api.api_size(api.CHAT_CHANNELS)] = Field(
        default_factory=list
    )
    engagements: Annotated[list[str], api.api_size(api.ENGAGEMENTS)] = Field(default_factory=list)
    runbook: RunbookActionConfig | None = None
    pagerduty: PagerDutyConfig | None = None
    tags: IncidentsTags = Field(default_factory=dict)


class MetricConfig(_Model):
    namespace: Annotated[str, Field(min_length=1, max_length=255)]
    name: Annotated[str, Field(min_length=1, max_length=255)]
    dimensions: Annotated[dict[str, str], Field(max_length=30)] = Field(default_factory=dict)
    # A standard statistic, or a percentile (CloudWatch's extended statistic pNN.NN).
    statistic: str = "Average"
    period_seconds: int = 300
    unit: Unit | None = None

    @field_validator("statistic")
    @classmethod
    def _statistic(cls, value: str) -> str:
        if value in STANDARD_STATISTICS or re.fullmatch(PERCENTILE_PATTERN, value):
            return value
        raise ValueError(
            f"{value!r} is not a statistic: {', '.join(STANDARD_STATISTICS)}, or a percentile "
            "p0 to p100 with up to two decimals (p90, p99, p99.9)"
        )

    @field_validator("period_seconds")
    @classmethod
    def _cloudwatch_period(cls, value: int) -> int:
        if value not in (10, 20, 30) and (value < 60 or value % 60):
            raise ValueError(f"{value} is not a CloudWatch period: 10, 20, 30 or a multiple of 60")
        return value


class AlarmConfig(_Model):
    """A CloudWatch alarm that opens an incident with ``response_plan`` when it fires."""

    name: Annotated[str, Field(min_length=1, max_length=255)]
    response_plan: str
    description: Annotated[str, Field(max_length=1024)] | None = None
    metric: MetricConfig
    comparison: Literal[
        "GreaterThanOrEqualToThreshold",
        "GreaterThanThreshold",
        "LessThanThreshold",
        "LessThanOrEqualToThreshold",
    ]
    threshold: float
    evaluation_periods: Annotated[int, Field(ge=1)] = 1
    datapoints_to_alarm: Annotated[int, Field(ge=1)] | None = None
    treat_missing_data: Literal["missing", "ignore", "breaching", "notBreaching"] = "missing"
    # Percentile statistics only: how to treat periods with too few samples.
    evaluate_low_sample_count_percentiles: Literal["evaluate", "ignore"] | None = None
    # The region the alarm lives in (default: the environment's); one of the replication set's.
    region: ImRegion | None = None
    # Besides opening the incident: topic names (from topics:) or action ARNs.
    alarm_actions: list[AlarmActionRef] = Field(default_factory=list)
    ok_actions: Annotated[list[AlarmActionRef], Field(max_length=5)] = Field(default_factory=list)
    insufficient_data_actions: Annotated[list[AlarmActionRef], Field(max_length=5)] = Field(
        default_factory=list
    )
    actions_enabled: bool = True
    tags: ResourceTags = Field(default_factory=dict)


class EnvironmentConfig(_Model):
    """One environment: one stack named ``incident-manager-<env>``."""

    account_id: AccountId
    region: ImRegion
    assume_role: AssumeRoleConfig | None = None
    # Default tags land on contacts and response plans too: the stricter rules of both apply.
    default_tags: DefaultTags = Field(default_factory=dict)
    backend: BackendConfig = Field(default_factory=lambda: LocalBackendConfig(type="local"))
    replication_set: ReplicationSetConfig
    contacts: list[ContactConfig] = Field(default_factory=list)
    escalation_plans: list[EscalationPlanConfig] = Field(default_factory=list)
    rotations: list[RotationConfig] = Field(default_factory=list)
    oncall_schedules: list[OnCallScheduleConfig] = Field(default_factory=list)
    topics: list[TopicConfig] = Field(default_factory=list)
    runbooks: list[RunbookConfig] = Field(default_factory=list)
    runbook_roles: list[RunbookRoleConfig] = Field(default_factory=list)
    response_plans: list[ResponsePlanConfig] = Field(default_factory=list)
    alarms: list[AlarmConfig] = Field(default_factory=list)
