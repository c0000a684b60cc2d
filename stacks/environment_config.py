"""The typed shape of an environment file (stacks/environments/<env>.yaml).

Every model forbids unknown keys, so a typo is an error rather than a silently ignored setting.
Field constraints mirror the AWS API models (ssm-contacts 2021-05-03, ssm-incidents 2018-05-10);
cross-references (contacts by alias, plans by name) are checked in ``environment_checks``.
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

ALIAS_PATTERN = r"^[a-z0-9_\-]+$"
ACCOUNT_ID_PATTERN = r"^[0-9]{12}$"
REGION_PATTERN = r"^[a-z]{2}(-[a-z]+)+-[0-9]$"
TIME_PATTERN = r"^([01][0-9]|2[0-3]):[0-5][0-9]$"
RESPONSE_PLAN_NAME_PATTERN = r"^[a-zA-Z0-9_-]+$"
ROTATION_NAME_PATTERN = r"^[a-zA-Z0-9_\-\s.]+$"
DOCUMENT_NAME_PATTERN = r"^[a-zA-Z0-9_\-.]{3,128}$"
ARN_PATTERN = r"^arn:aws[a-z-]*:[a-z0-9-]+:[a-z0-9-]*:[0-9]{0,12}:.+$"

Alias = Annotated[str, Field(min_length=1, max_length=255, pattern=ALIAS_PATTERN)]
DisplayName = Annotated[str, Field(max_length=255)]
Region = Annotated[str, Field(pattern=REGION_PATTERN)]
AccountId = Annotated[str, Field(pattern=ACCOUNT_ID_PATTERN)]
Minutes = Annotated[int, Field(ge=0)]
StageMinutes = Annotated[int, Field(ge=0, le=30)]
RetryMinutes = Annotated[int, Field(ge=0, le=60)]
TimeOfDayText = Annotated[str, Field(pattern=TIME_PATTERN)]
TagKey = Annotated[str, Field(min_length=1, max_length=128)]
TagValue = Annotated[str, Field(max_length=256)]
Tags = Annotated[dict[TagKey, TagValue], Field(max_length=50)]
Arn = Annotated[str, Field(pattern=ARN_PATTERN)]
Day = Literal["MON", "TUE", "WED", "THU", "FRI", "SAT", "SUN"]


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, strict=True)


class AssumeRoleConfig(_Model):
    """The role Terraform assumes to manage this environment."""

    role_arn: Arn
    session_name: str | None = None
    external_id: str | None = None


class LocalBackendConfig(_Model):
    """State in a local file. ``path`` is relative to the repository root; the default keeps
    it beside cdktf.json, never inside cdktf.out (which every synth replaces)."""

    type: Literal["local"]
    path: str | None = None


class S3BackendConfig(_Model):
    """State in S3, locked either by an S3 lock file or by a DynamoDB table."""

    type: Literal["s3"]
    bucket: Annotated[str, Field(min_length=3, max_length=63)]
    key: Annotated[str, Field(min_length=1)]
    region: Region
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

    regions: Annotated[list[Region], Field(min_length=1, max_length=3)]
    existing: bool = False
    encryption: Literal["aws-owned-key", "create-keys", "customer-managed-keys"] = "aws-owned-key"
    key_arns: dict[Region, Arn] = Field(default_factory=dict)
    prevent_destroy: bool = True
    key_deletion_window_days: Annotated[int, Field(ge=7, le=30)] = 30


class ChannelConfig(_Model):
    """One way to reach a contact."""

    name: Annotated[str, Field(min_length=1, max_length=255, pattern=r"^[\w\s.\-]+$")]
    type: Literal["EMAIL", "SMS", "VOICE"]
    address: Annotated[str, Field(min_length=1, max_length=320)]


class EngagementStepConfig(_Model):
    """Engage ``channel`` ``at_minute`` minutes after the contact is engaged."""

    channel: str
    at_minute: Minutes
    retry_interval_minutes: RetryMinutes | None = None


class ContactConfig(_Model):
    """A person Incident Manager can page."""

    alias: Alias
    display_name: DisplayName | None = None
    channels: Annotated[list[ChannelConfig], Field(min_length=1)]
    engagement: Annotated[list[EngagementStepConfig], Field(min_length=1)]
    tags: Tags = Field(default_factory=dict)


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
    tags: Tags = Field(default_factory=dict)


class WeeklyHandOffConfig(_Model):
    day: Day
    time: TimeOfDayText


class MonthlyHandOffConfig(_Model):
    day_of_month: Annotated[int, Field(ge=1, le=31)]
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

    name: Annotated[str, Field(min_length=1, max_length=255, pattern=ROTATION_NAME_PATTERN)]
    contacts: Annotated[list[str], Field(min_length=1, max_length=30)]
    time_zone: str
    start_time: datetime
    number_of_on_calls: Annotated[int, Field(ge=1)] = 1
    recurrence_multiplier: Annotated[int, Field(ge=1, le=100)] = 1
    hand_off: HandOffConfig
    shift_coverages: dict[Day, list[CoverageConfig]] = Field(default_factory=dict)
    tags: Tags = Field(default_factory=dict)

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


class TopicConfig(_Model):
    """An SNS topic this environment creates for chat channels or incident notifications."""

    name: Annotated[str, Field(min_length=1, max_length=256, pattern=r"^[A-Za-z0-9_-]+$")]
    tags: Tags = Field(default_factory=dict)


class RunbookConfig(_Model):
    """An SSM Automation document; ``document`` is a YAML file relative to the repo root."""

    name: Annotated[str, Field(pattern=DOCUMENT_NAME_PATTERN)]
    document: str
    tags: Tags = Field(default_factory=dict)


class IncidentConfig(_Model):
    """The template of incidents opened with a response plan."""

    title: Annotated[str, Field(min_length=1, max_length=200)]
    impact: Literal["critical", "high", "medium", "low", "none"]
    summary: Annotated[str, Field(max_length=8000)] | None = None
    dedupe_string: Annotated[str, Field(max_length=1000)] | None = None
    tags: Tags = Field(default_factory=dict)
    notify: Annotated[list[str], Field(max_length=10)] = Field(default_factory=list)


class RunbookActionConfig(_Model):
    """Start a runbook of this environment when an incident opens."""

    name: str
    document_version: str | None = None
    target_account: Literal["RESPONSE_PLAN_OWNER_ACCOUNT", "IMPACTED_ACCOUNT"] | None = None
    parameters: dict[str, Annotated[list[str], Field(min_length=1)]] = Field(default_factory=dict)
    dynamic_parameters: dict[str, Literal["INVOLVED_RESOURCES", "INCIDENT_RECORD_ARN"]] = Field(
        default_factory=dict
    )


class PagerDutyConfig(_Model):
    name: Annotated[str, Field(min_length=1, max_length=200)]
    service_id: Annotated[str, Field(min_length=1, max_length=200)]
    secret_id: Annotated[str, Field(min_length=1, max_length=512)]


class ResponsePlanConfig(_Model):
    """A response plan: incident template, engagements, runbook."""

    name: Annotated[str, Field(min_length=1, max_length=200, pattern=RESPONSE_PLAN_NAME_PATTERN)]
    display_name: Annotated[str, Field(max_length=200)] | None = None
    incident: IncidentConfig
    chat_channels: Annotated[list[str], Field(max_length=5)] = Field(default_factory=list)
    engagements: Annotated[list[str], Field(max_length=5)] = Field(default_factory=list)
    runbook: RunbookActionConfig | None = None
    pagerduty: PagerDutyConfig | None = None
    tags: Tags = Field(default_factory=dict)


class MetricConfig(_Model):
    namespace: Annotated[str, Field(min_length=1, max_length=255)]
    name: Annotated[str, Field(min_length=1, max_length=255)]
    dimensions: Annotated[dict[str, str], Field(max_length=30)] = Field(default_factory=dict)
    statistic: Literal["SampleCount", "Average", "Sum", "Minimum", "Maximum"] = "Average"
    period_seconds: Annotated[int, Field(ge=10)] = 300


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
    tags: Tags = Field(default_factory=dict)


class EnvironmentConfig(_Model):
    """One environment: one stack named ``incident-manager-<env>``."""

    account_id: AccountId
    region: Region
    assume_role: AssumeRoleConfig | None = None
    default_tags: Tags = Field(default_factory=dict)
    backend: BackendConfig = Field(default_factory=lambda: LocalBackendConfig(type="local"))
    replication_set: ReplicationSetConfig
    contacts: list[ContactConfig] = Field(default_factory=list)
    escalation_plans: list[EscalationPlanConfig] = Field(default_factory=list)
    rotations: list[RotationConfig] = Field(default_factory=list)
    topics: list[TopicConfig] = Field(default_factory=list)
    runbooks: list[RunbookConfig] = Field(default_factory=list)
    response_plans: list[ResponsePlanConfig] = Field(default_factory=list)
    alarms: list[AlarmConfig] = Field(default_factory=list)
