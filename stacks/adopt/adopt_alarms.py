"""The ``alarms:`` entries of the CloudWatch alarms that open incidents. An alarm the file
cannot express exactly is left out (it stays as it is, unmanaged, and keeps opening incidents)
and reported: metric math, anomaly detection, composite and log alarms, settings newer than
provider 5.100.0, several response plans, a statistic other than a percentile, an alarm another
tool manages."""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from stacks.adopt.adopt_topics import CLOUDFORMATION_TAG
from stacks.adopt.read_topics_alarms import LiveAlarms, incident_action_prefix

Json = dict[str, Any]
STATISTICS = ("SampleCount", "Average", "Sum", "Minimum", "Maximum")
INCIDENTS_ARN = "arn:aws:ssm-incidents:"
PERCENTILE = re.compile(r"p(\d{1,2}(\.\d{1,2})?|100)")
COMPARISONS = (
    "GreaterThanOrEqualToThreshold",
    "GreaterThanThreshold",
    "LessThanThreshold",
    "LessThanOrEqualToThreshold",
)

# Alarm settings of newer CloudWatch APIs (botocore's MetricAlarm) that hashicorp/aws 5.100.0
# has no argument for: an import shows nothing, and the first edit's PutMetricAlarm, which
# replaces the whole alarm, would drop them. Each is a reason only when it differs from what an
# alarm without it does (CloudWatch API reference: the sliding window is the default).
NEWER_SETTINGS: dict[str, tuple[str, Any]] = {
    "EvaluationWindow": ("a wall clock evaluation window", lambda v: "WallClockWindow" in v),
    "WarmUpConfiguration": (
        "a warm-up period",
        lambda v: bool(v.get("WarmUpPeriodDurationInMinutes")),
    ),
    "EvaluationCriteria": ("a PromQL query", bool),
    "EvaluationInterval": ("an evaluation interval (PromQL)", bool),
    "ActionConfiguration": (
        "alarm tag propagation",
        lambda v: bool(v.get("AlarmTagsPropagation", {}).get("Enabled")),
    ),
}


@dataclass
class AlarmAdoption:
    """The ``alarms:`` entries, import IDs (alarm names per region) and the report."""

    entries: list[Json] = field(default_factory=list)
    imports: dict[str, list[str]] = field(default_factory=dict)
    report: list[str] = field(default_factory=list)


def _number(value: float) -> float | int:
    """85.0 as 85 (the file reads as people wrote it; the plan compares numbers)."""
    return int(value) if float(value).is_integer() else value


def _why_not(
    alarm: Json, tags: Mapping[str, str], prefix: str, plans: Mapping[str, str]
) -> str | None:
    """Why the environment file cannot express ``alarm`` exactly, or None."""
    newer = [
        words
        for key, (words, is_set) in NEWER_SETTINGS.items()
        if key in alarm and is_set(alarm[key])
    ]
    if newer:
        return (
            f"it has {', '.join(newer)}, which provider 5.100.0 cannot express (an edit "
            "would drop it)"
        )
    if alarm.get("Metrics"):
        if alarm.get("ThresholdMetricId"):
            return "an anomaly detection alarm (its threshold is a band)"
        return "a metric math alarm (it evaluates an expression over several metrics)"
    openers = [a for a in alarm.get("AlarmActions", []) if a.startswith(INCIDENTS_ARN)]
    strangers = [a for a in openers if not a.startswith(prefix)]
    if strangers:
        return f"it opens incidents with a response plan of another account ({strangers[0]})"
    if len(openers) > 1:
        names = ", ".join(a.rsplit("/", 1)[-1] for a in openers)
        return f"its actions open incidents with several response plans ({names})"
    if not openers:
        return "none of its alarm actions opens an incident"
    if not openers[0].startswith(f"{prefix}response-plan/"):
        # The file names the plan; the stack writes the plan's own ARN (response-plan/): any
        # other spelling would show as a change on the first plan.
        return (
            f"its action {openers[0]} spells the response plan differently from the plan's ARN "
            f"({prefix}response-plan/...); put the plan's own ARN in the alarm's actions "
            "(put-metric-alarm), then adopt again"
        )
    if openers[0] not in plans:
        return f"opens incidents with {openers[0]}, a response plan that was not adopted"
    for section in ("OKActions", "InsufficientDataActions"):
        if any(a.startswith(INCIDENTS_ARN) for a in alarm.get(section, [])):
            return f"its {section} open incidents too"
    stack = tags.get(CLOUDFORMATION_TAG)
    if stack:
        return f"managed by CloudFormation stack {stack!r}"
    extended = alarm.get("ExtendedStatistic")
    if extended and not PERCENTILE.fullmatch(extended):
        return f"its statistic {extended!r} is not a percentile (only pNN statistics are expressed)"
    if not extended and alarm.get("Statistic") not in STATISTICS:
        return f"its statistic {alarm.get('Statistic')!r} is not one of {', '.join(STATISTICS)}"
    if alarm.get("ComparisonOperator") not in COMPARISONS:
        return f"its comparison {alarm.get('ComparisonOperator')!r} is not expressed"
    if not alarm.get("Namespace") or not alarm.get("MetricName"):
        return "it watches no single metric"
    return None


def _entry(alarm: Json, tags: Mapping[str, str], region: str, env_region: str, plan: str) -> Json:
    others = [a for a in alarm.get("AlarmActions", []) if not a.startswith(INCIDENTS_ARN)]
    entry: Json = {"name": alarm["AlarmName"]}
    if region != env_region:
        entry["region"] = region
    entry["response_plan"] = plan
    if alarm.get("AlarmDescription"):
        entry["description"] = alarm["AlarmDescription"]
    statistic = alarm.get("ExtendedStatistic") or alarm["Statistic"]
    metric: Json = {"namespace": alarm["Namespace"], "name": alarm["MetricName"]}
    dimensions = {d["Name"]: d["Value"] for d in alarm.get("Dimensions", [])}
    if dimensions:
        metric["dimensions"] = dict(sorted(dimensions.items()))
    metric["statistic"] = statistic
    metric["period_seconds"] = alarm["Period"]
    if alarm.get("Unit"):
        metric["unit"] = alarm["Unit"]
    entry["metric"] = metric
    entry["comparison"] = alarm["ComparisonOperator"]
    entry["threshold"] = _number(alarm["Threshold"])
    entry["evaluation_periods"] = alarm["EvaluationPeriods"]
    if alarm.get("DatapointsToAlarm"):
        entry["datapoints_to_alarm"] = alarm["DatapointsToAlarm"]
    # The provider reads an alarm without TreatMissingData as "missing", the file's default.
    if alarm.get("TreatMissingData") not in (None, "missing"):
        entry["treat_missing_data"] = alarm["TreatMissingData"]
    # Meaningful for percentiles only; the provider keeps any other alarm's value as it is.
    low_samples = alarm.get("EvaluateLowSampleCountPercentile")
    if low_samples and PERCENTILE.fullmatch(statistic):
        entry["evaluate_low_sample_count_percentiles"] = low_samples
    for key, section in (
        ("alarm_actions", others),
        ("ok_actions", alarm.get("OKActions", [])),
        ("insufficient_data_actions", alarm.get("InsufficientDataActions", [])),
    ):
        if section:
            entry[key] = sorted(section)
    if alarm.get("ActionsEnabled") is False:
        entry["actions_enabled"] = False
    own_tags = {k: v for k, v in tags.items() if not k.startswith("aws:")}
    if own_tags:
        entry["tags"] = dict(sorted(own_tags.items()))
    return entry


def adopt_alarms(
    regions: list[LiveAlarms], account_id: str, env_region: str, plans: Mapping[str, str]
) -> AlarmAdoption:
    """Entries for the alarms the file can express; ``plans`` maps response plan ARNs to the
    names of the adopted plans. The environment's region first, then the others by name."""
    prefix = incident_action_prefix(account_id)
    result = AlarmAdoption()
    for live in sorted(regions, key=lambda r: (r.region != env_region, r.region)):
        for alarm, tags in sorted(live.metric_alarms, key=lambda a: str(a[0]["AlarmName"])):
            reason = _why_not(alarm, tags, prefix, plans)
            if reason is not None:
                result.report.append(
                    f"alarm {alarm['AlarmName']!r} ({live.region}): {reason}; left out, not "
                    "managed (it stays as it is and keeps opening incidents)"
                )
                continue
            opener = next(a for a in alarm["AlarmActions"] if a.startswith(INCIDENTS_ARN))
            result.entries.append(_entry(alarm, tags, live.region, env_region, plans[opener]))
            result.imports.setdefault(live.region, []).append(alarm["AlarmName"])
        for alarm in sorted(live.composite_alarms, key=lambda a: str(a["AlarmName"])):
            result.report.append(
                f"alarm {alarm['AlarmName']!r} ({live.region}): a composite alarm (rule "
                f"{alarm.get('AlarmRule', '')!r}); alarms: takes one metric, so it is left out, "
                "not managed (it stays as it is and keeps opening incidents)"
            )
        for alarm in sorted(live.log_alarms, key=lambda a: str(a["AlarmName"])):
            result.report.append(
                f"alarm {alarm['AlarmName']!r} ({live.region}): a log alarm (a scheduled Logs "
                "Insights query), which provider 5.100.0 has no resource for; left out, not "
                "managed (it stays as it is and keeps opening incidents)"
            )
    return result
