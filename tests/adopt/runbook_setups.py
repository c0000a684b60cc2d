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
    iam = client("iam")
    describe = iam.create_policy(
        PolicyName="describe-instances",
        PolicyDocument=json.dumps(
            {
                "Version": "2012-10-17",
                "Statement": [{"Effect": "Allow", "Action": "ec2:Describe*", "Resource": "*"}],
            }
        ),
    )["Policy"]["Arn"]
    iam.attach_role_policy(RoleName="IncidentManagerRunbookRole", PolicyArn=describe)
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
