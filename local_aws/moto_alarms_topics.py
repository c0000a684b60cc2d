"""Where moto 5.2.5's CloudWatch, SNS and CloudFormation differ from what AWS documents, in the
parts that adopting alarms and topics reads: fixed here, from the AWS API references.

- CloudWatch ``DescribeAlarms``: "If you omit [AlarmTypes], only metric alarms are returned,
  even if composite alarms exist in the account"; moto returns both whatever is asked.
- CloudWatch ``PutCompositeAlarm``: not implemented by moto (HTTP 500). Its alarm model already
  holds an ``AlarmRule``; the operation stores one through it.
- SNS ``GetTopicAttributes``: moto returns a fixed set and drops the attributes it stored from
  ``CreateTopic``/``SetTopicAttributes`` such as ``TracingConfig``, ``SignatureVersion``,
  ``ArchivePolicy`` and the delivery-status feedback roles; AWS returns them once set.
- SNS ``PutDataProtectionPolicy``/``GetDataProtectionPolicy``: not implemented by moto.
- CloudFormation: AWS tags what a stack creates with ``aws:cloudformation:stack-name``,
  ``stack-id`` and ``logical-id`` (and the stack's own tags); moto does so for EC2 resources
  only. Done here for SNS topics, the resource adoption checks it on.

Like ``moto_glue``, this touches moto internals (response classes, ``ResourceMap``);
tests/local_aws/test_moto_alarms_topics.py fails loudly when an upgrade moves them.
"""

from __future__ import annotations

from typing import Any

from moto.cloudformation.parsing import ResourceMap
from moto.cloudwatch.responses import CloudWatchResponse
from moto.core.responses import ActionResult, EmptyResult
from moto.core.utils import camelcase_to_underscores
from moto.sns.models import Topic, sns_backends
from moto.sns.responses import SNSResponse

_FIXED = "_local_aws_fixed"
# GetTopicAttributes members moto stores but does not return (AWS SNS API reference,
# GetTopicAttributes and SetTopicAttributes).
OPTIONAL_TOPIC_ATTRIBUTES = (
    "ArchivePolicy",
    "FifoThroughputScope",
    "SignatureVersion",
    "TracingConfig",
    *(
        f"{protocol}{kind}"
        for protocol in ("Application", "Firehose", "HTTP", "Lambda", "SQS")
        for kind in (
            "SuccessFeedbackRoleArn",
            "FailureFeedbackRoleArn",
            "SuccessFeedbackSampleRate",
        )
    ),
)
STACK_TAGS = ("aws:cloudformation:stack-name", "aws:cloudformation:stack-id")


def _once(owner: type, name: str, replacement: Any) -> None:
    if getattr(getattr(owner, name, None), _FIXED, False):
        return
    setattr(replacement, _FIXED, True)
    setattr(owner, name, replacement)


def fix_alarms_and_topics() -> None:
    """Apply every fix of this module (idempotent)."""
    original_describe = CloudWatchResponse.describe_alarms

    def describe_alarms(self: CloudWatchResponse) -> ActionResult:
        answer = original_describe(self)
        result = dict(answer.result)  # type: ignore[call-overload]
        types = self._get_param("AlarmTypes") or ["MetricAlarm"]
        for kind, key in (("MetricAlarm", "MetricAlarms"), ("CompositeAlarm", "CompositeAlarms")):
            if kind not in types:
                result[key] = []
        return ActionResult(result)

    def put_composite_alarm(self: CloudWatchResponse) -> EmptyResult:
        enabled = self._get_bool_param("ActionsEnabled")
        self.cloudwatch_backend.put_metric_alarm(
            name=self._get_param("AlarmName"),
            namespace=None,  # type: ignore[arg-type]
            metric_name=None,  # type: ignore[arg-type]
            comparison_operator=None,  # type: ignore[arg-type]
            evaluation_periods=None,  # type: ignore[arg-type]
            period=None,  # type: ignore[arg-type]
            threshold=None,  # type: ignore[arg-type]
            statistic=None,  # type: ignore[arg-type]
            description=self._get_param("AlarmDescription"),
            dimensions=[],
            alarm_actions=self._get_param("AlarmActions", []),
            ok_actions=self._get_param("OKActions", []),
            insufficient_data_actions=self._get_param("InsufficientDataActions", []),
            actions_enabled=True if enabled is None else enabled,
            rule=self._get_param("AlarmRule"),
            tags=self._get_param("Tags", []),
        )
        return EmptyResult()

    original_attributes = SNSResponse.get_topic_attributes

    def get_topic_attributes(self: SNSResponse) -> ActionResult:
        answer = original_attributes(self)
        result = dict(answer.result)  # type: ignore[call-overload]
        topic = self.backend.get_topic(self._get_param("TopicArn"))
        attributes = dict(result["Attributes"])
        for name in OPTIONAL_TOPIC_ATTRIBUTES:
            value = getattr(topic, camelcase_to_underscores(name), None)
            if value not in (None, ""):
                attributes[name] = str(value)
        result["Attributes"] = attributes
        return ActionResult(result)

    def put_data_protection_policy(self: SNSResponse) -> EmptyResult:
        topic = self.backend.get_topic(self._get_param("ResourceArn"))
        topic.local_aws_data_protection_policy = self._get_param("DataProtectionPolicy")  # type: ignore[attr-defined]
        return EmptyResult()

    def get_data_protection_policy(self: SNSResponse) -> ActionResult:
        topic: Topic = self.backend.get_topic(self._get_param("ResourceArn"))
        policy = getattr(topic, "local_aws_data_protection_policy", None)
        return ActionResult({"DataProtectionPolicy": policy} if policy else {})

    original_create = ResourceMap.create

    def create(self: ResourceMap, template: dict[str, Any]) -> bool:
        ready = original_create(self, template)
        backend = sns_backends[self._account_id][self._region_name]
        stack_tags = {k: v for k, v in self.tags.items() if k != "aws:cloudformation:logical-id"}
        for logical_id, body in self._resource_json_map.items():
            if not isinstance(body, dict) or body.get("Type") != "AWS::SNS::Topic":
                continue
            topic = self[logical_id]
            if isinstance(topic, Topic):
                backend.tag_resource(
                    topic.arn, {**stack_tags, "aws:cloudformation:logical-id": logical_id}
                )
        return ready

    _once(CloudWatchResponse, "describe_alarms", describe_alarms)
    _once(CloudWatchResponse, "put_composite_alarm", put_composite_alarm)
    _once(SNSResponse, "get_topic_attributes", get_topic_attributes)
    _once(SNSResponse, "put_data_protection_policy", put_data_protection_policy)
    _once(SNSResponse, "get_data_protection_policy", get_data_protection_policy)
    _once(ResourceMap, "create", create)
