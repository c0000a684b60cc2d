"""``terraform init`` of an adopted stack reads a copy of its configuration without the import
blocks (stacks.adopt.first_plan.config_without_imports); the plan still reads them all. The
real init and plan run in the adoption tests (test_make_adopt, the round trip)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from stacks.adopt.first_plan import CONFIG_FILE, LOCK_FILE, config_without_imports

CONFIG = {
    "terraform": {"required_providers": {"aws": {"source": "aws", "version": "5.100.0"}}},
    "resource": {"aws_ssmcontacts_contact": {"a": {"alias": "a", "type": "PERSONAL"}}},
    "import": [{"to": "aws_ssmcontacts_contact.a", "id": "arn:aws:ssm-contacts:x"}],
}


def test_init_reads_the_config_without_imports_and_the_lock_file_comes_back(
    tmp_path: Path,
) -> None:
    (tmp_path / CONFIG_FILE).write_text(json.dumps(CONFIG))
    (tmp_path / LOCK_FILE).write_text("# old lock\n")
    with config_without_imports(tmp_path) as init_directory:
        assert init_directory != tmp_path
        seen = json.loads((init_directory / CONFIG_FILE).read_text())
        assert "import" not in seen
        assert seen == {k: v for k, v in CONFIG.items() if k != "import"}
        # The lock file Terraform starts from is the stack's own.
        assert (init_directory / LOCK_FILE).read_text() == "# old lock\n"
        (init_directory / LOCK_FILE).write_text("# new lock\n")
    assert (tmp_path / LOCK_FILE).read_text() == "# new lock\n"
    assert not init_directory.exists()
    # The stack's own configuration keeps its imports for the plan.
    assert json.loads((tmp_path / CONFIG_FILE).read_text()) == CONFIG


def test_a_failed_init_leaves_the_lock_file_and_no_scratch_directory(tmp_path: Path) -> None:
    (tmp_path / CONFIG_FILE).write_text(json.dumps(CONFIG))
    (tmp_path / LOCK_FILE).write_text("# old lock\n")
    with pytest.raises(RuntimeError), config_without_imports(tmp_path) as init_directory:
        (init_directory / LOCK_FILE).write_text("# half-written\n")
        raise RuntimeError("terraform init failed")
    assert (tmp_path / LOCK_FILE).read_text() == "# old lock\n"
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted([CONFIG_FILE, LOCK_FILE])


def test_a_config_without_imports_is_initialised_in_place(tmp_path: Path) -> None:
    config = {k: v for k, v in CONFIG.items() if k != "import"}
    (tmp_path / CONFIG_FILE).write_text(json.dumps(config))
    with config_without_imports(tmp_path) as init_directory:
        assert init_directory == tmp_path
