"""A generative round trip: console-style accounts that hypothesis builds through the API
(tests/stacks/adopt/account_specs.py) adopted from the local Incident Manager, each as a person
would: `adopt` (its written file passes the project's checks) -> its first plan only imports (or
rewrites, to the same minutes, an engagement plan the report names as not rebuilt exactly) ->
the apply of that checked plan (as `make apply`) -> an everyday edit of the adopted file,
applied in place: exactly the edited resource is updated, so the first apply left no drift.

`make test` runs ``EXAMPLES`` derandomized account (the same on every run, no example
database); `make fuzz-adopt N=200` runs N random ones (``IM_FUZZ_ADOPT_EXAMPLES``), printing
what reproduces a failure. Each shrunk counterexample is kept as a test of its own in
test_adopt_counterexamples.py."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, assume, event, given, note, settings
from ruamel.yaml import YAML

from local_aws.local_apply import planned_changes
from stacks.adopt.command import adopt
from stacks.adopt.first_plan import plan_adopted
from stacks.config.environment_loader import load_environment
from stacks.layout import stack_dir
from stacks.stack.import_blocks import imports_file
from stacks.stack.synthesize import synthesize
from tests.stacks.adopt.account_builder import build_account
from tests.stacks.adopt.account_specs import EDITS, Account, accounts

ENV_FILE = Path("stacks/environments/acme.yaml")
FUZZ_VARIABLE = "IM_FUZZ_ADOPT_EXAMPLES"
# What fits the suite's budget (about 15 CPU-seconds an account). Hypothesis always tries the
# simplest account first (one contact, one response plan, one region): make test skips it, as
# test_adopt_walkthrough.py's small account and the counterexamples hold more than it does.
EXAMPLES = 1
FUZZ_EXAMPLES = int(os.environ.get(FUZZ_VARIABLE) or 0)
Json = dict[str, Any]
EDITED_NAME = "Edited name"
EDITED_TITLE = "edited title"


def _stack(root: Path) -> Json:
    stack: Json = json.loads((stack_dir(root, "acme") / "cdk.tf.json").read_text())
    return stack


def _address(stack: Json, kind: str, attribute: str, value: Any) -> str:
    """The address of the ``kind`` resource whose ``attribute`` is ``value`` (the only one of
    its kind when ``attribute`` is empty)."""
    (name,) = [
        name
        for name, body in stack["resource"].get(kind, {}).items()
        if not attribute or body.get(attribute) == value
    ]
    return f"{kind}.{name}"


def _rebuilt_plans(stack: Json, report: list[str]) -> set[str]:
    """The engagement plans the report says the file does not rebuild exactly."""
    aliases = {
        line.split(":")[0].removeprefix("contact ")
        for line in report
        if "does not rebuild exactly" in line
    }
    contacts = {
        f"${{aws_ssmcontacts_contact.{name}.arn}}": body["alias"]
        for name, body in stack["resource"].get("aws_ssmcontacts_contact", {}).items()
    }
    return {
        f"aws_ssmcontacts_plan.{name}"
        for name, body in stack["resource"].get("aws_ssmcontacts_plan", {}).items()
        if contacts.get(body["contact_id"]) in aliases
    }


def _edit(root: Path, account: Account) -> tuple[str, str, Any]:
    """The account's everyday edit in the adopted file: a threshold, a title or a display name
    (the next kind the file holds if it holds none of the one drawn; the replication set's tags
    if it holds none at all); what it edits: (resource type, identifying attribute, value)."""
    path = root / ENV_FILE
    yaml = YAML()
    data = yaml.load(path.read_text(encoding="utf-8"))
    kind, index = account.edit
    order = [*EDITS[EDITS.index(kind) :], *EDITS[: EDITS.index(kind)]]
    edited: tuple[str, str, Any] = ("aws_ssmincidents_replication_set", "", None)
    for kind in order:
        if kind == "alarm_threshold" and data.get("alarms"):
            alarm = data["alarms"][index % len(data["alarms"])]
            alarm["threshold"] = float(alarm["threshold"]) + 1
            edited = ("aws_cloudwatch_metric_alarm", "alarm_name", alarm["name"])
            break
        if kind == "response_plan_title" and data.get("response_plans"):
            plan = data["response_plans"][index % len(data["response_plans"])]
            plan["incident"]["title"] = EDITED_TITLE
            edited = ("aws_ssmincidents_response_plan", "name", plan["name"])
            break
        if kind == "contact_display_name" and data.get("contacts"):
            contact = data["contacts"][index % len(data["contacts"])]
            contact["display_name"] = EDITED_NAME
            edited = ("aws_ssmcontacts_contact", "alias", contact["alias"])
            break
    else:
        data["replication_set"].setdefault("tags", {})["edited"] = "yes"
    with path.open("w", encoding="utf-8") as stream:
        yaml.dump(data, stream)
    return edited


def _resynthesize(root: Path) -> None:
    env = load_environment(root / ENV_FILE, root)
    synthesize([env], root, root / "cdktf.out", complete=False)


def _terraform(root: Path, command: str, *args: str) -> str:
    done = subprocess.run(
        ["terraform", command, "-input=false", "-no-color", *args],
        cwd=stack_dir(root, "acme"),
        stdin=subprocess.DEVNULL,
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode == 0, done.stdout[-6000:] + done.stderr
    return done.stdout


def _edited_value(root: Path, edited: tuple[str, str, Any]) -> Any:
    """What the edit wrote into the file, as the live object holds it after the apply."""
    kind, _, value = edited
    if kind == "aws_cloudwatch_metric_alarm":
        data = YAML().load((root / ENV_FILE).read_text(encoding="utf-8"))
        return next(float(a["threshold"]) for a in data["alarms"] if a["name"] == value)
    if kind == "aws_ssmincidents_response_plan":
        return EDITED_TITLE
    if kind == "aws_ssmcontacts_contact":
        return EDITED_NAME
    return "yes"


def _live_edit(aws: Any, edited: tuple[str, str, Any]) -> Any:
    """The edited value as AWS (the local server) holds it."""
    kind, _, value = edited
    if kind == "aws_ssmincidents_replication_set":
        incidents = aws("ssm-incidents")
        (arn,) = incidents.list_replication_sets()["replicationSetArns"]
        return incidents.list_tags_for_resource(resourceArn=arn)["tags"].get("edited")
    if kind == "aws_cloudwatch_metric_alarm":
        for region in ("us-east-1", "us-west-2", "eu-west-1"):
            found = aws("cloudwatch", region).describe_alarms(AlarmNames=[value])["MetricAlarms"]
            if found:
                return found[0]["Threshold"]
        raise AssertionError(f"alarm {value!r} not found")
    if kind == "aws_ssmincidents_response_plan":
        arn = f"arn:aws:ssm-incidents::123456789012:response-plan/{value}"
        return aws("ssm-incidents").get_response_plan(arn=arn)["incidentTemplate"]["title"]
    arn = f"arn:aws:ssm-contacts:us-east-1:123456789012:contact/{value}"
    return aws("ssm-contacts").get_contact(ContactId=arn).get("DisplayName")


def more_than_the_simplest(account: Account) -> bool:
    """Whether ``account`` holds more than a contact and a response plan in one region."""
    return bool(
        account.rotations
        or account.escalation_plans
        or account.topics
        or account.alarms
        or len(account.regions) > 1
        or any(p.runbook for p in account.response_plans)
    )


def features(account: Account) -> list[str]:
    """What an account holds, for hypothesis' statistics (``--hypothesis-show-statistics``)."""
    kinds = {k for r in account.rotations for k in ("daily", "weekly", "monthly") if getattr(r, k)}
    runbooks = [p.runbook for p in account.response_plans if p.runbook]
    return [
        f"replication set: {len(account.regions)} region(s), "
        + ("customer managed keys" if account.customer_keys else "AWS-owned key"),
        f"rotations: {', '.join(sorted(kinds)) or 'none'}",
        "overnight coverage"
        if any(b < a for r in account.rotations for c in r.coverages.values() for a, b in c)
        else "no overnight coverage",
        f"runbooks: {', '.join(sorted('JSON' if r.json_format else 'YAML' for r in runbooks))}",
        f"alarms in {len({a.region for a in account.alarms})} region(s)",
        f"on-call schedules: {len(account.schedules)}",
        f"escalation plans: {len(account.escalation_plans)}",
        f"edit drawn: {account.edit[0]}",
    ]


def round_trip(module_account: Any, root: Path, account: Account) -> None:
    """The round trip of the module docstring, on a fresh server holding only ``account``."""
    with module_account() as aws, pytest.MonkeyPatch.context() as monkeypatch:
        # The provisioners run the stack directory's copy of their package, with this Python.
        monkeypatch.setenv("IM_PYTHON", sys.executable)
        build_account(aws, account)
        for feature in features(account):
            event(feature)
        adoption = adopt("acme", "us-east-1", None, root)
        note("\n".join(adoption.report))
        event(f"left out and reported: {sum('left out' in line for line in adoption.report)}")
        env = load_environment(root / ENV_FILE, root)
        note((root / ENV_FILE).read_text(encoding="utf-8"))
        result = plan_adopted("acme", root, loaded=env)
        stack = _stack(root)
        allowed = _rebuilt_plans(stack, adoption.report)
        other = [
            line
            for line in result.other_changes
            if not any(f" {address} " in line for address in allowed)
        ]
        assert other == [], result.other_changes
        assert len(stack.get("import", [])) == result.imports + len(result.other_changes)

        # As `make apply` does (the checked plan, then the import IDs go), without reading the
        # plan a third time: plan_adopted's guard read it.
        _terraform(root, "apply", "tfplan")
        imports_file(root, "acme").unlink()
        _resynthesize(root)
        assert "import" not in _stack(root)
        edited = _edit(root, account)
        _resynthesize(root)
        address = _address(_stack(root), *edited)
        changes = planned_changes(_terraform(root, "apply", "-auto-approve", "-json"))
        assert [(c.address, c.action) for c in changes] == [(address, "update")]
        assert _live_edit(aws, edited) == _edited_value(root, edited)


@settings(
    max_examples=FUZZ_EXAMPLES or EXAMPLES,
    derandomize=not FUZZ_EXAMPLES,
    database=None,
    deadline=None,
    print_blob=True,
    suppress_health_check=[
        HealthCheck.function_scoped_fixture,
        HealthCheck.too_slow,
        HealthCheck.data_too_large,
        HealthCheck.large_base_example,
    ],
)
@given(account=accounts())
def test_a_console_style_account_adopts_applies_and_takes_an_edit(
    module_account: Any, tmp_path_factory: pytest.TempPathFactory, account: Account
) -> None:
    assume(FUZZ_EXAMPLES or more_than_the_simplest(account))
    round_trip(module_account, tmp_path_factory.mktemp("generated"), account)
