"""Validation findings."""

from __future__ import annotations

import enum
from dataclasses import asdict, dataclass
from typing import Any

__all__ = ["Diagnostic", "Severity"]


class Severity(str, enum.Enum):
    ERROR = "error"
    WARNING = "warning"

    def __str__(self) -> str:
        return self.value


@dataclass(frozen=True)
class Diagnostic:
    """One finding: ``path:line:col: severity [rule] message``. Line and column are 1-based."""

    severity: Severity
    message: str
    file: str | None = None
    line: int | None = None
    column: int | None = None
    pointer: str = ""
    rule: str = ""

    @property
    def is_error(self) -> bool:
        return self.severity is Severity.ERROR

    def format(self) -> str:
        where = self.file or "<string>"
        if self.line is not None:
            where += f":{self.line}:{self.column or 1}"
        rule = f" [{self.rule}]" if self.rule else ""
        return f"{where}: {self.severity.value}{rule} {self.message}"

    def to_dict(self) -> dict[str, Any]:
        data = asdict(self)
        data["severity"] = self.severity.value
        return data

    def __str__(self) -> str:
        return self.format()


def close_matches(word: str, possibilities: list[str], n: int = 3,
                  cutoff: float = 0.6) -> list[str]:
    """``difflib.get_close_matches`` (the "did you mean" of error messages), with difflib
    imported on first need: ~9 ms of every cold start otherwise, for messages most runs never
    show."""
    import difflib

    return difflib.get_close_matches(word, possibilities, n=n, cutoff=cutoff)
