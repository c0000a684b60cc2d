"""The programs Terraform runs at apply time (the provisioners of the stack's ``terraform_data``
records) and the drift check ``make plan-check`` runs with them: on-call schedules
(oncall_schedule_sync) and rotations' shift coverages (rotation_coverage_sync), with what they
share: the contract with the stack (contract: record kinds, variable names, exit codes), AWS
access and error reporting (aws_access), and reading their records in a saved plan
(plan_records).

Imports: the standard library, boto3/botocore and ``stacks.plan.drift_report`` (the drift
check's words) only. Never cdktf, ``constructs_lib``, ``stacks.config`` or ``stacks.stack``:
these modules run wherever Terraform applies, with nothing but Python and boto3.
"""
