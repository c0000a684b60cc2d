"""One hashicorp/aws provider process per pytest worker, reused by every Terraform run it can
serve, through Terraform's own reattach mechanism (``TF_REATTACH_PROVIDERS``).

Why: Terraform starts the ~700 MB provider several times per command (schema, validate, plan,
apply), and each start costs ~1 CPU-second before the first resource is touched (most of it the
provider validating its own ~1,500 resource schemas the first time it is configured). A provider
started once in debug mode (``terraform-provider-aws -debug``, the mode provider developers attach
a debugger to) and reattached by each run does that once per process: an offline plan of dev took
3.1 CPU-seconds, 1.65 reattached; an apply against the local server 3.4, 2.0; the results are the
same (it is the same binary, the one ``terraform init`` installed in the working directory).

Terraform runs through a ``terraform`` wrapper (this file, first on PATH for the session:
``install`` below, called by tests/conftest.py); a run is served by the shared provider only when
that is the same as what Terraform would do by itself:

- the command talks to the provider (plan, apply, destroy, refresh, import, show, validate,
  console); never ``init``, which would not install a provider it is told to reattach;
- the working directory has one unaliased hashicorp/aws configuration, at most
  ``MAX_CONFIGURATIONS`` in all, and no modules (``provider_configurations``): Terraform sends
  every configuration of a reattached provider to the one address, so a run of two (prod's two
  regions) gets two processes, and the relay below sends each configuration's calls to its own
  (without the relay, only runs of one configuration are served);
- its ``.terraform`` holds one installed hashicorp/aws, named in ``.terraform.lock.hcl``: the
  shared process runs that binary, and a run whose lock or install is off fails as before;
- a run in a process group of its own (a test that signals the group: Ctrl-C, SIGKILL) only
  through the relay: a provider of the group ignores Ctrl-C (go-plugin servers eat interrupts;
  Terraform stops them with ``StopProvider``, which the relay passes on), and when the group is
  killed, Terraform's connections close and the relay cancels the provider's calls in flight,
  which is what the provider's own death would have ended;
- no CA bundle is set (``AWS_CA_BUNDLE``, ``custom_ca_bundle``): the provider refuses to be
  configured a second time with one ("unable to add custom RootCAs HTTPClient");
- no other run holds the process (a lock for the run's whole life): a second run at the same time
  with the same settings is served by a second process (``COPIES_PER_SETTINGS``), a third starts
  its own providers; and the caller did not reattach providers itself.

The processes of a slot are reached through a relay (local_aws/provider_relay.py, on
127.0.0.1): the wrapper writes the run's resource types (``wanted_types``), the processes'
addresses and a run id to the slot; the relay answers Terraform's schema request with those
types only, which saves Terraform decoding the whole schema on every run, and sends each of
Terraform's connections to the process of the configuration it was configured with
(``IM_TESTS_SCHEMA_RELAY=0``: reattached directly, one configuration per run).

The provider reads its AWS settings from its environment (``AWS_ENDPOINT_URL``, keys, retries)
when it is configured, so it is started with the run's ``AWS_*`` (and proxy, certificate, Go)
variables, and kept per distinct set of them (two for runs at the same time), at most
``MAX_PROCESSES`` per worker (the least recently used idle one is stopped).
``IM_TESTS_SHARED_PROVIDER=0`` turns all of it off.

Only the standard library: the wrapper starts in ~20 ms (``python -I -S``).
"""

from __future__ import annotations

import fcntl
import hashlib
import json
import os
import re
import signal
import sys
from pathlib import Path

try:  # the suite's own processes, with the project on sys.path
    from local_aws import provider_relay as relay
except ImportError:  # the wrapper (python -I -S): the copy beside this file's
    sys.path.insert(0, str(Path(__file__).parent))
    import provider_relay as relay  # type: ignore[import-not-found,no-redef]

# Set for the session by ``install``; read by the wrapper.
POOL_VARIABLE = "IM_TESTS_SHARED_PROVIDER_POOL"
REAL_TERRAFORM_VARIABLE = "IM_TESTS_REAL_TERRAFORM"
GROUP_VARIABLE = "IM_TESTS_SHARED_PROVIDER_GROUP"
# "0": every run starts its own providers, as without the wrapper.
SWITCH_VARIABLE = "IM_TESTS_SHARED_PROVIDER"
# "0": shared processes are reattached directly, every run decoding the whole schema.
RELAY_SWITCH_VARIABLE = "IM_TESTS_SCHEMA_RELAY"
REATTACH_VARIABLE = relay.REATTACH_VARIABLE
PROVIDER_SOURCE = relay.PROVIDER_SOURCE

SHARED_COMMANDS = frozenset(
    {"plan", "apply", "destroy", "refresh", "import", "show", "validate", "console"}
)
# Each holds ~0.5 GB once it has served a run.
MAX_PROCESSES = 3
# Processes for the same settings, for runs at the same time (a test module running two
# Terraform runs side by side); the first idle one serves.
COPIES_PER_SETTINGS = 2
STOPPED_CPU_FILE = "stopped-cpu"
POOL_FOLDER = "shared-provider"
# A run with up to this many hashicorp/aws configurations is served (prod: two regions), each
# configuration by a process of its own behind the relay.
MAX_CONFIGURATIONS = 2
# The relay (local_aws/provider_relay.py, copied beside the wrapper's copy of this file); the
# resource types every run may find in its state (written by ``install``) in the pool; in the
# slot, the relay's files: the run's types, the providers' addresses and the run's id.
RELAY_SCRIPT = "provider_relay.py"
KINDS_FILE = "kinds"
TYPES_FILE = relay.TYPES_FILE
UPSTREAMS_FILE = relay.UPSTREAMS_FILE
RUN_FILE = relay.RUN_FILE

# What the provider reads from its environment: the AWS SDK's settings, the network's, Go's.
_PROVIDER_PREFIXES = ("AWS_", "GO", "TF_LOG")
_PROVIDER_NAMES = frozenset(
    {
        "HOME",
        "PATH",
        "TMPDIR",
        "TZ",
        "USER",
        "SSL_CERT_FILE",
        "SSL_CERT_DIR",
        "HTTP_PROXY",
        "HTTPS_PROXY",
        "NO_PROXY",
        "http_proxy",
        "https_proxy",
        "no_proxy",
    }
)
# Passed on for `make bench-tests` (which counts provider processes by them), not part of the key.
_COUNTED_NAMES = ("IM_BENCH_TESTS_RUN", "PYTEST_CURRENT_TEST")

_HCL_PROVIDER = re.compile(r'^\s*provider\s+"aws"\s*\{', re.MULTILINE)
_HCL_ALIAS = re.compile(r"^\s*alias\s*=", re.MULTILINE)
_HCL_MODULE = re.compile(r'^\s*module\s+"', re.MULTILINE)


def is_override_file(name: str) -> bool:
    """Terraform's rule, as local_aws.local_apply has it (this file imports nothing of ours: it
    runs alone as the wrapper; a test keeps the two alike)."""
    return name in ("override.tf", "override.tf.json") or name.endswith(
        ("_override.tf", "_override.tf.json")
    )


def command_and_workdir(args: list[str], cwd: Path) -> tuple[str | None, Path]:
    """The subcommand (None for ``-version`` and the like) and the directory it works in
    (``-chdir=DIR`` or the current one)."""
    workdir = cwd
    for arg in args:
        if arg.startswith("-chdir="):
            workdir = cwd / arg.removeprefix("-chdir=")
        elif not arg.startswith("-"):
            return arg, workdir
    return None, workdir


def _json_provider_count(document: object) -> tuple[int, int, bool]:
    """(aws provider configurations, how many of them are unaliased, whether a module is
    called)."""
    if not isinstance(document, dict):
        return 0, 0, False
    if document.get("module"):
        return 0, 0, True
    providers = document.get("provider")
    entries: list[object] = []
    if isinstance(providers, dict):
        aws = providers.get("aws")
        entries = aws if isinstance(aws, list) else [aws] if aws is not None else []
    elif isinstance(providers, list):
        for item in providers:
            if isinstance(item, dict) and "aws" in item:
                aws = item["aws"]
                entries.extend(aws if isinstance(aws, list) else [aws])
    defaults = sum(1 for entry in entries if not (isinstance(entry, dict) and "alias" in entry))
    return len(entries), defaults, False


def hcl_provider_blocks(text: str) -> list[str]:
    """The body of each ``provider "aws"`` block of an HCL file, up to its closing brace
    (braces inside quoted strings, such as ``${...}``, do not count)."""
    blocks = []
    for start in _HCL_PROVIDER.finditer(text):
        depth, quoted, index = 1, False, start.end()
        while index < len(text) and depth:
            char = text[index]
            if quoted:
                quoted = not (char == '"' and text[index - 1] != "\\")
            elif char == '"':
                quoted = True
            elif char in "{}":
                depth += 1 if char == "{" else -1
            index += 1
        blocks.append(text[start.end() : index])
    return blocks


def provider_configurations(workdir: Path) -> int:
    """How many hashicorp/aws configurations a run in ``workdir`` has, when the shared provider
    can serve it: one unaliased configuration and up to ``MAX_CONFIGURATIONS`` in all (its
    relay gives each a process of its own), no module call and no CA bundle, in the files
    Terraform reads (override files change blocks; they do not add configurations); 0 when not
    (only aliases: Terraform would add an empty default configuration of its own)."""
    count = defaults = 0
    for path in sorted(workdir.iterdir()):
        name = path.name
        if not (path.is_file() and name.endswith((".tf", ".tf.json"))):
            continue
        text = path.read_text(encoding="utf-8", errors="replace")
        if "custom_ca_bundle" in text:
            return 0
        if is_override_file(name):
            continue
        if name.endswith(".tf.json"):
            try:
                found, unaliased, module = _json_provider_count(json.loads(text))
            except ValueError:
                return 0
        else:
            blocks = hcl_provider_blocks(text)
            found = len(blocks)
            # `alias` inside a provider block only: a contact's or a plan's alias is no provider.
            unaliased = sum(1 for block in blocks if not _HCL_ALIAS.search(block))
            module = bool(_HCL_MODULE.search(text))
        if module:
            return 0
        count += found
        defaults += unaliased
    return count if defaults == 1 and count <= MAX_CONFIGURATIONS else 0


def wanted_types(workdir: Path, pool: Path) -> list[str]:
    """The resource types a run in ``workdir`` can touch (``relay.wanted_types``), with the
    types this project's stacks hold (the pool's ``kinds``)."""
    try:
        kinds = (pool / KINDS_FILE).read_text(encoding="utf-8").split()
    except OSError:
        kinds = []
    return relay.wanted_types(workdir, kinds=kinds)


def provider_environment(env: dict[str, str]) -> dict[str, str]:
    """The variables of ``env`` the provider reads."""
    return {
        name: value
        for name, value in env.items()
        if name.startswith(_PROVIDER_PREFIXES) or name in _PROVIDER_NAMES
    }


def process_key(binary: Path, provider_env: dict[str, str]) -> str:
    """One shared process per binary and provider environment."""
    text = json.dumps([str(binary), sorted(provider_env.items())])
    return hashlib.sha256(text.encode()).hexdigest()[:16]


def _alive(pid: int, binary: str) -> bool:
    """``pid`` runs ``binary`` (a path, or a script's file name: not a later process that got
    the same number)."""
    try:
        command = Path(f"/proc/{pid}/cmdline").read_bytes().split(b"\0")
    except OSError:
        return False
    return any(
        arg in (binary, f"/{binary}") or arg.endswith(f"/{binary}")
        for arg in map(os.fsdecode, command[:2])
    )


def _process_cpu(pid: int) -> float:
    try:
        fields = Path(f"/proc/{pid}/stat").read_text(encoding="utf-8").rsplit(")", 1)[1].split()
    except OSError:
        return 0.0
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def _pid_file(slot: Path, index: int) -> Path:
    """The pid file of the slot's provider process ``index`` (one per configuration)."""
    return slot / ("pid" if index == 0 else f"pid.{index}")


def provider_pids(slot: Path) -> list[int]:
    """The slot's provider processes, in the order their configurations were met."""
    pids: list[int] = []
    while True:
        try:
            pids.append(int(_pid_file(slot, len(pids)).read_text(encoding="utf-8")))
        except (OSError, ValueError):
            return pids


def _relay_pid(slot: Path) -> int:
    """The pid of the slot's relay (0: none)."""
    try:
        return int((slot / "relay-pid").read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return 0


def _kill(slot: Path, pid: int, binary: str) -> None:
    if _alive(pid, binary):
        # Kept for cpu_seconds: nobody waits for this process, so no rusage counts it.
        with (slot.parent / STOPPED_CPU_FILE).open("a", encoding="utf-8") as stream:
            stream.write(f"{_process_cpu(pid)}\n")
        os.kill(pid, signal.SIGKILL)


def _stop(slot: Path) -> None:
    relay_pid = _relay_pid(slot)
    if relay_pid:
        _kill(slot, relay_pid, RELAY_SCRIPT)
    try:
        binary = (slot / "binary").read_text(encoding="utf-8")
    except OSError:
        binary = ""
    pids = provider_pids(slot)
    for index, pid in enumerate(pids):
        if binary:
            _kill(slot, pid, binary)
        _pid_file(slot, index).unlink(missing_ok=True)
    for name in ("reattach", "binary", "relay-pid", "relay-port", UPSTREAMS_FILE):
        (slot / name).unlink(missing_ok=True)


def _start(slot: Path, index: int, binary: Path, env: dict[str, str]) -> str:
    """Start ``binary -debug`` as the slot's provider process ``index``; its reattach
    configuration."""
    output = slot / ("output" if index == 0 else f"output.{index}")
    pid, reattach = relay.start_provider(binary, output, env)
    _pid_file(slot, index).write_text(str(pid), encoding="utf-8")
    return reattach


def _start_relay(slot: Path) -> int:
    """Start the slot's relay; the port it listens on, 0 when it cannot serve (switched off,
    no grpcio: said in ``relay-output``)."""
    if os.environ.get(RELAY_SWITCH_VARIABLE) == "0":
        (slot / "relay-output").write_text("not relayed: switched off\n", encoding="utf-8")
        return 0
    pid, port = relay.start_relay(slot, sys.executable)
    if pid:
        (slot / "relay-pid").write_text(str(pid), encoding="utf-8")
    return port


def _evict(pool: Path, keep: Path) -> None:
    """Stop the least recently used idle processes beyond ``MAX_PROCESSES``."""
    slots = sorted(
        (s for s in pool.iterdir() if s != keep and (s / "pid").exists()),
        key=lambda s: (s / "lock").stat().st_mtime,
    )
    for slot in slots[: max(0, len(slots) + 1 - MAX_PROCESSES)]:
        with (slot / "lock").open("a") as lock:
            try:
                fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except OSError:
                continue
            _stop(slot)


def reattach_for(
    pool: Path,
    binary: Path,
    env: dict[str, str],
    types: list[str] | None = None,
    configurations: int = 1,
    *,
    needs_relay: bool = False,
) -> tuple[str, int] | None:
    """The reattach configuration of this worker's process for ``binary`` and ``env``, and the
    descriptor of its lock, held until the run ends; None when other runs hold every copy, or
    when no relay runs for a run that needs one (``needs_relay``, several ``configurations``).
    ``types``: the resource types the run can touch (its relay answers with those); None: the
    whole schema."""
    provider_env = provider_environment(env)
    key = process_key(binary, provider_env)
    for copy in range(COPIES_PER_SETTINGS):
        slot = pool / f"{key}-{copy}"
        try:
            served = _reattach_slot(
                pool,
                slot,
                binary,
                env,
                provider_env,
                configurations,
                needs_relay or configurations > 1,
            )
        except NoRelayError:
            # Every copy is started alike: none would have a relay either.
            return None
        if served is not None:
            relay.prepare_run(slot, types)
            return served
    return None


class NoRelayError(Exception):
    """The slot's providers are reattached directly (no relay runs in front of them)."""


def _healthy(slot: Path, binary: Path) -> bool:
    """The slot's providers and relay run, and it has a reattach configuration."""
    pids = provider_pids(slot)
    relay_pid = _relay_pid(slot)
    return bool(
        pids
        and (slot / "reattach").exists()
        and all(_alive(pid, str(binary)) for pid in pids)
        and (not relay_pid or _alive(relay_pid, RELAY_SCRIPT))
    )


def _reattach_slot(  # noqa: PLR0917 - one call site, every argument named there
    pool: Path,
    slot: Path,
    binary: Path,
    env: dict[str, str],
    provider_env: dict[str, str],
    configurations: int,
    needs_relay: bool,
) -> tuple[str, int] | None:
    slot.mkdir(parents=True, exist_ok=True)
    lock = os.open(slot / "lock", os.O_RDWR | os.O_CREAT, 0o600)
    try:
        fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except OSError:
        os.close(lock)
        return None
    os.utime(slot / "lock")
    counted = {name: env[name] for name in _COUNTED_NAMES if name in env}
    start_env = {**provider_env, **counted}
    if not _healthy(slot, binary):
        _stop(slot)
        _evict(pool, slot)
        first = _start(slot, 0, binary, start_env)
        (slot / "binary").write_text(str(binary), encoding="utf-8")
        upstream = relay.upstream_address(first)
        (slot / UPSTREAMS_FILE).write_text(f"{upstream}\n", encoding="utf-8")
        port = _start_relay(slot) if upstream else 0
        reattach = relay.through_relay(first, port) if port else first
        (slot / "reattach").write_text(reattach, encoding="utf-8")
    reattach = (slot / "reattach").read_text(encoding="utf-8")
    if needs_relay and not _relay_pid(slot):
        os.close(lock)
        raise NoRelayError(slot)
    if configurations > 1:
        # One process per configuration: the relay sends each configuration's calls to its own.
        with (slot / UPSTREAMS_FILE).open("a", encoding="utf-8") as upstreams:
            for index in range(len(provider_pids(slot)), configurations):
                reattach_line = _start(slot, index, binary, start_env)
                upstreams.write(f"{relay.upstream_address(reattach_line)}\n")
    return reattach, lock


def shared_reattach(args: list[str], env: dict[str, str]) -> tuple[str, int] | None:
    """The reattach configuration (and held lock) for this run, or None to run as usual."""
    pool = env.get(POOL_VARIABLE)
    if not pool or env.get(SWITCH_VARIABLE) == "0" or REATTACH_VARIABLE in env:
        return None
    if env.get("AWS_CA_BUNDLE"):
        return None
    own_group = env.get(GROUP_VARIABLE) != str(os.getpgrp())
    if own_group and env.get(RELAY_SWITCH_VARIABLE) == "0":
        return None
    command, workdir = command_and_workdir(args, Path.cwd())
    if command not in SHARED_COMMANDS:
        return None
    try:
        binary = relay.installed_provider(workdir, env.get("TF_DATA_DIR"))
        configurations = provider_configurations(workdir) if binary is not None else 0
        if binary is None or not configurations:
            return None
        types = wanted_types(workdir, Path(pool))
        return reattach_for(Path(pool), binary, env, types, configurations, needs_relay=own_group)
    except OSError:
        return None


def main(real: str, args: list[str]) -> None:
    """The ``terraform`` wrapper: the real Terraform, with the shared provider when it serves
    (a run whose environment lacks the pool, such as a test's minimal one, runs as usual)."""
    env = dict(os.environ)
    shared = shared_reattach(args, env)
    if shared is not None:
        reattach, lock = shared
        env[REATTACH_VARIABLE] = reattach
        # Held by Terraform (and released when it ends, however it ends).
        os.set_inheritable(lock, True)
    os.execve(real, [real, *args], env)


def write_wrapper(bin_dir: Path, real: str) -> Path:
    """A ``terraform`` in ``bin_dir`` that runs ``real`` through this module (a copy: an edit of
    this file while a suite runs does not change that suite's wrapper)."""
    import shutil

    bin_dir.mkdir(parents=True, exist_ok=True)
    script = shutil.copy2(Path(__file__), bin_dir / "shared_provider.py")
    shutil.copy2(Path(relay.__file__), bin_dir / RELAY_SCRIPT)
    wrapper = bin_dir / "terraform"
    wrapper.write_text(
        f'#!/bin/sh\nexec "{sys.executable}" -I -S "{script}" "{real}" "$@"\n',
        encoding="utf-8",
    )
    wrapper.chmod(0o755)
    return wrapper


def install(session_dir: Path, kinds: list[str] | None = None) -> None:
    """Put the wrapper first on PATH for this process and its children (a pytest worker's);
    nothing when no ``terraform`` is on PATH (the tests say what to install). ``kinds``: the
    resource types a state of the project's stacks can hold (every run's schema keeps them)."""
    import shutil

    # A worker inherits its controller's wrapper on PATH: the real one it names stays.
    real = os.environ.get(REAL_TERRAFORM_VARIABLE) or shutil.which("terraform")
    if real is None or os.environ.get(SWITCH_VARIABLE) == "0":
        return
    bin_dir = write_wrapper(session_dir / "shared-provider-bin", real).parent
    os.environ[REAL_TERRAFORM_VARIABLE] = real
    os.environ[POOL_VARIABLE] = str(session_dir / POOL_FOLDER)
    if kinds:
        (session_dir / POOL_FOLDER).mkdir(parents=True, exist_ok=True)
        (session_dir / POOL_FOLDER / KINDS_FILE).write_text("\n".join(kinds), encoding="utf-8")
    os.environ[GROUP_VARIABLE] = str(os.getpgrp())
    os.environ["PATH"] = f"{bin_dir}{os.pathsep}{os.environ.get('PATH', '')}"


def pool_pids(pool: Path) -> list[int]:
    """The provider processes of ``pool``."""
    if not pool.is_dir():
        return []
    return [pid for slot in sorted(pool.iterdir()) if slot.is_dir() for pid in provider_pids(slot)]


def cpu_seconds(pool: Path) -> float:
    """CPU time the pool's processes have used, running and stopped (for `make bench-tests`:
    nobody waits for them, so a worker's child-process times never include them)."""
    try:
        stopped = (pool / STOPPED_CPU_FILE).read_text(encoding="utf-8").split()
    except OSError:
        stopped = []
    relays = [_relay_pid(slot) for slot in pool.iterdir() if slot.is_dir()] if pool.is_dir() else []
    running = [*pool_pids(pool), *filter(None, relays)]
    return sum(map(float, stopped)) + sum(_process_cpu(pid) for pid in running)


def stop_all(pool: Path) -> None:
    """Stop every process of ``pool`` (the session's end)."""
    if pool.is_dir():
        for slot in pool.iterdir():
            if slot.is_dir():
                _stop(slot)


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2:])
