"""The programs Terraform runs at apply time (the provisioners of the stack's ``terraform_data``
records): on-call schedules (oncall_schedule_sync) and rotations' shift coverages
(rotation_coverage_sync), with what they share: the contract with the constructs (contract:
record kinds, variable names, exit codes), AWS access and error reporting (aws_access), and
reading their records in a saved plan for the drift check (plan_records).

Synthesis copies this package, byte for byte, into each stack directory as
``incident_manager_provisioners/`` (``stacks.stack.synthesize``), and the provisioners run it
from there (``python3 -m incident_manager_provisioners.<module>``): a stack directory applies
with ``terraform``, ``python3`` and ``boto3`` only, wherever it is copied.

Imports: the standard library, boto3/botocore and this package's own modules, relatively
(``from .contract import ...``), so that the copy runs under its own name. Never cdktf, the
rest of ``constructs_lib``, ``stacks`` or ``local_aws`` (tests/constructs_lib/provisioners/
test_provisioners_travel.py holds this).
"""
