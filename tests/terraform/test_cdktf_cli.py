"""The pinned cdktf CLI (package.json, `npm ci`) synthesizes exactly what main.py does, without
telemetry and without touching the network. `make diff` / `make deploy` run this same CLI; they
need AWS credentials and are never run here."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path

import pytest

from tests.conftest import PROJECT_ROOT, environment_names, main_environment

CLI = PROJECT_ROOT / "node_modules" / ".bin" / "cdktf"
# The marker file the Makefile's $(NODE_INSTALLED) target leaves.
NODE_INSTALLED = PROJECT_ROOT / "node_modules" / ".installed"


def ensure_node_modules() -> None:
    """`npm ci` in the project when the pinned CLI is not installed yet."""
    if CLI.exists():
        return
    npm = shutil.which("npm")
    if npm is None:
        pytest.fail(
            "npm is not on PATH: install Node.js 20 with npm (Debian: apt-get install nodejs "
            "npm), then `make test` installs the pinned cdktf CLI with `npm ci`.",
            pytrace=False,
        )
    result = subprocess.run(
        [npm, "ci", "--no-audit", "--no-fund", "--loglevel=error"],
        cwd=PROJECT_ROOT,
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )
    assert result.returncode == 0, f"npm ci failed:\n{result.stdout}\n{result.stderr}"
    NODE_INSTALLED.touch()


def _strace(trace: Path) -> list[str] | None:
    """strace recording every connect() of the process tree into ``trace``: with seccomp-bpf
    (strace 5.3+) it stops only at those calls, so the traced synth is as fast as an untraced
    one (plain ``-f`` makes it 4x slower). None when strace is not installed."""
    strace = shutil.which("strace")
    if strace is None:
        return None
    command = [strace, "-f", "-qq", "-e", "trace=connect", "-o", str(trace)]
    probe = subprocess.run(
        [*command[:2], "--seccomp-bpf", *command[2:], "true"], capture_output=True, check=False
    )
    return [*command[:2], "--seccomp-bpf", *command[2:]] if probe.returncode == 0 else command


@dataclass(frozen=True)
class CliSynth:
    outdir: Path
    output: str
    # Network connections the CLI and the app it ran attempted (None: strace not installed).
    connections: list[str] | None


@pytest.fixture(scope="module")
def cli_synth(tmp_path_factory: pytest.TempPathFactory) -> CliSynth:
    """`cdktf synth --output <tmp>` in the project, traced with strace when it is installed."""
    ensure_node_modules()
    work = tmp_path_factory.mktemp("cdktf-cli")
    outdir = work / "cdktf.out"
    env = main_environment()
    # No checkpoint (telemetry and version check) calls.
    env["CHECKPOINT_DISABLE"] = "1"
    command = [str(CLI), "synth", "--output", str(outdir)]
    trace = work / "connect.trace"
    tracer = _strace(trace)
    if tracer:
        command = [*tracer, *command]
    result = subprocess.run(
        command,
        cwd=PROJECT_ROOT,
        env=env,
        stdin=subprocess.DEVNULL,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert result.returncode == 0, f"cdktf synth failed:\n{result.stdout}\n{result.stderr}"
    connections = None
    if tracer:
        connections = [
            line
            for line in trace.read_text(encoding="utf-8").splitlines()
            if re.search(r"sa_family=AF_INET6?\b", line)
        ]
    return CliSynth(outdir=outdir, output=result.stdout + result.stderr, connections=connections)


def test_installed_cli_is_the_pinned_version() -> None:
    ensure_node_modules()
    pinned = json.loads((PROJECT_ROOT / "package.json").read_text(encoding="utf-8"))
    installed = json.loads(
        (PROJECT_ROOT / "node_modules" / "cdktf-cli" / "package.json").read_text(encoding="utf-8")
    )
    assert installed["version"] == pinned["devDependencies"]["cdktf-cli"] == "0.21.0"
    config = json.loads((PROJECT_ROOT / "cdktf.json").read_text(encoding="utf-8"))
    assert config["app"] == ".venv/bin/python main.py"
    assert config["sendCrashReports"] == "false"


def test_cdktf_synth_writes_what_main_py_writes(
    cli_synth: CliSynth, synthesized_environments: Path
) -> None:
    def files(root: Path) -> dict[str, bytes]:
        return {
            p.relative_to(root).as_posix(): p.read_bytes()
            for p in sorted(root.rglob("*"))
            if p.is_file()
        }

    stacks = [f"incident-manager-{e}" for e in environment_names()]
    from_cli = files(cli_synth.outdir)
    assert {f"stacks/{s}/cdk.tf.json" for s in stacks} | {"manifest.json"} <= set(from_cli)
    # Byte for byte, manifest included.
    assert from_cli == files(synthesized_environments)
    assert ", ".join(stacks) in " ".join(cli_synth.output.split())


def test_cdktf_synth_makes_no_network_connection(cli_synth: CliSynth) -> None:
    # A failure, not a skip: a skipped check would pass for one that was never made.
    assert cli_synth.connections is not None, (
        "strace is not installed, so the CLI's connections cannot be watched: "
        "apt-get install strace (it is on the project's machine image)"
    )
    assert cli_synth.connections == []
