"""How `make rehearse` names what a plan changes (``local_aws.local_apply.label``)."""

from __future__ import annotations

from constructs_lib import TimeOfDay
from local_aws.local_apply import Change, label
from tests.constructs_lib.test_on_call_rotation import covered_rotation, span
from tests.synth_helpers import address, new_stack, synth


def test_a_coverage_record_is_named_after_its_rotation() -> None:
    stack = new_stack()
    rotation = covered_rotation(stack, {"MON": span(TimeOfDay(8, 30), TimeOfDay(17))})
    assert rotation.coverage is not None
    out = synth(stack)
    record = address(rotation.coverage)
    assert label(out, "terraform_data", record) == "coverage of on-call rotation business-hours"
    line = Change(record, "terraform_data", "replace").line(out)
    assert line == f"replaced          coverage of on-call rotation business-hours  ({record})"
    assert label(out, "aws_ssmcontacts_rotation", address(rotation.resource)) == (
        "on-call rotation business-hours"
    )
