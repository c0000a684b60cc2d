"""One environment's stack: the provider, the backend and every Incident Manager resource.

Construct ids become Terraform addresses: renaming one (for example a contact's alias) destroys
the old resource and creates a new one.
"""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path, PurePosixPath

from cdktf import (
    LocalBackend,
    S3Backend,
    TerraformOutput,
    TerraformStack,
    TerraformVariable,
    TerraformVariableValidationConfig,
)
from constructs import Construct

from constructs_lib import (
    AwsOwnedKey,
    ChannelEngagement,
    ChannelTarget,
    Contact,
    ContactChannelProps,
    ContactProps,
    ContactTarget,
    CoverageTime,
    CreatedKeys,
    CustomerManagedKeys,
    EngagementTarget,
    EscalationPlan,
    EscalationPlanProps,
    EscalationStage,
    ExistingKey,
    ExistingReplicationSet,
    IncidentAlarm,
    IncidentAlarmProps,
    IncidentTemplate,
    MonthlyHandOff,
    NotificationKey,
    NotificationTopic,
    NotificationTopicProps,
    OnCallRotation,
    OnCallRotationProps,
    OnCallSchedule,
    OnCallScheduleProps,
    OnCallScheduleSet,
    PagerDutyIntegration,
    ReplicationSet,
    ReplicationSetProps,
    ReplicationSetRef,
    ResponsePlan,
    ResponsePlanProps,
    Runbook,
    RunbookAction,
    RunbookProps,
    ScheduleAccess,
    TimeOfDay,
    Unencrypted,
    WeeklyHandOff,
)
from constructs_lib.aws import AwsProvider, AwsProviderAssumeRole, AwsProviderDefaultTags
from constructs_lib.notification_topic import TopicEncryption
from constructs_lib.oncall_schedule import SET_ID
from constructs_lib.replication_set import Encryption
from stacks.config.environment import Environment
from stacks.config.environment_checks import runbooks_with_own_role
from stacks.config.environment_config import (
    AlarmConfig,
    BackendConfig,
    ChannelConfig,
    ContactConfig,
    EnvironmentConfig,
    EscalationPlanConfig,
    LocalBackendConfig,
    OnCallScheduleConfig,
    ResponsePlanConfig,
    RotationConfig,
    S3BackendConfig,
)
from stacks.config.policy_files import read_repository_policy
from stacks.config.secret_variables import ADDRESS_PATTERNS, ADDRESS_WORDS, address_variable
from stacks.stack.runbook_roles import action_role_arn, build_runbook_roles

# Terraform runs in cdktf.out/stacks/<stack>/; a local state path is relative to the repository
# root.
STACK_DIR_TO_ROOT = PurePosixPath("../../..")
PROVIDER_SOURCE = "hashicorp/aws"
# Import blocks (adopting a live setup) need Terraform 1.5; the S3 backend's lock file
# (`use_lockfile`) needs 1.10.
MINIMUM_TERRAFORM = ">= 1.5"
LOCKFILE_TERRAFORM = ">= 1.10"


def required_terraform(config: EnvironmentConfig) -> str:
    """The Terraform versions an environment's settings need."""
    backend = config.backend
    if isinstance(backend, S3BackendConfig) and backend.lock == "lockfile":
        return LOCKFILE_TERRAFORM
    return MINIMUM_TERRAFORM


def _utc_text(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def _time(text: str) -> TimeOfDay:
    hour, minute = text.split(":")
    return TimeOfDay(int(hour), int(minute))


class IncidentManagerStack(TerraformStack):
    """Builds one environment from its checked config."""

    def __init__(self, scope: Construct, environment: Environment, project_root: Path) -> None:
        super().__init__(scope, environment.stack_name)
        self.environment = environment
        self.project_root = project_root
        config = environment.config
        self.provider = self._provider(config, "aws", config.region, alias=None)
        self._region_providers: dict[str, AwsProvider] = {}
        self._backend(config.backend)
        self.replication_set = self._replication_set(config)
        self.contacts: dict[str, Contact] = {c.alias: self._contact(c) for c in config.contacts}
        self.rotations = {r.name: self._rotation(r) for r in config.rotations}
        # Always there, with no instances when there is no schedule: removing the last schedule
        # from the config must still run the provisioner that deletes it.
        OnCallScheduleSet(self, SET_ID)
        self.oncall_schedules = {s.alias: self._oncall_schedule(s) for s in config.oncall_schedules}
        self.escalation_plans: dict[str, EscalationPlan] = {}
        for plan in _dependency_order(config.escalation_plans):
            self.escalation_plans[plan.alias] = self._escalation_plan(plan)
        self.topics = self._topics(config)
        self.runbook_roles = build_runbook_roles(self, config, project_root)
        own_role = runbooks_with_own_role(config)
        self.runbooks = {
            r.name: Runbook(
                self,
                f"runbook-{r.name}",
                RunbookProps(
                    name=r.name,
                    document_path=project_root / r.document,
                    account_id=config.account_id,
                    tags=r.tags,
                    create_role=r.name in own_role,
                    version_name=r.version_name,
                    target_type=r.target_type,
                    shared_with=r.shared_with,
                ),
            )
            for r in config.runbooks
        }
        self.response_plans = {p.name: self._response_plan(p) for p in config.response_plans}
        self.alarms = {
            (alarm.region or config.region, alarm.name): self._alarm(alarm)
            for alarm in config.alarms
        }
        self._terraform_settings(config)
        self._outputs()

    def _provider(
        self, config: EnvironmentConfig, id: str, region: str, alias: str | None
    ) -> AwsProvider:
        role = config.assume_role
        return AwsProvider(
            self,
            id,
            region=region,
            alias=alias,
            # Refuses to run with credentials of any other account: a prod file applied with
            # dev credentials (or the reverse) fails before it changes anything.
            allowed_account_ids=[config.account_id],
            assume_role=[
                AwsProviderAssumeRole(
                    role_arn=role.role_arn,
                    session_name=role.session_name,
                    external_id=role.external_id,
                )
            ]
            if role
            else None,
            default_tags=[AwsProviderDefaultTags(tags=config.default_tags)]
            if config.default_tags
            else None,
        )

    def _region_provider(self, region: str) -> AwsProvider:
        """The aliased provider of ``region`` (one per region, shared by the replica keys of
        create-keys and the alarms of that region)."""
        if region not in self._region_providers:
            self._region_providers[region] = self._provider(
                self.environment.config, f"aws-{region}", region, alias=region
            )
        return self._region_providers[region]

    def _topics(self, config: EnvironmentConfig) -> dict[str, NotificationTopic]:
        # One key for all of the environment's created topics (a KMS key costs per month);
        # adopted topics keep the key they have.
        created_key = (
            NotificationKey(self, "notification-key", account_id=config.account_id)
            if any(t.encryption_key is None for t in config.topics)
            else None
        )
        topics = {}
        for topic in config.topics:
            encryption: TopicEncryption | None = created_key
            if topic.encryption_key == "none":
                encryption = Unencrypted()
            elif topic.encryption_key is not None:
                encryption = ExistingKey(topic.encryption_key)
            policy = None
            if topic.policy is not None:
                policy = read_repository_policy(self.project_root, topic.policy)
            topics[topic.name] = NotificationTopic(
                self,
                f"topic-{topic.name}",
                NotificationTopicProps(
                    name=topic.name,
                    account_id=config.account_id,
                    encryption_key=encryption,
                    display_name=topic.display_name,
                    policy=policy,
                    tags=topic.tags,
                ),
            )
        return topics

    def _alarm(self, alarm: AlarmConfig) -> IncidentAlarm:
        config = self.environment.config
        region = alarm.region or config.region
        metric = alarm.metric

        def actions(names: list[str]) -> list[str]:
            return [self._topic_arn(name) for name in names]

        # The environment's region keeps the id it always had (a new id would replace it).
        id = f"alarm-{alarm.name}" if region == config.region else f"alarm-{region}-{alarm.name}"
        return IncidentAlarm(
            self,
            id,
            IncidentAlarmProps(
                alarm_name=alarm.name,
                response_plan=self.response_plans[alarm.response_plan],
                description=alarm.description,
                namespace=metric.namespace,
                metric_name=metric.name,
                dimensions=metric.dimensions,
                statistic=metric.statistic,
                period_seconds=metric.period_seconds,
                unit=metric.unit,
                comparison_operator=alarm.comparison,
                threshold=alarm.threshold,
                evaluation_periods=alarm.evaluation_periods,
                datapoints_to_alarm=alarm.datapoints_to_alarm,
                treat_missing_data=alarm.treat_missing_data,
                evaluate_low_sample_count_percentiles=alarm.evaluate_low_sample_count_percentiles,
                alarm_actions=actions(alarm.alarm_actions),
                ok_actions=actions(alarm.ok_actions),
                insufficient_data_actions=actions(alarm.insufficient_data_actions),
                actions_enabled=alarm.actions_enabled,
                provider=None if region == config.region else self._region_provider(region),
                tags=alarm.tags,
            ),
        )

    def _terraform_settings(self, config: EnvironmentConfig) -> None:
        # cdktf writes `source = "aws"`, which Terraform reads as hashicorp/aws; a reviewer (and
        # a lock file) expects the full name.
        self.add_override("terraform.required_providers.aws.source", PROVIDER_SOURCE)
        self.add_override("terraform.required_version", required_terraform(config))

    def _outputs(self) -> None:
        """The ARNs another stack, a script or a person needs, by the names the file uses."""
        if isinstance(self.replication_set, ReplicationSet):
            TerraformOutput(
                self,
                "replication_set_arn",
                value=self.replication_set.replication_set_arn,
                description="ARN of the Incident Manager replication set",
            )
        groups: dict[str, tuple[str, dict[str, str]]] = {
            "contact_arns": (
                "contact alias",
                {alias: c.contact_arn for alias, c in self.contacts.items()},
            ),
            "escalation_plan_arns": (
                "escalation plan alias",
                {alias: p.contact_arn for alias, p in self.escalation_plans.items()},
            ),
            "rotation_arns": (
                "rotation name",
                {name: r.rotation_arn for name, r in self.rotations.items()},
            ),
            "response_plan_arns": (
                "response plan name",
                {name: p.response_plan_arn for name, p in self.response_plans.items()},
            ),
        }
        for name, (key, arns) in groups.items():
            if arns:
                TerraformOutput(self, name, value=arns, description=f"ARN by {key}")

    def _backend(self, backend: BackendConfig) -> None:
        if isinstance(backend, LocalBackendConfig):
            state = backend.path or f"terraform.{self.environment.stack_name}.tfstate"
            LocalBackend(self, path=str(STACK_DIR_TO_ROOT / state))
            return
        s3 = S3Backend(
            self,
            bucket=backend.bucket,
            key=backend.key,
            region=backend.region,
            encrypt=backend.encrypt,
            kms_key_id=backend.kms_key_id,
            dynamodb_table=backend.dynamodb_table,
            role_arn=backend.role_arn,
        )
        if backend.lock == "lockfile":
            # Terraform >= 1.10 locks with a lock file next to the state; cdktf 0.21 has no
            # property for it yet.
            s3.add_override("use_lockfile", True)

    def _replication_set(self, config: EnvironmentConfig) -> ReplicationSetRef:
        rs = config.replication_set
        if rs.existing:
            return ExistingReplicationSet(self, "replication-set", regions=rs.regions)
        encryption: Encryption = AwsOwnedKey()
        if rs.encryption == "customer-managed-keys":
            encryption = CustomerManagedKeys(key_arns=rs.key_arns)
        elif rs.encryption == "create-keys":
            encryption = CreatedKeys(
                account_id=config.account_id,
                replica_providers={
                    region: self._region_provider(region)
                    for region in rs.regions
                    if region != config.region
                },
                deletion_window_in_days=rs.key_deletion_window_days,
            )
        return ReplicationSet(
            self,
            "replication-set",
            ReplicationSetProps(
                regions=rs.regions,
                provider_region=config.region,
                encryption=encryption,
                prevent_destroy=rs.prevent_destroy,
                tags=rs.tags,
            ),
        )

    def _address(self, alias: str, channel: ChannelConfig) -> str:
        if channel.address is not None:
            return channel.address
        name = address_variable(alias, channel.name)
        pattern = ADDRESS_PATTERNS[channel.type].replace("\\", "\\\\")
        variable = TerraformVariable(
            self,
            name,
            type="string",
            sensitive=True,
            nullable=False,
            description=f"{channel.type} address of channel {channel.name!r} of contact {alias!r}",
            validation=[
                TerraformVariableValidationConfig(
                    condition=f'${{can(regex("{pattern}", var.{name}))}}',
                    error_message=(
                        f"The {channel.type} address of {alias}/{channel.name} must be "
                        f"{ADDRESS_WORDS[channel.type]}."
                    ),
                )
            ],
        )
        return variable.string_value

    def _contact(self, contact: ContactConfig) -> Contact:
        return Contact(
            self,
            f"contact-{contact.alias}",
            ContactProps(
                alias=contact.alias,
                display_name=contact.display_name,
                replication_set=self.replication_set,
                channels=[
                    ContactChannelProps(
                        name=c.name, type=c.type, address=self._address(contact.alias, c)
                    )
                    for c in contact.channels
                ],
                engagement=[
                    ChannelEngagement(
                        channel=e.channel,
                        at_minute=e.at_minute,
                        retry_interval_minutes=e.retry_interval_minutes,
                    )
                    for e in contact.engagement
                ],
                tags=contact.tags,
            ),
        )

    def _engageable(self, alias: str) -> EngagementTarget:
        if alias in self.contacts:
            return self.contacts[alias]
        if alias in self.oncall_schedules:
            return self.oncall_schedules[alias]
        return self.escalation_plans[alias]

    def _sdk_access(self) -> ScheduleAccess:
        """The provider's account, region and role: what the SDK (schedules, rotation coverages)
        acts with, exactly as the provider does."""
        config = self.environment.config
        role = config.assume_role
        return ScheduleAccess(
            region=config.region,
            account_id=config.account_id,
            role_arn=role.role_arn if role else None,
            session_name=role.session_name if role else None,
            external_id=role.external_id if role else None,
        )

    def _oncall_schedule(self, schedule: OnCallScheduleConfig) -> OnCallSchedule:
        config = self.environment.config
        return OnCallSchedule(
            self,
            f"oncall-schedule-{schedule.alias}",
            OnCallScheduleProps(
                alias=schedule.alias,
                display_name=schedule.display_name,
                rotations=[self.rotations[name] for name in schedule.rotations],
                access=self._sdk_access(),
                replication_set=self.replication_set,
                # The provider's default_tags do not reach what the SDK creates.
                tags={**config.default_tags, **schedule.tags},
            ),
        )

    def _escalation_plan(self, plan: EscalationPlanConfig) -> EscalationPlan:
        stages = []
        for stage in plan.stages:
            targets: list[ContactTarget | ChannelTarget] = []
            for target in stage.targets:
                if target.channel is None:
                    stops = target.acknowledgement_stops_plan
                    targets.append(
                        ContactTarget(
                            contact=self._engageable(target.contact),
                            is_essential=True if stops is None else stops,
                        )
                    )
                else:
                    targets.append(
                        ChannelTarget(
                            channel=self.contacts[target.contact].channel(target.channel),
                            retry_interval_minutes=target.retry_interval_minutes,
                        )
                    )
            stages.append(
                EscalationStage(duration_in_minutes=stage.duration_minutes, targets=targets)
            )
        return EscalationPlan(
            self,
            f"escalation-plan-{plan.alias}",
            EscalationPlanProps(
                alias=plan.alias,
                display_name=plan.display_name,
                replication_set=self.replication_set,
                stages=stages,
                tags=plan.tags,
            ),
        )

    def _rotation(self, rotation: RotationConfig) -> OnCallRotation:
        hand_off = rotation.hand_off
        return OnCallRotation(
            self,
            f"rotation-{rotation.name}",
            OnCallRotationProps(
                name=rotation.name,
                replication_set=self.replication_set,
                contacts=[self.contacts[alias] for alias in rotation.contacts],
                time_zone_id=rotation.time_zone,
                # In UTC: the API answers with epoch seconds and the provider reads them back
                # as UTC; any other offset shows as a change on every plan.
                start_time=_utc_text(rotation.start_time),
                number_of_on_calls=rotation.number_of_on_calls,
                recurrence_multiplier=rotation.recurrence_multiplier,
                daily=[_time(t) for t in hand_off.daily],
                weekly=[WeeklyHandOff(day=w.day, time=_time(w.time)) for w in hand_off.weekly],
                monthly=[
                    MonthlyHandOff(day_of_month=m.day_of_month, time=_time(m.time))
                    for m in hand_off.monthly
                ],
                shift_coverages={
                    day: [CoverageTime(start=_time(c.start), end=_time(c.end)) for c in coverages]
                    for day, coverages in rotation.shift_coverages.items()
                },
                tags=rotation.tags,
                # Coverages are written through the SDK too: the provider reads them back wrong.
                access=self._sdk_access(),
            ),
        )

    def _topic_arn(self, name: str) -> str:
        return name if name.startswith("arn:") else self.topics[name].topic_arn

    def _response_plan(self, plan: ResponsePlanConfig) -> ResponsePlan:
        incident = plan.incident
        action = plan.runbook
        return ResponsePlan(
            self,
            f"response-plan-{plan.name}",
            ResponsePlanProps(
                name=plan.name,
                display_name=plan.display_name,
                replication_set=self.replication_set,
                incident_template=IncidentTemplate(
                    title=incident.title,
                    impact=incident.impact,
                    summary=incident.summary,
                    dedupe_string=incident.dedupe_string,
                    incident_tags=incident.tags,
                    notification_topic_arns=[self._topic_arn(n) for n in incident.notify],
                ),
                chat_channel_topic_arns=[self._topic_arn(n) for n in plan.chat_channels],
                engagements=[self._engageable(alias) for alias in plan.engagements],
                runbook=RunbookAction(
                    runbook=self.runbooks[action.name] if action.name else None,
                    document_name=action.document,
                    role_arn=action_role_arn(action, self.runbook_roles),
                    document_version=action.document_version,
                    target_account=action.target_account,
                    parameters=action.parameters,
                    dynamic_parameters=action.dynamic_parameters,
                )
                if action
                else None,
                pagerduty=PagerDutyIntegration(
                    name=plan.pagerduty.name,
                    service_id=plan.pagerduty.service_id,
                    secret_id=plan.pagerduty.secret_id,
                )
                if plan.pagerduty
                else None,
                tags=plan.tags,
            ),
        )


def _dependency_order(plans: list[EscalationPlanConfig]) -> list[EscalationPlanConfig]:
    """Plans that engage other plans come after them (the config has no cycles: checked)."""
    by_alias = {p.alias: p for p in plans}
    ordered: dict[str, EscalationPlanConfig] = {}
    visiting: set[str] = set()

    def visit(plan: EscalationPlanConfig) -> None:
        if plan.alias in ordered or plan.alias in visiting:
            return
        visiting.add(plan.alias)
        for stage in plan.stages:
            for target in stage.targets:
                inner = by_alias.get(target.contact)
                if target.channel is None and inner is not None and inner is not plan:
                    visit(inner)
        ordered[plan.alias] = plan

    for plan in plans:
        visit(plan)
    return list(ordered.values())
