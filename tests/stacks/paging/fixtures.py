"""The paging preview's fixture environments (copies of the examples, and one built to raise
every finding), loaded the way main.py loads environment files."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

from stacks.config.environment import Environment
from stacks.config.environment_loader import load_environment
from stacks.paging.source import SourceFile, read_source
from tests.conftest import PROJECT_ROOT

FIXTURES = Path(__file__).resolve().parent / "fixtures"
EXAMPLES = ("dev", "prod", "staging")
# A Monday 02:00 in Los Angeles: the prod rotation's shift 45 (sr-incident-responder) runs
# until 09:00 local.
MONDAY_NIGHT = datetime(2026, 11, 23, 10, 0, tzinfo=UTC)


def fixture(name: str) -> Environment:
    return load_environment(FIXTURES / f"{name}.yaml", PROJECT_ROOT)


def source(name: str) -> SourceFile:
    return read_source(FIXTURES / f"{name}.yaml", PROJECT_ROOT)
