"""The README and docs/ pages: the field reference is complete, every command and link they name
exists, and the everyday recipes keep an environment valid."""

from __future__ import annotations

import re
import shutil
import types
import typing
from pathlib import Path
from typing import Any, Union, get_args, get_origin

from pydantic import BaseModel

from stacks.environment_config import EnvironmentConfig
from tests.conftest import EXAMPLES_ROOT, PROJECT_ROOT


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


def _section(title: str) -> str:
    return _readme().split(f"## {title}\n", 1)[1].split("\n## ", 1)[0]


def test_every_command_in_the_readme_exists_as_written() -> None:
    from main import BUILT_IN, COMMAND_MODULES, LEGACY_FLAGS
    from tests.test_makefile import phony_targets

    readme = "\n".join(page.read_text(encoding="utf-8") for page in _pages())
    targets = phony_targets()
    made = set(re.findall(r"\bmake ([a-z][a-z-]*)", readme))
    assert made - targets == set(), (
        f"the docs name make targets that do not exist: {made - targets}"
    )
    commands = {*BUILT_IN, *COMMAND_MODULES}
    for match in re.finditer(r"\bpython main\.py((?: [a-z][a-z-]*)?)", readme):
        # `python main.py` alone fails on a machine whose python has no cdktf: say which one.
        start = match.start()
        assert readme[max(0, start - 10) : start] == ".venv/bin/", readme[start - 40 : start + 40]
        word = match.group(1).strip()
        assert not word or word in commands or word in LEGACY_FLAGS, word


def test_the_everyday_recipes_applied_to_the_example_prod_keep_it_valid(tmp_path: Path) -> None:
    """Each YAML block of "Everyday changes", merged into the example prod the way a person
    edits it (an entry with the same alias or name replaces the old one, others are appended),
    checks and synthesizes."""
    from ruamel.yaml import YAML

    from stacks.environment_loader import load_environments
    from stacks.synthesize import synthesize

    yaml = YAML(typ="safe")
    root = tmp_path / "project"
    shutil.copytree(EXAMPLES_ROOT / "stacks", root / "stacks")
    prod_file = root / "stacks" / "environments" / "prod.yaml"
    prod = yaml.load(prod_file.read_text(encoding="utf-8"))
    blocks = re.findall(r"```yaml\n(.*?)```", _section("Everyday changes"), flags=re.DOTALL)
    assert len(blocks) >= 3
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
    (environment,) = load_environments(root, ["prod"])
    assert "db-oncall" in [c.alias for c in environment.config.contacts]
    synthesize([environment], root, tmp_path / "cdktf.out")
    stack = (tmp_path / "cdktf.out" / "stacks" / "incident-manager-prod" / "cdk.tf.json").read_text(
        encoding="utf-8"
    )
    assert "RDSStorageLow" in stack


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
