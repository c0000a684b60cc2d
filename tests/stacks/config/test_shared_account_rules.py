"""Environments that share an AWS account: one replication set, and names AWS keeps once per
account (or account and region) differ between them; each problem names both places."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from stacks.config.config_errors import ConfigError
from stacks.config.environment_loader import load_environments
from tests.stacks.environment_files import MINIMAL, project_with

DEV = "stacks/environments/dev.yaml"
STAGING = "stacks/environments/staging.yaml"
EXISTING = MINIMAL.replace("  regions: [us-east-1]\n", "  existing: true\n  regions: [us-east-1]\n")


def project(tmp_path: Path, dev: str, staging: str) -> Path:
    root = project_with(tmp_path, dev, name="dev")
    (root / STAGING).write_text(staging, encoding="utf-8")
    return root


def problems(root: Path, names: tuple[str, ...] = ()) -> list[str]:
    with pytest.raises(ConfigError) as error:
        load_environments(root, names)
    return [str(p) for p in error.value.problems]


def renamed(text: str, prefix: str) -> str:
    return text.replace("incident-responder", f"{prefix}-incident-responder")


def test_two_environments_of_one_account_may_share_a_set_created_once(tmp_path: Path) -> None:
    root = project(tmp_path, MINIMAL, renamed(EXISTING, "stg"))
    assert [e.name for e in load_environments(root)] == ["dev", "staging"]


def test_different_accounts_may_use_the_same_names(tmp_path: Path) -> None:
    other = MINIMAL.replace('"111122223333"', '"444455556666"')
    assert len(load_environments(project(tmp_path, MINIMAL, other))) == 2


def test_fails_when_two_environments_of_one_account_create_the_replication_set(
    tmp_path: Path,
) -> None:
    root = project(tmp_path, MINIMAL, renamed(MINIMAL, "stg"))
    expected = [
        f"{STAGING}:3: replication_set: account 111122223333 has one replication set, and "
        f"{DEV}:3 (replication_set) creates it already; write existing: true here (or there): "
        "exactly one environment of an account creates it"
    ]
    assert problems(root) == expected
    # Synthesizing staging alone, or dev alone, is refused the same way.
    assert problems(root, ("staging",)) == expected
    assert problems(root, ("dev",)) == expected


def test_fails_when_two_environments_of_one_account_use_one_alias(tmp_path: Path) -> None:
    assert problems(project(tmp_path, MINIMAL, EXISTING)) == [
        f"{STAGING}:7: contacts[0].alias: 'incident-responder' is also a contact alias in "
        f"{DEV}:6 (contacts[0].alias), and both files deploy to account 111122223333; contact, "
        "escalation plan and on-call schedule aliases are unique in an account: rename one"
    ]


def test_an_escalation_plan_may_not_take_another_environments_contact_alias(
    tmp_path: Path,
) -> None:
    staging = renamed(EXISTING, "stg") + (
        "escalation_plans:\n  - alias: incident-responder\n    stages:\n"
        "      - duration_minutes: 1\n        targets: [{contact: stg-incident-responder}]\n"
    )
    (problem,) = problems(project(tmp_path, MINIMAL, staging))
    assert problem.startswith(
        f"{STAGING}:16: escalation_plans[0].alias: 'incident-responder' is also a contact alias "
        f"in {DEV}:6 (contacts[0].alias)"
    )


ROTATION_AND_PLAN = """\
rotations:
  - name: business-hours
    contacts: [{alias}]
    time_zone: Etc/UTC
    start_time: 2026-01-05T08:00:00+00:00
    hand_off: {{daily: ["09:00"]}}
response_plans:
  - name: AppDown
    incident: {{title: down, impact: high}}
"""


def test_fails_on_rotation_and_response_plan_names_used_twice_in_an_account(
    tmp_path: Path,
) -> None:
    dev = MINIMAL + ROTATION_AND_PLAN.format(alias="incident-responder")
    staging = renamed(EXISTING, "stg") + ROTATION_AND_PLAN.format(alias="stg-incident-responder")
    found = problems(project(tmp_path, dev, staging))
    assert [p.split(" is also ")[0] for p in found] == [
        f"{STAGING}:16: rotations[0].name: 'business-hours'",
        f"{STAGING}:22: response_plans[0].name: 'AppDown'",
    ]
    assert f"a rotation name in {DEV}:15 (rotations[0].name)" in found[0]
    assert f"a response plan name in {DEV}:21 (response_plans[0].name)" in found[1]
    assert found[1].endswith("response plan names are unique in an account: rename one")


def test_fails_when_a_shared_set_lacks_a_region_the_environment_names(tmp_path: Path) -> None:
    staging = renamed(EXISTING, "stg").replace(
        "regions: [us-east-1]", "regions: [us-east-1, us-west-2]"
    )
    assert problems(project(tmp_path, MINIMAL, staging)) == [
        f"{STAGING}:5: replication_set.regions[1]: 'us-west-2' is not a region of the "
        f"replication set that {DEV}:4 (replication_set.regions) creates (us-east-1)"
    ]


def test_an_environment_with_its_own_mistakes_is_not_compared(tmp_path: Path) -> None:
    # staging's own problem is reported; its alias clash is not guessed at from a broken file.
    staging = EXISTING.replace("type: EMAIL", "type: FAX")
    (problem,) = problems(project(tmp_path, MINIMAL, staging))
    assert problem.startswith(f"{STAGING}:10: contacts[0].channels[0].type: 'FAX'")


def test_the_examples_follow_the_rules_of_a_shared_account() -> None:
    # dev and staging share 111122223333; dev creates the set, staging says existing: true.
    from tests.conftest import PROJECT_ROOT

    examples = PROJECT_ROOT / "tests" / "fixtures" / "examples"
    names = [e.name for e in load_environments(examples)]
    assert {"dev", "staging"} <= set(names)


def environment_text(account: str, existing: bool, aliases: list[str]) -> str:
    lines = [f'account_id: "{account}"', "region: us-east-1", "replication_set:"]
    lines += ["  existing: true"] if existing else []
    lines += ["  regions: [us-east-1]", "contacts:"]
    for alias in aliases:
        lines += [
            f"  - alias: {alias}",
            "    channels: [{name: email, type: EMAIL, address: a@example.com}]",
            "    engagement: [{channel: email, at_minute: 0}]",
        ]
    return "\n".join(lines) + "\n"


shapes = st.lists(
    st.tuples(
        st.sampled_from(["111122223333", "444455556666"]),
        st.booleans(),
        st.lists(st.sampled_from(["ann", "bob", "cy", "dee"]), min_size=1, max_size=3, unique=True),
    ),
    min_size=1,
    max_size=4,
)


@settings(
    max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(shapes=shapes)
def test_generated_environment_sets_are_refused_exactly_where_they_clash(
    tmp_path_factory: pytest.TempPathFactory, shapes: list[tuple[str, bool, list[str]]]
) -> None:
    root = tmp_path_factory.mktemp("accounts")
    folder = root / "stacks" / "environments"
    folder.mkdir(parents=True)
    for index, (account, existing, aliases) in enumerate(shapes):
        (folder / f"env{index}.yaml").write_text(environment_text(account, existing, aliases))
    # Brute force: a later file clashes with an earlier one of its account.
    expected = set()
    for index, (account, existing, aliases) in enumerate(shapes):
        earlier = [s for s in shapes[:index] if s[0] == account]
        if not existing and any(not e for _, e, _ in earlier):
            expected.add((f"stacks/environments/env{index}.yaml", "replication_set"))
        taken = {alias for _, _, names in earlier for alias in names}
        expected |= {
            (f"stacks/environments/env{index}.yaml", f"contacts[{ci}].alias")
            for ci, alias in enumerate(aliases)
            if alias in taken
        }
    if not expected:
        assert len(load_environments(root)) == len(shapes)
        return
    with pytest.raises(ConfigError) as error:
        load_environments(root)
    assert {(p.file, p.path) for p in error.value.problems} == expected
    # Every message names the earlier file and its line.
    assert all(
        re.search(r"stacks/environments/env\d+\.yaml:\d+ \(", str(p)) for p in error.value.problems
    )


def test_main_check_refuses_a_second_replication_set_with_exit_2(tmp_path: Path) -> None:
    from benchmarks.synth_benchmark import copy_project
    from tests.conftest import run_main

    root = copy_project(tmp_path)
    staging = root / STAGING
    staging.write_text(
        staging.read_text(encoding="utf-8").replace("  existing: true\n", "", 1), encoding="utf-8"
    )
    # The live example file: its line is read, not written here (the file may change).
    line = staging.read_text(encoding="utf-8").splitlines().index("replication_set:") + 1
    result = run_main(root, "check", timeout=120)
    assert result.returncode == 2, result.stderr
    assert "Traceback" not in result.stderr
    assert f"{STAGING}:{line}: replication_set: account 111122223333 has one replication set" in (
        result.stderr
    )
    assert f"{DEV}:" in result.stderr
