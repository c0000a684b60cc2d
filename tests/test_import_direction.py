"""Imports run one way (constructs_lib below stacks below main.py and local_aws) and in no
circle: read from the source by tests/import_graph.py, nothing imported. The checker itself is
tried on small made-up trees, so a rule it stopped enforcing would show here."""

from __future__ import annotations

import textwrap
from pathlib import Path

from tests.import_graph import circles, imports, module_files, problems

PROJECT_ROOT = Path(__file__).resolve().parent.parent


def _tree(root: Path, files: dict[str, str]) -> Path:
    for name, text in files.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(textwrap.dedent(text), encoding="utf-8")
    return root


def test_the_repository_imports_in_one_direction_without_circles() -> None:
    found = problems(PROJECT_ROOT)
    assert not found, "\n".join(found)


def test_a_wrong_direction_import_is_named_with_file_and_line(tmp_path: Path) -> None:
    root = _tree(
        tmp_path,
        {
            "constructs_lib/__init__.py": "",
            "constructs_lib/topic.py": "import os\n\n\ndef f():\n    from stacks.plan import g\n",
            "stacks/__init__.py": "",
            "stacks/plan/__init__.py": "",
            "stacks/plan/g.py": "from local_aws import apply\n",
            "local_aws/__init__.py": "",
            "local_aws/apply.py": "from stacks.plan.g import x\n",
        },
    )
    assert problems(root) == [
        "wrong direction: constructs_lib/topic.py:5: constructs_lib.topic -> stacks.plan.g",
        "wrong direction: stacks/plan/g.py:1: stacks.plan.g -> local_aws.apply",
        "import circle: local_aws.apply <-> stacks.plan.g\n"
        "    local_aws/apply.py:1: local_aws.apply -> stacks.plan.g\n"
        "    stacks/plan/g.py:1: stacks.plan.g -> local_aws.apply",
    ]


def test_a_circle_is_named_by_its_modules_and_imports(tmp_path: Path) -> None:
    root = _tree(
        tmp_path,
        {
            "stacks/__init__.py": "",
            "stacks/a.py": "from stacks import b\n",
            "stacks/b.py": "def f():\n    from . import c\n",
            "stacks/c.py": "import stacks.a\n",
            "stacks/d.py": "import stacks.a\n",
        },
    )
    assert problems(root) == [
        "import circle: stacks.a <-> stacks.b <-> stacks.c\n"
        "    stacks/a.py:1: stacks.a -> stacks.b\n"
        "    stacks/b.py:2: stacks.b -> stacks.c\n"
        "    stacks/c.py:1: stacks.c -> stacks.a"
    ]


def test_type_checking_imports_count_too(tmp_path: Path) -> None:
    root = _tree(
        tmp_path,
        {
            "stacks/__init__.py": "",
            "stacks/a.py": "from stacks.b import B\n",
            "stacks/b.py": """\
                import typing
                from typing import TYPE_CHECKING
                if TYPE_CHECKING:
                    from stacks.a import A
                if typing.TYPE_CHECKING:
                    import stacks.c
                """,
            "stacks/c.py": "X = 1\n",
        },
    )
    edges = imports(root, module_files(root))
    assert [(edge.importer, edge.imported, edge.line) for edge in edges] == [
        ("stacks.a", "stacks.b", 1),
        ("stacks.b", "stacks.a", 4),
        ("stacks.b", "stacks.c", 6),
    ]
    assert circles(edges) == [["stacks.a", "stacks.b"]]


def test_a_package_init_importing_its_modules_is_no_circle(tmp_path: Path) -> None:
    root = _tree(
        tmp_path,
        {
            "constructs_lib/__init__.py": "from constructs_lib.a import A\n",
            "constructs_lib/a.py": "from constructs_lib.b import B\n",
            "constructs_lib/b.py": "import json\n",
            "main.py": "from constructs_lib import A\n",
        },
    )
    assert problems(root) == []
