"""The Terraform resource types a stack of this project holds, in the words people use for
them: what a plan summary or a refusal names ("on-call rotation", not
``aws_ssmcontacts_rotation``).

Imports: nothing.
"""

from __future__ import annotations

# Incident Manager's resources, in its own words.
KINDS = {
    "aws_ssmincidents_replication_set": "replication set",
    "aws_ssmcontacts_contact": "contact",
    "aws_ssmcontacts_contact_channel": "contact channel",
    "aws_ssmcontacts_plan": "engagement plan",
    "aws_ssmcontacts_rotation": "on-call rotation",
    "aws_ssmincidents_response_plan": "response plan",
}
# The other resources a stack holds around them.
OTHER_KINDS = {
    "aws_cloudwatch_metric_alarm": "CloudWatch alarm",
    "aws_iam_role": "runbook role",
    "aws_iam_role_policy": "runbook role policy",
    "aws_iam_role_policy_attachment": "runbook role policy attachment",
    "aws_kms_key": "KMS key",
    "aws_kms_replica_key": "KMS replica key",
    "aws_sns_topic": "SNS topic",
    "aws_sns_topic_policy": "SNS topic policy",
    "aws_ssm_document": "runbook document",
}
