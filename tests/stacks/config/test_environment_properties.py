"""Property-based: generated valid environments synthesize; generated mistakes are config
errors, never an exception from cdktf or jsii."""

from __future__ import annotations

import copy
import io
import shutil
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from ruamel.yaml import YAML

from stacks.config.config_errors import ConfigError
from stacks.config.environment_checks import coverage_overlaps
from stacks.config.environment_loader import load_environments
from stacks.stack.synthesize import build_app
from tests.conftest import PROJECT_ROOT

Env = dict[str, Any]

aliases = st.from_regex(r"[a-z][a-z0-9_-]{0,12}", fullmatch=True)
minutes = st.integers(0, 200)


@st.composite
def contacts(draw: st.DrawFn, alias: str) -> Env:
    kinds = draw(st.lists(st.sampled_from(["EMAIL", "SMS", "VOICE"]), min_size=1, max_size=3))
    channels = []
    for index, kind in enumerate(kinds):
        address = (
            f"{alias}@example.com"
            if kind == "EMAIL"
            else f"+1206555{draw(st.integers(100, 199)):04d}"
        )
        channels.append({"name": f"{kind.lower()} {index}", "type": kind, "address": address})
    engagement = [
        {"channel": c["name"], "at_minute": draw(minutes)}
        | ({"retry_interval_minutes": draw(st.integers(0, 60))} if draw(st.booleans()) else {})
        for c in channels
    ]
    return {"alias": alias, "channels": channels, "engagement": engagement}


@st.composite
def environments(draw: st.DrawFn) -> Env:
    names = draw(st.lists(aliases, min_size=2, max_size=7, unique=True))
    people, plans = names[: max(1, len(names) // 2)], names[max(1, len(names) // 2) :]
    env: Env = {
        "account_id": "111122223333",
        "region": "us-east-1",
        "replication_set": {"regions": ["us-east-1"]},
        "contacts": [draw(contacts(alias)) for alias in people],
        "escalation_plans": [],
        "response_plans": [],
    }
    for index, alias in enumerate(plans):
        engageable = people + plans[:index]  # earlier plans only: no cycles
        stages = []
        for _ in range(draw(st.integers(1, 3))):
            targets = [
                {"contact": t}
                | (
                    {"acknowledgement_stops_plan": draw(st.booleans())}
                    if draw(st.booleans())
                    else {}
                )
                for t in draw(st.lists(st.sampled_from(engageable), max_size=3, unique=True))
            ]
            low = 0 if targets else 1
            stages.append({"duration_minutes": draw(st.integers(low, 30)), "targets": targets})
        env["escalation_plans"].append({"alias": alias, "stages": stages})
    for index in range(draw(st.integers(0, 2))):
        env["response_plans"].append(
            {
                "name": f"Plan{index}",
                "incident": {
                    "title": draw(st.text(st.characters(codec="ascii"), min_size=1, max_size=40)),
                    "impact": draw(st.sampled_from(["critical", "high", "medium", "low", "none"])),
                },
                "engagements": draw(st.lists(st.sampled_from(names), max_size=5, unique=True)),
            }
        )
    if draw(st.booleans()):
        env["rotations"] = [
            {
                "name": "rotation",
                "contacts": people,
                "time_zone": draw(st.sampled_from(["Etc/UTC", "Europe/Berlin", "Asia/Tokyo"])),
                "start_time": "2026-01-05T09:00:00Z",
                "hand_off": {"daily": ["09:00"]},
            }
        ]
    return env


def write(root: Path, env: Env) -> None:
    directory = root / "stacks" / "environments"
    shutil.rmtree(directory, ignore_errors=True)
    directory.mkdir(parents=True)
    buffer = io.StringIO()
    YAML().dump(env, buffer)
    (directory / "generated.yaml").write_text(buffer.getvalue(), encoding="utf-8")


@pytest.fixture(scope="module")
def root(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("properties")
    shutil.copytree(PROJECT_ROOT / "stacks" / "runbooks", path / "stacks" / "runbooks")
    return path


SETTINGS = settings(
    max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)


@SETTINGS
@given(env=environments())
def test_generated_valid_environments_synthesize(root: Path, env: Env) -> None:
    write(root, env)
    (environment,) = load_environments(root)
    app = build_app([environment], root, root / "out")
    app.synth()
    stack = app.node.find_child("incident-manager-generated")
    assert stack is not None
    assert (root / "out" / "stacks" / "incident-manager-generated" / "cdk.tf.json").is_file()


def _leaves(node: Any, path: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    if isinstance(node, dict):
        return [p for k, v in node.items() for p in _leaves(v, (*path, k))] or [path]
    if isinstance(node, list):
        return [p for i, v in enumerate(node) for p in _leaves(v, (*path, i))] or [path]
    return [path]


junk = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(-(10**6), 10**6),
    st.text(max_size=300),
    st.lists(st.text(max_size=5), max_size=3),
    st.dictionaries(st.text(max_size=5), st.integers(), max_size=2),
)


@settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(env=environments(), data=st.data())
def test_a_corrupted_value_is_a_config_error_or_a_valid_stack(
    root: Path, env: Env, data: st.DataObject
) -> None:
    broken = copy.deepcopy(env)
    path = data.draw(st.sampled_from(_leaves(broken)))
    value = data.draw(junk)
    if path:
        parent = broken
        for part in path[:-1]:
            parent = parent[part]
        parent[path[-1]] = value
    write(root, broken)
    try:
        environments_ = load_environments(root)
    except ConfigError as error:
        assert error.problems
        assert all(p.file == "stacks/environments/generated.yaml" for p in error.problems)
        return
    # Accepted: then it must build without any cdktf or jsii error.
    build_app(environments_, root, root / "out").synth()


@SETTINGS
@given(env=environments(), data=st.data())
def test_a_typo_in_a_reference_or_key_is_always_caught(
    root: Path, env: Env, data: st.DataObject
) -> None:
    broken = copy.deepcopy(env)
    mistake = data.draw(st.sampled_from(["unknown key", "bad reference", "region", "channel"]))
    if mistake == "unknown key":
        broken["contacts"][0]["dispaly_name"] = "x"
    elif mistake == "bad reference":
        broken["escalation_plans"].append(
            {
                "alias": "zz-plan",
                "stages": [{"duration_minutes": 1, "targets": [{"contact": "nobody"}]}],
            }
        )
    elif mistake == "region":
        broken["region"] = "us-west-2"
    else:
        broken["contacts"][0]["engagement"][0]["channel"] = "no such channel"
    write(root, broken)
    with pytest.raises(ConfigError):
        load_environments(root)


MISTAKES = ("unknown key", "bad channel", "bad reference", "unknown stage key", "region")


@SETTINGS
@given(
    env=environments(),
    mistakes=st.sets(st.sampled_from(MISTAKES), min_size=1),
    tab=st.booleans(),
)
def test_every_mistake_of_a_file_is_named_in_one_run(
    root: Path, env: Env, mistakes: set[str], tab: bool
) -> None:
    """Whatever mix of unknown keys and bad references a file holds (and a tab after a colon,
    which is valid YAML), each mistake is named in the first run."""
    broken = copy.deepcopy(env)
    expected = set()
    if "unknown key" in mistakes:
        broken["contacts"][0]["dispaly_name"] = "x"
        expected.add("contacts[0].dispaly_name")
    if "bad channel" in mistakes:
        broken["contacts"][0]["engagement"][0]["channel"] = "no such channel"
        expected.add("contacts[0].engagement[0].channel")
    if mistakes & {"bad reference", "unknown stage key"}:
        index = len(broken["escalation_plans"])
        stage: Env = {"duration_minutes": 1, "targets": [{"contact": "nobody"}]}
        if "unknown stage key" in mistakes:
            stage["duration"] = 5
            expected.add(f"escalation_plans[{index}].stages[0].duration")
        if "bad reference" not in mistakes:
            stage["targets"] = []
        else:
            expected.add(f"escalation_plans[{index}].stages[0].targets[0].contact")
        broken["escalation_plans"].append({"alias": "zz-plan", "stages": [stage]})
    if "region" in mistakes:
        broken["region"] = "us-west-2"
        expected.add("region")
    write(root, broken)
    if tab:
        file = root / "stacks" / "environments" / "generated.yaml"
        text = file.read_text(encoding="utf-8")
        file.write_text(text.replace("account_id: ", "account_id:\t", 1), encoding="utf-8")
    with pytest.raises(ConfigError) as error:
        load_environments(root)
    assert {p.path for p in error.value.problems} == expected


day_minutes = st.integers(0, 24 * 60 - 1)


@settings(max_examples=300, deadline=None)
@given(spans=st.lists(st.tuples(day_minutes, day_minutes), max_size=5))
def test_coverage_overlaps_are_what_a_minute_by_minute_check_finds(
    spans: list[tuple[int, int]],
) -> None:
    def minutes(span: tuple[int, int]) -> set[int]:
        start, end = span
        if start == end:
            return set()  # refused on its own: a coverage must have a length
        return set(range(start, end if end > start else 24 * 60))

    found = {
        later: (earlier, start, end) for later, earlier, start, end in coverage_overlaps(spans)
    }
    for later, span in enumerate(spans):
        shared = [(e, minutes(span) & minutes(spans[e])) for e in range(later)]
        shared = [(e, m) for e, m in shared if m]
        if not shared:
            assert later not in found
            continue
        earlier, common = shared[0]
        assert found[later] == (earlier, min(common), max(common) + 1)
