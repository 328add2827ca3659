"""Read CSV and XLSX uploads as rows of strings, and write lists back as CSV or XLSX."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from qorgau.core import limits
from qorgau.core.errors import ValidationFailed
from qorgau.core.i18n_markers import N_


@dataclass
class Problem:
    """One thing wrong with an input file: its row (1 = header), column and reason."""

    row: int
    column: str
    reason: str

    def as_dict(self) -> dict:
        return {"row": self.row, "column": self.column, "reason": self.reason}


class ImportFailed(ValidationFailed):
    """The file had errors; nothing was written."""

    def __init__(self, problems: list[Problem]):
        super().__init__(N_("The file has %(n)s error(s); nothing was imported."), params={"n": len(problems)})
        self.problems = problems


def read_table(data: bytes, filename: str) -> tuple[list[str], list[dict[str, str]]]:
    """Header and rows (dicts of stripped strings) from a CSV (UTF-8, ; or ,) or XLSX file."""
    header, numbered = read_numbered(data, filename)
    return header, [row for _number, row in numbered]


def read_numbered(data: bytes, filename: str) -> tuple[list[str], list[tuple[int, dict[str, str]]]]:
    """Like read_table, with each row's number in the file (1 = header), blank rows skipped but counted."""
    name = filename.lower()
    limits.check_size(data)
    if name.endswith((".xlsx", ".xlsm")):
        header, rows = _read_xlsx(data)
    elif name.endswith(".csv") or name.endswith(".txt") or not name:
        header, rows = _read_csv(data)
    else:
        raise ImportFailed([Problem(0, "", "Only CSV and XLSX files can be imported.")])
    duplicated = sorted({h for h in header if h and header.count(h) > 1})
    if duplicated:
        raise ImportFailed([Problem(1, h, "The column appears twice in the header.") for h in duplicated])
    return header, [(number, {h: (r[i] if i < len(r) else "") for i, h in enumerate(header) if h})
                    for number, r in enumerate(rows, start=2) if any(c for c in r)]


def _read_csv(data: bytes) -> tuple[list[str], list[list[str]]]:
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise ImportFailed([Problem(0, "", "The CSV file is not UTF-8 text.")])
    sample = text[:4096]
    delimiter = ";" if sample.count(";") > sample.count(",") else ","
    reader = csv.reader(io.StringIO(text), delimiter=delimiter)
    rows = list(limits.limited_rows(reader))
    if not rows:
        raise ImportFailed([Problem(1, "", "The file is empty.")])
    header = [h.strip().lower() for h in rows[0]]
    return header, [[c.strip() for c in r] for r in rows[1:]]


def _cell(value) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if hasattr(value, "isoformat"):
        return value.isoformat()
    return str(value).strip()


def _read_xlsx(data: bytes) -> tuple[list[str], list[list[str]]]:
    from openpyxl import load_workbook

    limits.check_zip(data)  # from the archive's directory, before openpyxl inflates anything
    try:
        workbook = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except Exception:
        raise ImportFailed([Problem(0, "", "The file is not a readable XLSX workbook.")])
    sheet = workbook.worksheets[0]
    try:
        rows = [[_cell(v) for v in row] for row in limits.limited_rows(sheet.iter_rows(values_only=True))]
    finally:
        workbook.close()
    if not rows:
        raise ImportFailed([Problem(1, "", "The file is empty.")])
    header = [h.lower() for h in rows[0]]
    return header, rows[1:]


FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")


def neutralise(value):
    """A cell a spreadsheet cannot run as a formula (OWASP CSV injection): text beginning with = + - @,
    a tab or a carriage return gets a leading apostrophe. Numbers, dates and empty cells are unchanged."""
    if isinstance(value, str) and value.startswith(FORMULA_PREFIXES):
        return "'" + value
    return value


def _safe(rows: Iterable[Sequence]) -> Iterable[list]:
    return ([neutralise(cell) for cell in row] for row in rows)


def to_csv(header: Sequence[str], rows: Iterable[Sequence]) -> bytes:
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow([neutralise(h) for h in header])
    writer.writerows(_safe(rows))
    return ("\ufeff" + buffer.getvalue()).encode("utf-8")


def to_xlsx(header: Sequence[str], rows: Iterable[Sequence], sheet_title: str = "Qorgau") -> bytes:
    from openpyxl import Workbook

    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet(sheet_title[:31])
    sheet.append([neutralise(h) for h in header])
    for row in _safe(rows):
        sheet.append(row)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


XLSX_MEDIA_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def download(header: Sequence[str], rows: Iterable[Sequence], fmt: str, name: str, sheet_title: str = ""):
    """A CSV or XLSX attachment named `name.fmt`, for the export links of every list."""
    from starlette.responses import Response

    content = to_csv(header, rows) if fmt == "csv" else to_xlsx(header, rows, sheet_title or name)
    return Response(content, media_type="text/csv" if fmt == "csv" else XLSX_MEDIA_TYPE,
                    headers={"Content-Disposition": f'attachment; filename="{name}.{fmt}"'})
