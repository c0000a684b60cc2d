"""jsii's Node.js runtime loads the AWS provider through its lazy entry point
(constructs_lib/lazy_provider_index.py and .js): the NODE_OPTIONS it is given, the hook itself
on stand-in packages, and that nothing can start the runtime before the option is set.

That a whole synthesis goes through the lazy index and writes the same bytes as the ordinary
way: test_provider_loader.py's eager/lazy comparison (its lazy run reports the redirection)."""

from __future__ import annotations

import ast
import json
import shutil
import subprocess
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from constructs_lib import lazy_provider_index as lazy
from constructs_lib.provider_loader import EAGER_ENV_VAR
from tests.conftest import PROJECT_ROOT
from tests.import_graph import import_nodes, module_files

OPTION = lazy.node_option()
# What starts jsii's runtime when imported.
JSII_PACKAGES = ("jsii", "constructs", "cdktf", "cdktf_cdktf_provider_aws")
# The packages whose __init__ sets the option up (constructs_lib) or imports constructs_lib.
SET_UP_PACKAGES = ("constructs_lib", "stacks.stack")
SOURCE_ROOTS = ("main", "constructs_lib", "stacks", "local_aws")


def test_the_option_is_added_once_after_the_callers_own() -> None:
    assert OPTION is not None
    environ = {"NODE_OPTIONS": "--max-old-space-size=2048"}
    lazy.preload(environ)
    lazy.preload(environ)
    assert environ["NODE_OPTIONS"] == f"--max-old-space-size=2048 {OPTION}"
    alone: dict[str, str] = {}
    lazy.preload(alone)
    assert alone == {"NODE_OPTIONS": OPTION}


@given(
    st.text(st.characters(codec="ascii", exclude_characters="\0"), max_size=40).filter(
        lambda s: s.strip() and OPTION is not None and OPTION not in s
    )
)
def test_eager_takes_out_exactly_what_was_added(own: str) -> None:
    environ = {"NODE_OPTIONS": own}
    lazy.preload(environ)
    environ[EAGER_ENV_VAR] = "1"
    lazy.preload(environ)
    assert environ["NODE_OPTIONS"] == own


def test_eager_leaves_no_option_behind_and_adds_none() -> None:
    assert OPTION is not None
    added = {"NODE_OPTIONS": OPTION, EAGER_ENV_VAR: "1"}
    lazy.preload(added)
    assert added == {EAGER_ENV_VAR: "1"}
    first = {"NODE_OPTIONS": f"{OPTION} --trace-warnings", EAGER_ENV_VAR: "1"}
    lazy.preload(first)
    assert first["NODE_OPTIONS"] == "--trace-warnings"
    never = {EAGER_ENV_VAR: "1"}
    lazy.preload(never)
    assert never == {EAGER_ENV_VAR: "1"}


def test_an_unclear_eager_setting_changes_nothing_and_is_left_to_the_loader() -> None:
    # `main.py check` imports the package and must not fail on it (the synthesis reports it).
    environ = {"NODE_OPTIONS": "--trace-warnings", EAGER_ENV_VAR: "yes"}
    lazy.preload(environ)
    assert environ == {"NODE_OPTIONS": "--trace-warnings", EAGER_ENV_VAR: "yes"}


def test_a_path_node_options_cannot_quote_is_not_used() -> None:
    assert lazy.node_option(Path('/opt/a"b/hook.js')) is None
    assert lazy.node_option(Path("/opt/a\\b/hook.js")) is None
    assert lazy.node_option(Path("/opt/a b/hook.js")) == '--require "/opt/a b/hook.js"'


# --- the hook, in a real Node.js, on stand-in packages -----------------------------------------


def _package(root: Path, name: str, *, lazy_index: bool) -> None:
    lib = root / "node_modules" / name / "lib"
    lib.mkdir(parents=True)
    (lib.parent / "package.json").write_text(
        json.dumps({"name": name, "version": "1.0.0", "main": "lib/index.js"}), encoding="utf-8"
    )
    (lib / "index.js").write_text("module.exports = {entry: 'index'};\n", encoding="utf-8")
    if lazy_index:
        (lib / "lazy-index.js").write_text("module.exports = {entry: 'lazy'};\n", "utf-8")


def _entries(root: Path, hook: Path, *names: str) -> tuple[list[str], str]:
    option = lazy.node_option(hook)
    assert option is not None
    report = root / "report.txt"
    script = f"console.log(JSON.stringify({json.dumps(names)}.map(n => require(n).entry)))"
    node = shutil.which("node")
    assert node is not None, "node is not on PATH"
    done = subprocess.run(
        [node, "-e", script],
        cwd=root,
        env={"NODE_OPTIONS": option, lazy.REPORT_VARIABLE: str(report), "PATH": "/usr/bin:/bin"},
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    entries: list[str] = json.loads(done.stdout)
    return entries, report.read_text("utf-8") if report.exists() else ""


def test_the_hook_sends_only_the_aws_provider_to_its_lazy_index(tmp_path: Path) -> None:
    # The hook from a folder with a space in its name: NODE_OPTIONS quoting included.
    hook = tmp_path / "a folder" / lazy.HOOK.name
    hook.parent.mkdir()
    shutil.copy2(lazy.HOOK, hook)
    _package(tmp_path, "@cdktf/provider-aws", lazy_index=True)
    _package(tmp_path, "@cdktf/provider-google", lazy_index=True)
    entries, report = _entries(tmp_path, hook, "@cdktf/provider-aws", "@cdktf/provider-google")
    assert entries == ["lazy", "index"]
    index = tmp_path / "node_modules/@cdktf/provider-aws/lib/index.js"
    assert report == f"{index} -> {index.with_name('lazy-index.js')}\n"


def test_without_a_lazy_index_the_package_loads_as_it_is(tmp_path: Path) -> None:
    _package(tmp_path, "@cdktf/provider-aws", lazy_index=False)
    entries, report = _entries(tmp_path, lazy.HOOK, "@cdktf/provider-aws")
    assert entries == ["index"]
    assert report == ""


# --- nothing starts the runtime before the option is set --------------------------------------


def _tree(path: Path) -> ast.Module:
    return ast.parse(path.read_text(encoding="utf-8"), filename=str(path))


def _imported(node: ast.AST) -> list[str]:
    """The absolute module names imported under ``node`` (relative imports are our own)."""
    names: list[str] = []
    for child in import_nodes(node):
        if isinstance(child, ast.Import):
            names += [alias.name for alias in child.names]
        elif child.level == 0 and child.module:
            names.append(child.module)
    return names


def test_only_packages_that_set_the_option_up_first_import_jsii() -> None:
    starting = sorted(
        name
        for name, path in module_files(PROJECT_ROOT, SOURCE_ROOTS).items()
        if any(imported.split(".")[0] in JSII_PACKAGES for imported in _imported(_tree(path)))
    )
    assert starting, "nothing imports cdktf?"
    elsewhere = [
        name
        for name in starting
        if not any(name == p or name.startswith(f"{p}.") for p in SET_UP_PACKAGES)
    ]
    assert elsewhere == []


def _module_level_before_any_jsii(tree: ast.Module) -> list[str]:
    """The module-level statements of ``tree`` (as source) up to its first jsii import."""
    before = []
    for statement in tree.body:
        if any(n.split(".")[0] in JSII_PACKAGES for n in _imported(statement)):
            break
        before.append(ast.unparse(statement))
    return before


@pytest.mark.parametrize("package", SET_UP_PACKAGES)
def test_the_packages_set_the_option_up_before_anything_else(package: str) -> None:
    path = module_files(PROJECT_ROOT, SOURCE_ROOTS)[package]
    statements = _module_level_before_any_jsii(_tree(path))
    set_up = {"constructs_lib": "lazy_provider_index.preload()"}
    assert set_up.get(package, "import constructs_lib") in statements
