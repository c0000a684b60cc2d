"""The paging preview's environments, loaded the way main.py loads environment files: the
frozen examples (tests/fixtures/examples, shared with every test about the examples' content)
and risky.yaml beside this module, the one environment built to raise every kind of finding."""

from __future__ import annotations

import shutil
from collections.abc import Iterable
from datetime import UTC, datetime
from pathlib import Path

from benchmarks.synth_benchmark import copy_project
from stacks.config.environment import Environment
from stacks.config.environment_loader import load_environment
from stacks.layout import ENVIRONMENTS_DIR
from stacks.paging.source import SourceFile, read_source
from tests.conftest import EXAMPLES_ROOT, PROJECT_ROOT

EXAMPLES = ("dev", "prod", "staging")
RISKY = Path(__file__).resolve().parent / "risky.yaml"
# A Monday 02:00 in Los Angeles: the prod rotation's shift 45 (sr-incident-responder) runs
# until 09:00 local.
MONDAY_NIGHT = datetime(2026, 11, 23, 10, 0, tzinfo=UTC)
# Edits for ``edited("prod", ...)``: the rotation listed in an on-call schedule, app-oncall;
# and the response plan engaging that schedule instead of the escalation plan.
PROD_SCHEDULE = (
    "topics:",
    "oncall_schedules:\n  - alias: app-oncall\n    display_name: App on-call\n"
    "    rotations: [app-responders-weekly]\n\ntopics:",
)
PROD_ENGAGES_SCHEDULE = ("engagements: [app-escalation-plan]", "engagements: [app-oncall]")


def fixture_path(name: str) -> Path:
    """An example's frozen file, or risky.yaml."""
    return RISKY if name == "risky" else EXAMPLES_ROOT / ENVIRONMENTS_DIR / f"{name}.yaml"


def fixture_root(name: str) -> Path:
    """The project root a fixture is read against: the examples' own (their runbook, and the
    path a person sees, stacks/environments/<name>.yaml), or this repository for risky.yaml."""
    return PROJECT_ROOT if name == "risky" else EXAMPLES_ROOT


def fixture(name: str) -> Environment:
    return load_environment(fixture_path(name), fixture_root(name))


def source(name: str) -> SourceFile:
    return read_source(fixture_path(name), fixture_root(name))


def edited(name: str, directory: Path, *edits: tuple[str, str]) -> Environment:
    """A fixture with text edits applied (each must apply), written to ``directory`` and loaded
    as main.py loads it, against the fixture's own project root."""
    text = fixture_path(name).read_text(encoding="utf-8")
    for old, new in edits:
        assert old in text, old
        text = text.replace(old, new)
    path = directory / f"{name}.yaml"
    path.write_text(text, encoding="utf-8")
    return load_environment(path, fixture_root(name))


def project_with(directory: Path, names: Iterable[str]) -> Path:
    """A copy of the project in ``directory`` whose stacks/environments holds the named fixtures
    and nothing else."""
    root = copy_project(directory)
    environments = root / ENVIRONMENTS_DIR
    shutil.rmtree(environments)
    environments.mkdir()
    for name in names:
        shutil.copy2(fixture_path(name), environments / f"{name}.yaml")
    return root
