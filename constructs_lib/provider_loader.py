"""Load single submodules of the prebuilt AWS provider without its 2,100-module ``__init__``.

Importing anything from ``cdktf_cdktf_provider_aws`` normally runs the package ``__init__``,
which imports every resource module of the provider (~14 s and ~550 MB on a 2-core machine;
hashicorp/terraform-cdk#3753). Each submodule only needs the package's ``_jsii`` assembly, so
we register the package object without executing its ``__init__`` and import the submodules we
use. The jsii types registered are the ones our constructs create, so the synthesized JSON is the
same (a test compares both ways byte for byte).

Set ``IM_EAGER_PROVIDER_IMPORT=1`` to import the package the ordinary way (used by that test and
by the benchmark).
"""

from __future__ import annotations

import importlib
import importlib.metadata
import importlib.util
import os
import sys
from pathlib import Path
from types import ModuleType

PACKAGE = "cdktf_cdktf_provider_aws"
# The layout below was checked against this release; another one must be checked again.
EXPECTED_VERSION = "20.1.0"
EAGER_ENV_VAR = "IM_EAGER_PROVIDER_IMPORT"


class ProviderLayoutError(RuntimeError):
    """The installed provider package is not laid out the way the loader expects."""


def _check_layout(package_dir: Path) -> None:
    installed = importlib.metadata.version("cdktf-cdktf-provider-aws")
    if installed != EXPECTED_VERSION:
        raise ProviderLayoutError(
            f"{PACKAGE} {installed} is installed but constructs_lib/provider_loader.py was "
            f"checked against {EXPECTED_VERSION}; install the version pinned in "
            "requirements.txt, or check the new package layout and update EXPECTED_VERSION"
        )
    assembly = package_dir / "_jsii" / f"provider-aws@{EXPECTED_VERSION}.jsii.tgz"
    if not assembly.is_file():
        raise ProviderLayoutError(f"{PACKAGE}: jsii assembly not found at {assembly}")


def _register_package() -> None:
    """Put the package object in ``sys.modules`` without running its ``__init__``."""
    if PACKAGE in sys.modules:
        # Someone imported it already (eagerly, or through us): submodule imports just work.
        return
    if os.environ.get(EAGER_ENV_VAR) == "1":
        importlib.import_module(PACKAGE)
        return
    spec = importlib.util.find_spec(PACKAGE)
    if spec is None or not spec.submodule_search_locations:
        raise ProviderLayoutError(f"{PACKAGE} is not installed; run `make install`")
    _check_layout(Path(next(iter(spec.submodule_search_locations))))
    package = importlib.util.module_from_spec(spec)
    sys.modules[PACKAGE] = package


def load_provider_module(name: str) -> ModuleType:
    """Import ``cdktf_cdktf_provider_aws.<name>`` alone and return it."""
    _register_package()
    try:
        return importlib.import_module(f"{PACKAGE}.{name}")
    except ModuleNotFoundError as error:
        if error.name != f"{PACKAGE}.{name}":
            raise
        raise ProviderLayoutError(
            f"{PACKAGE} has no submodule {name!r}; the provider package layout changed"
        ) from error
