"""Which tests `make test-quick` leaves out: those whose code can reach something that starts
Terraform with its provider, a server or a browser.

The criterion is computed, not listed: from a test function and every fixture it uses, the
functions and classes of this repository that their code names are followed (globals, closures,
imports inside functions, ``module.attribute``), until one of the few *starters* below is met.
A test that reaches none is quick. Following names over-approximates (a test that names a
helper which could start Terraform on some path counts as slow), which only moves a test to
the full suite; the opposite mistake, a quick test that starts Terraform by a way not listed
here, is caught at run time by tests/quick_guard.py.
"""

from __future__ import annotations

import builtins
import importlib
import inspect
import sys
import types
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from stacks.layout import PROJECT_ROOT

# Installs inside the project folder are not the project's code.
_NOT_OURS = ("/.venv", "/.venv-checkov", "/node_modules")
_OUR_PACKAGES = frozenset({"benchmarks", "constructs_lib", "local_aws", "main", "stacks", "tests"})

# The ways this repository starts something a quick run must not: "module.qualname" -> what.
# A new way (another server, another tool) belongs here; tests/quick_guard.py fails a quick run
# that meets one missing from this table.
STARTERS: dict[str, str] = {
    "local_aws.terraform_setup.find_terraform_binary": "Terraform with the provider",
    "tests.terraform.terraform_cli.Terraform": "Terraform with the provider",
    "stacks.adopt.first_plan.plan_adopted": "Terraform with the provider (adopt's first plan)",
    "local_aws.moto_glue.LocalServer": "the local Incident Manager server",
    "local_aws.process.LocalAwsProcess": "the local Incident Manager in its own process",
    "tests.stacks.adopt.test_make_adopt.make": (
        "make targets running the local server and Terraform"
    ),
    "tests.local_aws.make_local_aws.make_local_aws": "make local-aws (the local server)",
    "tests.local_aws.test_cdktf_deploy.make": "make deploy and plan-check with Terraform",
    "tests.terraform.test_cdktf_cli.ensure_node_modules": "the cdktf CLI (Node.js)",
    "tests.terraform.moto_server.start_moto": "moto's server",
    "tests.stacks.paging.chromium.Browser": "headless Chromium",
    "tests.stacks.plan.flow.fault_proxy.FaultProxy": "a TCP proxy listening on 127.0.0.1",
    "tests.test_policy_scan.run_checkov": "checkov",
    # Not a tool but as slow as one: a synth with the provider's package __init__ (~14 s).
    "tests.constructs_lib.test_provider_loader._start_synth": "a synth with the eager import",
    # Two synths of 30 environments each (~8 s), in subprocesses of two trees.
    "stacks.commands.changed_stacks.synthesize": "two synths of a whole repository",
}
# A command written out in the code itself: `python -m <one of these>` is a server.
SERVER_MODULES = frozenset({"local_aws", "moto.server"})


def _qualified_name(value: Any) -> str | None:
    module = getattr(value, "__module__", None)
    qualname = getattr(value, "__qualname__", None)
    if isinstance(module, str) and isinstance(qualname, str):
        return f"{module}.{qualname}"
    return None


def _is_ours(value: Any) -> bool:
    module = sys.modules.get(getattr(value, "__module__", None) or "")
    filename = getattr(module, "__file__", None)
    if filename is None:
        return False
    path = str(Path(filename).resolve())
    return path.startswith(str(PROJECT_ROOT)) and not any(part in path for part in _NOT_OURS)


def _code_objects(code: types.CodeType) -> Iterator[types.CodeType]:
    """``code`` and every function, lambda and comprehension nested in it."""
    yield code
    for constant in code.co_consts:
        if isinstance(constant, types.CodeType):
            yield from _code_objects(constant)


def _unwrap(value: Any) -> Any:
    """The function a decorator (functools.wraps, hypothesis' @given) stands for."""
    inner = getattr(getattr(value, "hypothesis", None), "inner_test", None)
    if inner is not None:
        value = inner
    with_wrapped: Any = inspect.unwrap(value) if callable(value) else value
    return getattr(with_wrapped, "__func__", with_wrapped)


def _members(module: types.ModuleType, names: set[str], depth: int = 3) -> Iterator[Any]:
    """The attributes of ``module`` named in ``names``: `module.attribute`, `package.module.f`
    and `from module import name` inside a function all leave the attribute's name among the
    code's names."""
    for attribute in names:
        member = getattr(module, attribute, None)
        if isinstance(member, types.ModuleType):
            if depth > 0:
                yield from _members(member, names, depth - 1)
        elif member is not None:
            yield member


def _our_module(name: str) -> types.ModuleType | None:
    """The module ``name`` (an import inside a function) when it is this repository's,
    imported now if nothing has yet."""
    if name in sys.modules:
        return sys.modules[name]
    if name.split(".", 1)[0] not in _OUR_PACKAGES:
        return None
    try:
        return importlib.import_module(name)
    except ImportError:
        return None


@dataclass(frozen=True)
class _ServerCommand:
    module: str


class StarterFinder:
    """Follows the names a function's code uses to the first starter it reaches (memoized)."""

    def __init__(self, starters: dict[str, str] | None = None) -> None:
        self.starters = STARTERS if starters is None else starters
        self._seen: dict[int, str | None] = {}

    def reached(self, value: Any, *, root: bool = False) -> str | None:
        """The starter ``value`` (a function or class) can reach, as "name (what)", or None.
        A ``root`` (a test or fixture) is followed wherever it is defined."""
        if isinstance(value, _ServerCommand):
            return f"python -m {value.module} (a server)"
        value = _unwrap(value)
        name = _qualified_name(value)
        if name in self.starters:
            return f"{name} ({self.starters[name]})"
        if not (root or _is_ours(value)):
            return None
        key = id(value)
        if key in self._seen:
            return self._seen[key]
        self._seen[key] = None  # a cycle reaches nothing new
        found = next(filter(None, map(self.reached, self._referenced(value))), None)
        self._seen[key] = found
        return found

    def _referenced(self, value: Any) -> Iterator[Any]:
        if inspect.isclass(value):
            for member in vars(value).values():
                if isinstance(member, property):
                    yield from (f for f in (member.fget, member.fset) if f is not None)
                else:
                    yield getattr(member, "__func__", member)
            return
        code = getattr(value, "__code__", None)
        if not isinstance(code, types.CodeType):
            return
        constants = {
            c for part in _code_objects(code) for c in part.co_consts if isinstance(c, str)
        }
        if "-m" in constants and constants & SERVER_MODULES:
            yield _ServerCommand(sorted(constants & SERVER_MODULES)[0])
            return
        namespace: dict[str, Any] = getattr(value, "__globals__", {})
        for cell in getattr(value, "__closure__", None) or ():
            try:
                yield cell.cell_contents
            except ValueError:  # an empty cell
                continue
        names = {name for part in _code_objects(code) for name in part.co_names}
        for name in names:
            found = namespace[name] if name in namespace else _our_module(name)
            if found is None or found is getattr(builtins, name, None):
                continue
            if isinstance(found, types.ModuleType):
                yield from _members(found, names)
            else:
                yield found


def slow_reason(
    function: Callable[..., Any], fixtures: Iterable[Callable[..., Any]], finder: StarterFinder
) -> str | None:
    """Why a test with this function and these fixture functions is not quick, or None."""
    for value in (function, *fixtures):
        reached = finder.reached(value, root=True)
        if reached is not None:
            where = _qualified_name(_unwrap(value)) or repr(value)
            return f"{where} reaches {reached}"
    return None
