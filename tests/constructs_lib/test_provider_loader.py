"""The provider loader imports only the submodules in use, and says so when it cannot."""

from __future__ import annotations

import subprocess
import sys

import pytest

from constructs_lib import provider_loader
from tests.conftest import PROJECT_ROOT


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
