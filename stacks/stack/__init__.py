"""The Terraform side of an environment: the cdktf stack built from a loaded environment
(incident_manager_stack), its runbook roles, the import blocks of an adopted account, the HCL
string fixes, and synthesis into cdktf.out/ (synthesize).

Imports: the standard library, cdktf, ``constructs_lib``, ``stacks.layout`` and
``stacks.config``. Never ``stacks.plan``, ``stacks.adopt``, ``stacks.paging``, ``local_aws`` or
``main``.
"""

# Before cdktf: constructs_lib sets up how jsii's Node.js runtime loads the AWS provider, which
# it reads when it starts (constructs_lib/lazy_provider_index.py).
import constructs_lib  # noqa: F401
