"""The Makefile as a user meets it: `make help`, what `install` installs, what `plan-check` runs
before Terraform. GNU make's own dry run (-n) and database (-p) are the source of truth."""

from __future__ import annotations

import os
import re
import subprocess
from pathlib import Path

from tests.conftest import PROJECT_ROOT


def make(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        ["make", "--no-print-directory", *args],
        cwd=PROJECT_ROOT,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


def phony_targets() -> set[str]:
    text = (PROJECT_ROOT / "Makefile").read_text(encoding="utf-8")
    declared = set()
    for match in re.finditer(r"^\.PHONY:((?:.*\\\n)*.*)$", text, flags=re.MULTILINE):
        declared |= set(match.group(1).replace("\\\n", " ").split())
    return declared


def test_make_help_lists_every_target_with_one_line() -> None:
    result = make("help")
    assert result.returncode == 0, result.stderr
    listed = {}
    for line in result.stdout.splitlines():
        match = re.match(r"^  (\S+(?: \S+)*?)\s{2,}(\S.*)$", line)
        if match:
            for target in match.group(1).split():
                listed[target] = match.group(2)
    targets = phony_targets()
    assert len(targets) > 10
    assert targets <= set(listed), f"not in make help: {sorted(targets - set(listed))}"
    assert all(len(text) > 10 for text in listed.values())
    # `make` alone is the help, not a surprise install.
    assert make().stdout == result.stdout


def test_install_installs_every_environment_the_tests_need() -> None:
    # The database (-p) shows the prerequisites as make expanded them: a variable used before
    # its definition would have expanded to nothing.
    database = make("-pn", "install").stdout
    (line,) = [line for line in database.splitlines() if line.startswith("install:")]
    assert line.split(":", 1)[1].split() == [
        ".venv/.installed",
        ".venv-checkov/.installed",
        "node_modules/.installed",
    ]


def test_plan_check_and_apply_are_one_command_each_so_their_status_is_theirs() -> None:
    # GNU make exits 2 whenever a recipe fails; one command per target keeps the command's own
    # status in make's "Error N" line, and CI calls that command directly (docs/deploy.md).
    # What the command runs, in order, is tested in tests/stacks/plan/flow/test_plan_flow.py.
    commands = make(
        "-n", "plan-check", "ENV=prod", "ALLOW=contact-replace replication-key", "LOCK_TIMEOUT=5s"
    ).stdout.splitlines()
    assert [c for c in commands if "main.py" in c] == [
        ".venv/bin/python main.py plan-check prod --allow contact-replace --allow replication-key"
        " --lock-timeout 5s"
    ]
    commands = make("-n", "apply", "ENV=prod").stdout.splitlines()
    assert [c for c in commands if "main.py" in c] == [
        ".venv/bin/python main.py apply prod --lock-timeout 60s"
    ]
    for target in ("plan-check", "apply"):
        usage = make(target)
        assert usage.returncode == 2
        assert f"usage: make {target} ENV=<environment>" in usage.stderr


def test_first_installs_say_what_they_are_doing() -> None:
    text = (PROJECT_ROOT / "Makefile").read_text(encoding="utf-8")
    for target in ("$(INSTALLED):", "$(CHECKOV_INSTALLED):", "$(NODE_INSTALLED):"):
        recipe = text.split(target, 1)[1].split("\n\n", 1)[0]
        assert '@echo "Installing' in recipe, target


def test_the_suite_runs_as_if_typed_in_a_shell() -> None:
    # Tests run make themselves and read its last line ("make: *** ... Error 3"); under
    # `make test` an inherited MAKELEVEL turns it into "make[1]: ***" (CI failed on that).
    for goal in ("test", "test-quick"):
        dry = make("-n", goal)
        assert dry.returncode == 0, dry.stderr
        runs = [line for line in dry.stdout.splitlines() if "/pytest" in line]
        assert runs, dry.stdout
        for line in runs:
            outside = "env -u MAKEFLAGS -u MFLAGS -u MAKELEVEL -u PYTHONDONTWRITEBYTECODE"
            assert f"{outside} .venv/bin/pytest" in line, line


def test_make_help_prints_values_not_make_variables() -> None:
    shown = make("help").stdout
    assert "$(" not in shown, [line for line in shown.splitlines() if "$(" in line]
    (local_aws,) = [line for line in shown.splitlines() if line.startswith("  local-aws ")]
    assert "127.0.0.1:4566" in local_aws
    # The value, not a copy of the default: what `make local-aws PORT=...` would use.
    assert "127.0.0.1:5000" in make("help", "PORT=5000").stdout


def test_plan_check_and_apply_print_what_runs_not_their_recipe(tmp_path: Path) -> None:
    # A stand-in python (BIN=) that says how it was called; INSTALLED= drops the install step.
    python = tmp_path / "python"
    python.write_text('#!/bin/sh\necho "python $*"\n', encoding="utf-8")
    python.chmod(0o755)
    for target in ("plan-check", "apply"):
        result = make(target, "ENV=prod", "INSTALLED=", f"BIN={tmp_path}")
        assert result.returncode == 0, result.stderr
        assert result.stdout.splitlines() == [f"python main.py {target} prod --lock-timeout 60s"], (
            result.stdout
        )


def _stand_in_cdktf(tmp_path: Path) -> Path:
    """A stand-in for the cdktf CLI (CDKTF=) that says how it was called."""
    cdktf = tmp_path / "cdktf"
    cdktf.write_text('#!/bin/sh\necho "cdktf $*"\n', encoding="utf-8")
    cdktf.chmod(0o755)
    return cdktf


def _cdktf_make(
    tmp_path: Path, *args: str, cli_config: str | None = None
) -> subprocess.CompletedProcess[str]:
    """`make ARGS` with no terminal on stdin, the stand-in cdktf, no installs, and a HOME of its
    own (no ~/.terraformrc or implied provider mirror of this machine)."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("TF_", "MAKE", "MFLAGS"))}
    env["HOME"] = str(tmp_path / "home")
    if cli_config is not None:
        env["TF_CLI_CONFIG_FILE"] = cli_config
    return subprocess.run(
        [
            "make",
            "--no-print-directory",
            *args,
            "INSTALLED=",
            "NODE_INSTALLED=",
            f"CDKTF={_stand_in_cdktf(tmp_path)}",
        ],
        cwd=PROJECT_ROOT,
        env=env,
        stdin=subprocess.DEVNULL,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


def _cdktf_calls(result: subprocess.CompletedProcess[str]) -> list[str]:
    return [line for line in result.stdout.splitlines() if line.startswith("cdktf ")]


def test_deploy_without_a_terminal_asks_for_auto_approve_instead_of_crashing(
    tmp_path: Path,
) -> None:
    # The cdktf CLI asks for approval through Ink, which crashes without a TTY on stdin ("Raw
    # mode is not supported", reproduced with `make deploy ENV=dev </dev/null`).
    refused = _cdktf_make(tmp_path, "deploy", "ENV=prod")
    assert refused.returncode == 2
    assert _cdktf_calls(refused) == []
    assert "make deploy: no terminal to ask for approval on (stdin is not a TTY)." in (
        refused.stderr
    )
    assert "make deploy ENV=prod AUTO_APPROVE=1" in refused.stderr
    approved = _cdktf_make(tmp_path, "deploy", "ENV=prod", "AUTO_APPROVE=1")
    assert approved.returncode == 0, approved.stderr
    assert _cdktf_calls(approved) == ["cdktf deploy incident-manager-prod --auto-approve"]
    # diff asks nothing: it runs without a terminal, and never approves anything.
    diffed = _cdktf_make(tmp_path, "diff", "ENV=prod", "AUTO_APPROVE=1")
    assert diffed.returncode == 0, diffed.stderr
    assert _cdktf_calls(diffed) == ["cdktf diff incident-manager-prod"]
    for value in ("yes", "0", "true"):
        wrong = _cdktf_make(tmp_path, "deploy", "ENV=prod", f"AUTO_APPROVE={value}")
        assert wrong.returncode == 2
        assert _cdktf_calls(wrong) == []
        assert (
            f"make deploy: AUTO_APPROVE='{value}': allowed values: 1 (apply without asking) "
            "or empty (ask)"
        ) in wrong.stderr


def test_diff_and_deploy_skip_the_registry_lock_where_providers_come_from_a_mirror(
    tmp_path: Path,
) -> None:
    # `cdktf diff|deploy` runs `terraform providers lock` on a stack with no lock file, which asks
    # registry.terraform.io for every platform's checksums: offline it fails ("Could not
    # retrieve providers for locking"). With a CLI config that installs from a mirror, the
    # lock step is skipped and `terraform init` writes the lock file from the mirror.
    mirrored = tmp_path / "mirror.tfrc"
    mirrored.write_text(
        'provider_installation {\n  filesystem_mirror {\n    path = "/opt/tf-plugins"\n'
        '    include = ["registry.terraform.io/hashicorp/aws"]\n  }\n}\n',
        encoding="utf-8",
    )
    plain = tmp_path / "plain.tfrc"
    plain.write_text('plugin_cache_dir = "/tmp/plugins"\n', encoding="utf-8")
    for target, extra in (("diff", ""), ("deploy", " --auto-approve")):
        args = (target, "ENV=prod", "AUTO_APPROVE=1")
        assert _cdktf_calls(_cdktf_make(tmp_path, *args, cli_config=str(mirrored))) == [
            f"cdktf {target} incident-manager-prod{extra} --skip-provider-lock"
        ]
        # The registry's own lock step where Terraform reaches it: no config, a config without
        # provider_installation, one that does not exist.
        for config in (None, str(plain), str(tmp_path / "missing.tfrc")):
            assert _cdktf_calls(_cdktf_make(tmp_path, *args, cli_config=config)) == [
                f"cdktf {target} incident-manager-prod{extra}"
            ], config
    # ~/.terraformrc counts as Terraform reads it when TF_CLI_CONFIG_FILE is not set, and so
    # does an implied local mirror (~/.terraform.d/plugins/registry.terraform.io).
    home = tmp_path / "home"
    home.mkdir()
    (home / ".terraformrc").write_text(mirrored.read_text(encoding="utf-8"), encoding="utf-8")
    assert _cdktf_calls(_cdktf_make(tmp_path, "diff", "ENV=prod")) == [
        "cdktf diff incident-manager-prod --skip-provider-lock"
    ]
    (home / ".terraformrc").unlink()
    (home / ".terraform.d" / "plugins" / "registry.terraform.io").mkdir(parents=True)
    assert _cdktf_calls(_cdktf_make(tmp_path, "diff", "ENV=prod")) == [
        "cdktf diff incident-manager-prod --skip-provider-lock"
    ]
    # SKIP_PROVIDER_LOCK= forces the CLI's lock step.
    assert _cdktf_calls(_cdktf_make(tmp_path, "diff", "ENV=prod", "SKIP_PROVIDER_LOCK=")) == [
        "cdktf diff incident-manager-prod"
    ]


def test_local_aws_answers_as_the_account_or_environment_given() -> None:
    # `make plan-check ENV=dev` against moto's default account stops at the provider's
    # allowed_account_ids ("AWS account ID not allowed: 123456789012"): the server takes the
    # environment's account (local_aws/cli.py reads it; tests/local_aws/test_cli.py).
    def server_command(*args: str) -> str:
        dry = make("-n", "local-aws", "INSTALLED=", *args)
        assert dry.returncode == 0, dry.stderr
        (line,) = [line for line in dry.stdout.splitlines() if "-m local_aws" in line]
        return line

    assert server_command() == "exec .venv/bin/python -m local_aws --port 4566"
    assert server_command("ENV=dev", "PORT=0") == (
        "exec .venv/bin/python -m local_aws --port 0 --environment dev"
    )
    assert server_command("ACCOUNT=444455556666") == (
        "exec .venv/bin/python -m local_aws --port 4566 --account-id 444455556666"
    )
