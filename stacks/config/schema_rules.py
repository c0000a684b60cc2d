"""The rules of the environment file that pydantic's schema generator cannot see, as JSON Schema.

The model validators of ``environment_config`` and the checks of one entry in
``environment_checks`` and ``topic_alarm_checks`` are written out here, each beside the check
it mirrors; ``environment_schema`` adds them to the generated schema. ``NOT_EXPRESSIBLE`` lists
what a schema cannot state (``make check`` alone applies it); the reference page shows both.
A test (tests/stacks/config/test_environment_schema.py) holds the schema to never refusing what
``make check`` accepts, and to refusing what it refuses for a reason listed here.
"""

from __future__ import annotations

from dataclasses import dataclass

from pydantic.json_schema import JsonSchemaValue

from stacks.config import api_rules as api
from stacks.config.environment_config import PERCENTILE_PATTERN, STANDARD_STATISTICS
from stacks.config.json_patterns import ecma_pattern, pattern_schema
from stacks.config.topic_alarm_checks import ACTION_ARN, MAX_ACTIONS, RESPONSE_PLAN_ARN

# An ISO 8601 date and time with a UTC offset, in every spelling the loader takes (Python's
# datetime.fromisoformat, and YAML timestamps such as 2026-1-5 9:00:00 -8): a wider net than
# either, since only the offset is the point here; an impossible date is make check's.
DATE_TIME_WITH_OFFSET = (
    r"^[0-9]{4}-?(?:[0-9]{1,2}-?[0-9]{1,2}|W[0-9]{2}-?[0-9]?)[^\n]+?"
    r"(?:Z|[+-][0-9]{1,2}(?::?[0-9]{2}(?::?[0-9]{2}(?:[.,][0-9]+)?)?)?)$"
)
# What e-mail-validator and phonenumbers accept has this form at least (one '@' and a dot in
# the domain; '+' and digits); whether the address or number is real is make check's.
EMAIL_FORM = r"^[^@]+@[^@]+\.[^@]+$"
E164_FORM = r"^\+[1-9][0-9]+$"


def _required(name: str, value: JsonSchemaValue) -> JsonSchemaValue:
    """A condition: ``name`` is given (not null) and matches ``value``."""
    return {"required": [name], "properties": {name: value}}


def _absent_or_null(name: str) -> JsonSchemaValue:
    return {"properties": {name: {"type": "null"}}}


_STRING: JsonSchemaValue = {"type": "string"}
_UNIQUE: JsonSchemaValue = {"uniqueItems": True}


def _arn_rule(rule: api.ShapeRule) -> JsonSchemaValue:
    """A value that starts with ``arn:`` must be this kind of ARN (names are checked apart)."""
    assert rule.pattern is not None and rule.max is not None
    then = pattern_schema(rule.pattern, f"expected {rule.words} ({rule.source})")
    return {"if": {"pattern": "^arn:"}, "then": {**then, "maxLength": rule.max}}


_ALARM_ACTION: JsonSchemaValue = {
    "if": {"pattern": "^arn:"},
    "then": {
        **pattern_schema(ACTION_ARN.pattern, "an action ARN (SNS topic, Auto Scaling, ...)"),
        "not": {"pattern": ecma_pattern(RESPONSE_PLAN_ARN.pattern, fullmatch=True)},
    },
}

# Rules of one entry that pydantic's generator cannot see, by model: (the rule in words, for the
# reference, and its subschema, added to the model's "allOf"); a comment names the check.
MODEL_RULES: dict[str, list[tuple[str, JsonSchemaValue]]] = {
    "S3BackendConfig": [
        (
            # S3BackendConfig._lock_table
            "lock: dynamodb needs dynamodb_table; lock: lockfile takes none",
            {
                "if": _required("lock", {"const": "dynamodb"}),
                "then": _required("dynamodb_table", {"type": "string", "minLength": 1}),
                "else": {"properties": {"dynamodb_table": {"maxLength": 0}}},
            },
        )
    ],
    "ReplicationSetConfig": [
        (
            # environment_checks.check_replication_set
            "existing: true takes no encryption, key_arns or tags (the set is not managed here)",
            {
                "if": _required("existing", {"const": True}),
                "then": {
                    "properties": {
                        "encryption": {"const": "aws-owned-key"},
                        "key_arns": {"maxProperties": 0},
                        "tags": {"maxProperties": 0},
                    }
                },
            },
        ),
        (
            # environment_checks.check_replication_set
            "key_arns only with encryption: customer-managed-keys",
            {
                "if": {"not": _required("encryption", {"const": "customer-managed-keys"})},
                "then": {"properties": {"key_arns": {"maxProperties": 0}}},
            },
        ),
    ],
    "ChannelConfig": [
        (
            # ChannelConfig._address_fits_type (and the two rules below)
            "an address, or secret: true, not both",
            {
                "if": _required("secret", {"const": True}),
                "then": _absent_or_null("address"),
                "else": _required("address", _STRING),
            },
        ),
        (
            "EMAIL: the address has one '@' and a dotted domain",
            {
                "if": _required("type", {"const": "EMAIL"}),
                "then": {
                    "properties": {"address": pattern_schema(EMAIL_FORM, "an e-mail address")}
                },
            },
        ),
        (
            "SMS and VOICE: the address is '+' and digits (E.164)",
            {
                "if": _required("type", {"enum": ["SMS", "VOICE"]}),
                "then": {
                    "properties": {
                        "address": pattern_schema(
                            E164_FORM, "a phone number in E.164 form: +, country code, number"
                        )
                    }
                },
            },
        ),
    ],
    "StageTargetConfig": [
        (
            # StageTargetConfig._one_kind (and the rule below)
            "retry_interval_minutes only on a channel target (one with channel)",
            {
                "if": _required("retry_interval_minutes", {"type": "integer"}),
                "then": _required("channel", _STRING),
            },
        ),
        (
            "acknowledgement_stops_plan only on a contact target (one without channel)",
            {
                "if": _required("channel", _STRING),
                "then": _absent_or_null("acknowledgement_stops_plan"),
            },
        ),
    ],
    "StageConfig": [
        (
            # StageConfig._zero_needs_target
            "a 0-minute stage has at least one target",
            {
                "if": _required("duration_minutes", {"const": 0}),
                "then": _required("targets", {"minItems": 1}),
            },
        )
    ],
    "HandOffConfig": [
        (
            # HandOffConfig._exactly_one
            "exactly one of daily, weekly and monthly has entries",
            {"oneOf": [_required(k, {"minItems": 1}) for k in ("daily", "weekly", "monthly")]},
        )
    ],
    "RunbookActionConfig": [
        (
            # RunbookActionConfig._one_document (and the rule below)
            "exactly one of name and document",
            {"oneOf": [_required("name", _STRING), _required("document", _STRING)]},
        ),
        (
            "document needs role",
            {"if": _required("document", _STRING), "then": _required("role", _STRING)},
        ),
        (
            # RunbookActionConfig._both_maps
            "parameters and dynamic_parameters both have an entry; with kept_as_adopted: true, "
            "at least one of them is empty",
            {
                "if": _required("kept_as_adopted", {"const": True}),
                "then": {
                    "not": {
                        "required": ["parameters", "dynamic_parameters"],
                        "properties": {
                            "parameters": {"minProperties": 1},
                            "dynamic_parameters": {"minProperties": 1},
                        },
                    }
                },
                "else": {
                    "required": ["parameters", "dynamic_parameters"],
                    "properties": {
                        "parameters": {"minProperties": 1},
                        "dynamic_parameters": {"minProperties": 1},
                    },
                },
            },
        ),
    ],
    "AlarmConfig": [
        (
            # topic_alarm_checks.check_alarms_placement
            "evaluate_low_sample_count_percentiles only with a percentile statistic",
            {
                "if": _required("evaluate_low_sample_count_percentiles", _STRING),
                "then": _required(
                    "metric",
                    _required(
                        "statistic",
                        pattern_schema(PERCENTILE_PATTERN, "a percentile statistic (p90, p99.9)"),
                    ),
                ),
            },
        )
    ],
}

# Rules of one field, by (model, field): (the check it mirrors, keywords merged into the
# property's schema; the reference states them from the schema).
FIELD_RULES: dict[tuple[str, str], tuple[str, JsonSchemaValue]] = {
    ("ReplicationSetConfig", "regions"): ("check_replication_set: each region once", _UNIQUE),
    ("RotationConfig", "contacts"): ("check_rotations: each contact once", _UNIQUE),
    ("RotationConfig", "start_time"): (
        "RotationConfig._parse_text and _aware",
        pattern_schema(
            DATE_TIME_WITH_OFFSET,
            "an ISO 8601 date and time with a UTC offset, e.g. 2026-01-05T09:00:00-08:00",
            fullmatch=False,
        ),
    ),
    ("HandOffConfig", "daily"): ("check_rotations: hand-off times differ", _UNIQUE),
    ("OnCallScheduleConfig", "rotations"): ("check_oncall_schedules: each rotation once", _UNIQUE),
    ("RunbookRoleConfig", "managed_policies"): ("check_runbook_roles: attached once", _UNIQUE),
    ("IncidentConfig", "notify"): ("check_response_plans: each topic once", _UNIQUE),
    ("ResponsePlanConfig", "chat_channels"): ("check_response_plans: each topic once", _UNIQUE),
    ("ResponsePlanConfig", "engagements"): ("check_response_plans: each engagement once", _UNIQUE),
    ("RunbookActionConfig", "role"): (
        "RunbookActionConfig._role_arn: an ARN is a role ARN",
        _arn_rule(api.ROLE_ARN),
    ),
    ("MetricConfig", "statistic"): (
        "MetricConfig._statistic",
        {
            "anyOf": [
                {"enum": list(STANDARD_STATISTICS)},
                pattern_schema(PERCENTILE_PATTERN, "a percentile p0 to p100 (p90, p99.9)"),
            ]
        },
    ),
    ("MetricConfig", "period_seconds"): (
        "MetricConfig._cloudwatch_period",
        {"anyOf": [{"enum": [10, 20, 30]}, {"minimum": 60, "multipleOf": 60}]},
    ),
    ("AlarmConfig", "alarm_actions"): (
        "topic_alarm_checks._actions: 4 besides the incident, each once, ARNs of actions",
        {"maxItems": MAX_ACTIONS - 1, "uniqueItems": True, "items": _ALARM_ACTION},
    ),
    ("AlarmConfig", "ok_actions"): (
        "topic_alarm_checks._actions: each once, ARNs of actions",
        {"uniqueItems": True, "items": _ALARM_ACTION},
    ),
    ("AlarmConfig", "insufficient_data_actions"): (
        "topic_alarm_checks._actions: each once, ARNs of actions",
        {"uniqueItems": True, "items": _ALARM_ACTION},
    ),
}


@dataclass(frozen=True)
class NotExpressible:
    """A rule make check applies that the schema cannot state: what it is, and why."""

    rule: str
    why: str


NOT_EXPRESSIBLE = (
    NotExpressible(
        "References resolve: contacts, escalation plans, on-call schedules, channels, "
        "rotations, runbooks, runbook roles, topics and response plans named elsewhere in the "
        'file exist (with "did you mean" for a near miss); the provider region and alarm '
        "regions are in replication_set.regions; key_arns has a key for every region of the set",
        "a value compared with values elsewhere in the file",
    ),
    NotExpressible(
        "Names are unique: aliases (one space for contacts, escalation plans and on-call "
        "schedules), channel names of a contact, rotation, topic, runbook, role, response plan "
        "and alarm names (per region); a channel engaged once per minute, a stage target once, "
        "inline policy names of a role",
        "uniqueness of one key across list entries (uniqueItems compares whole entries)",
    ),
    NotExpressible(
        "No escalation plan engages itself through other plans",
        "a walk over references",
    ),
    NotExpressible(
        "Rotations: on-calls at most the number of contacts; a real IANA time zone; shift "
        "coverages of a day do not overlap and have a length",
        "comparisons between values; the time zone list comes with the machine's zone database",
    ),
    NotExpressible(
        "Alarms: datapoints_to_alarm at most evaluation_periods; actions name topics of the "
        "alarm's own region",
        "comparisons between values",
    ),
    NotExpressible(
        "E-mail addresses and phone numbers are real (email-validator, phonenumbers); a date "
        "and time exists (no month 13)",
        "the schema checks their form only: one '@' and a dotted domain, '+' and digits, an "
        "ISO 8601 shape with a UTC offset",
    ),
    NotExpressible(
        "Numbers are written as whole numbers: at_minute: 5.0 is refused",
        "JSON Schema's integer type takes 5.0 (the same number)",
    ),
    NotExpressible(
        "Runbook documents, trust and inline policies and topic policies exist inside the "
        "repository and parse; runbook parameters are declared by the document; a role is not "
        "named like a runbook's own IncidentManager-<name> role",
        "files and their contents",
    ),
    NotExpressible(
        "Secret address variables of two channels do not share a name",
        "a name derived from two values",
    ),
    NotExpressible(
        "Environments that share an account: one creates the replication set, the others say "
        "existing: true; their names differ. The file name is a valid environment name",
        "rules across files",
    ),
)
