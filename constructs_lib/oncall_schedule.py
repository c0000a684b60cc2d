"""An on-call schedule: an ONCALL_SCHEDULE contact whose plan lists rotations, so that
escalation plans and response plans can page whoever is on call.

No released hashicorp/aws provider can set a schedule's rotations (terraform-provider-aws #39758,
#41776; PR #44523 adds ``rotation_ids``), so each schedule is two instances of Terraform's
built-in ``terraform_data`` whose provisioners run ``provisioners/oncall_schedule_sync.py`` (boto3;
synthesis copies the package into the stack directory, and the provisioners run that copy):

- ``terraform_data.oncall_schedule["<alias>"]`` is the schedule itself. Its ``triggers_replace``
  is only its identity (alias, region, account). Creating it creates the schedule, or adopts an
  existing schedule with that alias and keeps its ARN; destroying it deletes the schedule.
- ``terraform_data.oncall_schedule_settings["<alias>"]`` is its settings. Its
  ``triggers_replace`` is the display name, the rotation ARNs and the tags; a change replaces
  this instance only, and creating it updates the schedule in place (same ARN).

Both resources are ``for_each`` over every schedule of the stack, and a stack always has them
(``OnCallScheduleSet``, with no instances when there is no schedule): removing a schedule from
the config removes an *instance* while the resource block (with its destroy-time provisioner)
stays. Terraform runs destroy-time provisioners only while their block is in the configuration;
a ``removed`` block could carry one, but checkov's terraform_json parser cannot read those.

Both are ``create_before_destroy``: a rotation being removed is deleted only after the schedule
stops using it, and a schedule whose alias changed is deleted only after the plans that engaged
it engage the new one. The ARN is built from the alias (known at plan time) and read through
``terraform_data.oncall_schedule["<alias>"].input.arn``, so what engages a schedule waits for it.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Protocol

from cdktf import (
    LocalExecProvisioner,
    TerraformResourceLifecycle,
    TerraformStack,
)
from constructs import Construct

from constructs_lib.props_error import raise_if_any
from constructs_lib.provisioners.contract import (
    DEFAULT_PYTHON,
    IDENTITY_KIND,
    PACKAGE_IN_STACK,
    PYTHON_VARIABLE,
    SCHEDULE_MODULE,
    SCHEDULE_VARIABLE,
    SETTINGS_KIND,
)
from constructs_lib.replication_set import ReplicationSetRef
from constructs_lib.terraform_data import TerraformData


class _Named(Protocol):
    @property
    def name(self) -> str: ...


class PagedRotation(Protocol):
    """What a schedule needs of a rotation: its name and ARN. ``OnCallRotation`` is one; it
    is not named here because on_call_rotation imports this module (ScheduleAccess and
    SyncCommand), and the two would import each other."""

    @property
    def props(self) -> _Named: ...

    @property
    def rotation_arn(self) -> str: ...


# Limits of the ssm-contacts model: Plan.RotationIds is an SsmContactsArnList (max 25); AWS
# refuses a schedule without rotations.
MAX_ROTATIONS = 25
IDENTITY_ADDRESS = "oncall_schedule"
SETTINGS_ADDRESS = "oncall_schedule_settings"
SET_ID = "oncall-schedules"


@dataclass(frozen=True)
class ScheduleAccess:
    """The account, region and role the schedule is managed with: the stack provider's own
    (``allowed_account_ids``, ``assume_role``), so the SDK never acts with other credentials."""

    region: str
    account_id: str
    role_arn: str | None = None
    session_name: str | None = None
    external_id: str | None = None

    def as_json(self) -> dict[str, Any]:
        role = (
            {
                "role_arn": self.role_arn,
                "session_name": self.session_name,
                "external_id": self.external_id,
            }
            if self.role_arn
            else None
        )
        return {"region": self.region, "account_id": self.account_id, "assume_role": role}


@dataclass(frozen=True)
class SyncCommand:
    """How a provisioner runs a module of ``constructs_lib.provisioners``: from the copy that
    synthesis puts in the stack directory (``package``, in ``working_dir``: Terraform's
    ``path.module``, the stack directory itself, wherever it was copied), with ``python3`` from
    PATH unless ``$IM_PYTHON`` names another interpreter at apply time."""

    working_dir: str = "${path.module}"
    python: str = DEFAULT_PYTHON
    package: str = PACKAGE_IN_STACK
    module: str = SCHEDULE_MODULE

    def command(self, action: str) -> str:
        # `$${` is Terraform's escape for a literal `${`: the shell expands it, not Terraform.
        # No double quotes: cdktf's HCL renderer would not escape them.
        python = f"$${{{PYTHON_VARIABLE}:-{self.python}}}"
        return f"exec {python} -m {self.package}.{self.module} {action}"

    def local_exec(
        self,
        action: str,
        schedule: str,
        when: str | None = None,
        variable: str = SCHEDULE_VARIABLE,
    ) -> dict[str, Any]:
        """The ``local-exec`` provisioner body; ``schedule`` is the expression of the JSON the
        module reads from ``variable``."""
        body: dict[str, Any] = {
            "command": self.command(action),
            "working_dir": self.working_dir,
            "environment": {variable: f"${{jsonencode({schedule})}}"},
        }
        if when:
            body["when"] = when
        return body


@dataclass(frozen=True)
class OnCallScheduleProps:
    """Props of ``OnCallSchedule``. ``rotations`` (1 to 25) are paged together; ``tags`` are
    the schedule's whole tag set (the provider's default tags do not reach it: pass them here)."""

    alias: str
    display_name: str
    rotations: Sequence[PagedRotation]
    access: ScheduleAccess
    replication_set: ReplicationSetRef
    tags: Mapping[str, str] = field(default_factory=dict)
    sync: SyncCommand = field(default_factory=SyncCommand)


_NUMBER_LIKE = re.compile(r"-?[0-9]+")


def hcl_safe(value: Any) -> Any:
    """``value`` with every string that cdktf's HCL renderer would not write as a string (an
    integer such as an account id, or text starting with ``[``, ``{`` or ``"``) turned into
    a template of one string literal: Terraform reads the same string from JSON and HCL."""
    if isinstance(value, dict):
        return {k: hcl_safe(v) for k, v in value.items()}
    if isinstance(value, list):
        return [hcl_safe(v) for v in value]
    if (
        isinstance(value, str)
        and "${" not in value
        and (_NUMBER_LIKE.fullmatch(value) or value[:1] in ('"', "[", "{"))
    ):
        literal = json.dumps(value).replace("%{", "%%{")
        return f"${{{literal}}}"
    return value


def schedule_arn(access: ScheduleAccess, alias: str) -> str:
    """The ARN AWS gives an ssm-contacts contact: it is made of region, account and alias."""
    return f"arn:aws:ssm-contacts:{access.region}:{access.account_id}:contact/{alias}"


def _validate(props: OnCallScheduleProps) -> None:
    problems: list[str] = []
    if not props.display_name:
        problems.append("display_name: empty; an on-call schedule needs a display name")
    if not 1 <= len(props.rotations) <= MAX_ROTATIONS:
        problems.append(
            f"rotations: {len(props.rotations)} given; allowed 1 to {MAX_ROTATIONS} "
            "(an on-call schedule pages through its rotations)"
        )
    names = [r.props.name for r in props.rotations]
    duplicates = sorted({n for n in names if names.count(n) > 1})
    if duplicates:
        problems.append(f"rotations: listed more than once: {', '.join(duplicates)}")
    raise_if_any(f"OnCallSchedule {props.alias!r}", problems)


def _provisioner(sync: SyncCommand, action: str, schedule: str, when: str | None) -> Any:
    return LocalExecProvisioner(type="local-exec", **sync.local_exec(action, schedule, when))


class OnCallScheduleSet(Construct):
    """The stack's two ``for_each`` resources holding every ``OnCallSchedule``. Make it in every
    stack, even without schedules (then it has no instances): removing the last schedule must
    leave the blocks whose destroy-time provisioner deletes it. A schedule finds it with
    ``OnCallScheduleSet.of`` (and makes it if the stack has none)."""

    def __init__(self, scope: Construct, id: str, sync: SyncCommand | None = None) -> None:
        super().__init__(scope, id)
        sync = sync or SyncCommand()
        self.entries: dict[str, dict[str, Any]] = {}
        self.identity = TerraformData(
            self,
            "Resource",
            triggers_replace={
                "alias": "${each.value.alias}",
                "region": "${each.value.access.region}",
                "account_id": "${each.value.access.account_id}",
            },
            input="${each.value.identity}",
            # No depends_on: every schedule refers to its rotations, which wait for the
            # replication set; an empty set (no schedule) then adds nothing to the graph.
            lifecycle=TerraformResourceLifecycle(create_before_destroy=True),
            provisioners=[
                # Create (or adopt) with the settings: AWS refuses a schedule without rotations.
                _provisioner(sync, "create", "merge(self.input, each.value.settings)", None),
                _provisioner(sync, "delete", "self.input", "destroy"),
            ],
        )
        self.identity.override_logical_id(IDENTITY_ADDRESS)
        self.settings = TerraformData(
            self,
            "Settings",
            triggers_replace="${each.value.settings}",
            input="${merge(each.value.identity, each.value.settings, "
            f'{{kind = "{SETTINGS_KIND}"}})}}',
            depends_on=[self.identity],
            lifecycle=TerraformResourceLifecycle(create_before_destroy=True),
            provisioners=[_provisioner(sync, "update", "self.input", None)],
        )
        self.settings.override_logical_id(SETTINGS_ADDRESS)
        self._write_for_each()

    @classmethod
    def of(cls, scope: Construct, sync: SyncCommand | None = None) -> OnCallScheduleSet:
        stack = TerraformStack.of(scope)
        existing = stack.node.try_find_child(SET_ID)
        if isinstance(existing, OnCallScheduleSet):
            return existing
        return cls(stack, SET_ID, sync)

    def add(self, alias: str, identity: dict[str, Any], settings: dict[str, Any]) -> None:
        if alias in self.entries:
            raise ValueError(f"on-call schedule {alias!r} is defined twice in this stack")
        self.entries[alias] = hcl_safe(
            {
                "alias": alias,
                "access": {k: identity[k] for k in ("region", "account_id")},
                "identity": identity,
                "settings": settings,
            }
        )
        self._write_for_each()

    def _write_for_each(self) -> None:
        ordered = {a: self.entries[a] for a in sorted(self.entries)}
        for resource in (self.identity, self.settings):
            resource.add_override("for_each", ordered)

    def arn_of(self, alias: str) -> str:
        # Through the resource, not the literal ARN: what engages the schedule waits for it.
        return f'${{terraform_data.{IDENTITY_ADDRESS}["{alias}"].input.arn}}'


class OnCallSchedule(Construct):
    """An on-call schedule paging its rotations; engage it like a contact (``contact_arn``)."""

    def __init__(self, scope: Construct, id: str, props: OnCallScheduleProps) -> None:
        super().__init__(scope, id)
        _validate(props)
        self.props = props
        self.schedule_set = OnCallScheduleSet.of(self, props.sync)
        identity = {
            "kind": IDENTITY_KIND,
            "arn": schedule_arn(props.access, props.alias),
            "alias": props.alias,
            **props.access.as_json(),
        }
        settings = {
            "display_name": props.display_name,
            "rotation_ids": [r.rotation_arn for r in props.rotations],
            "tags": dict(sorted(props.tags.items())),
        }
        self.schedule_set.add(props.alias, identity, settings)
        self._contact_arn = self.schedule_set.arn_of(props.alias)

    @property
    def alias(self) -> str:
        return self.props.alias

    @property
    def contact_arn(self) -> str:
        return self._contact_arn
