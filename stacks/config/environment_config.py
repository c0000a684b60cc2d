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

from stacks.config import api_rules as api
from stacks.config.aws_regions import AWS_REGIONS, INCIDENT_MANAGER_REGIONS
from stacks.config.config_errors import did_you_mean
from stacks.config.json_patterns import pattern_schema

ACCOUNT_ID_PATTERN = r"^[0-9]{12}$"
TIME_PATTERN = r"^([01][0-9]|2[0-3]):[0-5][0-9]$"
ARN_PATTERN = r"^arn:aws[a-z-]*:[a-z0-9-]+:[a-z0-9-]*:[0-9]{0,12}:.+$"
# A managed policy: the account's own, or AWS's ("aws" in the account field, e.g.
# arn:aws:iam::aws:policy/service-role/AmazonSSMAutomationRole, which adopt writes as it finds).
POLICY_ARN_PATTERN = r"^arn:aws[a-z-]*:iam::([0-9]{12}|aws):policy/.+$"
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
# The regions' enum is what the JSON Schema (stacks/config/environment_schema.py) shows an editor.
ImRegion = Annotated[
    str,
    api.api_check(api.REGION_NAME),
    _region_in(INCIDENT_MANAGER_REGIONS, "an AWS region where Incident Manager runs"),
    Field(json_schema_extra={"enum": list(INCIDENT_MANAGER_REGIONS)}),
]
AwsRegion = Annotated[
    str,
    _region_in(AWS_REGIONS, "an AWS region"),
    Field(json_schema_extra={"enum": list(AWS_REGIONS)}),
]
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
PolicyArn = Annotated[str, Field(pattern=POLICY_ARN_PATTERN)]
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

    role_arn: Arn = Field(
        description="The role's ARN.",
        examples=["arn:aws:iam::111122223333:role/incident-manager-deployer"],
    )
    session_name: Annotated[str, Field(min_length=2, max_length=64)] | None = Field(
        None,
        description="The session name (STS RoleSessionName).",
        examples=["incident-manager-prod"],
    )
    external_id: Annotated[str, Field(min_length=2, max_length=1224)] | None = Field(
        None, description="The external ID the role's trust policy asks for.", examples=["a1b2c3"]
    )


class LocalBackendConfig(_Model):
    """State in a local file. ``path`` is relative to the repository root; the default keeps
    it beside cdktf.json, never inside cdktf.out (which every synth replaces)."""

    type: Literal["local"] = Field(description="local: state in a file.")
    path: str | None = Field(
        None,
        description="The state file, relative to the repository root; default "
        "terraform.incident-manager-<env>.tfstate.",
        examples=["state/prod.tfstate"],
    )


class S3BackendConfig(_Model):
    """State in S3, locked either by an S3 lock file or by a DynamoDB table."""

    type: Literal["s3"] = Field(description="s3: state in an S3 bucket.")
    bucket: Annotated[str, Field(min_length=3, max_length=63, pattern=BUCKET_PATTERN)] = Field(
        description="The state bucket.", examples=["example-prod-terraform-state"]
    )
    key: Annotated[str, Field(min_length=1, max_length=1024)] = Field(
        description="The state object's key.", examples=["incident-manager/prod.tfstate"]
    )
    region: AwsRegion = Field(description="The bucket's region.", examples=["us-east-1"])
    encrypt: bool = Field(True, description="Encrypt the state object (server-side).")
    kms_key_id: str | None = Field(
        None,
        description="A KMS key for the state object (default: the bucket's encryption).",
        examples=["arn:aws:kms:us-east-1:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab"],
    )
    lock: Literal["lockfile", "dynamodb"] = Field(
        "lockfile",
        description="lockfile: an S3 lock file (Terraform >= 1.10); dynamodb: a DynamoDB table.",
    )
    dynamodb_table: str | None = Field(
        None,
        description="The lock table; required with lock: dynamodb, only then.",
        examples=["example-terraform-locks"],
    )
    role_arn: Arn | None = Field(
        None,
        description="A role to assume for the state bucket.",
        examples=["arn:aws:iam::111122223333:role/terraform-state"],
    )

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

    regions: Annotated[list[ImRegion], api.api_size(api.REPLICATION_REGIONS, allow_empty=False)] = (
        Field(
            description="The set's regions, each once; the provider region is one of them.",
            examples=[["us-east-1", "us-west-2"]],
        )
    )
    existing: bool = Field(
        False,
        description="true: the set was created elsewhere (the console, another environment of "
        "the account); it is only referred to, never managed.",
    )
    encryption: Literal["aws-owned-key", "create-keys", "customer-managed-keys"] = Field(
        "aws-owned-key",
        description="aws-owned-key; create-keys: a KMS key per region, created here; "
        "customer-managed-keys: your keys, in key_arns.",
    )
    key_arns: dict[ImRegion, Annotated[Arn, api.api_check(api.SSE_KMS_KEY)]] = Field(
        default_factory=dict,
        description="customer-managed-keys: a key ARN for every region of the set.",
        examples=[{"us-east-1": "arn:aws:kms:us-east-1:111122223333:key/1234abcd-12ab-34cd-56ef"}],
    )
    prevent_destroy: bool = Field(
        True,
        description="Refuse to destroy the set: deleting it deletes every contact, plan, "
        "response plan and incident record.",
    )
    key_deletion_window_days: Annotated[int, Field(ge=7, le=30)] = Field(
        30, description="create-keys: days before a deleted key is gone."
    )
    # The set's own tags (ssm-incidents rules); create-keys tags its keys with them too.
    tags: IncidentsTags = Field(
        default_factory=dict,
        description="The set's own tags (ssm-incidents rules); create-keys tags its keys too.",
        examples=[{"team": "sre"}],
    )


class ChannelConfig(_Model):
    """One way to reach a contact."""

    name: Annotated[str, api.api_check(api.CHANNEL_NAME)] = Field(
        description="The channel's name, unique within the contact.", examples=["email"]
    )
    type: ChannelType = Field(description="How the channel pages.", examples=["EMAIL"])
    address: Annotated[str, api.api_check(api.SIMPLE_ADDRESS)] | None = Field(
        None,
        description="An e-mail address, or for SMS and VOICE a phone number in E.164 form "
        "(+12065550100, in quotes); or leave it out and set secret: true.",
        examples=["ir@example.com"],
    )
    # true: the address is a sensitive Terraform variable supplied at plan time, not in git.
    secret: bool = Field(
        False,
        description="true: the address is a sensitive Terraform variable supplied at plan "
        "time, never written here (make secrets names it).",
    )

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

    channel: str = Field(description="A channel name of this contact.", examples=["email"])
    # A day at most: a later engagement is surely a typo, and each 30 minutes is one stage.
    at_minute: Minutes = Field(
        description="Minutes after the contact is engaged (a day at most).", examples=[0]
    )
    retry_interval_minutes: RetryMinutes | None = Field(
        None, description="Minutes between retries of this channel.", examples=[5]
    )


class ContactConfig(_Model):
    """A person Incident Manager can page."""

    alias: Alias = Field(
        description="Unique per account: contacts, escalation plans and on-call schedules share "
        "one alias space. Renaming it replaces the contact.",
        examples=["incident-responder"],
    )
    display_name: DisplayName | None = Field(
        None, description="The name the console shows.", examples=["Incident Responder"]
    )
    channels: Annotated[list[ChannelConfig], Field(min_length=1)] = Field(
        description="The ways to reach the contact, at least one."
    )
    engagement: Annotated[list[EngagementStepConfig], Field(min_length=1)] = Field(
        description="The contact's engagement plan (the console's): which channel is paged "
        "when, at least one step."
    )
    tags: ContactsTags = Field(
        default_factory=dict, description="The contact's tags.", examples=[{"team": "sre"}]
    )


class StageTargetConfig(_Model):
    """A stage target: a contact or escalation plan (``contact``), or one channel of a
    contact (``contact`` + ``channel``)."""

    contact: str = Field(
        description="A contact, escalation plan or on-call schedule alias.",
        examples=["incident-responder"],
    )
    channel: str | None = Field(
        None,
        description="Page only this channel of the personal contact named in contact.",
        examples=["mobile"],
    )
    acknowledgement_stops_plan: bool | None = Field(
        None,
        description="Contact targets: whether an acknowledgement stops the plan (default true).",
        examples=[True],
    )
    retry_interval_minutes: RetryMinutes | None = Field(
        None, description="Channel targets: minutes between retries.", examples=[2]
    )

    @model_validator(mode="after")
    def _one_kind(self) -> StageTargetConfig:
        if self.channel is None and self.retry_interval_minutes is not None:
            raise ValueError("retry_interval_minutes applies to a channel target only")
        if self.channel is not None and self.acknowledgement_stops_plan is not None:
            raise ValueError("acknowledgement_stops_plan applies to a contact target only")
        return self


class StageConfig(_Model):
    """Targets engaged together; the next stage starts ``duration_minutes`` later."""

    duration_minutes: StageMinutes = Field(
        description="Minutes until the next stage starts; 0 only with targets.", examples=[5]
    )
    targets: list[StageTargetConfig] = Field(
        default_factory=list, description="Contacts, plans, schedules or channels engaged together."
    )

    @model_validator(mode="after")
    def _zero_needs_target(self) -> StageConfig:
        if self.duration_minutes == 0 and not self.targets:
            raise ValueError("a 0-minute stage must have at least one target")
        return self


class EscalationPlanConfig(_Model):
    """An escalation plan: stages of contacts and channels."""

    alias: Alias = Field(
        description="Unique per account, shared with contacts and on-call schedules.",
        examples=["app-escalation-plan"],
    )
    display_name: DisplayName | None = Field(
        None, description="The name the console shows.", examples=["App escalation plan"]
    )
    stages: Annotated[list[StageConfig], Field(min_length=1)] = Field(
        description="The stages, in order, at least one."
    )
    tags: ContactsTags = Field(
        default_factory=dict, description="The plan's tags.", examples=[{"team": "sre"}]
    )


class WeeklyHandOffConfig(_Model):
    """A weekly hand-off: a day and a time."""

    day: Day = Field(description="The day of the week.", examples=["MON"])
    time: TimeOfDayText = Field(
        description="The time of day, HH:MM (in quotes).", examples=["09:00"]
    )


class MonthlyHandOffConfig(_Model):
    """A monthly hand-off: a day of the month and a time."""

    day_of_month: Annotated[int, api.api_range(api.DAY_OF_MONTH)] = Field(
        description="The day of the month.", examples=[1]
    )
    time: TimeOfDayText = Field(
        description="The time of day, HH:MM (in quotes).", examples=["09:00"]
    )


class HandOffConfig(_Model):
    """When the on-call shift changes hands: exactly one of daily, weekly, monthly."""

    daily: list[TimeOfDayText] = Field(
        default_factory=list,
        description="Times of day, each once (in quotes).",
        examples=[["09:00", "21:00"]],
    )
    weekly: list[WeeklyHandOffConfig] = Field(default_factory=list, description="Days and times.")
    monthly: list[MonthlyHandOffConfig] = Field(
        default_factory=list, description="Days of the month and times."
    )

    @model_validator(mode="after")
    def _exactly_one(self) -> HandOffConfig:
        given = [k for k in ("daily", "weekly", "monthly") if getattr(self, k)]
        if len(given) != 1:
            raise ValueError(
                f"set exactly one of daily, weekly, monthly (given: {', '.join(given) or 'none'})"
            )
        return self


class CoverageConfig(_Model):
    """Hours of a day the rotation covers; an end at or before the start runs past midnight."""

    start: TimeOfDayText = Field(description="Start, HH:MM (in quotes).", examples=["09:00"])
    end: TimeOfDayText = Field(description="End, HH:MM (in quotes).", examples=["17:00"])


class RotationConfig(_Model):
    """An on-call rotation of personal contacts, taking turns in the order listed."""

    name: Annotated[str, api.api_check(api.ROTATION_NAME)] = Field(
        description="The rotation's name, unique per account.", examples=["app-responders-weekly"]
    )
    contacts: Annotated[list[str], api.api_size(api.ROTATION_CONTACTS, allow_empty=False)] = Field(
        description="Personal contact aliases, each once, in shift order.",
        examples=[["incident-responder", "sr-incident-responder"]],
    )
    time_zone: Annotated[str, api.api_check(api.TIME_ZONE_ID)] = Field(
        description="An IANA time zone.", examples=["America/Los_Angeles"]
    )
    start_time: datetime = Field(
        description="When the rotation starts: ISO 8601 with a UTC offset (in quotes).",
        examples=["2026-01-05T09:00:00-08:00"],
    )
    number_of_on_calls: Annotated[int, api.api_range(api.NUMBER_OF_ON_CALLS)] = Field(
        1, description="Contacts on call at once; at most the number of contacts."
    )
    recurrence_multiplier: Annotated[int, api.api_range(api.RECURRENCE_MULTIPLIER)] = Field(
        1, description="Hand-offs per shift: 2 with weekly hand-offs makes two-week shifts."
    )
    hand_off: HandOffConfig = Field(
        description="When the shift changes hands: exactly one of daily, weekly, monthly."
    )
    shift_coverages: dict[Day, list[CoverageConfig]] = Field(
        default_factory=dict,
        description="Hours covered per day; none: around the clock.",
        examples=[{"MON": [{"start": "09:00", "end": "17:00"}]}],
    )
    tags: ContactsTags = Field(
        default_factory=dict, description="The rotation's tags.", examples=[{"team": "sre"}]
    )

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

    alias: Alias = Field(
        description="Unique per account, shared with contacts and escalation plans.",
        examples=["app-oncall"],
    )
    # CloudFormation requires a display name for a schedule; so do we, so that a later move to
    # CloudFormation or the provider's rotation_ids needs no change.
    display_name: Annotated[str, Field(min_length=1), api.api_check(api.CONTACT_NAME)] = Field(
        description="The name the console shows.", examples=["App on-call"]
    )
    # The model allows an empty RotationIds list; AWS refuses a schedule without rotations.
    rotations: Annotated[
        list[str],
        Field(min_length=1),
        api.documented_quota(api.SCHEDULE_ROTATIONS_QUOTA, "rotations"),
    ] = Field(description="Rotation names, each once.", examples=[["app-responders-weekly"]])
    tags: ContactsTags = Field(
        default_factory=dict,
        description="The schedule's tags; default_tags are added (the provider does not tag "
        "schedules).",
        examples=[{"team": "sre"}],
    )


KEY_REFERENCE_WORDS = "a KMS key ARN, key ID, alias/name, alias ARN, or none"


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

    name: Annotated[str, Field(min_length=1, max_length=256, pattern=TOPIC_NAME_PATTERN)] = Field(
        description="The topic's name, unique in the environment.", examples=["incident-chat"]
    )
    # SNS: "up to 100 printable ASCII characters" (the sender name of SMS messages).
    display_name: Annotated[str, Field(max_length=100)] | None = Field(
        None, description="The sender name of SMS messages.", examples=["Incidents"]
    )
    encryption_key: (
        Annotated[
            str,
            AfterValidator(_key_reference),
            Field(json_schema_extra=pattern_schema(KEY_REFERENCE_PATTERN, KEY_REFERENCE_WORDS)),
        ]
        | None
    ) = Field(
        None,
        description="Default: a KMS key this stack creates (one for all topics). Or an existing "
        "key, referred to, never managed: a key ARN, key ID, alias/name or alias ARN; none: "
        "unencrypted.",
        examples=["alias/incident-topics"],
    )
    # A JSON file relative to the repository root (stacks/policies/<env>/<topic>.topic-policy.json).
    policy: Annotated[str, Field(min_length=1)] | None = Field(
        None,
        description="Default: Incident Manager of this account may publish. Or a JSON policy "
        "file relative to the repository root.",
        examples=["stacks/policies/prod/incident-chat.topic-policy.json"],
    )
    tags: ResourceTags = Field(
        default_factory=dict, description="The topic's tags.", examples=[{"team": "sre"}]
    )


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

    name: Annotated[str, api.api_check(api.DOCUMENT_NAME), Field(pattern=RUNBOOK_NAME_PATTERN)] = (
        Field(description="The document's name.", examples=["ec2-cpu-util-runbook"])
    )
    document: Annotated[str, Field(min_length=1)] = Field(
        description="The document file, relative to the repository root: JSON if it ends in "
        ".json, else YAML; sent as the file holds it.",
        examples=["stacks/runbooks/ec2-cpu-util-runbook.yaml"],
    )
    version_name: (
        Annotated[
            str,
            api.api_check(api.DOCUMENT_VERSION_NAME),
            AfterValidator(_provider_version_name),
            Field(json_schema_extra={"minLength": PROVIDER_MIN_VERSION_NAME}),
        ]
        | None
    ) = Field(None, description="The document's version name.", examples=["v1.0"])
    target_type: Annotated[str, api.api_check(api.TARGET_TYPE)] | None = Field(
        None,
        description="The resource type the document runs on.",
        examples=["/AWS::EC2::Instance"],
    )
    shared_with: list[Annotated[str, api.api_check(api.SHARED_ACCOUNT)]] = Field(
        default_factory=list,
        description="Account IDs the document is shared with, or all.",
        examples=[["444455556666"]],
    )
    tags: ResourceTags = Field(
        default_factory=dict, description="The document's tags.", examples=[{"team": "sre"}]
    )


class InlinePolicyConfig(_Model):
    """An inline policy of a runbook role: its name and its JSON file."""

    name: Annotated[str, api.api_check(api.POLICY_NAME)] = Field(
        description="The policy's name, unique within the role.", examples=["start-runbook"]
    )
    document: Annotated[str, Field(min_length=1)] = Field(
        description="A JSON policy file, relative to the repository root.",
        examples=["stacks/policies/prod/IncidentManagerRunbookRole.start-runbook.json"],
    )


class RunbookRoleConfig(_Model):
    """An IAM role Incident Manager assumes to start runbooks, described in full (an adopted
    role, or one several response plans share). Policy files are JSON, relative to the repo
    root. ``managed_policies`` are attached one by one; other attachments stay as they are."""

    name: Annotated[str, api.api_check(api.ROLE_NAME)] = Field(
        description="The IAM role's name.", examples=["IncidentManagerRunbookRole"]
    )
    path: Annotated[str, api.api_check(api.ROLE_PATH)] = Field(
        "/",
        description="The role's path; changing it replaces the role.",
        examples=["/service-role/"],
    )
    description: Annotated[str, api.api_check(api.ROLE_DESCRIPTION)] | None = Field(
        None, description="The role's description.", examples=["Starts incident runbooks"]
    )
    max_session_duration: Annotated[int, api.api_range(api.MAX_SESSION_DURATION)] = Field(
        3600, description="Seconds a session lasts."
    )
    permissions_boundary: Arn | None = Field(
        None,
        description="A managed policy ARN that bounds the role.",
        examples=["arn:aws:iam::111122223333:policy/boundary"],
    )
    trust_policy: Annotated[str, Field(min_length=1)] = Field(
        description="A JSON trust policy file, relative to the repository root.",
        examples=["stacks/policies/prod/IncidentManagerRunbookRole.trust-policy.json"],
    )
    inline_policies: list[InlinePolicyConfig] = Field(
        default_factory=list, description="Inline policies, each a name and a JSON file."
    )
    managed_policies: list[PolicyArn] = Field(
        default_factory=list,
        description="Managed policy ARNs, each once, attached one by one; other attachments "
        "stay as they are.",
        examples=[
            [
                "arn:aws:iam::111122223333:policy/start-runbooks",
                "arn:aws:iam::aws:policy/service-role/AmazonSSMAutomationRole",
            ]
        ],
    )
    tags: ResourceTags = Field(
        default_factory=dict, description="The role's tags.", examples=[{"team": "sre"}]
    )


class IncidentConfig(_Model):
    """The template of incidents opened with a response plan."""

    title: Annotated[str, Field(min_length=1), api.api_check(api.INCIDENT_TITLE)] = Field(
        description="The incident's title.", examples=["cpu-incident-1"]
    )
    impact: Impact = Field(description="The incident's impact.", examples=["medium"])
    summary: Annotated[str, api.api_check(api.INCIDENT_SUMMARY)] | None = Field(
        None, description="The incident's summary.", examples=["CPU above 85% on the app servers"]
    )
    dedupe_string: Annotated[str, api.api_check(api.DEDUPE_STRING)] | None = Field(
        None,
        description="Incidents with the same string are merged into one.",
        examples=["ec2-high-cpu"],
    )
    tags: IncidentsTags = Field(
        default_factory=dict,
        description="Tags on incidents opened with this plan.",
        examples=[{"service": "app"}],
    )
    notify: Annotated[list[str], api.api_size(api.NOTIFICATION_TARGETS)] = Field(
        default_factory=list,
        description="Topic names (from topics:) or SNS topic ARNs, each once.",
        examples=[["incident-chat"]],
    )


class RunbookActionConfig(_Model):
    """Start a runbook when an incident opens: ``name``, a runbook of this environment, or
    ``document``, one this stack does not manage (owned by Amazon, or shared from another
    account: its name or ARN). ``role`` is a ``runbook_roles`` name or a role ARN (default: the
    runbook's own role; required with ``document``).

    ``kept_as_adopted`` allows an empty ``parameters`` or ``dynamic_parameters`` map, which
    provider 5.100.0 cannot send: an action adopted that way is imported and left as AWS holds
    it while this entry is unchanged. Changing it fails at apply until both maps have an entry."""

    name: str | None = Field(
        None,
        description="A runbook from runbooks:; or give document instead.",
        examples=["ec2-cpu-util-runbook"],
    )
    document: Annotated[str, api.api_check(api.DOCUMENT_NAME)] | None = Field(
        None,
        description="A document managed elsewhere: Amazon's or a shared one's ARN; its "
        "parameters are not checked.",
        examples=["AWSIncidents-CriticalIncidentRunbookTemplate"],
    )
    role: Annotated[str, Field(min_length=1)] | None = Field(
        None,
        description="A runbook_roles name or an IAM role ARN; required with document. Default: "
        "the runbook's own role, IncidentManager-<name>.",
        examples=["IncidentManagerRunbookRole"],
    )
    kept_as_adopted: bool = Field(
        False,
        description="true: an adopted action with no parameters or no dynamic parameters, left "
        "as AWS holds it (docs/adopt.md).",
    )
    document_version: Annotated[str, api.api_check(api.DOCUMENT_VERSION)] | None = Field(
        None, description="The document version to run.", examples=["$LATEST"]
    )
    target_account: TargetAccount | None = Field(
        None, description="The account the runbook runs in.", examples=["IMPACTED_ACCOUNT"]
    )
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
    ] = Field(
        default_factory=dict,
        description="Parameter name: values; names the document declares.",
        examples=[{"Environment": ["prod"]}],
    )
    dynamic_parameters: Annotated[
        dict[Annotated[str, api.api_check(api.DYNAMIC_PARAMETER_NAME)], DynamicParameterValue],
        api.api_size(api.DYNAMIC_PARAMETERS),
    ] = Field(
        default_factory=dict,
        description="Parameter name: a value Incident Manager fills in when the incident starts.",
        examples=[{"IncidentRecordArn": "INCIDENT_RECORD_ARN"}],
    )

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
    """A PagerDuty service that incidents of the response plan are sent to."""

    name: Annotated[str, api.api_check(api.PAGERDUTY_NAME)] = Field(
        description="The integration's name.", examples=["pagerduty"]
    )
    service_id: Annotated[str, api.api_check(api.PAGERDUTY_SERVICE_ID)] = Field(
        description="The PagerDuty service ID.", examples=["PABC123"]
    )
    secret_id: Annotated[str, api.api_check(api.PAGERDUTY_SECRET_ID)] = Field(
        description="The Secrets Manager secret holding the PagerDuty credentials.",
        examples=["pagerduty-secret"],
    )


class ResponsePlanConfig(_Model):
    """A response plan: incident template, engagements, runbook."""

    name: Annotated[str, api.api_check(api.RESPONSE_PLAN_NAME)] = Field(
        description="The plan's name, unique per account; renaming it replaces the plan.",
        examples=["EC2HighCPU"],
    )
    display_name: Annotated[str, api.api_check(api.RESPONSE_PLAN_DISPLAY_NAME)] | None = Field(
        None, description="The name the console shows.", examples=["EC2 high CPU"]
    )
    incident: IncidentConfig = Field(description="The template of the incidents it opens.")
    chat_channels: Annotated[list[str], api.api_size(api.CHAT_CHANNELS)] = Field(
        default_factory=list,
        description="Topic names (from topics:) or SNS topic ARNs, each once.",
        examples=[["incident-chat"]],
    )
    engagements: Annotated[list[str], api.api_size(api.ENGAGEMENTS)] = Field(
        default_factory=list,
        description="Contact, escalation plan or on-call schedule aliases, each once.",
        examples=[["app-escalation-plan"]],
    )
    runbook: RunbookActionConfig | None = Field(
        None, description="A runbook started when an incident opens."
    )
    pagerduty: PagerDutyConfig | None = Field(None, description="A PagerDuty integration.")
    tags: IncidentsTags = Field(
        default_factory=dict, description="The plan's own tags.", examples=[{"team": "sre"}]
    )


class MetricConfig(_Model):
    """The CloudWatch metric an alarm watches."""

    namespace: Annotated[str, Field(min_length=1, max_length=255)] = Field(
        description="The metric's namespace.", examples=["AWS/EC2"]
    )
    name: Annotated[str, Field(min_length=1, max_length=255)] = Field(
        description="The metric's name.", examples=["CPUUtilization"]
    )
    dimensions: Annotated[dict[str, str], Field(max_length=30)] = Field(
        default_factory=dict,
        description="Dimension name: value.",
        examples=[{"AutoScalingGroupName": "app"}],
    )
    # A standard statistic, or a percentile (CloudWatch's extended statistic pNN.NN).
    statistic: str = Field(
        "Average",
        description="SampleCount, Average, Sum, Minimum, Maximum, or a percentile p0 to p100 "
        "with up to two decimals.",
        examples=["p99"],
    )
    period_seconds: int = Field(300, description="10, 20, 30 or a multiple of 60.")
    unit: Unit | None = Field(None, description="The metric's unit.", examples=["Percent"])

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

    name: Annotated[str, Field(min_length=1, max_length=255)] = Field(
        description="The alarm's name, unique within its region.", examples=["ec2-high-cpu"]
    )
    response_plan: str = Field(
        description="The response plan it opens incidents with.", examples=["EC2HighCPU"]
    )
    description: Annotated[str, Field(max_length=1024)] | None = Field(
        None, description="The alarm's description.", examples=["CPU above 85% for 5 minutes"]
    )
    metric: MetricConfig = Field(description="The metric it watches.")
    comparison: Literal[
        "GreaterThanOrEqualToThreshold",
        "GreaterThanThreshold",
        "LessThanThreshold",
        "LessThanOrEqualToThreshold",
    ] = Field(
        description="How the statistic compares with threshold.", examples=["GreaterThanThreshold"]
    )
    threshold: float = Field(description="The value compared with.", examples=[85])
    evaluation_periods: Annotated[int, Field(ge=1)] = Field(
        1, description="Periods the statistic is compared over."
    )
    datapoints_to_alarm: Annotated[int, Field(ge=1)] | None = Field(
        None,
        description="Breaching periods that fire the alarm; at most evaluation_periods.",
        examples=[3],
    )
    treat_missing_data: Literal["missing", "ignore", "breaching", "notBreaching"] = Field(
        "missing", description="How periods without data count."
    )
    # Percentile statistics only: how to treat periods with too few samples.
    evaluate_low_sample_count_percentiles: Literal["evaluate", "ignore"] | None = Field(
        None,
        description="Percentile statistics only: how periods with too few samples count.",
        examples=["ignore"],
    )
    # The region the alarm lives in (default: the environment's); one of the replication set's.
    region: ImRegion | None = Field(
        None,
        description="The alarm's region (default: region); one of replication_set.regions.",
        examples=["us-west-2"],
    )
    # Besides opening the incident: topic names (from topics:) or action ARNs.
    alarm_actions: list[AlarmActionRef] = Field(
        default_factory=list,
        description="Besides opening the incident, each once: topic names from topics: (alarms "
        "in region only) or action ARNs.",
        examples=[["incident-chat"]],
    )
    ok_actions: Annotated[list[AlarmActionRef], Field(max_length=5)] = Field(
        default_factory=list,
        description="When the alarm returns to OK, each once: the same kinds.",
        examples=[["incident-chat"]],
    )
    insufficient_data_actions: Annotated[list[AlarmActionRef], Field(max_length=5)] = Field(
        default_factory=list,
        description="When data is missing, each once: the same kinds.",
        examples=[["incident-chat"]],
    )
    actions_enabled: bool = Field(
        True, description="false: the alarm changes state but runs no action."
    )
    tags: ResourceTags = Field(
        default_factory=dict, description="The alarm's tags.", examples=[{"team": "sre"}]
    )


class EnvironmentConfig(_Model):
    """One environment: one stack named ``incident-manager-<env>``."""

    account_id: AccountId = Field(
        description="The only AWS account this stack may touch: 12 digits, in quotes.",
        examples=["111122223333"],
    )
    region: ImRegion = Field(
        description="The provider region; one of replication_set.regions.", examples=["us-east-1"]
    )
    assume_role: AssumeRoleConfig | None = Field(
        None, description="A role Terraform assumes to manage this environment."
    )
    # Default tags land on contacts and response plans too: the stricter rules of both apply.
    default_tags: DefaultTags = Field(
        default_factory=dict,
        description="Tags on every resource (the provider's default_tags); both services' tag "
        "rules apply.",
        examples=[{"environment": "prod", "managed-by": "incident-manager-as-code"}],
    )
    backend: BackendConfig = Field(
        default_factory=lambda: LocalBackendConfig(type="local"),
        description="Where Terraform keeps the state: type local (the default) or s3.",
    )
    replication_set: ReplicationSetConfig = Field(
        description="The account's replication set (one per account)."
    )
    contacts: list[ContactConfig] = Field(
        default_factory=list, description="Personal contacts: the people Incident Manager pages."
    )
    escalation_plans: list[EscalationPlanConfig] = Field(
        default_factory=list, description="Escalation plans: stages of contacts and channels."
    )
    rotations: list[RotationConfig] = Field(
        default_factory=list, description="On-call rotations of personal contacts."
    )
    oncall_schedules: list[OnCallScheduleConfig] = Field(
        default_factory=list,
        description="On-call schedules: page whoever the rotations have on call.",
    )
    topics: list[TopicConfig] = Field(
        default_factory=list, description="SNS topics Incident Manager may publish to."
    )
    runbooks: list[RunbookConfig] = Field(
        default_factory=list, description="SSM Automation documents response plans start."
    )
    runbook_roles: list[RunbookRoleConfig] = Field(
        default_factory=list,
        description="IAM roles that start runbooks, described in full (adopted, or shared).",
    )
    response_plans: list[ResponsePlanConfig] = Field(
        default_factory=list, description="Response plans: incident template, engagements, runbook."
    )
    alarms: list[AlarmConfig] = Field(
        default_factory=list, description="CloudWatch alarms that open incidents."
    )
