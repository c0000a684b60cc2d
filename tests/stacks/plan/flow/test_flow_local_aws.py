"""`make plan-check` and `make apply` with the real Terraform against the local Incident Manager
(issue 17), on a fresh copy of the repository, with the faults of item 9 injected on the way.

One environment, with its state in S3 on the local server (lock file), carries contacts with
secret addresses, two rotations with shift coverages and an on-call schedule. Every command and
every call of Terraform, of its provider and of the provisioners' boto3 goes through a TCP proxy
(``fault_proxy``) that the tests cut, or that stops at a chosen request to do harm there. The
tests run in order, each from where the previous one left the account (module-scoped, as the
suite runs: one module per worker):

1. first deploy (checkout A), with a second checkout B holding the same checked plan: B's apply
   waits only its lock timeout while A holds the lock; A's apply loses the answer of a create
   behind a 3 s network cut, meets the server paused 20 s (SIGSTOP), and the server killed
   (SIGKILL) after a create and started again with its data (``--state-file``);
2. B's apply after A's: refused as stale; a plan typed by hand in B is refused;
3. an everyday change in B (plan-check: exactly its addresses, so B's recovery and A's faults
   left nothing behind), then one rotation deleted in the console, one provisioner's endpoint
   refusing connections, and Ctrl-C to the whole process group during a provisioner's call;
4. the documented recovery (plan-check: exactly what was left undone; apply), with the network
   cut while Terraform saves the state: errored.tfstate, plan-check waiting for it, the push;
5. a rename refused by the guard (the final plan: nothing else changes).

After each fault the account holds exactly one of each object (read with boto3 from the server,
not through Terraform), and no secret address is in a file written but Terraform's own (0600).
Faults that Terraform rides out are asserted to have happened (the proxy's triggers fired).
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import socket
import sys
import threading
import time
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

from local_aws.process import LocalAwsProcess
from local_aws.terraform_setup import find_mirror, write_cli_config
from tests.stacks.adopt.test_make_adopt import fresh_copy
from tests.stacks.plan.flow.fault_proxy import DROP, RELAY, FaultProxy, Outcome
from tests.stacks.plan.flow.terminal import Terminal
from tests.working_copy import LINKED

STACK = Path("cdktf.out/stacks/incident-manager-flow")
# Fictional addresses: neither may appear in a file the product writes, but Terraform's own.
EMAIL = "flow-secret-4711@example.com"
PHONE = "+15555550147"
# An account of its own: environments of one account share one replication set (dev's).
ACCOUNT = "999988887777"
BUCKET = "flow-terraform-state"
STATE_KEY = "incident-manager/flow.tfstate"
LOCK_KEY = f"{STATE_KEY}.tflock"
# Terraform's S3 backend writes the state with PutObject (Go SDK: ?x-id=PutObject).
STATE_WRITE = f"PUT /{BUCKET}/{STATE_KEY}?x-id=PutObject".encode()
COMMAND_TIMEOUT = 600
PAUSE_SECONDS = 20
CUT_SECONDS = 3
ENVIRONMENT = """\
account_id: "999988887777"
region: us-east-1
backend:
  type: s3
  bucket: flow-terraform-state
  key: incident-manager/flow.tfstate
  region: us-east-1
  encrypt: true
  lock: lockfile
replication_set:
  regions: [us-east-1]
  prevent_destroy: false
contacts:
  - alias: flow-responder
    channels:
      - {name: email, type: EMAIL, secret: true}
    engagement:
      - {channel: email, at_minute: 0}
  - alias: flow-backup
    channels:
      - {name: phone, type: SMS, secret: true}
    engagement:
      - {channel: phone, at_minute: 0}
  - alias: flow-spare
    channels:
      - {name: email, type: EMAIL, address: spare@example.com}
    engagement:
      - {channel: email, at_minute: 0}
rotations:
  - name: flow-weekdays
    contacts: [flow-responder, flow-backup]
    time_zone: Europe/Berlin
    start_time: 2026-01-05T08:00:00+01:00
    hand_off:
      daily: ["08:00"]
    shift_coverages:
      MON: [{start: "08:00", end: "18:00"}]
  - name: flow-nights
    contacts: [flow-backup, flow-responder]
    time_zone: Europe/Berlin
    start_time: 2026-01-05T18:00:00+01:00
    hand_off:
      daily: ["18:00"]
    shift_coverages:
      MON: [{start: "18:00", end: "23:00"}]
oncall_schedules:
  - alias: flow-oncall
    display_name: Flow on-call
    rotations: [flow-weekdays]
"""
# The everyday change of step 3: the schedule's name and both rotations' hours.
CHANGED = (
    ENVIRONMENT.replace("display_name: Flow on-call", "display_name: Flow on-call weekdays")
    .replace('end: "18:00"}]\n  - name', 'end: "17:00"}]\n  - name')
    .replace('end: "23:00"', 'end: "22:00"')
)
OBJECTS = [
    "channel flow-backup/phone",
    "channel flow-responder/email",
    "channel flow-spare/email",
    "contact flow-backup",
    "contact flow-oncall",
    "contact flow-responder",
    "contact flow-spare",
    "replication set",
    "rotation flow-nights",
    "rotation flow-weekdays",
]
# A provisioner's python, as IM_PYTHON lets one be given: flow-weekdays's coverage is written
# through an endpoint that refuses connections (two attempts, not the default's minute).
REFUSING_PYTHON = """\
#!/bin/sh
case "$IM_ROTATION_COVERAGE" in
  *'"flow-weekdays"'*) export AWS_ENDPOINT_URL=http://127.0.0.1:{port} AWS_MAX_ATTEMPTS=2 ;;
esac
exec {python} "$@"
"""


@dataclass
class Flow:
    """Checkouts A and B of one environment, the server behind the proxy, and what the steps
    recorded for the tests after them."""

    workdir: Path
    repo: Path
    other: Path
    env: dict[str, str]
    server: LocalAwsProcess
    proxy: FaultProxy
    server_state: Path
    servers: list[LocalAwsProcess] = field(default_factory=list)
    running: list[Terminal] = field(default_factory=list)
    seen: dict[str, Any] = field(default_factory=dict)

    def start(self, *command: str, cwd: Path, env: dict[str, str] | None = None) -> Terminal:
        terminal = Terminal(command, cwd, env or self.env)
        self.running.append(terminal)
        return terminal

    def run(self, *command: str, cwd: Path, env: dict[str, str] | None = None) -> Any:
        """``command`` to its end (stderr merged into stdout, as a terminal shows them)."""
        return self.start(*command, cwd=cwd, env=env).finish(COMMAND_TIMEOUT)

    def make(self, *args: str, repo: Path | None = None) -> Any:
        return self.run("make", "--no-print-directory", *args, cwd=repo or self.repo)

    def client(self, service: str) -> Any:
        """A boto3 client of the server itself (not through the proxy)."""
        import boto3  # type: ignore[import-untyped]

        return boto3.client(
            service,
            endpoint_url=self.server.url,
            region_name="us-east-1",
            aws_access_key_id=self.env["AWS_ACCESS_KEY_ID"],
            aws_secret_access_key=self.env["AWS_SECRET_ACCESS_KEY"],
        )

    def objects(self) -> list[str]:
        """Every Incident Manager object of the account, by name: one line per object, so a
        duplicate shows twice."""
        contacts = self.client("ssm-contacts")
        sets = self.client("ssm-incidents").list_replication_sets()["replicationSetArns"]
        found = ["replication set" for _ in sets]
        for contact in contacts.list_contacts()["Contacts"]:
            found.append(f"contact {contact['Alias']}")
            channels = contacts.list_contact_channels(ContactId=contact["ContactArn"])
            found += [
                f"channel {contact['Alias']}/{c['Name']}" for c in channels["ContactChannels"]
            ]
        found += [f"rotation {r['Name']}" for r in contacts.list_rotations()["Rotations"]]
        return sorted(found)

    def rotation(self, name: str) -> dict[str, Any]:
        contacts = self.client("ssm-contacts")
        listed = contacts.list_rotations()["Rotations"]
        (arn,) = [r["RotationArn"] for r in listed if r["Name"] == name]
        rotation: dict[str, Any] = contacts.get_rotation(RotationId=arn)
        return rotation

    def bucket(self) -> list[str]:
        listed = self.client("s3").list_objects_v2(Bucket=BUCKET)
        return sorted(o["Key"] for o in listed.get("Contents", []))

    def lock_info(self) -> dict[str, Any]:
        body = self.client("s3").get_object(Bucket=BUCKET, Key=LOCK_KEY)["Body"].read()
        info: dict[str, Any] = json.loads(body)
        return info

    def state(self) -> dict[str, Any]:
        body = self.client("s3").get_object(Bucket=BUCKET, Key=STATE_KEY)["Body"].read()
        state: dict[str, Any] = json.loads(body)
        return state

    def restart_server(self) -> None:
        """SIGKILL, then a new server on the data it saved; the proxy now forwards to it."""
        self.server.kill()
        self.server = LocalAwsProcess.start(
            self.workdir / f"server-{len(self.servers)}",
            ACCOUNT,
            request_log=False,
            state_file=self.server_state,
        )
        self.servers.append(self.server)
        self.proxy.upstream_port = int(self.server.url.rsplit(":", 1)[1])


def planned(stack: Path) -> dict[str, list[str]]:
    """Address -> actions of every change in the stack's kept plan (tfplan.json, redacted);
    a deposed object's address ends in " deposed"."""
    plan = json.loads((stack / "tfplan.json").read_text(encoding="utf-8"))
    changes = {}
    for change in plan.get("resource_changes") or []:
        actions = change["change"]["actions"]
        if actions in (["no-op"], ["read"]):
            continue
        address = change["address"] + (" deposed" if change.get("deposed") else "")
        changes[address] = sorted(actions)
    return changes


def record_address(stack: Path, kind: str, prefix: str) -> str:
    """The address of the one resource of type ``kind`` whose name starts with ``prefix``
    (cdktf adds a hash: ``contact-flow-responder_04C0B992``)."""
    resources = json.loads((stack / "cdk.tf.json").read_text(encoding="utf-8"))["resource"]
    (found,) = [f"{kind}.{name}" for name in resources[kind] if name.startswith(prefix)]
    return found


def instances(state: dict[str, Any], address: str) -> list[str]:
    """How ``address`` is held in ``state``: one word per object, "ok", "tainted" or
    "deposed" (an old copy a replacement that stopped half-way left)."""
    kind, rest = address.split(".", 1)
    name, _, key = rest.partition("[")
    index = json.loads(key[:-1]) if key else None
    found = []
    for resource in state["resources"]:
        if resource["type"] != kind or resource["name"] != name:
            continue
        for instance in resource["instances"]:
            if instance.get("index_key") != index:
                continue
            found.append("deposed" if instance.get("deposed") else instance.get("status", "ok"))
    return sorted(found)


SETTINGS = 'terraform_data.oncall_schedule_settings["flow-oncall"]'


@pytest.fixture(scope="module")
def flow(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Flow]:
    workdir = tmp_path_factory.mktemp("flow")
    repo = fresh_copy(workdir)
    (repo / "stacks/environments/flow.yaml").write_text(ENVIRONMENT, encoding="utf-8")
    server_state = workdir / "server" / "local-aws.state"
    server = LocalAwsProcess.start(
        workdir / "server", ACCOUNT, request_log=False, state_file=server_state
    )
    proxy = FaultProxy(int(server.url.rsplit(":", 1)[1]))
    env = {k: v for k, v in os.environ.items() if not k.startswith(("AWS_", "TF_"))}
    env.update(server.environment())
    env["TF_CLI_CONFIG_FILE"] = str(
        write_cli_config(workdir / "terraform.tfrc", find_mirror("5.100.0"))
    )
    env["TF_VAR_flow_responder__email"] = EMAIL
    env["TF_VAR_flow_backup__phone"] = PHONE
    # Whatever Terraform or Python put in a temporary file is looked at too.
    (workdir / "tmp").mkdir()
    env["TMPDIR"] = str(workdir / "tmp")
    # Not TF_IN_AUTOMATION: Terraform prints its `terraform apply "tfplan"` hint as a person sees.
    state = Flow(workdir, repo, workdir / "other", env, server, proxy, server_state, [server])
    try:
        proxy.start()
        env["AWS_ENDPOINT_URL"] = proxy.url
        state.client("s3").create_bucket(Bucket=BUCKET)
        yield state
    finally:
        for terminal in state.running:
            terminal.kill()
        proxy.stop()
        for running in state.servers:
            if running.process.poll() is None:
                os.kill(running.process.pid, signal.SIGCONT)
                running.stop()


def test_first_deploy_rides_out_a_lost_answer_a_paused_server_and_a_killed_one(
    flow: Flow,
) -> None:
    checked = flow.make("plan-check", "ENV=flow")
    assert checked.returncode == 0, checked.stdout
    # A colleague's checkout B with the same checked plan (made at the same moment).
    shutil.copytree(flow.repo, flow.other, symlinks=True)
    seen = flow.seen

    def second_apply() -> Outcome:
        # A holds the state lock and waits for this answer: B's apply meets a held lock.
        seen["holder"] = flow.lock_info()
        started = time.monotonic()
        seen["second"] = flow.make("apply", "ENV=flow", "LOCK_TIMEOUT=4s", repo=flow.other)
        seen["second_waited"] = time.monotonic() - started
        return RELAY

    def lose_answer() -> Outcome:
        # The contact is created; the network goes for 3 s and its answer is lost with it.
        # (Stalled, not refused: Terraform's periodic state save may fall in these seconds, and
        # a save that fails halts the apply, which the last fault of this module shows.)
        flow.proxy.hold()
        threading.Timer(CUT_SECONDS, flow.proxy.release).start()
        return DROP

    def pause() -> Outcome:
        paused = flow.server
        os.kill(paused.process.pid, signal.SIGSTOP)
        seen["paused"] = time.monotonic()

        def resume() -> None:
            seen["resumed"] = time.monotonic()
            os.kill(paused.process.pid, signal.SIGCONT)

        threading.Timer(PAUSE_SECONDS, resume).start()
        return RELAY

    def kill() -> Outcome:
        # The rotation is created and saved; the server dies before its answer leaves, once it
        # has answered in full what else it was sent (an answer cut short half-way is not
        # retried by the provider's SDK: "decomposing response: unexpected EOF", the resource
        # then tainted, a different fault). Calls made meanwhile wait for the new server, as
        # behind a load balancer.
        flow.proxy.hold()
        try:
            seen["quiet"] = flow.proxy.quiet(but=triggers["kill"])
            seen["killed"] = time.monotonic()
            flow.restart_server()
        finally:
            flow.proxy.release()
        return DROP

    triggers = {
        "second apply": flow.proxy.when(
            b"/createReplicationSet", on="request", action=second_apply
        ),
        "lost answer": flow.proxy.when(
            b"SSMContacts.CreateContact\r\n", b'"PERSONAL"', on="response", action=lose_answer
        ),
        # The first rotation's create meets the paused server, and once it has been served, the
        # server is killed. (Provider calls only: the provisioners, which wait for the
        # rotations, start later.)
        "pause": flow.proxy.when(b"SSMContacts.CreateRotation", on="request", action=pause),
        "kill": flow.proxy.when(b"SSMContacts.CreateRotation", on="response", action=kill),
    }
    started = time.monotonic()
    applied = flow.make("apply", "ENV=flow")
    ended = time.monotonic()

    assert applied.returncode == 0, applied.stdout
    assert "Apply complete! Resources: 16 added, 0 changed, 0 destroyed." in applied.stdout
    assert [name for name, t in triggers.items() if not t.fired.is_set()] == []
    assert seen["quiet"], "the server still owed answers when it was killed"
    # The pause was inside the apply, which waited it out.
    assert started < seen["paused"] < seen["resumed"] < seen["killed"] < ended
    assert seen["resumed"] - seen["paused"] >= PAUSE_SECONDS
    # The killed server is gone; the one started on its data answered the rest.
    assert flow.servers[0].process.returncode == -signal.SIGKILL
    # The rotation's create was sent again with its idempotency token: one rotation each.
    assert b'"IdempotencyToken":"terraform-' in triggers["kill"].request
    assert flow.objects() == OBJECTS
    assert flow.bucket() == [STATE_KEY]


def test_apply_waits_for_a_held_lock_only_the_lock_timeout(flow: Flow) -> None:
    # B's apply ran while A held the state lock (in S3, as a lock file beside the state).
    blocked, holder = flow.seen["second"], flow.seen["holder"]
    assert blocked.returncode == 2
    assert "Error acquiring the state lock" in blocked.stdout
    assert f"ID:        {holder['ID']}" in blocked.stdout
    assert holder["Operation"] == "OperationTypeApply"
    assert "apply] Error 1" in blocked.stdout
    # Terraform retried for the whole timeout.
    assert flow.seen["second_waited"] >= 4
    # Nothing was applied: B's checked plan is still there.
    assert (flow.other / STACK / "tfplan.checked").is_file()


def test_the_checked_plan_is_applied_once(flow: Flow) -> None:
    stack = flow.repo / STACK
    # Spent: a second make apply asks for a new plan-check instead of Terraform's "stale plan".
    assert not (stack / "tfplan").exists()
    assert not (stack / "tfplan.checked").exists()
    again = flow.make("apply", "ENV=flow")
    assert again.returncode == 2
    assert "nothing to apply: no saved plan" in again.stdout


def test_the_second_of_two_applies_at_once_is_refused_as_stale(flow: Flow) -> None:
    # After A's apply B tries again, as the lock timeout's message says it may.
    stale = flow.make("apply", "ENV=flow", repo=flow.other)
    assert stale.returncode == 2
    assert "Saved plan is stale" in stale.stdout
    assert "make plan-check ENV=flow" in stale.stdout
    assert flow.objects() == OBJECTS


def test_apply_refuses_a_plan_typed_by_hand_after_plan_check(flow: Flow) -> None:
    stack = flow.other / STACK
    assert (stack / "tfplan.checked").is_file(), "B's stale apply keeps its checked plan"
    contact = record_address(stack, "aws_ssmcontacts_contact", "contact-flow-responder_")
    by_hand = flow.run(
        "terraform",
        "plan",
        "-no-color",
        "-input=false",
        f"-replace={contact}",
        "-out=tfplan",
        cwd=stack,
    )
    assert by_hand.returncode == 0, by_hand.stdout
    assert "will be replaced, as requested" in by_hand.stdout

    refused = flow.make("apply", "ENV=flow", repo=flow.other)
    assert refused.returncode == 2
    assert "not the plan that plan-check checked" in refused.stdout
    assert "Apply complete" not in refused.stdout
    assert flow.objects() == OBJECTS


def test_ctrl_c_during_the_provisioners_lets_terraform_save_the_state(flow: Flow) -> None:
    stack = flow.other / STACK
    (flow.other / "stacks/environments/flow.yaml").write_text(CHANGED, encoding="utf-8")
    checked = flow.make("plan-check", "ENV=flow", repo=flow.other)
    assert checked.returncode == 0, checked.stdout
    weekdays = record_address(stack, "terraform_data", "rotation-flow-weekdays_Coverage")
    nights = record_address(stack, "terraform_data", "rotation-flow-nights_Coverage")
    # Exactly the change: B's stale plan and every fault of the first deploy left nothing to
    # do (a duplicate, a lost object or drift would show here). A coverage record is replaced
    # whenever its rotation changes.
    assert planned(stack) == {
        SETTINGS: ["create", "delete"],
        record_address(stack, "aws_ssmcontacts_rotation", "rotation-flow-weekdays_"): ["update"],
        weekdays: ["create", "delete"],
        record_address(stack, "aws_ssmcontacts_rotation", "rotation-flow-nights_"): ["update"],
        nights: ["create", "delete"],
    }
    before = flow.state()["serial"]

    # In the console, between plan and apply: flow-nights is deleted.
    contacts = flow.client("ssm-contacts")
    gone = flow.seen["deleted rotation"] = flow.rotation("flow-nights")["RotationArn"]
    contacts.delete_rotation(RotationId=gone)
    # flow-weekdays's coverage is written through an endpoint that refuses connections.
    closed = socket.socket()
    closed.bind(("127.0.0.1", 0))
    python = flow.workdir / "refusing-python"
    python.write_text(
        REFUSING_PYTHON.format(port=closed.getsockname()[1], python=sys.executable),
        encoding="utf-8",
    )
    python.chmod(0o755)
    env = {**flow.env, "IM_PYTHON": str(python)}
    refused = "rotation coverage: AWS refused or could not be reached: Could not connect"
    apply = flow.start("make", "--no-print-directory", "apply", "ENV=flow", cwd=flow.other, env=env)
    update_failed = threading.Event()

    def not_found() -> Outcome:
        update_failed.set()
        return RELAY

    def slow_state_write() -> Outcome:
        # Saving the state takes a moment, as over a real network to S3.
        time.sleep(1.5)
        return RELAY

    def ctrl_c() -> Outcome:
        # The schedule's settings are on their way to AWS; the other two have failed.
        flow.seen["both failed"] = update_failed.wait(120) and apply.wait_for(refused, timeout=120)
        apply.interrupt()
        flow.proxy.when(STATE_WRITE, on="request", action=slow_state_write)
        time.sleep(1)
        return RELAY

    flow.proxy.when(b"SSMContacts.UpdateRotation", gone.encode(), on="response", action=not_found)
    trigger = flow.proxy.when(
        b"SSMContacts.UpdateContact", b"Boto3/", b"flow-oncall", on="request", action=ctrl_c
    )
    try:
        interrupted = apply.finish(COMMAND_TIMEOUT)
    finally:
        closed.close()
    flow.seen["interrupted"] = interrupted.stdout
    assert trigger.fired.is_set() and flow.seen["both failed"], interrupted.stdout
    assert "Interrupt received." in interrupted.stdout
    assert "apply interrupted (Ctrl-C): Terraform let the calls in flight finish" in (
        interrupted.stdout
    )
    assert "Traceback" not in interrupted.stdout
    # Terraform saved what it had done and released the lock: nothing waits to be unlocked.
    state = flow.state()
    assert state["serial"] > before
    assert flow.bucket() == [STATE_KEY]
    assert instances(state, SETTINGS) == ["deposed", "tainted"]
    # Nothing was made twice; flow-nights is gone as the console left it.
    assert flow.objects() == [o for o in OBJECTS if o != "rotation flow-nights"]


def test_a_provisioner_whose_endpoint_refuses_fails_plainly_and_stays_tainted(
    flow: Flow,
) -> None:
    output = flow.seen["interrupted"]
    assert (
        "rotation coverage: AWS refused or could not be reached: Could not connect to the "
        'endpoint URL: "http://127.0.0.1:'
    ) in output
    weekdays = record_address(flow.other / STACK, "terraform_data", "rotation-flow-weekdays_Cov")
    assert instances(flow.state(), weekdays) == ["tainted"]


def test_a_rotation_deleted_between_plan_and_apply_fails_its_update_plainly(
    flow: Flow,
) -> None:
    output = flow.seen["interrupted"]
    assert f"ResourceNotFoundException: Rotation {flow.seen['deleted rotation']} not found" in (
        output
    )
    assert "with aws_ssmcontacts_rotation.rotation-flow-nights_" in output
    # Its coverage record (replaced whenever the rotation changes) was destroyed first, and not
    # created again: the next plan creates it.
    nights = record_address(flow.other / STACK, "terraform_data", "rotation-flow-nights_Cov")
    assert instances(flow.state(), nights) == []


def test_plan_check_after_the_interrupted_apply_plans_what_was_left_undone(flow: Flow) -> None:
    stack = flow.other / STACK
    checked = flow.make("plan-check", "ENV=flow", repo=flow.other)
    assert checked.returncode == 0, checked.stdout
    settings = SETTINGS
    weekdays = record_address(stack, "terraform_data", "rotation-flow-weekdays_Coverage")
    nights = record_address(stack, "terraform_data", "rotation-flow-nights_Coverage")
    rotation = record_address(stack, "aws_ssmcontacts_rotation", "rotation-flow-nights_")
    # The tainted records replaced (the settings' old copy dropped), the deleted rotation
    # created again and its coverage written (its old record was destroyed before the
    # rotation's update failed): nothing else.
    assert planned(stack) == {
        rotation: ["create"],
        settings: ["create", "delete"],
        f"{settings} deposed": ["delete"],
        weekdays: ["create", "delete"],
        nights: ["create"],
    }
    # No ALLOW= needed, and the guard says why (docs/safety.md, after an interrupted apply).
    assert "plan guard: note: " + settings + ": re-creating the settings" in checked.stdout
    assert "re-creating the shift coverage record of rotation 'flow-weekdays'" in checked.stdout
    assert "on-call rotation 'flow-nights': new; this plan writes its shift coverage" in (
        checked.stdout
    )


def test_a_network_cut_while_the_state_is_saved_leaves_errored_state_and_the_lock(
    flow: Flow,
) -> None:
    stack = flow.other / STACK
    nights = record_address(stack, "terraform_data", "rotation-flow-nights_Coverage")
    apply = flow.start("make", "--no-print-directory", "apply", "ENV=flow", cwd=flow.other)

    def finished(state: bytes) -> bool:
        # The state of the finished apply: nothing tainted or deposed left, the coverage record
        # created. (Terraform also saves the state every 20 s during an apply: an earlier save
        # passes, and a save that already holds it all leaves the last one nothing to write.)
        left = b'"tainted"' in state or b'"deposed"' in state
        return not left and nights.split(".", 1)[1].encode() in state

    def cut() -> Outcome:
        # Every change is made in AWS; the network goes while Terraform saves the state.
        flow.proxy.cut()
        return DROP

    cutting = flow.proxy.when(STATE_WRITE, on="request", action=cut, body=finished)
    try:
        failed = apply.finish(COMMAND_TIMEOUT)
    finally:
        flow.proxy.restore()
    assert cutting.fired.is_set(), failed.stdout
    assert failed.returncode == 2, failed.stdout
    flow.seen["lock"] = flow.lock_info()
    assert "Failed to save state" in failed.stdout
    assert "Error releasing the state lock" in failed.stdout
    assert "errored.tfstate exists" in failed.stdout
    errored = stack / "errored.tfstate"
    assert errored.stat().st_mode & 0o777 == 0o600
    # Everything was done in AWS, once; the state in S3 does not know it yet.
    assert flow.objects() == OBJECTS
    assert flow.bucket() == [STATE_KEY, LOCK_KEY]
    assert flow.rotation("flow-nights")["Recurrence"]["ShiftCoverages"]["MON"] == [
        {"Start": {"HourOfDay": 18, "MinuteOfHour": 0}, "End": {"HourOfDay": 22, "MinuteOfHour": 0}}
    ]


def written_files(root: Path) -> list[Path]:
    """Every file under ``root`` but the shared installs."""
    installs = set(LINKED)
    return [
        p
        for p in root.rglob("*")
        if p.is_file() and not p.is_symlink() and not installs & set(p.relative_to(root).parts)
    ]


def holds_a_secret(path: Path) -> bool:
    """Whether ``path`` holds one of the addresses, in clear or in a zip (a saved plan is one)."""
    texts = [path.read_bytes()]
    if zipfile.is_zipfile(path):
        with zipfile.ZipFile(path) as archive:
            texts += [archive.read(name) for name in archive.namelist()]
    return any(secret.encode() in text for secret in (EMAIL, PHONE) for text in texts)


def test_no_secret_address_is_written_but_into_the_private_state(flow: Flow) -> None:
    # The server's data stands in for AWS, which holds the addresses: its file is private too.
    assert flow.server_state.stat().st_mode & 0o777 == 0o600
    holding = sorted(
        str(p.relative_to(flow.workdir))
        for p in written_files(flow.workdir)
        if p != flow.server_state and holds_a_secret(p)
    )
    # Terraform's state and saved plan must hold them (the provider reads them back): the
    # errored state and B's plan. Nothing else, in either checkout or the temporary folder.
    assert holding == [f"other/{STACK}/errored.tfstate", f"other/{STACK}/tfplan"]
    for name in holding:
        assert (flow.workdir / name).stat().st_mode & 0o777 == 0o600, name
    # The plan JSON kept for people is there, redacted.
    shown = (flow.other / STACK / "tfplan.json").read_text(encoding="utf-8")
    assert "(sensitive value)" in shown


def test_plan_check_waits_for_errored_state_and_the_documented_push_recovers(flow: Flow) -> None:
    stack = flow.other / STACK
    stopped = flow.make("plan-check", "ENV=flow", repo=flow.other)
    assert stopped.returncode == 2, stopped.stdout
    assert "errored.tfstate exists" in stopped.stdout
    push = "terraform state push errored.tfstate"
    assert push in stopped.stdout
    # The push meets the lock the failed apply could not release; the message names the way.
    held = flow.run("terraform", "state", "push", "errored.tfstate", cwd=stack)
    assert held.returncode == 1
    lock = flow.seen["lock"]["ID"]
    assert f"ID:        {lock}" in held.stdout
    assert f"terraform force-unlock {flow.seen['lock']['ID']}" not in stopped.stdout
    assert "terraform force-unlock" in stopped.stdout
    unlocked = flow.run("terraform", "force-unlock", "-force", lock, cwd=stack)
    assert unlocked.returncode == 0, unlocked.stdout
    pushed = flow.run("terraform", "state", "push", "errored.tfstate", cwd=stack)
    assert pushed.returncode == 0, pushed.stdout
    (stack / "errored.tfstate").unlink()
    assert flow.bucket() == [STATE_KEY]


def test_a_refused_plan_cannot_be_applied_and_the_refusal_is_printed_last(flow: Flow) -> None:
    path = flow.other / "stacks/environments/flow.yaml"
    path.write_text(CHANGED.replace("flow-spare", "flow-standby"), encoding="utf-8")
    try:
        refused = flow.make("plan-check", "ENV=flow", repo=flow.other)
    finally:
        path.write_text(CHANGED, encoding="utf-8")
    lines = [line for line in refused.stdout.splitlines() if line.strip()]
    assert refused.returncode == 2
    # make passes only 2 on; its own last line carries the command's status.
    assert lines[-1].startswith("make: *** [Makefile:") and lines[-1].endswith(
        "plan-check] Error 3"
    )
    allow = 'If you mean it, re-run with --allow contact-replace (make plan-check ALLOW="%s").'
    assert lines[-2] == allow % "contact-replace"
    assert "[contact-replace]" in refused.stdout
    # Terraform's hint to apply "tfplan" comes before the refusal, and that file is gone.
    hint = refused.stdout.index("run the following command to apply")
    assert hint < refused.stdout.index("plan guard: 1 dangerous change(s)")
    stack = flow.other / STACK
    assert not (stack / "tfplan").exists()
    assert (stack / "tfplan.refused").is_file()
    blocked = flow.make("apply", "ENV=flow", repo=flow.other)
    assert blocked.returncode == 2
    assert "the plan guard refused the last plan" in blocked.stdout
    # The final plan: the rename and nothing else. The recovery and the pushed state left
    # nothing undone, and the schedule and both coverages are as configured.
    assert {a.split(".")[1].split("_")[0] for a in planned(stack)} == {
        "contact-flow-spare",
        "contact-flow-standby",
    }
    assert "on-call schedule 'flow-oncall': matches the config" in refused.stdout
    assert "on-call rotation 'flow-weekdays': shift coverage matches the config" in refused.stdout
    assert "on-call rotation 'flow-nights': shift coverage matches the config" in refused.stdout
    assert flow.objects() == OBJECTS
