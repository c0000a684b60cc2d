"""A local runner of one workflow job: its `run:` steps executed in order, as GitHub's runner
executes them, in a checkout of the repository; its `uses:` steps replaced by local
equivalents (``LocalActions``: OIDC by the local server's credentials, artifacts by a folder).

What it does as GitHub does: ``${{ ... }}`` in ``env``, ``with`` and ``run`` replaced by the
context's values (github, matrix, vars, secrets, steps, needs, env); the workflow's, job's and
step's ``env``; ``bash --noprofile --norc -eo pipefail`` (the ``shell: bash`` the workflows
set); ``$GITHUB_ENV``, ``$GITHUB_OUTPUT`` and ``$GITHUB_STEP_SUMMARY`` files read back after
every step (``name=value`` and ``name<<DELIMITER`` forms); a step's ``if:`` (default
``success()``); ``continue-on-error``. The expressions it evaluates are the ones the
workflows use: context paths, ``a || 'literal'``, ``toJSON(...)``, ``!cancelled()``,
``always()``, ``success()``, ``failure()``; anything else fails the run (``ExpressionError``),
so a workflow cannot use an expression the tests do not evaluate.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

Json = dict[str, Any]
EXPRESSION = re.compile(r"\$\{\{\s*(.*?)\s*\}\}", re.DOTALL)
PATH = re.compile(r"[A-Za-z_][\w-]*(\.[A-Za-z_][\w-]*)*")
STEP_TIMEOUT = 600


class ExpressionError(ValueError):
    """An expression this runner does not evaluate."""


@dataclass
class StepResult:
    """One step: its name, how it ended (``success``/``failure``/``skipped``), exit status and
    output (stdout and stderr merged)."""

    name: str
    outcome: str
    status: int = 0
    output: str = ""


@dataclass
class JobResult:
    """A job's steps, outputs, summary Markdown and result (the first failing step's status)."""

    steps: list[StepResult] = field(default_factory=list)
    outputs: dict[str, str] = field(default_factory=dict)
    summary: str = ""

    @property
    def status(self) -> int:
        failed = [s for s in self.steps if s.outcome == "failure"]
        return failed[0].status if failed else 0

    def step(self, name: str) -> StepResult:
        (found,) = [s for s in self.steps if s.name == name]
        return found


# A local equivalent of an action: (its `with:` inputs, the job being run) -> its outputs.
Action = Callable[[dict[str, str], "JobRun"], dict[str, str]]


def read_commands_file(path: Path) -> dict[str, str]:
    """``$GITHUB_ENV``/``$GITHUB_OUTPUT``: ``name=value`` lines and ``name<<EOF`` blocks."""
    values: dict[str, str] = {}
    lines = path.read_text(encoding="utf-8").splitlines() if path.exists() else []
    index = 0
    while index < len(lines):
        line = lines[index]
        index += 1
        if "<<" in line and ("=" not in line or line.index("<<") < line.index("=")):
            name, delimiter = line.split("<<", 1)
            block = []
            while lines[index] != delimiter:
                block.append(lines[index])
                index += 1
            index += 1
            values[name] = "\n".join(block)
        elif "=" in line:
            name, value = line.split("=", 1)
            values[name] = value
    return values


@dataclass
class JobRun:
    """One job of one workflow, run in ``checkout`` with ``context`` (github, matrix, vars,
    secrets, needs) and the process environment ``base_env``."""

    workflow: Json
    job_name: str
    checkout: Path
    context: Json
    base_env: dict[str, str]
    actions: dict[str, Action]
    workdir: Path
    # Steps the caller does not run here, by exact `run:` text, with why (e.g. the suite itself).
    not_run: dict[str, str] = field(default_factory=dict)
    env: dict[str, str] = field(default_factory=dict)
    result: JobResult = field(default_factory=JobResult)

    # --- expressions ---------------------------------------------------------------------
    def _value(self, path: str) -> Any:
        head, *rest = path.split(".")
        value: Any = self.env if head == "env" else self.context.get(head)
        if value is None and head not in self.context and head != "env":
            raise ExpressionError(f"unknown context {head!r} in {path!r}")
        for part in rest:
            value = value.get(part) if isinstance(value, dict) else None
        return value

    def evaluate(self, expression: str) -> Any:
        expression = expression.strip()
        functions: dict[str, Callable[[], bool]] = {
            "always()": lambda: True,
            "!cancelled()": lambda: True,
            "cancelled()": lambda: False,
            "success()": lambda: self.result.status == 0,
            "failure()": lambda: self.result.status != 0,
        }
        if expression in functions:
            return functions[expression]()
        if "||" in expression:
            left, right = expression.split("||", 1)
            return self.evaluate(left) or self.evaluate(right)
        if expression.startswith("'") and expression.endswith("'"):
            return expression[1:-1].replace("''", "'")
        if expression.startswith("toJSON(") and expression.endswith(")"):
            return json.dumps(self.evaluate(expression[7:-1]), indent=2)
        if PATH.fullmatch(expression):
            return self._value(expression)
        raise ExpressionError(f"not evaluated here: {expression!r}")

    def substitute(self, text: str) -> str:
        def value(match: re.Match[str]) -> str:
            found = self.evaluate(match.group(1))
            return "" if found is None else str(found)

        return EXPRESSION.sub(value, text)

    def condition(self, step: Json) -> bool:
        written = str(step.get("if", "success()"))
        found = EXPRESSION.fullmatch(written.strip())
        return bool(self.evaluate(found.group(1) if found else written))

    # --- steps ---------------------------------------------------------------------------
    def run(self) -> JobResult:
        job = self.workflow["jobs"][self.job_name]
        self.env = {}
        for scope in (self.workflow.get("env") or {}, job.get("env") or {}):
            self.env.update({k: self.substitute(str(v)) for k, v in scope.items()})
        self.context["steps"] = {}
        self.workdir.mkdir(parents=True, exist_ok=True)
        summary = self.workdir / "step-summary.md"
        summary.touch()
        for number, step in enumerate(job["steps"]):
            name = step.get("name") or step.get("uses") or step["run"]
            if not self.condition(step):
                self.result.steps.append(StepResult(name, "skipped"))
                continue
            uses = "uses" in step
            outcome = self._uses(step) if uses else self._run(step, name, number, summary)
            self.result.steps.append(outcome)
            if outcome.outcome == "failure" and step.get("continue-on-error"):
                outcome.outcome = "success"
        self.result.summary = summary.read_text(encoding="utf-8")
        outputs = job.get("outputs") or {}
        self.result.outputs = {k: self.substitute(str(v)) for k, v in outputs.items()}
        return self.result

    def _record(self, step: Json, outputs: dict[str, str], outcome: str) -> None:
        if "id" in step:
            self.context["steps"][step["id"]] = {"outputs": outputs, "outcome": outcome}

    def _uses(self, step: Json) -> StepResult:
        action = step["uses"].split("@", 1)[0]
        inputs = {k: self.substitute(str(v)) for k, v in (step.get("with") or {}).items()}
        outputs = self.actions[action](inputs, self)
        self._record(step, outputs, "success")
        return StepResult(action, "success")

    def _run(self, step: Json, name: str, number: int, summary: Path) -> StepResult:
        script = self.substitute(step["run"])
        if step["run"] in self.not_run:
            return StepResult(name, "skipped", output=self.not_run[step["run"]])
        files = {
            key: self.workdir / f"{key.lower()}-{number}" for key in ("GITHUB_ENV", "GITHUB_OUTPUT")
        }
        for path in files.values():
            path.write_text("", encoding="utf-8")
        step_env = {k: self.substitute(str(v)) for k, v in (step.get("env") or {}).items()}
        env = {
            **self.base_env,
            **self.env,
            **step_env,
            **{k: str(v) for k, v in files.items()},
            "GITHUB_STEP_SUMMARY": str(summary),
            "GITHUB_WORKSPACE": str(self.checkout),
            "CI": "true",
        }
        script_file = self.workdir / f"step-{number}.sh"
        script_file.write_text(script, encoding="utf-8")
        completed = subprocess.run(
            ["bash", "--noprofile", "--norc", "-eo", "pipefail", str(script_file)],
            cwd=self.checkout,
            env=env,
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
            timeout=STEP_TIMEOUT,
            check=False,
        )
        self.env.update(read_commands_file(files["GITHUB_ENV"]))
        outcome = "success" if completed.returncode == 0 else "failure"
        self._record(step, read_commands_file(files["GITHUB_OUTPUT"]), outcome)
        return StepResult(name, outcome, completed.returncode, completed.stdout)


@dataclass
class LocalActions:
    """The local equivalents of the actions the workflows use: the checkout is already there,
    Python and Terraform are installed, the role is the local server's credentials, artifacts
    live in ``artifacts/<name>/``, and the pull request's run is the one the test ran."""

    artifacts: Path
    credentials: dict[str, str]
    roles: list[str] = field(default_factory=list)

    def table(self) -> dict[str, Action]:
        nothing: Action = lambda inputs, run: {}  # noqa: E731 - three no-ops
        return {
            "actions/checkout": nothing,
            "actions/setup-python": nothing,
            "hashicorp/setup-terraform": nothing,
            "aws-actions/configure-aws-credentials": self.assume_role,
            "actions/upload-artifact": self.upload,
            "actions/download-artifact": self.download,
            "actions/github-script": lambda inputs, run: {"run-id": "local"},
        }

    def assume_role(self, inputs: dict[str, str], run: JobRun) -> dict[str, str]:
        # The role the workflow asks for is recorded; the local server accepts its own keys.
        self.roles.append(inputs["role-to-assume"])
        run.env.update(self.credentials)
        run.env["AWS_REGION"] = run.env["AWS_DEFAULT_REGION"] = inputs["aws-region"]
        return {}

    def upload(self, inputs: dict[str, str], run: JobRun) -> dict[str, str]:
        files = []
        for pattern in filter(None, (p.strip() for p in inputs["path"].splitlines())):
            found = run.checkout / pattern
            files += sorted(p for p in found.rglob("*") if p.is_file()) if found.is_dir() else []
            files += [found] if found.is_file() else []
        # As upload-artifact: paths relative to the files' least common ancestor.
        root = Path(os.path.commonpath([f.parent for f in files])) if files else run.checkout
        target = self.artifacts / inputs["name"]
        for file in files:
            (target / file.relative_to(root)).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(file, target / file.relative_to(root))
        return {}

    def download(self, inputs: dict[str, str], run: JobRun) -> dict[str, str]:
        shutil.copytree(self.artifacts / inputs["name"], run.checkout / inputs["path"])
        return {}


def run_atlantis_stage(
    atlantis: Json, project_name: str, stage: str, checkout: Path, env: dict[str, str]
) -> StepResult:
    """One stage (plan or apply) of a project's custom workflow, as Atlantis runs it: each
    `run:` step with ``sh -c`` in the project's dir, with Atlantis's variables (PROJECT_NAME,
    DIR, PLANFILE, WORKSPACE, REPO_REL_DIR), stopping at the first failure. The output of
    every step, in order, is what Atlantis comments on the pull request."""
    (project,) = [p for p in atlantis["projects"] if p["name"] == project_name]
    directory = checkout / project["dir"]
    workflow = atlantis["workflows"][project["workflow"]]
    variables = {
        "PROJECT_NAME": project_name,
        "DIR": str(directory),
        "REPO_REL_DIR": project["dir"],
        "WORKSPACE": "default",
        "PLANFILE": str(directory / f"{project_name}-default.tfplan"),
    }
    output = []
    for step in workflow[stage]["steps"]:
        done = subprocess.run(
            ["sh", "-c", step["run"]],
            cwd=directory,
            env={**env, **variables},
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
            timeout=STEP_TIMEOUT,
            check=False,
        )
        output.append(done.stdout)
        if done.returncode != 0:
            return StepResult(stage, "failure", done.returncode, "".join(output))
    return StepResult(stage, "success", 0, "".join(output))
