"""``plan-check`` and ``apply`` of one environment: the plan the checks read is the plan that runs.

    python main.py plan-check ENV [--allow KIND ...] [--replace ADDRESS ...] [--lock-timeout 60s]
    python main.py apply ENV [--lock-timeout 60s]
    make plan-check ENV=prod [ALLOW=kind] [LOCK_TIMEOUT=60s]; make apply ENV=prod

``plan-check`` synthesizes the environment, names missing secret addresses, runs ``terraform
init`` and ``plan -out=tfplan``, then reads ``terraform show -json tfplan`` once, in memory, and
hands that JSON to the drift check (``stacks.plan.drift_check``) and the plan guard
(``stacks.plan.plan_guard``). A plan the guard passes is recorded by its sha256
(``tfplan.checked``); a refused one is renamed ``tfplan.refused``, so nothing can apply it.
``apply`` applies ``tfplan`` only when its sha256 is the recorded one, after reading it and
running the guard again.

Both stop while ``errored.tfstate`` is in the stack directory (an apply that could not save its
state), wait for a held state lock at most ``--lock-timeout``, and run Terraform with umask 077:
the state and the saved plan hold the secret addresses in clear text. The ``tfplan.json`` kept
for people to read has every sensitive value redacted.

GNU make ends with status 2 whenever a recipe fails, whatever the recipe's own status, so a
pipeline that needs the codes below calls ``python main.py plan-check`` / ``apply`` directly.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import re
import shutil
import signal
import subprocess
import sys
import threading
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from constructs_lib.provisioners.contract import PYTHON_VARIABLE
from stacks.layout import (
    EXIT_BAD_INPUT,
    EXIT_FAILED,
    EXIT_OK,
    EXIT_REFUSED,
    PROJECT_ROOT,
    stack_dir,
)

Json = dict[str, Any]

PLAN_FILE = "tfplan"
REFUSED_PLAN = "tfplan.refused"
PLAN_JSON = "tfplan.json"
CHECKED_RECORD = "tfplan.checked"
ERRORED_STATE = "errored.tfstate"
DEFAULT_LOCK_TIMEOUT = "60s"
# Terraform reads a Go duration; these are the units a person waits in.
LOCK_TIMEOUT_PATTERN = re.compile(r"[0-9]+(ms|s|m|h)")
REDACTED = "(sensitive value)"
# Files of a stack directory that hold secret addresses in clear text, and must be the owner's
# only: Terraform's state and saved plan, and the variable files that carry the addresses.
PRIVATE_FILES = ("*.tfstate*", PLAN_FILE, REFUSED_PLAN, "*.tfvars", "*.tfvars.json")
PRIVATE_MODE = 0o600


class FlowStopError(Exception):
    """A reason to stop before Terraform changes anything, with the exit status."""

    def __init__(self, message: str, status: int = EXIT_BAD_INPUT) -> None:
        super().__init__(message)
        self.status = status


def _shown(path: Path, project_root: Path = PROJECT_ROOT) -> str:
    try:
        return str(path.relative_to(project_root))
    except ValueError:
        return str(path)


def errored_state_message(directory: Path, project_root: Path = PROJECT_ROOT) -> str | None:
    """Why nothing may plan or apply ``directory`` while Terraform's ``errored.tfstate`` is there,
    and the command that pushes it back; None when there is none. (rehearse calls this too.)"""
    if not (directory / ERRORED_STATE).is_file():
        return None
    where = _shown(directory, project_root)
    return (
        f"{where}/{ERRORED_STATE} exists: an earlier apply could not save its state (a network "
        "cut, a dead backend, Ctrl-C), and Terraform wrote there what it had done. Until it is "
        "pushed back, a plan does not know those objects and would create them again (AWS then "
        "refuses with ConflictException, or makes duplicates). Push it back, then plan again:\n"
        f"  cd {where} && terraform state push {ERRORED_STATE} && rm {ERRORED_STATE}\n"
        'If the push stops with "Error acquiring the state lock", the failed apply could not '
        "release its lock either (its ID is printed): once you know no other run is going on, "
        "run terraform force-unlock <ID> there, then push."
    )


def stop_if_errored_state(directory: Path, project_root: Path = PROJECT_ROOT) -> None:
    """``FlowStopError`` (exit 2) while ``errored.tfstate`` waits to be pushed back."""
    message = errored_state_message(directory, project_root)
    if message is not None:
        raise FlowStopError(message)


def lock_timeout(value: str) -> str:
    """``value`` if Terraform reads it as a wait (``60s``, ``5m``); ``FlowStopError`` otherwise."""
    if not LOCK_TIMEOUT_PATTERN.fullmatch(value):
        raise FlowStopError(
            f"--lock-timeout (LOCK_TIMEOUT): {value!r} is not a duration; give a number and "
            "a unit: ms, s, m or h (e.g. 60s, 5m)"
        )
    return value


@contextlib.contextmanager
def private_files() -> Iterator[None]:
    """Files created inside are the owner's only (umask 077): what Terraform writes here holds
    secret addresses."""
    previous = os.umask(0o077)
    try:
        yield
    finally:
        os.umask(previous)


def tighten_modes(directory: Path) -> list[Path]:
    """Make the files that hold secret addresses (``PRIVATE_FILES``, and a local backend's state
    outside the directory) mode 0600; the files changed. Files made before umask 077 was used
    keep their mode otherwise."""
    candidates = {p for pattern in PRIVATE_FILES for p in directory.glob(pattern) if p.is_file()}
    state = local_state_path(directory)
    if state is not None:
        candidates |= {p for p in state.parent.glob(f"{state.name}*") if p.is_file()}
    changed = []
    for path in sorted(candidates):
        if path.stat().st_mode & 0o077:
            path.chmod(PRIVATE_MODE)
            changed.append(path)
    return changed


def local_state_path(directory: Path) -> Path | None:
    """The state file of a stack on the local backend (None for S3 or an unreadable stack)."""
    try:
        stack = json.loads((directory / "cdk.tf.json").read_text(encoding="utf-8"))
    except (OSError, json.JSONDecodeError):
        return None
    local = ((stack.get("terraform") or {}).get("backend") or {}).get("local")
    path = local.get("path") if isinstance(local, dict) else None
    return (directory / path).resolve() if isinstance(path, str) else None


class TerraformInterruptedError(FlowStopError):
    """Ctrl-C reached Terraform while it ran; it has stopped by itself (``EXIT_FAILED``)."""


@contextlib.contextmanager
def ctrl_c_noted() -> Iterator[list[int]]:
    """Inside, Ctrl-C (SIGINT) is only noted (the list gets the signal), not raised.

    A terminal sends Ctrl-C to the whole foreground process group, Terraform included, and
    Terraform then stops gracefully: it lets the calls in flight finish, writes the state and
    releases the state lock. Python's default would raise KeyboardInterrupt here, and
    ``subprocess`` kills its child 0.25 s later: a Terraform killed while it writes the state
    to S3 leaves the objects it created out of the state and the lock held. So the wait goes on
    until Terraform has exited. (Handlers are not inherited across exec: Terraform and the
    provisioners it starts get the signal as usual.)"""
    noted: list[int] = []
    if threading.current_thread() is not threading.main_thread():
        yield noted
        return
    previous = signal.signal(signal.SIGINT, lambda signum, frame: noted.append(signum))
    try:
        yield noted
    finally:
        signal.signal(signal.SIGINT, previous)


def provisioner_environment() -> dict[str, str]:
    """The caller's environment, with the provisioners' interpreter (``$IM_PYTHON``) set to this
    Python, which has boto3, unless the caller named one: ``make apply`` runs the stack's
    provisioners with the project's .venv, while a bare ``terraform apply`` in the stack
    directory runs them with ``python3`` from PATH."""
    return {PYTHON_VARIABLE: sys.executable, **os.environ}


@dataclass(frozen=True)
class Terraform:
    """The ``terraform`` on PATH, run in one stack directory with the caller's environment
    (credentials, ``TF_CLI_CONFIG_FILE``, ``TF_VAR_`` secrets)."""

    directory: Path
    binary: str = "terraform"

    def run(self, *args: str) -> int:
        """Terraform's status; its output goes straight to ours. After Ctrl-C it waits for
        Terraform to stop by itself (``ctrl_c_noted``), then raises
        ``TerraformInterruptedError``."""
        sys.stdout.flush()
        with private_files(), ctrl_c_noted() as noted:
            status = subprocess.run(
                [self.binary, *args],
                cwd=self.directory,
                env=provisioner_environment(),
                stdin=subprocess.DEVNULL,
                check=False,
            ).returncode
        if noted:
            raise TerraformInterruptedError(
                f"terraform {args[0]} interrupted (Ctrl-C); it stopped by itself", EXIT_FAILED
            )
        return status

    def show_json(self, plan_file: str = PLAN_FILE) -> Json:
        """``terraform show -json`` of a saved plan, in memory only (it holds every secret)."""
        with private_files():
            done = subprocess.run(
                [self.binary, "show", "-json", plan_file],
                cwd=self.directory,
                stdin=subprocess.DEVNULL,
                capture_output=True,
                text=True,
                check=False,
            )
        if done.returncode != 0:
            raise FlowStopError(
                f"terraform show -json {plan_file} failed:\n{done.stderr}", EXIT_FAILED
            )
        plan: Json = json.loads(done.stdout)
        return plan


def sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as stream:
        for block in iter(lambda: stream.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def write_private(path: Path, text: str) -> None:
    """``text`` into ``path``, mode 0600 from the start, replacing it whole."""
    partial = path.with_name(f".{path.name}.partial")
    partial.unlink(missing_ok=True)
    descriptor = os.open(partial, os.O_WRONLY | os.O_CREAT | os.O_EXCL, PRIVATE_MODE)
    with os.fdopen(descriptor, "w", encoding="utf-8") as stream:
        stream.write(text)
    partial.replace(path)


def main_py(project_root: Path, *args: str) -> int:
    """``python main.py ARGS`` (synth, secrets) as the user would run it."""
    sys.stdout.flush()
    return subprocess.run(
        [sys.executable, str(project_root / "main.py"), *args], check=False
    ).returncode


def copy_lock_file(directory: Path, project_root: Path) -> None:
    """The provider lock file goes to git (stacks/terraform-locks/); synth puts it back."""
    from stacks.stack.synthesize import LOCK_FILE, committed_lock

    made = directory / LOCK_FILE
    committed = committed_lock(project_root, directory.name)
    if not made.is_file():
        return
    if committed.is_file() and committed.read_bytes() == made.read_bytes():
        return
    committed.parent.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(made, committed)
    # Terraform wrote it under umask 077; the committed copy is an ordinary file.
    committed.chmod(0o644)
    print(f"wrote {_shown(committed, project_root)}: commit it")


@dataclass(frozen=True)
class CheckOutcome:
    """What the drift check and the guard said of one plan (``plan``: the JSON they read)."""

    refusals: list[str]
    refusal_kinds: list[str]
    drift_status: int
    plan: Json = field(default_factory=dict, repr=False)

    @property
    def status(self) -> int:
        """The guard's refusal first (3), then the drift check's status (0, 4, or 1/2)."""
        return EXIT_REFUSED if self.refusals else self.drift_status


def drift_status(plan: Json) -> int:
    """The drift check of on-call schedules and shift coverages on ``plan`` (printed); its
    status: 0, 4 (drift), 1 (AWS) or 2."""
    from constructs_lib.provisioners.aws_access import report_errors
    from constructs_lib.provisioners.contract import EXIT_DRIFT as DRIFT
    from stacks.plan.drift_check import live_comparisons

    def work() -> int:
        return DRIFT if live_comparisons(plan, sys.stdout) else EXIT_OK

    sys.stdout.flush()
    status = report_errors("drift check", work)
    sys.stdout.flush()
    return status


def guard_refusals(plan: Json, allow: Sequence[str]) -> tuple[list[str], list[str]]:
    """The guard's refusals of ``plan`` as lines, and their kinds; its notes (what an
    interrupted apply left for this plan to finish) are printed first, as ``plan_guard``
    prints them."""
    from stacks.plan.plan_guard import check_plan, notes

    refusals = check_plan(plan, allow)
    for note in notes(plan):
        print(f"plan guard: note: {note}")
    return [str(r) for r in refusals], sorted({r.kind for r in refusals})


def refusal_text(refusals: Sequence[str], kinds: Sequence[str], renamed: str) -> str:
    """What a refused plan-check prints last: the refusals, the way past them, and why the
    ``terraform apply "tfplan"`` Terraform suggested above no longer works."""
    allow = " ".join(kinds)
    return "\n".join(
        [
            f"plan guard: {len(refusals)} dangerous change(s); not applying:",
            *(f"  {line}" for line in refusals),
            f'The plan was renamed {renamed}: Terraform\'s `terraform apply "tfplan"` above would '
            "do exactly these changes, and nothing can apply it now.",
            "If you mean it, re-run with "
            + " ".join(f"--allow {k}" for k in kinds)
            + f' (make plan-check ALLOW="{allow}").',
        ]
    )


def _mask(value: Any, marks: Any) -> Any:
    """``value`` with every part that ``marks`` (Terraform's ``*_sensitive``) flags replaced."""
    if marks is True:
        return REDACTED if value is not None else None
    if isinstance(value, dict) and isinstance(marks, dict):
        return {k: _mask(v, marks.get(k)) for k, v in value.items()}
    if isinstance(value, list) and isinstance(marks, list):
        return [_mask(v, marks[i] if i < len(marks) else None) for i, v in enumerate(value)]
    return value


def _mask_module(module: Any) -> Any:
    if not isinstance(module, dict):
        return module
    masked = dict(module)
    masked["resources"] = [
        {**r, "values": _mask(r.get("values"), r.get("sensitive_values"))}
        for r in module.get("resources") or []
    ]
    if "child_modules" in module:
        masked["child_modules"] = [_mask_module(m) for m in module["child_modules"]]
    return masked


def _trie_pattern(words: Iterable[str]) -> str:
    """A regular expression matching any of ``words``, the longest at a position first, written
    as a prefix tree: matching costs about the length of the text, not its length times the
    number of words (one ``str.replace`` per secret and string took 112 s for the 2,000 secret
    addresses of an adopted account of 1,000 contacts)."""
    trie: dict[str, Any] = {}
    for word in words:
        node = trie
        for character in word:
            node = node.setdefault(character, {})
        node[""] = {}

    def pattern(node: dict[str, Any]) -> str:
        ends = "" in node
        branches = [re.escape(c) + pattern(child) for c, child in sorted(node.items()) if c]
        if not branches:
            return ""
        if len(branches) == 1 and not ends:
            return branches[0]
        # The empty branch last: a longer word through this node is tried before the shorter.
        return "(?:" + "|".join(branches) + ("|)" if ends else ")")

    return pattern(trie)


def _replace_strings(value: Any, secrets: re.Pattern[str]) -> Any:
    if isinstance(value, str):
        return secrets.sub(REDACTED, value)
    if isinstance(value, dict):
        return {k: _replace_strings(v, secrets) for k, v in value.items()}
    if isinstance(value, list):
        return [_replace_strings(v, secrets) for v in value]
    return value


def redacted(plan: Json) -> Json:
    """``terraform show -json`` with no sensitive value in it: the sensitive variables' values,
    every attribute Terraform marks sensitive (before, after, planned and prior values, outputs),
    and, in case a value lost its mark on the way, every other string holding one of them."""
    declared = ((plan.get("configuration") or {}).get("root_module") or {}).get("variables") or {}
    secrets: list[str] = []
    variables = {}
    for name, entry in (plan.get("variables") or {}).items():
        if (declared.get(name) or {}).get("sensitive"):
            value = entry.get("value")
            if isinstance(value, str) and value:
                secrets.append(value)
            variables[name] = {**entry, "value": REDACTED}
        else:
            variables[name] = entry
    result = dict(plan)
    if "variables" in plan:
        result["variables"] = variables
    result["resource_changes"] = [
        {
            **change,
            "change": {
                **change["change"],
                "before": _mask(
                    change["change"].get("before"), change["change"].get("before_sensitive")
                ),
                "after": _mask(
                    change["change"].get("after"), change["change"].get("after_sensitive")
                ),
            },
        }
        for change in plan.get("resource_changes") or []
    ]
    for key in ("planned_values", "prior_state"):
        values = plan.get(key)
        if isinstance(values, dict):
            part = values.get("values", values) if key == "prior_state" else values
            masked = {**part, "root_module": _mask_module(part.get("root_module"))}
            outputs = part.get("outputs")
            if isinstance(outputs, dict):
                masked["outputs"] = {
                    name: {**o, "value": REDACTED} if o.get("sensitive") else o
                    for name, o in outputs.items()
                }
            result[key] = {**values, "values": masked} if key == "prior_state" else masked
    if not secrets:
        return result
    # Longest first: a secret that contains another is replaced whole.
    clean: Json = _replace_strings(result, re.compile(_trie_pattern(set(secrets))))
    return clean


def check_plan_file(
    terraform: Terraform,
    allow: Sequence[str],
    project_root: Path = PROJECT_ROOT,
    *,
    with_drift: bool = True,
) -> CheckOutcome:
    """Read ``tfplan`` once, run the drift check and the guard on that JSON, keep a redacted
    ``tfplan.json`` for people, and record ``tfplan``'s sha256 when the guard passes; a refused
    plan is renamed ``tfplan.refused``."""
    directory = terraform.directory
    plan_path = directory / PLAN_FILE
    # Hashed before it is read: if tfplan changes while it is checked, the record cannot match.
    digest = sha256(plan_path)
    (directory / CHECKED_RECORD).unlink(missing_ok=True)
    plan = terraform.show_json()
    write_private(directory / PLAN_JSON, json.dumps(redacted(plan), indent=1) + "\n")
    drift = drift_status(plan) if with_drift else EXIT_OK
    refusals, kinds = guard_refusals(plan, allow)
    if refusals:
        plan_path.replace(directory / REFUSED_PLAN)
        return CheckOutcome(refusals, kinds, drift, plan)
    (directory / REFUSED_PLAN).unlink(missing_ok=True)
    record = {"sha256": digest, "allow": sorted(set(allow))}
    write_private(directory / CHECKED_RECORD, json.dumps(record) + "\n")
    print(f"plan guard: nothing dangerous in {_shown(plan_path, project_root)}")
    return CheckOutcome([], [], drift, plan)


def _report(outcome: CheckOutcome) -> int:
    if outcome.refusals:
        sys.stdout.flush()
        print(refusal_text(outcome.refusals, outcome.refusal_kinds, REFUSED_PLAN), file=sys.stderr)
    return outcome.status


def plan_check(  # noqa: PLR0917 - the command line's options, named at every call site
    environment: str,
    allow: Sequence[str],
    wait: str = DEFAULT_LOCK_TIMEOUT,
    project_root: Path = PROJECT_ROOT,
    terraform_binary: str = "terraform",
    replace: Sequence[str] = (),
) -> int:
    """Synthesize, plan and check one environment (see the module's docstring); the exit status.
    ``replace``: addresses planned for replacement (``terraform plan -replace``), e.g. the
    on-call schedule record the drift check names."""
    return _stopped(
        lambda: _plan_check(environment, allow, wait, project_root, terraform_binary, replace)
    )


def _plan_check(  # noqa: PLR0917
    environment: str,
    allow: Sequence[str],
    wait: str,
    project_root: Path,
    terraform_binary: str,
    replace: Sequence[str] = (),
) -> int:
    directory = stack_dir(project_root, environment)
    stop_if_errored_state(directory, project_root)
    lock_timeout(wait)
    for step in (("synth", environment), ("secrets", "--missing", environment)):
        status = main_py(project_root, *step)
        if status != EXIT_OK:
            return status
    terraform = Terraform(directory, terraform_binary)
    # A plan of an earlier run must not survive a failed one.
    for stale in (CHECKED_RECORD, PLAN_JSON, REFUSED_PLAN):
        (directory / stale).unlink(missing_ok=True)
    status = terraform.run("init", "-input=false", f"-lock-timeout={wait}")
    if status != EXIT_OK:
        return EXIT_FAILED
    copy_lock_file(directory, project_root)
    status = terraform.run(
        "plan",
        "-input=false",
        f"-lock-timeout={wait}",
        f"-out={PLAN_FILE}",
        *(f"-replace={address}" for address in replace),
    )
    tighten_modes(directory)
    if status != EXIT_OK:
        return EXIT_FAILED
    return _report(check_plan_file(terraform, allow, project_root))


def failed_apply_text(environment: str) -> str:
    """What ``apply`` says after Terraform failed (its own message above): which of the two
    commands comes next."""
    return (
        f"make apply ENV={environment}: terraform apply failed (its message is above); the "
        "checked plan is kept. After a state lock timeout, run make apply again. If Terraform "
        "calls the plan stale (someone applied since) or the apply stopped half-way, run make "
        f"plan-check ENV={environment} first: the new plan finishes what is left."
    )


def interrupted_apply_text(environment: str) -> str:
    """What ``apply`` says after Ctrl-C stopped Terraform: what state things are in, and the
    two commands that finish the work."""
    return (
        "apply interrupted (Ctrl-C): Terraform let the calls in flight finish and saved the "
        "state; an on-call schedule or shift coverage record whose provisioner it stopped is "
        "tainted, and what it had not started is not done. To finish: make plan-check "
        f"ENV={environment}, then make apply ENV={environment} (re-creating a tainted record "
        "runs its provisioner again and deletes nothing)."
    )


def _recorded(directory: Path, environment: str, project_root: Path) -> list[str]:
    """The kinds allowed when plan-check passed ``tfplan``; ``FlowStopError`` when no check read
    this exact file."""
    again = f"run make plan-check ENV={environment} (python main.py plan-check {environment})"
    plan_path = directory / PLAN_FILE
    if not plan_path.is_file():
        if (directory / REFUSED_PLAN).is_file():
            raise FlowStopError(f"nothing to apply: the plan guard refused the last plan; {again}")
        raise FlowStopError(f"nothing to apply: no saved plan; {again} first")
    try:
        record = json.loads((directory / CHECKED_RECORD).read_text(encoding="utf-8"))
    except (OSError, json.JSONDecodeError):
        record = {}
    if not isinstance(record, dict) or record.get("sha256") != sha256(plan_path):
        raise FlowStopError(
            f"not applying {_shown(plan_path, project_root)}: it is not the plan that plan-check "
            "checked (made or changed after it, e.g. by a hand-typed terraform plan "
            f"-out=tfplan), so neither the plan guard nor the drift check has read it; {again}"
        )
    allowed = record.get("allow") or []
    return [str(kind) for kind in allowed]


def apply(
    environment: str,
    wait: str = DEFAULT_LOCK_TIMEOUT,
    project_root: Path = PROJECT_ROOT,
    terraform_binary: str = "terraform",
) -> int:
    """Apply the ``tfplan`` that plan-check checked, after reading it and guarding it again;
    the exit status."""
    return _stopped(lambda: _apply(environment, wait, project_root, terraform_binary))


def _apply(environment: str, wait: str, project_root: Path, terraform_binary: str) -> int:
    directory = stack_dir(project_root, environment)
    stop_if_errored_state(directory, project_root)
    lock_timeout(wait)
    allowed = _recorded(directory, environment, project_root)
    if allowed:
        print(f"allowed at plan-check: {', '.join(allowed)}")
    terraform = Terraform(directory, terraform_binary)
    # The guard reads the very file about to be applied, once more: its rules may have changed
    # since plan-check (a pull), and the record proves only that this file was checked.
    outcome = check_plan_file(terraform, allowed, project_root, with_drift=False)
    if outcome.refusals:
        return _report(outcome)
    interrupted = False
    try:
        status = terraform.run("apply", "-input=false", f"-lock-timeout={wait}", PLAN_FILE)
    except TerraformInterruptedError:
        interrupted, status = True, EXIT_FAILED
    tighten_modes(directory)
    message = errored_state_message(directory, project_root)
    if message is not None:
        print(message, file=sys.stderr)
    if interrupted:
        raise TerraformInterruptedError(interrupted_apply_text(environment), EXIT_FAILED)
    if status != EXIT_OK:
        # Kept: after a lock timeout the same plan can be applied again; after a partial apply
        # Terraform itself refuses it ("Saved plan is stale").
        if message is None:
            print(failed_apply_text(environment), file=sys.stderr)
        return EXIT_FAILED
    # Spent: a second apply is told to plan again rather than Terraform's "stale" error.
    for spent in (PLAN_FILE, CHECKED_RECORD):
        (directory / spent).unlink(missing_ok=True)
    # Adoption's import blocks are applied now; kept, one pointing at an object deleted later
    # would fail every plan (stacks/adopted/<env>.imports.json; the stack emits them while it
    # exists).
    (project_root / "stacks" / "adopted" / f"{environment}.imports.json").unlink(missing_ok=True)
    return EXIT_OK


def _stopped(work: Callable[[], int]) -> int:
    try:
        return work()
    except FlowStopError as stop:
        sys.stdout.flush()
        print(stop, file=sys.stderr)
        return stop.status
