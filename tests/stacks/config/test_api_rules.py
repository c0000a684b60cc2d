"""The API rules in stacks/config/api_rules.py and stacks/config/aws_regions.py match botocore's
models."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any, get_args

import botocore
import botocore.session
import pytest

from stacks.config import api_rules
from stacks.config.aws_regions import AWS_REGIONS, INCIDENT_MANAGER_REGIONS
from stacks.config.environment_config import (
    ChannelType,
    Day,
    DynamicParameterValue,
    Impact,
    TargetAccount,
)
from tests.conftest import PROJECT_ROOT

SESSION = botocore.session.get_session()


def shape(service: str, name: str) -> dict[str, Any]:
    model = SESSION.get_service_model(service)
    found: dict[str, Any] = model._shape_resolver._shape_map[name]
    return found


@pytest.mark.parametrize("rule", api_rules.STRING_RULES, ids=lambda r: r.source)
def test_string_rule_matches_the_service_model(rule: api_rules.ShapeRule) -> None:
    model = shape(rule.service, rule.shape)
    assert (rule.min, rule.max, rule.pattern) == (
        model.get("min"),
        model.get("max"),
        model.get("pattern"),
    )
    if rule.pattern:
        assert rule.words, "a pattern needs words for its error message"


@pytest.mark.parametrize("rule", api_rules.RANGE_RULES, ids=lambda r: f"{r[0]} {r[1]}")
def test_range_rule_matches_the_service_model(rule: tuple[str, str, int, int | None]) -> None:
    service, name, low, high = rule
    model = shape(service, name)
    assert (low, high) == (model.get("min"), model.get("max"))


@pytest.mark.parametrize(
    ("choices", "service", "name"),
    [
        (ChannelType, "ssm-contacts", "ChannelType"),
        (Day, "ssm-contacts", "DayOfWeek"),
        (TargetAccount, "ssm-incidents", "SsmTargetAccount"),
        (DynamicParameterValue, "ssm-incidents", "VariableType"),
    ],
)
def test_allowed_values_match_the_service_model(choices: Any, service: str, name: str) -> None:
    assert set(get_args(choices)) == set(shape(service, name)["enum"])


def test_impact_names_cover_the_api_range() -> None:
    from constructs_lib.response_plan import IMPACT_BY_NAME

    model = shape("ssm-incidents", "Impact")
    assert sorted(IMPACT_BY_NAME.values()) == list(range(model["min"], model["max"] + 1))
    assert list(IMPACT_BY_NAME) == list(get_args(Impact))


def test_every_rule_is_used_by_the_environment_schema() -> None:
    source = (PROJECT_ROOT / "stacks" / "config" / "environment_config.py").read_text(
        encoding="utf-8"
    )
    names = [n for n in dir(api_rules) if n.isupper() and n not in ("CONTACTS", "INCIDENTS")]
    rules = [n for n in names if isinstance(getattr(api_rules, n), api_rules.ShapeRule | tuple)]
    unused = [
        n for n in rules if n not in ("STRING_RULES", "RANGE_RULES") and f"api.{n}" not in source
    ]
    assert unused == []


def _endpoints() -> dict[str, Any]:
    path = Path(botocore.__file__).parent / "data" / "endpoints.json"
    data: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
    (aws,) = [p for p in data["partitions"] if p["partition"] == "aws"]
    partition: dict[str, Any] = aws
    return partition


def test_region_lists_match_botocores_endpoint_data() -> None:
    aws = _endpoints()
    assert sorted(AWS_REGIONS) == sorted(aws["regions"])
    served = [
        {r for r in aws["services"][service]["endpoints"] if r in aws["regions"]}
        for service in ("ssm-incidents", "ssm-contacts")
    ]
    assert sorted(INCIDENT_MANAGER_REGIONS) == sorted(served[0] & served[1])
