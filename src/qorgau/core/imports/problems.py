"""Problems found in a file: a message id and its parameters at a row and column, shown in the reader's language."""

from __future__ import annotations

import os
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

from qorgau.core import i18n
from qorgau.core.i18n_markers import N_

ROW_LABEL, COLUMN_LABEL = N_("row"), N_("column")
NOTHING_IMPORTED = N_("%(n)s problem(s); nothing was imported.")


@dataclass(frozen=True)
class Problem:
    """One thing wrong in a file: spreadsheet row (1 = header, 0 = the whole file), column, message id, params."""

    row: int
    column: str
    message: str
    params: dict = field(default_factory=dict, compare=False, hash=False)

    def text(self, translate: Callable[[str], str] | None = None) -> str:
        """The reason, translated by `translate` (a gettext function) when given, with its parameters filled in."""
        template = translate(self.message) if translate else self.message
        try:
            return template % self.params if self.params else template
        except (KeyError, TypeError, ValueError):
            return template

    @property
    def reason(self) -> str:
        return self.text()

    def __str__(self) -> str:
        return f"row {self.row}, column {self.column or '-'}: {self.text()}"

    def as_dict(self) -> dict:
        return {"row": self.row, "column": self.column, "reason": self.text(), "message": self.message,
                "params": dict(self.params)}


class FileProblems(ValueError):
    """The file cannot be read: every problem is listed, and nothing of it is used."""

    def __init__(self, problems: list[Problem], source: str = ""):
        self.problems = sorted(problems, key=lambda p: (p.row, p.column))
        self.source = source
        head = f"{source}: " if source else ""
        lines = "\n".join(str(p) for p in self.problems[:50])
        super().__init__(f"{head}{len(self.problems)} problem(s), nothing was imported:\n{lines}")


def terminal_locale(explicit: str = "") -> str:
    """The language of a command's messages: `--lang` when given, else QORGAU_LANG or the terminal's LANG."""
    for value in (explicit, os.environ.get("QORGAU_LANG", ""), os.environ.get("LANG", "")):
        code = value.strip().lower()[:2]
        if code in ("kk", "ru", "en"):
            return code
    return "en"


def translated_lines(problems: Iterable[Problem], locale: str, limit: int = 200) -> list[str]:
    """Each problem as a line of a command's error output, in `locale` (kk, ru or en)."""
    with i18n.locale_context(locale):
        row, column = i18n.translate(ROW_LABEL), i18n.translate(COLUMN_LABEL)
        return [f"{row} {p.row}, {column} {p.column or '-'}: {p.text(i18n.translate)}"
                for p in list(problems)[:limit]]


def summary_line(count: int, locale: str) -> str:
    """The last line of a refused file's error output, in `locale`."""
    with i18n.locale_context(locale):
        return i18n.translate(NOTHING_IMPORTED) % {"n": count}
