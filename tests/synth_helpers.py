"""Build a throwaway stack, synthesize it with cdktf's Testing helpers, and read resources."""

from __future__ import annotations

import json
from typing import Any

from cdktf import TerraformResource, TerraformStack, Testing

from constructs_lib.aws import AwsProvider

Json = dict[str, Any]


def new_stack(region: str = "us-east-1") -> TerraformStack:
    """An empty stack with a default AWS provider in ``region``."""
    stack = TerraformStack(Testing.app(), "test")
    AwsProvider(stack, "aws", region=region)
    return stack


def synth(stack: TerraformStack) -> Json:
    result: Json = json.loads(Testing.synth(stack))
    return result


def resources(synthesized: Json, resource_type: str) -> dict[str, Json]:
    found: dict[str, Json] = synthesized.get("resource", {}).get(resource_type, {})
    return found


def only(synthesized: Json, resource_type: str) -> Json:
    """The single resource of ``resource_type`` (fails if there are none or several)."""
    found = resources(synthesized, resource_type)
    assert len(found) == 1, f"expected one {resource_type}, found {sorted(found)}"
    return next(iter(found.values()))


def address(resource: TerraformResource) -> str:
    """Terraform address ``type.name`` of a resource construct."""
    return f"{resource.terraform_resource_type}.{resource.friendly_unique_id}"


def ref(resource: TerraformResource, attribute: str = "arn") -> str:
    """The expression cdktf writes for a reference to ``resource.attribute``."""
    return "${" + address(resource) + "." + attribute + "}"


def body(synthesized: Json, resource: TerraformResource) -> Json:
    """The synthesized body of a resource construct."""
    found: Json = resources(synthesized, resource.terraform_resource_type)[
        resource.friendly_unique_id
    ]
    return found
