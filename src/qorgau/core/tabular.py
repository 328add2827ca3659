"""Read CSV and XLSX uploads as rows of strings (by the one reader, `qorgau.core.imports`), and write lists back
as CSV or XLSX.

`Problem` is the core import problem (a message id with parameters at a row and column, shown in the reader's
language); `ImportFailed` carries them as a 422 for the pages and the API."""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterable, Sequence

from qorgau.core.errors import ValidationFailed
from qorgau.core.i18n_markers import N_
from qorgau.core.imports import FileProblems
from qorgau.core.imports import read_table as read_any
from qorgau.core.imports.problems import Problem

__all__ = ["ImportFailed", "Problem", "download", "neutralise", "read_numbered", "read_table", "to_csv", "to_xlsx",
           "xlsx_cell"]


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
    """Like read_table, with each row's number in the file (1 = header), blank rows skipped but counted.

    The file is read by the platform's one reader (`qorgau.core.imports`, which enforces the size limits of
    `qorgau.core.limits`); its problems come back as ImportFailed.
    """
    try:
        table = read_any(data, filename or "upload.csv", header_style="lower")
    except FileProblems as error:
        raise ImportFailed(error.problems)
    return table.header, table.numbered()


FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")


def neutralise(value):
    """A cell a spreadsheet cannot run as a formula (OWASP CSV injection): text beginning with = + - @,
    a tab or a carriage return gets a leading apostrophe. Numbers, dates and empty cells are unchanged."""
    if isinstance(value, str) and value.startswith(FORMULA_PREFIXES):
        return "'" + value
    return value


# Control characters XML 1.0 forbids (the same set openpyxl refuses); a spreadsheet cannot hold them.
XML_ILLEGAL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f]")


def xlsx_cell(value):
    """A cell an XLSX sheet can hold: neutralised like a CSV cell, and each control character XML forbids
    shown as the replacement character, so a stray byte in a user's text cannot stop the whole export and is
    not silently dropped either."""
    value = neutralise(value)
    if isinstance(value, str):
        return XML_ILLEGAL.sub("\ufffd", value)
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
    sheet.append([xlsx_cell(h) for h in header])
    for row in rows:
        sheet.append([xlsx_cell(cell) for cell in row])
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
