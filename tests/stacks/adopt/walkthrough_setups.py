"""Additions to the blog walkthrough (``local_aws.console_setup``) made through the API the way
the console makes them: a response plan with every optional part, and an escalation plan that
engages an on-call schedule, a channel and another plan."""

from __future__ import annotations

from typing import Any

Client = Any


def add_paged_response_plan(
    client: Client,
    arns: dict[str, str],
    name: str = "DatabaseDown",
    topics: tuple[str, str] = ("incident-updates", "chatbot"),
) -> dict[str, str]:
    """Response plan ``name``: impact critical, a summary, incident tags, a notification topic
    and a chat channel topic (``topics``, SNS's default policy), the walkthrough's escalation
    plan and senior responder engaged, a PagerDuty integration and tags of its own."""
    notify, chat = (client("sns").create_topic(Name=t)["TopicArn"] for t in topics)
    plan = client("ssm-incidents").create_response_plan(
        name=name,
        incidentTemplate={
            "title": "database-down",
            "impact": 1,
            "summary": "Primary database unreachable",
            "notificationTargets": [{"snsTopicArn": notify}],
            "incidentTags": {"service": "db"},
        },
        chatChannel={"chatbotSns": [chat]},
        engagements=[arns["plan"], arns["senior"]],
        integrations=[
            {
                "pagerDutyConfiguration": {
                    "name": "pd-db",
                    "secretId": "pagerduty-secret",
                    "pagerDutyIncidentConfiguration": {"serviceId": "PABC123"},
                }
            }
        ],
        tags={"team": "dba", "cost-center": "1234"},
    )["arn"]
    return {"plan": plan, "notify": notify, "chat": chat}


def add_major_incident_plan(client: Client, arns: dict[str, str]) -> str:
    """Escalation plan major-incident (a display name with non-ASCII letters, a tag): stage 1
    engages the on-call schedule (essential) and the senior responder's SMS channel with a
    2-minute retry for 5 minutes, stage 2 the walkthrough's escalation plan; its ARN."""
    api = client("ssm-contacts")
    sms = next(
        c["ContactChannelArn"]
        for c in api.list_contact_channels(ContactId=arns["senior"])["ContactChannels"]
        if c["Name"] == "sms"
    )
    arn: str = api.create_contact(
        Alias="major-incident",
        DisplayName="Größere Störung",
        Type="ESCALATION",
        Plan={
            "Stages": [
                {
                    "DurationInMinutes": 5,
                    "Targets": [
                        {"ContactTargetInfo": {"ContactId": arns["schedule"], "IsEssential": True}},
                        {
                            "ChannelTargetInfo": {
                                "ContactChannelId": sms,
                                "RetryIntervalInMinutes": 2,
                            }
                        },
                    ],
                },
                {
                    "DurationInMinutes": 0,
                    "Targets": [
                        {"ContactTargetInfo": {"ContactId": arns["plan"], "IsEssential": True}}
                    ],
                },
            ]
        },
        Tags=[{"Key": "severity", "Value": "major"}],
    )["ContactArn"]
    return arn
