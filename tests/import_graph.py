"""The repository's imports read from source (ast only: nothing is imported or run), and the
two rules they must keep: the direction between top-level packages, and no circle between
modules.

An import counts wherever it stands: module level, inside a function (both run sooner or
later) and under ``if TYPE_CHECKING:`` (it never runs, but the two modules still need each other
to be read and changed: a circle in types is a circle). ``from package import name``
counts as importing ``package.name`` when that is a module, else ``package``; importing a
module does not count as importing its parent packages (their ``__init__`` run first, but an
``__init__`` that imports its own modules would otherwise make every package a circle).
"""

from __future__ import annotations

import ast
from collections import defaultdict
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

# The top-level packages (and main.py) whose modules are read.
SOURCE_ROOTS = ("constructs_lib", "stacks", "local_aws", "benchmarks", "tests", "main")
# importer's top-level package -> the top-level packages it must not import.
FORBIDDEN: Mapping[str, frozenset[str]] = {
    "constructs_lib": frozenset({"stacks", "local_aws", "main", "tests", "benchmarks"}),
    "stacks": frozenset({"local_aws", "main", "tests", "benchmarks"}),
}
# Circles are looked for among the product's modules (tests and benchmarks may lean on anything).
CIRCLE_ROOTS = ("constructs_lib", "stacks", "local_aws", "main")


@dataclass(frozen=True)
class Import:
    """One import statement's edge: who imports what, and where it is written."""

    importer: str
    imported: str
    path: Path
    line: int

    def __str__(self) -> str:
        return f"{self.path}:{self.line}: {self.importer} -> {self.imported}"


def module_files(root: Path, roots: Sequence[str] = SOURCE_ROOTS) -> dict[str, Path]:
    """Dotted module name -> file, for every module under the given top-level names."""
    modules: dict[str, Path] = {}
    for top in roots:
        single = root / f"{top}.py"
        if single.is_file():
            modules[top] = single
        folder = root / top
        if not folder.is_dir():
            continue
        for path in sorted(folder.rglob("*.py")):
            parts = path.relative_to(root).with_suffix("").parts
            if parts[-1] == "__init__":
                parts = parts[:-1]
            modules[".".join(parts)] = path
    return modules


def import_nodes(node: ast.AST) -> Iterator[ast.Import | ast.ImportFrom]:
    """Every import under ``node``."""
    for child in ast.walk(node):
        if isinstance(child, ast.Import | ast.ImportFrom):
            yield child


def _known(name: str, modules: Mapping[str, Path]) -> str | None:
    """The longest prefix of ``name`` that is one of our modules."""
    parts = name.split(".")
    for end in range(len(parts), 0, -1):
        candidate = ".".join(parts[:end])
        if candidate in modules:
            return candidate
    return None


def _base(importer: str, is_package: bool, node: ast.ImportFrom) -> str:
    """The absolute module a ``from ... import`` names (relative imports resolved)."""
    if node.level == 0:
        return node.module or ""
    package = importer.split(".") if is_package else importer.split(".")[:-1]
    package = package[: len(package) - (node.level - 1)]
    return ".".join([*package, *([node.module] if node.module else [])])


def imports(root: Path, modules: Mapping[str, Path]) -> list[Import]:
    """Every import from one of ``modules`` to another."""
    found: dict[Import, None] = {}  # in order, without the repeats of `from m import a, b`
    for importer, path in modules.items():
        tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
        relative = path.relative_to(root)
        is_package = path.name == "__init__.py"
        for node in import_nodes(tree):
            targets: list[str | None] = []
            if isinstance(node, ast.Import):
                targets = [_known(alias.name, modules) for alias in node.names]
            else:
                base = _base(importer, is_package, node)
                for alias in node.names:
                    full = f"{base}.{alias.name}"
                    targets.append(full if full in modules else _known(base, modules))
            for target in targets:
                if target is not None and target != importer:
                    found[Import(importer, target, relative, node.lineno)] = None
    return list(found)


def direction_violations(edges: Sequence[Import]) -> list[Import]:
    """The imports that go the wrong way between top-level packages."""
    return [
        edge
        for edge in edges
        if edge.imported.split(".")[0] in FORBIDDEN.get(edge.importer.split(".")[0], frozenset())
    ]


def circles(edges: Sequence[Import], roots: Sequence[str] = CIRCLE_ROOTS) -> list[list[str]]:
    """The import circles (strongly connected components of more than one module) among the
    modules under ``roots``, each sorted, in a stable order (Tarjan's algorithm, iterative)."""
    graph: dict[str, set[str]] = defaultdict(set)
    for edge in edges:
        if edge.importer.split(".")[0] in roots and edge.imported.split(".")[0] in roots:
            graph[edge.importer].add(edge.imported)
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []
    for start in sorted(graph):
        if start in index:
            continue
        work: list[tuple[str, Iterator[str]]] = []
        index[start] = low[start] = len(index)
        stack.append(start)
        on_stack.add(start)
        work.append((start, iter(sorted(graph[start]))))
        while work:
            node, successors = work[-1]
            advanced = False
            for successor in successors:
                if successor not in index:
                    index[successor] = low[successor] = len(index)
                    stack.append(successor)
                    on_stack.add(successor)
                    work.append((successor, iter(sorted(graph[successor]))))
                    advanced = True
                    break
                if successor in on_stack:
                    low[node] = min(low[node], index[successor])
            if advanced:
                continue
            work.pop()
            if work:
                parent = work[-1][0]
                low[parent] = min(low[parent], low[node])
            if low[node] == index[node]:
                component: list[str] = []
                while True:
                    member = stack.pop()
                    on_stack.discard(member)
                    component.append(member)
                    if member == node:
                        break
                if len(component) > 1:
                    found.append(sorted(component))
    return sorted(found)


def problems(root: Path) -> list[str]:
    """Every broken rule as a line a person can act on; empty when the imports are in order."""
    edges = imports(root, module_files(root))
    lines = [f"wrong direction: {edge}" for edge in direction_violations(edges)]
    for circle in circles(edges):
        members = set(circle)
        inside = [edge for edge in edges if edge.importer in members and edge.imported in members]
        lines.append(
            "import circle: "
            + " <-> ".join(circle)
            + "".join(f"\n    {edge}" for edge in sorted(inside, key=str))
        )
    return lines


if __name__ == "__main__":
    print("\n".join(problems(Path(__file__).resolve().parent.parent)) or "imports in order")
