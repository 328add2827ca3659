"""The enterprise-period panel: validation of an analyst's file or a built panel, with row/column errors.

A panel has one row per entity and period with `entity_id, period, workers, cases` (cases = serious or
fatal cases in that period), optional text columns `sector` and `region` (used for base rates and
fairness slices) and any numeric feature columns. Features at period t predict cases at t+1.

Periods are either all integers (taken as consecutive in sorted order of the values present) or all
months `YYYY-MM` (a date `YYYY-MM-DD` counts as its month; months absent from the whole file are gaps,
so the period after a gap has no known "next" outcome).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from qorgau.core.i18n_markers import N_
from qorgau.core.imports import MISSING_MARKERS, CellError, parse_number

REQUIRED = ("entity_id", "period", "workers", "cases")
GROUP_COLUMNS = ("sector", "region")
MAX_PROBLEMS = 50


@dataclass
class CellProblem:
    """One bad cell: its spreadsheet row (1 = header, 2 = first data row), column and message id."""

    row: int
    column: str
    message: str
    params: dict = field(default_factory=dict)

    def text(self) -> str:
        where = f"row {self.row}, column {self.column}" if self.row else f"column {self.column}"
        return f"{where}: " + (self.message % self.params if self.params else self.message)


class PanelError(ValueError):
    """The panel has bad cells; `problems` lists the first MAX_PROBLEMS, `total` counts all."""

    def __init__(self, problems: list[CellProblem]):
        self.total = len(problems)
        self.problems = problems[:MAX_PROBLEMS]
        lines = [p.text() for p in self.problems[:20]]
        more = self.total - len(lines)
        super().__init__("\n".join(lines) + (f"\n... and {more} more problems" if more > 0 else ""))


@dataclass
class Panel:
    """A validated panel: `frame` sorted by entity and period with an integer `period_index`."""

    frame: pd.DataFrame
    periods: list[str]
    features: list[str]

    @property
    def groups(self) -> list[str]:
        return [c for c in GROUP_COLUMNS if c in self.frame.columns]


def read_panel(path: Path | str) -> Panel:
    """Read a CSV or XLSX panel file by the platform's one reader (`qorgau.core.imports`) and validate it."""
    from qorgau.core.imports import FileProblems, read_table

    path = Path(path)
    try:
        table = read_table(path.read_bytes(), path.name, header_style="lower")
    except FileProblems as error:
        raise PanelError([CellProblem(p.row, p.column or "-", p.message, dict(p.params)) for p in error.problems])
    rows = [[cell for cell, name in zip(row, table.header, strict=False) if name]
            for row in table.rows if any(c for c in row)]
    header = [name for name in table.header if name]
    return validate(pd.DataFrame([row + [""] * (len(header) - len(row)) for row in rows], columns=header,
                                 dtype=str))


def _numbers(raw: pd.Series) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Float values, a blank mask and a not-a-number mask, read by the core's number parser."""
    if pd.api.types.is_numeric_dtype(raw) and not pd.api.types.is_bool_dtype(raw):
        values = raw.to_numpy(np.float64, na_value=np.nan)
        return values, np.isnan(values), np.isinf(values)
    if pd.api.types.is_bool_dtype(raw):
        values = raw.to_numpy(np.float64, na_value=np.nan)
        return values, np.isnan(values), np.zeros(len(raw), bool)
    text = raw.astype(str).str.strip()
    # Blanks and the declared markers (':', 'n/a', dashes, -200) are missing, as in every file the platform reads.
    blank = (text.str.lower().isin(MISSING_MARKERS) | raw.isna()).to_numpy()
    values = pd.to_numeric(text.where(~blank, ""), errors="coerce").to_numpy(np.float64, na_value=np.nan).copy()
    retry = np.isnan(values) & ~blank
    if retry.any():  # a decimal comma or spaced thousands: the core's one number parser ('1,500' is refused)
        read = {}
        for cell in pd.unique(text[retry]):
            try:
                read[cell] = float(parse_number(cell, minimum=None))
            except CellError:
                read[cell] = np.nan
        values[retry] = text[retry].map(read).to_numpy(np.float64)
    bad = (np.isnan(values) & ~blank) | np.isinf(values)
    return values, blank, bad


def _periods(raw: pd.Series, problems: list[CellProblem]) -> tuple[np.ndarray, list[str]] | None:
    """Integer period positions and their labels, or None (with problems) when unparseable."""
    codes, uniques = pd.factorize(raw, use_na_sentinel=False)  # parse each distinct value once
    text = pd.Series(uniques, dtype=object).astype(str).str.strip()
    as_int = pd.to_numeric(text, errors="coerce")
    if as_int.notna().all() and (as_int == as_int.round()).all():
        values = as_int.astype(np.int64).to_numpy()
        labels = np.unique(values)
        return np.searchsorted(labels, values)[codes], [str(v) for v in labels]
    months = pd.to_datetime(text, format="%Y-%m", errors="coerce")
    days = pd.to_datetime(text, format="%Y-%m-%d", errors="coerce")
    stamps = months.fillna(days)
    bad = stamps.isna().to_numpy()[codes]
    if bad.any():
        for i in np.flatnonzero(bad)[:MAX_PROBLEMS]:
            problems.append(CellProblem(int(i) + 2, "period",
                                        N_("'%(value)s' is not a period: use whole numbers or months as YYYY-MM."),
                                        {"value": str(raw.iloc[i])}))
        return None
    ordinal = (stamps.dt.year * 12 + stamps.dt.month - 1).to_numpy(np.int64)
    first = ordinal.min()
    labels = [f"{m // 12:04d}-{m % 12 + 1:02d}" for m in range(first, ordinal.max() + 1)]
    return (ordinal - first)[codes], labels


def validate(table: pd.DataFrame) -> Panel:
    """Check a raw panel table (strings or numbers) and return a typed, sorted Panel."""
    frame = table.copy()
    frame.columns = [str(c).strip().lower() for c in frame.columns]
    problems: list[CellProblem] = []
    for column in REQUIRED:
        if column not in frame.columns:
            problems.append(CellProblem(1, column, N_("The required column is missing.")))
    duplicated = frame.columns[frame.columns.duplicated()]
    for column in dict.fromkeys(duplicated):
        problems.append(CellProblem(1, column, N_("The column appears more than once.")))
    if problems:
        raise PanelError(problems)
    if frame.empty:
        raise PanelError([CellProblem(2, "entity_id", N_("The panel has no rows."))])
    out = pd.DataFrame(index=range(len(frame)))
    codes, uniques = pd.factorize(frame["entity_id"], use_na_sentinel=False)
    names = pd.Series(uniques, dtype=object).astype(str).str.strip().to_numpy(object)
    blank = (names == "") | pd.isna(pd.Series(uniques, dtype=object)).to_numpy()
    ids = names[codes]
    for i in np.flatnonzero(blank[codes])[:MAX_PROBLEMS]:
        problems.append(CellProblem(int(i) + 2, "entity_id", N_("The entity id is missing.")))
    out["entity_id"] = ids
    parsed = _periods(frame["period"].reset_index(drop=True), problems)
    for column in ("workers", "cases"):
        values, blank, bad = _numbers(frame[column].reset_index(drop=True))
        checks = [(blank, N_("The value is missing.")), (bad, N_("'%(value)s' is not a number."))]
        if column == "workers":
            checks.append((~blank & ~bad & (values <= 0), N_("'%(value)s' workers: the headcount must be above zero.")))
        else:
            checks.append((~blank & ~bad & (values < 0), N_("'%(value)s' cases: a count cannot be negative.")))
            checks.append((~blank & ~bad & (values >= 0) & (values != np.round(values)),
                           N_("'%(value)s' cases: a count must be a whole number.")))
        for mask, message in checks:
            for i in np.flatnonzero(mask)[:MAX_PROBLEMS]:
                problems.append(CellProblem(int(i) + 2, column, message, {"value": str(frame[column].iloc[i])}))
        out[column] = values
    for column in GROUP_COLUMNS:
        if column in frame.columns:
            codes, uniques = pd.factorize(frame[column], use_na_sentinel=False)
            groups = pd.Series(uniques, dtype=object).astype(str).str.strip().to_numpy(object)
            out[column] = np.where(groups == "", "unknown", groups)[codes]
    features = [c for c in frame.columns if c not in REQUIRED and c not in GROUP_COLUMNS]
    for column in features:
        values, _blank, bad = _numbers(frame[column].reset_index(drop=True))
        for i in np.flatnonzero(bad)[:MAX_PROBLEMS]:
            problems.append(CellProblem(int(i) + 2, column,
                                        N_("'%(value)s' is not a number: feature columns must be numeric."),
                                        {"value": str(frame[column].iloc[i])}))
        out[column] = values
    if parsed is not None:
        out["period_index"], labels = parsed
        out["period"] = np.asarray(labels, dtype=object)[out["period_index"].to_numpy()]
        dup = out.duplicated(["entity_id", "period_index"], keep=False).to_numpy()
        if dup.any():
            first_seen: dict[tuple[str, int], int] = {}
            for i in np.flatnonzero(dup):
                key = (out["entity_id"].iat[i], int(out["period_index"].iat[i]))
                if key in first_seen:
                    problems.append(CellProblem(int(i) + 2, "period",
                                                N_("Entity %(entity)s has period %(period)s twice (first on row %(first)s)."),
                                                {"entity": key[0], "period": out["period"].iat[i], "first": first_seen[key]}))
                else:
                    first_seen[key] = int(i) + 2
    if problems:
        problems.sort(key=lambda p: (p.row, p.column))
        raise PanelError(problems)
    out["cases"] = out["cases"].astype(np.int64)
    out = out.sort_values(["entity_id", "period_index"], kind="stable").reset_index(drop=True)
    return Panel(frame=out, periods=labels, features=features)


def from_frame(frame: pd.DataFrame) -> Panel:
    """Validate an in-memory panel (e.g. from `features.build_panel` or `synthetic.generate_panel`)."""
    return validate(frame)
