#!/usr/bin/env python3
"""Maintainer script: derive the compact CSVs in `src/qorgau/aiwork/data/` from the public source files (never
run at run time).

Usage: python scripts/aiwork_data.py SOURCE_DATA_ROOT   (the folder of the public source files)

Every step is documented in src/qorgau/aiwork/data/PROVENANCE.md; hand-written files (kk/ru titles, scenario assumptions,
synthetic parameters) are not touched.
"""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np
import pandas as pd

OUT = Path(__file__).resolve().parents[1] / "src" / "qorgau" / "aiwork" / "data"
MILITARY = {"0110", "0210", "0310"}
# Upstream typos in the BLS crosswalk: these are not ISCO-08 codes, the intended unit groups are clear.
CROSSWALK_FIXES = {"0211": "0210", "0315": "0310"}


def _isco(root: Path) -> pd.DataFrame:
    frame = pd.read_csv(root / "classifications/isco08/isco08_structure_and_definitions.csv", dtype=str)
    frame = frame.rename(columns={"isco08_code": "code"})[["code", "level", "title_en"]]
    frame["title_en"] = frame["title_en"].str.strip()
    frame.to_csv(OUT / "isco08_titles.csv", index=False)
    return frame


def _ilo(root: Path) -> None:
    base = root / "ai_exposure/ilo_genai_2025"
    occ = pd.read_csv(base / "ilo_genai_exposure_isco08_occupations.csv", dtype={"isco08": str})
    out = pd.DataFrame({
        "isco08": occ["isco08"].str.zfill(4), "n_tasks": occ["n_tasks"],
        "mean_2025": occ["mean_score_2025"], "sd_2025": occ["sd_2025"], "label_2025": occ["potential25"],
        "mean_2023": occ["mean_score_2023"], "sd_2023": occ["sd_2023"], "label_2023": occ["potential23"],
    })
    out.to_csv(OUT / "ilo_genai_scores.csv", index=False)
    tasks = pd.read_csv(base / "ilo_genai_exposure_isco08_tasks.csv", dtype={"isco08": str})
    tasks = pd.DataFrame({
        "isco08": tasks["isco08"].str.zfill(4), "task_id": tasks["taskID"],
        "task": tasks["Task_ISCO"].str.strip(), "score_2023": tasks["score_2023"],
        "score_2025": tasks["score_2025"].round(4),
    })
    tasks.to_csv(OUT / "ilo_genai_tasks.csv", index=False)


def _crosswalk(root: Path, units: set[str]) -> pd.DataFrame:
    cw = pd.read_csv(root / "classifications/crosswalks/bls_isco08_soc2010_crosswalk.csv", dtype=str)
    cw = pd.DataFrame({"isco08": cw["isco08_code"].str.strip().replace(CROSSWALK_FIXES),
                       "soc2010": cw["soc2010_code"].str.strip(),
                       "part": cw["part"].fillna("").str.strip()})
    cw = cw.drop_duplicates(["isco08", "soc2010"])
    assert set(cw["isco08"]) <= units, set(cw["isco08"]) - units
    cw.to_csv(OUT / "bls_isco08_soc2010.csv", index=False)
    return cw


def _soc_to_isco_mean(by_onet: pd.DataFrame, cw: pd.DataFrame) -> pd.DataFrame:
    """O*NET-SOC rows -> mean per SOC-2010 (first 7 characters) -> unweighted mean per ISCO unit group."""
    values = by_onet.columns.drop("onet")
    frame = by_onet.assign(soc2010=by_onet["onet"].str[:7])
    per_soc = frame.groupby("soc2010")[list(values)].mean()
    per_soc["n_onet"] = frame.groupby("soc2010").size()
    joined = cw.merge(per_soc, left_on="soc2010", right_index=True, how="inner")
    out = joined.groupby("isco08")[list(values)].mean()
    out.insert(0, "n_onet", joined.groupby("isco08")["n_onet"].sum())
    out.insert(0, "n_soc", joined.groupby("isco08").size())
    return out


def _skills(root: Path, cw: pd.DataFrame, isco: pd.DataFrame) -> None:
    wide = pd.read_csv(root / "skills/onet_23/skills_importance_wide.csv").rename(columns={"O*NET-SOC Code": "onet"})
    ref = pd.read_csv(root / "skills/onet_23/Content_Model_Reference.csv")
    names = ref[ref["Element Name"].isin(wide.columns)][["Element ID", "Element Name", "Description"]]
    names = names[names["Element ID"].str.match(r"2\.[AB]\.")].sort_values("Element ID")
    assert len(names) == 35, len(names)
    names.columns = ["element_id", "name", "description"]
    names.to_csv(OUT / "onet_skills.csv", index=False)
    per_isco = _soc_to_isco_mean(wide[["onet", *names["name"]]], cw)
    per_isco["imputed"] = 0
    # Unit groups with no rated O*NET occupation (except the armed forces) take the mean of their ISCO
    # minor group, flagged, so that every civilian occupation can be a source of reskilling advice.
    units = isco[isco["level"] == "4"]["code"]
    missing = [u for u in units if u not in per_isco.index and u not in MILITARY]
    skill_cols = list(names["name"])
    for unit in missing:
        siblings = per_isco[(per_isco.index.str[:3] == unit[:3]) & (per_isco["imputed"] == 0)]
        if siblings.empty:
            siblings = per_isco[(per_isco.index.str[:2] == unit[:2]) & (per_isco["imputed"] == 0)]
        row = siblings[skill_cols].mean()
        per_isco.loc[unit, skill_cols] = row
        per_isco.loc[unit, ["n_soc", "n_onet", "imputed"]] = [0, 0, 1]
    per_isco = per_isco.sort_index()
    per_isco[skill_cols] = per_isco[skill_cols].round(3)
    per_isco[["n_soc", "n_onet", "imputed"]] = per_isco[["n_soc", "n_onet", "imputed"]].astype(int)
    per_isco.index.name = "isco08"
    per_isco.to_csv(OUT / "onet_skill_importance_isco08.csv")


def _eloundou(root: Path, cw: pd.DataFrame) -> None:
    occ = pd.read_csv(root / "ai_exposure/eloundou_gpts_are_gpts/occ_level.csv")
    frame = pd.DataFrame({"onet": occ["O*NET-SOC Code"], "gpt4_beta": occ["dv_rating_beta"],
                          "human_beta": occ["human_rating_beta"]})
    out = _soc_to_isco_mean(frame, cw).round(4)
    out.index.name = "isco08"
    out.to_csv(OUT / "eloundou_isco08.csv")


def _nesta(root: Path) -> None:
    base = root / "skills/nesta_mapping_career_causeways"
    risk = pd.read_csv(base / "mcc_risk_ISCO_4digit.csv", dtype={"isco_code": str})
    risk = pd.DataFrame({"isco08": risk["isco_code"].str.zfill(4), "nesta_risk": risk["risk"].round(4),
                         "nesta_prevalence": risk["prevalence"].round(4),
                         "nesta_risk_category": risk["risk_category"]}).set_index("isco08")
    occ = pd.read_csv(base / "mcc_transitions_Occupation_data.csv", dtype={"isco_code": str})
    occ["isco08"] = occ["isco_code"].str.zfill(4)
    grouped = occ.groupby("isco08")
    trans = pd.DataFrame({
        "n_esco": grouped.size(),
        "median_n_desirable": grouped["n_desirable"].median(),
        "median_n_safe_desirable": grouped["n_safe_desirable"].median(),
        "median_job_zone": grouped["job_zone"].median(),
        "skills_based_sector": grouped["skills_based_sector"].agg(lambda s: s.mode().iat[0] if len(s.mode()) else ""),
        "share_high_risk": grouped["risk_category"].agg(lambda s: float(np.mean(s == "High risk"))).round(4),
    })
    out = risk.join(trans, how="outer").sort_index()
    out.to_csv(OUT / "nesta_isco08.csv")


def _esco(root: Path) -> None:
    occ = pd.read_csv(root / "classifications/esco/occupations_en.csv", dtype=str)
    out = pd.DataFrame({"isco08": occ["iscoGroup"].str.zfill(4), "label": occ["preferredLabel"].str.strip()})
    out.sort_values(["isco08", "label"]).to_csv(OUT / "esco_occupations.csv", index=False)


def main(argv: list[str]) -> int:
    if not argv:
        print(__doc__)
        return 2
    root = Path(argv[0])
    isco = _isco(root)
    units = set(isco[isco["level"] == "4"]["code"])
    _ilo(root)
    cw = _crosswalk(root, units)
    _skills(root, cw, isco)
    _eloundou(root, cw)
    _nesta(root)
    _esco(root)
    for path in sorted(OUT.glob("*.csv")):
        print(f"{path.name:40s} {path.stat().st_size:>9,d} bytes")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
