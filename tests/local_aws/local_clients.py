"""Reaching a local AWS server from a test: emptying it (moto's reset) and boto3 clients of it
with the server's fake keys."""

from __future__ import annotations

import urllib.request
from collections.abc import Callable
from typing import Any

from local_aws.server import FAKE_ACCESS_KEY, FAKE_SECRET_KEY

REGION = "us-east-1"

Client = Callable[..., Any]


def reset_server(url: str) -> None:
    """Empty every backend of the server at ``url``."""
    request = urllib.request.Request(f"{url}/moto-api/reset", method="POST")
    with urllib.request.urlopen(request, timeout=10) as response:
        assert response.status == 200


def local_client(url: str, service: str, region: str = REGION) -> Any:
    """A boto3 client of ``service`` at the server at ``url``."""
    import boto3  # type: ignore[import-untyped]

    return boto3.client(
        service,
        endpoint_url=url,
        region_name=region,
        aws_access_key_id=FAKE_ACCESS_KEY,
        aws_secret_access_key=FAKE_SECRET_KEY,
    )


def emptied(url: str) -> Client:
    """``client(service, region=REGION)`` of the server at ``url``, once it has been emptied."""
    reset_server(url)

    def client(service: str, region: str = REGION) -> Any:
        return local_client(url, service, region)

    return client


def daily_rotation(contacts: Any, name: str, member: str, hour: int) -> str:
    """Create a rotation of ``member`` (a contact's ARN) alone, handing off every day at
    ``hour``:00 UTC, through the ``contacts`` client; its ARN."""
    arn: str = contacts.create_rotation(
        Name=name,
        ContactIds=[member],
        TimeZoneId="Etc/UTC",
        StartTime="2026-01-05T08:00:00Z",
        Recurrence={
            "NumberOfOnCalls": 1,
            "RecurrenceMultiplier": 1,
            "DailySettings": [{"HourOfDay": hour, "MinuteOfHour": 0}],
        },
    )["RotationArn"]
    return arn
