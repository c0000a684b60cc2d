"""Runbook roles, JSON runbook documents and runbook actions in environment files: a valid
adopted shape loads, and every mistake names the file, line, field and what is allowed."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from stacks.config.config_errors import ConfigError
from stacks.config.environment_loader import load_environments
from tests.stacks.environment_files import MINIMAL, project_with

FILE = "stacks/environments/broken.yaml"
TRUST = "stacks/policies/broken/runbook-role.trust-policy.json"
START = "stacks/policies/broken/runbook-role.start.policy.json"
POLICY = {
    "Version": "2012-10-17",
    "Statement": [{"Effect": "Allow", "Action": "ssm:StartAutomationExecution", "Resource": "*"}],
}
ROLES = f"""\
runbook_roles:
  - name: runbook-role
    path: /service-role/
    trust_policy: {TRUST}
    inline_policies:
      - name: start
        document: {START}
"""
RUNBOOK = """\
runbooks:
  - name: ec2-cpu-util-runbook
    document: stacks/runbooks/ec2-cpu-util-runbook.yaml
"""


def project(tmp_path: Path, text: str, files: dict[str, str] | None = None) -> Path:
    root = project_with(tmp_path, text)
    default = {TRUST: json.dumps(POLICY), START: json.dumps(POLICY, indent=4)}
    for relative, content in (default | (files or {})).items():
        path = root / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(content, encoding="utf-8")
    return root


def problems_of(tmp_path: Path, text: str, files: dict[str, str] | None = None) -> list[str]:
    with pytest.raises(ConfigError) as error:
        load_environments(project(tmp_path, text, files))
    return [str(p) for p in error.value.problems]


def plan(runbook: str) -> str:
    return "response_plans:\n  - name: p\n    incident: {title: t, impact: low}\n" + runbook


def test_an_adopted_shape_loads(tmp_path: Path) -> None:
    json_document = {
        "schemaVersion": "0.3",
        "parameters": {"IncidentRecordArn": {"type": "String"}},
        "mainSteps": [{"name": "p", "action": "aws:pause", "inputs": {}}],
    }
    text = (
        MINIMAL
        + ROLES
        + """\
runbooks:
  - name: restart-web
    document: stacks/runbooks/broken/restart-web.json
    version_name: release-1
    target_type: /AWS::EC2::Instance
    shared_with: ['444455556666', all]
response_plans:
  - name: web
    incident: {title: t, impact: high}
    runbook:
      name: restart-web
      role: runbook-role
      dynamic_parameters: {IncidentRecordArn: INCIDENT_RECORD_ARN}
      kept_as_adopted: true
  - name: critical
    incident: {title: t, impact: critical}
    runbook:
      document: AWSIncidents-CriticalIncidentRunbookTemplate
      role: arn:aws:iam::111122223333:role/aws-service-role/ssm-incidents.amazonaws.com/X
      document_version: $DEFAULT
      kept_as_adopted: true
"""
    )
    files = {"stacks/runbooks/broken/restart-web.json": json.dumps(json_document)}
    (environment,) = load_environments(project(tmp_path, text, files))
    (role,) = environment.config.runbook_roles
    assert (role.path, role.max_session_duration, role.inline_policies[0].document) == (
        "/service-role/",
        3600,
        START,
    )
    (runbook,) = environment.config.runbooks
    assert runbook.shared_with == ["444455556666", "all"]


def test_an_unknown_role_is_named_with_a_suggestion(tmp_path: Path) -> None:
    text = (
        MINIMAL
        + ROLES
        + RUNBOOK
        + plan(
            "    runbook:\n      name: ec2-cpu-util-runbook\n      role: runbook-rol\n"
            "      parameters: {Environment: [prod]}\n"
            "      dynamic_parameters: {IncidentRecordArn: INCIDENT_RECORD_ARN}\n"
        )
    )
    assert problems_of(tmp_path, text) == [
        f"{FILE}:29: response_plans[0].runbook.role: unknown runbook role 'runbook-rol'; did "
        "you mean 'runbook-role'? (defined: runbook-role); or give an IAM role ARN"
    ]


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (
            None,
            f"{TRUST!r} does not exist (a JSON policy file, relative to the repository root)",
        ),
        (
            '{"Version": "2012-10-17",}',
            f"{TRUST!r} is not JSON: Expecting property name "
            "enclosed in double quotes at line 1 column 26",
        ),
        (
            '{"Version": "2012-10-17"}',
            f"{TRUST!r} is not a policy document: a JSON object with a Statement "
            '(e.g. {"Version": "2012-10-17", "Statement": [...]})',
        ),
    ],
    ids=["missing", "not-json", "no-statement"],
)
def test_a_policy_file_must_be_a_json_policy(
    tmp_path: Path, content: str | None, message: str
) -> None:
    root = project(tmp_path, MINIMAL + ROLES)
    if content is None:
        (root / TRUST).unlink()
    else:
        (root / TRUST).write_text(content, encoding="utf-8")
    with pytest.raises(ConfigError) as error:
        load_environments(root)
    assert [str(p) for p in error.value.problems] == [
        f"{FILE}:17: runbook_roles[0].trust_policy: {message}"
    ]


def test_a_policy_file_outside_the_repository_is_refused_unread(tmp_path: Path) -> None:
    text = MINIMAL + ROLES.replace(f"document: {START}", "document: ../start.json")
    assert problems_of(tmp_path, text) == [
        f"{FILE}:20: runbook_roles[0].inline_policies[0].document: '../start.json' is outside "
        "the repository; give a path inside it, relative to the repository root (e.g. "
        "stacks/policies/<env>/<role>.trust-policy.json)"
    ]


def test_role_names_and_their_policies_are_unique(tmp_path: Path) -> None:
    text = (
        MINIMAL
        + ROLES
        + f"      - name: start\n        document: {START}\n"
        + f"  - name: runbook-role\n    trust_policy: {TRUST}\n"
    )
    assert problems_of(tmp_path, text) == [
        f"{FILE}:21: runbook_roles[0].inline_policies[1]: 'start' is listed twice; inline "
        "policy names of a role are unique (first at runbook_roles[0].inline_policies[0], "
        "line 19)",
        f"{FILE}:23: runbook_roles[1].name: 'runbook-role' is used twice; name must be unique "
        "(first at runbook_roles[0].name, line 15)",
    ]


def test_a_role_may_not_take_the_name_of_a_runbooks_own_role(tmp_path: Path) -> None:
    text = (
        MINIMAL
        + ROLES.replace("name: runbook-role", "name: IncidentManager-ec2-cpu-util-runbook")
        + RUNBOOK
    )
    assert problems_of(tmp_path, text) == [
        f"{FILE}:15: runbook_roles[0].name: 'IncidentManager-ec2-cpu-util-runbook' is also the "
        "role runbook 'ec2-cpu-util-runbook' creates for itself; rename one, or give its "
        "response plans role: IncidentManager-ec2-cpu-util-runbook"
    ]


@pytest.mark.parametrize(
    ("runbook", "message"),
    [
        (
            "name: ec2-cpu-util-runbook\n      document: AWSIncidents-X\n      role: runbook-role",
            "give exactly one of name (a runbook of this environment) and document (a document "
            "this stack does not manage, e.g. AWSIncidents-CriticalIncidentRunbookTemplate)",
        ),
        (
            "document: AWSIncidents-CriticalIncidentRunbookTemplate",
            "a document this stack does not manage needs role: (a runbook_roles name or a role "
            "ARN); only runbooks of this environment have a role of their own",
        ),
        (
            "name: ec2-cpu-util-runbook\n      kept_as_adopted: true",
            "kept_as_adopted is only for an action adopted with an empty parameters or "
            "dynamic_parameters map; this one has both: remove kept_as_adopted",
        ),
    ],
    ids=["name-and-document", "document-without-role", "kept-with-both-maps"],
)
def test_a_runbook_action_names_one_document_and_keeps_maps_only_as_adopted(
    tmp_path: Path, runbook: str, message: str
) -> None:
    text = (
        MINIMAL
        + ROLES
        + RUNBOOK
        + plan(
            f"    runbook:\n      {runbook}\n      parameters: {{Environment: [prod]}}\n"
            "      dynamic_parameters: {IncidentRecordArn: INCIDENT_RECORD_ARN}\n"
        )
    )
    assert problems_of(tmp_path, text) == [f"{FILE}:27: response_plans[0].runbook: {message}"]


def test_a_role_arn_and_the_document_settings_follow_the_api_and_the_provider(
    tmp_path: Path,
) -> None:
    text = (
        MINIMAL
        + RUNBOOK
        + "    version_name: v1\n    shared_with: ['12345']\n"
        + plan(
            "    runbook:\n      name: ec2-cpu-util-runbook\n      role: arn:aws:s3:::bucket\n"
            "      parameters: {Environment: [prod]}\n"
            "      dynamic_parameters: {IncidentRecordArn: INCIDENT_RECORD_ARN}\n"
        )
    )
    assert problems_of(tmp_path, text) == [
        f"{FILE}:17: runbooks[0].version_name: 'v1' is too short: the AWS provider (5.100.0) "
        "takes 3 to 128 characters, although AWS allows 1",
        f"{FILE}:18: runbooks[0].shared_with[0]: '12345' is not valid: expected a 12-digit "
        "account ID or all (ssm AccountId)",
        f"{FILE}:24: response_plans[0].runbook.role: 'arn:aws:s3:::bucket' is not valid: "
        "expected an IAM role ARN (arn:aws:iam::<account>:role/<path><name>) (ssm-incidents "
        "RoleArn)",
    ]


def test_a_json_runbook_document_must_be_json(tmp_path: Path) -> None:
    text = MINIMAL + "runbooks:\n  - name: restart\n    document: stacks/runbooks/restart.json\n"
    files = {"stacks/runbooks/restart.json": '{"schemaVersion": "0.3", "mainSteps": [}'}
    assert problems_of(tmp_path, text, files) == [
        f"{FILE}:16: runbooks[0].document: stacks/runbooks/restart.json: not valid JSON: "
        "Expecting value (line 1, column 40)"
    ]


def test_document_names_a_runbook_without_checking_its_parameters(tmp_path: Path) -> None:
    # An adopted action that passes a parameter its (managed) document does not declare.
    text = (
        MINIMAL
        + ROLES
        + RUNBOOK
        + plan(
            "    runbook:\n      document: ec2-cpu-util-runbook\n      role: runbook-role\n"
            "      parameters: {Region: [eu-west-1]}\n      kept_as_adopted: true\n"
        )
    )
    (environment,) = load_environments(project(tmp_path, text))
    (response_plan,) = environment.config.response_plans
    assert response_plan.runbook is not None
    assert response_plan.runbook.document == "ec2-cpu-util-runbook"
    name = text.replace("document: ec2-cpu-util-runbook", "name: ec2-cpu-util-runbook")
    assert problems_of(tmp_path / "named", name) == [
        f"{FILE}:30: response_plans[0].runbook.parameters.Region: 'Region' is not a parameter "
        "of runbook 'ec2-cpu-util-runbook' (declared: IncidentRecordArn, Environment); an "
        "undeclared parameter fails when the incident starts"
    ]


def test_a_role_takes_aws_managed_policies_and_names_a_malformed_one(tmp_path: Path) -> None:
    """adopt writes an attached AWS managed policy as it finds it ('aws' in the account field);
    make check refused that before, though the stack attaches it as written."""
    managed = (
        "    managed_policies:\n"
        "      - arn:aws:iam::aws:policy/service-role/AmazonSSMAutomationRole\n"
        "      - arn:aws:iam::111122223333:policy/start-runbooks\n"
    )
    (env,) = load_environments(project(tmp_path / "ok", MINIMAL + ROLES + managed))
    (role,) = env.config.runbook_roles
    assert role.managed_policies[0].endswith(":aws:policy/service-role/AmazonSSMAutomationRole")
    wrong = managed.replace("iam::aws:policy", "iam::amazon:policy")
    (problem,) = problems_of(tmp_path / "wrong", MINIMAL + ROLES + wrong)
    assert problem.startswith(f"{FILE}:")
    assert "runbook_roles[0].managed_policies[0]: 'arn:aws:iam::amazon:policy/" in problem
    assert "a managed policy ARN such as arn:aws:iam::111122223333:policy/name" in problem
