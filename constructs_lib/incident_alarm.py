"""A CloudWatch metric alarm that opens an incident with a response plan when it fires."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Literal

from constructs import Construct

from constructs_lib.aws import CloudwatchMetricAlarm
from constructs_lib.response_plan import ResponsePlan

ComparisonOperator = Literal[
    "GreaterThanOrEqualToThreshold",
    "GreaterThanThreshold",
    "LessThanThreshold",
    "LessThanOrEqualToThreshold",
]
Statistic = Literal["SampleCount", "Average", "Sum", "Minimum", "Maximum"]
TreatMissingData = Literal["missing", "ignore", "breaching", "notBreaching"]


@dataclass(frozen=True)
class IncidentAlarmProps:
    """Props of ``IncidentAlarm``: one metric compared with a threshold."""

    alarm_name: str
    response_plan: ResponsePlan
    namespace: str
    metric_name: str
    threshold: float
    comparison_operator: ComparisonOperator = "GreaterThanThreshold"
    statistic: Statistic = "Average"
    period_seconds: int = 300
    evaluation_periods: int = 1
    datapoints_to_alarm: int | None = None
    dimensions: Mapping[str, str] = field(default_factory=dict)
    treat_missing_data: TreatMissingData = "missing"
    description: str | None = None
    tags: Mapping[str, str] = field(default_factory=dict)


class IncidentAlarm(Construct):
    """Creates the alarm; its only alarm action is the response plan's ARN, which makes
    CloudWatch start an incident with that plan."""

    def __init__(self, scope: Construct, id: str, props: IncidentAlarmProps) -> None:
        super().__init__(scope, id)
        self.props = props
        self.resource = CloudwatchMetricAlarm(
            self,
            "Resource",
            alarm_name=props.alarm_name,
            alarm_description=props.description,
            namespace=props.namespace,
            metric_name=props.metric_name,
            dimensions=dict(sorted(props.dimensions.items())) or None,
            statistic=props.statistic,
            period=props.period_seconds,
            evaluation_periods=props.evaluation_periods,
            datapoints_to_alarm=props.datapoints_to_alarm,
            threshold=props.threshold,
            comparison_operator=props.comparison_operator,
            treat_missing_data=props.treat_missing_data,
            alarm_actions=[props.response_plan.response_plan_arn],
            tags=dict(props.tags) or None,
        )

    @property
    def alarm_arn(self) -> str:
        return self.resource.arn
