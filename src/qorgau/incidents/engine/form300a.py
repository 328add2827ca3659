"""Exposure denominators from CSV/XLSX, including the OSHA Form 300A (ITA summary) layout; TRIR and DART.

Accepted columns (header names are case-insensitive; the first name found in each list is used):

| meaning | names | required |
|---|---|---|
| enterprise | enterprise_id, bin, establishment_id, id, establishment_name, ein | yes |
| year | year, year_filing_for | yes |
| annual average workers | workers, annual_average_employees | yes, unless hours are given |
| hours worked | hours, total_hours_worked | no: blank hours are estimated from workers and flagged |
| Form 300A case totals | total_deaths, total_dafw_cases, total_djtr_cases, total_other_cases | all four or none |
| days | total_dafw_days, total_djtr_days | no |
| 300A injury/illness types | total_injuries, total_skin_disorders, total_respiratory_conditions, total_poisonings, total_hearing_loss, total_other_illnesses | no; when all six are there their sum must equal the case totals |

Other columns (region, sector, size_band, union, naics_code, ...) are kept as enterprise attributes for slicing;
`union` yes/no values become True/False, and `size_band` is derived from workers when absent.

TRIR = (deaths + DAFW + DJTR + other) x 200,000 / hours; DART = (DAFW + DJTR) x 200,000 / hours (OSHA).
Any error anywhere means no rows: `FileProblems` lists every row, column and reason. A row with zero hours
worked but workers present is handled per `zero_hours`: refused, dropped, or its hours estimated from the
workers; a dropped or estimated row is listed in `notes`.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from pathlib import Path

import pandas as pd

from qorgau.core.i18n_markers import N_
from qorgau.core.imports import CellError, FileProblems, Problem, parse_number
from qorgau.incidents.engine.exposure import DEFAULT_HOURS_PER_WORKER, MAX_HOURS_PER_WORKER, size_bands
from qorgau.incidents.engine.tables import read_rows
from qorgau.registry.identifiers import bin_problem

# The establishment's id is the key; a name can repeat (two sites called "Warehouse") and is only a fallback.
# EIN names a company, which can have several establishments, so it comes last.
# Column names in en (OSHA ITA's as published), ru and kk; header cells are compared in lower case with spaces and
# dashes as underscores.
ID_COLUMNS = ("enterprise_id", "bin", "бин", "бсн", "establishment_id", "id", "establishment_name", "предприятие",
              "кәсіпорын", "ein")
BIN_COLUMNS = ("bin", "бин", "бсн")
ZERO_HOURS = ("refuse", "drop", "estimate")
YEAR_COLUMNS = ("year", "year_filing_for", "год", "жыл")
WORKER_COLUMNS = ("workers", "annual_average_employees", "работники", "численность_работников",
                  "среднесписочная_численность", "жұмыскерлер", "жұмыскерлер_саны", "қызметкерлер_саны")
HOUR_COLUMNS = ("hours", "total_hours_worked", "часы", "отработано_часов", "отработанные_часы", "жұмыс_сағаттары",
                "сағаттар")
CASE_COLUMNS = ("total_deaths", "total_dafw_cases", "total_djtr_cases", "total_other_cases")
DAY_COLUMNS = ("total_dafw_days", "total_djtr_days")
TYPE_COLUMNS = ("total_injuries", "total_skin_disorders", "total_respiratory_conditions", "total_poisonings",
                "total_hearing_loss", "total_other_illnesses")
YEAR_RANGE = (1990, 2100)
OSHA_BASE = 200_000


def trir(deaths: float, dafw: float, djtr: float, other: float, hours: float) -> float:
    """OSHA total recordable incident rate per 200,000 hours."""
    if hours <= 0:
        raise ValueError("hours worked must be positive")
    return (deaths + dafw + djtr + other) * OSHA_BASE / hours


def dart(dafw: float, djtr: float, hours: float) -> float:
    """OSHA days-away, restricted or transferred rate per 200,000 hours."""
    if hours <= 0:
        raise ValueError("hours worked must be positive")
    return (dafw + djtr) * OSHA_BASE / hours


@dataclass
class Denominator:
    """Workers and hours of one enterprise in one year, with the Form 300A totals when the file had them."""

    enterprise_id: str
    year: int
    workers: float | None
    hours: float
    hours_estimated: bool
    row: int
    deaths: int | None = None
    dafw: int | None = None
    djtr: int | None = None
    other: int | None = None
    dafw_days: int | None = None
    djtr_days: int | None = None
    attributes: dict[str, str] = field(default_factory=dict)  # other columns: region, sector, union, ...

    @property
    def recordable(self) -> int | None:
        counts = (self.deaths, self.dafw, self.djtr, self.other)
        return None if any(c is None for c in counts) else sum(c for c in counts if c is not None)

    @property
    def trir(self) -> float | None:
        total = self.recordable
        return None if total is None else trir(total, 0, 0, 0, self.hours)

    @property
    def dart(self) -> float | None:
        if self.dafw is None or self.djtr is None:
            return None
        return dart(self.dafw, self.djtr, self.hours)

    def as_dict(self) -> dict:
        out = asdict(self)
        attributes = out.pop("attributes")
        return {**attributes, **out, "recordable": self.recordable, "trir": self.trir, "dart": self.dart}


@dataclass
class _Layout:
    """Which columns of a file hold what."""

    enterprise: str
    year: str
    workers: str | None
    hours: str | None
    with_cases: bool
    with_types: bool
    days: list[str]
    extra: list[str]


def _first(header: list[str], names: tuple[str, ...]) -> str | None:
    return next((n for n in names if n in header), None)


def _layout(header: list[str], source: str) -> _Layout:
    """The column layout of a header, or FileProblems naming the missing columns (on row 1)."""
    problems: list[Problem] = []
    id_col, year_col = _first(header, ID_COLUMNS), _first(header, YEAR_COLUMNS)
    workers_col, hours_col = _first(header, WORKER_COLUMNS), _first(header, HOUR_COLUMNS)
    if id_col is None:
        problems.append(Problem(1, ID_COLUMNS[0], N_("no enterprise column (one of: %(names)s)"),
                                {"names": ", ".join(ID_COLUMNS)}))
    if year_col is None:
        problems.append(Problem(1, YEAR_COLUMNS[0], N_("no year column (one of: %(names)s)"),
                                {"names": ", ".join(YEAR_COLUMNS)}))
    if workers_col is None and hours_col is None:
        problems.append(Problem(1, WORKER_COLUMNS[0], N_("neither workers nor hours worked are given (one of: "
                                                         "%(names)s)"), {"names": ", ".join(WORKER_COLUMNS + HOUR_COLUMNS)}))
    present_cases = [c for c in CASE_COLUMNS if c in header]
    if present_cases and len(present_cases) < len(CASE_COLUMNS):
        for column in CASE_COLUMNS:
            if column not in header:
                problems.append(Problem(1, column, N_("Form 300A case totals need all four columns: %(names)s"),
                                        {"names": ", ".join(CASE_COLUMNS)}))
    if problems or id_col is None or year_col is None:
        raise FileProblems(problems, source)
    used = {id_col, year_col, workers_col, hours_col, *CASE_COLUMNS, *DAY_COLUMNS, *TYPE_COLUMNS}
    reserved = set(Denominator.__dataclass_fields__) | {"recordable", "trir", "dart", "workers_estimated"}
    return _Layout(id_col, year_col, workers_col, hours_col, bool(present_cases),
                   all(c in header for c in TYPE_COLUMNS), [c for c in DAY_COLUMNS if c in header],
                   [c for c in header if c and c not in used and c not in reserved])


class _Row:
    """Reads typed cells of one row, recording a problem for each bad cell."""

    def __init__(self, number: int, row: dict[str, str], problems: list[Problem]):
        self.number, self.row, self.problems = number, row, problems

    def bad(self, column: str | None, message: str, **params) -> None:
        self.problems.append(Problem(self.number, column or "", message, params))

    def number_of(self, column: str | None, *, integer: bool, required: bool) -> float | None:
        text = self.row.get(column, "") if column else ""
        if not text:
            if required:
                self.bad(column, N_("blank; write a number (0 if none)"))
            return None
        try:
            return parse_number(text, integer=integer)
        except CellError as error:
            self.bad(column, error.message, **error.params)
            return None

    def count(self, column: str) -> int | None:
        value = self.number_of(column, integer=True, required=True)
        return None if value is None else int(value)


def _parse_row(cells: _Row, layout: _Layout, hours_per_worker: float, zero_hours: str = "refuse",
               notes: list[Problem] | None = None) -> Denominator | None:
    """One denominator, or None when the row had a problem (recorded in cells.problems)."""
    before = len(cells.problems)
    enterprise = cells.row.get(layout.enterprise, "")
    if not enterprise:
        cells.bad(layout.enterprise, N_("the enterprise is blank"))
    elif layout.enterprise in BIN_COLUMNS and (reason := bin_problem(enterprise)):
        cells.bad(layout.enterprise, reason)
    year = cells.count(layout.year)
    if year is not None and not YEAR_RANGE[0] <= year <= YEAR_RANGE[1]:
        cells.bad(layout.year, N_("%(value)s is not a plausible year"), value=year)
    workers = cells.number_of(layout.workers, integer=False, required=False)
    hours = cells.number_of(layout.hours, integer=False, required=False)
    estimated = False
    if hours is None and not cells.row.get(layout.hours or "", ""):
        if workers is not None:
            hours, estimated = workers * hours_per_worker, True
        elif not cells.row.get(layout.workers or "", ""):
            cells.bad(layout.hours or layout.workers, N_("give hours worked or the annual average number of workers"))
    counts = {c: cells.count(c) for c in CASE_COLUMNS} if layout.with_cases else {}
    days = {c: cells.number_of(c, integer=True, required=False) for c in layout.days}
    if hours is not None and hours <= 0 and workers and zero_hours != "refuse" and len(cells.problems) == before:
        if zero_hours == "drop":
            _note(notes, cells.number, layout.hours, LEFT_OUT)
            return None
        hours, estimated = workers * hours_per_worker, True
        _note(notes, cells.number, layout.hours, ESTIMATED, workers=f"{workers:g}", hours=f"{hours_per_worker:g}")
    if hours is not None and hours <= 0 and (workers or any(counts.values())):
        cells.bad(layout.hours, N_("hours worked must be positive when there are workers or cases"))
    if hours is not None and workers and hours / workers > MAX_HOURS_PER_WORKER:
        cells.bad(layout.hours, N_("%(hours)s hours for %(workers)s workers is more than %(most)s hours a worker "
                                   "in a year"), hours=f"{hours:g}", workers=f"{workers:g}", most=MAX_HOURS_PER_WORKER)
    if layout.with_types and counts and all(v is not None for v in counts.values()):
        types = [cells.count(c) for c in TYPE_COLUMNS]
        total = sum(v for v in counts.values() if v is not None)
        if all(t is not None for t in types) and sum(t for t in types if t is not None) != total:
            cells.bad(TYPE_COLUMNS[0], N_("injury and illness types add up to %(types)s but the case totals to "
                                          "%(total)s"), types=sum(t for t in types if t is not None), total=total)
    if len(cells.problems) > before or year is None:
        return None
    day_values = {c: None if v is None else int(v) for c, v in days.items()}
    return Denominator(enterprise, year, workers, float(hours or 0.0), estimated, cells.number,
                       deaths=counts.get("total_deaths"), dafw=counts.get("total_dafw_cases"),
                       djtr=counts.get("total_djtr_cases"), other=counts.get("total_other_cases"),
                       dafw_days=day_values.get("total_dafw_days"), djtr_days=day_values.get("total_djtr_days"),
                       attributes={c: cells.row.get(c, "") for c in layout.extra})


LEFT_OUT = N_("zero hours worked with workers present: row left out")
ESTIMATED = N_("zero hours worked with workers present: hours estimated as %(workers)s workers x %(hours)s hours")


def _note(notes: list[Problem] | None, row: int, column: str | None, message: str, **params) -> None:
    if notes is not None:
        notes.append(Problem(row, column or "", message, params))


def parse_denominators(data: bytes | str | Path, filename: str = "",
                       hours_per_worker: float = DEFAULT_HOURS_PER_WORKER, zero_hours: str = "refuse",
                       notes: list[Problem] | None = None) -> list[Denominator]:
    """Every row of a denominator file, or FileProblems listing every error (then no row is returned).

    Rows dropped or estimated under `zero_hours` are appended to `notes` (row, column, what was done).
    """
    if zero_hours not in ZERO_HOURS:
        raise ValueError(f"zero_hours must be one of {ZERO_HOURS}, not {zero_hours!r}")
    notes = [] if notes is None else notes
    header, rows = read_rows(data, filename)
    source = filename or (Path(data).name if isinstance(data, Path) else "")
    layout = _layout(header, source)
    problems: list[Problem] = []
    out: list[Denominator] = []
    first_row: dict[tuple[str, int], int] = {}
    for number, row in rows:
        handled = len(notes)
        parsed = _parse_row(_Row(number, row, problems), layout, hours_per_worker, zero_hours, notes)
        if parsed is None and len(notes) > handled:
            continue  # dropped as asked, and noted
        enterprise, year_text = row.get(layout.enterprise, ""), row.get(layout.year, "")
        key = (enterprise, parsed.year if parsed else -1)
        if parsed is None and enterprise and year_text.isdigit():
            key = (enterprise, int(year_text))
        if enterprise and key[1] != -1:
            if key in first_row:
                problems.append(Problem(number, layout.enterprise, N_("%(enterprise)s %(year)s is already on row "
                                                                      "%(other)s"),
                                        {"enterprise": enterprise, "year": key[1], "other": first_row[key]}))
                continue
            first_row[key] = number
        if parsed is not None:
            out.append(parsed)
    if problems:
        raise FileProblems(problems, source)
    return out


def denominators_frame(rows: list[Denominator], hours_per_worker: float = DEFAULT_HOURS_PER_WORKER) -> pd.DataFrame:
    """The exposure table the rate engine reads: enterprise_id, year, workers, hours, hours_estimated, ..."""
    frame = pd.DataFrame([r.as_dict() for r in rows])
    if frame.empty:
        return pd.DataFrame(columns=["enterprise_id", "year", "workers", "hours", "hours_estimated"])
    if "union" in frame.columns:
        frame["union"] = frame["union"].map(_yes_no)
    if frame["workers"].isna().any():
        # Workers unknown but hours given: the per-worker bases then use full-time equivalents, flagged.
        missing = frame["workers"].isna()
        frame["workers_estimated"] = missing
        frame.loc[missing, "workers"] = frame.loc[missing, "hours"] / hours_per_worker
    else:
        frame["workers_estimated"] = False
    if "size_band" not in frame.columns:
        frame["size_band"] = size_bands(frame["workers"].to_numpy(dtype=float))
    return frame


def _yes_no(value: object) -> object:
    from qorgau.core.imports import CellError, parse_yes_no

    text = str(value).strip()
    if text == "":
        return None
    try:
        return parse_yes_no(text)
    except CellError:
        return value


# OSHA measures from the Form 300A totals themselves: the cases each one counts.
OSHA_MEASURES: dict[str, tuple[str, ...]] = {
    "trir": ("deaths", "dafw", "djtr", "other"),
    "dart": ("dafw", "djtr"),
    "dafw": ("dafw",),
    "fatality": ("deaths",),
}
# Slice names a user types, and the columns of a 300A or Kazakh file that hold them (first found is used).
SLICE_ALIASES: dict[str, tuple[str, ...]] = {
    "region": ("region", "state", "kato"),
    "state": ("state", "region"),
    "industry": ("naics_code", "naics", "oked", "sector"),
    "naics": ("naics_code", "naics"),
    "oked": ("oked", "sector"),
    "size": ("size_band", "size"),
    "enterprise": ("enterprise_id",),
}


def slice_columns(frame: pd.DataFrame, by: list[str]) -> list[str]:
    """The frame's columns for slice names such as region, industry or size (a column name is used as is)."""
    out = []
    for name in by:
        if name in frame.columns:
            out.append(name)
            continue
        found = next((c for c in SLICE_ALIASES.get(name, ()) if c in frame.columns), None)
        out.append(found or name)
    return out


def has_case_totals(frame: pd.DataFrame) -> bool:
    return all(c in frame.columns for c in ("deaths", "dafw", "djtr", "other")) and frame["deaths"].notna().all()


def osha_rates(frame: pd.DataFrame, by: list[str], base: str = "per_200k_hours") -> list[dict]:
    """TRIR, DART, DAFW and fatality rates per slice from the 300A totals of the file, exact Poisson intervals.

    Each group also gives its establishments, hours, workers and the share of its hours estimated from headcount.
    """
    from qorgau.incidents.engine.rates import RateError, get_base, grouped_rates, to_records

    keys = slice_columns(frame, by)
    missing = [k for k in keys if k not in frame.columns]
    if missing:
        raise RateError(f"the Form 300A file has no column(s) {', '.join(missing)} to slice by; "
                        f"it has: {', '.join(map(str, frame.columns))}")
    if not has_case_totals(frame):
        raise RateError("the file has no Form 300A case totals (total_deaths, total_dafw_cases, total_djtr_cases, "
                        "total_other_cases); give the cases with --cases")
    b = get_base(base)
    work = frame.assign(estimated_hours=frame["hours"].where(frame["hours_estimated"].astype(bool), 0.0),
                        establishments=1)
    records: list[dict] = []
    for measure, parts in OSHA_MEASURES.items():
        table = grouped_rates(work.assign(cases=sum(work[p].astype(float) for p in parts)), keys or None, b)
        for i, row in enumerate(to_records(table, keys or None)):
            if measure == "trir":
                records.append({"group": row["group"], "base": b.name})
            records[i][measure] = {k: row[k] for k in ("cases", "rate", "ci_low", "ci_high")}
    sums = (work.groupby(keys, dropna=False, sort=True, observed=True) if keys else work.groupby(lambda _i: 0))[
        ["hours", "workers", "estimated_hours", "establishments"]].sum().reset_index(drop=True)
    for record, (_i, total) in zip(records, sums.iterrows(), strict=True):
        record.update(establishments=int(total["establishments"]), hours=float(total["hours"]),
                      workers=float(total["workers"]),
                      hours_estimated_share=float(total["estimated_hours"] / total["hours"]) if total["hours"] else None)
    return records
