"""The tfplan.json kept for people holds no sensitive value (issue 17, finding 5), whatever the
plan's shape: secrets under Terraform's sensitive marks, and the same strings where a mark was
lost on the way (inside a longer string, in an unmarked attribute)."""

from __future__ import annotations

import json
from typing import Any

from hypothesis import given
from hypothesis import strategies as st

from stacks.plan.plan_flow import REDACTED, redacted

# With an "@", a secret is never a key or a word of the plan's own.
SECRETS = st.lists(
    st.text(alphabet="abcdefghijklmnopqrstuvwxyz0123456789.+", min_size=1, max_size=20).map(
        lambda local: f"{local}@example.test"
    ),
    min_size=1,
    max_size=3,
    unique=True,
)


def plan_of(secrets: list[str], nesting: int, marked: bool) -> dict[str, Any]:
    """A plan whose channels carry ``secrets``, ``nesting`` lists deep, marked or not."""
    value: Any = {"simple_address": secrets[0], "note": f"see {secrets[-1]} too"}
    marks: Any = {"simple_address": True} if marked else {}
    for _ in range(nesting):
        value, marks = [value], [marks]
    change = {"delivery_address": value, "name": "email"}
    sensitive = {"delivery_address": marks}
    return {
        "configuration": {
            "root_module": {
                "variables": {f"v{i}": {"sensitive": True} for i in range(len(secrets))}
                | {"plain": {}}
            }
        },
        "variables": {f"v{i}": {"value": s} for i, s in enumerate(secrets)}
        | {"plain": {"value": "us-east-1"}},
        "resource_changes": [
            {
                "address": "aws_ssmcontacts_contact_channel.c",
                "change": {
                    "actions": ["update"],
                    "before": change,
                    "after": change,
                    "before_sensitive": sensitive,
                    "after_sensitive": sensitive,
                },
            }
        ],
        "planned_values": {
            "root_module": {"resources": [{"values": change, "sensitive_values": sensitive}]}
        },
        "prior_state": {
            "values": {
                "root_module": {"resources": [{"values": change, "sensitive_values": sensitive}]},
                "outputs": {"o": {"sensitive": True, "value": secrets[0]}},
            }
        },
    }


@given(secrets=SECRETS, nesting=st.integers(0, 3), marked=st.booleans())
def test_no_sensitive_value_survives_redaction(
    secrets: list[str], nesting: int, marked: bool
) -> None:
    plan = plan_of(secrets, nesting, marked)
    text = json.dumps(redacted(plan))
    for secret in secrets:
        assert secret not in text
    # What is not secret stays readable, and the input is left as it was.
    assert '"plain": {"value": "us-east-1"}' in text
    assert REDACTED in text
    assert plan["variables"]["v0"]["value"] == secrets[0]
