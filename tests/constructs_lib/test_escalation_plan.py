"""EscalationPlan: staged, parallel contact and channel targets."""

from __future__ import annotations

import pytest

from constructs_lib import (
    ChannelTarget,
    ContactTarget,
    EscalationPlan,
    EscalationPlanProps,
    EscalationStage,
    PropsError,
)
from tests.constructs_lib.fixtures import email_contact, replication_set
from tests.synth_helpers import address, body, new_stack, ref, synth


def test_blog_plan_acknowledgement_in_stage_1_stops_stage_2() -> None:
    stack = new_stack()
    rs = replication_set(stack)
    responder = email_contact(stack, rs, "incident-responder")
    senior = email_contact(stack, rs, "sr-incident-responder")
    escalation = EscalationPlan(
        stack,
        "plan",
        EscalationPlanProps(
            alias="app-escalation-plan",
            replication_set=rs,
            stages=[
                EscalationStage(5, [ContactTarget(responder)]),
                EscalationStage(0, [ContactTarget(senior)]),
            ],
        ),
    )
    out = synth(stack)
    contact = body(out, escalation.resource)
    assert contact["alias"] == "app-escalation-plan"
    assert contact["type"] == "ESCALATION"
    assert contact["depends_on"] == [address(rs.resource)]
    plan = body(out, escalation.plan)
    assert plan["contact_id"] == ref(escalation.resource)
    assert plan["stage"] == [
        {
            "duration_in_minutes": 5,
            "target": [
                {
                    "contact_target_info": {
                        "contact_id": ref(responder.resource),
                        "is_essential": True,
                    }
                }
            ],
        },
        {
            "duration_in_minutes": 0,
            "target": [
                {
                    "contact_target_info": {
                        "contact_id": ref(senior.resource),
                        "is_essential": True,
                    }
                }
            ],
        },
    ]


def test_pulumi_seed_stage_with_mixed_parallel_targets() -> None:
    stack = new_stack()
    rs = replication_set(stack)
    one = email_contact(stack, rs, "contact-one")
    two = email_contact(stack, rs, "contact-two")
    seed = EscalationPlan(
        stack,
        "plan",
        EscalationPlanProps(
            alias="escalation-plan-alias",
            display_name="Seed plan",
            replication_set=rs,
            stages=[
                EscalationStage(
                    0,
                    [
                        ContactTarget(one, is_essential=False),
                        ContactTarget(two, is_essential=True),
                        ChannelTarget(one.channel("email"), retry_interval_minutes=2),
                    ],
                ),
                EscalationStage(10, []),
            ],
            tags={"team": "sre"},
        ),
    )
    out = synth(stack)
    plan = body(out, seed.plan)
    assert plan["stage"][0]["target"] == [
        {
            "contact_target_info": {
                "contact_id": ref(one.resource),
                "is_essential": False,
            }
        },
        {
            "contact_target_info": {
                "contact_id": ref(two.resource),
                "is_essential": True,
            }
        },
        {
            "channel_target_info": {
                "contact_channel_id": ref(one.channel("email").resource),
                "retry_interval_in_minutes": 2,
            }
        },
    ]
    assert plan["stage"][1] == {"duration_in_minutes": 10}


def test_an_escalation_plan_can_engage_another_escalation_plan() -> None:
    stack = new_stack()
    rs = replication_set(stack)
    inner = EscalationPlan(
        stack,
        "inner",
        EscalationPlanProps(
            alias="inner",
            replication_set=rs,
            stages=[EscalationStage(1, [ContactTarget(email_contact(stack, rs, "a"))])],
        ),
    )
    outer = EscalationPlan(
        stack,
        "outer",
        EscalationPlanProps(
            alias="outer", replication_set=rs, stages=[EscalationStage(0, [ContactTarget(inner)])]
        ),
    )
    out = synth(stack)
    target = body(out, outer.plan)["stage"][0]["target"][0]["contact_target_info"]
    assert target["contact_id"] == ref(inner.resource)


def test_fails_when_a_stage_is_too_long_or_an_empty_stage_has_no_duration() -> None:
    stack = new_stack()
    with pytest.raises(PropsError) as error:
        EscalationPlan(
            stack,
            "p",
            EscalationPlanProps(
                alias="p",
                replication_set=replication_set(stack),
                stages=[EscalationStage(31, []), EscalationStage(0, [])],
            ),
        )
    assert error.value.problems == (
        "stages[0].duration_in_minutes: 31; allowed 0 to 30",
        "stages[1]: a 0-minute stage must have at least one target",
    )
