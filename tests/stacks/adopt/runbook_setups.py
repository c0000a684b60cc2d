"""Runbooks built through the API the way the console builds them: the automation document
(Systems Manager > Documents > Create automation), the role Incident Manager assumes to start it
(IAM, trusting ssm-incidents from this account), then the response plan edited to start it."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from tests.conftest import PROJECT_ROOT

ACCOUNT = "123456789012"
BLOG_DOCUMENT = PROJECT_ROOT / "stacks" / "runbooks" / "ec2-cpu-util-runbook.yaml"
CRITICAL_TEMPLATE = "AWSIncidents-CriticalIncidentRunbookTemplate"


def trust_policy(account: str = ACCOUNT) -> dict[str, Any]:
    return {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Effect": "Allow",
                "Principal": {"Service": "ssm-incidents.amazonaws.com"},
                "Action": "sts:AssumeRole",
                "Condition": {"StringEquals": {"aws:SourceAccount": account}},
            }
        ],
    }


def start_policy(document: str, account: str = ACCOUNT) -> dict[str, Any]:
    return {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Sid": "StartRunbook",
                "Effect": "Allow",
                "Action": "ssm:StartAutomationExecution",
                "Resource": f"arn:aws:ssm:*:{account}:automation-definition/{document}:*",
            }
        ],
    }


def add_critical_plan(client: Any) -> str:
    """The console's default runbook: response plan Critical starting Amazon's template with
    Incident Manager's service-linked role (created here) and no parameters at all; the role's
    ARN."""
    linked: str = client("iam").create_service_linked_role(
        AWSServiceName="ssm-incidents.amazonaws.com"
    )["Role"]["Arn"]
    client("ssm-incidents").create_response_plan(
        name="Critical",
        incidentTemplate={"title": "critical", "impact": 1},
        actions=[
            {
                "ssmAutomation": {
                    "documentName": CRITICAL_TEMPLATE,
                    "documentVersion": "$DEFAULT",
                    "roleArn": linked,
                    "targetAccount": "RESPONSE_PLAN_OWNER_ACCOUNT",
                }
            }
        ],
    )
    return linked


def create_role(client: Any, name: str, document: str, **settings: Any) -> str:
    """A role trusting Incident Manager with one inline policy that starts ``document``."""
    iam = client("iam")
    arn = str(
        iam.create_role(
            RoleName=name,
            AssumeRolePolicyDocument=json.dumps(trust_policy()),
            **settings,
        )["Role"]["Arn"]
    )
    iam.put_role_policy(
        RoleName=name, PolicyName="start-runbook", PolicyDocument=json.dumps(start_policy(document))
    )
    return arn


def add_blog_runbook(client: Any, response_plan_arn: str) -> dict[str, str]:
    """The blog's ec2-cpu-util-runbook (YAML), a /service-role/ role with an inline policy and a
    customer managed policy, and EC2HighCPU edited to start the runbook with a parameter and a
    dynamic parameter."""
    client("ssm").create_document(
        Name="ec2-cpu-util-runbook",
        Content=BLOG_DOCUMENT.read_text(encoding="utf-8"),
        DocumentType="Automation",
        DocumentFormat="YAML",
        Tags=[{"Key": "team", "Value": "sre"}],
    )
    role = create_role(
        client,
        "IncidentManagerRunbookRole",
        "ec2-cpu-util-runbook",
        Path="/service-role/",
        Description="Lets Incident Manager start the EC2 CPU runbook",
        MaxSessionDuration=7200,
        Tags=[{"Key": "team", "Value": "sre"}],
    )
    describe = attach_describe_policy(client, "IncidentManagerRunbookRole")
    client("ssm-incidents").update_response_plan(
        arn=response_plan_arn,
        actions=[
            {
                "ssmAutomation": {
                    "roleArn": role,
                    "documentName": "ec2-cpu-util-runbook",
                    "documentVersion": "$DEFAULT",
                    "targetAccount": "RESPONSE_PLAN_OWNER_ACCOUNT",
                    "parameters": {"Environment": ["prod"]},
                    "dynamicParameters": {"IncidentRecordArn": {"variable": "INCIDENT_RECORD_ARN"}},
                }
            }
        ],
    )
    return {"role": role, "managed_policy": describe}


def attach_describe_policy(client: Any, role: str) -> str:
    """A customer managed policy allowing ec2:Describe*, attached to ``role``; its ARN."""
    iam = client("iam")
    describe = str(
        iam.create_policy(
            PolicyName="describe-instances",
            PolicyDocument=json.dumps(
                {
                    "Version": "2012-10-17",
                    "Statement": [{"Effect": "Allow", "Action": "ec2:Describe*", "Resource": "*"}],
                }
            ),
        )["Policy"]["Arn"]
    )
    iam.attach_role_policy(RoleName=role, PolicyArn=describe)
    return describe


def add_console_variety(client: Any) -> dict[str, str]:
    """A JSON document with a version name, a target type, shares, tags and a newer version
    that is not the default; a role with a permissions boundary; a response plan WebDown
    starting it with dynamic parameters only; and the console's default runbook: response plan
    Critical starting Amazon's template with Incident Manager's service-linked role and no
    parameters at all. The account has a replication set already."""
    incidents, ssm, iam = client("ssm-incidents"), client("ssm"), client("iam")
    ssm.create_document(
        Name="restart-web",
        Content=json_document(1),
        DocumentType="Automation",
        DocumentFormat="JSON",
        VersionName="version-1",
        TargetType="/AWS::EC2::Instance",
        Tags=[{"Key": "owner", "Value": "web"}],
    )
    ssm.modify_document_permission(
        Name="restart-web", PermissionType="Share", AccountIdsToAdd=["444455556666"]
    )
    ssm.update_document(
        Name="restart-web",
        Content=json_document(2),
        DocumentVersion="$LATEST",
        DocumentFormat="JSON",
        VersionName="version-2",
        TargetType="/AWS::EC2::Instance",
    )
    boundary = iam.create_policy(
        PolicyName="runbook-boundary",
        PolicyDocument=json.dumps(
            {
                "Version": "2012-10-17",
                "Statement": [{"Effect": "Allow", "Action": "ssm:*", "Resource": "*"}],
            }
        ),
    )["Policy"]["Arn"]
    web_role = create_role(client, "web-runbook", "restart-web", PermissionsBoundary=boundary)
    incidents.create_response_plan(
        name="WebDown",
        incidentTemplate={"title": "web-down", "impact": 2},
        actions=[
            {
                "ssmAutomation": {
                    "documentName": "restart-web",
                    "roleArn": web_role,
                    "dynamicParameters": {
                        "IncidentRecordArn": {"variable": "INCIDENT_RECORD_ARN"},
                        "Resources": {"variable": "INVOLVED_RESOURCES"},
                    },
                }
            }
        ],
    )
    return {"boundary": boundary, "linked_role": add_critical_plan(client)}


def json_document(steps: int = 1) -> str:
    """An automation document as the console's JSON editor saves it: 4-space indents and
    Windows line endings, no newline at the end."""
    content = {
        "schemaVersion": "0.3",
        "description": "Restart the web tier (JSON document).",
        "parameters": {
            "IncidentRecordArn": {"type": "String", "default": ""},
            "Resources": {"type": "String", "default": ""},
        },
        "mainSteps": [
            {"name": f"Restart{index}", "action": "aws:pause", "inputs": {}}
            for index in range(steps)
        ],
    }
    return json.dumps(content, indent=4).replace("\n", "\r\n")


def write_file(path: Path, text: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", encoding="utf-8", newline="") as stream:
        stream.write(text)
