"""Read CSV/XLSX files as rows that keep their spreadsheet row numbers, and collect every problem before failing."""

from __future__ import annotations

import csv
import io
import re
from dataclasses import dataclass
from datetime import date, datetime
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


def normalise_header(name: object) -> str:
    """Lower case, spaces and dashes as underscores: 'Total Hours Worked' -> 'total_hours_worked'."""
    return re.sub(r"[\s\-]+", "_", str(name or "").strip().lower())


def _cell(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, datetime):
        return value.date().isoformat() if value.time() == datetime.min.time() else value.isoformat()
    if isinstance(value, date):
        return value.isoformat()
    return str(value).strip()


def read_rows(data: bytes | str | Path, filename: str = "") -> tuple[list[str], list[tuple[int, dict[str, str]]]]:
    """Header and (row number, {column: text}) for each non-blank row of a CSV (UTF-8, ',' or ';') or XLSX file."""
    if isinstance(data, Path) or (isinstance(data, str) and not filename):
        path = Path(data)
        filename, data = path.name, path.read_bytes()
    raw = data.encode("utf-8") if isinstance(data, str) else data
    if filename.lower().endswith((".xlsx", ".xlsm")):
        rows = _xlsx_rows(raw, filename)
    else:
        rows = _csv_rows(raw, filename)
    if not rows or not any(c.strip() for c in rows[0]):
        raise ImportProblems([RowProblem(1, "", "the file is empty or has no header row")], filename)
    header = [normalise_header(h) for h in rows[0]]
    duplicates = sorted({h for h in header if h and header.count(h) > 1})
    if duplicates:
        raise ImportProblems([RowProblem(1, h, "the column appears twice in the header") for h in duplicates], filename)
    out = []
    for number, row in enumerate(rows[1:], start=2):
        if not any(str(c).strip() for c in row):
            continue
        out.append((number, {h: (row[i].strip() if i < len(row) else "") for i, h in enumerate(header) if h}))
    return header, out


def _csv_rows(raw: bytes, filename: str) -> list[list[str]]:
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        raise ImportProblems([RowProblem(0, "", f"the file is not UTF-8 text (byte {error.start})")], filename)
    first = text.split("\n", 1)[0]
    delimiter = ";" if first.count(";") > first.count(",") else ","
    return list(csv.reader(io.StringIO(text), delimiter=delimiter))


def _xlsx_rows(raw: bytes, filename: str) -> list[list[str]]:
    from openpyxl import load_workbook

    try:
        workbook = load_workbook(io.BytesIO(raw), read_only=True, data_only=True)
    except Exception:
        raise ImportProblems([RowProblem(0, "", "the file is not a readable XLSX workbook")], filename)
    try:
        return [[_cell(v) for v in row] for row in workbook.worksheets[0].iter_rows(values_only=True)]
    finally:
        workbook.close()


def parse_number(text: str, *, integer: bool = False, minimum: float | None = 0) -> float | int:
    """A number from a cell ('1 234,5' and '1,234.5' both read); raises ValueError with the reason."""
    cleaned = text.replace("\u00a0", "").replace(" ", "")
    if "," in cleaned and "." in cleaned:
        cleaned = cleaned.replace(",", "")
    elif re.fullmatch(r"-?\d{1,3},\d{3}", cleaned):
        # '1,500' is 1500 in English and 1.5 in Russian or Kazakh usage: refuse to guess.
        raise ValueError(f"{text!r} is ambiguous: write it without a thousands separator, or with a decimal point")
    elif cleaned.count(",") == 1:
        cleaned = cleaned.replace(",", ".")
    elif re.fullmatch(r"-?\d{1,3}(,\d{3})+", cleaned):
        cleaned = cleaned.replace(",", "")
    try:
        value = float(cleaned)
    except ValueError:
        raise ValueError(f"{text!r} is not a number")
    if value != value or value in (float("inf"), float("-inf")):
        raise ValueError(f"{text!r} is not a finite number")
    if integer:
        if not value.is_integer():
            raise ValueError(f"{text!r} is not a whole number")
        value = int(value)
    if minimum is not None and value < minimum:
        raise ValueError(f"{text} is below the minimum {minimum:g}")
    return value


def parse_date(text: str) -> date:
    """A date written YYYY-MM-DD or DD.MM.YYYY."""
    for pattern in ("%Y-%m-%d", "%d.%m.%Y", "%Y-%m-%dT%H:%M:%S"):
        try:
            return datetime.strptime(text.strip(), pattern).date()
        except ValueError:
            continue
    raise ValueError(f"{text!r} is not a date (use YYYY-MM-DD or DD.MM.YYYY)")
