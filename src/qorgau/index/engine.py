"""Composite scores from a table of indicators: screening, imputation, outliers, normalisation, aggregation.

Order of steps (as in COINr): screen entities by data coverage -> impute raw values -> treat outliers
-> normalise onto 0-100 (100 = safest) -> impute in normalised space (pillar_mean) -> aggregate
indicators into pillars and pillars into the index with the same method -> rank. Entities below the
methodology's minimum coverage are "insufficient data": left out of every later step, not ranked.
The aggregation kernel `aggregate` is vectorised over weight replications and is shared with the
Monte Carlo, so a point score and a replication with the nominal choices are computed identically.
docs/index/methodology.md gives every formula.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field, replace

import numpy as np
import pandas as pd

from qorgau.core.i18n_markers import N_
from qorgau.core.imports.cells import CellError, is_missing, parse_number
from qorgau.index.methodology import Indicator, Methodology, Missing, Outliers
from qorgau.index.states import ScoreStatus

ENTITY = "entity_id"
STATUSES = {ScoreStatus.RANKED: N_("ranked"), ScoreStatus.INSUFFICIENT_DATA: N_("insufficient data")}
TIE_TOLERANCE = 1e-9  # scores closer than this (on 0-100) are ties, so float noise never reorders them


class DataError(ValueError):
    """Bad indicator data; lists every problem with its row (1 = header) and column."""

    def __init__(self, problems: list[tuple[int, str, str]]):
        self.problems = problems
        shown = [f"row {row}, column {column!r}: {message}" if row else f"column {column!r}: {message}"
                 for row, column, message in problems[:20]]
        more = f" (and {len(problems) - 20} more)" if len(problems) > 20 else ""
        super().__init__("; ".join(shown) + more)


@dataclass
class Prepared:
    """Validated data: every entity's raw values, and which entities have enough data to be ranked."""

    methodology: Methodology
    entity_ids: list[str]
    raw: np.ndarray  # (entities, indicators), NaN where missing
    groups: dict[str, np.ndarray]  # group column -> label per entity ("" when unknown)
    eligible: np.ndarray  # bool per entity

    @property
    def n_observed(self) -> np.ndarray:
        return (~np.isnan(self.raw)).sum(axis=1)

    @property
    def coverage(self) -> np.ndarray:
        return self.n_observed / max(self.counted_indicators, 1)

    @property
    def counted_indicators(self) -> int:
        """The indicators coverage is counted against (see Methodology.coverage_of)."""
        if self.methodology.coverage_of == "available":
            return int((~np.isnan(self.raw)).any(axis=0).sum())
        return self.raw.shape[1]

    def eligible_raw(self) -> np.ndarray:
        return self.raw[self.eligible]

    def eligible_groups(self) -> dict[str, np.ndarray]:
        return {name: labels[self.eligible] for name, labels in self.groups.items()}


def _cell(text: str) -> tuple[float, str]:
    """(value, problem) of one indicator cell: a number by the core's parser ('1 234,5', '1,234.5'; an ambiguous
    '1,500' is refused), NaN for a blank or a declared missing marker (':', 'n/a', dashes), else a problem."""
    try:
        return float(parse_number(text, minimum=None)), ""
    except CellError as error:
        if is_missing(text):
            return float("nan"), ""
        if text.strip().lower().lstrip("+-") in ("inf", "infinity"):
            return float("inf"), ""  # reported as an infinite value below
        return float("nan"), str(error)


def _column(series: pd.Series, indicator: Indicator, problems: list[tuple[int, str, str]]) -> np.ndarray:
    """One indicator column as floats (NaN = missing), recording bad cells in `problems`."""
    if pd.api.types.is_numeric_dtype(series) and not pd.api.types.is_bool_dtype(series):
        values = series.to_numpy(dtype=float, na_value=np.nan)
    else:
        cells = series.astype(object).where(series.notna(), "").astype(str).to_numpy()
        read = {text: _cell(text) for text in set(cells)}  # the core's cell parsers, once per distinct cell
        values = np.array([read[text][0] for text in cells], dtype=float)
        for n, text in enumerate(cells):
            if read[text][1]:
                problems.append((n + 2, indicator.id, read[text][1]))
    values = np.array(values, dtype=float)  # a writable copy (pandas hands out read-only views)
    for n in np.flatnonzero(np.isinf(values)):
        problems.append((int(n) + 2, indicator.id, "infinite value"))
    if indicator.valid_range:
        low, high = indicator.valid_range
        for n in np.flatnonzero((values < low) | (values > high)):
            problems.append((int(n) + 2, indicator.id,
                             f"{values[n]:g} is outside the valid range {low:g} to {high:g}"))
    values[np.isinf(values)] = np.nan
    return values


def group_columns(methodology: Methodology, imputations: tuple[str, ...] = ()) -> set[str]:
    """Data columns that name groups, needed by group_median rules (nominal or Monte Carlo alternatives)."""
    needed = {i.missing.group for i in methodology.indicators if i.missing.method == "group_median"}
    if "group_median" in imputations:
        needed |= {i.missing.group for i in methodology.indicators}
    return needed


def prepare(data: pd.DataFrame, methodology: Methodology, *, imputations: tuple[str, ...] = ()) -> Prepared:
    """Validate the table (entity_id + one column per indicator) and screen entities by coverage."""
    problems: list[tuple[int, str, str]] = []
    frame = data.rename(columns=lambda c: str(c).strip().lower())
    if ENTITY not in frame.columns:
        raise DataError([(0, ENTITY, "missing: the table needs an entity_id column")])
    for indicator in methodology.indicators:
        if indicator.id not in frame.columns:
            problems.append((0, indicator.id, "missing: the methodology needs this indicator"))
    for name in sorted(group_columns(methodology, imputations)):
        if name not in frame.columns:
            problems.append((0, name, "missing: needed to impute by group median"))
    if problems:
        raise DataError(problems)

    ids = [("" if v is None or (isinstance(v, float) and math.isnan(v)) else str(v).strip())
           for v in frame[ENTITY].tolist()]
    first_row: dict[str, int] = {}
    for n, ident in enumerate(ids):
        row = n + 2
        if not ident:
            problems.append((row, ENTITY, "empty entity_id"))
        elif ident in first_row:
            problems.append((row, ENTITY, f"duplicate entity_id {ident!r} (first on row {first_row[ident]})"))
        else:
            first_row[ident] = row
    raw = np.full((len(ids), len(methodology.indicators)), np.nan)
    for j, indicator in enumerate(methodology.indicators):
        raw[:, j] = _column(frame[indicator.id], indicator, problems)
    if problems:
        raise DataError(problems)
    groups = {name: np.array(["" if pd.isna(v) else str(v).strip() for v in frame[name].tolist()], dtype=object)
              for name in group_columns(methodology, imputations)}
    prepared = Prepared(methodology=methodology, entity_ids=ids, raw=raw, groups=groups,
                        eligible=np.zeros(len(ids), dtype=bool))
    observed = (~np.isnan(raw)).sum(axis=1)
    prepared.eligible = (observed >= 1) & (prepared.coverage >= methodology.min_coverage - 1e-12)
    return prepared


# ---------------------------------------------------------------- imputation and outliers


def impute_raw(raw: np.ndarray, methodology: Methodology, groups: dict[str, np.ndarray],
               override: str = "nominal") -> tuple[np.ndarray, np.ndarray]:
    """Fill missing raw values by each indicator's rule (or `override`); returns values and imputed mask."""
    filled = raw.copy()
    for j, indicator in enumerate(methodology.indicators):
        rule = _rule(indicator, override)
        column = filled[:, j]
        missing = np.isnan(column)
        observed = column[~missing]
        if not missing.any() or rule.method in ("exclude", "pillar_mean"):
            continue
        if rule.method == "value":
            column[missing] = rule.value
        elif observed.size == 0:
            continue  # nothing to impute from: stays missing, i.e. excluded
        elif rule.method == "mean":
            column[missing] = observed.mean()
        elif rule.method == "median":
            column[missing] = np.median(observed)
        elif rule.method == "worst":
            column[missing] = observed.max() if not indicator.higher_is_better else observed.min()
        elif rule.method == "group_median":
            labels = groups[rule.group]
            overall = np.median(observed)
            for label in np.unique(labels[missing]):
                in_group = (labels == label) & ~missing
                value = np.median(column[in_group]) if label and in_group.any() else overall
                column[missing & (labels == label)] = value
    return filled, np.isnan(raw) & ~np.isnan(filled)


def _rule(indicator: Indicator, override: str) -> Missing:
    if override in ("nominal", None):
        return indicator.missing
    return Missing(method=override, group=indicator.missing.group)


def skewness(x: np.ndarray) -> float:
    """Sample skewness G1 (Excel, e1071 type 2, as COINr)."""
    from scipy import stats  # imported when used: the web app starts without it
    return float(stats.skew(x, bias=False)) if x.size >= 3 and np.ptp(x) > 0 else 0.0


def kurtosis(x: np.ndarray) -> float:
    """Sample excess kurtosis G2 (Excel, e1071 type 2, as COINr)."""
    from scipy import stats  # imported when used: the web app starts without it
    return float(stats.kurtosis(x, fisher=True, bias=False)) if x.size >= 4 and np.ptp(x) > 0 else 0.0


def treat_outliers(column: np.ndarray, rule: Outliers) -> tuple[np.ndarray, dict]:
    """Winsorise or transform one indicator's values (NaN kept); returns values and what was done."""
    result = column.copy()
    present = ~np.isnan(result)
    x = result[present]
    info: dict = {"method": rule.method, "winsorised": 0, "transform": None}
    if rule.method == "quantile" and x.size:
        low, high = np.quantile(x, [rule.lower, rule.upper])
        clipped = np.clip(x, low, high)
        info["winsorised"] = int((clipped != x).sum())
        result[present] = clipped
    elif rule.method == "skew_kurtosis" and x.size >= 4:
        def passes(values: np.ndarray) -> bool:
            return abs(skewness(values)) < rule.skew or kurtosis(values) < rule.kurtosis

        info.update(skew=skewness(x), kurtosis=kurtosis(x))
        treated = x.copy()
        # COINr's winsorise(): replace the extreme point(s) on the skewed side by the next value, repeat.
        while not passes(treated) and info["winsorised"] < rule.max_points:
            high_side = skewness(treated) >= 0
            extreme = treated.max() if high_side else treated.min()
            at = treated == extreme
            if at.all():
                break
            treated[at] = treated[~at].max() if high_side else treated[~at].min()
            info["winsorised"] += int(at.sum())
        if not passes(treated) and rule.transform == "log":
            # COINr's log_CT on the original values; mirrored for negative skew so the order is kept.
            span = x.max() - x.min()
            if skewness(x) >= 0:
                treated = np.log(x - x.min() + 0.01 * span)
            else:
                treated = -np.log(x.max() - x + 0.01 * span)
            info.update(winsorised=0, transform="log")
        result[present] = treated
    return result, info


# ---------------------------------------------------------------- normalisation


def normalise(column: np.ndarray, indicator: Indicator, method: str = "nominal") -> np.ndarray:
    """Map one indicator's values onto 0-100, 100 = best; NaN stays NaN. Degenerate cases give 50."""
    from scipy import stats  # imported when used: the web app starts without it
    spec = indicator.normalisation if method == "nominal" else replace(indicator.normalisation, method=method)
    out = np.full(column.shape, np.nan)
    present = ~np.isnan(column)
    if not present.any():
        return out
    x = column[present]
    good = x if indicator.higher_is_better else -x  # oriented: larger is safer
    if spec.method == "minmax":
        low, high = good.min(), good.max()
        span = high - low
        out[present] = 50.0 if span <= 1e-12 * max(1.0, abs(high)) else 100.0 * (good - low) / span
    elif spec.method == "zscore":
        sd = good.std(ddof=1) if good.size > 1 else 0.0
        out[present] = spec.centre if sd <= 0 else np.clip(spec.centre + spec.scale * (good - good.mean()) / sd,
                                                           0.0, 100.0)
    elif spec.method == "rank":
        ranks = stats.rankdata(good, method="average")
        out[present] = 50.0 if good.size == 1 else 100.0 * (ranks - 1) / (good.size - 1)
    elif spec.method == "distance_to_target":
        assert spec.target is not None  # the methodology's validation guarantees it
        target = spec.target if indicator.higher_is_better else -spec.target
        worst = good.min()
        out[present] = 100.0 if target - worst <= 0 else 100.0 * np.clip((good - worst) / (target - worst), 0, 1)
    elif spec.method == "goalposts":
        assert spec.worst is not None and spec.best is not None
        out[present] = 100.0 * np.clip((x - spec.worst) / (spec.best - spec.worst), 0.0, 1.0)
    else:  # pragma: no cover - methodology validation rejects other names
        raise ValueError(f"unknown normalisation {spec.method!r}")
    return np.clip(out, 0.0, 100.0)  # rounding can leave 100.00000000000001


@dataclass
class Variant:
    """Normalised values of the eligible entities under one imputation and one normalisation choice."""

    values: np.ndarray  # (entities, indicators) on 0-100, NaN where left out
    treated: np.ndarray  # raw values after imputation and outlier treatment
    imputed: np.ndarray  # bool
    treatment: dict[str, dict] = field(default_factory=dict)


def build_variant(raw: np.ndarray, methodology: Methodology, groups: dict[str, np.ndarray], *,
                  imputation: str = "nominal", normalisation: str = "nominal") -> Variant:
    """Impute, treat outliers, normalise and (for pillar_mean) impute in normalised space."""
    filled, imputed = impute_raw(raw, methodology, groups, imputation)
    treated = np.empty_like(filled)
    values = np.empty_like(filled)
    treatment = {}
    for j, indicator in enumerate(methodology.indicators):
        treated[:, j], treatment[indicator.id] = treat_outliers(filled[:, j], indicator.outliers)
        values[:, j] = normalise(treated[:, j], indicator, normalisation)
    pillar_of = np.array(methodology.pillar_index())
    weights = np.array([i.weight for i in methodology.indicators])
    base = values.copy()  # pillar means use observed and raw-imputed values only
    for j, indicator in enumerate(methodology.indicators):
        if _rule(indicator, imputation).method != "pillar_mean":
            continue
        todo = np.isnan(values[:, j])
        same = (pillar_of == pillar_of[j]) & (np.arange(len(weights)) != j)
        present = ~np.isnan(base[:, same])
        total = present @ weights[same]
        mean = np.where(present, base[:, same], 0.0) @ weights[same] / np.where(total > 0, total, 1.0)
        fill = todo & (total > 0)
        values[fill, j] = mean[fill]
        imputed[fill, j] = True
    return Variant(values=values, treated=treated, imputed=imputed, treatment=treatment)


# ---------------------------------------------------------------- aggregation and ranking


def membership(methodology: Methodology) -> np.ndarray:
    """(indicators, pillars) one-hot matrix."""
    matrix = np.zeros((len(methodology.indicators), len(methodology.pillars)))
    matrix[np.arange(len(methodology.indicators)), methodology.pillar_index()] = 1.0
    return matrix


def to_aggregation_scale(values: np.ndarray, method: str, floor: float) -> np.ndarray:
    """What is averaged: the values themselves, or logs after mapping 0-100 onto floor-100 (geometric)."""
    present = ~np.isnan(values)
    x = np.where(present, values, 0.0)
    if method == "geometric":
        x = np.where(present, np.log(floor + x * (100.0 - floor) / 100.0), 0.0)
    return x


def aggregate(scaled: np.ndarray, present: np.ndarray, member: np.ndarray, indicator_weights: np.ndarray,
              pillar_weights: np.ndarray, method: str, *, pillars: bool = True) -> tuple[np.ndarray, np.ndarray | None]:
    """Scores (replications, entities) and pillar scores (entities, pillars, replications) or None.

    `scaled` comes from to_aggregation_scale; weights are (replications, indicators) and
    (replications, pillars), of any positive total. A missing indicator is left out and the weights
    of the others in its pillar rescaled; a pillar with no data is left out likewise. Entities with
    complete data take a shortcut: one matrix product with the effective weights.
    """
    n, k = scaled.shape
    reps, n_pillars = pillar_weights.shape
    # blocks[i, p * reps + r]: weight of indicator i in pillar p in replication r (0 outside its pillar)
    blocks = (member[:, :, None] * indicator_weights.T[:, None, :]).reshape(k, n_pillars * reps)
    pillar_total = blocks.sum(axis=0).reshape(n_pillars, reps)  # with every indicator present
    scores = np.empty((n, reps))
    complete = present.all(axis=1)
    if complete.any():
        share = pillar_weights.T / pillar_weights.sum(axis=1)  # (P, reps)
        effective = (blocks.reshape(k, n_pillars, reps) * (share / pillar_total)[None]).sum(axis=1)
        scores[complete] = scaled[complete] @ effective
    pillar_scores = None
    partial = ~complete
    if pillars or partial.any():
        rows = slice(None) if pillars else partial
        with np.errstate(invalid="ignore", divide="ignore"):
            pillar_scores = ((scaled[rows] @ blocks) / (present[rows].astype(float) @ blocks)
                             ).reshape(-1, n_pillars, reps)
        has = ~np.isnan(pillar_scores)
        weight = np.where(has, pillar_weights.T[None], 0.0)
        total = weight.sum(axis=1)
        combined = (weight * np.where(has, pillar_scores, 0.0)).sum(axis=1) / np.where(total > 0, total, np.nan)
        scores[partial] = combined[partial] if pillars else combined
    if method == "geometric":
        scores = np.exp(scores)
        if pillar_scores is not None:
            pillar_scores = np.exp(pillar_scores)
    return scores.T, (pillar_scores if pillars else None)


def rank_scores(scores: np.ndarray, ties: str = "min") -> np.ndarray:
    """Ranks along the last axis, 1 = highest score; ties ('min' or 'average') within TIE_TOLERANCE."""
    scores = np.atleast_2d(scores)
    order = np.argsort(-scores, axis=-1)  # tie order is irrelevant: ties share a rank
    ordered = np.take_along_axis(scores, order, axis=-1)
    n = ordered.shape[-1]
    position = np.broadcast_to(np.arange(n), ordered.shape)
    starts = np.ones(ordered.shape, dtype=bool)
    starts[..., 1:] = (ordered[..., :-1] - ordered[..., 1:]) > TIE_TOLERANCE
    first = np.maximum.accumulate(np.where(starts, position, 0), axis=-1)
    if ties == "average":
        ends = np.ones(ordered.shape, dtype=bool)
        ends[..., :-1] = starts[..., 1:]
        last = np.minimum.accumulate(np.where(ends, position, n - 1)[..., ::-1], axis=-1)[..., ::-1]
        ranked = (first + last) / 2.0 + 1.0
    else:
        ranked = first + 1.0
    ranks = np.empty(ordered.shape)
    np.put_along_axis(ranks, order, ranked, axis=-1)
    return ranks


def nominal_weights(methodology: Methodology) -> tuple[np.ndarray, np.ndarray]:
    """Indicator and pillar weights as (1, k) and (1, P) arrays."""
    return (np.array([[i.weight for i in methodology.indicators]]),
            np.array([[p.weight for p in methodology.pillars]]))


def contributions(values: np.ndarray, scores: np.ndarray, methodology: Methodology) -> np.ndarray:
    """Per-indicator contributions (entities, indicators) that sum to each score; NaN where left out.

    Arithmetic: effective weight x normalised value. Geometric: the score split in proportion to each
    indicator's share of log(score), i.e. effective weight x log(floor-mapped value).
    """
    present = ~np.isnan(values)
    member = membership(methodology)
    indicator_w, pillar_w = nominal_weights(methodology)
    within = present * indicator_w  # (n, k)
    pillar_total = within @ member  # (n, P)
    has = pillar_total > 0
    pillar_share = has * pillar_w / (has * pillar_w).sum(axis=1, keepdims=True)
    effective = within / np.where(pillar_total > 0, pillar_total, 1.0)[:, methodology.pillar_index()]
    effective = effective * pillar_share[:, methodology.pillar_index()]
    method, floor = methodology.aggregation.method, methodology.aggregation.floor
    if method == "arithmetic":
        result = effective * np.where(present, values, 0.0)
    else:
        logs = effective * to_aggregation_scale(values, "geometric", floor)
        total = logs.sum(axis=1, keepdims=True)
        share = np.divide(logs, total, out=effective.copy(), where=total > 0)
        result = share * scores[:, None]
    return np.where(present, result, np.nan)


# ---------------------------------------------------------------- the point computation


@dataclass
class IndexResult:
    """Scores, ranks and everything needed to explain them, for one methodology and one period."""

    methodology: Methodology
    entities: pd.DataFrame  # index entity_id: score, rank, status, coverage, n_observed, n_imputed
    pillars: pd.DataFrame  # eligible entities x pillars
    raw: pd.DataFrame  # all entities x indicators, as given
    treated: pd.DataFrame  # eligible entities, after imputation and outlier treatment
    normalised: pd.DataFrame  # eligible entities, 0-100
    contributions: pd.DataFrame  # eligible entities; rows sum to the score
    imputed: pd.DataFrame  # eligible entities, bool
    treatment: dict[str, dict]

    def records(self) -> list[dict]:
        """One dict per entity (ranked first, by rank), JSON-ready, NaN as None."""
        ranked = self.entities[self.entities["status"] == ScoreStatus.RANKED].sort_values(["rank", "score"],
                                                                                  ascending=[True, False])
        rest = self.entities[self.entities["status"] != ScoreStatus.RANKED]
        out = []
        for ident, row in pd.concat([ranked, rest]).iterrows():
            eligible = ident in self.normalised.index
            out.append({
                "entity_id": ident, "status": row["status"], "score": _clean(row["score"]),
                "rank": _clean(row["rank"]), "coverage": float(row["coverage"]),
                "pillars": {p: _clean(self.pillars.at[ident, p]) if eligible else None for p in self.pillars.columns},
                "indicators": {i: {"raw": _clean(self.raw.at[ident, i]),
                                   "normalised": _clean(self.normalised.at[ident, i]) if eligible else None,
                                   "imputed": bool(self.imputed.at[ident, i]) if eligible else False,
                                   "contribution": _clean(self.contributions.at[ident, i]) if eligible else None}
                               for i in self.raw.columns}})
        return out


def _clean(value: object) -> float | None:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return None
    number = float(value)  # type: ignore[arg-type]
    return int(number) if number.is_integer() and abs(number) < 2**53 else number


def compute(data: pd.DataFrame | Prepared, methodology: Methodology | None = None) -> IndexResult:
    """Scores, ranks, pillar scores and contributions from entity_id + one column per indicator."""
    if not isinstance(data, Prepared) and methodology is None:
        raise TypeError("compute() needs a methodology with a DataFrame")
    prepared = data if isinstance(data, Prepared) else prepare(data, methodology)  # type: ignore[arg-type]
    method = prepared.methodology
    ids = list(np.array(prepared.entity_ids, dtype=object)[prepared.eligible])
    variant = build_variant(prepared.eligible_raw(), method, prepared.eligible_groups())
    present = ~np.isnan(variant.values)
    indicator_w, pillar_w = nominal_weights(method)
    scaled = to_aggregation_scale(variant.values, method.aggregation.method, method.aggregation.floor)
    scores, pillars = aggregate(scaled, present, membership(method), indicator_w, pillar_w, method.aggregation.method)
    assert pillars is not None
    score = scores[0]
    rank = rank_scores(score, method.ties)[0] if len(ids) else np.array([])
    columns = method.indicator_ids
    entities = pd.DataFrame({"score": np.nan, "rank": np.nan, "status": ScoreStatus.INSUFFICIENT_DATA.value,
                             "coverage": prepared.coverage, "n_observed": prepared.n_observed, "n_imputed": 0},
                            index=pd.Index(prepared.entity_ids, name=ENTITY))
    entities.loc[ids, "score"] = score
    entities.loc[ids, "rank"] = rank
    entities.loc[ids, "status"] = ScoreStatus.RANKED.value
    entities.loc[ids, "n_imputed"] = variant.imputed.sum(axis=1)
    index = pd.Index(ids, name=ENTITY)
    return IndexResult(
        methodology=method, entities=entities,
        pillars=pd.DataFrame(pillars[:, :, 0], index=index, columns=[p.id for p in method.pillars]),
        raw=pd.DataFrame(prepared.raw, index=pd.Index(prepared.entity_ids, name=ENTITY), columns=columns),
        treated=pd.DataFrame(variant.treated, index=index, columns=columns),
        normalised=pd.DataFrame(variant.values, index=index, columns=columns),
        contributions=pd.DataFrame(contributions(variant.values, score, method), index=index, columns=columns),
        imputed=pd.DataFrame(variant.imputed, index=index, columns=columns),
        treatment=variant.treatment)
