"""The HTML report in a real headless Chromium: no console error, no request off the page, the
expected elements, and a screenshot per example for people to review (rewritten in
tests/stacks/paging/screenshots/ with IM_UPDATE_SCREENSHOTS=1)."""

from __future__ import annotations

import os
import re
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest

from stacks.paging.html_report import render
from stacks.paging.preview import build_preview
from tests.stacks.paging.chromium import Browser, png_size
from tests.stacks.paging.fixtures import EXAMPLES, MONDAY_NIGHT, source

SCREENSHOTS = Path(__file__).resolve().parent / "screenshots"
# IM_UPDATE_SCREENSHOTS=1 rewrites SCREENSHOTS from this run (after a change to the report).
UPDATE_SCREENSHOTS = "IM_UPDATE_SCREENSHOTS"
WIDTH = 1100
COUNTS = """JSON.stringify({
  title: document.title,
  timelines: document.querySelectorAll("svg.timeline").length,
  pages: document.querySelectorAll("svg.timeline circle.page").length,
  stages: document.querySelectorAll("svg.timeline line.stage").length,
  weeks: document.querySelectorAll("svg.week").length,
  shifts: document.querySelectorAll("svg.week rect.shift").length,
  gaps: document.querySelectorAll("svg.week rect.gap").length,
  findings: document.querySelectorAll("ul.findings li").length,
  hatch: !!document.getElementById("gap-hatch"),
  resources: performance.getEntriesByType("resource").length,
  width: document.documentElement.scrollWidth
})"""


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    chromium = Browser()
    yield chromium
    chromium.close()


@pytest.mark.parametrize("name", EXAMPLES)
def test_the_report_renders_cleanly_with_every_timeline_and_week(
    name: str, browser: Browser, tmp_path: Path
) -> None:
    preview = build_preview(source(name), MONDAY_NIGHT)
    page = tmp_path / f"{name}.html"
    page.write_text(render(preview), encoding="utf-8")
    report = browser.load(page.as_uri(), COUNTS, WIDTH)
    assert report.problems == []
    assert report.requests == []
    values = report.values
    assert values["title"] == f"Paging preview: {name}"
    assert values["timelines"] == len(preview.timelines)
    assert values["pages"] == sum(len(t.pages) for t in preview.timelines)
    assert values["stages"] == sum(
        len({m for m, _, _ in t.stages} - {0}) for t in preview.timelines
    )
    # Four weeks from a Monday 02:00 in the rotation's zone touch five calendar weeks.
    assert values["weeks"] == 5 * len(preview.calendars)
    assert values["shifts"] >= sum(len(c.shifts) for c in preview.calendars)
    assert (values["gaps"] > 0) == any(c.gaps for c in preview.calendars)
    assert values["findings"] == len(preview.findings)
    assert values["hatch"] is True
    assert values["resources"] == 0
    assert values["width"] <= WIDTH, "nothing wider than the page"
    width, height = png_size(report.screenshot)
    assert width == WIDTH
    assert height > 600
    # The committed screenshots the docs show are rewritten only when asked: a test run leaves
    # the working tree as it found it (Chromium's PNG bytes vary between machines).
    if os.environ.get(UPDATE_SCREENSHOTS) == "1":
        SCREENSHOTS.mkdir(exist_ok=True)
        (SCREENSHOTS / f"{name}.png").write_bytes(report.screenshot)


def test_staging_marks_its_nights_and_weekends_as_gaps(browser: Browser, tmp_path: Path) -> None:
    preview = build_preview(source("staging"), MONDAY_NIGHT)
    page = tmp_path / "staging.html"
    page.write_text(render(preview), encoding="utf-8")
    titles = browser.load(
        page.as_uri(),
        'JSON.stringify([...document.querySelectorAll("rect.gap title")].map(t => t.textContent))',
    ).values
    assert "nobody on call: 2026-11-27 15:00 UTC to 2026-11-30 07:00 UTC" in titles


def test_the_checks_do_see_console_errors_and_requests(browser: Browser, tmp_path: Path) -> None:
    page = tmp_path / "broken.html"
    page.write_text(
        '<!DOCTYPE html><html><body><img src="http://127.0.0.1:9/x.png">'
        '<script>console.error("boom"); undefinedFunction();</script></body></html>',
        encoding="utf-8",
    )
    report = browser.load(page.as_uri(), "JSON.stringify(1)")
    assert any("boom" in p for p in report.problems)
    assert any("undefinedFunction" in p for p in report.problems)
    assert report.requests == ["http://127.0.0.1:9/x.png"]


def test_the_page_refers_to_nothing_outside_itself_and_is_the_same_every_time() -> None:
    preview = build_preview(source("prod"), MONDAY_NIGHT)
    html = render(preview)
    assert html == render(build_preview(source("prod"), MONDAY_NIGHT))
    assert not re.search(r"\s(src|href)=", html)
    assert set(re.findall(r"https?://[^\s\"'<>]+", html)) == {"http://www.w3.org/2000/svg"}
    assert "<script" not in html


def test_a_schedule_with_nobody_on_call_is_said_on_the_page() -> None:
    # Saturday: staging's business-hours rotation has nobody on call when stage 2 engages it.
    saturday = datetime(2026, 11, 28, 12, 0, tzinfo=UTC)
    html = render(build_preview(source("staging"), saturday))
    assert "Minute 10: on-call schedule stg-business-hours-oncall has nobody on call." in html
