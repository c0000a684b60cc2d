"""constructs_lib/provisioners/oncall_schedule_sync.py against the local Incident Manager (a
thread of this process): create, adopt, update, delete, refusals, the account check and the
drift comparison."""

from __future__ import annotations

import io
import json
from collections.abc import Iterator
from typing import Any

import pytest

from constructs_lib.provisioners import aws_access, contract
from constructs_lib.provisioners import oncall_schedule_sync as sync
from local_aws.moto_glue import LocalServer
from local_aws.server import client_environment, start_server
from stacks.plan import drift_check
from tests.local_aws.local_clients import daily_rotation, emptied

REGION = "us-east-1"
ACCOUNT = "123456789012"
OTHER_ACCOUNT = "111122223333"
ARN = f"arn:aws:ssm-contacts:{REGION}:{ACCOUNT}:contact/app-oncall"

Json = dict[str, Any]


@pytest.fixture(scope="module")
def server() -> Iterator[LocalServer]:
    running = start_server()
    yield running
    running.stop()


@pytest.fixture
def contacts(server: LocalServer, monkeypatch: pytest.MonkeyPatch) -> Any:
    """An ssm-contacts client of a freshly reset server with a replication set; the SDK in this
    process (as the sync module sees it) points at the server with fake keys."""
    client = emptied(server.url)
    for name in ("AWS_PROFILE", "AWS_SESSION_TOKEN", "AWS_CONFIG_FILE"):
        monkeypatch.delenv(name, raising=False)
    for name, value in client_environment(server.url, REGION).items():
        monkeypatch.setenv(name, value)
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", "/dev/null")
    client("ssm-incidents").create_replication_set(regions={REGION: {}})
    return client("ssm-contacts")


def rotation(contacts: Any, name: str) -> str:
    try:
        member = contacts.create_contact(Alias="alice", Type="PERSONAL", Plan={"Stages": []})
        alice = member["ContactArn"]
    except contacts.exceptions.ConflictException:
        alice = f"arn:aws:ssm-contacts:{REGION}:{ACCOUNT}:contact/alice"
    return daily_rotation(contacts, name, alice, hour=8)


def payload(**changes: Any) -> Json:
    data: Json = {
        "kind": contract.SETTINGS_KIND,
        "arn": ARN,
        "alias": "app-oncall",
        "region": REGION,
        "account_id": ACCOUNT,
        "display_name": "App on-call",
        "rotation_ids": [],
        "tags": {"team": "app"},
    }
    data.update(changes)
    return data


def run(action: str, data: Json | str | None) -> int:
    environ = {} if data is None else {contract.SCHEDULE_VARIABLE: json.dumps(data)}
    if isinstance(data, str):
        environ = {contract.SCHEDULE_VARIABLE: data}
    return sync.main([action], environ)


def tags(contacts: Any) -> dict[str, str]:
    listed = contacts.list_tags_for_resource(ResourceARN=ARN)["Tags"]
    return {t["Key"]: t["Value"] for t in listed}


def test_create_makes_a_schedule_with_its_rotations_and_tags(
    contacts: Any, capsys: pytest.CaptureFixture[str]
) -> None:
    day = rotation(contacts, "day")
    assert run("create", payload(rotation_ids=[day])) == 0
    assert capsys.readouterr().out == f"created on-call schedule {ARN}\n"
    live = contacts.get_contact(ContactId=ARN)
    assert (live["Type"], live["DisplayName"], live["Plan"]["RotationIds"]) == (
        "ONCALL_SCHEDULE",
        "App on-call",
        [day],
    )
    assert tags(contacts) == {"team": "app"}


def test_create_adopts_an_existing_schedule_keeping_its_arn(
    contacts: Any, capsys: pytest.CaptureFixture[str]
) -> None:
    old, new = rotation(contacts, "old"), rotation(contacts, "new")
    contacts.create_contact(
        Alias="app-oncall",
        DisplayName="Console",
        Type="ONCALL_SCHEDULE",
        Plan={"RotationIds": [old]},
        Tags=[{"Key": "owner", "Value": "console"}],
    )
    assert run("create", payload(rotation_ids=[new])) == 0
    assert "adopted existing on-call schedule" in capsys.readouterr().out
    live = contacts.get_contact(ContactId=ARN)
    assert (live["ContactArn"], live["DisplayName"], live["Plan"]["RotationIds"]) == (
        ARN,
        "App on-call",
        [new],
    )
    assert tags(contacts) == {"team": "app"}


def test_create_refuses_an_alias_taken_by_a_personal_contact(
    contacts: Any, capsys: pytest.CaptureFixture[str]
) -> None:
    day = rotation(contacts, "day")
    contacts.create_contact(Alias="app-oncall", Type="PERSONAL", Plan={"Stages": []})
    assert run("create", payload(rotation_ids=[day])) == 1
    assert "already taken by a PERSONAL contact" in capsys.readouterr().err
    assert contacts.get_contact(ContactId=ARN)["Type"] == "PERSONAL"


def test_update_changes_rotations_in_place(contacts: Any) -> None:
    day, night = rotation(contacts, "day"), rotation(contacts, "night")
    assert run("create", payload(rotation_ids=[day])) == 0
    assert run("update", payload(rotation_ids=[night, day], display_name="Renamed")) == 0
    live = contacts.get_contact(ContactId=ARN)
    assert (live["ContactArn"], live["DisplayName"], live["Plan"]["RotationIds"]) == (
        ARN,
        "Renamed",
        [night, day],
    )


def test_update_of_a_missing_schedule_says_how_to_create_it_again(
    contacts: Any, capsys: pytest.CaptureFixture[str]
) -> None:
    day = rotation(contacts, "day")
    assert run("update", payload(rotation_ids=[day])) == 1
    err = capsys.readouterr().err
    assert "does not exist" in err
    assert "terraform state rm 'terraform_data.oncall_schedule[\"app-oncall\"]'" in err


def test_delete_removes_the_schedule_and_a_second_run_is_harmless(
    contacts: Any, capsys: pytest.CaptureFixture[str]
) -> None:
    day = rotation(contacts, "day")
    assert run("create", payload(rotation_ids=[day])) == 0
    assert run("delete", payload()) == 0
    assert run("delete", payload()) == 0
    out = capsys.readouterr().out
    assert f"deleted on-call schedule {ARN}" in out
    assert f"on-call schedule {ARN} is already gone" in out
    with pytest.raises(contacts.exceptions.ResourceNotFoundException):
        contacts.get_contact(ContactId=ARN)


def test_delete_never_deletes_a_contact_of_another_type(contacts: Any) -> None:
    contacts.create_contact(Alias="app-oncall", Type="PERSONAL", Plan={"Stages": []})
    assert run("delete", payload()) == 1
    assert contacts.get_contact(ContactId=ARN)["Type"] == "PERSONAL"


def test_credentials_of_another_account_are_refused_before_any_change(
    contacts: Any, capsys: pytest.CaptureFixture[str]
) -> None:
    day = rotation(contacts, "day")
    assert run("create", payload(rotation_ids=[day], account_id=OTHER_ACCOUNT)) == 1
    assert (
        "AWS account ID not allowed: these credentials are for account 123456789012"
        in capsys.readouterr().err
    )
    with pytest.raises(contacts.exceptions.ResourceNotFoundException):
        contacts.get_contact(ContactId=ARN)


def test_the_stacks_role_is_assumed_and_its_account_checked(contacts: Any) -> None:
    role = f"arn:aws:iam::{OTHER_ACCOUNT}:role/deployer"
    schedule = sync.Schedule.from_json(
        payload(account_id=OTHER_ACCOUNT, assume_role={"role_arn": role, "external_id": "x1"}),
        "test",
    )
    session = sync.session_for(schedule)
    identity = session.client("sts").get_caller_identity()
    assert identity["Account"] == OTHER_ACCOUNT
    assert identity["Arn"].startswith(
        f"arn:aws:sts::{OTHER_ACCOUNT}:assumed-role/deployer/{aws_access.DEFAULT_SESSION_NAME}"
    )
    # The same role with the stack in the caller's own account: refused, not silently used.
    wrong = sync.Schedule.from_json(payload(assume_role={"role_arn": role}), "test")
    with pytest.raises(aws_access.SyncError, match=f"after assuming {role}"):
        sync.session_for(wrong)


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (None, "IM_ONCALL_SCHEDULE is not set"),
        ("{not json", "IM_ONCALL_SCHEDULE: not JSON"),
        ({"alias": "x"}, "missing arn, region, account_id"),
        (payload(), "needs at least one rotation"),
        (payload(rotation_ids="arn:x"), "rotation_ids must be a list of ARNs"),
    ],
)
def test_bad_input_exits_2_with_a_message(
    data: Json | str | None, message: str, capsys: pytest.CaptureFixture[str]
) -> None:
    assert run("create", data) == 2
    err = capsys.readouterr().err
    assert message in err
    assert "Traceback" not in err


def test_differences_name_what_differs() -> None:
    wanted = sync.Schedule.from_json(
        payload(rotation_ids=["arn:r1", "arn:r2"], display_name="A"), "test"
    )
    live: Json = {
        "Type": "ONCALL_SCHEDULE",
        "DisplayName": "B",
        "Plan": {"RotationIds": ["arn:r2", "arn:r3"]},
        "TagMap": {"team": "app", "owner": "console"},
    }
    names = {"arn:r1": "day", "arn:r2": "night", "arn:r3": "console-temp"}.get
    assert sync.differences(wanted, live, rotation_name=names) == [
        "display name is 'B', config says 'A'",
        "rotations differ: now [night, console-temp]; config [day, night] (not in the config: "
        "console-temp is arn:r3)",
        "tags are {'owner': 'console', 'team': 'app'}, config says {'team': 'app'}",
    ]
    reordered = {**live, "DisplayName": "A", "Plan": {"RotationIds": ["arn:r2", "arn:r1"]}}
    reordered["TagMap"] = {"team": "app"}
    assert sync.differences(wanted, reordered, rotation_name=names) == [
        "rotations differ: now [night, day]; config [day, night]"
    ]
    # Without names (a rotation deleted since), the ARN stands in.
    assert sync.differences(wanted, reordered) == [
        "rotations differ: now [arn:r2, arn:r1]; config [arn:r1, arn:r2]"
    ]
    assert sync.differences(wanted, reordered, check_rotations=False) == []
    assert sync.differences(wanted, None) == ["does not exist"]
    assert sync.differences(wanted, {**live, "Type": "PERSONAL"}) == [
        "the alias belongs to a PERSONAL contact, not an on-call schedule"
    ]


def test_check_of_an_unreadable_plan_exits_2(
    tmp_path: Any, capsys: pytest.CaptureFixture[str]
) -> None:
    broken = tmp_path / "tfplan.json"
    broken.write_text("{", encoding="utf-8")
    assert drift_check.main([str(broken)]) == 2
    assert "cannot read a plan in JSON" in capsys.readouterr().err


def test_check_without_schedules_in_the_plan_says_so(
    tmp_path: Any, capsys: pytest.CaptureFixture[str]
) -> None:
    plan = tmp_path / "tfplan.json"
    plan.write_text(json.dumps({"resource_changes": []}), encoding="utf-8")
    assert drift_check.main([str(plan)]) == 0
    assert capsys.readouterr().out == "on-call schedules: none in this plan\n"


def settings_change(actions: list[str], data: Json, unknown: Json | None = None) -> Json:
    """A settings instance as `terraform show -json` writes it (see the deploy-level test for
    the same read from real plans)."""
    return {
        "address": 'terraform_data.oncall_schedule_settings["app-oncall"]',
        "type": "terraform_data",
        "change": {"actions": actions, "after": {"input": data}, "after_unknown": unknown or {}},
    }


def test_check_reports_a_schedule_deleted_outside_terraform(
    contacts: Any, tmp_path: Any, capsys: pytest.CaptureFixture[str]
) -> None:
    plan = tmp_path / "tfplan.json"
    change = settings_change(["no-op"], payload(rotation_ids=["arn:r1"]))
    plan.write_text(json.dumps({"resource_changes": [change]}), encoding="utf-8")
    assert drift_check.main([str(plan)]) == 4
    out = capsys.readouterr().out
    assert "DRIFT: does not exist" in out
    assert "terraform state rm 'terraform_data.oncall_schedule[\"app-oncall\"]'" in out


def test_check_accepts_differences_this_plan_writes(
    contacts: Any, tmp_path: Any, capsys: pytest.CaptureFixture[str]
) -> None:
    day = rotation(contacts, "day")
    assert run("create", payload(rotation_ids=[day])) == 0
    # A new rotation in the same plan: its ARN is unknown, the display name changes.
    change = settings_change(
        ["create", "delete"],
        payload(rotation_ids=[None], display_name="New"),
        {"input": {"rotation_ids": [True]}},
    )
    plan = tmp_path / "tfplan.json"
    plan.write_text(json.dumps({"resource_changes": [change]}), encoding="utf-8")
    capsys.readouterr()
    assert drift_check.main([str(plan)]) == 0
    assert capsys.readouterr().out == (
        "on-call schedule 'app-oncall': display name is 'App on-call', config says 'New' "
        "(this plan writes the config's settings)\n"
    )


def test_check_names_a_console_rotation_and_gives_the_make_commands_that_restore(
    contacts: Any, tmp_path: Any, capsys: pytest.CaptureFixture[str]
) -> None:
    day, temp = rotation(contacts, "business-hours"), rotation(contacts, "console-temp")
    assert run("create", payload(rotation_ids=[temp])) == 0
    change = settings_change(["no-op"], payload(rotation_ids=[day]))
    # The config's rotation is in the plan's state; the console's is found through the API.
    state = {
        "values": {
            "root_module": {
                "resources": [
                    {
                        "type": "aws_ssmcontacts_rotation",
                        "values": {"arn": day, "name": "business-hours"},
                    }
                ]
            }
        }
    }
    stack = tmp_path / "cdktf.out" / "stacks" / "incident-manager-staging"
    stack.mkdir(parents=True)
    plan = stack / "tfplan.json"
    plan.write_text(
        json.dumps({"resource_changes": [change], "prior_state": state}), encoding="utf-8"
    )
    capsys.readouterr()
    assert drift_check.main([str(plan)]) == 4
    out = capsys.readouterr().out
    assert (
        "on-call schedule 'app-oncall': DRIFT: rotations differ: now [console-temp]; config "
        f"[business-hours] (not in the config: console-temp is {temp})" in out
    )
    settings = 'terraform_data.oncall_schedule_settings["app-oncall"]'
    assert f"make plan-check ENV=staging REPLACE='{settings}', then make apply ENV=staging" in out


def test_drift_check_takes_the_parsed_plan() -> None:
    out = io.StringIO()
    assert drift_check.drift_check({"resource_changes": []}, out) == 0
    assert out.getvalue() == "on-call schedules: none in this plan\n"
