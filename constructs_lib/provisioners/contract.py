"""What the stack and its provisioners agree on: the ``kind`` that marks each ``terraform_data``
record, the environment variable its JSON travels in, how a provisioner's command finds this
package in the stack directory, and the provisioners' exit codes.

The one copy: the constructs (``constructs_lib/oncall_schedule.py``,
``constructs_lib/rotation_coverage.py``), synthesis, the plan guard, adoption and the local
apply import these names from here.
"""

from __future__ import annotations

from typing import Any, TypeGuard

# Where synthesis copies this package in each stack directory (a Python package name: the
# provisioners run ``python3 -m incident_manager_provisioners.<module>`` in that directory).
PACKAGE_IN_STACK = "incident_manager_provisioners"
SCHEDULE_MODULE = "oncall_schedule_sync"
COVERAGE_MODULE = "rotation_coverage_sync"
# The interpreter a provisioner runs, read by its shell at apply time: python3 from PATH unless
# this variable names another (make sets it to the project's .venv/bin/python).
PYTHON_VARIABLE = "IM_PYTHON"
DEFAULT_PYTHON = "python3"

SCHEDULE_VARIABLE = "IM_ONCALL_SCHEDULE"
# ``input.kind`` of the two terraform_data resources; the plan guard and ``check`` find them by it.
IDENTITY_KIND = "ssm-contacts-oncall-schedule"
SETTINGS_KIND = "ssm-contacts-oncall-schedule-settings"
COVERAGE_VARIABLE = "IM_ROTATION_COVERAGE"
COVERAGE_KIND = "ssm-contacts-rotation-coverage"

EXIT_OK = 0
EXIT_FAILED = 1
EXIT_BAD_INPUT = 2
EXIT_DRIFT = 4
# As a shell reports a program ended by SIGINT (128 + 2).
EXIT_INTERRUPTED = 130


def is_coverage_input(data: object) -> TypeGuard[dict[str, Any]]:
    """Whether a ``terraform_data``'s ``input`` is a rotation's shift coverage record."""
    return isinstance(data, dict) and data.get("kind") == COVERAGE_KIND
