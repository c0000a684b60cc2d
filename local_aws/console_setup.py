"""A console-style Incident Manager loaded into the local server, to try adoption without an AWS
account (``make local-aws-example``), and the large account the adoption benchmark reads.

Everything goes through the API the way the console builds it: contacts first with an empty
plan, then their channels, then the engagement plan paging those channels; roles and documents
before the response plan starts them. The example is the AWS blog walkthrough (contacts with
e-mail at minute 0 and SMS at minute 10, a two-stage escalation plan, response plan EC2HighCPU
with its runbook and role, the CPU alarm) plus what real accounts hold: a business-hours rotation
covered 08:30-17:00 on weekdays with an on-call schedule, a chat channel topic with its policy,
a display name with non-ASCII letters, a second replication region, and the same two tags on
every resource that takes tags, the replication set included (what a tag policy requires).

It refuses any endpoint but a local one: it creates contacts, roles and alarms.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime
from typing import Any
from urllib.parse import urlsplit

from stacks.layout import PROJECT_ROOT

Client = Callable[..., Any]
BLOG_DOCUMENT = PROJECT_ROOT / "stacks" / "runbooks" / "ec2-cpu-util-runbook.yaml"
LOCAL_HOSTS = ("127.0.0.1", "localhost", "::1")
WEEKDAYS = ("MON", "TUE", "WED", "THU", "FRI")
# What an organization's tag policy asks of every resource.
POLICY_TAGS = {"team": "sre", "cost-center": "1234"}


def _tag_list(tags: dict[str, str]) -> list[dict[str, str]]:
    """Tags as ssm-contacts, SSM, IAM, SNS and CloudWatch take them (ssm-incidents takes a map)."""
    return [{"Key": key, "Value": value} for key, value in tags.items()]


def _contact(contacts: Any, alias: str, name: str, email: str, phone: str) -> str:
    arn = str(
        contacts.create_contact(
            Alias=alias,
            DisplayName=name,
            Type="PERSONAL",
            Plan={"Stages": []},
            Tags=_tag_list(POLICY_TAGS),
        )["ContactArn"]
    )
    email_arn = contacts.create_contact_channel(
        ContactId=arn, Name="email", Type="EMAIL", DeliveryAddress={"SimpleAddress": email}
    )["ContactChannelArn"]
    sms_arn = contacts.create_contact_channel(
        ContactId=arn, Name="sms", Type="SMS", DeliveryAddress={"SimpleAddress": phone}
    )["ContactChannelArn"]
    # The person typed the code sent by e-mail; the SMS code never arrived.
    contacts.activate_contact_channel(ContactChannelId=email_arn, ActivationCode="123456")
    contacts.update_contact(
        ContactId=arn,
        Plan={
            "Stages": [
                {
                    "DurationInMinutes": 10,
                    "Targets": [{"ChannelTargetInfo": {"ContactChannelId": email_arn}}],
                },
                {
                    "DurationInMinutes": 0,
                    "Targets": [
                        {
                            "ChannelTargetInfo": {
                                "ContactChannelId": sms_arn,
                                "RetryIntervalInMinutes": 5,
                            }
                        }
                    ],
                },
            ]
        },
    )
    return arn


def build_blog_walkthrough(client: Client) -> dict[str, str]:
    """Replication set, two contacts, a two-stage escalation plan, response plan EC2HighCPU; each
    tagged with ``POLICY_TAGS``."""
    incidents = client("ssm-incidents")
    contacts = client("ssm-contacts")
    incidents.create_replication_set(regions={"us-east-1": {}}, tags=POLICY_TAGS)
    responder = _contact(
        contacts, "incident-responder", "Incident Responder", "oncall@example.com", "+12065550100"
    )
    senior = _contact(
        contacts, "sr-incident-responder", "Sénior Responder", "senior@example.com", "+12065550101"
    )
    plan = str(
        contacts.create_contact(
            Alias="app-escalation-plan",
            DisplayName="App escalation plan",
            Type="ESCALATION",
            Plan={
                "Stages": [
                    {
                        "DurationInMinutes": 15,
                        "Targets": [
                            {"ContactTargetInfo": {"ContactId": responder, "IsEssential": True}}
                        ],
                    },
                    {
                        "DurationInMinutes": 0,
                        "Targets": [
                            {"ContactTargetInfo": {"ContactId": senior, "IsEssential": False}}
                        ],
                    },
                ]
            },
            Tags=_tag_list(POLICY_TAGS),
        )["ContactArn"]
    )
    response_plan = str(
        incidents.create_response_plan(
            name="EC2HighCPU",
            displayName="EC2 high CPU",
            incidentTemplate={"title": "cpu-incident", "impact": 3, "dedupeString": "ec2-cpu"},
            engagements=[plan],
            tags=POLICY_TAGS,
        )["arn"]
    )
    return {"responder": responder, "senior": senior, "plan": plan, "response_plan": response_plan}


def add_rotation_and_schedule(client: Client, arns: dict[str, str]) -> None:
    """A business-hours rotation (hand-off 08:30, covered 08:30-17:00 on weekdays) and an
    on-call schedule listing it."""
    contacts = client("ssm-contacts")
    coverage = [
        {"Start": {"HourOfDay": 8, "MinuteOfHour": 30}, "End": {"HourOfDay": 17, "MinuteOfHour": 0}}
    ]
    rotation = contacts.create_rotation(
        Name="business-hours",
        ContactIds=[arns["responder"], arns["senior"]],
        StartTime=datetime(2026, 1, 5, 7, 30, tzinfo=UTC),
        TimeZoneId="Europe/Berlin",
        Recurrence={
            "NumberOfOnCalls": 1,
            "RecurrenceMultiplier": 1,
            "DailySettings": [{"HourOfDay": 8, "MinuteOfHour": 30}],
            "ShiftCoverages": dict.fromkeys(WEEKDAYS, coverage),
        },
        Tags=_tag_list(POLICY_TAGS),
    )["RotationArn"]
    arns["rotation"] = rotation
    arns["schedule"] = contacts.create_contact(
        Alias="business-hours-oncall",
        DisplayName="Business hours on-call",
        Type="ONCALL_SCHEDULE",
        Plan={"RotationIds": [rotation]},
        Tags=_tag_list(POLICY_TAGS),
    )["ContactArn"]


def _policy(*statements: dict[str, Any]) -> str:
    return json.dumps({"Version": "2012-10-17", "Statement": list(statements)})


def add_blog_runbook(client: Client, account: str, response_plan: str) -> dict[str, str]:
    """The blog's runbook document, the role Incident Manager assumes to start it (trusting
    ssm-incidents of this account, allowed to start this document only), and the response plan
    edited to start it with a parameter and a dynamic parameter."""
    name = "ec2-cpu-util-runbook"
    client("ssm").create_document(
        Name=name,
        Content=BLOG_DOCUMENT.read_text(encoding="utf-8"),
        DocumentType="Automation",
        DocumentFormat="YAML",
        Tags=_tag_list(POLICY_TAGS),
    )
    iam = client("iam")
    role = str(
        iam.create_role(
            RoleName="IncidentManagerRunbookRole",
            Path="/service-role/",
            Description="Lets Incident Manager start the EC2 CPU runbook",
            AssumeRolePolicyDocument=_policy(
                {
                    "Effect": "Allow",
                    "Principal": {"Service": "ssm-incidents.amazonaws.com"},
                    "Action": "sts:AssumeRole",
                    "Condition": {"StringEquals": {"aws:SourceAccount": account}},
                }
            ),
            Tags=_tag_list(POLICY_TAGS),
        )["Role"]["Arn"]
    )
    iam.put_role_policy(
        RoleName="IncidentManagerRunbookRole",
        PolicyName="start-runbook",
        PolicyDocument=_policy(
            {
                "Effect": "Allow",
                "Action": "ssm:StartAutomationExecution",
                "Resource": f"arn:aws:ssm:*:{account}:automation-definition/{name}:*",
            }
        ),
    )
    client("ssm-incidents").update_response_plan(
        arn=response_plan,
        actions=[
            {
                "ssmAutomation": {
                    "roleArn": role,
                    "documentName": name,
                    "documentVersion": "$DEFAULT",
                    "targetAccount": "RESPONSE_PLAN_OWNER_ACCOUNT",
                    "parameters": {"Environment": ["prod"]},
                    "dynamicParameters": {"IncidentRecordArn": {"variable": "INCIDENT_RECORD_ARN"}},
                }
            }
        ],
    )
    return {"document": name, "role": role}


def add_chat_channel(client: Client, account: str, response_plan: str) -> str:
    """An SNS topic for the incident chat (AWS Chatbot), whose policy lets Incident Manager of
    this account publish, set as the response plan's chat channel."""
    sns = client("sns")
    topic = str(sns.create_topic(Name="incident-chat", Tags=_tag_list(POLICY_TAGS))["TopicArn"])
    sns.set_topic_attributes(
        TopicArn=topic,
        AttributeName="Policy",
        AttributeValue=_policy(
            {
                "Sid": "IncidentManagerPublishes",
                "Effect": "Allow",
                "Principal": {"Service": "ssm-incidents.amazonaws.com"},
                "Action": "SNS:Publish",
                "Resource": topic,
                "Condition": {"StringEquals": {"aws:SourceAccount": account}},
            }
        ),
    )
    client("ssm-incidents").update_response_plan(
        arn=response_plan, chatChannel={"chatbotSns": [topic]}
    )
    return topic


def add_cpu_alarm(client: Client, account: str) -> str:
    """The walkthrough's alarm: EC2 CPUUtilization above 85 starts an EC2HighCPU incident."""
    name = "EC2 high CPU"
    client("cloudwatch").put_metric_alarm(
        AlarmName=name,
        AlarmDescription="CPU above 85% opens an EC2HighCPU incident",
        Namespace="AWS/EC2",
        MetricName="CPUUtilization",
        Dimensions=[{"Name": "InstanceId", "Value": "i-0123456789abcdef0"}],
        Statistic="Average",
        Period=300,
        EvaluationPeriods=1,
        DatapointsToAlarm=1,
        Threshold=85.0,
        ComparisonOperator="GreaterThanThreshold",
        TreatMissingData="missing",
        AlarmActions=[f"arn:aws:ssm-incidents::{account}:response-plan/EC2HighCPU"],
        Tags=_tag_list(POLICY_TAGS),
    )
    return name


def load_example(client: Client) -> dict[str, str]:
    """The whole console-style example; the ARNs of what it made, by role."""
    account = str(client("sts").get_caller_identity()["Account"])
    arns = build_blog_walkthrough(client)
    incidents = client("ssm-incidents")
    (replication_set,) = incidents.list_replication_sets()["replicationSetArns"]
    incidents.update_replication_set(
        arn=replication_set, actions=[{"addRegionAction": {"regionName": "us-west-2"}}]
    )
    add_rotation_and_schedule(client, arns)
    arns.update(add_blog_runbook(client, account, arns["response_plan"]))
    arns["chat"] = add_chat_channel(client, account, arns["response_plan"])
    arns["alarm"] = add_cpu_alarm(client, account)
    return arns


def _person(contacts: Any, index: int) -> str:
    arn = str(
        contacts.create_contact(Alias=f"person-{index:04d}", Type="PERSONAL", Plan={"Stages": []})[
            "ContactArn"
        ]
    )
    channels = [
        contacts.create_contact_channel(
            ContactId=arn,
            Name=name,
            Type=kind,
            DeliveryAddress={"SimpleAddress": address},
        )["ContactChannelArn"]
        for name, kind, address in (
            ("email", "EMAIL", f"p{index}@example.com"),
            ("sms", "SMS", f"+1206555{index:04d}"),
        )
    ]
    contacts.update_contact(
        ContactId=arn,
        Plan={
            "Stages": [
                {
                    "DurationInMinutes": minutes,
                    "Targets": [{"ChannelTargetInfo": {"ContactChannelId": c}}],
                }
                for minutes, c in zip((5, 0), channels, strict=True)
            ]
        },
    )
    return arn


def load_large_account(client: Client, people: int, escalation_plans: int) -> None:
    """A replication set, ``people`` contacts with an e-mail and an SMS channel paged 5 minutes
    apart, and ``escalation_plans`` plans each engaging two of them (the benchmark's account)."""
    client("ssm-incidents").create_replication_set(regions={"us-east-1": {}})
    contacts = client("ssm-contacts")
    # Clients are thread-safe; the server serializes the writes itself.
    with ThreadPoolExecutor(max_workers=4) as pool:
        arns = list(pool.map(lambda index: _person(contacts, index), range(people)))
    for index in range(escalation_plans):
        targets = [arns[(index * 2 + k) % len(arns)] for k in range(2)]
        contacts.create_contact(
            Alias=f"plan-{index:03d}",
            Type="ESCALATION",
            Plan={
                "Stages": [
                    {
                        "DurationInMinutes": 10,
                        "Targets": [{"ContactTargetInfo": {"ContactId": t, "IsEssential": True}}],
                    }
                    for t in targets
                ]
            },
        )


def local_endpoint(environ: dict[str, str]) -> str | None:
    """``AWS_ENDPOINT_URL`` when it points at this machine, else None."""
    url = environ.get("AWS_ENDPOINT_URL", "")
    return url if urlsplit(url).hostname in LOCAL_HOSTS else None


EPILOG = """\
examples:
  make local-aws                          # in another terminal; export what it prints
  make local-aws-example                  # = python -m local_aws.console_setup
  make adopt ENV=acme REGION=us-east-1

exit status: 0 loaded; 1 the server refused a request (already loaded? restart the server);
2 AWS_ENDPOINT_URL does not point at a local server.
environment: AWS_ENDPOINT_URL, AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY (what make local-aws prints)
"""


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m local_aws.console_setup",
        description=(
            "Load a console-style Incident Manager (the AWS blog walkthrough and more) into the "
            "local server that AWS_ENDPOINT_URL points at, to try make adopt."
        ),
        epilog=EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument(
        "--large",
        action="store_true",
        help="load a large account instead: --people contacts, --escalation-plans plans",
    )
    parser.add_argument("--people", type=int, default=1000, help="with --large (1000)")
    parser.add_argument("--escalation-plans", type=int, default=100, help="with --large (100)")
    args = parser.parse_args(argv)
    endpoint = local_endpoint(dict(os.environ))
    if endpoint is None:
        print(
            "console_setup: AWS_ENDPOINT_URL is "
            f"{os.environ.get('AWS_ENDPOINT_URL') or 'not set'}; this writes contacts, roles "
            "and alarms, so it runs against the local server only: start `make local-aws` and "
            "export the variables it prints",
            file=sys.stderr,
        )
        return 2
    import boto3  # type: ignore[import-untyped]
    from botocore.exceptions import ClientError

    def client(service: str, region: str | None = None) -> Any:
        return boto3.client(service, region_name=region)

    try:
        if args.large:
            load_large_account(client, args.people, args.escalation_plans)
            print(
                f"loaded {args.people} contacts and {args.escalation_plans} escalation plans "
                f"into {endpoint}"
            )
            return 0
        arns = load_example(client)
    except ClientError as error:
        print(f"console_setup: {error} (already loaded? restart the server)", file=sys.stderr)
        return 1
    print(f"loaded the console-style example into {endpoint}:")
    for what, arn in arns.items():
        print(f"  {what:<14} {arn}")
    print("next: make adopt ENV=acme REGION=us-east-1")
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
