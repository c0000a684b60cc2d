"""A synthesized stack directory is a complete Terraform working directory: copied to a path with
no checkout above it, it applies, changes a schedule's rotations in place and destroys with the
real Terraform and hashicorp/aws provider (from the mirror) against the local Incident Manager
(``local_aws``), its provisioners run by a plain ``python3`` whose virtual environment holds
boto3 and its dependencies only (no project, no ``.venv``, no ``IM_PYTHON``, no ``PYTHONPATH``).

And states applied with the stack as main synthesized it before the provisioners travelled
(``tests/fixtures/stack_before_travel/``: main at fb5088a, provisioners run
``.venv/bin/python -m stacks.provisioners...`` in ``../../..``) keep working: that stack is
applied first, in the layout it expects (a directory whose ``stacks/provisioners`` and ``.venv``
link to this checkout's package and Python: the same scripts, reached under their old module
path), then the copied new stack applies an edit to the same state. That apply's plan is asserted
to change exactly the edit's addresses with the edit's actions, so a schedule or coverage record
the upgrade itself replaced would show there (no separate "plan: no changes" of the upgrade).

One server, three Terraform runs with the provider (apply, apply -json, destroy: 13 provider
starts measured).
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
import sysconfig
from collections import Counter
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from local_aws.local_apply import Change, planned_changes, stack_providers
from local_aws.process import LocalAwsProcess
from local_aws.server import DEFAULT_ACCOUNT, FAKE_ACCESS_KEY, FAKE_SECRET_KEY
from local_aws.stack_inputs import placeholder_values
from stacks.config.environment_loader import load_environments
from stacks.stack.synthesize import synthesize
from tests.conftest import PROJECT_ROOT
from tests.terraform.stack_copy import read_stack, write_override
from tests.terraform.terraform_cli import Terraform

Json = dict[str, Any]

REGION = "us-east-1"
STACK = "incident-manager-copied"
BEFORE = PROJECT_ROOT / "tests" / "fixtures" / "stack_before_travel"
PACKAGE = PROJECT_ROOT / "constructs_lib" / "provisioners"
PROVIDER_SERVICES = ("ssmcontacts", "ssmincidents", "sts", "iam", "kms", "sns", "ssm")
TIMEOUT = 600
# boto3 and what it imports, as `pip install boto3` would put them in a virtual environment.
BOTO3_DISTRIBUTION = ("boto3", "botocore", "s3transfer", "jmespath", "dateutil", "urllib3", "six")
PROVISIONER_COMMANDS = ("oncall_schedule_sync", "rotation_coverage_sync")

# The edit the copied stack applies: app-oncall pages one more rotation (in place, same ARN),
# ops-oncall and business-hours's coverage stay as the old stack applied them, and a schedule
# and a rotation with a coverage are added (created by the travelling provisioners).
EDIT = {
    "    rotations: [weekdays]\n": "    rotations: [weekdays, nights]\n",
    "oncall_schedules:\n": """\
  - name: nights
    contacts: [alice]
    time_zone: Etc/UTC
    start_time: 2026-01-05T20:00:00+00:00
    hand_off: {daily: ["20:00"]}
  - name: late
    contacts: [bob]
    time_zone: Europe/Berlin
    start_time: 2026-01-05T07:30:00+00:00
    hand_off: {daily: ["08:30"]}
    shift_coverages:
      TUE: [{start: "14:15", end: "22:45"}]
oncall_schedules:
  - alias: web-oncall
    display_name: Web on-call
    rotations: [nights]
""",
}
# Addresses without cdktf's hash suffix (``short``).
EDIT_CHANGES = {
    ("aws_ssmcontacts_rotation.rotation-nights", "create"),
    ("aws_ssmcontacts_rotation.rotation-late", "create"),
    ("terraform_data.rotation-late_Coverage", "create"),
    ('terraform_data.oncall_schedule_settings["app-oncall"]', "replace"),
    ('terraform_data.oncall_schedule["web-oncall"]', "create"),
    ('terraform_data.oncall_schedule_settings["web-oncall"]', "create"),
}
_HASH = re.compile(r"_[0-9A-F]{8}$")


def short(address: str) -> str:
    """``address`` without the hash cdktf appends to a logical id."""
    return _HASH.sub("", address)


def edited(text: str) -> str:
    for old, new in EDIT.items():
        assert text.count(old) == 1, old
        text = text.replace(old, new)
    return text


def plain_python(root: Path) -> Path:
    """A virtual environment without pip whose site-packages hold boto3's distribution only
    (links to this checkout's copies, through a .pth file: built offline); its bin directory."""
    subprocess.run(
        [os.path.realpath(sys.executable), "-m", "venv", "--without-pip", str(root)],
        check=True,
        capture_output=True,
        timeout=120,
    )
    (site,) = root.glob("lib/python*/site-packages")
    packages = root / "boto3-only"
    packages.mkdir()
    ours = Path(sysconfig.get_paths()["purelib"])
    for name in BOTO3_DISTRIBUTION:
        source = ours / name if (ours / name).is_dir() else ours / f"{name}.py"
        (packages / source.name).symlink_to(source)
    (site / "boto3-only.pth").write_text(f"{packages}\n", encoding="utf-8")
    return root / "bin"


@dataclass
class Run:
    """Terraform in one directory against the server, with an environment of its own."""

    terraform: Terraform
    directory: Path
    env: Mapping[str, str]

    def __call__(self, *args: str) -> subprocess.CompletedProcess[str]:
        result = subprocess.run(
            [str(self.terraform.binary), *args, "-input=false", "-no-color"],
            cwd=self.directory,
            env=dict(self.env),
            stdin=subprocess.DEVNULL,
            capture_output=True,
            text=True,
            timeout=TIMEOUT,
            check=False,
        )
        if result.returncode != 0:
            pytest.fail(
                f"terraform {' '.join(args)} in {self.directory} exited {result.returncode}:\n"
                f"{result.stdout[-6000:]}\n{result.stderr}",
                pytrace=False,
            )
        return result


def point_at(stack_dir: Path, server: LocalAwsProcess, state: Path) -> None:
    """The provider at the server with fake keys and the state in ``state`` (an override file,
    as CI writes one); the stack's own files untouched."""
    providers = [
        {
            "access_key": FAKE_ACCESS_KEY,
            "secret_key": FAKE_SECRET_KEY,
            "endpoints": [dict.fromkeys(PROVIDER_SERVICES, server.url)],
            "skip_metadata_api_check": True,
        }
        for _ in stack_providers(read_stack(stack_dir))
    ]
    override = {
        "terraform": {"backend": {"local": {"path": str(state)}}},
        "provider": {"aws": providers},
    }
    write_override(stack_dir, "test_local_aws", override)


@dataclass(frozen=True)
class Journey:
    """What the three runs left, read back through the API and the server's request log."""

    old_stack: Json
    unedited_stack: Json
    copied: Path
    python3: str | None
    plain_bin: Path
    before: dict[str, Json]
    edit_changes: list[Change]
    edit_output: str
    edit_operations: Counter[str]
    after: dict[str, Json]
    rotation_arns: dict[str, str]
    late_coverage: Json
    left_after_destroy: list[str]
    rotations_after_destroy: list[str]
    destroy_output: str


def _schedules(contacts: Any) -> dict[str, Json]:
    found = {}
    for contact in contacts.list_contacts(Type="ONCALL_SCHEDULE")["Contacts"]:
        live = contacts.get_contact(ContactId=contact["ContactArn"])
        live.pop("ResponseMetadata", None)
        found[contact["Alias"]] = live
    return found


@pytest.fixture(scope="module")
def journey(terraform: Terraform, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Journey]:
    workdir = tmp_path_factory.mktemp("copied-stack")
    server = LocalAwsProcess.start(workdir / "server", account_id=DEFAULT_ACCOUNT)
    try:
        yield _travel(terraform, workdir, server)
    finally:
        server.stop()


def _mains_checkout(old_repo: Path, server: LocalAwsProcess, state: Path) -> Path:
    """main's synthesized stack in ``old_repo/cdktf.out/stacks/<stack>``, with what its
    provisioners' command finds in ``../../..``: ``stacks.provisioners`` (this checkout's
    package, whose create/update/delete main's scripts were before the move) and ``.venv``."""
    old_dir = old_repo / "cdktf.out" / "stacks" / STACK
    old_dir.mkdir(parents=True)
    shutil.copy(BEFORE / f"{STACK}.cdk.tf.json", old_dir / "cdk.tf.json")
    (old_repo / "stacks").mkdir()
    (old_repo / "stacks" / "__init__.py").write_text("", encoding="utf-8")
    (old_repo / "stacks" / "provisioners").symlink_to(PACKAGE)
    (old_repo / ".venv").symlink_to(Path(sys.prefix))
    point_at(old_dir, server, state)
    return old_dir


def _travel(terraform: Terraform, workdir: Path, server: LocalAwsProcess) -> Journey:
    import boto3  # type: ignore[import-untyped]

    session = boto3.Session(
        aws_access_key_id=FAKE_ACCESS_KEY,
        aws_secret_access_key=FAKE_SECRET_KEY,
        region_name=REGION,
    )
    contacts = session.client("ssm-contacts", endpoint_url=server.url)
    session.client("ssm-incidents", endpoint_url=server.url).create_replication_set(
        regions={REGION: {}}
    )
    state = workdir / "state" / f"{STACK}.tfstate"
    state.parent.mkdir()
    aws = {
        "AWS_ENDPOINT_URL": server.url,
        "AWS_ACCESS_KEY_ID": FAKE_ACCESS_KEY,
        "AWS_SECRET_ACCESS_KEY": FAKE_SECRET_KEY,
        "AWS_REGION": REGION,
        "AWS_EC2_METADATA_DISABLED": "true",
    }

    # 1. The stack as main synthesized it, in the layout its provisioners expect.
    old_dir = _mains_checkout(workdir / "old-checkout", server, state)
    # The contacts' e-mail addresses are secret variables: fictional values, as CI gives them.
    variables = read_stack(old_dir)["variable"]
    addresses = placeholder_values(read_stack(old_dir), dict.fromkeys(variables, "EMAIL"))
    aws.update({f"TF_VAR_{name}": str(value) for name, value in addresses.items()})
    old_env = {k: v for k, v in terraform.env(aws).items() if k not in ("IM_PYTHON", "PYTHONPATH")}
    old = Run(terraform, old_dir, old_env)
    old("init")
    old("apply", "-auto-approve")
    before = _schedules(contacts)

    # 2. The new code's stack of the edited environment, synthesized, then copied elsewhere
    # (and of the environment as it was, to compare with main's).
    project = workdir / "project"
    (project / "stacks" / "environments").mkdir(parents=True)
    text = (BEFORE / "copied.yaml").read_text(encoding="utf-8")
    (project / "stacks" / "environments" / "copied.yaml").write_text(text, "utf-8")
    synthesize(load_environments(project), project, project / "cdktf.out")
    unedited = read_stack(project / "cdktf.out" / "stacks" / STACK)
    (project / "stacks" / "environments" / "copied.yaml").write_text(edited(text), "utf-8")
    synthesize(load_environments(project), project, project / "cdktf.out")
    copied = workdir / "elsewhere" / "incident-manager"
    shutil.copytree(project / "cdktf.out" / "stacks" / STACK, copied)
    shutil.rmtree(project)
    point_at(copied, server, state)
    plain_bin = plain_python(workdir / "plain-venv")
    inherited = terraform.env(aws)
    path = [plain_bin] + [
        Path(p) for p in inherited["PATH"].split(os.pathsep) if not p.startswith(sys.prefix)
    ]
    new_env = {
        k: v
        for k, v in inherited.items()
        if k not in ("IM_PYTHON", "PYTHONPATH", "VIRTUAL_ENV", "PYTHONHOME")
    }
    new_env["PATH"] = os.pathsep.join(str(p) for p in path)
    new = Run(terraform, copied, new_env)
    new("init")
    since = len(server.requests())
    edit = new("apply", "-auto-approve", "-json")
    edit_operations = Counter(
        str(r.get("operation")) for r in server.requests()[since:] if r.get("service")
    )
    after = _schedules(contacts)
    rotation_arns = {r["Name"]: r["RotationArn"] for r in contacts.list_rotations()["Rotations"]}
    late = contacts.get_rotation(RotationId=rotation_arns["late"])
    late_coverage = late["Recurrence"].get("ShiftCoverages", {})

    # 3. Destroyed from the copy: the destroy-time provisioners delete the schedules.
    destroyed = new("destroy", "-auto-approve")
    return Journey(
        old_stack=json.loads((old_dir / "cdk.tf.json").read_text(encoding="utf-8")),
        unedited_stack=unedited,
        copied=copied,
        python3=shutil.which("python3", path=new_env["PATH"]),
        plain_bin=plain_bin,
        before=before,
        edit_changes=planned_changes(edit.stdout),
        edit_output=edit.stdout,
        edit_operations=edit_operations,
        after=after,
        rotation_arns=rotation_arns,
        late_coverage=late_coverage,
        left_after_destroy=sorted(_schedules(contacts)),
        rotations_after_destroy=sorted(r["Name"] for r in contacts.list_rotations()["Rotations"]),
        destroy_output=destroyed.stdout,
    )


def test_the_copied_stack_has_no_checkout_above_it_and_runs_a_plain_python3(
    journey: Journey,
) -> None:
    assert not any((parent / ".git").exists() for parent in journey.copied.parents)
    assert not any((parent / "stacks").exists() for parent in journey.copied.parents)
    assert journey.python3 == str(journey.plain_bin / "python3")
    (site,) = journey.plain_bin.parent.glob("lib/python*/site-packages")
    assert sorted(p.name for p in site.iterdir()) == ["boto3-only.pth"]
    packages = journey.plain_bin.parent / "boto3-only"
    # (six is a module, not a package: its bytecode cache sits beside it.)
    assert sorted(p.name for p in packages.iterdir() if p.name != "__pycache__") == sorted(
        ("six.py" if name == "six" else name) for name in BOTO3_DISTRIBUTION
    )


def test_the_old_stack_applied_both_schedules(journey: Journey) -> None:
    assert sorted(journey.before) == ["app-oncall", "ops-oncall"]
    for schedule in journey.before.values():
        assert len(schedule["Plan"]["RotationIds"]) == 1


def test_the_new_synthesis_differs_from_mains_only_in_command_and_working_dir(
    journey: Journey,
) -> None:
    """The environment main synthesized, synthesized by this code: the same JSON but for the
    provisioners' command and working directory (put back here), plus the package beside it."""
    new = journey.unedited_stack
    replaced: Counter[str] = Counter()
    for block in new["resource"]["terraform_data"].values():
        for provisioner in block["provisioner"]:
            body = provisioner["local-exec"]
            assert body["working_dir"] == "${path.module}"
            python, module = "$${IM_PYTHON:-python3}", "-m incident_manager_provisioners."
            assert body["command"].startswith(f"exec {python} {module}")
            body["working_dir"] = "../../.."
            body["command"] = body["command"].replace(
                f"{python} {module}", "$${IM_PYTHON:-.venv/bin/python} -m stacks.provisioners."
            )
            replaced[body["command"].split()[-1]] += 1
    assert new == journey.old_stack
    assert replaced == {"create": 1, "delete": 1, "update": 1, "apply": 1}
    # Beside it, the package (and the byte code its runs left there).
    copied = {p.name for p in (journey.copied / "incident_manager_provisioners").iterdir()}
    assert copied - {"__pycache__"} == {p.name for p in PACKAGE.glob("*.py")}


def test_upgrading_replaces_no_record_and_the_edit_changes_only_its_addresses(
    journey: Journey,
) -> None:
    """ops-oncall, app-oncall's identity and business-hours's coverage record, applied by the
    old stack, are no-ops; app-oncall's settings record is replaced by the edit (the schedule is
    updated in place), the new schedule and rotations are created."""
    found = [(short(c.address), c.action) for c in journey.edit_changes]
    assert sorted(found) == sorted(EDIT_CHANGES)
    # No schedule deleted or re-created: one CreateContact (web-oncall), no DeleteContact.
    assert journey.edit_operations["DeleteContact"] == 0
    assert journey.edit_operations["CreateContact"] == 1


def test_a_schedules_rotations_change_in_place_through_the_copy(journey: Journey) -> None:
    arns = journey.rotation_arns
    app = journey.after["app-oncall"]
    assert app["ContactArn"] == journey.before["app-oncall"]["ContactArn"]
    assert app["Plan"]["RotationIds"] == [arns["weekdays"], arns["nights"]]
    assert journey.after["ops-oncall"] == journey.before["ops-oncall"]
    assert journey.after["web-oncall"]["Plan"]["RotationIds"] == [arns["nights"]]


def test_the_coverage_record_writes_the_configured_minutes_through_the_copy(
    journey: Journey,
) -> None:
    assert journey.late_coverage == {
        "TUE": [
            {
                "Start": {"HourOfDay": 14, "MinuteOfHour": 15},
                "End": {"HourOfDay": 22, "MinuteOfHour": 45},
            }
        ]
    }
    # The provisioners that ran (app-oncall's update, web-oncall's create and update, late's
    # coverage) all finished.
    assert journey.edit_output.count('"type":"provision_complete"') == 4
    assert '"type":"provision_errored"' not in journey.edit_output


def test_destroying_the_copy_deletes_every_schedule_and_rotation(journey: Journey) -> None:
    assert journey.left_after_destroy == []
    assert journey.rotations_after_destroy == []
    assert "Destroy complete!" in journey.destroy_output
