"""Adopting runbooks: documents, the roles that start them and the response plans' actions, from
the local server: what adoption writes. test_make_adopt.py's account holds the blog runbook and
the console's variety: its first plan imports them with no change, and everyday edits of a
parameter and of a role's policy apply in place."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from local_aws.console_setup import build_blog_walkthrough
from stacks.adopt.command import adopt
from stacks.config.environment_loader import load_environment
from tests.stacks.adopt.runbook_setups import (
    ACCOUNT,
    CRITICAL_TEMPLATE,
    add_blog_runbook,
    add_console_variety,
    create_role,
    json_document,
    start_policy,
    trust_policy,
)

ENV_FILE = "stacks/environments/acme.yaml"
POLICIES = "stacks/policies/acme"
ROLE = "IncidentManagerRunbookRole"


def _files(root: Path) -> dict[str, bytes]:
    return {
        str(p.relative_to(root)): p.read_bytes()
        for folder in ("stacks", "cdktf.out")
        for p in sorted((root / folder).rglob("*"))
        if p.is_file()
    }


def test_blog_runbook_is_written_as_aws_holds_it(
    aws: Any, account_env: None, tmp_path: Path
) -> None:
    arns = build_blog_walkthrough(aws)
    extra = add_blog_runbook(aws, arns["response_plan"])
    adoption = adopt("acme", "us-east-1", None, tmp_path)
    config = load_environment(tmp_path / ENV_FILE, tmp_path).config

    # team: sre is on every resource (the walkthrough's, the document, the role): written once.
    assert config.default_tags == {"team": "sre"}
    (runbook,) = config.runbooks
    assert (runbook.name, runbook.document, runbook.tags) == (
        "ec2-cpu-util-runbook",
        "stacks/runbooks/acme/ec2-cpu-util-runbook.yaml",
        {},
    )
    live = aws("ssm").get_document(
        Name="ec2-cpu-util-runbook", DocumentVersion="$LATEST", DocumentFormat="YAML"
    )["Content"]
    assert (tmp_path / runbook.document).read_bytes() == live.encode("utf-8")

    (role,) = config.runbook_roles
    assert (role.name, role.path, role.description, role.max_session_duration, role.tags) == (
        ROLE,
        "/service-role/",
        "Lets Incident Manager start the EC2 CPU runbook",
        7200,
        {},
    )
    assert role.trust_policy == f"{POLICIES}/{ROLE}.trust-policy.json"
    assert json.loads((tmp_path / role.trust_policy).read_text()) == trust_policy()
    (inline,) = role.inline_policies
    assert (inline.name, inline.document) == (
        "start-runbook",
        f"{POLICIES}/{ROLE}.start-runbook.policy.json",
    )
    assert json.loads((tmp_path / inline.document).read_text()) == start_policy(
        "ec2-cpu-util-runbook"
    )
    assert role.managed_policies == [extra["managed_policy"]]

    (plan,) = config.response_plans
    action = plan.runbook
    assert action is not None
    assert (action.name, action.document, action.role, action.kept_as_adopted) == (
        "ec2-cpu-util-runbook",
        None,
        ROLE,
        False,
    )
    assert (action.document_version, action.target_account) == (
        "$DEFAULT",
        "RESPONSE_PLAN_OWNER_ACCOUNT",
    )
    assert action.parameters == {"Environment": ["prod"]}
    assert action.dynamic_parameters == {"IncidentRecordArn": "INCIDENT_RECORD_ARN"}

    imports = json.loads((tmp_path / "stacks/adopted/acme.imports.json").read_text())
    assert imports["runbooks"] == {"ec2-cpu-util-runbook": "ec2-cpu-util-runbook"}
    assert imports["runbook_roles"] == {
        ROLE: {
            "role": ROLE,
            "inline_policies": {"start-runbook": f"{ROLE}:start-runbook"},
            "managed_policies": {extra["managed_policy"]: f"{ROLE}/{extra['managed_policy']}"},
        }
    }
    # Nothing about the runbook needed reporting: only the two unactivated channels.
    assert [line for line in adoption.report if "not activated" not in line] == []

    # Adopting again writes the same bytes, documents and policies included.
    written = _files(tmp_path)
    adopt("acme", "us-east-1", None, tmp_path, force=True)
    assert _files(tmp_path) == written


def test_json_document_amazon_template_and_empty_maps_written(
    aws: Any, account_env: None, tmp_path: Path
) -> None:
    aws("ssm-incidents").create_replication_set(regions={"us-east-1": {}})
    arns = add_console_variety(aws)
    adoption = adopt("acme", "us-east-1", None, tmp_path)
    config = load_environment(tmp_path / ENV_FILE, tmp_path).config

    (runbook,) = config.runbooks
    assert runbook.document == "stacks/runbooks/acme/restart-web.json"
    # The latest version's text, byte for byte: 4-space indents, CRLF, no final newline.
    assert (tmp_path / runbook.document).read_bytes() == json_document(2).encode("utf-8")
    # The default version's settings: what provider 5.100.0 reads with DescribeDocument.
    assert (runbook.version_name, runbook.target_type, runbook.shared_with, runbook.tags) == (
        "version-1",
        "/AWS::EC2::Instance",
        ["444455556666"],
        {"owner": "web"},
    )
    (role,) = config.runbook_roles
    assert (role.name, role.path, role.permissions_boundary) == (
        "web-runbook",
        "/",
        arns["boundary"],
    )

    plans = {p.name: p.runbook for p in config.response_plans}
    critical, web = plans["Critical"], plans["WebDown"]
    assert critical is not None and web is not None
    assert (critical.name, critical.document, critical.role) == (
        None,
        CRITICAL_TEMPLATE,
        arns["linked_role"],
    )
    assert (critical.parameters, critical.dynamic_parameters, critical.kept_as_adopted) == (
        {},
        {},
        True,
    )
    assert (web.name, web.role, web.parameters, web.kept_as_adopted) == (
        "restart-web",
        "web-runbook",
        {},
        True,
    )
    assert web.dynamic_parameters == {
        "IncidentRecordArn": "INCIDENT_RECORD_ARN",
        "Resources": "INVOLVED_RESOURCES",
    }
    report = "\n".join(adoption.report)
    assert f"{CRITICAL_TEMPLATE} is owned by Amazon: referenced by name" in report
    assert "is a service-linked role, which AWS manages: referenced by ARN" in report
    assert "response plan Critical: its runbook action has no parameters and no " in report
    assert "response plan WebDown: its runbook action has no parameters;" in report
    assert "its default version is 1 but its latest is 2" in report

    # Imported with no change, applied, planned clean and guarded in test_make_adopt.py's
    # account (which holds this variety); changing Critical's action is refused by the plan
    # guard in test_adopt_walkthrough.py's small account.


def test_what_cannot_be_managed_is_referenced_as_it_is(
    aws: Any, account_env: None, tmp_path: Path
) -> None:
    incidents, ssm = aws("ssm-incidents"), aws("ssm")
    incidents.create_replication_set(regions={"us-east-1": {}})
    # A document whose version name provider 5.100.0 refuses (under 3 characters) ...
    ssm.create_document(
        Name="short-version",
        Content=json_document(),
        DocumentType="Automation",
        DocumentFormat="JSON",
        VersionName="v1",
    )
    # ... one started with a parameter it does not declare, and one saved with a byte-order mark.
    ssm.create_document(
        Name="undeclared", Content=json_document(), DocumentType="Automation", DocumentFormat="JSON"
    )
    bom = "\ufeff" + json_document().replace("\r\n", "\n")
    ssm.create_document(
        Name="with-bom",
        Content=bom.replace('"Restart the web tier', '"Restart with BOM'),
        DocumentType="Automation",
        DocumentFormat="YAML",
    )
    role = create_role(aws, "runbook-role", "undeclared")
    other_account = "arn:aws:iam::444455556666:role/central-runbooks"
    actions = {
        "Gone": ("deleted-runbook", f"arn:aws:iam::{ACCOUNT}:role/deleted-role"),
        "Short": ("short-version", role),
        "Undeclared": ("undeclared", other_account),
        "Bom": ("with-bom", role),
    }
    for name, (document, role_arn) in actions.items():
        automation: dict[str, Any] = {
            "documentName": document,
            "roleArn": role_arn,
            "parameters": {"IncidentRecordArn": ["none"]},
            "dynamicParameters": {"Resources": {"variable": "INVOLVED_RESOURCES"}},
        }
        if name == "Undeclared":
            automation["parameters"] = {"Region": ["eu-west-1"]}
        incidents.create_response_plan(
            name=name,
            incidentTemplate={"title": name.lower(), "impact": 4},
            actions=[{"ssmAutomation": automation}],
        )
    adoption = adopt("acme", "us-east-1", None, tmp_path)
    # The written file passes the project's checks.
    config = load_environment(tmp_path / ENV_FILE, tmp_path).config
    plans = {p.name: p.runbook for p in config.response_plans}
    assert all(a is not None for a in plans.values())
    assert [(a.name, a.document, a.role) for a in plans.values() if a] == [
        ("with-bom", None, "runbook-role"),
        (None, "deleted-runbook", f"arn:aws:iam::{ACCOUNT}:role/deleted-role"),
        (None, "short-version", "runbook-role"),
        (None, "undeclared", other_account),
    ]
    # Still managed: only that action names it with document:, which skips the parameter check.
    assert [r.name for r in config.runbooks] == ["undeclared", "with-bom"]
    # The byte-order mark of the content survives the project's reader, which drops one.
    text = (tmp_path / "stacks/runbooks/acme/with-bom.yaml").read_text(encoding="utf-8-sig")
    live = ssm.get_document(Name="with-bom", DocumentVersion="$LATEST", DocumentFormat="YAML")
    assert text == live["Content"] and text.startswith("\ufeff")
    report = "\n".join(adoption.report)
    for expected in (
        "runbook document deleted-runbook does not exist in this account and region",
        f"runbook role arn:aws:iam::{ACCOUNT}:role/deleted-role does not exist",
        "version name 'v1' is shorter than the 3 characters provider 5.100.0 accepts",
        "passes Region, which document undeclared does not declare",
        f"runbook role {other_account} belongs to account 444455556666",
        "its content starts with a byte-order mark",
    ):
        assert expected in report, expected


def test_policy_files_of_two_roles_never_share_a_name(
    aws: Any, account_env: None, tmp_path: Path
) -> None:
    incidents, iam = aws("ssm-incidents"), aws("iam")
    incidents.create_replication_set(regions={"us-east-1": {}})
    aws("ssm").create_document(
        Name="restart-web",
        Content=json_document(),
        DocumentType="Automation",
        DocumentFormat="JSON",
    )
    # Role ops.web's policy "start" and role ops's policy "web.start" join to one file name.
    for role, policy in (("ops.web", "start"), ("ops", "web.start")):
        arn = iam.create_role(RoleName=role, AssumeRolePolicyDocument=json.dumps(trust_policy()))[
            "Role"
        ]["Arn"]
        iam.put_role_policy(
            RoleName=role, PolicyName=policy, PolicyDocument=json.dumps(start_policy(role))
        )
        incidents.create_response_plan(
            name=role.replace(".", "-"),
            incidentTemplate={"title": role, "impact": 3},
            actions=[
                {
                    "ssmAutomation": {
                        "documentName": "restart-web",
                        "roleArn": arn,
                        "parameters": {"Resources": ["i-1"]},
                        "dynamicParameters": {
                            "IncidentRecordArn": {"variable": "INCIDENT_RECORD_ARN"}
                        },
                    }
                }
            ],
        )
    adopt("acme", "us-east-1", None, tmp_path)
    config = load_environment(tmp_path / ENV_FILE, tmp_path).config
    documents = {r.name: r.inline_policies[0].document for r in config.runbook_roles}
    assert len(set(documents.values())) == 2
    for role, document in documents.items():
        policy = json.loads((tmp_path / document).read_text())
        assert policy == start_policy(role)
