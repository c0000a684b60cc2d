"""Mistakes in environment files: every one found, each with file, line, field and what is
allowed."""

from __future__ import annotations

from pathlib import Path

import pytest

from stacks.config_errors import ConfigError
from stacks.environment_loader import load_environments
from tests.stacks.environment_files import MINIMAL, project_with

FILE = "stacks/environments/broken.yaml"


def problems_of(tmp_path: Path, text: str) -> list[str]:
    root = project_with(tmp_path, text)
    with pytest.raises(ConfigError) as error:
        load_environments(root)
    return [str(p) for p in error.value.problems]


def test_the_minimal_environment_is_valid(tmp_path: Path) -> None:
    (environment,) = load_environments(project_with(tmp_path, MINIMAL, name="minimal"))
    assert environment.stack_name == "incident-manager-minimal"
    assert environment.config.backend.type == "local"


def test_fails_on_an_unknown_field_with_a_suggestion(tmp_path: Path) -> None:
    text = MINIMAL.replace("    display_name", "").replace(
        "  - alias: incident-responder\n", "  - alias: incident-responder\n    dispaly_name: IR\n"
    )
    assert problems_of(tmp_path, text) == [
        f"{FILE}:7: contacts[0].dispaly_name: unknown field 'dispaly_name'; did you mean "
        "'display_name'? (allowed: alias, display_name, channels, engagement, tags)"
    ]


def test_fails_on_a_value_outside_an_enum_naming_the_allowed_values(tmp_path: Path) -> None:
    text = MINIMAL.replace("type: EMAIL", "type: PAGER")
    assert problems_of(tmp_path, text) == [
        f"{FILE}:9: contacts[0].channels[0].type: 'PAGER' is not allowed; "
        "allowed: EMAIL, SMS, VOICE"
    ]


def test_fails_on_a_missing_required_field(tmp_path: Path) -> None:
    text = MINIMAL.replace("region: us-east-1\n", "", 1)
    assert problems_of(tmp_path, text) == [f"{FILE}:1: region: required; add it"]


def test_fails_on_an_account_id_written_as_a_number(tmp_path: Path) -> None:
    text = MINIMAL.replace('"111122223333"', "011122223333")
    assert problems_of(tmp_path, text) == [
        f"{FILE}:1: account_id: 11122223333 was read as a number; put it in quotes"
    ]


def test_fails_on_a_bad_alias_and_a_too_long_stage_in_one_run(tmp_path: Path) -> None:
    text = (
        MINIMAL.replace("alias: incident-responder", "alias: Bad Alias!")
        + """\
escalation_plans:
  - alias: plan
    stages:
      - duration_minutes: 999
        targets: [{contact: Bad Alias!}]
"""
    )
    assert problems_of(tmp_path, text) == [
        f"{FILE}:6: contacts[0].alias: 'Bad Alias!' is not valid; expected lowercase letters, "
        "digits, '_' and '-' only",
        f"{FILE}:17: escalation_plans[0].stages[0].duration_minutes: 999 is out of range; "
        "must be less than or equal to 30",
    ]


def test_fails_on_an_unknown_reference_with_did_you_mean(tmp_path: Path) -> None:
    text = (
        MINIMAL
        + """\
escalation_plans:
  - alias: app-escalation-plan
    stages:
      - duration_minutes: 5
        targets:
          - contact: incident-responders
response_plans:
  - name: EC2HighCPU
    incident: {title: cpu-incident-1, impact: medium}
    engagements: [app-escalation-pln]
"""
    )
    assert problems_of(tmp_path, text) == [
        f"{FILE}:19: escalation_plans[0].stages[0].targets[0].contact: unknown contact or "
        "escalation plan 'incident-responders'; did you mean 'incident-responder'? "
        "(defined: incident-responder, app-escalation-plan)",
        f"{FILE}:23: response_plans[0].engagements[0]: unknown contact or escalation plan "
        "'app-escalation-pln'; did you mean 'app-escalation-plan'? "
        "(defined: incident-responder, app-escalation-plan)",
    ]


def test_fails_when_the_provider_region_is_not_in_the_replication_set(tmp_path: Path) -> None:
    text = MINIMAL.replace("region: us-east-1", "region: eu-west-1", 1)
    assert problems_of(tmp_path, text) == [
        f"{FILE}:2: region: 'eu-west-1' is not in replication_set.regions (us-east-1); AWS "
        "requires the provider region to be one of the replication set's regions"
    ]


def test_fails_on_mixed_key_types(tmp_path: Path) -> None:
    text = MINIMAL.replace(
        "  regions: [us-east-1]\n",
        "  regions: [us-east-1, us-west-2]\n  encryption: customer-managed-keys\n  key_arns:\n"
        "    us-east-1: arn:aws:kms:us-east-1:111122223333:key/abc\n",
    )
    assert problems_of(tmp_path, text) == [
        f"{FILE}:6: replication_set.key_arns: no key for us-west-2; AWS-owned and customer "
        "managed keys cannot be mixed, so every region needs a key"
    ]


def test_fails_on_an_engagement_of_an_unknown_channel(tmp_path: Path) -> None:
    text = MINIMAL.replace("      - channel: email", "      - channel: emial")
    assert problems_of(tmp_path, text) == [
        f"{FILE}:12: contacts[0].engagement[0].channel: unknown channel 'emial'; did you mean "
        "'email'? (defined: email)"
    ]


def test_fails_on_rotation_mistakes(tmp_path: Path) -> None:
    text = (
        MINIMAL
        + """\
rotations:
  - name: weekly
    contacts: [incident-responder]
    number_of_on_calls: 2
    time_zone: America/New_Yrok
    start_time: "2026-01-05T09:00:00"
    hand_off:
      weekly: [{day: MON, time: "9am"}]
"""
    )
    assert problems_of(tmp_path, text) == [
        f"{FILE}:19: rotations[0].start_time: needs a UTC offset, e.g. 2026-01-05T09:00:00Z",
        f"{FILE}:21: rotations[0].hand_off.weekly[0].time: '9am' is not valid; expected a "
        "24-hour time HH:MM such as 09:00",
    ]
    fixed = text.replace('T09:00:00"', 'T09:00:00Z"').replace('"9am"', '"09:00"')
    assert problems_of(tmp_path / "again", fixed) == [
        f"{FILE}:17: rotations[0].number_of_on_calls: 2 on call at once but the rotation has "
        "only 1 contact(s)",
        f"{FILE}:18: rotations[0].time_zone: 'America/New_Yrok' is not an IANA time zone; did "
        "you mean 'America/New_York'? (e.g. America/New_York, Etc/UTC)",
    ]


def test_fails_on_a_runbook_parameter_the_document_does_not_declare(tmp_path: Path) -> None:
    text = (
        MINIMAL
        + """\
runbooks:
  - name: ec2-cpu-util-runbook
    document: stacks/runbooks/ec2-cpu-util-runbook.yaml
response_plans:
  - name: EC2HighCPU
    incident: {title: cpu-incident-1, impact: medium}
    runbook:
      name: ec2-cpu-util-runbook
      parameters:
        IncidentRecordARN: [x]
"""
    )
    assert problems_of(tmp_path, text) == [
        f"{FILE}:23: response_plans[0].runbook.parameters.IncidentRecordARN: "
        "'IncidentRecordARN' is not a parameter of runbook 'ec2-cpu-util-runbook'; did you mean "
        "'IncidentRecordArn'? (declared: IncidentRecordArn); an undeclared parameter fails "
        "when the incident starts"
    ]


def test_fails_on_an_escalation_plan_that_reaches_itself(tmp_path: Path) -> None:
    text = (
        MINIMAL
        + """\
escalation_plans:
  - alias: first
    stages: [{duration_minutes: 5, targets: [{contact: second}]}]
  - alias: second
    stages: [{duration_minutes: 5, targets: [{contact: first}]}]
"""
    )
    assert problems_of(tmp_path, text) == [
        f"{FILE}:16: escalation_plans[0].stages: escalation plan 'first' engages itself: "
        "first -> second -> first",
        f"{FILE}:18: escalation_plans[1].stages: escalation plan 'second' engages itself: "
        "second -> first -> second",
    ]


def test_fails_on_duplicate_aliases_across_contacts_and_plans(tmp_path: Path) -> None:
    text = (
        MINIMAL
        + """\
escalation_plans:
  - alias: incident-responder
    stages: [{duration_minutes: 5, targets: [{contact: incident-responder}]}]
"""
    )
    problems = problems_of(tmp_path, text)
    assert problems[0] == (
        f"{FILE}:15: escalation_plans[0].alias: 'incident-responder' is already a contact alias; "
        "contacts and escalation plans share one alias space"
    )


def test_fails_on_broken_yaml_with_its_line(tmp_path: Path) -> None:
    text = MINIMAL.replace("  regions: [us-east-1]", "  regions: [us-east-1")
    (problem,) = problems_of(tmp_path, text)
    assert problem.startswith(f"{FILE}:5: not valid YAML:")


def test_fails_on_an_unknown_environment_name(tmp_path: Path) -> None:
    root = project_with(tmp_path, MINIMAL, name="prod")
    with pytest.raises(ConfigError) as error:
        load_environments(root, ["prd"])
    assert [str(p) for p in error.value.problems] == [
        "stacks/environments:1: no environment 'prd'; did you mean 'prod'? (environments: prod)"
    ]


def test_every_file_is_checked_and_reported_in_one_run(tmp_path: Path) -> None:
    root = project_with(tmp_path, MINIMAL.replace("type: EMAIL", "type: FAX"), name="one")
    (root / "stacks" / "environments" / "two.yaml").write_text(
        MINIMAL.replace("at_minute: 0", "at_minute: -1"), encoding="utf-8"
    )
    with pytest.raises(ConfigError) as error:
        load_environments(root)
    files = [p.file for p in error.value.problems]
    assert files == ["stacks/environments/one.yaml", "stacks/environments/two.yaml"]
