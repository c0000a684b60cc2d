"""The AWS blog walkthrough built through the API the way the console builds it: contacts first
with an empty plan, then their channels, then the plan engaging the channels."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

Client = Any


def _contact(contacts: Client, alias: str, name: str, email: str, phone: str) -> str:
    arn = str(
        contacts.create_contact(
            Alias=alias,
            DisplayName=name,
            Type="PERSONAL",
            Plan={"Stages": []},
            Tags=[{"Key": "team", "Value": "sre"}],
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


def build_blog_walkthrough(client: Any) -> dict[str, str]:
    """Replication set, two contacts, a two-stage escalation plan, response plan EC2HighCPU."""
    incidents = client("ssm-incidents")
    contacts = client("ssm-contacts")
    incidents.create_replication_set(regions={"us-east-1": {}})
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
        )["ContactArn"]
    )
    response_plan = str(
        incidents.create_response_plan(
            name="EC2HighCPU",
            displayName="EC2 high CPU",
            incidentTemplate={"title": "cpu-incident", "impact": 3, "dedupeString": "ec2-cpu"},
            engagements=[plan],
            tags={"team": "sre"},
        )["arn"]
    )
    return {"responder": responder, "senior": senior, "plan": plan, "response_plan": response_plan}


def add_rotation_and_schedule(client: Any, arns: dict[str, str]) -> None:
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
            "ShiftCoverages": dict.fromkeys(("MON", "TUE", "WED", "THU", "FRI"), coverage),
        },
    )["RotationArn"]
    arns["rotation"] = rotation
    arns["schedule"] = contacts.create_contact(
        Alias="business-hours-oncall",
        DisplayName="Business hours on-call",
        Type="ONCALL_SCHEDULE",
        Plan={"RotationIds": [rotation]},
    )["ContactArn"]
