"""Alternative exposure lenses beside the ILO index, all US-based (O*NET tasks), clearly labelled as such.

Shipped: Eloundou et al. (2024) GPT-4 and human "beta" exposure, and Nesta's automation risk (Brynjolfsson
et al. task ratings carried to ESCO), both per ISCO-08 unit group. Not shipped (no licence to
redistribute): Frey & Osborne and Felten's AIOE; `register_soc_lens` converts a copy the federation obtains
itself through the BLS crosswalk (`reference.soc_scores_to_isco`).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from qorgau.aiwork import reference
from qorgau.aiwork.exposure import occupations
from qorgau.core.i18n_markers import N_

US_BASED = N_("US-based: O*NET tasks of US occupations, carried to ISCO-08 by crosswalk; not calibrated to Kazakhstan.")


@dataclass(frozen=True)
class Lens:
    """One alternative index: per-unit-group scores and how to cite and read them."""

    key: str
    label: str
    source: str
    licence: str
    scale: str
    scores: pd.Series  # index: ISCO-08 unit group
    us_based: bool = True


def shipped_lenses() -> dict[str, Lens]:
    """The lenses whose licences let us ship them."""
    eloundou, nesta = reference.eloundou(), reference.nesta()
    source_e = "Eloundou, Manning, Mishkin & Rock (2024), GPTs are GPTs, Science"
    return {
        "eloundou_gpt4_beta": Lens("eloundou_gpt4_beta", N_("LLM exposure, GPT-4 rating (Eloundou et al. 2024)"),
                                   source_e, "MIT", "0-1 share of tasks (E1 + 0.5 E2)", eloundou["gpt4_beta"]),
        "eloundou_human_beta": Lens("eloundou_human_beta", N_("LLM exposure, human rating (Eloundou et al. 2024)"),
                                    source_e, "MIT", "0-1 share of tasks (E1 + 0.5 E2)", eloundou["human_beta"]),
        "nesta_risk": Lens("nesta_risk", N_("Automation risk (Nesta Mapping Career Causeways 2021)"),
                           "Nesta (2021), Mapping Career Causeways", "MIT", "1-5", nesta["nesta_risk"].dropna()),
    }


def register_soc_lens(key: str, label: str, scores_by_soc: pd.Series, *, source: str, licence: str,
                      scale: str, how: str = "mean") -> Lens:
    """A lens from a SOC-keyed file the user supplies (e.g. Frey & Osborne, AIOE), carried to ISCO-08."""
    converted = reference.soc_scores_to_isco(scores_by_soc, how=how)
    return Lens(key, label, source, licence, scale, converted["score"])


def weighted_mean(table: pd.DataFrame, lens: Lens, *, by: Sequence[str] = (), split: str = "equal") -> pd.DataFrame:
    """Employment-weighted mean of a lens per group, and the share of jobs the lens covers."""
    units = occupations(table, by=by, split=split)
    units["score"] = lens.scores.reindex(units["isco08"]).to_numpy()
    covered = units["score"].notna()
    units["weighted"] = np.where(covered, units["score"] * units["employed"], 0.0)
    units["covered_jobs"] = np.where(covered, units["employed"], 0.0)
    keys = list(by) or None
    grouped = units.groupby(keys, observed=True) if keys else units.assign(_all=0).groupby("_all")
    out = grouped[["employed", "weighted", "covered_jobs"]].sum()
    out["mean"] = out["weighted"] / out["covered_jobs"].where(out["covered_jobs"] > 0)
    out["coverage"] = out["covered_jobs"] / out["employed"].where(out["employed"] > 0)
    out = out.drop(columns="weighted").reset_index(drop=not keys)
    out.attrs.update(lens=lens.key, label=lens.label, source=lens.source, us_based=lens.us_based, note=US_BASED)
    return out
