"""A SYNTHETIC but plausible Kazakhstan employment table (region x sector x occupation x sex), for demos.

Not official statistics. Every output says so: the `data_label` column is "synthetic" on every row, the
frame's attrs carry `synthetic=True` and `SYNTHETIC_LABEL`, and `summary()` repeats it. Deterministic
for a given seed. The structure is hand-set (see the tables below and data/PROVENANCE.md): regional
employment roughly follows population, sector mixes follow each region's economy, the three cities of
republican significance (Almaty, Astana, Shymkent) get more office work, and occupations follow a
sector x major-group profile with sector-typical sub-major and unit groups boosted.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from qorgau.aiwork import reference
from qorgau.core.i18n_markers import N_

SYNTHETIC_LABEL = N_("Synthetic data for demonstration: not official statistics.")
DATA_LABEL = "synthetic"
SECTORS = tuple("ABCDEFGHIJKLMNOPQRSTU")
MAJORS = ("0", "1", "2", "3", "4", "5", "6", "7", "8", "9")

# Employed (thousands), roughly proportional to 2024 population and activity; rescaled to the total asked.
REGION_EMPLOYED = {
    "100000000": 280, "110000000": 380, "150000000": 420, "190000000": 680, "230000000": 320, "270000000": 320,
    "310000000": 500, "330000000": 300, "350000000": 550, "390000000": 410, "430000000": 350, "470000000": 320,
    "550000000": 370, "590000000": 270, "610000000": 800, "620000000": 100, "630000000": 360,
    "710000000": 720, "750000000": 1050, "790000000": 480,
}
REGION_PROFILE = {
    "100000000": "mining", "110000000": "agri", "150000000": "oil", "190000000": "agri", "230000000": "oil",
    "270000000": "oil", "310000000": "agri", "330000000": "agri", "350000000": "mining", "390000000": "agri",
    "430000000": "oil", "470000000": "oil", "550000000": "mining", "590000000": "agri", "610000000": "agri",
    "620000000": "mining", "630000000": "mining", "710000000": "capital", "750000000": "city", "790000000": "city",
}
# National sector shares of employment (%), approximate for Kazakhstan in the mid-2020s.
SECTOR_SHARE = {"A": 12, "B": 3, "C": 7, "D": 1.5, "E": 0.8, "F": 7, "G": 16, "H": 7, "I": 2.5, "J": 2.2,
                "K": 1.7, "L": 1.3, "M": 3, "N": 3, "O": 5, "P": 12.5, "Q": 5.5, "R": 1.6, "S": 3.5, "T": 0.5,
                "U": 0.02}
PROFILE_SECTOR = {
    "city": {"A": 0.05, "B": 0.3, "C": 0.8, "F": 1.1, "G": 1.25, "I": 1.5, "J": 3.0, "K": 2.8, "L": 1.8, "M": 2.2,
             "N": 1.7, "R": 1.4, "U": 3.0},
    "capital": {"A": 0.03, "B": 0.2, "C": 0.6, "F": 1.4, "I": 1.3, "J": 3.0, "K": 2.5, "L": 1.6, "M": 2.2,
                "N": 1.5, "O": 2.4, "U": 4.0},
    "agri": {"A": 1.7, "B": 0.4, "J": 0.5, "K": 0.6, "L": 0.6, "M": 0.6, "N": 0.7},
    "mining": {"A": 0.8, "B": 2.6, "C": 1.5, "D": 1.4, "J": 0.6, "K": 0.7, "M": 0.7},
    "oil": {"A": 0.7, "B": 3.2, "C": 1.1, "F": 1.3, "H": 1.2, "J": 0.6, "K": 0.7, "M": 0.9},
}
# Sector x major group (%), order 0-9.
SECTOR_MAJOR = {
    "A": (0, 1, 1, 2, 1, 1, 60, 2, 7, 25), "B": (0, 4, 8, 10, 4, 3, 0, 25, 30, 16),
    "C": (0, 4, 6, 8, 4, 3, 0, 35, 25, 15), "D": (0, 5, 12, 15, 5, 3, 0, 30, 20, 10),
    "E": (0, 4, 5, 8, 5, 2, 0, 20, 26, 30), "F": (0, 4, 6, 6, 3, 2, 0, 50, 14, 15),
    "G": (0, 6, 3, 7, 8, 60, 0, 4, 5, 7), "H": (0, 4, 4, 8, 12, 4, 0, 8, 50, 10),
    "I": (0, 6, 1, 2, 5, 65, 0, 3, 1, 17), "J": (0, 8, 45, 22, 10, 5, 0, 5, 2, 3),
    "K": (0, 9, 35, 25, 25, 3, 0, 0.5, 1, 1.5), "L": (0, 10, 10, 25, 15, 15, 0, 8, 2, 15),
    "M": (0, 8, 50, 22, 10, 2, 0, 3, 2, 3), "N": (0, 5, 5, 12, 15, 30, 0, 5, 8, 20),
    "O": (3, 12, 25, 20, 18, 15, 0, 2, 3, 5), "P": (0, 5, 60, 12, 4, 8, 0, 2, 1, 8),
    "Q": (0, 4, 30, 35, 4, 15, 0, 1, 2, 9), "R": (0, 8, 30, 20, 8, 15, 0, 4, 1, 14),
    "S": (0, 5, 10, 10, 5, 45, 0, 15, 2, 8), "T": (0, 0, 0, 0, 0, 50, 0, 0, 0, 50),
    "U": (0, 15, 40, 20, 20, 3, 0, 0, 0, 2),
}
# Sub-major groups typical of a sector (multiplier; others in the same major group get 0.2).
SUBMAJOR_BOOST: dict[str, dict[str, float]] = {
    "*": {"11": 0.3, "12": 1, "13": 1, "14": 1, "41": 1, "43": 1, "52": 0.5, "91": 1, "96": 0.5},
    "A": {"13": 3, "61": 3, "62": 0.5, "63": 1.5, "92": 3, "83": 2, "31": 1, "21": 1},
    "B": {"21": 3, "31": 3, "72": 3, "74": 2, "81": 4, "83": 2, "93": 3, "13": 2, "54": 2},
    "C": {"21": 2, "31": 2, "72": 3, "75": 3, "73": 1, "74": 1, "81": 3, "82": 2, "83": 1, "93": 3, "13": 2},
    "D": {"21": 3, "31": 3, "74": 4, "72": 2, "81": 3, "13": 2},
    "E": {"31": 2, "71": 2, "81": 2, "83": 3, "96": 4},
    "F": {"21": 2, "31": 2, "71": 5, "74": 2, "72": 1, "83": 3, "93": 4, "13": 2},
    "G": {"14": 3, "52": 6, "33": 2, "42": 1, "72": 1, "83": 2, "93": 1, "95": 1, "24": 1},
    "H": {"83": 6, "31": 2, "72": 2, "93": 2, "51": 1, "54": 1, "13": 2, "33": 1, "42": 1},
    "I": {"14": 4, "51": 5, "94": 5, "91": 2, "42": 2},
    "J": {"25": 6, "35": 5, "26": 2, "21": 1, "24": 2, "12": 2, "42": 1, "74": 1},
    "K": {"24": 6, "33": 6, "12": 2, "42": 4, "41": 2, "25": 1},
    "L": {"33": 4, "51": 2, "71": 1},
    "M": {"21": 4, "26": 3, "24": 3, "31": 2, "33": 2, "22": 0.5},
    "N": {"54": 5, "91": 5, "33": 2, "42": 2, "41": 2, "83": 1, "51": 1},
    "O": {"11": 3, "24": 3, "26": 1, "33": 4, "34": 1, "41": 3, "44": 1, "54": 4, "83": 1,
          "01": 1, "02": 1, "03": 1},
    "P": {"23": 10, "53": 1, "91": 2, "34": 1},
    "Q": {"22": 6, "32": 6, "53": 5, "26": 1, "91": 2, "34": 1},
    "R": {"26": 4, "34": 4, "54": 1, "51": 1, "96": 1},
    "S": {"51": 4, "26": 1, "74": 1, "72": 1, "73": 1, "75": 2, "53": 1},
    "T": {"53": 3, "91": 5, "51": 1},
    "U": {"24": 3, "26": 2, "33": 2, "41": 2},
}
# Unit groups typical of a sector (multiplier on top of the random within-group spread).
UNIT_BOOST: dict[str, dict[str, float]] = {
    # Niche unit groups that a flat spread would over-fill, everywhere.
    "*": {"1113": 0.05, "2356": 0.2, "2230": 0.2, "3230": 0.2, "5242": 0.3, "5243": 0.3, "5244": 0.25,
          "6340": 0.3, "9520": 0.4, "2659": 0.5, "3435": 0.5, "7319": 0.5, "8189": 0.5},
    "A": {"6111": 4, "6121": 5, "6130": 4, "9211": 4, "9212": 3, "8341": 3},
    "B": {"8111": 6, "3117": 4, "7233": 3, "2146": 3},
    "C": {"7512": 3, "8160": 2, "7212": 2, "7233": 3, "9329": 3},
    "D": {"7411": 4, "7413": 4, "3113": 4, "2151": 3, "8182": 3},
    "E": {"9611": 5, "8332": 3, "3132": 2},
    "F": {"7112": 4, "7115": 3, "7126": 2, "7411": 2, "9313": 5, "8342": 3},
    "G": {"5223": 12, "5221": 4, "5230": 4, "4321": 2, "7231": 2, "8332": 1.5},
    "H": {"8322": 5, "8332": 5, "8331": 2, "8311": 1, "4323": 4},
    "I": {"5120": 6, "5131": 5, "9412": 4},
    "J": {"2512": 5, "2514": 3, "2513": 2, "3512": 4, "2642": 2, "3522": 2},
    "K": {"2411": 4, "3311": 2, "4211": 5, "3313": 3, "2413": 2},
    "L": {"3334": 5, "5153": 5},
    "M": {"2611": 4, "2411": 3, "2142": 3, "2161": 2},
    "N": {"5414": 8, "9112": 5},
    "O": {"2422": 4, "3353": 2, "3355": 3, "5412": 5, "4110": 5},
    "P": {"2341": 5, "2330": 5, "2310": 3, "2342": 4},
    "Q": {"2211": 4, "2212": 3, "2221": 5, "2261": 2, "3221": 5, "3256": 2, "5321": 5},
    "R": {"2652": 3, "3422": 4, "2654": 2},
    "S": {"5141": 6, "7531": 3, "2636": 3, "5142": 2},
    "T": {"9111": 6, "5311": 3, "5152": 3},
}
# Women's share of employment by sector, shifted on the logit scale by major group.
FEMALE_SHARE = {"A": 0.38, "B": 0.17, "C": 0.30, "D": 0.25, "E": 0.30, "F": 0.12, "G": 0.55, "H": 0.22, "I": 0.62,
                "J": 0.38, "K": 0.62, "L": 0.50, "M": 0.45, "N": 0.40, "O": 0.50, "P": 0.76, "Q": 0.78,
                "R": 0.55, "S": 0.60, "T": 0.80, "U": 0.40}
FEMALE_LOGIT_SHIFT = {"0": -2.0, "1": -0.3, "2": 0.3, "3": 0.2, "4": 1.0, "5": 0.3, "6": -0.3, "7": -1.2,
                      "8": -1.8, "9": 0.0}
# Employees (hired workers) as a share of the employed, by sector; own-account farmers are mostly not.
EMPLOYEE_SHARE = {"A": 0.50, "B": 0.98, "C": 0.90, "D": 0.98, "E": 0.96, "F": 0.80, "G": 0.64, "H": 0.80, "I": 0.75,
                  "J": 0.92, "K": 0.98, "L": 0.82, "M": 0.87, "N": 0.90, "O": 1.0, "P": 0.99, "Q": 0.97, "R": 0.90,
                  "S": 0.58, "T": 0.35, "U": 1.0}
CITY_MAJOR_FACTOR = {"1": 1.35, "2": 1.45, "3": 1.35, "4": 1.45, "6": 0.5, "9": 0.8}


@dataclass(frozen=True)
class SyntheticSpec:
    """Totals and switches for the generator."""

    employed: int = 9_000_000
    seed: int = 7
    by_sex: bool = True


def _occupation_weights(rng: np.random.Generator, units: np.ndarray) -> np.ndarray:
    """P(unit group | sector, ordinary region) as a 21 x 436 matrix."""
    majors = np.array([u[0] for u in units])
    submajors = np.array([u[:2] for u in units])
    out = np.zeros((len(SECTORS), len(units)))
    base = rng.gamma(3.0, 1.0, size=(len(SECTORS), len(units)))  # random spread within a group
    for s, sector in enumerate(SECTORS):
        boost = {**SUBMAJOR_BOOST["*"], **SUBMAJOR_BOOST[sector]}
        sub_w = np.array([boost.get(sm, 0.2) for sm in submajors])
        boosts = {**UNIT_BOOST["*"], **UNIT_BOOST.get(sector, {})}
        unit_w = np.array([boosts.get(u, 1.0) for u in units])
        raw = base[s] * sub_w * unit_w
        major_share = np.array(SECTOR_MAJOR[sector], dtype=float) / sum(SECTOR_MAJOR[sector])
        for m, major in enumerate(MAJORS):
            members = majors == major
            total = raw[members].sum()
            if total > 0:
                out[s, members] = major_share[m] * raw[members] / total
    return out


def generate(spec: SyntheticSpec | None = None) -> pd.DataFrame:
    """The synthetic table: region, sector, isco08, [sex], employed, employees, data_label='synthetic'."""
    spec = spec or SyntheticSpec()
    rng = np.random.default_rng(spec.seed)
    units = np.asarray(reference.unit_groups())
    regions = np.array(list(REGION_EMPLOYED))
    occ = _occupation_weights(rng, units)  # S x U
    majors = np.array([u[0] for u in units])
    region_w = np.array([REGION_EMPLOYED[r] for r in regions], dtype=float)
    sector_base = np.array([SECTOR_SHARE[s] for s in SECTORS], dtype=float)
    cells = np.zeros((len(regions), len(SECTORS), len(units)))
    for r, region in enumerate(regions):
        profile = PROFILE_SECTOR[REGION_PROFILE[region]]
        sector_w = sector_base * np.array([profile.get(s, 1.0) for s in SECTORS])
        sector_w /= sector_w.sum()
        occ_r = occ
        if REGION_PROFILE[region] in ("city", "capital"):
            factor = np.array([CITY_MAJOR_FACTOR.get(m, 1.0) for m in majors])
            occ_r = occ * factor
            occ_r = occ_r / occ_r.sum(axis=1, keepdims=True)
        cells[r] = region_w[r] * sector_w[:, None] * occ_r
    shift = np.array([FEMALE_LOGIT_SHIFT[m] for m in majors])
    base_logit = np.log(np.array([FEMALE_SHARE[s] / (1 - FEMALE_SHARE[s]) for s in SECTORS]))
    female = 1.0 / (1.0 + np.exp(-(base_logit[:, None] + shift[None, :])))  # S x U
    if spec.by_sex:
        probs = np.stack([cells * female[None], cells * (1 - female[None])], axis=-1)
    else:
        probs = cells[..., None]
    flat = probs.ravel() / probs.sum()
    counts = rng.multinomial(spec.employed, flat).reshape(probs.shape)
    employee_p = np.array([EMPLOYEE_SHARE[s] for s in SECTORS])[:, None] * np.where(majors == "6", 0.6, 1.0)[None, :]
    employees = rng.binomial(counts, np.broadcast_to(employee_p[None, :, :, None], counts.shape))
    idx = np.nonzero(counts)
    frame = pd.DataFrame({
        "region": regions[idx[0]], "sector": np.asarray(SECTORS)[idx[1]], "isco08": units[idx[2]],
    })
    if spec.by_sex:
        frame["sex"] = np.array(["female", "male"])[idx[3]]
    frame["employed"] = counts[idx].astype(np.int64)
    frame["employees"] = employees[idx].astype(np.int64)
    frame["data_label"] = pd.Categorical([DATA_LABEL] * len(frame))
    frame.attrs.update(synthetic=True, label=SYNTHETIC_LABEL, seed=spec.seed)
    return frame


def summary(frame: pd.DataFrame) -> dict:
    """Totals of a generated table, labelled synthetic."""
    cities = frame["region"].isin(["710000000", "750000000", "790000000"])
    out = {
        "synthetic": True, "label": SYNTHETIC_LABEL, "seed": frame.attrs.get("seed"),
        "employed": int(frame["employed"].sum()), "employees": int(frame["employees"].sum()),
        "rows": len(frame), "regions": int(frame["region"].nunique()), "sectors": int(frame["sector"].nunique()),
        "occupations": int(frame["isco08"].nunique()),
        "share_in_cities": float(frame.loc[cities, "employed"].sum() / frame["employed"].sum()),
    }
    if "sex" in frame:
        out["share_female"] = float(frame.loc[frame["sex"] == "female", "employed"].sum() / frame["employed"].sum())
    return out
