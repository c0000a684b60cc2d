"""Mistakes in environment files: every one found, each with file, line, field and what is
allowed."""

from __future__ import annotations

from pathlib import Path

import pytest

from stacks.config.config_errors import ConfigError
from stacks.config.environment_loader import load_environments
from tests.stacks.environment_files import MINIMAL, project_with

FILE = "stacks/environments/broken.yaml"


def problems_of(tmp_path: Path, text: str) -> list[str]:
    root = project_with(tmp_path, text)
    with pytest.raises(ConfigError) as error:
        load_environments(root)
    return [str(p) for p in error.value.problems]


# The minimal file with a response plan that starts the example runbook; a test adds the
# runbook's parameters.
WITH_RUNBOOK_PLAN = (
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
"""
)


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
        f"{FILE}:6: contacts[0].alias: 'Bad Alias!' is not valid: expected lowercase letters, "
        "digits, '_' and '-' (ssm-contacts ContactAlias)",
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
        f"{FILE}:19: escalation_plans[0].stages[0].targets[0].contact: unknown contact, "
        "escalation plan or on-call schedule 'incident-responders'; did you mean "
        "'incident-responder'? (defined: incident-responder, app-escalation-plan)",
        f"{FILE}:23: response_plans[0].engagements[0]: unknown contact, escalation plan or "
        "on-call schedule 'app-escalation-pln'; did you mean 'app-escalation-plan'? "
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
        WITH_RUNBOOK_PLAN
        + """\
      parameters:
        IncidentRecordARN: [x]
      dynamic_parameters:
        IncidentRecordArn: INCIDENT_RECORD_ARN
"""
    )
    assert problems_of(tmp_path, text) == [
        f"{FILE}:23: response_plans[0].runbook.parameters.IncidentRecordARN: "
        "'IncidentRecordARN' is not a parameter of runbook 'ec2-cpu-util-runbook'; did you mean "
        "'IncidentRecordArn'? (declared: IncidentRecordArn, Environment); an undeclared parameter "
        "fails when the incident starts"
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
        "contacts and escalation plans share one alias space (first at contacts[0].alias, line 6)"
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


# One failing case per rule class of the README's rules table.


def test_fails_on_a_string_longer_than_the_api_allows(tmp_path: Path) -> None:
    text = MINIMAL + (
        "response_plans:\n  - name: Long\n    incident: {title: " + "x" * 201 + ", impact: low}\n"
    )
    assert problems_of(tmp_path, text) == [
        f"{FILE}:16: response_plans[0].incident.title: '{'x' * 57}...' is 201 characters long: "
        "at most 200 (ssm-incidents IncidentTitle)"
    ]


def test_fails_on_a_channel_name_outside_the_api_pattern(tmp_path: Path) -> None:
    text = MINIMAL.replace("- name: email", "- name: email!").replace(
        "channel: email", "channel: email!"
    )
    (problem,) = problems_of(tmp_path, text)
    assert problem == (
        f"{FILE}:8: contacts[0].channels[0].name: 'email!' is not valid: expected letters, "
        "digits, spaces, '_', '.' and '-' (ssm-contacts ChannelName)"
    )


def test_fails_on_a_number_outside_the_api_range(tmp_path: Path) -> None:
    text = MINIMAL.replace("at_minute: 0", "at_minute: 0\n        retry_interval_minutes: 61")
    assert problems_of(tmp_path, text) == [
        f"{FILE}:14: contacts[0].engagement[0].retry_interval_minutes: 61 is out of range; "
        "must be less than or equal to 60"
    ]


def test_fails_on_a_list_longer_than_the_api_allows(tmp_path: Path) -> None:
    text = MINIMAL + (
        "response_plans:\n  - name: P\n    incident: {title: t, impact: low}\n"
        "    engagements: [a, b, c, d, e, f]\n"
    )
    assert problems_of(tmp_path, text) == [
        f"{FILE}:17: response_plans[0].engagements: has 6 entries; at most 5 are allowed"
    ]


def test_fails_on_tags_each_service_would_reject(tmp_path: Path) -> None:
    text = MINIMAL.replace(
        "  - alias: incident-responder\n",
        "  - alias: incident-responder\n    tags: {'team:sre': x}\n",
    ) + (
        "response_plans:\n  - name: P\n    incident: {title: t, impact: low}\n"
        "    tags: {'aws:owner': x}\n"
    )
    assert problems_of(tmp_path, text) == [
        f"{FILE}:7: contacts[0].tags.team:sre: 'team:sre' is not valid: expected letters, digits "
        "and _ + = - / \\ (no spaces or ':') for contacts, plans and rotations "
        "(ssm-contacts TagKey)",
        f"{FILE}:18: response_plans[0].tags.aws:owner: 'aws:owner' is not valid: expected "
        "letters, digits, spaces and _ = @ : . + - /, not starting with 'aws:' "
        "(ssm-incidents TagKey)",
    ]


def test_fails_on_addresses_that_do_not_fit_their_channel(tmp_path: Path) -> None:
    text = (
        MINIMAL.replace("address: responder@example.com", "address: responder@")
        + """\
  - alias: phone-person
    channels:
      - {name: sms, type: SMS, address: "+1 206 555 0100"}
      - {name: voice, type: VOICE, address: "+1206555010"}
    engagement: [{channel: sms, at_minute: 0}]
"""
    )
    assert problems_of(tmp_path, text) == [
        f"{FILE}:8: contacts[0].channels[0]: address 'responder@' is not an e-mail address: "
        "There must be something after the @-sign.",
        f"{FILE}:16: contacts[1].channels[0]: address '+1 206 555 0100' is not a phone number "
        "in E.164 form (+, country code, number, no spaces: e.g. +12065550100) for SMS",
        f"{FILE}:17: contacts[1].channels[1]: address '+1206555010' is not a phone number "
        "in E.164 form (+, country code, number, no spaces: e.g. +12065550100) for VOICE",
    ]


def test_fails_on_a_region_without_incident_manager(tmp_path: Path) -> None:
    text = MINIMAL.replace("regions: [us-east-1]", "regions: [us-east-1, us-eas-2, me-south-1]")
    assert problems_of(tmp_path, text) == [
        f"{FILE}:4: replication_set.regions[1]: 'us-eas-2' is not an AWS region where Incident "
        "Manager runs; did you mean 'us-east-2'?",
        f"{FILE}:4: replication_set.regions[2]: 'me-south-1' is an AWS region, but not an AWS "
        "region where Incident Manager runs (those are: ap-northeast-1, ap-northeast-2, "
        "ap-south-1, ap-southeast-1, ap-southeast-2, ca-central-1, eu-central-1, eu-north-1, "
        "eu-west-1, eu-west-2, eu-west-3, sa-east-1, us-east-1, us-east-2, us-west-1, us-west-2)",
    ]


def test_fails_on_more_than_three_replication_regions(tmp_path: Path) -> None:
    text = MINIMAL.replace(
        "regions: [us-east-1]", "regions: [us-east-1, us-east-2, us-west-1, us-west-2]"
    )
    assert problems_of(tmp_path, text) == [
        f"{FILE}:4: replication_set.regions: has 4 entries; at most 3 are allowed"
    ]


def test_fails_on_a_zero_minute_stage_without_targets(tmp_path: Path) -> None:
    text = MINIMAL + "escalation_plans:\n  - alias: p\n    stages: [{duration_minutes: 0}]\n"
    assert problems_of(tmp_path, text) == [
        f"{FILE}:16: escalation_plans[0].stages[0]: a 0-minute stage must have at least one target"
    ]


def test_fails_on_a_contact_whose_plan_pages_no_channel(tmp_path: Path) -> None:
    text = MINIMAL.replace(
        "    engagement:\n      - channel: email\n        at_minute: 0\n", "    engagement: []\n"
    )
    assert problems_of(tmp_path, text) == [
        f"{FILE}:11: contacts[0].engagement: is empty; at least 1 entry is needed"
    ]


def test_fails_on_a_period_cloudwatch_does_not_offer(tmp_path: Path) -> None:
    text = (
        MINIMAL
        + """\
response_plans:
  - name: P
    incident: {title: t, impact: low}
alarms:
  - name: a
    response_plan: P
    metric: {namespace: AWS/EC2, name: CPUUtilization, period_seconds: 45}
    comparison: GreaterThanThreshold
    threshold: 85
"""
    )
    assert problems_of(tmp_path, text) == [
        f"{FILE}:20: alarms[0].metric.period_seconds: 45 is not a CloudWatch period: 10, 20, 30 "
        "or a multiple of 60"
    ]


def test_schema_and_reference_problems_are_reported_together(tmp_path: Path) -> None:
    text = (
        MINIMAL.replace("type: EMAIL", "type: PAGER")
        + """\
  - alias: backup
    channels: [{name: email, type: EMAIL, address: backup@example.com}]
    engagement: [{channel: email, at_minute: 0}]
escalation_plans:
  - alias: plan
    stages:
      - duration_minutes: 5
        targets: [{contact: incident-responder}, {contact: bakup}]
"""
    )
    assert problems_of(tmp_path, text) == [
        f"{FILE}:9: contacts[0].channels[0].type: 'PAGER' is not allowed; allowed: EMAIL, SMS, "
        "VOICE",
        # 'incident-responder' is only invalid, not unknown: it is not reported twice.
        f"{FILE}:21: escalation_plans[0].stages[0].targets[1].contact: unknown contact, "
        "escalation plan or on-call schedule 'bakup'; did you mean 'backup'? "
        "(defined: backup, plan)",
    ]


# A second contact, a topic and a rotation, to repeat things in.
WITH_TOPIC_AND_ROTATION = (
    MINIMAL
    + """\
  - alias: backup
    channels: [{name: email, type: EMAIL, address: backup@example.com}]
    engagement: [{channel: email, at_minute: 0}]
topics:
  - name: chat
rotations:
  - name: weekly
    contacts: [incident-responder, backup, incident-responder]
    time_zone: Etc/UTC
    start_time: 2026-01-05T09:00:00Z
    hand_off: {weekly: [{day: MON, time: "09:00"}]}
response_plans:
  - name: Outage
    incident: {title: outage, impact: high}
    engagements: [incident-responder, backup, incident-responder]
    chat_channels: [chat, chat]
"""
)


def test_meaningless_duplicates_are_refused_naming_both_places(tmp_path: Path) -> None:
    assert problems_of(tmp_path, WITH_TOPIC_AND_ROTATION) == [
        f"{FILE}:21: rotations[0].contacts[2]: 'incident-responder' is listed twice; a contact "
        "takes one turn per rotation (list each member once) (first at rotations[0].contacts[0], "
        "line 21)",
        f"{FILE}:28: response_plans[0].engagements[2]: 'incident-responder' is listed twice; a "
        "response plan engages each contact or escalation plan once (first at "
        "response_plans[0].engagements[0], line 28)",
        f"{FILE}:29: response_plans[0].chat_channels[1]: 'chat' is listed twice; each chat "
        "channel topic once (first at response_plans[0].chat_channels[0], line 29)",
    ]


def test_a_target_twice_in_a_stage_and_a_channel_twice_at_a_minute_are_refused(
    tmp_path: Path,
) -> None:
    text = (
        MINIMAL.replace(
            "      - channel: email\n        at_minute: 0\n",
            "      - channel: email\n        at_minute: 0\n"
            "      - {channel: email, at_minute: 0}\n",
        )
        + """\
escalation_plans:
  - alias: plan
    stages:
      - duration_minutes: 5
        targets:
          - contact: incident-responder
          - {contact: incident-responder, channel: email}
          - contact: incident-responder
"""
    )
    assert problems_of(tmp_path, text) == [
        f"{FILE}:14: contacts[0].engagement[1]: channel 'email' at minute 0 is listed twice; a "
        "channel is engaged once at a given minute (first at contacts[0].engagement[0], line 12)",
        f"{FILE}:22: escalation_plans[0].stages[0].targets[2]: 'incident-responder' is listed "
        "twice; a stage engages each target once (first at "
        "escalation_plans[0].stages[0].targets[0], line 20)",
    ]


@pytest.mark.parametrize(
    ("field", "given", "expected"),
    [
        (
            "at_minute: 0",
            'at_minute: "5"',
            "'5' is in quotes, so it is text; write 5 without quotes",
        ),
        ("at_minute: 0", "at_minute: five", "'five' is not a whole number"),
        (
            "address: responder@example.com",
            'address: responder@example.com\n        secret: "false"',
            "'false' is in quotes, so it is text; write false without quotes",
        ),
    ],
)
def test_quoted_numbers_and_booleans_are_told_to_lose_their_quotes(
    tmp_path: Path, field: str, given: str, expected: str
) -> None:
    (problem,) = problems_of(tmp_path, MINIMAL.replace(field, given))
    assert problem.endswith(expected), problem


def test_a_runbook_path_that_leaves_the_repository_is_refused_unread(tmp_path: Path) -> None:
    outside = tmp_path / "outside.yaml"
    outside.write_text("schemaVersion: '0.3'\n", encoding="utf-8")
    text = MINIMAL + "runbooks:\n  - name: runbook\n    document: {document}\n"
    for index, document in enumerate(
        ("../outside.yaml", str(outside), "stacks/../../outside.yaml")
    ):
        problems = problems_of(tmp_path / str(index), text.format(document=document))
        assert problems == [
            f"{FILE}:16: runbooks[0].document: {document!r} is outside the repository; give a "
            "path inside it, relative to the repository root (e.g. stacks/runbooks/<name>.yaml)"
        ]
        # The machine's own paths are never shown.
        assert str(tmp_path) not in problems[0] or document == str(outside)


def test_a_missing_runbook_is_named_as_the_file_wrote_it(tmp_path: Path) -> None:
    text = MINIMAL + "runbooks:\n  - name: runbook\n    document: stacks/runbooks/nope.yaml\n"
    (problem,) = problems_of(tmp_path, text)
    assert problem == (
        f"{FILE}:16: runbooks[0].document: stacks/runbooks/nope.yaml: cannot read runbook "
        "document (No such file or directory)"
    )


def test_an_environment_file_with_a_capital_extension_is_reported_not_ignored(
    tmp_path: Path,
) -> None:
    root = project_with(tmp_path, MINIMAL, name="dev")
    (root / "stacks" / "environments" / "qa.YAML").write_text(MINIMAL, encoding="utf-8")
    with pytest.raises(ConfigError) as error:
        load_environments(root)
    assert [str(p) for p in error.value.problems] == [
        "stacks/environments/qa.YAML:1: not read: environment files end in .yaml or .yml, in "
        "lowercase; rename it"
    ]


def test_a_runbook_action_needs_a_parameter_and_a_dynamic_parameter(tmp_path: Path) -> None:
    text = (
        WITH_RUNBOOK_PLAN
        + """\
      parameters:
        Environment: [dev]
"""
    )
    assert problems_of(tmp_path, text) == [
        f"{FILE}:20: response_plans[0].runbook: give at least one entry in dynamic_parameters: "
        "the AWS provider sends both maps and AWS refuses an empty one "
        "(terraform-provider-aws#32057); e.g. parameters: {Environment: [prod]} and "
        "dynamic_parameters: {IncidentRecordArn: INCIDENT_RECORD_ARN}, each declared by the "
        "runbook document"
    ]


def test_a_tab_after_a_colon_does_not_hide_the_real_mistake(tmp_path: Path) -> None:
    # libyaml reads "at_minute:<tab>0" as YAML allows; ruamel's pure-Python reader, once used
    # for line numbers, refused it and named only the tab.
    text = MINIMAL.replace("at_minute: 0", "at_minute:\t0") + (
        "response_plans:\n  - name: AppDown\n    incident: {title: down, impact: huge}\n"
    )
    assert problems_of(tmp_path, text) == [
        f"{FILE}:16: response_plans[0].incident.impact: 'huge' is not allowed; "
        "allowed: critical, high, medium, low, none"
    ]


def test_a_misspelt_key_and_a_bad_channel_in_one_contact_are_both_named(tmp_path: Path) -> None:
    text = MINIMAL.replace("    channels:\n", "    dispaly_name: Responder\n    channels:\n")
    text = text.replace(
        "        address: responder@example.com\n",
        "        address: responder@example.com\n      - name: mobile\n        type: SMS\n"
        "        address: '+12065550100'\n",
    ) + ("      - channel: mobil\n        at_minute: 5\n")
    assert problems_of(tmp_path, text) == [
        f"{FILE}:7: contacts[0].dispaly_name: unknown field 'dispaly_name'; did you mean "
        "'display_name'? (allowed: alias, display_name, channels, engagement, tags)",
        f"{FILE}:18: contacts[0].engagement[1].channel: unknown channel 'mobil'; did you mean "
        "'mobile'? (defined: email, mobile)",
    ]


def test_a_misspelt_key_does_not_hide_a_rule_of_its_own_entry(tmp_path: Path) -> None:
    # "target" for "targets": the stage is then a 0-minute stage without targets, which is
    # a mistake of its own; a misspelt address leaves the channel without one.
    text = MINIMAL.replace("address:", "adress:") + (
        "escalation_plans:\n  - alias: plan\n    stages:\n      - duration_minutes: 0\n"
        "        target: [{contact: incident-responder}]\n"
    )
    assert problems_of(tmp_path, text) == [
        f"{FILE}:8: contacts[0].channels[0]: needs an address, or secret: true to supply it at "
        "plan time",
        f"{FILE}:10: contacts[0].channels[0].adress: unknown field 'adress'; did you mean "
        "'address'? (allowed: name, type, address, secret)",
        f"{FILE}:17: escalation_plans[0].stages[0]: a 0-minute stage must have at least one target",
        f"{FILE}:18: escalation_plans[0].stages[0].target: unknown field 'target'; did you mean "
        "'targets'? (allowed: duration_minutes, targets)",
    ]


def test_an_invalid_optional_value_does_not_drop_its_entry(tmp_path: Path) -> None:
    # A bad display name is set aside alone: the contact's alias stays defined (no "unknown
    # contact" where it is engaged) and its own references are still checked.
    text = MINIMAL.replace("    channels:\n", "    display_name: Bad!\n    channels:\n").replace(
        "channel: email", "channel: emial"
    ) + (
        "escalation_plans:\n  - alias: plan\n    stages:\n      - duration_minutes: 1\n"
        "        targets: [{contact: incident-responder}]\n"
    )
    assert problems_of(tmp_path, text) == [
        f"{FILE}:7: contacts[0].display_name: 'Bad!' is not valid: expected letters, digits, "
        "spaces, '_', '.' and '-' (ssm-contacts ContactName)",
        f"{FILE}:13: contacts[0].engagement[0].channel: unknown channel 'emial'; did you mean "
        "'email'? (defined: email)",
    ]


def test_fails_on_overlapping_coverages_of_one_day_naming_the_hours(tmp_path: Path) -> None:
    text = MINIMAL + (
        "rotations:\n  - name: business-hours\n    contacts: [incident-responder]\n"
        "    time_zone: Etc/UTC\n    start_time: 2026-01-05T08:00:00+00:00\n"
        '    hand_off: {daily: ["08:00"]}\n    shift_coverages:\n      MON:\n'
        '        - {start: "08:00", end: "12:00"}\n        - {start: "11:30", end: "17:00"}\n'
        '      TUE:\n        - {start: "08:00", end: "12:00"}\n'
        '        - {start: "12:00", end: "17:00"}\n'
    )
    assert problems_of(tmp_path, text) == [
        f"{FILE}:23: rotations[0].shift_coverages.MON[1]: 11:30-17:00 overlaps 08:00-12:00 from "
        "11:30 to 12:00 on MON; AWS accepts overlapping coverages (the ssm-contacts model sets "
        "no rule for CoverageTime), but they mean one coverage: write 08:00-17:00, or fix the "
        "hours (first at rotations[0].shift_coverages.MON[0], line 22)"
    ]
