"""A rotation's shift coverage, written through the AWS SDK because hashicorp/aws 5.100.0 reads
it back wrong.

The provider builds a coverage's start from ``Start.HourOfDay`` and ``End.MinuteOfHour``
(``flattenShiftCoverages``, ``internal/service/ssmcontacts/rotation.go``): 08:30-17:00 reads
back as 08:00-17:00. Left alone, such a rotation shows an update on every plan; hidden with
``ignore_changes`` alone, a later edit of the coverage would be dropped, and every other update
of the rotation (members, hand-off) would send the wrong read-back (08:00) to AWS. So:

- a rotation with a coverage whose start and end minutes differ ignores changes to
  ``recurrence[0].shift_coverages`` (``ignores_coverage``);
- every rotation with a coverage has a ``terraform_data`` (``RotationCoverage``) whose
  ``triggers_replace`` is the rotation's ARN and configured coverage, and whose
  ``replace_triggered_by`` is the rotation: a coverage edit replaces it, and so does any update
  of the rotation by the provider (checked with Terraform 1.11.4: the replacement is created
  after the rotation's update). Its ``local-exec`` provisioner runs
  ``provisioners/rotation_coverage_sync.py`` (its copy in the stack directory), which writes the
  configured coverage (GetRotation, then UpdateRotation with the live rotation and the
  configured ``ShiftCoverages``).

Rotations whose coverages all start and end on the same minute read back right, yet they need
the record too: an edit from 08:30-17:00 to 08:00-17:00 reaches the provider as "no change"
(08:30-17:00 already reads as 08:00-17:00), so only the record writes it.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import replace
from typing import Any

from cdktf import LocalExecProvisioner, TerraformResourceLifecycle
from constructs import Construct

from constructs_lib.aws import SsmcontactsRotation
from constructs_lib.oncall_schedule import ScheduleAccess, SyncCommand, hcl_safe
from constructs_lib.provisioners.contract import COVERAGE_KIND, COVERAGE_MODULE, COVERAGE_VARIABLE
from constructs_lib.terraform_data import TerraformData

# The attribute the provider reads back wrong, as ignore_changes names it.
COVERAGE_ATTRIBUTE = "recurrence[0].shift_coverages"

# Weekday -> "HH:MM-HH:MM" spans, in weekday order and sorted.
Spans = Mapping[str, Sequence[str]]


def ignores_coverage(spans: Spans) -> bool:
    """Whether the provider reads ``spans`` back wrong: some start minute differs from its end
    minute (``HH:MM-HH:MM``)."""
    return any(span[3:5] != span[9:11] for texts in spans.values() for span in texts)


class RotationCoverage(TerraformData):
    """The ``terraform_data`` that writes ``rotation``'s configured coverage whenever it or the
    rotation changes; acting with the stack's account and role (``access``)."""

    def __init__(
        self,
        scope: Construct,
        id: str,
        *,
        rotation: SsmcontactsRotation,
        name: str,
        spans: Spans,
        access: ScheduleAccess,
        sync: SyncCommand,
    ) -> None:
        coverage = {day: list(texts) for day, texts in spans.items()}
        command = replace(sync, module=COVERAGE_MODULE)
        super().__init__(
            scope,
            id,
            triggers_replace=hcl_safe({"arn": rotation.arn, "shift_coverages": coverage}),
            input=hcl_safe(
                {
                    "kind": COVERAGE_KIND,
                    "arn": rotation.arn,
                    "name": name,
                    **access.as_json(),
                    "shift_coverages": coverage,
                }
            ),
            # Any update of the rotation by the provider re-sends the coverage it read back.
            lifecycle=TerraformResourceLifecycle(replace_triggered_by=[rotation]),
            provisioners=[
                LocalExecProvisioner(
                    type="local-exec",
                    **command.local_exec("apply", "self.input", variable=COVERAGE_VARIABLE),
                )
            ],
        )
        self._rotation = rotation

    def to_terraform(self) -> Any:
        # cdktf 0.21 writes replace_triggered_by as "${address}" in JSON too, which Terraform
        # refuses there ("Invalid character"; hashicorp/terraform-cdk#3196, #3645): JSON takes the
        # bare address. HCL (to_hcl_terraform) keeps "${address}", which Terraform takes in HCL.
        result = super().to_terraform()
        body = result["resource"][self.terraform_resource_type][self.friendly_unique_id]
        rotation = self._rotation
        address = f"{rotation.terraform_resource_type}.{rotation.friendly_unique_id}"
        body["lifecycle"]["replace_triggered_by"] = [address]
        return result
