"""`python main.py preview ENV...`: who gets paged, and when (loads no cdktf)."""

from __future__ import annotations

import argparse
import sys
import textwrap
from datetime import UTC, datetime
from pathlib import Path

from stacks.config.config_errors import ConfigError
from stacks.layout import EXIT_CONFIG_ERROR, EXIT_FAILED, PROJECT_ROOT
from stacks.paging.preview import DEFAULT_WEEKS, build_preview, json_text, text
from stacks.paging.source import load_sources

EXIT_FINDINGS = EXIT_FAILED
MAX_WEEKS = 52

EPILOG = """\
examples:
  python main.py preview prod                      # now, the next 4 weeks, as text
  python main.py preview prod --at 2026-12-25T03:00-08:00 --weeks 2
  python main.py preview prod --format json        # for tools
  python main.py preview --strict                  # every environment; findings fail CI
  python main.py preview prod --html-dir preview.out   # also write preview.out/prod.html

exit status:
  0  preview printed (findings are warnings)
  1  --strict and at least one finding
  2  an environment file or an argument is wrong (file:line: field: message)

environment variables: none (the time zone database is Python's zoneinfo).
"""


def parse_at(value: str) -> datetime:
    """``--at``: ISO 8601 with a UTC offset (``Z`` or ``-08:00``), or ``now``."""
    if value == "now":
        return datetime.now(UTC).replace(second=0, microsecond=0)
    try:
        moment = datetime.fromisoformat(value)
    except ValueError:
        raise argparse.ArgumentTypeError(
            f"{value!r} is not an ISO 8601 date and time; write e.g. 2026-12-25T03:00Z"
        ) from None
    if moment.tzinfo is None:
        raise argparse.ArgumentTypeError(
            f"{value!r} has no UTC offset; write e.g. {value}Z or {value}-08:00"
        )
    return moment.astimezone(UTC)


def weeks(value: str) -> int:
    try:
        number = int(value)
    except ValueError:
        number = 0
    if not 1 <= number <= MAX_WEEKS:
        raise argparse.ArgumentTypeError(
            f"{value!r}: give a whole number of weeks, 1 to {MAX_WEEKS}"
        )
    return number


def add_parser(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = subparsers.add_parser(
        "preview",
        help="who gets paged, and when: timelines, on-call calendar, findings",
        description=textwrap.fill(
            "For each response plan, the timeline of an incident nobody acknowledges (minute, "
            "person, channel, and the path that led there); for each rotation, the shifts of "
            "the next weeks in its time zone and in UTC; and findings (rotation gaps, single "
            "points of failure, contacts nothing pages, no page at minute 0, no retries) with "
            "file and line. Loads no cdktf."
        ),
        epilog=EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("environments", nargs="*", metavar="ENV", help="default: every one")
    parser.add_argument(
        "--at",
        type=parse_at,
        default="now",
        help="when the incident opens: ISO 8601 with an offset (default: now)",
    )
    parser.add_argument(
        "--weeks",
        type=weeks,
        default=DEFAULT_WEEKS,
        help=f"calendar length in weeks (default {DEFAULT_WEEKS})",
    )
    parser.add_argument("--format", choices=("text", "json"), default="text")
    parser.add_argument("--strict", action="store_true", help="exit 1 when there are findings")
    parser.add_argument(
        "--html-dir", type=Path, help="also write a self-contained <env>.html report there"
    )
    parser.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    root = PROJECT_ROOT
    try:
        sources = load_sources(root, args.environments)
    except ConfigError as error:
        print(error, file=sys.stderr)
        return EXIT_CONFIG_ERROR
    previews = [build_preview(source, args.at, args.weeks) for source in sources]
    if args.format == "json":
        sys.stdout.write(json_text(previews))
    else:
        sys.stdout.write("\n".join(text(p) for p in previews))
    if args.html_dir is not None:
        from stacks.paging.html_report import write_reports

        for written in write_reports(previews, args.html_dir):
            print(f"wrote {written}", file=sys.stderr)
    if args.strict and any(p.findings for p in previews):
        return EXIT_FINDINGS
    return 0
