"""The README and docs/ pages: the field reference is complete, every command and link they name
exists, and the everyday recipes keep an environment valid."""

from __future__ import annotations

import json
import re
import shutil
import types
import typing
from pathlib import Path
from typing import Any, Union, get_args, get_origin

from pydantic import BaseModel

from benchmarks.synth_benchmark import copy_project
from stacks.config.environment_config import EnvironmentConfig
from tests.conftest import EXAMPLES_ROOT, PROJECT_ROOT, run_main


def _models(annotation: Any) -> list[type[BaseModel]]:
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return [annotation]
    origin = get_origin(annotation)
    if origin in (Union, types.UnionType, list, dict, typing.Annotated):
        return [m for arg in get_args(annotation) for m in _models(arg)]
    return []


def _field_names(model: type[BaseModel], seen: set[str]) -> set[str]:
    names: set[str] = set()
    if model.__name__ in seen:
        return names
    seen.add(model.__name__)
    for name, field in model.model_fields.items():
        names.add(name)
        for inner in _models(field.annotation):
            names |= _field_names(inner, seen)
    return names


def test_reference_lists_every_field_of_the_environment_schema() -> None:
    page = (PROJECT_ROOT / "docs" / "environment-file.md").read_text(encoding="utf-8")
    reference = page.split("## The fields", 1)[1].split("```yaml", 1)[1]
    reference = reference.split("```", 1)[0]
    documented = set(re.findall(r"^[\s#-]*([a-z_]+):", reference, flags=re.MULTILINE))
    documented |= set(re.findall(r"[{,]\s*([a-z_]+):", reference))
    missing = _field_names(EnvironmentConfig, set()) - documented
    assert missing == set(), f"docs/environment-file.md lacks: {sorted(missing)}"


def _readme() -> str:
    return (PROJECT_ROOT / "README.md").read_text(encoding="utf-8")


def _pages() -> list[Path]:
    """The README and every page under docs/."""
    return [PROJECT_ROOT / "README.md", *sorted((PROJECT_ROOT / "docs").glob("*.md"))]


def _example_comments() -> list[str]:
    """The comment lines of the example environments and of their frozen copy: a person reads
    them first, so the commands they name are tested like the docs'."""
    roots = [PROJECT_ROOT / "stacks" / "environments", EXAMPLES_ROOT]
    files = sorted(f for root in roots for f in root.rglob("*.y*ml"))
    assert len(files) >= 6
    return [
        line.split("#", 1)[1]
        for file in files
        for line in file.read_text(encoding="utf-8").splitlines()
        if "#" in line
    ]


# The commands of the docs as a person copies them: `make TARGET VAR=value ...` and
# `.venv/bin/python main.py COMMAND ...`, up to the end of the code span or a comment.
MAKE_COMMAND = re.compile(r"\bmake ((?:[a-z][a-z-]*)(?: [A-Z_]+=(?:\"[^\"]*\"|[^\s`,)]+))+)")
# A code span may wrap across lines; a line of a code block ends at its comment.
MAIN_IN_SPAN = re.compile(r"`\.venv/bin/python main\.py([^`]*)`")
MAIN_IN_BLOCK = re.compile(r"^\.venv/bin/python main\.py([^#\n]*)", flags=re.MULTILINE)
# Placeholders the docs write, and a value of the right kind for each.
PLACEHOLDERS = {"<env>": "prod", "ENV": "prod", "REF": "main", "<region>": "us-east-1"}


def _docs_text() -> str:
    """The README, the docs/ pages and the example environments' comments."""
    pages = [page.read_text(encoding="utf-8") for page in _pages()]
    return "\n".join([*pages, *_example_comments()])


def test_every_command_in_the_readme_exists_as_written() -> None:
    from main import COMMANDS
    from tests.test_makefile import phony_targets

    readme = _docs_text()
    targets = phony_targets()
    made = set(re.findall(r"\bmake ([a-z][a-z-]*)", readme))
    assert made - targets == set(), (
        f"the docs name make targets that do not exist: {made - targets}"
    )
    commands = set(COMMANDS)
    for match in re.finditer(r"\bpython main\.py((?: -?-?[a-z][a-z-]*)?)", readme):
        # `python main.py` alone fails on a machine whose python has no cdktf: say which one.
        start = match.start()
        assert readme[max(0, start - 10) : start] == ".venv/bin/", readme[start - 40 : start + 40]
        word = match.group(1).strip()
        # Today's commands: the first version's flags (--check, --list-secrets) still work, but
        # a reader copies what the docs say.
        assert not word or word in commands or word in ("--help", "-h"), word


def _recipes() -> list[str]:
    """The YAML blocks of docs/everyday-changes.md's recipes, in order."""
    page = (PROJECT_ROOT / "docs" / "everyday-changes.md").read_text(encoding="utf-8")
    section = page.split("\n## Recipes\n", 1)[1].split("\n## ", 1)[0]
    return re.findall(r"```yaml\n(.*?)```", section, flags=re.DOTALL)


def _apply_recipes(prod_file: Path, blocks: list[str]) -> None:
    """Merge recipes into an environment file the way a person edits it: an entry with the same
    alias or name replaces the old one, others are appended."""
    from ruamel.yaml import YAML

    yaml = YAML(typ="safe")
    prod = yaml.load(prod_file.read_text(encoding="utf-8"))
    for block in blocks:
        for section, entries in yaml.load(block).items():
            existing = prod.setdefault(section, [])
            for entry in entries:
                key = "alias" if "alias" in entry else "name"
                names = [e.get(key) for e in existing]
                if entry[key] in names:
                    existing[names.index(entry[key])] = entry
                else:
                    existing.append(entry)
    with prod_file.open("w", encoding="utf-8") as output:
        yaml.dump(prod, output)


def test_the_everyday_recipes_applied_to_the_example_prod_keep_it_valid(tmp_path: Path) -> None:
    """Each recipe of docs/everyday-changes.md, merged into the example prod, checks and
    synthesizes."""
    from stacks.config.environment_loader import load_environments
    from stacks.stack.synthesize import synthesize

    root = tmp_path / "project"
    shutil.copytree(EXAMPLES_ROOT / "stacks", root / "stacks")
    blocks = _recipes()
    assert len(blocks) >= 4
    _apply_recipes(root / "stacks" / "environments" / "prod.yaml", blocks)
    (environment,) = load_environments(root, ["prod"])
    assert "db-oncall" in [c.alias for c in environment.config.contacts]
    assert "app-oncall" in [s.alias for s in environment.config.oncall_schedules]
    synthesize([environment], root, tmp_path / "cdktf.out")
    stack = (tmp_path / "cdktf.out" / "stacks" / "incident-manager-prod" / "cdk.tf.json").read_text(
        encoding="utf-8"
    )
    assert "RDSStorageLow" in stack
    assert "app-business-hours" in stack


def test_the_rotation_recipe_passes_make_check_and_its_schedule_pages(tmp_path: Path) -> None:
    """The recipe "Add a rotation and the schedule that pages it", alone on the example prod, run
    through main.py as `make check` and `make preview` run it: valid, and what the page says
    happens does (weekday hours paged through the schedule, 3 a.m. straight to stage 2)."""
    (recipe,) = [block for block in _recipes() if "oncall_schedules:" in block]
    root = copy_project(tmp_path)
    for folder in ("environments", "runbooks"):
        shutil.rmtree(root / "stacks" / folder)
        shutil.copytree(EXAMPLES_ROOT / "stacks" / folder, root / "stacks" / folder)
    _apply_recipes(root / "stacks" / "environments" / "prod.yaml", [recipe])

    checked = run_main(root, "check", "prod")
    assert checked.returncode == 0, checked.stderr
    assert checked.stdout.startswith("ok  incident-manager-prod"), checked.stdout

    def ec2_high_cpu_at(at: str) -> dict[str, Any]:
        shown = run_main(root, "preview", "prod", "--at", at, "--weeks", "1", "--format", "json")
        assert shown.returncode == 0, shown.stderr
        (preview,) = json.loads(shown.stdout)
        assert not [
            f
            for f in preview["findings"]
            if f["kind"] == "unused-rotation" and "app-business-hours" in f["message"]
        ], preview["findings"]
        (plan,) = [p for p in preview["response_plans"] if p["name"] == "EC2HighCPU"]
        timeline: dict[str, Any] = plan
        return timeline

    monday_morning = ec2_high_cpu_at("2026-11-23T10:00:00-08:00")
    assert {"schedule": "app-oncall", "rotation": "app-business-hours"} in [
        page["on_call"] for page in monday_morning["pages"] if page["minute"] == 0
    ]
    night = ec2_high_cpu_at("2026-11-23T03:00:00-08:00")
    assert {"minute": 0, "schedule": "app-oncall"} in night["unstaffed_schedules"]
    assert min(page["minute"] for page in night["pages"]) == 5


def _anchors(markdown: str) -> set[str]:
    """GitHub's heading anchors: lowercase, punctuation dropped, spaces as hyphens."""
    headings = re.findall(
        r"^#{1,6} (.+)$", re.sub(r"```.*?```", "", markdown, flags=re.DOTALL), re.M
    )
    return {re.sub(r"[^a-z0-9 _-]", "", h.lower()).replace(" ", "-") for h in headings}


def test_every_relative_link_of_the_docs_reaches_a_file_and_heading() -> None:
    broken = []
    for page in _pages():
        text = page.read_text(encoding="utf-8")
        for target in re.findall(r"\]\(([^)\s]+)\)", text):
            if re.match(r"[a-z]+://", target):
                continue
            path, _, anchor = target.partition("#")
            linked = (page.parent / path).resolve() if path else page
            if not linked.exists():
                broken.append(f"{page.name}: {target} (no such file)")
            elif anchor and anchor not in _anchors(linked.read_text(encoding="utf-8")):
                broken.append(f"{page.name}: {target} (no such heading)")
    assert broken == []


def test_the_readme_is_a_front_door_and_links_every_docs_page() -> None:
    readme = _readme()
    assert len(readme.splitlines()) <= 250, "reference and how-to text belongs in docs/"
    unlinked = [p.name for p in _pages()[1:] if f"(docs/{p.name})" not in readme]
    assert unlinked == []


def test_every_make_variable_in_the_docs_reaches_the_command_it_is_given_to() -> None:
    """`make rehearse ENV=prod BEFORE=main`: each VAR= of each documented make command shows up
    in what make would run (`make -n`), so a renamed or misspelt variable fails here instead of
    being ignored silently."""
    from tests.test_makefile import make

    probes: dict[tuple[str, str], str] = {}
    for match in MAKE_COMMAND.finditer(_docs_text()):
        target, *assignments = match.group(1).split()
        for assignment in assignments:
            probes[(target, assignment.split("=", 1)[0])] = match.group(0)
    assert len(probes) >= 10, probes
    unused = []
    for (target, variable), shown in sorted(probes.items()):
        # The other variables of that command keep the values the docs give them.
        given = [a for a in shown.split()[2:] if not a.startswith(f"{variable}=")]
        dry = make("-n", target, *[a.replace('"', "") for a in given], f"{variable}=probe-value")
        if dry.returncode != 0 or "probe-value" not in dry.stdout:
            unused.append(f"{shown}: {variable} not in `make -n {target}`: {dry.stderr.strip()}")
    assert unused == []


def test_every_main_py_command_in_the_docs_parses() -> None:
    """`.venv/bin/python main.py plan-check prod`, `... preview-diff prod --base REF`: main.py's
    own parser accepts each documented command line (a removed flag fails here)."""
    import main

    text = _docs_text()
    found = [*MAIN_IN_SPAN.finditer(text), *MAIN_IN_BLOCK.finditer(text)]
    # A synopsis ("adopt acme --region us-east-1 [--force]") is checked without its options.
    commands = sorted({" ".join(re.sub(r"\[[^\]]*\]", "", m.group(1)).split()) for m in found})
    assert len(commands) >= 5, commands
    refused = []
    for line in commands:
        words = [PLACEHOLDERS.get(word, word) for word in line.split()]
        if words[-1:] in (["--help"], ["-h"]):
            continue
        normalized = main._normalized(words)
        try:
            main.build_parser(normalized[0]).parse_args(normalized)
        except SystemExit:
            refused.append(line)
    assert refused == [], f"main.py refuses these documented commands: {refused}"
