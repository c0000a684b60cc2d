"""jsii's Node.js runtime loads the prebuilt AWS provider through its lazy entry point.

The Node.js half of what ``provider_loader`` does for Python: jsii loads a package by requiring
its entry point, and the provider's (``lib/index.js``) requires all ~2,100 resource modules,
~3 CPU-seconds of every synthesis (``make synth`` of the three examples: 4.8 -> 1.9 s). The
package also ships ``lib/lazy-index.js``, the same exports loaded on first use;
``lazy_provider_index.js`` (beside this file), preloaded into the runtime with ``--require``,
makes the package name resolve to it. The synthesized JSON is the same byte for byte (a test
compares it with ``IM_EAGER_PROVIDER_IMPORT=1``, which turns this off as well).

``NODE_OPTIONS`` is read when the runtime starts, at the first import of ``constructs`` or
``cdktf`` in the process: ``constructs_lib/__init__.py`` calls ``preload`` first thing, and
everything here that imports cdktf lives in ``constructs_lib`` or ``stacks.stack``, whose
``__init__`` imports ``constructs_lib`` (tests/constructs_lib/test_lazy_provider_index.py checks
both). Child processes inherit the option; it changes nothing for any other package.
"""

from __future__ import annotations

import os
from collections.abc import MutableMapping
from pathlib import Path

from constructs_lib.provider_loader import eager_import_requested

HOOK = Path(__file__).with_name("lazy_provider_index.js")
NODE_OPTIONS = "NODE_OPTIONS"
# Set to a file to have the runtime append each redirection it made (tests).
REPORT_VARIABLE = "IM_LAZY_PROVIDER_INDEX_REPORT"


def node_option(hook: Path = HOOK) -> str | None:
    """``--require "<hook>"`` as NODE_OPTIONS takes it, or None for a path it cannot quote."""
    text = str(hook)
    if '"' in text or "\\" in text:
        return None
    return f'--require "{text}"'


def preload(environ: MutableMapping[str, str] = os.environ) -> None:
    """Add the hook to ``environ``'s NODE_OPTIONS once; with ``IM_EAGER_PROVIDER_IMPORT=1``
    take it out again (a parent process may have added it), so that eager means the ordinary
    way throughout. A path NODE_OPTIONS cannot quote, or an unclear eager setting, changes
    nothing."""
    option = node_option()
    if option is None:
        return
    current = environ.get(NODE_OPTIONS, "")
    try:
        eager = eager_import_requested(environ)
    except ValueError:
        # An unclear setting is the provider loader's to report, when a synthesis needs it;
        # importing the package (for `main.py check`, say) must not fail on it.
        return
    if eager:
        if option in current:
            _remove(environ, current, option)
        return
    if option not in current:
        environ[NODE_OPTIONS] = f"{current} {option}" if current.strip() else option


def _remove(environ: MutableMapping[str, str], current: str, option: str) -> None:
    # The exact reverse of adding it: the caller's own options stay as they were written.
    if f" {option}" in current:
        remaining = current.replace(f" {option}", "", 1)
    else:
        remaining = current.replace(option, "", 1).lstrip(" ")
    if remaining.strip():
        environ[NODE_OPTIONS] = remaining
    else:
        del environ[NODE_OPTIONS]
