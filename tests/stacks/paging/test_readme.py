"""The `make preview ENV=prod` block of docs/paging-view.md is what the preview prints for the
prod fixture."""

from __future__ import annotations

from datetime import UTC, datetime

from stacks.paging.preview import build_preview, text
from tests.conftest import PROJECT_ROOT
from tests.stacks.paging.fixtures import source


def test_the_docs_show_the_real_output_for_the_walkthrough() -> None:
    section = (PROJECT_ROOT / "docs" / "paging-view.md").read_text(encoding="utf-8")
    block = section.split("$ make preview ENV=prod", 1)[1].split("```", 1)[0]
    shown = block.split("\n", 1)[1].removesuffix("wrote preview.out/prod.html\n")
    printed = text(build_preview(source("prod"), datetime(2026, 11, 23, 10, 0, tzinfo=UTC)))
    assert shown == printed
    assert "../tests/stacks/paging/screenshots/prod.png" in section
    assert (PROJECT_ROOT / "tests" / "stacks" / "paging" / "screenshots" / "prod.png").exists()
