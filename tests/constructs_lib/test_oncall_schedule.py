"""OnCallSchedule: two for_each terraform_data resources whose provisioners run the sync module;
the schedule's ARN is engaged like a contact's."""

from __future__ import annotations

from typing import Any

import pytest
from cdktf import TerraformStack

from constructs_lib import (
    ContactTarget,
    EscalationPlan,
    EscalationPlanProps,
    EscalationStage,
    IncidentTemplate,
    OnCallRotation,
    OnCallRotationProps,
    OnCallSchedule,
    OnCallScheduleProps,
    PropsError,
    ReplicationSet,
    ResponsePlan,
    ResponsePlanProps,
    ScheduleAccess,
    SyncCommand,
    TimeOfDay,
)
from constructs_lib.oncall_schedule import OnCallScheduleSet, hcl_safe
from constructs_lib.provisioners import aws_access, contract, oncall_schedule_sync
from stacks.layout import PROJECT_ROOT
from tests.constructs_lib.fixtures import email_contact, replication_set
from tests.synth_helpers import address, body, new_stack, only, ref, resources, synth

Json = dict[str, Any]
ACCESS = ScheduleAccess(region="us-east-1", account_id="111122223333")
ARN = "arn:aws:ssm-contacts:us-east-1:111122223333:contact/{}"


def rotation(stack: TerraformStack, rs: ReplicationSet, name: str) -> OnCallRotation:
    return OnCallRotation(
        stack,
        f"rotation-{name}",
        OnCallRotationProps(
            name=name,
            replication_set=rs,
            contacts=[email_contact(stack, rs, f"{name}-member")],
            time_zone_id="Etc/UTC",
            start_time="2026-01-05T08:00:00+00:00",
            daily=[TimeOfDay(8)],
        ),
    )


def schedule(
    stack: TerraformStack,
    rs: ReplicationSet,
    alias: str,
    rotations: list[OnCallRotation],
    access: ScheduleAccess = ACCESS,
    **extra: Any,
) -> OnCallSchedule:
    return OnCallSchedule(
        stack,
        f"schedule-{alias}",
        OnCallScheduleProps(
            alias=alias,
            display_name=extra.pop("display_name", f"{alias} on call"),
            rotations=rotations,
            access=access,
            replication_set=rs,
            **extra,
        ),
    )


def data(out: Json, name: str) -> Json:
    found: Json = resources(out, "terraform_data")[name]
    return found


def test_one_instance_per_schedule_keyed_by_alias_with_identity_and_settings() -> None:
    stack = new_stack()
    rs = replication_set(stack)
    day, night = rotation(stack, rs, "day"), rotation(stack, rs, "night")
    schedule(stack, rs, "web-oncall", [day, night], tags={"team": "web"})
    schedule(stack, rs, "api-oncall", [night])
    out = synth(stack)
    identity, settings = data(out, "oncall_schedule"), data(out, "oncall_schedule_settings")
    # Sorted by alias: the same JSON whatever order the config lists them in.
    assert list(identity["for_each"]) == ["api-oncall", "web-oncall"]
    assert identity["for_each"] == settings["for_each"]
    web = identity["for_each"]["web-oncall"]
    assert web["identity"] == {
        "kind": contract.IDENTITY_KIND,
        "arn": ARN.format("web-oncall"),
        "alias": "web-oncall",
        "region": "us-east-1",
        "account_id": '${"111122223333"}',
    }
    assert web["settings"] == {
        "display_name": "web-oncall on call",
        "rotation_ids": [ref(day.resource), ref(night.resource)],
        "tags": {"team": "web"},
    }


def test_only_identity_replaces_the_schedule_and_settings_update_it_in_place() -> None:
    stack = new_stack()
    rs = replication_set(stack)
    schedule(stack, rs, "web-oncall", [rotation(stack, rs, "day")])
    out = synth(stack)
    identity, settings = data(out, "oncall_schedule"), data(out, "oncall_schedule_settings")
    assert identity["triggers_replace"] == {
        "alias": "${each.value.alias}",
        "region": "${each.value.access.region}",
        "account_id": "${each.value.access.account_id}",
    }
    assert settings["triggers_replace"] == "${each.value.settings}"
    create, delete = identity["provisioner"]
    assert create["local-exec"]["command"].endswith(
        "-m incident_manager_provisioners.oncall_schedule_sync create"
    )
    assert "when" not in create["local-exec"]
    assert delete["local-exec"]["command"].endswith(
        "-m incident_manager_provisioners.oncall_schedule_sync delete"
    )
    assert delete["local-exec"]["when"] == "destroy"
    # A destroy-time provisioner may only refer to self.
    assert delete["local-exec"]["environment"] == {
        "IM_ONCALL_SCHEDULE": "${jsonencode(self.input)}"
    }
    (update,) = settings["provisioner"]
    assert update["local-exec"]["command"].endswith(
        "-m incident_manager_provisioners.oncall_schedule_sync update"
    )
    assert settings["input"] == (
        "${merge(each.value.identity, each.value.settings, "
        f'{{kind = "{contract.SETTINGS_KIND}"}})}}'
    )
    assert settings["depends_on"] == ["terraform_data.oncall_schedule"]


def test_both_are_create_before_destroy_and_wait_for_their_rotations() -> None:
    stack = new_stack()
    rs = replication_set(stack)
    day = rotation(stack, rs, "day")
    schedule(stack, rs, "web-oncall", [day])
    out = synth(stack)
    for name in ("oncall_schedule", "oncall_schedule_settings"):
        assert data(out, name)["lifecycle"] == {"create_before_destroy": True}
    # Through the rotations (which wait for the replication set), not a depends_on of its own.
    assert "depends_on" not in data(out, "oncall_schedule")
    assert (
        ref(day.resource)
        in data(out, "oncall_schedule")["for_each"]["web-oncall"]["settings"]["rotation_ids"]
    )
    assert body(out, day.resource)["depends_on"] == [address(rs.resource)]


def test_the_provisioners_act_with_the_stacks_role() -> None:
    stack = new_stack()
    rs = replication_set(stack)
    access = ScheduleAccess(
        region="eu-west-1",
        account_id="444455556666",
        role_arn="arn:aws:iam::444455556666:role/deployer",
        session_name="ci",
        external_id="ext-1",
    )
    schedule(stack, rs, "web-oncall", [rotation(stack, rs, "day")], access=access)
    entry = data(synth(stack), "oncall_schedule")["for_each"]["web-oncall"]
    assert entry["identity"]["assume_role"] == {
        "role_arn": "arn:aws:iam::444455556666:role/deployer",
        "session_name": "ci",
        "external_id": "ext-1",
    }
    assert (
        entry["identity"]["arn"] == "arn:aws:ssm-contacts:eu-west-1:444455556666:contact/web-oncall"
    )
    # What the sync module reads back is the same schedule.
    parsed = oncall_schedule_sync.Schedule.from_json(entry["identity"], "test")
    assert parsed.assume_role == aws_access.AssumeRole(
        role_arn="arn:aws:iam::444455556666:role/deployer", session_name="ci", external_id="ext-1"
    )


def test_escalation_and_response_plans_engage_it_through_the_resource() -> None:
    stack = new_stack()
    rs = replication_set(stack)
    oncall = schedule(stack, rs, "web-oncall", [rotation(stack, rs, "day")])
    escalation = EscalationPlan(
        stack,
        "plan",
        EscalationPlanProps(
            alias="web-escalation",
            replication_set=rs,
            stages=[EscalationStage(0, [ContactTarget(oncall)])],
        ),
    )
    ResponsePlan(
        stack,
        "response",
        ResponsePlanProps(
            name="WebDown",
            replication_set=rs,
            incident_template=IncidentTemplate(title="web-down", impact="high"),
            engagements=[oncall],
        ),
    )
    out = synth(stack)
    expected = '${terraform_data.oncall_schedule["web-oncall"].input.arn}'
    assert oncall.contact_arn == expected
    plan = body(out, escalation.plan)
    assert plan["stage"][0]["target"][0]["contact_target_info"]["contact_id"] == expected
    assert only(out, "aws_ssmincidents_response_plan")["engagements"] == [expected]


def test_the_default_command_runs_the_stack_directorys_copy_with_python3() -> None:
    body = SyncCommand().local_exec("create", "self.input")
    assert body == {
        "command": "exec $${IM_PYTHON:-python3} "
        "-m incident_manager_provisioners.oncall_schedule_sync create",
        "working_dir": "${path.module}",
        "environment": {"IM_ONCALL_SCHEDULE": "${jsonencode(self.input)}"},
    }
    # The package the command names is the one synthesis copies into the stack directory.
    assert contract.PACKAGE_IN_STACK == "incident_manager_provisioners"
    assert (PROJECT_ROOT / "constructs_lib" / "provisioners" / "oncall_schedule_sync.py").is_file()


def test_a_stack_without_schedules_keeps_the_blocks_with_no_instances() -> None:
    stack = new_stack()
    replication_set(stack)
    OnCallScheduleSet(stack, "oncall-schedules", SyncCommand())
    out = synth(stack)
    identity, settings = data(out, "oncall_schedule"), data(out, "oncall_schedule_settings")
    # Removing the last schedule leaves the block, so its destroy-time provisioner deletes it.
    assert identity["for_each"] == {}
    assert settings["for_each"] == {}
    assert identity["provisioner"][1]["local-exec"]["when"] == "destroy"


def test_schedules_join_the_set_the_stack_made() -> None:
    stack = new_stack()
    rs = replication_set(stack)
    made = OnCallScheduleSet(stack, "oncall-schedules", SyncCommand())
    oncall = schedule(stack, rs, "web-oncall", [rotation(stack, rs, "day")])
    assert oncall.schedule_set is made
    assert list(data(synth(stack), "oncall_schedule")["for_each"]) == ["web-oncall"]


def test_the_records_use_the_contracts_kinds_variable_and_module() -> None:
    stack = new_stack()
    rs = replication_set(stack)
    schedule(stack, rs, "web-oncall", [rotation(stack, rs, "day")])
    out = synth(stack)
    identity, settings = data(out, "oncall_schedule"), data(out, "oncall_schedule_settings")
    assert identity["for_each"]["web-oncall"]["identity"]["kind"] == contract.IDENTITY_KIND
    assert f'kind = "{contract.SETTINGS_KIND}"' in settings["input"]
    module = f"{contract.PACKAGE_IN_STACK}.{contract.SCHEDULE_MODULE}"
    for provisioner in [*identity["provisioner"], *settings["provisioner"]]:
        body = provisioner["local-exec"]
        assert list(body["environment"]) == [contract.SCHEDULE_VARIABLE]
        assert (
            f"$${{{contract.PYTHON_VARIABLE}:-{contract.DEFAULT_PYTHON}}} -m {module} "
            in (body["command"])
        )


def test_fails_without_rotations_or_display_name() -> None:
    stack = new_stack()
    rs = replication_set(stack)
    with pytest.raises(PropsError) as raised:
        schedule(stack, rs, "web-oncall", [], display_name="")
    assert raised.value.problems == (
        "display_name: empty; an on-call schedule needs a display name",
        "rotations: 0 given; allowed 1 to 25 (an on-call schedule pages through its rotations)",
    )


def test_fails_on_a_rotation_listed_twice() -> None:
    stack = new_stack()
    rs = replication_set(stack)
    day = rotation(stack, rs, "day")
    with pytest.raises(PropsError) as raised:
        schedule(stack, rs, "web-oncall", [day, day])
    assert raised.value.problems == ("rotations: listed more than once: day",)


def test_fails_on_two_schedules_with_one_alias() -> None:
    stack = new_stack()
    rs = replication_set(stack)
    day = rotation(stack, rs, "day")
    schedule(stack, rs, "web-oncall", [day])
    with pytest.raises(ValueError, match="'web-oncall' is defined twice"):
        OnCallSchedule(
            stack,
            "again",
            OnCallScheduleProps(
                alias="web-oncall",
                display_name="x",
                rotations=[day],
                access=ACCESS,
                replication_set=rs,
            ),
        )


def test_shell_variables_are_escaped_and_the_command_has_no_double_quotes() -> None:
    stack = new_stack()
    rs = replication_set(stack)
    schedule(stack, rs, "web-oncall", [rotation(stack, rs, "day")])
    for provisioner in data(synth(stack), "oncall_schedule")["provisioner"]:
        command = provisioner["local-exec"]["command"]
        # `$${` is Terraform's escape: the shell, not Terraform, expands IM_PYTHON; cdktf's HCL
        # renderer does not escape double quotes in a string holding `${`.
        assert "$${IM_PYTHON:-" in command
        assert '"' not in command


def test_strings_the_hcl_renderer_would_turn_into_numbers_stay_strings() -> None:
    assert hcl_safe({"a": "111122223333", "b": ["-5", "x5"], "c": "[x]", "d": "${x.y}"}) == {
        "a": '${"111122223333"}',
        "b": ['${"-5"}', "x5"],
        "c": '${"[x]"}',
        "d": "${x.y}",
    }
    stack = new_stack()
    rs = replication_set(stack)
    schedule(stack, rs, "web-oncall", [rotation(stack, rs, "day")])
    entry = data(synth(stack), "oncall_schedule")["for_each"]["web-oncall"]
    assert entry["identity"]["account_id"] == '${"111122223333"}'
