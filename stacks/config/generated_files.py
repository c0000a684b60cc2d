"""The two files generated from the config model, written or checked together:
``stacks/environment.schema.json`` (``environment_schema``) and the reference part of
docs/environment-file.md (``environment_reference``)::

    .venv/bin/python main.py schema --write   # or: make schema
    .venv/bin/python main.py schema --check   # exit 1 if either is stale
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from stacks.config.environment_reference import reference_page
from stacks.config.environment_schema import REGENERATE, SCHEMA_FILE, schema_text
from stacks.layout import PROJECT_ROOT


def _stale(path: Path, text: str) -> bool:
    return not path.is_file() or path.read_text(encoding="utf-8") != text


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m stacks.config.generated_files",
        description="Generate the environment file's JSON Schema and the reference page from "
        "the config model.",
    )
    action = parser.add_mutually_exclusive_group(required=True)
    action.add_argument("--write", action="store_true", help="write both files")
    action.add_argument("--check", action="store_true", help="exit 1 if either file is stale")
    args = parser.parse_args(argv)
    page = PROJECT_ROOT / "docs" / "environment-file.md"
    outputs = {
        PROJECT_ROOT / SCHEMA_FILE: schema_text(),
        page: reference_page(page.read_text(encoding="utf-8")),
    }
    stale = [path for path, text in outputs.items() if _stale(path, text)]
    if args.check:
        for path in stale:
            print(f"{path.relative_to(PROJECT_ROOT)} is stale: run {REGENERATE}", file=sys.stderr)
        return 1 if stale else 0
    for path in stale:
        path.write_text(outputs[path], encoding="utf-8")
        print(f"wrote {path.relative_to(PROJECT_ROOT)}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
