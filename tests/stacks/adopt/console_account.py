"""One account holding every console-style setup adoption is tested on, so that one adoption,
one apply and one edit prove them all (each used to be built in an account of its own and
planned, applied and edited on its own: a Terraform run each).

On top of ``make local-aws-example`` (the blog walkthrough, two regions, the business-hours
rotation and its schedule, the blog runbook with its role, the chat topic, the CPU alarm), made
through the API as the console makes them:

- PaymentsDown, a response plan with every optional part (summary, incident tags, a
  notification topic and a chat topic, two engagements, PagerDuty, tags);
- major-incident, an escalation plan engaging the schedule, a channel and another plan;
- DatabaseDown with its topics (one encrypted by alias, one with a display name and tags, both
  with policies) and a CloudFormation topic; the latency alarm in us-west-2; the alarms adoption
  leaves alone (metric math, composite, two response plans);
- a managed policy attached to the runbook role; the console's variety of runbooks (a JSON
  document whose latest version is not its default, a role with a permissions boundary, an
  action with dynamic parameters only, Amazon's template started by the service-linked role);
- last, a tag policy's pass: every resource lacking a tag of ``POLICY_TAGS`` gets it (a topic
  tagged ``team: dba`` keeps its team), so ``cost-center`` is common to all and ``team`` is not.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from local_aws.console_setup import POLICY_TAGS
from tests.stacks.adopt.runbook_setups import add_console_variety, attach_describe_policy
from tests.stacks.adopt.topics_alarms_setup import (
    ACCOUNT,
    add_database_plan_with_topics,
    add_latency_alarm,
    add_what_adoption_leaves_alone,
)
from tests.stacks.adopt.walkthrough_setups import add_major_incident_plan, add_paged_response_plan

Client = Any
REGIONS = ("us-east-1", "us-west-2")
CONTACTS = f"arn:aws:ssm-contacts:us-east-1:{ACCOUNT}:contact/"
RUNBOOK_ROLE = "IncidentManagerRunbookRole"


def example_arns(client: Client) -> dict[str, str]:
    """The ARNs ``local_aws.console_setup.load_example`` made, by role."""
    contacts = client("ssm-contacts")
    (rotation,) = contacts.list_rotations()["Rotations"]
    return {
        "responder": f"{CONTACTS}incident-responder",
        "senior": f"{CONTACTS}sr-incident-responder",
        "plan": f"{CONTACTS}app-escalation-plan",
        "schedule": f"{CONTACTS}business-hours-oncall",
        "rotation": rotation["RotationArn"],
        "response_plan": f"arn:aws:ssm-incidents::{ACCOUNT}:response-plan/EC2HighCPU",
    }


def add_every_console_setup(client: Client) -> dict[str, str]:
    """Every setup of the module docstring, added to the loaded example; ARNs by role."""
    arns = example_arns(client)
    paged = add_paged_response_plan(
        client, arns, name="PaymentsDown", topics=("payments-updates", "payments-chat")
    )
    arns.update({f"paged_{k}": v for k, v in paged.items()})
    arns["major"] = add_major_incident_plan(client, arns)
    database = add_database_plan_with_topics(client, arns["plan"], chat_topic="db-chat")
    arns.update({f"db_{k}": v for k, v in database.items()})
    add_latency_alarm(client)
    arns.update(add_what_adoption_leaves_alone(client, database["plan"]))
    arns["managed_policy"] = attach_describe_policy(client, RUNBOOK_ROLE)
    arns.update(add_console_variety(client))
    apply_tag_policy(client, POLICY_TAGS)
    return arns


def _missing(tags: dict[str, str], policy: dict[str, str]) -> dict[str, str]:
    return {k: v for k, v in policy.items() if k not in tags}


def _pairs(tags: dict[str, str]) -> list[dict[str, str]]:
    return [{"Key": k, "Value": v} for k, v in tags.items()]


def _listed(tags: list[dict[str, str]]) -> dict[str, str]:
    return {t["Key"]: t["Value"] for t in tags}


def apply_tag_policy(client: Client, policy: dict[str, str]) -> None:
    """Every resource adoption reads gets each tag of ``policy`` it lacks (as an organization's
    tag policy remediation would); a tag it has keeps its value."""
    incidents, contacts = client("ssm-incidents"), client("ssm-contacts")
    arns = [p["arn"] for p in incidents.list_response_plans()["responsePlanSummaries"]]
    for arn in arns:
        tags = _missing(incidents.list_tags_for_resource(resourceArn=arn)["tags"], policy)
        if tags:
            incidents.tag_resource(resourceArn=arn, tags=tags)
    for arn in _contact_arns(contacts):
        tags = _missing(_listed(contacts.list_tags_for_resource(ResourceARN=arn)["Tags"]), policy)
        if tags:
            contacts.tag_resource(ResourceARN=arn, Tags=_pairs(tags))
    for region in REGIONS:
        sns, cloudwatch = client("sns", region), client("cloudwatch", region)
        for topic in sns.list_topics()["Topics"]:
            arn = topic["TopicArn"]
            tags = _missing(_listed(sns.list_tags_for_resource(ResourceArn=arn)["Tags"]), policy)
            if tags:
                sns.tag_resource(ResourceArn=arn, Tags=_pairs(tags))
        alarms = cloudwatch.describe_alarms(AlarmTypes=["MetricAlarm", "CompositeAlarm"])
        for alarm in [*alarms["MetricAlarms"], *alarms["CompositeAlarms"]]:
            arn = alarm["AlarmArn"]
            listed = cloudwatch.list_tags_for_resource(ResourceARN=arn)["Tags"]
            tags = _missing(_listed(listed), policy)
            if tags:
                cloudwatch.tag_resource(ResourceARN=arn, Tags=_pairs(tags))
    ssm = client("ssm")
    owned = ssm.list_documents(Filters=[{"Key": "Owner", "Values": ["Self"]}])
    for document in owned["DocumentIdentifiers"]:
        listed = ssm.list_tags_for_resource(ResourceType="Document", ResourceId=document["Name"])
        tags = _missing(_listed(listed["TagList"]), policy)
        if tags:
            ssm.add_tags_to_resource(
                ResourceType="Document", ResourceId=document["Name"], Tags=_pairs(tags)
            )
    iam = client("iam")
    for role in iam.list_roles()["Roles"]:
        if role["Path"].startswith("/aws-service-role/"):
            continue  # AWS manages service-linked roles
        tags = _missing(_listed(iam.list_role_tags(RoleName=role["RoleName"])["Tags"]), policy)
        if tags:
            iam.tag_role(RoleName=role["RoleName"], Tags=_pairs(tags))


def _contact_arns(contacts: Any) -> Iterator[str]:
    for contact in contacts.list_contacts()["Contacts"]:
        yield contact["ContactArn"]
    for rotation in contacts.list_rotations()["Rotations"]:
        yield rotation["RotationArn"]
