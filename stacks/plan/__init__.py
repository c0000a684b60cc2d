"""From a synthesized stack to a checked plan and its apply: running Terraform (plan_flow), the
plan guard's refusals (plan_guard), the drift check (drift_check) and its words (drift_report).

Imports: the standard library, ``stacks.layout``, ``stacks.config`` (names and paths only),
``stacks.stack`` (synthesis before planning) and ``constructs_lib.provisioners`` (the
provisioners' records and the live comparisons of the drift check).
Never ``stacks.adopt``, ``stacks.paging``, ``local_aws`` or ``main``.
"""
