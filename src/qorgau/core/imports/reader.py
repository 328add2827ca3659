"""The one reader of uploaded and command-line tables: CSV (delimiter and encoding detected) and XLSX.

CSV text is decoded from UTF-8 (with or without BOM), UTF-16 (BOM, or NUL bytes of a BOM-less file) or
Windows-1251 (what Excel saves as "CSV" on a Russian or Kazakh Windows); the delimiter is the one of
, ; TAB | that splits the header and the first rows into the same number of columns. Both are stated in
the returned `Table`. XLSX workbooks are read from the first sheet within the size limits.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date, datetime

from qorgau.core import limits
from qorgau.core.errors import ValidationFailed
from qorgau.core.i18n_markers import N_
from qorgau.core.imports.problems import FileProblems, Problem

DELIMITERS = (",", ";", "\t", "|")


@dataclass
class Table:
    """A read file: normalised header, rows of stripped texts (blank rows kept), and how it was read."""

    header: list[str]
    rows: list[list[str]]
    encoding: str = ""
    delimiter: str = ""
    kind: str = "csv"
    source: str = ""
    raw_header: list[str] = field(default_factory=list)

    def numbered(self) -> list[tuple[int, dict[str, str]]]:
        """(row number in the file, {column: text}) for each non-blank row; the header is row 1."""
        return [(number, {h: (r[i] if i < len(r) else "") for i, h in enumerate(self.header) if h})
                for number, r in enumerate(self.rows, start=2) if any(c for c in r)]

    def described(self) -> dict:
        return {"kind": self.kind, "encoding": self.encoding, "delimiter": self.delimiter, "columns": self.header}


def normalise_header(name: object) -> str:
    """Lower case, spaces and dashes as underscores: 'Total Hours Worked' -> 'total_hours_worked'."""
    return re.sub(r"[\s\-]+", "_", str(name or "").strip().lower())


def check_size(data: bytes, filename: str) -> None:
    """The upload limits of `core.limits`: size, and for XLSX the archive's directory, before any parsing."""
    with refused_as_problems(filename):
        if filename.lower().endswith((".xlsx", ".xlsm")):
            limits.check_zip(data)
        else:
            limits.check_size(data)


@contextmanager
def refused_as_problems(filename: str) -> Iterator[None]:
    """A file refused by a limit is reported like any other unreadable file: as a problem of the file."""
    try:
        yield
    except ValidationFailed as error:
        raise FileProblems([Problem(0, "", error.message, error.params)], filename) from None


def read_table(data: bytes | str, filename: str = "", *, header_style: str = "snake") -> Table:
    """The table in a CSV or XLSX file, or FileProblems saying why it cannot be read.

    Header names are normalised: "snake" ('Total Hours' -> 'total_hours') or "lower" ('total hours').
    """
    raw = data.encode("utf-8") if isinstance(data, str) else data
    check_size(raw, filename)
    name = filename.lower()
    if name.endswith((".xlsx", ".xlsm")):
        rows, table = _xlsx_rows(raw, filename), Table([], [], kind="xlsx", source=filename)
    elif name.endswith((".csv", ".txt", ".tsv")) or not name or "." not in name:
        text, encoding = decode(raw, filename)
        try:
            delimiter = sniff_delimiter(text)
            with refused_as_problems(filename):
                # newline="": the csv module sees the file's own line ends (\r\n, \n or a lone \r).
                rows = [[c.strip() for c in r] for r in
                        limits.limited_rows(csv.reader(io.StringIO(text, newline=""), delimiter=delimiter))]
        except csv.Error as error:
            raise FileProblems([Problem(0, "", N_("The file is not a readable CSV table: %(reason)s"),
                                        {"reason": str(error)})], filename) from None
        table = Table([], [], encoding=encoding, delimiter=delimiter, source=filename)
    else:
        raise FileProblems([Problem(0, "", N_("Only CSV and XLSX files can be imported."))], filename)
    if not rows or not any(c.strip() for c in rows[0]):
        raise FileProblems([Problem(1, "", N_("The file is empty or has no header row."))], filename)
    table.raw_header = rows[0]
    table.header = [h.strip().lower() if header_style == "lower" else normalise_header(h) for h in rows[0]]
    table.rows = rows[1:]
    duplicates = sorted({h for h in table.header if h and table.header.count(h) > 1})
    if duplicates:
        raise FileProblems([Problem(1, h, N_("The column appears twice in the header.")) for h in duplicates],
                           filename)
    return table


def decode(raw: bytes, filename: str = "") -> tuple[str, str]:
    """Text and the encoding it was read with: UTF-8 (BOM or not), UTF-16 or Windows-1251."""
    if raw.startswith(b"\xef\xbb\xbf"):
        return raw[3:].decode("utf-8", errors="strict"), "utf-8-sig"
    if raw.startswith((b"\xff\xfe", b"\xfe\xff")):
        return raw.decode("utf-16"), "utf-16"
    head = raw[:4096]
    if head and head.count(b"\x00") > len(head) // 4:
        encoding = "utf-16-le" if head[1:2] == b"\x00" else "utf-16-be"
        return raw.decode(encoding), encoding
    try:
        return raw.decode("utf-8"), "utf-8"
    except UnicodeDecodeError:
        pass
    try:
        text = raw.decode("cp1251")
    except UnicodeDecodeError as error:
        raise FileProblems([Problem(0, "", N_("The file is neither UTF-8, UTF-16 nor Windows-1251 text "
                                              "(byte %(byte)s)."), {"byte": error.start})], filename)
    return text, "cp1251"


def sniff_delimiter(text: str) -> str:
    """The delimiter that gives the header the most columns and the first rows the same count."""
    lines = [line for line in text.splitlines()[:20] if line.strip()]
    if not lines:
        return ","
    best, best_score = ",", (0, 0)
    for delimiter in DELIMITERS:
        counts = [len(r) for r in csv.reader(io.StringIO("\n".join(lines), newline=""), delimiter=delimiter)]
        if not counts or counts[0] < 2:
            continue
        score = (sum(c == counts[0] for c in counts), counts[0])
        if score > best_score:
            best, best_score = delimiter, score
    return best


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


def _xlsx_rows(raw: bytes, filename: str) -> list[list[str]]:
    from openpyxl import load_workbook

    try:
        workbook = load_workbook(io.BytesIO(raw), read_only=True, data_only=True)
    except Exception:
        raise FileProblems([Problem(0, "", N_("The file is not a readable XLSX workbook."))], filename)
    try:
        sheet_rows = workbook.worksheets[0].iter_rows(values_only=True)
        with refused_as_problems(filename):
            return [[_cell(v) for v in row] for row in limits.limited_rows(sheet_rows)]
    finally:
        workbook.close()
