"""Write an on-call rotation's shift coverage through the AWS SDK, and check it for drift.

hashicorp/aws 5.100.0 reads a coverage's start minute back as its end minute
(``flattenShiftCoverages`` in ``internal/service/ssmcontacts/rotation.go`` builds the start from
``Start.HourOfDay`` and ``End.MinuteOfHour``): 08:30-17:00 reads as 08:00-17:00. Terraform then
cannot tell 08:30-17:00 from 08:00-17:00, and every update of the rotation sends the coverage it
read. So the stack writes each rotation's coverage itself (``constructs_lib/rotation_coverage.py``:
a ``terraform_data`` per rotation with a coverage, replaced whenever the coverage or the rotation
changes), with this module::

    # in the stack directory; JSON in $IM_ROTATION_COVERAGE:
    python3 -m incident_manager_provisioners.rotation_coverage_sync apply

``apply`` reads the rotation (GetRotation) and, unless its coverage already is the config's,
sends UpdateRotation with everything as it is live and the config's ``ShiftCoverages``.
``make plan-check`` (and ``python -m stacks.plan.drift_check PLAN_JSON``)
compares the live coverages with the config through ``check_coverages``, since Terraform cannot.

It acts with the stack's account and role, exactly as the on-call schedules do
(``aws_access.account_session``, with its retries). Exit status: 0 written
or already right; 1 refused or failed (wrong account, no such rotation, an AWS error); 2 bad
input; 130 interrupted (Ctrl-C).
"""

from __future__ import annotations

import os
import re
import sys
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from .aws_access import (
    AssumeRole,
    SyncError,
    account_session,
    command_parser,
    exit_on_ctrl_c,
    found_or_none,
    json_record,
    json_variable,
    run_command,
)
from .contract import (
    COVERAGE_KIND,
    COVERAGE_MODULE,
    COVERAGE_VARIABLE,
    EXIT_BAD_INPUT,
)
from .plan_records import Restore, planned_records

DAYS = ("MON", "TUE", "WED", "THU", "FRI", "SAT", "SUN")
_SPAN = re.compile(r"(?P<sh>[01]\d|2[0-3]):(?P<sm>[0-5]\d)-(?P<eh>[01]\d|2[0-3]):(?P<em>[0-5]\d)")

Json = dict[str, Any]
# Weekday -> "HH:MM-HH:MM" spans, sorted; days without coverage left out.
Spans = dict[str, tuple[str, ...]]
EPILOG = """\
example:
  IM_ROTATION_COVERAGE='{"arn": ..., "shift_coverages": {"MON": ["08:30-17:00"]}, ...}' \\
    python3 -m incident_manager_provisioners.rotation_coverage_sync apply

exit status: 0 written or already as configured; 1 refused (other account), no such rotation
or AWS error; 2 bad input; 130 interrupted (Ctrl-C).

environment: IM_ROTATION_COVERAGE, the AWS SDK's credential chain (AWS_PROFILE,
AWS_ACCESS_KEY_ID, ...), AWS_ENDPOINT_URL, AWS_ENDPOINT_URL_SSM_CONTACTS, AWS_ENDPOINT_URL_STS,
AWS_RETRY_MODE / AWS_MAX_ATTEMPTS (default: standard, 13 attempts).
"""


def _spans_from_json(data: object, where: str) -> Spans:
    if not isinstance(data, dict) or not data:
        raise SyncError(
            f"{where}: shift_coverages must be an object of weekday -> list of HH:MM-HH:MM",
            EXIT_BAD_INPUT,
        )
    found: Spans = {}
    for day in data:
        spans = data[day]
        if day not in DAYS:
            raise SyncError(
                f"{where}: shift_coverages: unknown day {day!r}; allowed: {', '.join(DAYS)}",
                EXIT_BAD_INPUT,
            )
        if not isinstance(spans, list) or not spans:
            raise SyncError(
                f"{where}: shift_coverages.{day}: expected a list of HH:MM-HH:MM", EXIT_BAD_INPUT
            )
        for span in spans:
            if not isinstance(span, str) or not _SPAN.fullmatch(span):
                raise SyncError(
                    f"{where}: shift_coverages.{day}: {span!r} is not HH:MM-HH:MM (00:00-23:59)",
                    EXIT_BAD_INPUT,
                )
        found[day] = tuple(sorted(spans))
    return {day: found[day] for day in DAYS if day in found}


def spans_of(api: Mapping[str, Sequence[Json]] | None) -> Spans:
    """``Recurrence.ShiftCoverages`` as the API holds it, in the config's words."""

    def text(time: Json) -> str:
        return f"{int(time['HourOfDay']):02d}:{int(time['MinuteOfHour']):02d}"

    api = api or {}
    return {
        day: tuple(sorted(f"{text(c['Start'])}-{text(c['End'])}" for c in api[day]))
        for day in DAYS
        if api.get(day)
    }


def api_shape(spans: Spans) -> dict[str, list[Json]]:
    """``spans`` as ``Recurrence.ShiftCoverages`` of UpdateRotation."""
    shaped: dict[str, list[Json]] = {}
    for day, texts in spans.items():
        shaped[day] = []
        for span in texts:
            match = _SPAN.fullmatch(span)
            if match is None:  # _spans_from_json lets none through
                raise SyncError(
                    f"shift_coverages.{day}: {span!r} is not HH:MM-HH:MM", EXIT_BAD_INPUT
                )
            shaped[day].append(
                {
                    "Start": {"HourOfDay": int(match["sh"]), "MinuteOfHour": int(match["sm"])},
                    "End": {"HourOfDay": int(match["eh"]), "MinuteOfHour": int(match["em"])},
                }
            )
    return shaped


def describe(spans: Mapping[str, Sequence[str]]) -> str:
    """``MON TUE WED THU FRI 08:30-17:00``: days with the same hours together, weekday order."""
    if not spans:
        return "none (on call around the clock)"
    groups: dict[tuple[str, ...], list[str]] = {}
    for day, texts in spans.items():
        groups.setdefault(tuple(texts), []).append(day)
    return "; ".join(f"{' '.join(days)} {', '.join(texts)}" for texts, days in groups.items())


def differences(
    config: Mapping[str, Sequence[str]], live: Mapping[str, Sequence[str]]
) -> list[str]:
    """Each weekday whose live hours differ from the config's, in words."""
    found = []
    for day in DAYS:
        want, have = tuple(config.get(day, ())), tuple(live.get(day, ()))
        if want != have:
            found.append(
                f"{day} is {', '.join(have) or 'not covered'}, "
                f"config says {', '.join(want) or 'not covered'}"
            )
    return found


@dataclass(frozen=True)
class RotationCoverage:
    """A rotation's configured coverage (the ``input`` of its terraform_data)."""

    arn: str
    name: str
    region: str
    account_id: str
    shift_coverages: Spans
    assume_role: AssumeRole | None = None

    @classmethod
    def from_json(cls, data: object, where: str) -> RotationCoverage:
        data = json_record(data, where, ("arn", "name", "region", "account_id"))
        return cls(
            arn=str(data["arn"]),
            name=str(data["name"]),
            region=str(data["region"]),
            account_id=str(data["account_id"]),
            shift_coverages=_spans_from_json(data.get("shift_coverages"), where),
            assume_role=AssumeRole.from_json(data.get("assume_role")),
        )

    @property
    def label(self) -> str:
        return f"on-call rotation {self.name!r}"

    def client(self) -> Any:
        session = account_session(self.region, self.account_id, self.assume_role, self.label)
        return session.client("ssm-contacts")


def read_live(client: Any, arn: str) -> Json | None:
    """``GetRotation`` of ``arn``; None when there is no such rotation."""
    rotation: Json | None = found_or_none(client.get_rotation, RotationId=arn)
    return rotation


def apply(coverage: RotationCoverage, client: Any) -> str:
    """Make the live rotation's coverage the config's; everything else stays as it is live."""
    live = read_live(client, coverage.arn)
    if live is None:
        raise SyncError(
            f"{coverage.label} ({coverage.arn}) does not exist (deleted outside Terraform?). "
            "Plan again: Terraform creates it, then its coverage is written."
        )
    recurrence: Json = dict(live["Recurrence"])
    if spans_of(recurrence.get("ShiftCoverages")) == coverage.shift_coverages:
        return (
            f"{coverage.label}: shift coverage already is {describe(coverage.shift_coverages)}; "
            "nothing written"
        )
    recurrence["ShiftCoverages"] = api_shape(coverage.shift_coverages)
    # UpdateRotation takes the whole rotation: send back what is live, as the provider does.
    params: Json = {
        "RotationId": coverage.arn,
        "Recurrence": recurrence,
        "ContactIds": live["ContactIds"],
        "TimeZoneId": live["TimeZoneId"],
    }
    if live.get("StartTime") is not None:
        params["StartTime"] = live["StartTime"]
    client.update_rotation(**params)
    return f"{coverage.label}: wrote shift coverage {describe(coverage.shift_coverages)}"


@dataclass(frozen=True)
class PlannedCoverage:
    """A coverage record of a saved plan: the config, and whether this apply writes it."""

    address: str
    name: str
    coverage: RotationCoverage | None  # None: the rotation is new, its ARN not known yet
    writes: bool


def planned_coverages(plan: Json) -> Iterator[PlannedCoverage]:
    """The coverage records of ``terraform show -json`` that remain after the apply."""
    for record in planned_records(plan, COVERAGE_KIND):
        # A rotation this apply creates has no ARN yet.
        new_rotation = bool(record.unknown.get("arn"))
        yield PlannedCoverage(
            address=record.address,
            name=str(record.data.get("name") or record.address),
            coverage=None
            if new_rotation
            else RotationCoverage.from_json(record.data, record.address),
            writes=record.created,
        )


def check_coverages(plan: Json, out: Any, restore: Restore | None = None) -> int:
    """Print how each coverage of ``plan`` compares with the live rotation; the number that
    drifted (differences this plan does not correct)."""
    restore = restore or Restore()
    drifted = 0
    clients: dict[tuple[str, str, AssumeRole | None], Any] = {}
    for item in planned_coverages(plan):
        coverage = item.coverage
        if coverage is None:
            print(
                f"on-call rotation {item.name!r}: new; this plan writes its shift coverage",
                file=out,
            )
            continue
        key = (coverage.region, coverage.account_id, coverage.assume_role)
        if key not in clients:
            clients[key] = coverage.client()
        live = read_live(clients[key], coverage.arn)
        if live is None:
            drifted += 1
            print(
                f"{coverage.label}: DRIFT: {coverage.arn} does not exist (deleted outside "
                "Terraform?)",
                file=out,
            )
            continue
        found = differences(
            coverage.shift_coverages, spans_of(live["Recurrence"].get("ShiftCoverages"))
        )
        if not found:
            print(f"{coverage.label}: shift coverage matches the config", file=out)
            continue
        listed = "; ".join(found)
        if item.writes:
            print(
                f"{coverage.label}: shift coverage differs ({listed}); this plan writes the "
                "config's coverage",
                file=out,
            )
            continue
        drifted += 1
        print(
            f"{coverage.label}: DRIFT: shift coverage differs ({listed}). Terraform cannot see "
            "this (hashicorp/aws 5.100.0 reads coverage minutes back wrong) and this plan does "
            f"not change it; to write the config's coverage again: {restore.replace(item.address)}",
            file=out,
        )
    return drifted


def run_apply(environ: Mapping[str, str]) -> str:
    """Write the coverage in ``$IM_ROTATION_COVERAGE``."""
    data = json_variable(environ, COVERAGE_VARIABLE, "the rotation's coverage")
    coverage = RotationCoverage.from_json(data, COVERAGE_VARIABLE)
    return apply(coverage, coverage.client())


def main(argv: Sequence[str] | None = None, environ: Mapping[str, str] | None = None) -> int:
    parser = command_parser(
        COVERAGE_MODULE,
        "Write an on-call rotation's shift coverage (ssm-contacts UpdateRotation) for the "
        "stack's terraform_data provisioners.",
        EPILOG,
        ["apply"],
    )
    return run_command(
        argv,
        parser,
        "rotation coverage",
        lambda action: run_apply(os.environ if environ is None else environ),
    )


if __name__ == "__main__":
    exit_on_ctrl_c("rotation coverage")
    sys.exit(main())
