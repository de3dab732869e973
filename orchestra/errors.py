"""The exceptions orchestra raises. Each one builds its own human sentence."""

from __future__ import annotations

from dataclasses import dataclass


class OrchestraError(Exception):
    """Base of every error orchestra raises on purpose."""


@dataclass(frozen=True)
class Problem:
    """One thing wrong with the input, located to the cell.

    ``where`` is ``sheet!CELL`` for workbooks (``roles!E7``), ``sheet.csv:LINE:column`` for CSV
    folders, or just the sheet when no cell applies (a missing sheet).
    """

    where: str
    what: str
    expected: str = ""
    # Warnings of one kind that recur row after row share a ``kind`` (in words: "standards have
    # targets looser than customers expect"), so that commands other than validate can print
    # them as one line.
    kind: str = ""

    def __str__(self) -> str:
        tail = f" (expected {self.expected})" if self.expected else ""
        return f"{self.where}: {self.what}{tail}"


class InputError(OrchestraError):
    """The input cannot be used. Carries every problem found, not just the first."""

    def __init__(self, problems: list[Problem], warnings: list[Problem] | None = None):
        self.problems = list(problems)
        self.warnings = list(warnings or [])
        count = len(self.problems)
        head = f"{count} problem{'s' if count != 1 else ''} in the input:"
        super().__init__("\n".join([head, *(f"  {p}" for p in self.problems)]))


class UnsafeInputError(InputError):
    """The file is refused before reading: not a workbook, a zip bomb, an XML attack."""

    def __init__(self, where: str, what: str, expected: str = ""):
        super().__init__([Problem(where, what, expected)])


class ProfileError(OrchestraError):
    """A planning profile is missing or malformed."""


class OutputError(OrchestraError):
    """An output file cannot be written (exists without --force, would overwrite the input)."""
