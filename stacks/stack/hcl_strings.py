"""Strings with carriage returns in the HCL export (``make synth-hcl``).

cdktf 0.21's HCL renderer (lib/hcl/render.js) writes a multi-line string as a heredoc of its
lines split at ``\\r\\n``, ``\\n`` or ``\\r`` and joined with ``\\n``: a runbook document saved
with Windows line endings (the console's JSON editor does) loses its carriage returns, and the
export plans an update of the document that the JSON stack does not. Such a string is written
as a quoted HCL literal instead, with its escapes, which keeps it exactly.

``json_strings``, the walk that finds them, also serves the plan guard (the ARNs a plan mentions).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from typing import Any

_LINE_BREAK = re.compile(r"\r\n|[\n\r]")
_ESCAPES = {"\\": "\\\\", '"': '\\"', "\n": "\\n", "\r": "\\r", "\t": "\\t"}


def json_strings(value: Any) -> Iterator[str]:
    """Every string in ``value`` (decoded JSON: the values of maps, the items of lists), depth
    first; keys are not values."""
    if isinstance(value, str):
        yield value
    elif isinstance(value, dict):
        for item in value.values():
            yield from json_strings(item)
    elif isinstance(value, list):
        for item in value:
            yield from json_strings(item)


def strings_with_carriage_returns(value: Any) -> Iterator[str]:
    """Every string in ``value`` (a stack's Terraform JSON) that holds a ``\\r``."""
    return (text for text in json_strings(value) if "\r" in text)


def quoted(value: str) -> str:
    """``value`` as an HCL quoted string: escapes, and ``${``/``%{`` kept literal."""
    text = "".join(_ESCAPES.get(character, character) for character in value)
    return '"' + text.replace("${", "$${").replace("%{", "%%{") + '"'


def keep_carriage_returns(hcl: str, strings: Iterable[str]) -> str:
    """``hcl`` (as cdktf rendered it) with the heredoc of each of ``strings`` replaced by the
    string quoted."""
    for value in sorted(set(strings), key=len, reverse=True):
        heredoc = "<<EOF\n" + "\n".join(_LINE_BREAK.split(value)) + "\nEOF"
        hcl = hcl.replace(heredoc, quoted(value))
    return hcl
