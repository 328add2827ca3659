"""Reskilling pathways: rank target occupations by skill similarity, lower AI exposure and demand.

Skills: the 35 O*NET skills, importance x_o,k on O*NET's 1-5 scale, carried to ISCO-08 unit groups via
the BLS SOC<->ISCO crosswalk (data/PROVENANCE.md). Two similarity measures:

- "cosine" (default), centred: with v_o,k = x_o,k - xbar_k, where xbar_k is skill k's mean importance over
  the unit groups with measured (not imputed) skills, sim(A, B) = (v_A . v_B) / (|v_A| |v_B|), in [-1, 1].
  Centring matters: raw importance vectors share a common level and give cosines of about 0.95 for most
  pairs; centred, the measure compares skill profiles (what an occupation needs more or less than average).
- "dawson" (after Dawson, Williams & Rizoiu 2021 and Alabdulkareem et al. 2018, on O*NET importance
  instead of job-ad counts): revealed comparative advantage
  RCA(o, k) = (x_o,k / sum_k' x_o,k') / (sum_o' x_o',k / sum_o',k' x_o',k'); effective use e(o, k) = 1 if
  RCA(o, k) >= 1; skill complementarity
  theta(k, l) = sum_o e(o,k) e(o,l) / max(sum_o e(o,k), sum_o e(o,l)); and
  sim(A, B) = sum_{k,l} w_A,k theta(k, l) w_B,l / (sum_k w_A,k * sum_l w_B,l), with w_o,k = RCA(o,k) e(o,k):
  the RCA-weighted mean complementarity between A's and B's effectively used skills, in [0, 1].

Combined score = w_sim * max(similarity, 0) + w_exp * exposure_reduction + w_dem * demand, where
exposure_reduction = max(0, m_A - m_B) / m_A with m the ILO 2025 mean task score, and
demand = log(1 + E_B) / log(1 + max_o E_o) from the employment table when one is given (else w_dem is
dropped and the other weights rescaled to sum to 1). Default weights 0.7 / 0.2 / 0.1: skills first, as
a move the worker cannot make is no pathway.

By default no pathway leads to a lower ISCO-08 skill level (1-4, from the major group; sub-major group 14
is level 3): a union should not propose de-skilling as reskilling (Nesta's "desirable" transitions
likewise keep earnings). `allow_lower_skill_level=True` lifts this.

Skill gaps: skills where the target's importance exceeds the source's by at least `gap_margin`
(default 0.5 on the 1-5 scale), largest first.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from functools import lru_cache

import numpy as np
import pandas as pd

from qorgau.aiwork import reference
from qorgau.aiwork.gradients import SOURCE, class_rank, occupation_classes
from qorgau.core.i18n_markers import N_

METHODS = ("cosine", "dawson")
# The 35 O*NET skills as message ids, so the UI can show them in kk/ru.
SKILL_LABELS = {
    "Reading Comprehension": N_("Reading Comprehension"), "Active Listening": N_("Active Listening"),
    "Writing": N_("Writing"), "Speaking": N_("Speaking"), "Mathematics": N_("Mathematics"),
    "Science": N_("Science"), "Critical Thinking": N_("Critical Thinking"),
    "Active Learning": N_("Active Learning"), "Learning Strategies": N_("Learning Strategies"),
    "Monitoring": N_("Monitoring"), "Social Perceptiveness": N_("Social Perceptiveness"),
    "Coordination": N_("Coordination"), "Persuasion": N_("Persuasion"), "Negotiation": N_("Negotiation"),
    "Instructing": N_("Instructing"), "Service Orientation": N_("Service Orientation"),
    "Complex Problem Solving": N_("Complex Problem Solving"),
    "Operations Analysis": N_("Operations Analysis"), "Technology Design": N_("Technology Design"),
    "Equipment Selection": N_("Equipment Selection"), "Installation": N_("Installation"),
    "Programming": N_("Programming"), "Operation Monitoring": N_("Operation Monitoring"),
    "Operation and Control": N_("Operation and Control"),
    "Equipment Maintenance": N_("Equipment Maintenance"), "Troubleshooting": N_("Troubleshooting"),
    "Repairing": N_("Repairing"), "Quality Control Analysis": N_("Quality Control Analysis"),
    "Judgment and Decision Making": N_("Judgment and Decision Making"),
    "Systems Analysis": N_("Systems Analysis"), "Systems Evaluation": N_("Systems Evaluation"),
    "Time Management": N_("Time Management"),
    "Management of Financial Resources": N_("Management of Financial Resources"),
    "Management of Material Resources": N_("Management of Material Resources"),
    "Management of Personnel Resources": N_("Management of Personnel Resources"),
}
# ISCO-08 skill level by major group (ILO, ISCO-08 vol. 1, table 2); armed forces left out.
SKILL_LEVEL = {"1": 4, "2": 4, "3": 3, "4": 2, "5": 2, "6": 2, "7": 2, "8": 2, "9": 1}


def skill_level(code: str) -> int:
    """ISCO-08 skill level (1-4) of an occupation, from its major group (sub-major group 14: level 3)."""
    return 3 if code.startswith("14") else SKILL_LEVEL.get(code[:1], 0)
SKILL_SOURCE = N_("O*NET 23 skill importance (USDOL/ETA, CC BY 4.0), mapped to ISCO-08 with the BLS crosswalk")


class ReskillingError(ValueError):
    """The source occupation cannot be used (unknown code, not a unit group, or no skill data)."""


@dataclass(frozen=True)
class Weights:
    """Weights of the combined score (rescaled to sum to 1 over the terms available)."""

    similarity: float = 0.7
    exposure: float = 0.2
    demand: float = 0.1

    def effective(self, with_demand: bool) -> dict[str, float]:
        parts = {"similarity": self.similarity, "exposure": self.exposure,
                 "demand": self.demand if with_demand else 0.0}
        total = sum(parts.values())
        if total <= 0:
            raise ReskillingError("the weights must not all be zero")
        return {k: v / total for k, v in parts.items()}


@dataclass(frozen=True)
class SkillGap:
    skill: str
    source: float
    target: float
    gap: float


@dataclass(frozen=True)
class Pathway:
    isco08: str
    title: str
    similarity: float
    exposure_class: str
    mean_2025: float
    exposure_reduction: float
    demand: float | None
    score: float
    skills_imputed: bool
    skill_level: int
    job_zone_change: float | None
    gaps: tuple[SkillGap, ...] = field(default_factory=tuple)


@dataclass(frozen=True)
class ReskillingResult:
    source: dict
    method: str
    weights: dict[str, float]
    gap_margin: float
    pathways: tuple[Pathway, ...]
    sources: tuple[str, ...] = (SOURCE, SKILL_SOURCE)

    def to_dict(self) -> dict:
        return {"source": self.source, "method": self.method, "weights": self.weights,
                "gap_margin": self.gap_margin, "sources": list(self.sources),
                "pathways": [asdict(p) for p in self.pathways]}


def cosine_matrix(skills: pd.DataFrame, centre: np.ndarray | None = None) -> pd.DataFrame:
    """Pairwise cosine similarity of importance vectors minus `centre` (default: the column means)."""
    x = skills.to_numpy(float)
    v = x - (x.mean(axis=0) if centre is None else centre)
    norms = np.linalg.norm(v, axis=1)
    norms[norms == 0] = 1.0
    u = v / norms[:, None]
    return pd.DataFrame(np.clip(u @ u.T, -1.0, 1.0), index=skills.index, columns=skills.index)


def rca(skills: pd.DataFrame) -> pd.DataFrame:
    """Revealed comparative advantage of each skill in each occupation (importance as the 'quantity')."""
    x = skills.to_numpy(float)
    within = x / x.sum(axis=1, keepdims=True)
    overall = x.sum(axis=0) / x.sum()
    return pd.DataFrame(within / overall[None, :], index=skills.index, columns=skills.columns)


def complementarity(effective: np.ndarray) -> np.ndarray:
    """theta(k, l) = co-use count / max of the two skills' use counts (0 where a skill is never used)."""
    e = effective.astype(float)
    co = e.T @ e
    counts = e.sum(axis=0)
    denom = np.maximum(counts[:, None], counts[None, :])
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(denom > 0, co / denom, 0.0)


def dawson_matrix(skills: pd.DataFrame) -> pd.DataFrame:
    """Pairwise Dawson-style similarity (see the module docstring)."""
    r = rca(skills).to_numpy()
    e = r >= 1.0
    theta = complementarity(e)
    w = r * e
    totals = w.sum(axis=1)
    totals[totals == 0] = 1.0
    sim = (w @ theta @ w.T) / np.outer(totals, totals)
    return pd.DataFrame(np.clip(sim, 0.0, 1.0), index=skills.index, columns=skills.index)


@lru_cache(maxsize=2)
def similarity_matrix(method: str = "cosine") -> pd.DataFrame:
    """Similarity between all unit groups with skill data (cached; 435 x 435)."""
    if method not in METHODS:
        raise ReskillingError(f"method must be one of {', '.join(METHODS)}, not {method!r}")
    skills = reference.skill_matrix()
    measured = reference.skill_table()["imputed"] == 0
    if method == "cosine":
        return cosine_matrix(skills, skills[measured].to_numpy().mean(axis=0))
    return dawson_matrix(skills)


def skill_gaps(source: str, target: str, *, margin: float = 0.5) -> tuple[SkillGap, ...]:
    """Skills the target needs at least `margin` more than the source, largest gap first."""
    skills = reference.skill_matrix()
    diff = skills.loc[target] - skills.loc[source]
    chosen = diff[diff >= margin - 1e-9].sort_values(ascending=False, kind="stable")
    return tuple(SkillGap(k, float(skills.loc[source, k]), float(skills.loc[target, k]), round(float(v), 3))
                 for k, v in chosen.items())


def _demand(employment_by_unit: pd.Series | None, index: pd.Index) -> np.ndarray | None:
    if employment_by_unit is None:
        return None
    jobs = pd.Series(employment_by_unit, dtype=float).groupby(level=0).sum().reindex(index).fillna(0.0)
    top = float(jobs.max())
    return np.log1p(jobs.to_numpy()) / np.log1p(top) if top > 0 else np.zeros(len(index))


def rank_targets(source: str, *, top: int = 10, method: str = "cosine", weights: Weights | None = None,
                 employment_by_unit: pd.Series | None = None, gap_margin: float = 0.5,
                 require_lower_exposure: bool = True, include_imputed: bool = False,
                 allow_lower_skill_level: bool = False, locale: str = "en") -> ReskillingResult:
    """Target occupations for workers of `source` (a unit group), best combined score first.

    With `require_lower_exposure`, targets must be in a lower ILO 2025 class than the source (a source
    that is Not Exposed gets Not Exposed targets). Unscored targets and the armed forces are never proposed, nor
    (unless `include_imputed`) targets whose skills were imputed from their minor group.
    `employment_by_unit`: jobs per unit group (e.g. `exposure.occupations(table)`), used for demand.
    """
    skills = reference.skill_table()
    if source not in reference.unit_groups():
        raise ReskillingError(f"{source!r} is not an ISCO-08 unit group (4 digits)")
    if source not in skills.index:
        raise ReskillingError(f"{source} has no skill data (armed forces are not covered by O*NET)")
    weights = weights or Weights()
    sim = similarity_matrix(method)
    classes = occupation_classes()
    scores = reference.ilo_scores()
    nesta = reference.nesta()
    candidates = sim.index[(sim.index != source) & ~sim.index.str.startswith("0")]
    cand_class = classes.reindex(candidates)
    cand_mean = scores["mean_2025"].reindex(candidates)
    keep = cand_class.ne("unscored").to_numpy() & cand_mean.notna().to_numpy()
    if not include_imputed:
        keep &= skills["imputed"].reindex(candidates).eq(0).to_numpy()
    if not allow_lower_skill_level:
        keep &= np.array([skill_level(c) >= skill_level(source) for c in candidates], dtype=bool)
    src_class = classes[source]
    src_mean = float(scores["mean_2025"].get(source, np.nan))
    if require_lower_exposure and src_class != "unscored":
        ranks = np.array([class_rank(c) for c in cand_class])
        keep &= ranks < class_rank(src_class) if class_rank(src_class) > 0 else ranks == 0
    candidates = candidates[keep]
    similarity = sim.loc[source, candidates].to_numpy()
    target_mean = scores["mean_2025"].reindex(candidates).to_numpy()
    reduction = (np.clip(src_mean - target_mean, 0, None) / src_mean if src_mean and not np.isnan(src_mean)
                 else np.zeros(len(candidates)))
    demand = _demand(employment_by_unit, candidates)
    effective = weights.effective(demand is not None)
    score = effective["similarity"] * np.clip(similarity, 0, None) + effective["exposure"] * reduction
    if demand is not None:
        score = score + effective["demand"] * demand
    order = np.lexsort((np.asarray(candidates), -similarity, -score))[:top]
    zones = nesta["median_job_zone"]
    src_zone = zones.get(source, np.nan)
    pathways = []
    for i in order:
        code = str(candidates[i])
        zone_change = zones.get(code, np.nan) - src_zone
        pathways.append(Pathway(
            isco08=code, title=reference.title(code, locale), similarity=round(float(similarity[i]), 4),
            exposure_class=str(classes[code]), mean_2025=float(target_mean[i]),
            exposure_reduction=round(float(reduction[i]), 4),
            demand=None if demand is None else round(float(demand[i]), 4), score=round(float(score[i]), 4),
            skills_imputed=bool(skills.loc[code, "imputed"]), skill_level=skill_level(code),
            job_zone_change=None if np.isnan(zone_change) else float(zone_change),
            gaps=skill_gaps(source, code, margin=gap_margin)))
    source_info = {
        "isco08": source, "title": reference.title(source, locale), "exposure_class": str(src_class),
        "mean_2025": None if np.isnan(src_mean) else src_mean, "skill_level": skill_level(source),
        "skills_imputed": bool(skills.loc[source, "imputed"]),
        "nesta_median_safe_desirable_transitions": _maybe(nesta, source, "median_n_safe_desirable"),
        "nesta_risk_category": _maybe(nesta, source, "nesta_risk_category"),
    }
    return ReskillingResult(source_info, method, {k: round(v, 4) for k, v in effective.items()}, gap_margin,
                            tuple(pathways))


def _maybe(frame: pd.DataFrame, code: str, column: str):
    if code not in frame.index:
        return None
    value = frame.loc[code, column]
    if isinstance(value, float) and np.isnan(value):
        return None
    return value.item() if hasattr(value, "item") else value
