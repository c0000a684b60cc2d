"""How console_drift.plan.json beside this file was recorded: a real apply (Terraform 1.11.4,
hashicorp/aws 5.100.0, the provisioners) against the local Incident Manager, three console edits
through the API (an engagement plan, a rotation's members, a schedule's rotations), then
``terraform plan`` and ``show -json``; addresses and the configuration are left out of the file.

    PYTHONPATH=. .venv/bin/python tests/stacks/plan/recorded/record_console_drift.py /tmp/somewhere
"""

import json
import re
import sys
from pathlib import Path

from local_aws.process import LocalAwsProcess
from tests.conftest import PROJECT_ROOT
from tests.local_aws.local_clients import daily_rotation
from tests.stacks.environment_files import project_with
from tests.terraform.terraform_cli import find_terraform
from tests.terraform.test_oncall_schedule_apply import ACCOUNT, REGION, Deployment

ENV = f"""\
account_id: "{ACCOUNT}"
region: {REGION}
replication_set:
  existing: true
  regions: [{REGION}]
contacts:
  - alias: incident-responder
    channels:
      - {{name: email, type: EMAIL, address: responder@example.com}}
      - {{name: mobile, type: SMS, address: "+12065550100"}}
    engagement:
      - {{channel: email, at_minute: 0}}
      - {{channel: mobile, at_minute: 10}}
  - alias: alice
    channels: [{{name: email, type: EMAIL, address: alice@example.com}}]
    engagement: [{{channel: email, at_minute: 0}}]
  - alias: bob
    channels: [{{name: email, type: EMAIL, address: bob@example.com}}]
    engagement: [{{channel: email, at_minute: 0}}]
rotations:
  - name: business-hours
    contacts: [alice, bob]
    time_zone: Etc/UTC
    start_time: 2026-01-05T08:00:00+00:00
    hand_off: {{daily: ["08:00"]}}
oncall_schedules:
  - alias: app-oncall
    display_name: App on-call
    rotations: [business-hours]
escalation_plans:
  - alias: app-escalation
    stages:
      - duration_minutes: 5
        targets: [{{contact: app-oncall}}]
      - duration_minutes: 0
        targets: [{{contact: incident-responder}}]
"""
work = Path(sys.argv[1])
terraform = find_terraform("5.100.0", work)
server = LocalAwsProcess.start(work / "server", account_id=ACCOUNT)
try:
    project = project_with(work / "project", ENV, name="oncall")
    repo = work / "repo"
    repo.mkdir()
    (repo / "stacks").symlink_to(PROJECT_ROOT / "stacks")
    (repo / ".venv").symlink_to(Path(sys.prefix))
    d = Deployment(terraform=terraform, server=server, project=project, repo=repo)
    d.client("ssm-incidents").create_replication_set(regions={REGION: {}})
    d.apply(ENV)
    c = d.client("ssm-contacts")
    responder = f"arn:aws:ssm-contacts:{REGION}:{ACCOUNT}:contact/incident-responder"
    channels = {
        ch["Name"]: ch["ContactChannelArn"]
        for ch in c.list_contact_channels(ContactId=responder)["ContactChannels"]
    }
    c.update_contact(
        ContactId=responder,
        Plan={
            "Stages": [
                {
                    "DurationInMinutes": 0,
                    "Targets": [{"ChannelTargetInfo": {"ContactChannelId": channels["mobile"]}}],
                }
            ]
        },
    )
    rot = next(r for r in c.list_rotations()["Rotations"] if r["Name"] == "business-hours")
    alice = f"arn:aws:ssm-contacts:{REGION}:{ACCOUNT}:contact/alice"
    live = c.get_rotation(RotationId=rot["RotationArn"])
    c.update_rotation(
        RotationId=rot["RotationArn"],
        ContactIds=[alice],
        Recurrence=live["Recurrence"],
        TimeZoneId=live["TimeZoneId"],
        StartTime=live["StartTime"],
    )
    temp = daily_rotation(c, "console-temp", alice, hour=9)
    c.update_contact(
        ContactId=f"arn:aws:ssm-contacts:{REGION}:{ACCOUNT}:contact/app-oncall",
        Plan={"RotationIds": [temp]},
    )
    plan = d.plan()
    keep = {
        key: plan[key]
        for key in (
            "format_version",
            "terraform_version",
            "resource_drift",
            "resource_changes",
            "prior_state",
            "planned_values",
        )
    }
    keep["timestamp"] = "2026-12-04T00:00:00Z"
    text = json.dumps(keep, indent=1, sort_keys=True)
    text = re.sub(
        r'"simple_address": "[^"]*"', '"simple_address": "(removed from the recording)"', text
    )
    (work / "console_drift.plan.json").write_text(text + "\n", encoding="utf-8")
    print("console-temp rotation:", temp)
finally:
    server.stop()
