"""The provider loader imports only the submodules in use, and says so when it cannot."""

from __future__ import annotations

import ast
import importlib.metadata
import importlib.util
import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from constructs_lib import lazy_provider_index, provider_loader
from stacks.config.environment_loader import environment_files
from tests.conftest import PROJECT_ROOT, main_environment


def test_importing_the_constructs_loads_only_the_provider_modules_they_use() -> None:
    code = (
        "import sys, constructs_lib.aws\n"
        "loaded = [m for m in sys.modules if m.startswith('cdktf_cdktf_provider_aws.')]\n"
        "print(len(loaded))\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], cwd=PROJECT_ROOT, capture_output=True, text=True, check=True
    )
    # ~15 submodules plus _jsii, not the ~2,100 the package __init__ imports.
    assert int(result.stdout) < 40


def test_an_unknown_submodule_is_a_layout_error() -> None:
    with pytest.raises(provider_loader.ProviderLayoutError, match="has no submodule 'no_such'"):
        provider_loader.load_provider_module("no_such")


def test_a_different_provider_version_is_refused(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(provider_loader, "EXPECTED_VERSION", "99.0.0")
    with pytest.raises(provider_loader.ProviderLayoutError, match=r"checked against 99\.0\.0"):
        provider_loader._check_layout(PROJECT_ROOT)


# --- the loader cannot change what is synthesized ----------------------------------------------

# Runs main.py's `main` in a fresh interpreter and reports what it loaded of the provider.
SYNTH_AND_REPORT = """
import json, sys
import main
code = main.main(["--outdir", sys.argv[1]])
package = sys.modules.get("cdktf_cdktf_provider_aws")
print(json.dumps({
    "exit": code,
    "provider_modules": sum(1 for m in sys.modules if m.startswith("cdktf_cdktf_provider_aws.")),
    "package_init_ran": hasattr(package, "__all__"),
}))
"""


def _start_synth(outdir: Path, *, eager: bool) -> subprocess.Popen[str]:
    env = main_environment()
    # Where jsii's Node.js runtime notes each redirection to the provider's lazy index.
    env[lazy_provider_index.REPORT_VARIABLE] = str(outdir.with_suffix(".redirected"))
    if eager:
        env[provider_loader.EAGER_ENV_VAR] = "1"
    return subprocess.Popen(
        [sys.executable, "-c", SYNTH_AND_REPORT, str(outdir)],
        cwd=PROJECT_ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def _finish(process: subprocess.Popen[str]) -> dict[str, Any]:
    stdout, stderr = process.communicate(timeout=600)
    assert process.returncode == 0, stderr
    report: dict[str, Any] = json.loads(stdout.splitlines()[-1])
    assert report["exit"] == 0, stderr
    return report


def _files(directory: Path) -> dict[str, bytes]:
    return {
        p.relative_to(directory).as_posix(): p.read_bytes()
        for p in sorted(directory.rglob("*"))
        if p.is_file()
    }


def test_eager_and_lazy_provider_imports_synthesize_byte_identical_json(tmp_path: Path) -> None:
    """Every example environment, through main.py, once as shipped and once with the whole
    package imported first (IM_EAGER_PROVIDER_IMPORT=1 imports it before any submodule, exactly
    as another library importing it first would, and jsii's runtime loads the provider through
    its ordinary entry point): every output file is byte-identical."""
    lazy_out, eager_out = tmp_path / "lazy", tmp_path / "eager"
    # Both at once: the eager one takes ~15 s on two cores, the lazy one ~3 s.
    eager, lazy = _start_synth(eager_out, eager=True), _start_synth(lazy_out, eager=False)
    eager_report, lazy_report = _finish(eager), _finish(lazy)

    assert lazy_report["package_init_ran"] is False
    assert lazy_report["provider_modules"] < 40
    assert eager_report["package_init_ran"] is True
    assert eager_report["provider_modules"] > 2000
    # The runtime loaded the provider once, lazily in the lazy run only (lazy_provider_index).
    (redirected,) = lazy_out.with_suffix(".redirected").read_text("utf-8").splitlines()
    index, lazy_index = redirected.split(" -> ")
    assert index.endswith("/node_modules/@cdktf/provider-aws/lib/index.js")
    assert lazy_index == index.removesuffix("index.js") + "lazy-index.js"
    assert not eager_out.with_suffix(".redirected").exists()

    lazy_files, eager_files = _files(lazy_out), _files(eager_out)
    stacks = sorted(p for p in lazy_files if p.endswith("/cdk.tf.json"))
    assert stacks == sorted(
        f"stacks/incident-manager-{name}/cdk.tf.json" for name in environment_files(PROJECT_ROOT)
    )
    assert sorted(eager_files) == sorted(lazy_files)
    different = [name for name in lazy_files if lazy_files[name] != eager_files[name]]
    assert different == []


# --- no silent slow path -----------------------------------------------------------------------


def _is_type_checking(test: ast.expr) -> bool:
    return (isinstance(test, ast.Name) and test.id == "TYPE_CHECKING") or (
        isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING"
    )


def _runtime_imports(tree: ast.AST) -> list[tuple[int, str]]:
    """(line, module) of every import that runs at run time (not under ``if TYPE_CHECKING``)."""
    found: list[tuple[int, str]] = []
    pending: list[ast.AST] = [tree]
    while pending:
        node = pending.pop()
        if isinstance(node, ast.If) and _is_type_checking(node.test):
            pending.extend(node.orelse)
            continue
        if isinstance(node, ast.Import):
            found += [(node.lineno, alias.name) for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            found.append((node.lineno, node.module))
        pending.extend(ast.iter_child_nodes(node))
    return found


def test_nothing_imports_the_provider_package_but_the_loader() -> None:
    """An ordinary provider import anywhere would run the package __init__ (all ~2,100 modules,
    ~14 s) before the loader registers the package: slow, and silently so."""
    sources = [PROJECT_ROOT / "main.py"] + [
        path
        for folder in ("constructs_lib", "stacks", "tests", "benchmarks")
        for path in sorted((PROJECT_ROOT / folder).rglob("*.py"))
    ]
    offenders = [
        f"{path.relative_to(PROJECT_ROOT)}:{line}: import {module}"
        for path in sources
        for line, module in _runtime_imports(ast.parse(path.read_text(encoding="utf-8")))
        if module.split(".")[0] == provider_loader.PACKAGE
    ]
    assert offenders == [], "use constructs_lib.aws (add the type there) instead"


# --- layout checks: what skipping the package __init__ relies on ------------------------------


def _package_dir() -> Path:
    spec = importlib.util.find_spec(provider_loader.PACKAGE)
    assert spec is not None and spec.submodule_search_locations
    return Path(next(iter(spec.submodule_search_locations)))


def _describe(node: ast.stmt) -> str:
    return f"line {node.lineno}: {ast.unparse(node)[:80]}"


def test_the_package_init_does_nothing_but_import() -> None:
    """The __init__ the loader skips only imports the submodules and re-exports names: skipping it
    cannot change what is synthesized. A new release that does more fails here."""
    tree = ast.parse((_package_dir() / "__init__.py").read_text(encoding="utf-8"))
    unexpected: list[str] = []
    for node in tree.body:
        if isinstance(node, ast.Import):
            continue
        if isinstance(node, ast.ImportFrom):
            relative_ok = node.module is None or node.module == "_jsii"
            if node.level in (0, 1) and (node.level == 0 or relative_ok):
                continue
        elif isinstance(node, ast.Expr) and isinstance(node.value, ast.Constant):
            continue  # the README docstring
        elif isinstance(node, ast.FunctionDef) and node.name == "check_type":
            continue  # the argument type check every generated module defines for itself
        elif isinstance(node, ast.Assign) and len(node.targets) == 1:
            target = node.targets[0]
            names = {"__path__", "__all__", "TYPEGUARD_MAJOR_VERSION"}
            if isinstance(target, ast.Name) and target.id in names:
                continue
        elif isinstance(node, ast.Expr) and ast.unparse(node) == "publication.publish()":
            continue  # hides the module's private names; nothing jsii sees
        unexpected.append(_describe(node))
    assert unexpected == []


def _submodules_in_use() -> list[str]:
    tree = ast.parse((PROJECT_ROOT / "constructs_lib" / "aws.py").read_text(encoding="utf-8"))
    names = [
        node.args[0].value
        for node in ast.walk(tree)
        if isinstance(node, ast.Call)
        and isinstance(node.func, ast.Name)
        and node.func.id == "load_provider_module"
        and isinstance(node.args[0], ast.Constant)
        and isinstance(node.args[0].value, str)
    ]
    assert names, "constructs_lib/aws.py loads no provider module?"
    return sorted(names)


def test_the_submodules_in_use_need_nothing_from_the_package_init() -> None:
    """Each submodule we load reads the assembly from `_jsii` and nothing from the package
    namespace (`from .. import x` would find the loader's empty package)."""
    reaching_into_package: list[str] = []
    for name in _submodules_in_use():
        path = _package_dir() / name / "__init__.py"
        tree = ast.parse(path.read_text(encoding="utf-8"))
        reaching_into_package += [
            f"{name}: {_describe(node)}"
            for node in ast.walk(tree)
            if isinstance(node, ast.ImportFrom) and node.level == 2 and node.module is None
        ]
        relative = {
            node.module
            for node in ast.walk(tree)
            if isinstance(node, ast.ImportFrom) and node.level == 2
        }
        assert "_jsii" in relative, f"{name} no longer imports the assembly from .._jsii"
    assert reaching_into_package == []


# --- the loader's own behaviour ----------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "eager"), [(None, False), ("", False), ("0", False), ("1", True)]
)
def test_the_eager_import_setting(
    monkeypatch: pytest.MonkeyPatch, value: str | None, eager: bool
) -> None:
    if value is None:
        monkeypatch.delenv(provider_loader.EAGER_ENV_VAR, raising=False)
    else:
        monkeypatch.setenv(provider_loader.EAGER_ENV_VAR, value)
    assert provider_loader.eager_import_requested() is eager


def test_an_unclear_eager_import_setting_is_refused(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(provider_loader.EAGER_ENV_VAR, "yes")
    with pytest.raises(ValueError, match=r"IM_EAGER_PROVIDER_IMPORT='yes': use 1"):
        provider_loader.eager_import_requested()


def test_a_missing_distribution_is_a_layout_error(monkeypatch: pytest.MonkeyPatch) -> None:
    def not_installed(name: str) -> str:
        raise importlib.metadata.PackageNotFoundError(name)

    monkeypatch.setattr(importlib.metadata, "version", not_installed)
    with pytest.raises(provider_loader.ProviderLayoutError, match="distribution is not installed"):
        provider_loader._check_layout(_package_dir())


def test_a_submodule_reached_through_the_package_is_loaded_on_first_use() -> None:
    provider_loader.load_provider_module("provider")
    package = sys.modules[provider_loader.PACKAGE]
    module = package.ssmcontacts_contact
    assert module is sys.modules[f"{provider_loader.PACKAGE}.ssmcontacts_contact"]
    assert module.SsmcontactsContact.__name__ == "SsmcontactsContact"
    with pytest.raises(AttributeError, match="has no attribute 'no_such_module'"):
        _ = package.no_such_module
