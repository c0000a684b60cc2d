"""Adopt the blog walkthrough and what real accounts add to it from the local Incident Manager:
what adoption writes for each setup, built alone (test_make_adopt.py plans, applies and edits
them all in one account); the replication set of one to three regions on either kind of key;
and, in one small account planned once, what the first plan shows and refuses besides imports.
"""

from __future__ import annotations

import argparse
import json
import re
import subprocess
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from local_aws.console_setup import (
    POLICY_TAGS,
    add_rotation_and_schedule,
    build_blog_walkthrough,
)
from local_aws.local_apply import planned_changes
from stacks.adopt import command
from stacks.adopt.command import adopt
from stacks.adopt.first_plan import plan_adopted
from stacks.adopt.plan_check import AdoptionPlan
from stacks.adopt.write_environment import Adoption
from stacks.config.environment_config import EnvironmentConfig
from stacks.config.environment_loader import load_environment
from stacks.layout import SECRETS_FILE, stack_dir
from stacks.plan.plan_guard import check_plan
from tests.stacks.adopt.runbook_setups import add_critical_plan
from tests.stacks.adopt.walkthrough_setups import add_major_incident_plan, add_paged_response_plan

ACCOUNT = "123456789012"


def test_written_environment(aws: Any, account_env: None, tmp_path: Path) -> None:
    arns = build_blog_walkthrough(aws)
    adoption = adopt("acme", "us-east-1", None, tmp_path)
    env = load_environment(tmp_path / "stacks/environments/acme.yaml", tmp_path)
    config = env.config
    assert config.account_id == ACCOUNT
    assert [c.alias for c in config.contacts] == ["incident-responder", "sr-incident-responder"]
    responder = config.contacts[0]
    assert responder.display_name == "Incident Responder"
    assert [(c.name, c.type, c.secret, c.address) for c in responder.channels] == [
        ("email", "EMAIL", True, None),
        ("sms", "SMS", True, None),
    ]
    assert [(e.channel, e.at_minute, e.retry_interval_minutes) for e in responder.engagement] == [
        ("email", 0, None),
        ("sms", 10, 5),
    ]
    # A tag policy's two tags on every resource, the replication set included: written once.
    assert config.default_tags == POLICY_TAGS
    assert config.replication_set.tags == {}
    assert [c.tags for c in config.contacts] == [{}, {}]
    assert config.contacts[1].display_name == "Sénior Responder"
    (plan,) = config.escalation_plans
    assert plan.tags == {}
    assert [
        (s.duration_minutes, [(t.contact, t.acknowledgement_stops_plan) for t in s.targets])
        for s in plan.stages
    ] == [
        (15, [("incident-responder", None)]),
        (0, [("sr-incident-responder", False)]),
    ]
    (response,) = config.response_plans
    assert (response.name, response.incident.impact, response.engagements) == (
        "EC2HighCPU",
        "medium",
        ["app-escalation-plan"],
    )
    assert response.tags == {}
    # Addresses only in the git-ignored variables file, never in the environment file.
    text = (tmp_path / "stacks/environments/acme.yaml").read_text(encoding="utf-8")
    assert "example.com" not in text and "+1206" not in text
    secrets = json.loads(
        (tmp_path / "cdktf.out/stacks/incident-manager-acme" / SECRETS_FILE).read_text()
    )
    assert secrets["incident_responder__email"] == "oncall@example.com"
    assert secrets["sr_incident_responder__sms"] == "+12065550101"
    imports = json.loads((tmp_path / "stacks/adopted/acme.imports.json").read_text())
    assert imports["contacts"]["incident-responder"]["contact"] == arns["responder"]
    assert imports["escalation_plans"] == {"app-escalation-plan": arns["plan"]}
    assert imports["response_plans"] == {"EC2HighCPU": arns["response_plan"]}
    assert adoption.report == [
        f"contact {alias}: channel sms is not activated; it pages nobody until the person "
        "enters the activation code (adoption keeps it as it is)"
        for alias in ("incident-responder", "sr-incident-responder")
    ]
    assert (tmp_path / "stacks/adopted/acme.report.txt").read_text().count("not activated") == 2


def test_refuses_to_overwrite(aws: Any, account_env: None, tmp_path: Path) -> None:
    build_blog_walkthrough(aws)
    adopt("acme", "us-east-1", None, tmp_path)
    written = {p: p.read_bytes() for p in (tmp_path / "stacks").rglob("*") if p.is_file()}
    with pytest.raises(ValueError, match=r"acme\.yaml exists"):
        adopt("acme", "us-east-1", None, tmp_path)
    adopt("acme", "us-east-1", None, tmp_path, force=True)
    # Deterministic: the same account gives the same files, byte for byte.
    assert {p: p.read_bytes() for p in written} == written


def test_refuses_an_account_without_replication_set(
    aws: Any, account_env: None, tmp_path: Path
) -> None:
    aws("ssm-incidents")  # resets the server
    with pytest.raises(ValueError, match="no Incident Manager replication set"):
        adopt("acme", "us-east-1", None, tmp_path)
    assert not (tmp_path / "stacks/environments/acme.yaml").exists()


def test_rotation_and_schedule_written(aws: Any, account_env: None, tmp_path: Path) -> None:
    # Planned, applied and edited in test_make_adopt.py's account (the example holds them).
    arns = build_blog_walkthrough(aws)
    add_rotation_and_schedule(aws, arns)
    adopt("acme", "us-east-1", None, tmp_path)
    config = load_environment(tmp_path / "stacks/environments/acme.yaml", tmp_path).config
    (rotation,) = config.rotations
    assert rotation.start_time == datetime(2026, 1, 5, 7, 30, tzinfo=UTC)
    assert rotation.hand_off.daily == ["08:30"]
    assert {d: [(c.start, c.end) for c in cs] for d, cs in rotation.shift_coverages.items()} == {
        day: [("08:30", "17:00")] for day in ("MON", "TUE", "WED", "THU", "FRI")
    }
    assert [(s.alias, s.rotations) for s in config.oncall_schedules] == [
        ("business-hours-oncall", ["business-hours"])
    ]
    imports = json.loads((tmp_path / "stacks/adopted/acme.imports.json").read_text())
    assert imports["rotations"] == {"business-hours": arns["rotation"]}


def test_response_plan_with_topics_chat_pagerduty_and_tags_written(
    aws: Any, account_env: None, tmp_path: Path
) -> None:
    # Planned, applied and edited as PaymentsDown in test_make_adopt.py's account.
    arns = build_blog_walkthrough(aws)
    paged = add_paged_response_plan(aws, arns)
    adopt("acme", "us-east-1", None, tmp_path)
    config = load_environment(tmp_path / "stacks/environments/acme.yaml", tmp_path).config
    plan = next(p for p in config.response_plans if p.name == "DatabaseDown")
    assert plan.incident.impact == "critical"
    # Both topics are this account's and region's, with SNS's default policy: managed, by name.
    assert [(t.name, t.encryption_key) for t in config.topics] == [
        ("chatbot", "none"),
        ("incident-updates", "none"),
    ]
    assert plan.incident.notify == ["incident-updates"]
    assert plan.incident.tags == {"service": "db"}
    assert plan.chat_channels == ["chatbot"]
    assert plan.engagements == ["app-escalation-plan", "sr-incident-responder"]
    assert plan.pagerduty is not None and plan.pagerduty.service_id == "PABC123"
    assert plan.tags == {"cost-center": "1234", "team": "dba"}
    imports = json.loads((tmp_path / "stacks/adopted/acme.imports.json").read_text())
    assert imports["topics"] == {"chatbot": paged["chat"], "incident-updates": paged["notify"]}
    assert imports["response_plans"]["DatabaseDown"] == paged["plan"]


def test_plans_engaging_plans_channels_and_a_schedule_written(
    aws: Any, account_env: None, tmp_path: Path
) -> None:
    # Planned and applied in test_make_adopt.py's account, which reads the live plan back.
    arns = build_blog_walkthrough(aws)
    add_rotation_and_schedule(aws, arns)
    major = add_major_incident_plan(aws, arns)
    adopt("acme", "us-east-1", None, tmp_path)
    config = load_environment(tmp_path / "stacks/environments/acme.yaml", tmp_path).config
    written = next(p for p in config.escalation_plans if p.alias == "major-incident")
    assert written.display_name == "Größere Störung"
    assert written.tags == {"severity": "major"}
    assert [
        [(t.contact, t.channel, t.retry_interval_minutes) for t in s.targets]
        for s in written.stages
    ] == [
        [("business-hours-oncall", None, None), ("sr-incident-responder", "sms", 2)],
        [("app-escalation-plan", None, None)],
    ]
    imports = json.loads((tmp_path / "stacks/adopted/acme.imports.json").read_text())
    assert imports["escalation_plans"]["major-incident"] == major


# One region, two and three, on either kind of key, with and without tags: what adoption writes.
REPLICATION_SETS = [
    (("us-east-1",), False, {}),
    (("us-east-1", "us-west-2"), False, POLICY_TAGS),
    (("us-east-1", "us-west-2"), True, {}),
    (("us-east-1", "us-west-2", "eu-west-1"), True, POLICY_TAGS),
]
# The first plan of each imports the set with no change. The first two are planned elsewhere:
# one region on the AWS-owned key is small_account's set (test_first_plan_*), two with tags is
# test_make_adopt.py's account (its tags split between default_tags and the set's own).
PLANNED_HERE = [False, False, True, True]


@pytest.mark.parametrize(
    ("regions", "customer_keys", "tags", "planned"),
    [(*case, planned) for case, planned in zip(REPLICATION_SETS, PLANNED_HERE, strict=True)],
)
def test_replication_set_of_one_to_three_regions(  # noqa: PLR0917 - pytest fixtures
    aws: Any,
    account_env: None,
    tmp_path: Path,
    regions: tuple[str, ...],
    customer_keys: bool,
    tags: dict[str, str],
    planned: bool,
) -> None:
    keys = {r: aws("kms", r).create_key()["KeyMetadata"]["Arn"] for r in regions}
    aws("ssm-incidents").create_replication_set(
        regions={r: {"sseKmsKeyId": keys[r]} if customer_keys else {} for r in regions},
        **({"tags": tags} if tags else {}),
    )
    adopt("acme", "us-east-1", None, tmp_path)
    config = load_environment(tmp_path / "stacks/environments/acme.yaml", tmp_path).config
    # The provider region first, then the others in name order.
    assert config.replication_set.regions == [regions[0], *sorted(regions[1:])]
    expected = "customer-managed-keys" if customer_keys else "aws-owned-key"
    assert config.replication_set.encryption == expected
    assert config.replication_set.key_arns == (keys if customer_keys else {})
    # The only resource: its tags stay its own (the import reads them; none is a change).
    assert (config.replication_set.tags, config.default_tags) == (tags, {})
    if planned:
        assert first_plan_changes(tmp_path) == {
            "aws_ssmincidents_replication_set.replication-set": "import"
        }


def first_plan_changes(root: Path) -> dict[str, str]:
    """The first plan of ``root``'s adopted acme, as `adopt` synthesizes and initializes it:
    address stem -> action (``import``: an import that changes nothing), from ``terraform plan
    -json`` (no saved plan: nothing reads its JSON)."""
    from stacks.stack.synthesize import synthesize

    env = load_environment(root / "stacks/environments/acme.yaml", root)
    synthesize([env], root, root / "cdktf.out", complete=False)
    directory = stack_dir(root, "acme")
    for args in (("init", "-input=false"), ("plan", "-input=false", "-json")):
        done = subprocess.run(
            ["terraform", *args, "-no-color"],
            cwd=directory,
            stdin=subprocess.DEVNULL,
            capture_output=True,
            text=True,
            check=False,
        )
        assert done.returncode == 0, done.stdout + done.stderr
    return {re.sub(r"_[0-9A-F]{8}$", "", c.address): c.action for c in planned_changes(done.stdout)}


@dataclass
class SmallAccount:
    """A one-region account adopted, edited before its first plan, and planned."""

    adoption: Adoption
    config: EnvironmentConfig
    report: str
    result: AdoptionPlan
    role: str


@pytest.fixture(scope="module")
def small_account(module_account: Any, tmp_path_factory: pytest.TempPathFactory) -> SmallAccount:
    """The replication set on us-east-1 alone (the AWS-owned key, no tags), and three response
    plans: WithRunbook, whose runbook action names a document and a role that do not exist and
    has parameters but no dynamic parameters; Titled; and Critical, the console's default
    runbook (Amazon's template, the service-linked role, no parameters at all). Adopted; then,
    before the first plan, Titled's title and Critical's document version are edited."""
    root = tmp_path_factory.mktemp("small-account")
    role = f"arn:aws:iam::{ACCOUNT}:role/runbook-role"
    with module_account() as aws:
        incidents = aws("ssm-incidents")
        incidents.create_replication_set(regions={"us-east-1": {}})
        incidents.create_response_plan(
            name="WithRunbook",
            incidentTemplate={"title": "t", "impact": 5},
            actions=[
                {
                    "ssmAutomation": {
                        "roleArn": role,
                        "documentName": "MyRunbook",
                        "parameters": {"Environment": ["prod"]},
                    }
                }
            ],
        )
        incidents.create_response_plan(
            name="Titled", incidentTemplate={"title": "cpu-incident", "impact": 3}
        )
        add_critical_plan(aws)
        adoption = adopt("acme", "us-east-1", None, root)
        path = root / "stacks/environments/acme.yaml"
        config = load_environment(path, root).config
        report = (root / "stacks/adopted/acme.report.txt").read_text()
        text = path.read_text()
        assert text.count("title: cpu-incident") == text.count("document_version: $DEFAULT") == 1
        text = text.replace("title: cpu-incident", "title: other-title")
        path.write_text(text.replace("document_version: $DEFAULT", "document_version: '1'"))
        result = plan_adopted("acme", root)
    return SmallAccount(adoption, config, report, result, role)


def test_a_runbook_action_is_kept_as_it_is_and_reported(small_account: SmallAccount) -> None:
    config, role = small_account.config, small_account.role
    plan = next(p for p in config.response_plans if p.name == "WithRunbook")
    assert plan.incident.impact == "none"
    # Neither the document nor the role exists: the action names them as AWS holds it.
    action = plan.runbook
    assert action is not None
    assert (action.name, action.document, action.role) == (None, "MyRunbook", role)
    assert (action.parameters, action.dynamic_parameters, action.kept_as_adopted) == (
        {"Environment": ["prod"]},
        {},
        True,
    )
    # Critical's are Amazon's document and AWS's role: referenced, not managed either.
    assert (config.runbooks, config.runbook_roles) == ([], [])
    lines = [line.split(":")[0] for line in small_account.adoption.report]
    assert lines.count("response plan WithRunbook") == 3
    assert set(lines) == {"response plan WithRunbook", "response plan Critical"}
    report = small_account.report
    assert "runbook document MyRunbook does not exist" in report
    assert f"runbook role {role} does not exist" in report
    assert "has no dynamic_parameters" in report and "kept_as_adopted: true" in report
    # The first plan imports the action unchanged: nothing is dropped. The replication set
    # (us-east-1 alone, the AWS-owned key, no tags) too: the two imports that change nothing.
    result = small_account.result
    assert result.imports == 2
    assert _unchanged_imports(result) == {
        "aws_ssmincidents_replication_set.replication-set",
        "aws_ssmincidents_response_plan.response-plan-WithRunbook",
    }


def _stem(address: str) -> str:
    """``address`` without cdktf's hash suffix."""
    return re.sub(r"_[0-9A-F]{8}$", "", address)


def _unchanged_imports(result: AdoptionPlan) -> set[str]:
    """The address stems the plan imports with no change."""
    return {
        _stem(c["address"])
        for c in result.plan["resource_changes"]
        if "importing" in c["change"] and c["change"]["actions"] == ["no-op"]
    }


def test_first_plan_lists_other_changes(small_account: SmallAccount) -> None:
    result = small_account.result
    critical, titled = result.other_changes
    assert re.fullmatch(
        r"response plan aws_ssmincidents_response_plan\.response-plan-Titled_\w+ would be "
        r"imported, then changed in place \(attributes: incident_template\)",
        titled,
    ), titled
    assert re.fullmatch(
        r"response plan aws_ssmincidents_response_plan\.response-plan-Critical_\w+ would be "
        r"imported, then changed in place \(attributes: action\)",
        critical,
    ), critical


def test_changing_an_action_kept_as_adopted_is_refused_by_the_plan_guard(
    small_account: SmallAccount,
) -> None:
    # Importing deletes and replaces nothing: the guard lets every import through, Titled's
    # change and WithRunbook's action (imported unchanged, not sent) too. Changing Critical's
    # action would send its empty maps, which AWS refuses: the guard says so before the apply,
    # naming the plan and the maps.
    (refusal,) = check_plan(small_account.result.plan)
    assert refusal.kind == "runbook-empty-map"
    assert refusal.address.startswith("aws_ssmincidents_response_plan.response-plan-Critical")
    assert "with no parameters and no dynamic_parameters" in refusal.consequence


@pytest.mark.parametrize("with_setup", [True, False])
def test_command_refusals_exit_2_with_a_message(  # noqa: PLR0917 - pytest fixtures
    aws: Any,
    account_env: None,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: Any,
    with_setup: bool,
) -> None:
    if with_setup:
        build_blog_walkthrough(aws)
        (tmp_path / "stacks/environments").mkdir(parents=True)
        (tmp_path / "stacks/environments/acme.yaml").write_text("kept: true\n")
    monkeypatch.setattr(command, "PROJECT_ROOT", tmp_path)
    args = argparse.Namespace(
        environment="acme", region="us-east-1", account_id=None, force=False, no_plan=True
    )
    assert command.run(args) == 2
    err = capsys.readouterr().err
    expected = "acme.yaml exists" if with_setup else "no Incident Manager replication set"
    assert err.startswith("adopt: ") and expected in err and "Traceback" not in err
    if with_setup:
        assert (tmp_path / "stacks/environments/acme.yaml").read_text() == "kept: true\n"
