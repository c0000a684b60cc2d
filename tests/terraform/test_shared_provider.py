"""The shared provider (tests/terraform/shared_provider.py): which Terraform runs it serves, its
pool of processes, and real runs through the wrapper against runs without it."""

from __future__ import annotations

import json
import os
import subprocess
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from local_aws import local_apply
from local_aws import provider_relay as relay
from tests.terraform import shared_provider as sp
from tests.terraform.terraform_cli import Terraform

LOCK_FILE = """\
provider "registry.terraform.io/hashicorp/aws" {
  version     = "5.100.0"
  constraints = "5.100.0"
}
"""


def write_json(path: Path, document: object) -> Path:
    path.write_text(json.dumps(document), encoding="utf-8")
    return path


def aws(*configurations: dict[str, object]) -> dict[str, object]:
    return {"provider": {"aws": list(configurations)}}


@pytest.mark.parametrize(
    ("args", "command", "chdir"),
    [
        (["plan", "-out=p"], "plan", None),
        (["-chdir=stack", "apply", "-auto-approve"], "apply", "stack"),
        (["-version"], None, None),
        (["providers", "schema", "-json"], "providers", None),
    ],
)
def test_the_command_and_its_directory(
    tmp_path: Path, args: list[str], command: str | None, chdir: str | None
) -> None:
    found, workdir = sp.command_and_workdir(args, tmp_path)
    assert found == command
    assert workdir == (tmp_path / chdir if chdir else tmp_path)


def test_one_unaliased_configuration_is_served(tmp_path: Path) -> None:
    write_json(tmp_path / "cdk.tf.json", aws({"region": "us-east-1"}))
    # An override changes the block; it does not add a configuration.
    write_json(tmp_path / "local_override.tf.json", aws({"region": "eu-west-1"}))
    assert sp.provider_configurations(tmp_path) == 1


@pytest.mark.parametrize(
    ("document", "served"),
    [
        (aws({"region": "us-east-1"}, {"alias": "west", "region": "us-west-2"}), 2),
        (aws({}, {"alias": "west"}, {"alias": "eu"}), 0),
        (aws({"alias": "west", "region": "us-west-2"}), 0),
        ({**aws({"region": "us-east-1"}), "module": {"child": {"source": "./child"}}}, 0),
        ({"resource": {}}, 0),
    ],
    ids=["two-regions", "three-regions", "only-an-alias", "a-module", "no-provider-block"],
)
def test_which_configurations_are_served(tmp_path: Path, document: object, served: int) -> None:
    write_json(tmp_path / "cdk.tf.json", document)
    assert sp.provider_configurations(tmp_path) == served


@given(
    st.builds(
        str.__add__,
        st.text(alphabet="_abcdeinorstv.", max_size=12)
        | st.sampled_from(["override", "a_override"]),
        st.sampled_from([".tf", ".tf.json"]),
    )
)
def test_override_files_follow_the_local_workdirs_rule(name: str) -> None:
    """The wrapper runs alone (standard library only), so it keeps its own copy of Terraform's
    rule; it must say what local_aws's says."""
    assert sp.is_override_file(name) == local_apply.is_override_file(name)


def test_hcl_is_read_too(tmp_path: Path) -> None:
    (tmp_path / "cdk.tf").write_text('provider "aws" {\n  region = "us-east-1"\n}\n')
    assert sp.provider_configurations(tmp_path) == 1
    (tmp_path / "west.tf").write_text('provider "aws" {\n  alias  = "west"\n}\n')
    assert sp.provider_configurations(tmp_path) == 2
    (tmp_path / "cdk.tf").write_text('provider "aws" {\n  alias  = "east"\n}\n')
    assert sp.provider_configurations(tmp_path) == 0


@given(
    st.lists(
        st.fixed_dictionaries({}, optional={"alias": st.sampled_from(["a", "b"])}),
        max_size=4,
    ),
    st.booleans(),
)
def test_served_with_one_default_configuration_and_at_most_two(
    configurations: list[dict[str, object]], as_object: bool
) -> None:
    document: dict[str, object] = aws(*configurations)
    if as_object and len(configurations) == 1:
        document = {"provider": {"aws": configurations[0]}}
    with tempfile.TemporaryDirectory() as folder:
        write_json(Path(folder) / "cdk.tf.json", document)
        served = sp.provider_configurations(Path(folder))
    assert served == expected_configurations(configurations)


def expected_configurations(configurations: list[dict[str, object]] | list[dict[str, str]]) -> int:
    """What the shared provider serves: one default configuration, at most two in all."""
    defaults = sum(1 for configuration in configurations if "alias" not in configuration)
    fits = defaults == 1 and len(configurations) <= sp.MAX_CONFIGURATIONS
    return len(configurations) if fits else 0


def hcl(configurations: list[dict[str, str]], contacts: list[str]) -> str:
    """An HCL file as `make synth-hcl` writes one: provider blocks with a nested block and a
    string holding braces (an interpolation and a stray one), and contacts, whose `alias` is an
    attribute of the resource."""
    blocks = []
    for configuration in configurations:
        alias = f'  alias  = "{configuration["alias"]}"\n' if "alias" in configuration else ""
        blocks.append(
            f'provider "aws" {{\n{alias}  region = "us-east-1"\n  default_tags {{\n'
            f'    tags = {{\n      name = "${{var.name}}}}"\n    }}\n  }}\n}}\n'
        )
    blocks += [
        f'resource "aws_ssmcontacts_contact" "c{index}" {{\n  alias = "{alias}"\n'
        f'  type  = "PERSONAL"\n}}\n'
        for index, alias in enumerate(contacts)
    ]
    return "\n".join(blocks)


def test_a_contacts_alias_is_no_provider_alias(tmp_path: Path) -> None:
    (tmp_path / "cdk.tf").write_text(hcl([{}], ["oncall", "lead"]))
    assert sp.provider_configurations(tmp_path) == 1
    (tmp_path / "cdk.tf").write_text(hcl([{"alias": "west"}], ["oncall"]))
    assert sp.provider_configurations(tmp_path) == 0


@given(
    st.lists(
        st.fixed_dictionaries({}, optional={"alias": st.sampled_from(["a", "b"])}),
        max_size=3,
    ),
    st.lists(st.sampled_from(["oncall", "a", "b"]), max_size=3),
)
def test_hcl_is_served_with_one_default_configuration_and_at_most_two(
    configurations: list[dict[str, str]], contacts: list[str]
) -> None:
    with tempfile.TemporaryDirectory() as folder:
        (Path(folder) / "cdk.tf").write_text(hcl(configurations, contacts))
        served = sp.provider_configurations(Path(folder))
    assert served == expected_configurations(configurations)


def install_provider(workdir: Path, version: str = "5.100.0", lock: str = LOCK_FILE) -> Path:
    folder = workdir / ".terraform/providers" / sp.PROVIDER_SOURCE / version / "linux_amd64"
    folder.mkdir(parents=True)
    binary = folder / f"terraform-provider-aws_v{version}_x5"
    binary.write_text("#!/bin/sh\n")
    (workdir / ".terraform.lock.hcl").write_text(lock)
    return binary


def test_the_installed_binary_named_by_the_lock_file(tmp_path: Path) -> None:
    binary = install_provider(tmp_path)
    assert relay.installed_provider(tmp_path, None) == binary.resolve()


def test_no_binary_when_the_lock_names_another_version(tmp_path: Path) -> None:
    install_provider(tmp_path, lock=LOCK_FILE.replace("5.100.0", "5.99.0"))
    assert relay.installed_provider(tmp_path, None) is None
    (tmp_path / ".terraform.lock.hcl").unlink()
    assert relay.installed_provider(tmp_path, None) is None


def test_one_process_per_aws_environment() -> None:
    base = {"AWS_ENDPOINT_URL": "http://127.0.0.1:1", "HOME": "/root"}
    key = sp.process_key(Path("/p"), sp.provider_environment(base))
    with_test_name = {**base, "PYTEST_CURRENT_TEST": "t.py::x (call)", "IM_OTHER": "1"}
    assert sp.process_key(Path("/p"), sp.provider_environment(with_test_name)) == key
    other_server = {**base, "AWS_ENDPOINT_URL": "http://127.0.0.1:2"}
    assert sp.process_key(Path("/p"), sp.provider_environment(other_server)) != key
    assert sp.process_key(Path("/q"), sp.provider_environment(base)) != key


def test_a_run_in_a_process_group_of_its_own_is_served_only_through_the_relay(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    write_json(tmp_path / "cdk.tf.json", aws({"region": "us-east-1"}))
    install_provider(tmp_path)
    env = {
        sp.POOL_VARIABLE: str(tmp_path / "pool"),
        sp.GROUP_VARIABLE: str(os.getpgrp() + 1),
        sp.RELAY_SWITCH_VARIABLE: "0",
    }
    monkeypatch.chdir(tmp_path)
    assert sp.shared_reattach(["plan"], env) is None
    assert sp.shared_reattach(["init"], {**env, sp.GROUP_VARIABLE: str(os.getpgrp())}) is None
    assert not (tmp_path / "pool").exists()


@pytest.fixture
def fake_provider(tmp_path: Path) -> Iterator[tuple[Path, Path]]:
    """A stand-in for ``terraform-provider-aws -debug``: it prints a reattach line and waits,
    as the provider does (what the pool does with processes, not what Terraform does)."""
    binary = tmp_path / "terraform-provider-aws_fake"
    binary.write_text(
        '#!/bin/sh\necho "TF_REATTACH_PROVIDERS=\'{\\"pid\\":$$}\'"\nwhile :; do sleep 1; done\n'
    )
    binary.chmod(0o755)
    pool = tmp_path / "pool"
    yield binary, pool
    sp.stop_all(pool)


def served_pid(pool: Path, binary: Path, env: dict[str, str]) -> int:
    """The pid of the process that serves one run (which must get one), the run ended."""
    served = sp.reattach_for(pool, binary, env)
    assert served is not None, "the process was busy"
    reattach, lock = served
    os.close(lock)
    pid: int = json.loads(reattach)["pid"]
    return pid


def test_a_process_serves_run_after_run(fake_provider: tuple[Path, Path]) -> None:
    binary, pool = fake_provider
    first = served_pid(pool, binary, {"HOME": "/root"})
    assert served_pid(pool, binary, {"HOME": "/root"}) == first
    assert sp.pool_pids(pool) == [first]


def test_a_busy_process_is_not_shared(fake_provider: tuple[Path, Path]) -> None:
    binary, pool = fake_provider
    held = [sp.reattach_for(pool, binary, {"HOME": "/root"}) for _ in range(2)]
    served = [run for run in held if run is not None]
    assert len(served) == 2
    first, second = (json.loads(reattach)["pid"] for reattach, _ in served)
    # A run at the same time gets a second process; with both busy, a third runs on its own.
    assert first != second
    assert sp.reattach_for(pool, binary, {"HOME": "/root"}) is None
    os.close(served[0][1])
    assert served_pid(pool, binary, {"HOME": "/root"}) == first
    os.close(served[1][1])
    # The first idle copy serves: the second stays for the next runs at the same time.
    assert served_pid(pool, binary, {"HOME": "/root"}) == first
    assert sorted(sp.pool_pids(pool)) == sorted([first, second])


def test_runs_that_need_the_relay_are_not_served_without_it(
    fake_provider: tuple[Path, Path],
) -> None:
    """A provider with no address to relay (this stand-in names none; so is every provider
    with IM_TESTS_SCHEMA_RELAY=0): reattached directly, so only runs of one configuration in
    the worker's process group are served."""
    binary, pool = fake_provider
    assert sp.reattach_for(pool, binary, {}, None, 1, needs_relay=True) is None
    assert sp.reattach_for(pool, binary, {}, None, 2) is None
    pid = served_pid(pool, binary, {})
    assert sp.pool_pids(pool) == [pid]


def test_a_dead_process_is_started_again(fake_provider: tuple[Path, Path]) -> None:
    binary, pool = fake_provider
    pid = served_pid(pool, binary, {})
    os.kill(pid, 9)
    while sp._alive(pid, str(binary)):  # SIGKILL lands a moment later
        time.sleep(0.01)
    assert served_pid(pool, binary, {}) != pid


def test_a_process_per_configuration_behind_a_relay_started_again_when_it_dies(
    tmp_path: Path,
) -> None:
    """The relay in front of providers that listen on Unix sockets (stand-ins here: the relay
    connects when Terraform first calls): the run is told the relay's address, what it may touch
    and which processes serve are written for the relay, a run of two configurations gets a
    second process. Relay gone: everything starts again."""
    binary = tmp_path / "terraform-provider-aws_fake"
    address = '{\\"Network\\":\\"unix\\",\\"String\\":\\"/nonexistent/plugin-$$\\"}'
    binary.write_text(
        "#!/bin/sh\n"
        f'echo "TF_REATTACH_PROVIDERS=\'{{\\"{sp.PROVIDER_SOURCE}\\":'
        f'{{\\"Pid\\":$$,\\"Addr\\":{address}}}}}\'"\n'
        "while :; do sleep 1; done\n"
    )
    binary.chmod(0o755)
    pool = tmp_path / "pool"

    def serve(types: list[str] | None, configurations: int = 1) -> dict[str, object]:
        served = sp.reattach_for(pool, binary, {}, types, configurations)
        assert served is not None
        os.close(served[1])
        provider: dict[str, object] = json.loads(served[0])[sp.PROVIDER_SOURCE]
        return provider

    try:
        provider = serve(["aws_a", "aws_b"])
        (slot,) = [path.parent for path in pool.glob("*/pid")]
        addr = provider["Addr"]
        assert isinstance(addr, dict) and addr["Network"] == "tcp"
        assert addr["String"].startswith("127.0.0.1:")
        assert (slot / sp.TYPES_FILE).read_text().split() == ["aws_a", "aws_b"]
        (first,) = sp.provider_pids(slot)
        assert provider["Pid"] == first
        assert (slot / sp.UPSTREAMS_FILE).read_text().split() == [
            f"unix:/nonexistent/plugin-{first}"
        ]
        # Two configurations: a second process, the first still serving first.
        run = (slot / sp.RUN_FILE).read_text()
        assert serve(None, configurations=2) == provider
        assert (slot / sp.RUN_FILE).read_text() != run
        first_again, second = sp.provider_pids(slot)
        assert first_again == first
        assert (slot / sp.UPSTREAMS_FILE).read_text().split() == [
            f"unix:/nonexistent/plugin-{first}",
            f"unix:/nonexistent/plugin-{second}",
        ]
        # No types given: the relay answers with the whole schema.
        assert not (slot / sp.TYPES_FILE).exists()
        relay_pid = sp._relay_pid(slot)
        assert sp._alive(relay_pid, sp.RELAY_SCRIPT)
        os.kill(relay_pid, 9)
        while sp._alive(relay_pid, sp.RELAY_SCRIPT):
            time.sleep(0.01)
        serve(None)
        assert sp._alive(sp._relay_pid(slot), sp.RELAY_SCRIPT)
        assert not {first, second} & set(sp.pool_pids(pool))
        assert not any(sp._alive(pid, str(binary)) for pid in (first, second))
    finally:
        sp.stop_all(pool)
    assert sp.pool_pids(pool) == []


def test_the_least_recently_used_idle_process_makes_room(
    fake_provider: tuple[Path, Path],
) -> None:
    binary, pool = fake_provider
    started = [
        served_pid(pool, binary, {"AWS_PROFILE": str(number)})
        for number in range(sp.MAX_PROCESSES + 1)
    ]
    assert sorted(sp.pool_pids(pool)) == sorted(started[1:])
    # The stopped one's CPU time is kept for cpu_seconds.
    assert len((pool / sp.STOPPED_CPU_FILE).read_text().split()) == 1


def test_a_held_idle_process_is_not_stopped(fake_provider: tuple[Path, Path]) -> None:
    binary, pool = fake_provider
    held = sp.reattach_for(pool, binary, {"AWS_PROFILE": "held"})
    assert held is not None
    for number in range(sp.MAX_PROCESSES):
        served_pid(pool, binary, {"AWS_PROFILE": str(number)})
    assert json.loads(held[0])["pid"] in sp.pool_pids(pool)
    os.close(held[1])


# --- Real Terraform through the wrapper ----------------------------------------------------

CONTACT = {
    "aws_ssmcontacts_contact": {"oncall": {"alias": "oncall", "type": "PERSONAL"}},
}
OFFLINE_PROVIDER = {
    "region": "us-east-1",
    "access_key": "AKIAOFFLINEEXAMPLE",
    "secret_key": "offline",
    "skip_credentials_validation": True,
    "skip_requesting_account_id": True,
    "skip_metadata_api_check": "true",
}


def offline_stack(workdir: Path, *extra: dict[str, object]) -> Path:
    workdir.mkdir()
    write_json(
        workdir / "main.tf.json",
        {
            "terraform": {"required_providers": {"aws": {"source": "hashicorp/aws"}}},
            "provider": {"aws": [OFFLINE_PROVIDER, *extra]},
            "resource": CONTACT,
        },
    )
    return workdir


def wrapped(
    terraform: Terraform,
    workdir: Path,
    *args: str,
    pool: Path,
    shared: bool = True,
    expect_failure: bool = False,
) -> str:
    """``terraform ARGS`` through a wrapper of its own with a pool of its own (whether or not
    the session shares providers); its output (and error output, when it is to fail)."""
    real = os.environ.get(sp.REAL_TERRAFORM_VARIABLE) or str(terraform.binary)
    wrapper = sp.write_wrapper(pool.parent / "bin", real)
    env = {
        **terraform.env(),
        sp.POOL_VARIABLE: str(pool),
        sp.GROUP_VARIABLE: str(os.getpgrp()),
        sp.SWITCH_VARIABLE: "1" if shared else "0",
    }
    result = subprocess.run(
        [str(wrapper), *args, "-no-color"],
        cwd=workdir,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    if expect_failure:
        assert result.returncode != 0, result.stdout
        return result.stdout + result.stderr
    assert result.returncode == 0, result.stdout + result.stderr
    return result.stdout


@pytest.fixture
def pool(tmp_path: Path) -> Iterator[Path]:
    folder = tmp_path / "pool"
    yield folder
    sp.stop_all(folder)


def test_plans_through_one_process_match_plans_without_it(
    terraform: Terraform, tmp_path: Path, pool: Path
) -> None:
    workdir = offline_stack(tmp_path / "one")
    wrapped(terraform, workdir, "init", "-input=false", pool=pool)
    assert not pool.exists(), "init must install the provider, not reattach it"
    shared = [wrapped(terraform, workdir, "plan", "-input=false", pool=pool) for _ in range(2)]
    served = sp.pool_pids(pool)
    alone = wrapped(terraform, workdir, "plan", "-input=false", pool=pool, shared=False)
    assert len(served) == 1
    assert sp.pool_pids(pool) == served
    assert shared[0] == shared[1] == alone
    assert "aws_ssmcontacts_contact.oncall will be created" in alone
    # Both shared runs were answered through the schema relay, with the contact's types only
    # (the resource and its data source), cut from the whole schema once.
    relayed = relay_reports(pool)
    assert len(relayed) == 1, relayed
    kept, whole, types = relayed[0]
    assert types == ["aws_ssmcontacts_contact"]
    assert kept * 100 < whole


def relay_reports(pool: Path) -> list[tuple[int, int, list[str]]]:
    """(bytes kept, bytes in the whole schema, the types kept) of each schema the pool's relays
    cut, from their output."""
    found = []
    for output in sorted(pool.glob("*/relay-output")):
        for line in output.read_text(encoding="utf-8").splitlines():
            if line.startswith("schema: "):
                kept, _, whole, _, _, *types = line.removeprefix("schema: ").split()
                found.append((int(kept), int(whole), types))
    return found


ORPHANED_TOPIC_STATE = {
    "version": 4,
    "terraform_version": "1.11.4",
    "serial": 1,
    "lineage": "b6c5b1a4-0000-4000-8000-000000000001",
    "outputs": {},
    "resources": [
        {
            "mode": "managed",
            "type": "aws_sns_topic",
            "name": "gone",
            "provider": 'provider["registry.terraform.io/hashicorp/aws"]',
            "instances": [
                {
                    "schema_version": 0,
                    "attributes": {
                        "id": "arn:aws:sns:us-east-1:111122223333:gone",
                        "arn": "arn:aws:sns:us-east-1:111122223333:gone",
                        "name": "gone",
                    },
                }
            ],
        }
    ],
    "check_results": None,
}


def test_a_type_only_in_a_state_elsewhere_is_kept_by_the_projects_kinds(
    terraform: Terraform, tmp_path: Path, pool: Path
) -> None:
    """A resource whose type is in neither the configuration nor a state beside it (a backend's
    state elsewhere: S3 in the flow tests) plans its destroy through the relay when the type is
    one of the project's kinds, exactly as without the relay; when it is not, Terraform stops
    with an error naming it (loud, never a different plan)."""
    workdir = offline_stack(tmp_path / "orphan")
    state = write_json(tmp_path / "elsewhere.tfstate", ORPHANED_TOPIC_STATE)
    document = json.loads((workdir / "main.tf.json").read_text(encoding="utf-8"))
    document["terraform"]["backend"] = {"local": {"path": str(state)}}
    write_json(workdir / "main.tf.json", document)
    wrapped(terraform, workdir, "init", "-input=false", pool=pool)
    plan = ("plan", "-input=false", "-refresh=false")
    alone = wrapped(terraform, workdir, *plan, pool=pool, shared=False)
    assert "aws_sns_topic.gone will be destroyed" in alone
    pool.mkdir()
    (pool / sp.KINDS_FILE).write_text("aws_sns_topic", encoding="utf-8")
    assert wrapped(terraform, workdir, *plan, pool=pool) == alone
    (pool / sp.KINDS_FILE).write_text("", encoding="utf-8")
    failed = wrapped(terraform, workdir, *plan, pool=pool, expect_failure=True)
    assert "no schema available for aws_sns_topic.gone" in failed, failed


def test_two_configurations_are_served_by_a_process_each(
    terraform: Terraform, tmp_path: Path, pool: Path
) -> None:
    """Prod's shape: a default and an aliased configuration, each with default tags of its own
    that the provider (configured with them) puts into every resource's planned ``tags_all``:
    served by two processes behind the relay, the plan is the plan without them. Were both
    configurations sent to one process, one of the two contacts would plan the other's tags."""
    east = {**OFFLINE_PROVIDER, "default_tags": [{"tags": {"region": "east"}}]}
    west = {
        **OFFLINE_PROVIDER,
        "alias": "west",
        "region": "us-west-2",
        "default_tags": [{"tags": {"region": "west"}}],
    }
    workdir = offline_stack(tmp_path / "two", west)
    document = json.loads((workdir / "main.tf.json").read_text(encoding="utf-8"))
    document["provider"]["aws"][0] = east
    document["resource"]["aws_ssmcontacts_contact"]["west"] = {
        "alias": "west",
        "type": "PERSONAL",
        "provider": "aws.west",
    }
    write_json(workdir / "main.tf.json", document)
    wrapped(terraform, workdir, "init", "-input=false", pool=pool)
    plan = ("plan", "-input=false")
    shared = [wrapped(terraform, workdir, *plan, pool=pool) for _ in range(2)]
    alone = wrapped(terraform, workdir, *plan, pool=pool, shared=False)
    assert shared[0] == shared[1] == alone
    assert '"region" = "east"' in alone and '"region" = "west"' in alone
    (slot,) = [path.parent for path in pool.glob("*/pid")]
    assert len(sp.provider_pids(slot)) == 2
    assert sorted(sp.pool_pids(pool)) == sorted(sp.provider_pids(slot))
