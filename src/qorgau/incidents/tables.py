"""Read CSV/XLSX files as rows that keep their spreadsheet row numbers, and collect every problem before failing."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from pathlib import Path


@dataclass(frozen=True)
class RowProblem:
    """One thing wrong in an input file: spreadsheet row (1 = header), column and reason."""

    row: int
    column: str
    reason: str

    def __str__(self) -> str:
        return f"row {self.row}, column {self.column or '-'}: {self.reason}"

    def as_dict(self) -> dict:
        return {"row": self.row, "column": self.column, "reason": self.reason}


class ImportProblems(ValueError):
    """The file has errors, so none of its rows is used; `problems` lists every one."""

    def __init__(self, problems: list[RowProblem], source: str = ""):
        self.problems = sorted(problems, key=lambda p: (p.row, p.column))
        self.source = source
        head = f"{source}: " if source else ""
        lines = "\n".join(str(p) for p in self.problems[:50])
        more = f"\n... and {len(self.problems) - 50} more" if len(self.problems) > 50 else ""
        super().__init__(f"{head}{len(self.problems)} problem(s), nothing was imported:\n{lines}{more}")


def read_rows(data: bytes | str | Path, filename: str = "") -> tuple[list[str], list[tuple[int, dict[str, str]]]]:
    """Header and (row number, {column: text}) for each non-blank row of a CSV or XLSX file (the core reader)."""
    from qorgau.core.imports import FileProblems, read_table

    if isinstance(data, Path) or (isinstance(data, str) and not filename):
        path = Path(data)
        filename, data = path.name, path.read_bytes()
    try:
        table = read_table(data, filename or "table.csv")
    except FileProblems as error:
        raise ImportProblems([RowProblem(p.row, p.column, p.text()) for p in error.problems], filename)
    return table.header, table.numbered()


def parse_number(text: str, *, integer: bool = False, minimum: float | None = 0) -> float | int:
    """A number from a cell ('1 234,5' and '1,234.5' both read); raises ValueError with the reason."""
    from qorgau.core.imports import cells

    return cells.parse_number(text, integer=integer, minimum=minimum)


def parse_date(text: str) -> date:
    """A date written YYYY-MM-DD or DD.MM.YYYY (the core cell parser)."""
    from qorgau.core.imports import cells

    return cells.parse_date(text)
