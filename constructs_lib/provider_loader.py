"""Load single submodules of the prebuilt AWS provider without its 2,100-module ``__init__``.

Importing anything from ``cdktf_cdktf_provider_aws`` normally runs the package ``__init__``,
which imports every resource module of the provider (~14 s and ~550 MB on a 2-core machine;
hashicorp/terraform-cdk#3753). Each submodule only needs the package's ``_jsii`` assembly, so
we register the package object without executing its ``__init__`` and import the submodules we
use. The jsii types registered are the ones our constructs create, so the synthesized JSON is the
same (a test compares both ways byte for byte).

Set ``IM_EAGER_PROVIDER_IMPORT=1`` to import the package the ordinary way (used by that test and
by the benchmark).

Guards, so that this stays fast and correct rather than silently slow or silently different:

- another release of the package is refused (``ProviderLayoutError``) until its layout has been
  checked again: tests/constructs_lib/test_provider_loader.py checks that the package
  ``__init__`` only imports (nothing we skip could change what is synthesized), that the
  submodules in use need nothing but ``_jsii``, and that the JSON is byte-identical both ways;
- if something imported the whole package first, we use it as it is (same output, its cost);
- a provider import anywhere but ``constructs_lib/aws.py`` would run the package ``__init__``
  before we register it: a test forbids such imports, and another counts the provider modules
  loaded by a whole synth;
- code that reaches a submodule as an attribute of the package (``cdktf_cdktf_provider_aws.x``)
  after us gets it loaded on first use, as with the real package.
"""

from __future__ import annotations

import importlib
import importlib.metadata
import importlib.util
import os
import sys
from collections.abc import Mapping
from pathlib import Path
from types import ModuleType

PACKAGE = "cdktf_cdktf_provider_aws"
DISTRIBUTION = "cdktf-cdktf-provider-aws"
# The layout below was checked against this release; another one must be checked again.
EXPECTED_VERSION = "20.1.0"
EAGER_ENV_VAR = "IM_EAGER_PROVIDER_IMPORT"


class ProviderLayoutError(RuntimeError):
    """The installed provider package is not laid out the way the loader expects."""


def eager_import_requested(environ: Mapping[str, str] = os.environ) -> bool:
    """Whether ``IM_EAGER_PROVIDER_IMPORT`` asks for the ordinary, eager package import."""
    value = environ.get(EAGER_ENV_VAR, "").strip()
    if value in ("", "0"):
        return False
    if value == "1":
        return True
    raise ValueError(f"{EAGER_ENV_VAR}={value!r}: use 1 (eager import) or 0 / unset (default)")


def _check_layout(package_dir: Path) -> None:
    try:
        installed = importlib.metadata.version(DISTRIBUTION)
    except importlib.metadata.PackageNotFoundError:
        raise ProviderLayoutError(
            f"{PACKAGE} is importable but the {DISTRIBUTION} distribution is not installed; "
            "run `make install`"
        ) from None
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
    if eager_import_requested():
        importlib.import_module(PACKAGE)
        return
    spec = importlib.util.find_spec(PACKAGE)
    if spec is None or not spec.submodule_search_locations:
        raise ProviderLayoutError(f"{PACKAGE} is not installed; run `make install`")
    _check_layout(Path(next(iter(spec.submodule_search_locations))))
    package = importlib.util.module_from_spec(spec)
    # PEP 562: `cdktf_cdktf_provider_aws.<submodule>` loads that submodule on first use, as the
    # real package (which imported them all) would have it.
    package.__dict__["__getattr__"] = _submodule_on_first_use
    sys.modules[PACKAGE] = package


def _submodule_on_first_use(name: str) -> ModuleType:
    if name.startswith("__"):
        raise AttributeError(f"module {PACKAGE!r} has no attribute {name!r}")
    try:
        return importlib.import_module(f"{PACKAGE}.{name}")
    except ModuleNotFoundError as error:
        if error.name != f"{PACKAGE}.{name}":
            raise
        raise AttributeError(f"module {PACKAGE!r} has no attribute {name!r}") from None


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
