"""One import path for every file the platform reads: a CSV/XLSX reader, cell parsers, problems by row and column.

`read_table` reads the bytes (CSV with its delimiter and encoding detected and stated, or XLSX within the size
limits), `cells` turns texts into numbers, dates and yes/no answers the same way for every package, and
`FileProblems` carries every problem as a message id with parameters, so each reader sees it in their language.
"""

from qorgau.core.imports.cells import (
                                       MISSING_MARKERS,
                                       NO_WORDS,
                                       YES_WORDS,
                                       CellError,
                                       is_missing,
                                       parse_date,
                                       parse_number,
                                       parse_yes_no,
)
from qorgau.core.imports.problems import FileProblems, Problem
from qorgau.core.imports.reader import Table, normalise_header, read_table

__all__ = ["MISSING_MARKERS", "NO_WORDS", "YES_WORDS", "CellError", "FileProblems", "Problem", "Table", "is_missing",
           "normalise_header", "parse_date", "parse_number", "parse_yes_no", "read_table"]
