"""Rows of a CSV/XLSX file by the platform's one reader, keeping their spreadsheet row numbers.

Problems are the core's (`qorgau.core.imports.Problem`, raised together as `FileProblems`): a message id with its
parameters, shown in the reader's language on the pages and in the commands.
"""

from __future__ import annotations

from pathlib import Path

from qorgau.core.imports import read_table


def read_rows(data: bytes | str | Path, filename: str = "") -> tuple[list[str], list[tuple[int, dict[str, str]]]]:
    """Header and (row number, {column: text}) for each non-blank row of a CSV or XLSX file, or FileProblems."""
    if isinstance(data, Path) or (isinstance(data, str) and not filename):
        path = Path(data)
        filename, data = path.name, path.read_bytes()
    table = read_table(data, filename or "table.csv")
    return table.header, table.numbered()
