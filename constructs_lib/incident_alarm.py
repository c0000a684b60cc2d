"""A CloudWatch metric alarm that opens an incident with a response plan when it fires."""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Literal

from constructs import Construct

from constructs_lib.aws import AwsProvider, CloudwatchMetricAlarm
from constructs_lib.props_error import raise_if_any
from constructs_lib.response_plan import ResponsePlan

ComparisonOperator = Literal[
    "GreaterThanOrEqualToThreshold",
    "GreaterThanThreshold",
    "LessThanThreshold",
    "LessThanOrEqualToThreshold",
]
Statistic = Literal["SampleCount", "Average", "Sum", "Minimum", "Maximum"]
STATISTICS: tuple[Statistic, ...] = ("SampleCount", "Average", "Sum", "Minimum", "Maximum")
# A percentile, CloudWatch's simplest extended statistic: p0 to p100, up to two decimals.
PERCENTILE = re.compile(r"p(\d{1,2}(\.\d{1,2})?|100)")
TreatMissingData = Literal["missing", "ignore", "breaching", "notBreaching"]
LowSampleCountPercentiles = Literal["evaluate", "ignore"]


@dataclass(frozen=True)
class IncidentAlarmProps:
    """Props of ``IncidentAlarm``: one metric compared with a threshold.

    ``statistic`` is a standard statistic or a percentile such as ``p99``. ``alarm_actions``
    are ARNs notified besides opening the incident; ``provider`` places the alarm in another
    region (an aliased provider), since an alarm watches metrics of its own region.
    """

    alarm_name: str
    response_plan: ResponsePlan
    namespace: str
    metric_name: str
    threshold: float
    comparison_operator: ComparisonOperator = "GreaterThanThreshold"
    statistic: str = "Average"
    period_seconds: int = 300
    evaluation_periods: int = 1
    datapoints_to_alarm: int | None = None
    dimensions: Mapping[str, str] = field(default_factory=dict)
    treat_missing_data: TreatMissingData = "missing"
    evaluate_low_sample_count_percentiles: LowSampleCountPercentiles | None = None
    unit: str | None = None
    description: str | None = None
    alarm_actions: Sequence[str] = ()
    ok_actions: Sequence[str] = ()
    insufficient_data_actions: Sequence[str] = ()
    actions_enabled: bool = True
    provider: AwsProvider | None = None
    tags: Mapping[str, str] = field(default_factory=dict)


class IncidentAlarm(Construct):
    """Creates the alarm; its first alarm action is the response plan's ARN, which makes
    CloudWatch start an incident with that plan."""

    def __init__(self, scope: Construct, id: str, props: IncidentAlarmProps) -> None:
        super().__init__(scope, id)
        self.props = props
        raise_if_any(f"IncidentAlarm {props.alarm_name!r}", _problems(props))
        percentile = props.statistic not in STATISTICS
        self.resource = CloudwatchMetricAlarm(
            self,
            "Resource",
            provider=props.provider,
            alarm_name=props.alarm_name,
            alarm_description=props.description,
            namespace=props.namespace,
            metric_name=props.metric_name,
            dimensions=dict(sorted(props.dimensions.items())) or None,
            # The provider takes a percentile as extended_statistic, never both.
            statistic=None if percentile else props.statistic,
            extended_statistic=props.statistic if percentile else None,
            evaluate_low_sample_count_percentiles=props.evaluate_low_sample_count_percentiles,
            unit=props.unit,
            period=props.period_seconds,
            evaluation_periods=props.evaluation_periods,
            datapoints_to_alarm=props.datapoints_to_alarm,
            threshold=props.threshold,
            comparison_operator=props.comparison_operator,
            treat_missing_data=props.treat_missing_data,
            alarm_actions=[props.response_plan.response_plan_arn, *props.alarm_actions],
            ok_actions=list(props.ok_actions) or None,
            insufficient_data_actions=list(props.insufficient_data_actions) or None,
            # Written only when off: the provider's default is on.
            actions_enabled=False if not props.actions_enabled else None,
            tags=dict(props.tags) or None,
        )

    @property
    def alarm_arn(self) -> str:
        return self.resource.arn


def _problems(props: IncidentAlarmProps) -> list[str]:
    problems = []
    percentile = PERCENTILE.fullmatch(props.statistic) is not None
    if props.statistic not in STATISTICS and not percentile:
        problems.append(
            f"statistic {props.statistic!r}: one of {', '.join(STATISTICS)}, or a percentile "
            "p0 to p100 (p99, p99.9)"
        )
    if props.evaluate_low_sample_count_percentiles and not percentile:
        problems.append("evaluate_low_sample_count_percentiles: for percentile statistics only")
    return problems
