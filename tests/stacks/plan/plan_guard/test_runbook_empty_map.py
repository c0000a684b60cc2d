"""The plan guard refuses to send a runbook action with an empty map (AWS refuses it), and lets
an adopted action through while it is not sent. The real provider's plans are checked in
tests/stacks/adopt/test_adopt_runbooks.py; these are the shapes around them."""

from __future__ import annotations

from typing import Any

import pytest

from stacks.plan.plan_guard import check_plan

Json = dict[str, Any]
ADDRESS = "aws_ssmincidents_response_plan.response-plan-p"


def automation(
    parameters: list[Json] | None, dynamic: Json | None, version: str = "$DEFAULT"
) -> Json:
    return {
        "document_name": "d",
        "document_version": version,
        "role_arn": "arn:aws:iam::111122223333:role/r",
        "parameter": parameters,
        "dynamic_parameters": dynamic,
    }


def plan(actions: list[str], before: Json | None, after: Json) -> Json:
    return {
        "resource_changes": [
            {
                "address": ADDRESS,
                "type": "aws_ssmincidents_response_plan",
                "change": {
                    "actions": actions,
                    "before": None
                    if before is None
                    else {"action": [{"ssm_automation": [before]}]},
                    "after": {"action": [{"ssm_automation": [after]}], "name": "p"},
                },
            }
        ]
    }


PARAMS = [{"name": "Environment", "values": ["prod"]}]
DYNAMIC = {"IncidentRecordArn": "INCIDENT_RECORD_ARN"}


@pytest.mark.parametrize(
    ("actions", "before", "after", "refused"),
    [
        (["create"], None, automation(PARAMS, None), True),
        (["create"], None, automation(PARAMS, DYNAMIC), False),
        # Another attribute changes; the action (read back with {} for the empty map) does not.
        (["update"], automation(PARAMS, {}), automation(PARAMS, None), False),
        (["update"], automation(PARAMS, {}), automation(PARAMS, None, version="2"), True),
        (["update"], automation([], DYNAMIC), automation(PARAMS, DYNAMIC), False),
        (["delete"], automation(None, None), automation(None, None), False),
    ],
    ids=["create-empty", "create-full", "unchanged", "changed-empty", "filled", "delete"],
)
def test_only_an_action_sent_with_an_empty_map_is_refused(
    actions: list[str], before: Json | None, after: Json, refused: bool
) -> None:
    refusals = check_plan(plan(actions, before, after))
    assert [(r.kind, r.address) for r in refusals] == (
        [("runbook-empty-map", ADDRESS)] if refused else []
    )
    assert check_plan(plan(actions, before, after), allow=["runbook-empty-map"]) == []
