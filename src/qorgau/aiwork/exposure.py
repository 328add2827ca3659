"""Jobs exposed to generative AI by ILO 2025 class, per any dimension and their crossings (vectorised).

The gradient rule itself lives in `gradients` and is re-exported here. Every aggregate carries the
source index and year; unscored unit groups are counted as `unscored`, never guessed.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from functools import lru_cache

import numpy as np
import pandas as pd

from qorgau.aiwork import reference
from qorgau.aiwork.employment import (
    SplitWeights,
    code_index,
    group_ids,
    resolve_weights,
    to_unit_groups,
    validate,
)
from qorgau.aiwork.gradients import (  # noqa: F401 - the rule is part of this module's interface
    CLASS_LABELS,
    CLASSES,
    COLUMNS,
    EXPOSED,
    SOURCE,
    UNSCORED,
    explain,
    gradient,
    occupation_classes,
)

SOURCE_YEAR = 2025


@lru_cache(maxsize=1)
def _unit_profile() -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Per unit group: one-hot class (436 x 7), ILO 2025 mean (0 where unscored), scored flag."""
    classes = occupation_classes()
    onehot = (classes.to_numpy()[:, None] == np.asarray(COLUMNS)[None, :]).astype(np.float64)
    scores = reference.ilo_scores()["mean_2025"].reindex(classes.index)
    return onehot, scores.fillna(0.0).to_numpy(), scores.notna().to_numpy().astype(np.float64)


def code_profiles(weights: SplitWeights, rows: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """For the given rows of `weights`: class shares (n x 7), expected score mass, scored share."""
    onehot, score, scored = _unit_profile()
    matrix = weights.matrix[rows]
    return matrix @ onehot, matrix @ (score * scored), matrix @ scored


def aggregate(table: pd.DataFrame, *, by: Sequence[str] = (), split: str = "equal",
              reference_counts: Mapping[str, float] | pd.Series | None = None) -> pd.DataFrame:
    """Employment by ILO class for each group of `by` (a validated table; see `employment.validate`).

    Columns: the `by` columns, employed, not_exposed, minimal, 1-4, unscored, exposed (gradients 1-4),
    share_* of employed for each class and for exposed, and mean_score (ILO 2025 mean task score averaged
    over the group's scored jobs). Sum of classes plus unscored equals employed in every row.
    """
    by = list(by)
    missing = [b for b in by if b not in table.columns]
    if missing:
        raise ValueError(f"the table has no column {', '.join(missing)} to group by; validate it with those dims")
    weights = resolve_weights(table, split, reference_counts)
    gid, groups = group_ids(table, by)
    code_idx, used = code_index(table, weights)
    shares, score_mass, scored_share = code_profiles(weights, used)
    n_groups, n_codes = len(groups), len(used)
    counts = np.bincount(gid * n_codes + code_idx, weights=table["employed"].to_numpy(np.float64),
                         minlength=n_groups * n_codes).reshape(n_groups, n_codes)
    by_class = counts @ shares
    out = groups.reset_index(drop=True) if by else pd.DataFrame(index=range(1))
    employed = counts.sum(axis=1)
    out["employed"] = employed
    for j, column in enumerate(COLUMNS):
        out[column] = by_class[:, j]
    out["exposed"] = out[list(EXPOSED)].sum(axis=1)
    with np.errstate(invalid="ignore", divide="ignore"):
        for column in (*COLUMNS, "exposed"):
            out[f"share_{column}"] = np.where(employed > 0, out[column] / employed, np.nan)
        scored_jobs = counts @ scored_share
        out["mean_score"] = np.where(scored_jobs > 0, (counts @ score_mass) / scored_jobs, np.nan)
    out.attrs.update(source=SOURCE, source_year=SOURCE_YEAR, split=weights.method, notes=list(weights.notes))
    return out


def analyse(frame: pd.DataFrame, *, by: Sequence[str] = (), split: str = "equal",
            reference_counts: Mapping[str, float] | pd.Series | None = None) -> pd.DataFrame:
    """Validate a raw table (strings as read from a file) and aggregate it."""
    table = validate(frame, dims=list(by))
    return aggregate(table, by=by, split=split, reference_counts=reference_counts)


def to_records(result: pd.DataFrame, by: Sequence[str] = ()) -> list[dict]:
    """The CLI/API shape: [{"group", "employed", "by_gradient": {class: jobs}, "unscored"}]."""
    records = []
    columns = {c: result[c].to_numpy(np.float64) for c in (*CLASSES, UNSCORED, "employed")}
    group_values = {b: result[b].astype(str).to_numpy() for b in by}
    for i in range(len(result)):
        records.append({
            "group": {b: group_values[b][i] for b in by},
            "employed": float(columns["employed"][i]),
            "by_gradient": {c: float(columns[c][i]) for c in CLASSES},
            "unscored": float(columns[UNSCORED][i]),
        })
    return records


def occupations(table: pd.DataFrame, *, by: Sequence[str] = (), split: str = "equal",
                reference_counts: Mapping[str, float] | pd.Series | None = None) -> pd.DataFrame:
    """Employment per unit group (after splits) with its class, ILO 2025 mean and SD, and English title."""
    units = to_unit_groups(table, by=by, split=split, reference_counts=reference_counts)
    classes = occupation_classes()
    scores = reference.ilo_scores()
    units["class"] = classes.reindex(units["isco08"]).to_numpy()
    units["mean_2025"] = scores["mean_2025"].reindex(units["isco08"]).to_numpy()
    units["sd_2025"] = scores["sd_2025"].reindex(units["isco08"]).to_numpy()
    units["title_en"] = reference.isco_titles()["title_en"].reindex(units["isco08"]).to_numpy()
    return units


def top_occupations(table: pd.DataFrame, *, n: int = 10, classes: Sequence[str] = EXPOSED,
                    split: str = "equal") -> pd.DataFrame:
    """The unit groups in `classes` holding the most jobs (ties: higher ILO mean score first)."""
    units = occupations(table, split=split)
    chosen = units[units["class"].isin(list(classes))]
    ranked = chosen.sort_values(["employed", "mean_2025", "isco08"], ascending=[False, False, True])
    return ranked.head(n).reset_index(drop=True)


def rank_groups(table: pd.DataFrame, dimension: str, *, classes: Sequence[str] = EXPOSED,
                split: str = "equal") -> pd.DataFrame:
    """Groups of one dimension (e.g. sector, region) by their share of jobs in `classes`, highest first."""
    result = aggregate(table, by=[dimension], split=split)
    result["share_selected"] = result[list(classes)].sum(axis=1) / result["employed"].where(result["employed"] > 0)
    return result.sort_values(["share_selected", dimension], ascending=[False, True]).reset_index(drop=True)


def gender_gap(table: pd.DataFrame, *, by: Sequence[str] = (), split: str = "equal") -> pd.DataFrame:
    """Women vs men: share of each sex's jobs per class, and the female/male ratio, per group of `by`."""
    result = aggregate(table, by=[*by, "sex"], split=split)
    result = result[result["sex"].isin(["female", "male"])].copy()
    key = list(by) or ["_all"]
    if not by:
        result["_all"] = "all"
    shares = [f"share_{c}" for c in (*COLUMNS, "exposed")]
    wide = result.pivot(index=key, columns="sex", values=shares)
    wide.columns = [f"{sex}_{share}" for share, sex in wide.columns]
    for column in (*COLUMNS, "exposed"):
        female, male = wide.get(f"female_share_{column}"), wide.get(f"male_share_{column}")
        if female is not None and male is not None:
            wide[f"ratio_{column}"] = female / male.where(male > 0)
    out = wide.reset_index()
    return out.drop(columns="_all") if not by else out
