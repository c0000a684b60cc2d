"""The environment file's regular expressions, as JSON Schema writes them.

The checks match with Python's ``regex`` package (the API rules), ``re`` and pydantic's Rust
engine; a JSON Schema ``pattern`` is an ECMA-262 regular expression, which editors compile
with the ``u`` flag (yaml-language-server, in VS Code and Neovim; JetBrains reads the same
syntax). The dialects differ exactly where these patterns need care, so each construct is
written out in a form that means the same in all of them:

- ``\\w``, ``\\s`` and ``\\d`` are Unicode classes in Python and ASCII in ECMA-262: written as
  the Unicode properties ``regex`` uses for them;
- ``.`` excludes only ``\\n`` in Python, also ``\\r``, U+2028 and U+2029 in ECMA-262;
- ``(?i)`` does not exist in ECMA-262: its letters are written in both cases;
- the ``u`` flag refuses escapes of characters that are not syntax (``\\:``);
- a JSON Schema pattern matches anywhere, a check's ``fullmatch`` the whole value: anchored.

Anything else (back-references, lookbehind, other flags) raises, so a new rule in a construct
this does not know fails at generation time instead of meaning something else in an editor.
``tests/stacks/config/test_environment_schema.py`` compiles every pattern with Node.js's ECMA-262
engine and compares its verdicts with the checks' engines.
"""

from __future__ import annotations

# ECMA-262 SyntaxCharacter: the only identity escapes the u flag allows (and '-' in a class).
_SYNTAX = set("^$\\.*+?()[]{}|/")
# Classes of Python's regex package, as Unicode properties (identical over every code point).
_CLASSES = {
    "w": r"\p{Alphabetic}\p{M}\p{Nd}\p{Pc}\p{Join_Control}",
    "s": r"\p{White_Space}",
    "d": r"\p{Nd}",
}
_PASSED_ESCAPES = set("pPu")  # \p{...}, \P{...}, \uXXXX: the same in both dialects
_CONTROLS = set("nrtfv")
_GROUPS = ("(?:", "(?!", "(?=")


def ecma_pattern(pattern: str, *, fullmatch: bool) -> str:
    """``pattern`` (Python ``regex``/``re``, or pydantic's Rust engine) as an ECMA-262 pattern
    with the same verdicts; ``fullmatch``: the check matches the whole value, so anchor it."""
    ignore_case = pattern.startswith("(?i)")
    body = pattern[4:] if ignore_case else pattern
    out: list[str] = []
    in_class = False
    index = 0
    while index < len(body):
        char = body[index]
        if char == "\\":
            escaped = body[index + 1]
            index += 2
            if escaped in _CLASSES:
                text = _CLASSES[escaped]
                out.append(text if in_class else f"[{text}]")
            elif escaped in _PASSED_ESCAPES:
                end = body.index("}", index) + 1 if body[index] == "{" else index + 4
                out.append("\\" + escaped + body[index:end])
                index = end
            elif escaped in _CONTROLS or escaped in _SYNTAX or (in_class and escaped == "-"):
                out.append("\\" + escaped)
            elif escaped.isalnum():
                raise ValueError(f"{pattern!r}: no ECMA-262 form for \\{escaped}")
            else:
                out.append(escaped)
            continue
        if in_class:
            if ignore_case and char.isascii() and char.isalpha():
                raise ValueError(f"{pattern!r}: (?i) with a letter in a class")
            in_class = char != "]"
            out.append(char)
        elif char == "[":
            in_class = True
            out.append(char)
        elif char == "(" and body[index + 1] == "?":
            if not body.startswith(_GROUPS, index):
                raise ValueError(f"{pattern!r}: no ECMA-262 form for {body[index : index + 3]}")
            out.append(body[index : index + 3])
            index += 3
            continue
        elif char == ".":
            out.append(r"[^\n]")
        else:
            out.append(_both_cases(char) if ignore_case else char)
        index += 1
    text = "".join(out)
    anchored = text.startswith("^") and text.endswith("$") and "|" not in text
    return f"^(?:{text})$" if fullmatch and not anchored else text


def _both_cases(char: str) -> str:
    return f"[{char.lower()}{char.upper()}]" if char.isascii() and char.isalpha() else char


def pattern_schema(pattern: str, words: str, *, fullmatch: bool = True) -> dict[str, str]:
    """The schema keywords of a pattern: the pattern, and what an editor says when a value
    does not match (``patternErrorMessage``, read by yaml-language-server)."""
    return {"pattern": ecma_pattern(pattern, fullmatch=fullmatch), "patternErrorMessage": words}
