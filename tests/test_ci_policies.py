"""docs/ci.md's IAM policies (docs/ci/*.json): valid policy documents naming only real API
operations, a plan role that only reads, an apply role that allows everything the provisioners
call, and trust limited to the repository's GitHub environment."""

from __future__ import annotations

import ast
import json
import re
from functools import cache
from pathlib import Path
from typing import Any

from tests.conftest import PROJECT_ROOT

POLICIES = PROJECT_ROOT / "docs" / "ci"
# IAM actions that are no API operation of their service (authorization only).
AUTHORIZATION_ONLY = {"iam:PassRole"}
READ_VERBS = ("Get", "List", "Describe")
# What a plan writes: the state lock (Terraform locks the state for a plan too).
LOCK_RESOURCES = {
    "arn:aws:s3:::STATE_BUCKET/STATE_KEY.tflock",
    "arn:aws:dynamodb:REGION:ACCOUNT_ID:table/LOCK_TABLE",
}


def policy(name: str) -> dict[str, Any]:
    document: dict[str, Any] = json.loads((POLICIES / name).read_text(encoding="utf-8"))
    return document


def actions(document: dict[str, Any]) -> set[str]:
    found: set[str] = set()
    for statement in document["Statement"]:
        value = statement["Action"]
        found |= {value} if isinstance(value, str) else set(value)
    return found


@cache
def operations(service: str) -> frozenset[str]:
    import botocore.session

    model = botocore.session.get_session().get_service_model(service)
    return frozenset(model.operation_names)


def test_every_policy_file_is_linked_from_docs_ci_md_and_a_valid_document() -> None:
    page = (PROJECT_ROOT / "docs" / "ci.md").read_text(encoding="utf-8")
    named = set(re.findall(r"docs/ci/([a-z-]+\.json)", page)) | set(
        re.findall(r"\(ci/([a-z-]+\.json)\)", page)
    )
    files = {path.name for path in POLICIES.glob("*.json")}
    assert files == named, (files, named)
    for name in files:
        document = policy(name)
        assert document["Version"] == "2012-10-17"
        for statement in document["Statement"]:
            assert statement["Effect"] == "Allow", statement
            assert "NotAction" not in statement and "NotResource" not in statement


def test_every_action_is_an_operation_of_botocores_service_models() -> None:
    unknown = []
    for name in ("plan-role-policy.json", "apply-role-policy.json"):
        for action in sorted(actions(policy(name))):
            prefix, operation = action.split(":", 1)
            if action in AUTHORIZATION_ONLY or prefix == "s3":
                # S3's IAM actions are not its operation names (s3:ListBucket is ListObjects).
                continue
            if operation not in operations(prefix):
                unknown.append(f"{name}: {action}")
    assert unknown == []


def test_the_plan_role_only_reads_and_takes_the_state_lock() -> None:
    writes = []
    for statement in policy("plan-role-policy.json")["Statement"]:
        value = statement["Action"]
        for action in [value] if isinstance(value, str) else value:
            operation = action.split(":", 1)[1]
            if operation.startswith(READ_VERBS):
                continue
            if statement["Resource"] in LOCK_RESOURCES:
                continue
            writes.append(action)
    assert writes == []


def test_the_apply_role_allows_what_the_plan_role_does_and_more() -> None:
    plan, apply = (
        actions(policy("plan-role-policy.json")),
        actions(policy("apply-role-policy.json")),
    )
    assert plan < apply
    assert "ssm-incidents:CreateReplicationSet" in apply
    assert "ssm-incidents:CreateReplicationSet" not in plan


def _boto3_calls() -> set[tuple[str, str]]:
    """(service, method) of every boto3 client call the provisioners make: ``client.<method>``
    on an ssm-contacts client, and ``session.client("sts").<method>``."""
    calls = set()
    for path in (PROJECT_ROOT / "constructs_lib" / "provisioners").glob("*.py"):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            if not isinstance(node, ast.Attribute):
                continue
            owner = node.value
            if isinstance(owner, ast.Name) and owner.id == "client":
                calls.add(("ssm-contacts", node.attr))
            elif (
                isinstance(owner, ast.Call)
                and isinstance(owner.func, ast.Attribute)
                and owner.func.attr == "client"
                and owner.args
                and isinstance(owner.args[0], ast.Constant)
            ):
                calls.add((str(owner.args[0].value), node.attr))
    return calls


def test_the_roles_allow_every_call_of_the_provisioners_and_the_drift_check() -> None:
    from botocore import xform_name

    calls = _boto3_calls()
    assert ("ssm-contacts", "create_contact") in calls
    assert ("sts", "get_caller_identity") in calls
    plan, apply = (
        actions(policy("plan-role-policy.json")),
        actions(policy("apply-role-policy.json")),
    )
    missing = []
    for service, method in sorted(calls):
        by_method = {xform_name(operation): operation for operation in operations(service)}
        if method not in by_method:
            continue  # not an API call (client.meta, client.exceptions)
        action = f"{service}:{by_method[method]}"
        if action == "sts:AssumeRole":
            continue  # only with assume_role in the environment file: docs/ci.md says so
        # The drift check reads at plan-check, with the plan role.
        needed = [apply, plan] if by_method[method].startswith(READ_VERBS) else [apply]
        missing += [action for allowed in needed if action not in allowed]
    assert missing == []


def test_the_roles_trust_only_the_repositorys_github_environment() -> None:
    for name in ("plan-role-trust-policy.json", "apply-role-trust-policy.json"):
        (statement,) = policy(name)["Statement"]
        assert statement["Action"] == "sts:AssumeRoleWithWebIdentity"
        assert statement["Principal"] == {
            "Federated": "arn:aws:iam::ACCOUNT_ID:oidc-provider/token.actions.githubusercontent.com"
        }
        assert statement["Condition"] == {
            "StringEquals": {
                "token.actions.githubusercontent.com:aud": "sts.amazonaws.com",
                "token.actions.githubusercontent.com:sub": (
                    "repo:OWNER/REPO:environment:incident-manager-ENV"
                ),
            }
        }


def test_the_role_commands_of_docs_ci_md_name_files_that_exist() -> None:
    page = (PROJECT_ROOT / "docs" / "ci.md").read_text(encoding="utf-8")
    referenced = re.findall(r"file://(\S+)", page)
    assert len(referenced) == 4
    assert [path for path in referenced if not (PROJECT_ROOT / path).is_file()] == []
    assert Path(referenced[0]).parent == Path("docs/ci")
