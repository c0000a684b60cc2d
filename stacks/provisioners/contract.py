"""What the stack and its provisioners agree on: the ``kind`` that marks each ``terraform_data``
record, the environment variable its JSON travels in, and the provisioners' exit codes.

constructs_lib writes the same strings (``constructs_lib/oncall_schedule.py``,
``constructs_lib/rotation_coverage.py``; constructs_lib imports nothing of stacks): the snapshot
tests and tests/stacks/provisioners/test_oncall_schedule_sync.py hold the two in step.
"""

from __future__ import annotations

from typing import Any, TypeGuard

SCHEDULE_VARIABLE = "IM_ONCALL_SCHEDULE"
# ``input.kind`` of the two terraform_data resources; the plan guard and ``check`` find them by it.
IDENTITY_KIND = "ssm-contacts-oncall-schedule"
SETTINGS_KIND = "ssm-contacts-oncall-schedule-settings"
# Must match constructs_lib/rotation_coverage.py (COVERAGE_KIND, COVERAGE_VARIABLE).
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
