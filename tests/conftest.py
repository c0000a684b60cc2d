"""Shared test setup: jsii quiet, the project root, and the quick run (tests/quick_plugin.py)."""

from __future__ import annotations

import ast
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

import pytest

from stacks.stack.resource_kinds import KINDS, OTHER_KINDS

# The quick run's hooks: the slow marks, --quick and its guard.
from tests.quick_plugin import (
    mark_slow_and_select,
    pytest_addoption,
    pytest_configure,
    pytest_runtest_makereport,
    pytest_unconfigure,
)
from tests.terraform import shared_provider
from tests.worker_plan import order_modules

__all__ = [
    "pytest_addoption",
    "pytest_configure",
    "pytest_runtest_makereport",
    "pytest_unconfigure",
]


@pytest.hookimpl(tryfirst=True)
def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """The slow marks (and --quick's selection), then the order in which pytest-xdist hands
    test modules to its workers (tests/worker_plan.py)."""
    mark_slow_and_select(config, items)
    order_modules(items)


os.environ.setdefault("JSII_SILENCE_WARNING_END_OF_LIFE_NODE_VERSION", "20")

# No test talks to AWS: the caller's AWS settings (a profile, a region, a CA bundle) stay out of
# the suite, and a test that needs one sets it. A CA bundle would also keep Terraform runs from
# sharing a provider process (tests/terraform/shared_provider.py).
for _variable in [name for name in os.environ if name.startswith("AWS_")]:
    os.environ.pop(_variable)

# The makes the tests start behave as typed in a shell, however the suite itself was started
# (under `make test`, MAKELEVEL would turn their "make: ***" lines into "make[1]: ***").
for _variable in ("MAKEFLAGS", "MFLAGS", "MAKELEVEL"):
    os.environ.pop(_variable, None)

# cdktf's Testing.app() and Testing.fullSynth() make a `cdktf.outdir.*` folder in the system
# temp directory for every test stack and never remove it (37 after one run), and child
# processes may leave files there too. Every temporary file of the session (pytest's tmp_path
# folders included) goes into one folder, removed when the session ends. Set before anything
# starts cdktf's Node.js process, which reads TMPDIR once.
# A pytest-xdist worker takes a short folder inside its controller's: nested session folders made
# Chromium's socket path longer than the 108 bytes a Unix socket allows.
SESSION_TEMP_VARIABLE = "IM_TESTS_SESSION_TEMP"
_controller_temp = os.environ.get(SESSION_TEMP_VARIABLE)
_worker = os.environ.get("PYTEST_XDIST_WORKER")
if _worker and _controller_temp:
    SESSION_TEMP = Path(_controller_temp) / _worker
    SESSION_TEMP.mkdir(mode=0o700, exist_ok=True)
else:
    SESSION_TEMP = Path(tempfile.mkdtemp(prefix="incident-manager-tests-"))
# A pytest started by a test (it inherits PYTEST_XDIST_WORKER) nests inside this one's folder.
os.environ[SESSION_TEMP_VARIABLE] = str(SESSION_TEMP)
os.environ["TMPDIR"] = str(SESSION_TEMP)
tempfile.tempdir = None  # read TMPDIR again

# Terraform runs of this process and its children share one provider process where that is the
# same as starting it again (tests/terraform/shared_provider.py); its schema relay keeps, beside
# each run's own types, the types a state of this project's stacks can hold.
shared_provider.install(SESSION_TEMP, sorted({**KINDS, **OTHER_KINDS}))


def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    shared_provider.stop_all(SESSION_TEMP / shared_provider.POOL_FOLDER)
    shutil.rmtree(SESSION_TEMP, ignore_errors=True)


PROJECT_ROOT = Path(__file__).resolve().parent.parent
# A frozen copy of the example environments, laid out like a project root (see its README).
EXAMPLES_ROOT = PROJECT_ROOT / "tests" / "fixtures" / "examples"


def environment_names(root: Path = PROJECT_ROOT) -> list[str]:
    """The environments a project root holds, as the app discovers them."""
    from stacks.config.environment_loader import environment_files

    return sorted(environment_files(root))


def main_environment() -> dict[str, str]:
    """This process's environment without the variables that steer main.py (set by the cdktf
    CLI, or the eager provider import): a child main.py does what its arguments say."""
    from constructs_lib.provider_loader import EAGER_ENV_VAR
    from main import OUTPUT_VARIABLES

    unset = (*OUTPUT_VARIABLES, EAGER_ENV_VAR)
    return {k: v for k, v in os.environ.items() if k not in unset}


def run_main(root: Path, *args: str, timeout: float = 300) -> subprocess.CompletedProcess[str]:
    """``python main.py ARGS`` in ``root`` (a project copy, or the project itself)."""
    return subprocess.run(
        [sys.executable, "main.py", *args],
        cwd=root,
        env=main_environment(),
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )


def cdktf_modules_loaded_by(code: str) -> list[str]:
    """The modules of cdktf, jsii, constructs and the AWS provider that ``code`` loads, run in a
    fresh Python in the project: a command that loads none starts in a fraction of a second."""
    script = (
        f"{code}\nimport sys\n"
        "print(sorted(m for m in sys.modules if m.split('.')[0] in "
        "('cdktf', 'jsii', 'constructs', 'cdktf_cdktf_provider_aws')))\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", script], cwd=PROJECT_ROOT, capture_output=True, text=True, check=True
    )
    loaded: list[str] = ast.literal_eval(result.stdout.splitlines()[-1])
    return loaded


@pytest.fixture
def project_root() -> Path:
    return PROJECT_ROOT


def synthesize_root(root: Path, outdir: Path) -> Path:
    """cdktf.out of every environment of ``root``, synthesized the way main.py does it."""
    from stacks.config.environment_loader import load_environments
    from stacks.stack.synthesize import synthesize

    synthesize(load_environments(root), root, outdir)
    return outdir


@pytest.fixture(scope="session")
def synthesized_environments(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """cdktf.out of every environment this repository keeps (stacks/environments/), once per
    test session: what the "for every environment" tests check."""
    return synthesize_root(PROJECT_ROOT, tmp_path_factory.mktemp("environments") / "cdktf.out")


@pytest.fixture(scope="session")
def synthesized_examples(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """cdktf.out of the frozen example environments (tests/fixtures/examples), once per test
    session: what the tests about the examples' content read."""
    return synthesize_root(EXAMPLES_ROOT, tmp_path_factory.mktemp("examples") / "cdktf.out")
