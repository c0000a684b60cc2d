"""How long ``adopt`` takes for a large account, read from a local Incident Manager.

    .venv/bin/python -m benchmarks.adopt_benchmark --contacts 1000 --plans 100 [--plan]

Loads the setup through boto3 (not timed), then times reading and writing the files, and with
``--plan`` the first real Terraform plan. Prints seconds; asserts nothing.
"""

from __future__ import annotations

import argparse
import os
import tempfile
import time
from pathlib import Path
from typing import Any

import boto3  # type: ignore[import-untyped]

from local_aws.server import FAKE_ACCESS_KEY, FAKE_SECRET_KEY, start_server
from stacks.adopt.command import adopt
from stacks.adopt.first_plan import plan_adopted


def load(client: Any, contacts: int, plans: int) -> None:
    client("ssm-incidents").create_replication_set(regions={"us-east-1": {}})
    api = client("ssm-contacts")
    arns = []
    for index in range(contacts):
        arn = api.create_contact(Alias=f"person-{index:04d}", Type="PERSONAL", Plan={"Stages": []})[
            "ContactArn"
        ]
        email = api.create_contact_channel(
            ContactId=arn,
            Name="email",
            Type="EMAIL",
            DeliveryAddress={"SimpleAddress": f"p{index}@example.com"},
        )["ContactChannelArn"]
        sms = api.create_contact_channel(
            ContactId=arn,
            Name="sms",
            Type="SMS",
            DeliveryAddress={"SimpleAddress": f"+1206555{index:04d}"},
        )["ContactChannelArn"]
        api.update_contact(
            ContactId=arn,
            Plan={
                "Stages": [
                    {
                        "DurationInMinutes": 5,
                        "Targets": [{"ChannelTargetInfo": {"ContactChannelId": email}}],
                    },
                    {
                        "DurationInMinutes": 0,
                        "Targets": [{"ChannelTargetInfo": {"ContactChannelId": sms}}],
                    },
                ]
            },
        )
        arns.append(arn)
    for index in range(plans):
        targets = [arns[(index * 2 + k) % len(arns)] for k in range(2)]
        api.create_contact(
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


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--contacts", type=int, default=1000)
    parser.add_argument("--plans", type=int, default=100)
    parser.add_argument("--plan", action="store_true", help="also time the first Terraform plan")
    args = parser.parse_args()
    server = start_server("127.0.0.1")
    os.environ.update(
        AWS_ENDPOINT_URL=server.url,
        AWS_ACCESS_KEY_ID=FAKE_ACCESS_KEY,
        AWS_SECRET_ACCESS_KEY=FAKE_SECRET_KEY,
    )
    try:

        def client(service: str) -> Any:
            return boto3.client(service, region_name="us-east-1")

        load(client, args.contacts, args.plans)
        root = Path(tempfile.mkdtemp(prefix="adopt-bench-"))
        started = time.monotonic()
        adoption = adopt("bench", "us-east-1", None, root)
        read = time.monotonic() - started
        print(
            f"read and write: {read:.1f} s ({args.contacts} contacts, {args.plans} escalation "
            f"plans, {len(adoption.secrets)} channels)"
        )
        if args.plan:
            started = time.monotonic()
            result = plan_adopted("bench", root)
            print(f"first plan: {time.monotonic() - started:.1f} s: {result.summary()}")
    finally:
        server.stop()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
