"""One error that lists every problem found in a construct's props."""

from __future__ import annotations

from collections.abc import Iterable


class PropsError(ValueError):
    """Raised by a construct whose props break a rule; ``problems`` holds every failure."""

    def __init__(self, construct: str, problems: Iterable[str]) -> None:
        self.construct = construct
        self.problems = tuple(problems)
        listed = "\n".join(f"  - {problem}" for problem in self.problems)
        super().__init__(f"{construct} failed validation due to the following error(s):\n{listed}")


def raise_if_any(construct: str, problems: list[str]) -> None:
    """Raise one ``PropsError`` carrying all ``problems``, if there are any."""
    if problems:
        raise PropsError(construct, problems)
