"""Employment input: read and validate counts by ISCO-08 code, normalise dimensions, split codes to unit groups.

Rows are disjoint counts of workers. A row coded `24` holds workers known only to sub-major group 24; it
is not a subtotal of the `24xx` rows (a table that mixes totals and detail double counts). Codes above the
unit-group level are split across the unit groups beneath them by documented weights (`split_weights`).
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

import numpy as np
import pandas as pd

from qorgau.aiwork import reference
from qorgau.core.i18n_markers import N_
from qorgau.core.imports.cells import CellError, is_missing, parse_number

REQUIRED = ("isco08", "employed")
KNOWN_DIMENSIONS = ("region", "sector", "sex", "age_band", "enterprise")
MAX_PROBLEMS = 100
# Column names as Russian and Kazakh tables write them (compared in lower case, spaces and dashes as underscores).
COLUMN_NAMES = {
    "isco08": ("isco", "isco_08", "мскз", "мскз_08", "нкз", "код_занятия", "кәсіп_коды", "кәсіп_коды_isco"),
    "employed": ("занятые", "число_занятых", "численность", "численность_занятых", "жұмыспен_қамтылғандар",
                 "жұмыспен_қамтылғандар_саны"),
    "region": ("регион", "область", "като", "өңір", "облыс", "әакж"),
    "sector": ("отрасль", "окэд", "вид_деятельности", "сала", "эқжж"),
    "sex": ("пол", "жынысы"),
    "age_band": ("возраст", "возрастная_группа", "жас", "жас_тобы"),
    "enterprise": ("предприятие", "кәсіпорын"),
}
_CANONICAL = {alias: name for name, aliases in COLUMN_NAMES.items() for alias in aliases}


def canonical_columns(header: Sequence[str]) -> list[str]:
    """The header with Russian and Kazakh names of the known columns replaced by the platform's own; a name the
    file already has in English is left as it is (no column is named twice)."""
    from qorgau.core.imports.reader import normalise_header

    present = set(header)
    out = []
    for name in header:
        canonical = _CANONICAL.get(normalise_header(name))
        out.append(canonical if canonical and canonical not in present and canonical not in out else name)
    return out
SPLIT_METHODS = ("equal", "table", "reference")

SEX_VALUES = {
    "female": "female", "f": "female", "w": "female", "woman": "female", "women": "female",
    "ж": "female", "жен": "female", "женщины": "female", "женский": "female", "әйел": "female",
    "male": "male", "m": "male", "man": "male", "men": "male", "м": "male", "муж": "male",
    "мужчины": "male", "мужской": "male", "ер": "male", "еркек": "male",
}
# OKED (= NACE Rev. 2) divisions -> sections.
_SECTION_BY_DIVISION = {}
for _section, _first, _last in [("A", 1, 3), ("B", 5, 9), ("C", 10, 33), ("D", 35, 35), ("E", 36, 39),
                                ("F", 41, 43), ("G", 45, 47), ("H", 49, 53), ("I", 55, 56), ("J", 58, 63),
                                ("K", 64, 66), ("L", 68, 68), ("M", 69, 75), ("N", 77, 82), ("O", 84, 84),
                                ("P", 85, 85), ("Q", 86, 88), ("R", 90, 93), ("S", 94, 96), ("T", 97, 98),
                                ("U", 99, 99)]:
    for _division in range(_first, _last + 1):
        _SECTION_BY_DIVISION[f"{_division:02d}"] = _section
SECTIONS = tuple("ABCDEFGHIJKLMNOPQRSTU")
_OKED_NUMERIC = re.compile(r"^\d{2}(\.?\d{1,3})?$")


@dataclass(frozen=True)
class CellProblem:
    """One bad cell: its row label (a file's line number), column, raw value and an English message id."""

    row: object
    column: str
    value: str
    message: str
    params: dict = field(default_factory=dict)

    def text(self) -> str:
        return f"row {self.row}, column {self.column}: " + (self.message % self.params if self.params else self.message)


class EmploymentInputError(ValueError):
    """The employment table has bad cells; `problems` lists them (the first MAX_PROBLEMS), `total` counts all."""

    def __init__(self, problems: Sequence[CellProblem], total: int | None = None):
        self.problems = list(problems)[:MAX_PROBLEMS]
        self.total = total if total is not None else len(problems)
        lines = [p.text() for p in self.problems[:20]]
        more = self.total - len(lines)
        super().__init__("\n".join(lines) + (f"\n... and {more} more problems" if more > 0 else ""))


@lru_cache(maxsize=1)
def region_codes() -> dict[str, str]:
    """Two-digit KATO prefix -> first-level KATO code of the 20 regions and cities (2024)."""
    regions = pd.read_csv(reference.DATA / "kz_regions.csv", dtype=str)
    return {code[:2]: code for code in regions["kato"]}


def read_table(path: str | Path) -> pd.DataFrame:
    """Read a CSV or XLSX employment table as strings (the core reader); the index is the file's line number."""
    from qorgau.core.imports import read_table as read_any

    path = Path(path)
    table = read_any(path.read_bytes(), path.name, header_style="lower")
    table.header = canonical_columns(table.header)
    width = len(table.header)
    rows = [(number, [*r, *[""] * (width - len(r))][:width]) for number, r in enumerate(table.rows, start=2)
            if any(c for c in r)]
    frame = pd.DataFrame([r for _n, r in rows], columns=table.header, dtype=str)
    frame.index = pd.Index([n for n, _r in rows])  # line 1 is the header
    return frame


SOC_COLUMNS = ("soc2010", "soc2018", "soc", "occ_code")
OES_EMPLOYED = "tot_emp"


def soc_column(frame: pd.DataFrame) -> str | None:
    """The SOC code column of a table that has no isco08 column (BLS OES: occ_code), or None."""
    if "isco08" in frame.columns:
        return None
    return next((c for c in SOC_COLUMNS if c in frame.columns), None)


def from_soc(frame: pd.DataFrame, unmatched: str = "refuse") -> tuple[pd.DataFrame, dict]:
    """Employment by US SOC (2010, or 2018 where the code is unchanged) as rows by ISCO-08, and what was done.

    Each SOC code's workers are split equally across the ISCO-08 codes the shipped BLS crosswalk maps it to
    (the crosswalk gives no employment weights); the report states the share of employment so split, and the
    SOC codes with no ISCO-08 match: refused as problems, or with `unmatched="drop"` left out and counted
    (rows and share of employment). A BLS OES file keeps only its `detailed` rows
    (the others are subtotals), and its TOT_EMP is read with commas as thousands separators.
    """
    column = soc_column(frame)
    if column is None:
        return frame, {}
    work = frame.copy()
    report: dict = {"classification": "SOC 2010 (SOC 2018 codes matched where unchanged)", "column": column,
                    "crosswalk": "BLS ISCO-08 to 2010 SOC (2012, updated 2015)", "split": "equal"}
    if "o_group" in work.columns:
        keep = work["o_group"].str.strip().str.lower() == "detailed"
        report["subtotal_rows_left_out"] = int((~keep).sum())
        work = work[keep]
    if "employed" not in work.columns and OES_EMPLOYED in work.columns:
        text = work[OES_EMPLOYED].astype(str).str.strip()
        work["employed"] = text.where(~text.isin(["**", "*", "#", "-", ""]), "").str.replace(",", "", regex=False)
    codes = work[column].astype(str).str.strip().str[:7]
    pairs = reference.crosswalk()
    targets = pairs.groupby("soc2010")["isco08"].apply(list).to_dict()
    matched = codes.map(lambda c: targets.get(c, []))
    missing = matched.str.len() == 0
    report["unmatched_soc"] = sorted(set(codes[missing]))
    if unmatched == "drop" and missing.any():
        numbers_all = pd.to_numeric(work["employed"], errors="coerce").fillna(0)
        total_all = float(numbers_all.sum())
        report.update(unmatched_rows_dropped=int(missing.sum()),
                      unmatched_employment_share=float(numbers_all[missing].sum()) / total_all if total_all else None)
        work, codes, matched = work[~missing], codes[~missing], matched[~missing]
    expanded = work.assign(_targets=matched).explode("_targets")
    weight = 1.0 / expanded.groupby(level=0)["_targets"].transform("size").astype(float)
    numbers = pd.to_numeric(expanded["employed"], errors="coerce")
    split_mask = expanded.groupby(level=0)["_targets"].transform("size") > 1
    employed_total = float(pd.to_numeric(work["employed"], errors="coerce").fillna(0).sum())
    split_total = float(numbers[split_mask].fillna(0).groupby(level=0).first().sum())
    report.update(soc_rows=int(len(work)), rows_split=int(split_mask.groupby(level=0).first().sum()),
                  employment_split_share=split_total / employed_total if employed_total else None)
    expanded["isco08"] = expanded["_targets"].fillna(expanded[column].astype(str))
    expanded["employed"] = (numbers * weight).map(lambda v: "" if pd.isna(v) else repr(float(v))).where(
        numbers.notna(), expanded["employed"])
    return expanded.drop(columns=["_targets"]), report


_BLANK = object()


def _is_blank(value: object) -> bool:
    return value is None or (isinstance(value, float) and np.isnan(value)) or str(value).strip() in ("", "nan", "NaN")


def _by_distinct(frame: pd.DataFrame, column: str, normalise, message: str,
                 problems: list[CellProblem]) -> pd.Categorical | None:
    """Normalise a column once per distinct value into a sorted categorical; blank or invalid cells
    become problems with their rows (and None is returned)."""
    codes, uniques = pd.factorize(frame[column], use_na_sentinel=True)
    mapped = np.empty(len(uniques) + 1, dtype=object)
    for i, value in enumerate(uniques):
        mapped[i] = _BLANK if _is_blank(value) else normalise(value)
    mapped[-1] = _BLANK  # the NA sentinel (-1) points here
    blank = np.fromiter((v is _BLANK for v in mapped), bool, len(mapped))[codes]
    invalid = np.fromiter((v is None for v in mapped), bool, len(mapped))[codes]
    for mask, text in ((blank, MISSING_MESSAGES.get(column, MISSING_VALUE)), (invalid, message)):
        if mask.any():
            raw = frame[column].to_numpy()[mask]
            problems.extend(CellProblem(row, column, str(value), text, {"value": str(value).strip()})
                            for row, value in zip(frame.index[mask], raw, strict=True))
    if problems:
        return None
    # Categorical with sorted categories: later grouping works on integer codes, not strings.
    categories = sorted({str(v) for v in mapped[:-1]})
    position = {c: i for i, c in enumerate(categories)}
    recode = np.array([position.get(str(v), -1) for v in mapped], dtype=np.int64)
    return pd.Categorical.from_codes(recode[codes], categories=categories)


def _core_number(text: str) -> float:
    """A cell by the core's number parser ('1 234,5', '1,234.5'); NaN where it is no number or is ambiguous."""
    try:
        return float(parse_number(text, minimum=None))
    except CellError:
        return float("nan")


def _employed(frame: pd.DataFrame, problems: list[CellProblem]) -> np.ndarray:
    """The employed column as float64; missing, non-numeric, infinite and negative cells are Problems."""
    raw = frame["employed"]
    if pd.api.types.is_numeric_dtype(raw) and not pd.api.types.is_bool_dtype(raw):
        numbers = raw.to_numpy(np.float64, na_value=np.nan)
        blank = np.isnan(numbers)
        bad = np.isinf(numbers)
    else:
        numbers = pd.to_numeric(raw, errors="coerce").to_numpy(np.float64, na_value=np.nan).copy()
        retry = np.isnan(numbers)
        blank = np.zeros(len(raw), bool)
        if retry.any():  # spaces, separators and decimal commas by the core's parser, once per distinct cell
            cells = raw[retry].astype(str).to_numpy()
            read = {text: _core_number(text) for text in set(cells)}
            numbers[retry] = [read[text] for text in cells]
            blank[retry] = [_is_blank(v) or is_missing(v) for v in raw.to_numpy()[retry]]
        bad = (np.isnan(numbers) & ~blank) | np.isinf(numbers)
    negative = numbers < 0
    raw_values = raw.to_numpy()
    for mask, text in ((blank, N_("The number employed is missing.")), (bad, N_("'%(value)s' is not a number.")),
                       (negative, N_("'%(value)s' is negative: a count of workers cannot be."))):
        for i in np.flatnonzero(mask):
            problems.append(CellProblem(frame.index[i], "employed", str(raw_values[i]), text,
                                    {"value": str(raw_values[i]).strip()}))
    return numbers


@lru_cache(maxsize=1)
def _known_codes() -> frozenset[str]:
    return frozenset(reference.isco_titles().index)


def _isco(value: object) -> str | None:
    code = str(value).strip()
    return code if code in _known_codes() else None


def _region(value: object) -> str | None:
    from qorgau.aiwork.places import region_kato

    return region_kato(value, region_codes())


def _sector(value: object) -> str | None:
    value = str(value).strip().upper()
    if value in SECTIONS:
        return value
    if _OKED_NUMERIC.match(value):
        return _SECTION_BY_DIVISION.get(value[:2])
    return None


def _unknown_or(rule):
    """Accept the explicit value 'unknown' in a known dimension, otherwise apply the rule."""
    return lambda v: "unknown" if str(v).strip().casefold() == "unknown" else rule(v)


MISSING_VALUE = N_("The value is missing; write it, or 'unknown'.")
MISSING_MESSAGES = {"isco08": N_("The ISCO-08 code is missing.")}
DIMENSION_RULES = {
    "region": (_unknown_or(_region),
               N_("'%(value)s' is not one of Kazakhstan's 20 regions (a 9-digit KATO code, its 2-digit prefix, or "
                  "the region's name in Kazakh, Russian or English).")),
    "sector": (_unknown_or(_sector), N_("'%(value)s' is not an OKED section (A-U) or OKED code.")),
    "sex": (_unknown_or(lambda v: SEX_VALUES.get(str(v).strip().casefold())),
            N_("'%(value)s' is not a sex (female or male).")),
}


def validate(frame: pd.DataFrame, *, dims: Sequence[str] = ()) -> pd.DataFrame:
    """Check and normalise a table: isco08 (str), employed (float) and the `dims` columns.

    Raises EmploymentInputError naming row and column of every bad cell: unknown ISCO-08 codes, missing or
    non-numeric or negative counts, missing dimension values, invalid region (KATO) / sector (OKED) / sex.
    Region values become first-level KATO codes, sector values OKED section letters, sex female/male;
    other dimensions are kept as stripped text. Text columns come back as categoricals with sorted
    categories (fast grouping); the index (row labels) is kept.
    """
    problems: list[CellProblem] = []
    for column in dict.fromkeys((*REQUIRED, *dims)):
        if column not in frame.columns:
            problems.append(CellProblem("header", column, "", N_("The column %(column)s is missing."), {"column": column}))
    if problems:
        raise EmploymentInputError(problems)
    out = pd.DataFrame(index=frame.index)
    out["isco08"] = _by_distinct(frame, "isco08", _isco,
                                 N_("'%(value)s' is not an ISCO-08 code (1 to 4 digits, e.g. 2, 24, 241 or 2411)."),
                                 problems)
    out["employed"] = _employed(frame, problems)
    for dim in dims:
        normalise, message = DIMENSION_RULES.get(dim, (lambda v: str(v).strip(), ""))
        out[dim] = _by_distinct(frame, dim, normalise, message, problems)
    if problems:
        position = {label: i for i, label in enumerate(frame.index)}
        columns = {name: i for i, name in enumerate(frame.columns)}
        problems.sort(key=lambda p: (position.get(p.row, -1), columns.get(p.column, -1)))
        raise EmploymentInputError(problems, total=len(problems))
    return out


@dataclass(frozen=True)
class SplitWeights:
    """Row i: how one worker coded `codes[i]` is shared among `units` (rows sum to 1)."""

    codes: tuple[str, ...]
    units: tuple[str, ...]
    matrix: np.ndarray
    method: str
    notes: tuple[str, ...] = ()

    def row_of(self) -> dict[str, int]:
        return {code: i for i, code in enumerate(self.codes)}


def split_weights(method: str = "equal", reference_counts: Mapping[str, float] | pd.Series | None = None) -> SplitWeights:
    """Weights that split a code at level 1-3 across its unit groups.

    - "equal": equally across all unit groups beneath the code (scored or not: unscored groups keep
      their share, reported as unscored).
    - "reference" (and "table", where the caller passes the table's own unit-group totals): in proportion
      to `reference_counts` (employment by unit group); where those are all zero under a code, equally
      (and a note says so). Unit groups are weighted as themselves (identity) in every method.
    """
    if method not in SPLIT_METHODS:
        raise ValueError(f"split method must be one of {', '.join(SPLIT_METHODS)}, not {method!r}")
    codes, units, members = _membership()
    if method == "equal":
        ref = np.ones(len(units))
    else:
        if reference_counts is None:
            raise ValueError("split method 'reference' needs reference_counts (employment by unit group)")
        series = pd.Series(reference_counts, dtype=float)
        ref = series.reindex(np.asarray(units)).fillna(0.0).clip(lower=0.0).to_numpy()
    weighted = members * ref[None, :]
    totals = weighted.sum(axis=1)
    empty = totals <= 0
    weighted[empty] = members[empty]
    matrix = weighted / weighted.sum(axis=1, keepdims=True)
    notes = [f"{codes[i]}: no reference employment beneath it, split equally"
             for i in np.flatnonzero(empty) if method != "equal" and len(codes[i]) < 4]
    return SplitWeights(codes, units, matrix, method, tuple(notes))


@lru_cache(maxsize=1)
def _membership() -> tuple[tuple[str, ...], tuple[str, ...], np.ndarray]:
    """All ISCO codes, the unit groups, and which unit groups lie beneath each code (0/1 matrix)."""
    codes = tuple(reference.isco_titles().index)
    units = reference.unit_groups()
    members = np.array([[u.startswith(code) for u in units] for code in codes], dtype=np.float64)
    members.setflags(write=False)
    return codes, units, members


@lru_cache(maxsize=1)
def equal_weights() -> SplitWeights:
    """The default split (cached)."""
    return split_weights("equal")


def table_reference(table: pd.DataFrame) -> pd.Series:
    """The table's own employment by unit group, from its 4-digit rows only (for split method 'table')."""
    detail = table[table["isco08"].str.len() == 4]
    return detail.groupby("isco08")["employed"].sum()


def resolve_weights(table: pd.DataFrame, split: str = "equal",
                    reference_counts: Mapping[str, float] | pd.Series | None = None) -> SplitWeights:
    """The weights for a validated table under a split method."""
    if split == "equal":
        return equal_weights()
    if split == "table":
        return split_weights("table", table_reference(table))
    return split_weights("reference", reference_counts)


def to_unit_groups(table: pd.DataFrame, *, by: Sequence[str] = (), split: str = "equal",
                   reference_counts: Mapping[str, float] | pd.Series | None = None) -> pd.DataFrame:
    """Employment by group x unit group after splitting higher-level codes (long form, non-zero cells)."""
    weights = resolve_weights(table, split, reference_counts)
    gid, groups = group_ids(table, by)
    code_idx, used = code_index(table, weights)
    counts = np.bincount(gid * len(used) + code_idx, weights=table["employed"].to_numpy(),
                         minlength=len(groups) * len(used)).reshape(len(groups), len(used))
    by_unit = counts @ weights.matrix[used]
    g, u = np.nonzero(by_unit)
    out = groups.iloc[g].reset_index(drop=True) if by else pd.DataFrame(index=range(len(g)))
    out["isco08"] = np.asarray(weights.units)[u]
    out["employed"] = by_unit[g, u]
    return out


def group_ids(table: pd.DataFrame, by: Sequence[str]) -> tuple[np.ndarray, pd.DataFrame]:
    """Dense group number per row and the distinct groups (sorted) as a frame."""
    if not by:
        return np.zeros(len(table), dtype=np.int64), pd.DataFrame(index=[0])
    grouped = table.groupby(list(by), sort=True, dropna=False, observed=True)
    gid = grouped.ngroup().to_numpy()
    groups = grouped.size().index.to_frame(index=False)
    return gid, groups


def code_index(table: pd.DataFrame, weights: SplitWeights) -> tuple[np.ndarray, np.ndarray]:
    """Per row: the index into the distinct codes used; and those codes' rows in the weight matrix."""
    local, uniques = pd.factorize(table["isco08"])
    rows = weights.row_of()
    return local, np.array([rows[c] for c in uniques], dtype=np.int64)
