"""The environment file's JSON Schema (stacks/environment.schema.json): committed as generated,
valid, accepted by every example, and never stricter than `make check`, while it flags every
kind of mistake a schema can state (types, enums, patterns, lengths and sizes, ranges, unknown
and missing keys, the rules of one entry)."""

from __future__ import annotations

import copy
import io
import json
import re
import shutil
import subprocess
from collections.abc import Callable
from pathlib import Path
from typing import Annotated, Any

import pytest
import regex
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from pydantic import BaseModel, Field, TypeAdapter, ValidationError
from ruamel.yaml import YAML

from stacks.config import api_rules as api
from stacks.config import environment_config as config
from stacks.config import topic_alarm_checks
from stacks.config.config_errors import ConfigError
from stacks.config.environment_loader import load_environments
from stacks.config.environment_reference import BEGIN, END, reference_page
from stacks.config.environment_schema import (
    HEADER,
    REGENERATE,
    SCHEMA_FILE,
    environment_schema,
    schema_text,
)
from stacks.config.json_patterns import ecma_pattern
from stacks.layout import ENVIRONMENTS_DIR
from tests.conftest import EXAMPLES_ROOT, PROJECT_ROOT
from tests.stacks.config.schema_validation import (
    EditorValidator,
    check_schema,
    committed_schema,
    editor_yaml,
    file_errors,
    python_form,
    schema_errors,
)
from tests.stacks.config.test_environment_properties import environments, junk
from tests.stacks.environment_files import MINIMAL, project_with

Env = dict[str, Any]


def test_the_committed_schema_is_the_generated_one() -> None:
    committed = (PROJECT_ROOT / SCHEMA_FILE).read_text(encoding="utf-8")
    assert committed == schema_text(), f"{SCHEMA_FILE} is stale: run {REGENERATE}"


def test_the_reference_in_the_docs_is_the_generated_one() -> None:
    page = (PROJECT_ROOT / "docs" / "environment-file.md").read_text(encoding="utf-8")
    assert page.count(BEGIN) == 1 and page.count(END) == 1
    assert page == reference_page(page), f"docs/environment-file.md is stale: run {REGENERATE}"
    # A table row for every field of every object (both backends have a type).
    rows = re.findall(r"^\| `([^`]+)` \|", page, flags=re.MULTILINE)
    assert len(rows) == len(_fields(committed_schema())) == len(set(rows)) + 1


def test_the_schema_is_a_draft_2020_12_schema_that_forbids_unknown_keys_everywhere() -> None:
    schema = committed_schema()
    assert schema["$schema"] == "https://json-schema.org/draft/2020-12/schema"
    check_schema(schema)
    objects = [schema, *schema["$defs"].values()]
    assert len(objects) == len(_models())
    assert all(o["additionalProperties"] is False for o in objects)
    # Every field says what it is, for an editor's hover.
    for model in objects:
        for name, field in model["properties"].items():
            assert field.get("description"), name


def _models() -> list[type[BaseModel]]:
    """The config model's classes: one object of the schema each."""
    return [
        value
        for value in vars(config).values()
        if isinstance(value, type)
        and issubclass(value, BaseModel)
        and value.__module__ == config.__name__
        and not value.__name__.startswith("_")
    ]


def _fields(schema: Any) -> list[tuple[str, dict[str, Any]]]:
    return [
        (f"{model}.{name}", field)
        for model, definition in [("(top)", schema), *schema["$defs"].items()]
        for name, field in definition["properties"].items()
    ]


def test_every_example_and_default_in_the_schema_is_a_value_the_schema_takes() -> None:
    """Editors offer them, and the reference shows them: each is valid for its field, and
    every field that holds values (not entries of its own) has one."""
    schema = committed_schema()
    fields = _fields(schema)
    assert len(fields) == sum(len(m.model_fields) for m in _models()) > 100
    for where, field in fields:
        values = [*field.get("examples", []), *[field[k] for k in ("default",) if k in field]]
        # Checked against the field's own schema, with the definitions it refers to.
        check = EditorValidator({**field, "$defs": schema["$defs"]})
        for value in values:
            assert list(check.iter_errors(value)) == [], (where, value)
        holds_entries = "$ref" in json.dumps({k: v for k, v in field.items() if k != "default"})
        assert values or holds_entries or "const" in field, f"{where}: no example, no default"


def _example_files() -> list[Path]:
    return sorted((PROJECT_ROOT / ENVIRONMENTS_DIR).glob("*.y*ml")) + sorted(
        (EXAMPLES_ROOT / ENVIRONMENTS_DIR).glob("*.y*ml")
    )


@pytest.mark.parametrize("path", _example_files(), ids=lambda p: str(p.relative_to(PROJECT_ROOT)))
def test_every_example_environment_validates(path: Path) -> None:
    assert [e.message for e in file_errors(path)] == []


@pytest.mark.parametrize(
    "path",
    sorted((PROJECT_ROOT / ENVIRONMENTS_DIR).glob("*.y*ml")),
    ids=lambda p: p.name,
)
def test_every_environment_file_names_the_schema_on_its_first_lines(path: Path) -> None:
    text = path.read_text(encoding="utf-8")
    assert text.startswith(HEADER), (
        f"{path.name}: start it with these lines, so that editors complete keys and flag wrong "
        f"values while typing:\n{HEADER}"
    )
    targets = re.findall(r"\$schema[=:] ?(\S+)", HEADER)
    assert len(targets) == 2
    for target in targets:
        assert (path.parent / target).resolve() == (PROJECT_ROOT / SCHEMA_FILE).resolve()


def _flagged(tmp_path: Path, text: str) -> tuple[list[str], list[str]]:
    """What `make check` says about the file, and the schema keywords that refuse it."""
    try:
        load_environments(project_with(tmp_path, text))
        problems = []
    except ConfigError as error:
        problems = [p.message for p in error.problems]
    return problems, sorted(_keywords(schema_errors(editor_yaml(text))))


def _keywords(errors: Any) -> set[str]:
    """The keywords that fail, also inside anyOf/oneOf (a null-or-string field is an anyOf)."""
    return {e.validator for e in errors} | {k for e in errors for k in _keywords(e.context)}


PLAN = """\
escalation_plans:
  - alias: plan
    stages:
      - duration_minutes: 5
        targets: [{contact: incident-responder}]
"""
ROTATION = """\
rotations:
  - name: weekly
    contacts: [incident-responder]
    time_zone: Etc/UTC
    start_time: "2026-01-05T09:00:00Z"
    hand_off: {weekly: [{day: MON, time: "09:00"}]}
"""
RESPONSE_PLAN = """\
response_plans:
  - name: Plan
    incident: {title: t, impact: low}
"""
ALARM = (
    RESPONSE_PLAN
    + """\
alarms:
  - name: cpu
    response_plan: Plan
    metric: {namespace: AWS/EC2, name: CPUUtilization}
    comparison: GreaterThanThreshold
    threshold: 80
"""
)
# One case of each kind of mistake a schema can state: the file, and the keyword that refuses it.
CASES: dict[str, tuple[str, str]] = {
    "wrong type: text for a number": (
        MINIMAL.replace("at_minute: 0", "at_minute: '5'"),
        "type",
    ),
    "wrong type: a number for text": (MINIMAL.replace('"111122223333"', "111122223333"), "type"),
    "wrong type: a list for a map": (MINIMAL + "default_tags: [a]\n", "type"),
    "enum: channel type": (MINIMAL.replace("type: EMAIL", "type: PAGER"), "enum"),
    "enum: a region where Incident Manager does not run": (
        MINIMAL.replace("regions: [us-east-1]", "regions: [us-east-1, af-south-1]"),
        "enum",
    ),
    "enum: impact": (RESPONSE_PLAN.replace("impact: low", "impact: severe") + MINIMAL, "enum"),
    "pattern: contact alias": (
        MINIMAL.replace("alias: incident-responder", "alias: Bad!"),
        "pattern",
    ),
    "pattern: account id": (MINIMAL.replace('"111122223333"', '"1111"'), "pattern"),
    "pattern: tag key with a space (ssm-contacts)": (
        MINIMAL.replace("    engagement:", "    tags: {my team: sre}\n    engagement:"),
        "pattern",
    ),
    "pattern: incident tag key starting with aws:": (
        RESPONSE_PLAN + "    tags: {'aws:owner': me}\n" + MINIMAL,
        "pattern",
    ),
    "pattern: start time without an offset": (
        MINIMAL + ROTATION.replace("09:00:00Z", "09:00:00"),
        "pattern",
    ),
    "pattern: an SMS address that is not +digits": (
        MINIMAL.replace("type: EMAIL", "type: SMS").replace(
            "responder@example.com", '"206 555 0100"'
        ),
        "pattern",
    ),
    "length: alias of 256 characters": (
        MINIMAL.replace("alias: incident-responder", "alias: " + "a" * 256),
        "maxLength",
    ),
    "length: empty channel name": (MINIMAL.replace("name: email", 'name: ""'), "minLength"),
    "length: runbook version name of 2 (provider 5.100.0)": (
        MINIMAL
        + "runbooks:\n  - name: runbook\n    document: stacks/runbooks/ec2-cpu-util-runbook.yaml\n"
        "    version_name: v1\n",
        "minLength",
    ),
    "size: 4 replication regions": (
        MINIMAL.replace(
            "regions: [us-east-1]", "regions: [us-east-1, us-east-2, us-west-1, us-west-2]"
        ),
        "maxItems",
    ),
    "size: 6 engagements": (
        RESPONSE_PLAN + "    engagements: [a, b, c, d, e, f]\n" + MINIMAL,
        "maxItems",
    ),
    "size: no channel": (
        MINIMAL.replace(
            "    channels:\n      - name: email\n        type: EMAIL\n"
            "        address: responder@example.com\n",
            "    channels: []\n",
        ),
        "minItems",
    ),
    "size: 9 rotations in an on-call schedule (documented quota)": (
        MINIMAL
        + "oncall_schedules:\n  - alias: oncall\n    display_name: On call\n"
        + "    rotations: [r1, r2, r3, r4, r5, r6, r7, r8, r9]\n",
        "maxItems",
    ),
    "size: 51 tags": (
        MINIMAL + "default_tags: {" + ", ".join(f"k{i}: v" for i in range(51)) + "}\n",
        "maxProperties",
    ),
    "range: a stage of 999 minutes": (
        MINIMAL + PLAN.replace("duration_minutes: 5", "duration_minutes: 999"),
        "maximum",
    ),
    "range: a negative minute": (MINIMAL.replace("at_minute: 0", "at_minute: -1"), "minimum"),
    "range: a 2-day engagement": (MINIMAL.replace("at_minute: 0", "at_minute: 2880"), "maximum"),
    "unknown key": (
        MINIMAL.replace("    channels:", "    dispaly_name: x\n    channels:"),
        "additionalProperties",
    ),
    "unknown key at the top": (MINIMAL + "contact: []\n", "additionalProperties"),
    "missing key: region": (MINIMAL.replace("region: us-east-1\n", "", 1), "required"),
    "missing key: a channel's type": (MINIMAL.replace("        type: EMAIL\n", ""), "required"),
    "one entry: each region once": (
        MINIMAL.replace("regions: [us-east-1]", "regions: [us-east-1, us-east-1]"),
        "uniqueItems",
    ),
    "one entry: an address and secret: true": (
        MINIMAL.replace(
            "address: responder@example.com", "address: a@example.com\n        secret: true"
        ),
        "type",
    ),
    "one entry: no address and no secret": (
        MINIMAL.replace("        address: responder@example.com\n", ""),
        "required",
    ),
    "one entry: a 0-minute stage without targets": (
        MINIMAL
        + PLAN.replace(
            "duration_minutes: 5\n        targets: [{contact: incident-responder}]",
            "duration_minutes: 0",
        ),
        "required",
    ),
    "one entry: two kinds of hand-off": (
        MINIMAL + ROTATION.replace("hand_off: {weekly:", 'hand_off: {daily: ["09:00"], weekly:'),
        "oneOf",
    ),
    "one entry: a CloudWatch period of 45 s": (
        MINIMAL + ALARM.replace("CPUUtilization}", "CPUUtilization, period_seconds: 45}"),
        "anyOf",
    ),
    "one entry: a statistic that is no statistic": (
        MINIMAL + ALARM.replace("CPUUtilization}", "CPUUtilization, statistic: Mean}"),
        "anyOf",
    ),
    "one entry: a runbook action with name and document": (
        MINIMAL
        + RESPONSE_PLAN
        + "    runbook: {name: a, document: AWS-Doc, role: r, kept_as_adopted: true}\n",
        "oneOf",
    ),
    "one entry: dynamodb lock without a table": (
        MINIMAL
        + "backend: {type: s3, bucket: my-bucket, key: k, region: us-east-1, lock: dynamodb}\n",
        "required",
    ),
    "one entry: an existing replication set with keys": (
        MINIMAL.replace(
            "regions: [us-east-1]",
            "regions: [us-east-1]\n  existing: true\n  encryption: create-keys",
        ),
        "const",
    ),
    "one entry: 5 alarm actions besides the incident": (
        MINIMAL + ALARM + "    alarm_actions: [a, b, c, d, e]\n",
        "maxItems",
    ),
}


@pytest.mark.parametrize("case", list(CASES))
def test_a_mistake_make_check_refuses_is_flagged_by_the_schema_too(
    tmp_path: Path, case: str
) -> None:
    text, keyword = CASES[case]
    problems, keywords = _flagged(tmp_path, text)
    assert problems, "make check accepts it: not a mistake"
    assert keyword in keywords, (keywords, problems)


def test_the_minimal_file_and_its_sections_are_valid_for_both(tmp_path: Path) -> None:
    """The cases above change one thing in files that both accept."""
    text = MINIMAL + PLAN + ROTATION + ALARM
    assert _flagged(tmp_path, text) == ([], [])


# --- Generated files: the schema refuses only what make check refuses -------------------------

# make check's messages for the rules the schema cannot state (stacks/config/schema_rules.py:
# NOT_EXPRESSIBLE): a file refused only for these may pass the schema.
NOT_EXPRESSIBLE_MESSAGES = re.compile(
    "|".join(
        (
            r"unknown (contact|channel|escalation plan|rotation|runbook|topic|response plan)",
            r"is not in replication_set\.regions",
            r"is used twice|is already an? [a-z ]+ alias|is listed twice",
            r"engages itself",
            r"is not an IANA time zone|on call at once but|a coverage must have a length|overlaps",
            r"is not a phone number in E\.164 form|is not an e-mail address",
            r"is not a whole number|not an ISO 8601 date",
            r"channel targets name a personal contact|takes personal contacts",
            r"its secret address variable",
        )
    )
)


def _write(root: Path, env: Env) -> str:
    buffer = io.StringIO()
    YAML().dump(env, buffer)
    text = buffer.getvalue()
    directory = root / ENVIRONMENTS_DIR
    shutil.rmtree(directory, ignore_errors=True)
    directory.mkdir(parents=True)
    (directory / "generated.yaml").write_text(text, encoding="utf-8")
    return text


def _leaves(node: Any, path: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    if isinstance(node, dict):
        return [p for k, v in node.items() for p in _leaves(v, (*path, k))] or [path]
    if isinstance(node, list):
        return [p for i, v in enumerate(node) for p in _leaves(v, (*path, i))] or [path]
    return [path]


@pytest.fixture(scope="module")
def root(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("schema-properties")
    shutil.copytree(PROJECT_ROOT / "stacks" / "runbooks", path / "stacks" / "runbooks")
    return path


def _edits(value: Any) -> st.SearchStrategy[Any]:
    """Small changes of a value a person makes: a near miss (a broken reference, a repeated
    name), a changed case, a space, a neighbouring number."""
    if isinstance(value, str):
        return st.sampled_from([value + "x", value.upper(), f"{value} ", value[:-1], "a"])
    if isinstance(value, bool):
        return st.just(not value)
    if isinstance(value, int):
        return st.sampled_from([value - 1, value + 1, value * 100, -value])
    return st.nothing()


@settings(
    max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(env=environments(), data=st.data())
def test_a_generated_file_is_refused_by_the_schema_only_if_make_check_refuses_it(
    root: Path, env: Env, data: st.DataObject
) -> None:
    """Valid generated environments, and the same with one value replaced by junk: where the
    schema refuses, make check refuses; where make check refuses for a reason a schema can
    state, the schema refuses too."""
    broken = copy.deepcopy(env)
    if data.draw(st.booleans()):
        path = data.draw(st.sampled_from(_leaves(broken)))
        parent = broken
        for part in path[:-1]:
            parent = parent[part]
        if path:
            parent[path[-1]] = data.draw(junk | _edits(parent[path[-1]]))
    text = _write(root, broken)
    try:
        load_environments(root)
        problems: list[str] = []
    except ConfigError as error:
        problems = [p.message for p in error.problems]
    errors = schema_errors(editor_yaml(text))
    if errors:
        assert problems, f"the schema refuses what make check accepts: {errors[0].message}"
    elif problems:
        expressible = [p for p in problems if not NOT_EXPRESSIBLE_MESSAGES.search(p)]
        assert expressible == [], "make check refuses it for a reason the schema could state"


# --- Patterns: the checks' engines, the validator's and the editors' agree --------------------

# Characters that tell the dialects apart: ASCII and Latin-1, spaces and line ends of every
# kind, marks, joiners, digits and letters of other scripts, and letters outside the BMP.
PROBE_CHARS = (
    [chr(c) for c in range(0x20, 0x7F)]
    + [chr(c) for c in range(0xA0, 0x100)]
    + list("\t\n\v\f\r\x1c\x1f\x85\u1680\u2000\u200a\u200b\u200c\u200d\u2028\u2029\u202f")
    + list("\u205f\u3000\ufeff\u0301\u0663\u06f5\u0966\u00b2\u2160\u0416\u05d0\u4e2d\u203f")
    + ["\U0001f600", "\U0001d400", "\U00010400"]
)
PROBE_PREFIXES = ("", "ab", "arn:aws:iam::111122223333:role/", "p9", "alias/x", "/AWS::")


def _probes() -> list[str]:
    probes = [""]
    for char in PROBE_CHARS:
        probes += [prefix + char for prefix in PROBE_PREFIXES] + [char * 3]
    return probes


def _matchers() -> list[tuple[str, Callable[[str], bool], bool]]:
    """Every pattern a check matches, with the check's own way of matching it: (pattern,
    matcher, whether the check matches the whole value)."""
    checks: list[tuple[str, Callable[[str], bool], bool]] = [
        (r.pattern, _full(regex.compile(r.pattern)), True) for r in api.STRING_RULES if r.pattern
    ]
    checks += [
        (p, _full(re.compile(p)), True)
        for p in (
            config.KEY_REFERENCE_PATTERN,
            config.PERCENTILE_PATTERN,
            topic_alarm_checks.ACTION_ARN.pattern,
            topic_alarm_checks.RESPONSE_PLAN_ARN.pattern,
        )
    ]
    # Field(pattern=...): pydantic's own engine decides, searching as JSON Schema does.
    checks += [
        (p, _pydantic(p), False)
        for p in (
            config.ACCOUNT_ID_PATTERN,
            config.TIME_PATTERN,
            config.ARN_PATTERN,
            config.TOPIC_NAME_PATTERN,
            config.BUCKET_PATTERN,
            config.RUNBOOK_NAME_PATTERN,
        )
    ]
    return checks


def _full(compiled: Any) -> Callable[[str], bool]:
    return lambda value: compiled.fullmatch(value) is not None


def _pydantic(pattern: str) -> Callable[[str], bool]:
    adapter: TypeAdapter[str] = TypeAdapter(Annotated[str, Field(pattern=pattern)])

    def matches(value: str) -> bool:
        try:
            adapter.validate_python(value)
        except ValidationError:
            return False
        return True

    return matches


def test_each_check_pattern_and_its_schema_form_accept_the_same_values() -> None:
    probes = _probes()
    for pattern, matches, fullmatch in _matchers():
        translated = regex.compile(python_form(ecma_pattern(pattern, fullmatch=fullmatch)))
        differ = [p for p in probes if matches(p) != bool(translated.search(p))]
        assert differ == [], (pattern, differ[:5])


def _schema_patterns(node: Any) -> set[str]:
    if isinstance(node, dict):
        found = {node["pattern"]} if isinstance(node.get("pattern"), str) else set()
        return found.union(*(_schema_patterns(v) for v in node.values()))
    if isinstance(node, list):
        return set().union(*(_schema_patterns(v) for v in node))
    return set()


NODE_MATCHER = """
const {patterns, probes} = JSON.parse(require('fs').readFileSync(0, 'utf8'));
// As yaml-language-server compiles a schema's pattern: new RegExp(pattern, 'u').
const result = patterns.map(p => {
  const r = new RegExp(p, 'u');
  return probes.map(s => r.test(s));
});
process.stdout.write(JSON.stringify(result));
"""


def test_editors_read_every_schema_pattern_as_the_validator_does() -> None:
    """Node.js's ECMA-262 engine, with the u flag, as yaml-language-server runs it."""
    node = shutil.which("node")
    assert node, "Node.js (needed for the cdktf CLI) is not on PATH"
    patterns = sorted(_schema_patterns(environment_schema()))
    assert len(patterns) >= 30
    probes = _probes()
    run = subprocess.run(
        [node, "-e", NODE_MATCHER],
        input=json.dumps({"patterns": patterns, "probes": probes}),
        capture_output=True,
        text=True,
        check=True,
    )
    verdicts = json.loads(run.stdout)
    for pattern, in_node in zip(patterns, verdicts, strict=True):
        compiled = regex.compile(python_form(pattern))
        differ = [p for p, v in zip(probes, in_node, strict=True) if bool(compiled.search(p)) != v]
        assert differ == [], (pattern, differ[:5])


def test_an_adopted_environment_file_names_the_schema_and_validates(tmp_path: Path) -> None:
    from stacks.adopt.command import write_files
    from stacks.adopt.write_environment import Adoption

    write_files(Adoption(environment=editor_yaml(MINIMAL)), "acme", tmp_path)
    text = (tmp_path / ENVIRONMENTS_DIR / "acme.yaml").read_text(encoding="utf-8")
    assert text.startswith(HEADER + "# Written by `python main.py adopt`")
    assert schema_errors(editor_yaml(text)) == []


def test_the_command_says_what_is_stale_and_write_makes_it_current(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    from stacks.config import generated_files

    (tmp_path / "stacks").mkdir()
    (tmp_path / "docs").mkdir()
    shutil.copy(PROJECT_ROOT / "docs" / "environment-file.md", tmp_path / "docs")
    (tmp_path / SCHEMA_FILE).write_text("{}\n", encoding="utf-8")
    monkeypatch.setattr(generated_files, "PROJECT_ROOT", tmp_path)
    assert generated_files.main(["--check"]) == 1
    assert capsys.readouterr().err == f"stacks/environment.schema.json is stale: run {REGENERATE}\n"
    assert generated_files.main(["--write"]) == 0
    assert capsys.readouterr().out == "wrote stacks/environment.schema.json\n"
    assert generated_files.main(["--check"]) == 0
    assert (tmp_path / SCHEMA_FILE).read_text(encoding="utf-8") == schema_text()
