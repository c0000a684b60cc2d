"""The Incident Manager replication set: where incident data lives and which keys encrypt it."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Protocol

from cdktf import ITerraformDependable, TerraformResourceLifecycle
from constructs import Construct

from constructs_lib.aws import (
    AwsProvider,
    KmsKey,
    KmsReplicaKey,
    SsmincidentsReplicationSet,
    SsmincidentsReplicationSetRegion,
)
from constructs_lib.key_policy import service_key_policy
from constructs_lib.props_error import raise_if_any

MAX_REGIONS = 3


class ReplicationSetRef(Protocol):
    """What contacts, plans and rotations need from a replication set: something to wait for."""

    @property
    def dependables(self) -> Sequence[ITerraformDependable]: ...


@dataclass(frozen=True)
class AwsOwnedKey:
    """Encrypt incident data with a key AWS owns (the console's default)."""


@dataclass(frozen=True)
class CustomerManagedKeys:
    """Encrypt with existing customer managed keys, one ARN per region of the set."""

    key_arns: Mapping[str, str]


@dataclass(frozen=True)
class CreatedKeys:
    """Create a multi-region customer managed key: primary in the provider region, a replica
    in each other region (through the provider given for it)."""

    account_id: str
    replica_providers: Mapping[str, AwsProvider] = field(default_factory=dict)
    deletion_window_in_days: int = 30


Encryption = AwsOwnedKey | CustomerManagedKeys | CreatedKeys


@dataclass(frozen=True)
class ReplicationSetProps:
    """Props of ``ReplicationSet``.

    ``provider_region`` is the region of the stack's default AWS provider; AWS requires it to be
    one of ``regions``. ``prevent_destroy`` defaults to on because deleting the set deletes every
    contact, plan and incident record in the account.
    """

    regions: Sequence[str]
    provider_region: str
    encryption: Encryption = AwsOwnedKey()
    prevent_destroy: bool = True
    tags: Mapping[str, str] = field(default_factory=dict)


def _validate(props: ReplicationSetProps) -> None:
    problems: list[str] = []
    regions = list(props.regions)
    if not 1 <= len(regions) <= MAX_REGIONS:
        problems.append(f"regions: {len(regions)} given; a replication set has 1 to {MAX_REGIONS}")
    duplicates = sorted({r for r in regions if regions.count(r) > 1})
    if duplicates:
        problems.append(f"regions: {', '.join(duplicates)} listed more than once")
    if props.provider_region not in regions:
        problems.append(
            f"provider_region: {props.provider_region!r} is not in the replication set "
            f"({', '.join(regions)}); AWS requires the provider's region to be one of them"
        )
    encryption = props.encryption
    if isinstance(encryption, CustomerManagedKeys):
        missing = [r for r in regions if r not in encryption.key_arns]
        extra = sorted(set(encryption.key_arns) - set(regions))
        if missing:
            problems.append(
                f"encryption: no customer managed key for {', '.join(missing)}; AWS-owned and "
                "customer managed keys cannot be mixed, so every region needs a key"
            )
        if extra:
            problems.append(
                f"encryption: keys given for regions not in the set: {', '.join(extra)}"
            )
    if isinstance(encryption, CreatedKeys):
        missing = [
            r
            for r in regions
            if r != props.provider_region and r not in encryption.replica_providers
        ]
        if missing:
            problems.append(
                f"encryption: no AWS provider given for replica region(s) {', '.join(missing)}"
            )
        if not 7 <= encryption.deletion_window_in_days <= 30:
            problems.append(
                f"encryption.deletion_window_in_days: {encryption.deletion_window_in_days}; "
                "allowed 7 to 30"
            )
    raise_if_any("ReplicationSet", problems)


def incident_manager_key_policy(account_id: str) -> str:
    """Key policy: the account administers the key; Incident Manager may use it."""
    return service_key_policy(
        account_id,
        "IncidentManagerUsesKey",
        ["ssm-contacts.amazonaws.com", "ssm-incidents.amazonaws.com"],
        [
            "kms:Decrypt",
            "kms:DescribeKey",
            "kms:Encrypt",
            "kms:GenerateDataKey*",
            "kms:ReEncrypt*",
        ],
    )


class ReplicationSet(Construct):
    """Creates the account's replication set (1-3 regions), optionally with its own KMS keys."""

    def __init__(self, scope: Construct, id: str, props: ReplicationSetProps) -> None:
        super().__init__(scope, id)
        _validate(props)
        self.props = props
        lifecycle = TerraformResourceLifecycle(prevent_destroy=props.prevent_destroy)
        self.primary_key: KmsKey | None = None
        self.replica_keys: dict[str, KmsReplicaKey] = {}
        key_arns = self._key_arns(props, lifecycle)
        # The provider region goes first: AWS creates the set there.
        ordered = [props.provider_region] + [r for r in props.regions if r != props.provider_region]
        self.resource = SsmincidentsReplicationSet(
            self,
            "Resource",
            region=[
                SsmincidentsReplicationSetRegion(name=name, kms_key_arn=key_arns.get(name))
                for name in ordered
            ],
            tags=dict(props.tags) or None,
            lifecycle=lifecycle,
        )

    def _key_arns(
        self, props: ReplicationSetProps, lifecycle: TerraformResourceLifecycle
    ) -> dict[str, str]:
        encryption = props.encryption
        if isinstance(encryption, CustomerManagedKeys):
            return dict(encryption.key_arns)
        if not isinstance(encryption, CreatedKeys):
            return {}
        policy = incident_manager_key_policy(encryption.account_id)
        self.primary_key = KmsKey(
            self,
            "Key",
            description="Incident Manager replication set (primary, multi-region)",
            multi_region=True,
            enable_key_rotation=True,
            deletion_window_in_days=encryption.deletion_window_in_days,
            policy=policy,
            tags=dict(props.tags) or None,
            lifecycle=lifecycle,
        )
        arns = {props.provider_region: self.primary_key.arn}
        for region in props.regions:
            if region == props.provider_region:
                continue
            replica = KmsReplicaKey(
                self,
                f"Key-{region}",
                provider=encryption.replica_providers[region],
                primary_key_arn=self.primary_key.arn,
                description=f"Incident Manager replication set (replica in {region})",
                deletion_window_in_days=encryption.deletion_window_in_days,
                policy=policy,
                tags=dict(props.tags) or None,
                lifecycle=lifecycle,
            )
            self.replica_keys[region] = replica
            arns[region] = replica.arn
        return arns

    @property
    def replication_set_arn(self) -> str:
        return self.resource.arn

    @property
    def dependables(self) -> Sequence[ITerraformDependable]:
        return [self.resource]


class ExistingReplicationSet(Construct):
    """Stands for a replication set created elsewhere (another stack sharing the account, or
    the console): there is one per account, so only one environment may create it."""

    def __init__(self, scope: Construct, id: str, *, regions: Sequence[str]) -> None:
        super().__init__(scope, id)
        self.regions = tuple(regions)

    @property
    def dependables(self) -> Sequence[ITerraformDependable]:
        return []
