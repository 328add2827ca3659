"""Benchmark: ILO 2025 exposure of a 9-million-worker table, 430 occupations x 20 regions x 21 sectors.

Compares the vectorised engine (`qorgau.aiwork.exposure.aggregate`) with two straightforward baselines run
in the same process on the same table: a row-wise Python loop and a naive pandas `apply(axis=1)`. Also
times validation of the raw string table and a variant where 10% of rows carry 2- or 3-digit codes.

    python benchmarks/aiwork_exposure.py [--quick]

Prints the figures; the last line is one JSON object.
"""

from __future__ import annotations

import argparse
import json
import platform
import time
from collections import defaultdict

import numpy as np
import pandas as pd

from qorgau.aiwork import employment, exposure, reference
from qorgau.aiwork.gradients import COLUMNS
from qorgau.aiwork.synthetic import REGION_EMPLOYED, SECTORS


def build_table(total: int = 9_000_000, n_occupations: int = 430, seed: int = 11) -> pd.DataFrame:
    """Every cell of occupation x region x sector, with multinomial counts summing to `total`."""
    rng = np.random.default_rng(seed)
    civilian = [u for u in reference.unit_groups() if not u.startswith("0")]
    occupations = np.array(sorted(rng.choice(civilian, size=n_occupations, replace=False)))
    regions = np.array(list(REGION_EMPLOYED))
    sectors = np.array(SECTORS)
    weights = (np.array(list(REGION_EMPLOYED.values()), float)[:, None, None]
               * rng.dirichlet(np.ones(len(sectors)))[None, :, None]
               * rng.gamma(0.8, 1.0, size=(1, len(sectors), len(occupations))))
    counts = rng.multinomial(total, (weights / weights.sum()).ravel())
    r, s, o = np.meshgrid(np.arange(len(regions)), np.arange(len(sectors)), np.arange(len(occupations)),
                          indexing="ij")
    return pd.DataFrame({"isco08": occupations[o.ravel()], "employed": counts.astype(float),
                         "region": regions[r.ravel()], "sector": sectors[s.ravel()]})


def with_coarse_codes(table: pd.DataFrame, share: float = 0.1, seed: int = 12) -> pd.DataFrame:
    """The same table with a share of rows coded only to 2 or 3 digits."""
    rng = np.random.default_rng(seed)
    out = table.copy()
    pick = rng.random(len(out)) < share
    digits = rng.choice([2, 3], size=int(pick.sum()))
    out.loc[pick, "isco08"] = [c[:d] for c, d in zip(out.loc[pick, "isco08"], digits, strict=True)]
    return out


def _split_lookup() -> dict[str, list[tuple[str, float]]]:
    """code -> [(class, share)] for the baselines (plain Python structures)."""
    weights = employment.equal_weights()
    classes = exposure.occupation_classes().to_dict()
    lookup = {}
    for i, code in enumerate(weights.codes):
        shares: dict[str, float] = defaultdict(float)
        for j in np.flatnonzero(weights.matrix[i]):
            shares[classes[weights.units[j]]] += weights.matrix[i, j]
        lookup[code] = list(shares.items())
    return lookup


def baseline_rowwise(table: pd.DataFrame, by: list[str], lookup) -> dict:
    """One Python loop over the rows, accumulating per group and class."""
    out: dict = defaultdict(lambda: defaultdict(float))
    columns = [table[c].tolist() for c in ("isco08", "employed", *by)]
    for code, employed, *group in zip(*columns, strict=True):
        cell = out[tuple(group)]
        cell["employed"] += employed
        for cls, share in lookup[code]:
            cell[cls] += employed * share
    return out


def baseline_apply(table: pd.DataFrame, by: list[str], lookup) -> pd.DataFrame:
    """pandas apply(axis=1) producing a class vector per row, then groupby-sum."""
    def per_row(row):
        values = dict.fromkeys(COLUMNS, 0.0)
        for cls, share in lookup[row["isco08"]]:
            values[cls] += row["employed"] * share
        return pd.Series(values)
    parts = table.apply(per_row, axis=1)
    parts[by] = table[by]
    parts["employed"] = table["employed"]
    return parts.groupby(by).sum()


def _best(fn, repeats: int) -> tuple[float, object]:
    best, result = float("inf"), None
    for _ in range(repeats):
        start = time.perf_counter()
        result = fn()
        best = min(best, time.perf_counter() - start)
    return best, result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="fewer repeats; the apply baseline on 20% of rows")
    args = parser.parse_args()
    repeats = 2 if args.quick else 5
    by = ["region", "sector"]
    table = build_table()
    raw = table.astype({"employed": "int64"}).astype(str)
    print(f"table: {len(table):,} rows, {table['employed'].sum():,.0f} workers, "
          f"{table['isco08'].nunique()} occupations x {table['region'].nunique()} regions x "
          f"{table['sector'].nunique()} sectors")
    exposure.aggregate(employment.validate(table.head(10), dims=by), by=by)  # warm the caches (data files)
    lookup = _split_lookup()

    t_validate, valid = _best(lambda: employment.validate(raw, dims=by), repeats)
    t_engine, engine = _best(lambda: exposure.aggregate(valid, by=by), repeats)
    t_engine_total, _ = _best(lambda: exposure.aggregate(valid), repeats)
    t_engine_sex_free, _ = _best(lambda: exposure.aggregate(valid, by=["region"]), repeats)
    t_row, row_result = _best(lambda: baseline_rowwise(valid, by, lookup), 1 if args.quick else 2)
    apply_rows = valid.sample(frac=0.2, random_state=1) if args.quick else valid
    t_apply, apply_result = _best(lambda: baseline_apply(apply_rows, by, lookup), 1)
    t_apply_full = t_apply * (len(valid) / len(apply_rows))

    engine_idx = engine.set_index(by)
    diff_row = max(abs(engine_idx.loc[key, c] - row_result[key][c])
                   for key in row_result for c in COLUMNS if c in row_result[key])
    apply_engine = exposure.aggregate(employment.validate(apply_rows, dims=by), by=by).set_index(by)
    diff_apply = float((apply_engine[list(COLUMNS)] - apply_result[list(COLUMNS)]).abs().to_numpy().max())

    coarse = with_coarse_codes(table)
    coarse_valid = employment.validate(coarse, dims=by)
    t_coarse, coarse_result = _best(lambda: exposure.aggregate(coarse_valid, by=by), repeats)
    t_coarse_table, _ = _best(lambda: exposure.aggregate(coarse_valid, by=by, split="table"), repeats)
    total = engine[list(COLUMNS)].sum()
    conserved = abs(float(coarse_result[list(COLUMNS)].to_numpy().sum()) - float(coarse["employed"].sum()))

    print(f"validate raw strings (isco08, employed, region, sector): {t_validate * 1000:8.1f} ms")
    print(f"engine aggregate by region x sector (420 groups):        {t_engine * 1000:8.1f} ms")
    print(f"engine aggregate national / by region:                   {t_engine_total * 1000:8.1f} / "
          f"{t_engine_sex_free * 1000:.1f} ms")
    print(f"baseline row-wise Python loop:                            {t_row * 1000:8.1f} ms "
          f"(x{t_row / t_engine:.0f} slower), max diff {diff_row:.2e}")
    print(f"baseline pandas apply(axis=1){' (extrapolated from 20%)' if args.quick else ''}:"
          f"{'' if args.quick else '                    '} {t_apply_full * 1000:8.1f} ms "
          f"(x{t_apply_full / t_engine:.0f} slower), max diff {diff_apply:.2e}")
    print(f"engine with 10% of rows at 2-3 digits, equal / table split: {t_coarse * 1000:.1f} / "
          f"{t_coarse_table * 1000:.1f} ms; total conserved to {conserved:.2e}")
    shares = (total / total.sum()).round(4).to_dict()
    print("national shares by class:", shares)
    print(json.dumps({
        "benchmark": "aiwork_exposure", "quick": args.quick, "rows": len(table),
        "workers": float(table["employed"].sum()), "occupations": int(table["isco08"].nunique()),
        "regions": int(table["region"].nunique()), "sectors": int(table["sector"].nunique()),
        "validate_ms": round(t_validate * 1000, 2), "engine_ms": round(t_engine * 1000, 2),
        "engine_national_ms": round(t_engine_total * 1000, 2),
        "baseline_rowwise_ms": round(t_row * 1000, 2), "baseline_apply_ms": round(t_apply_full * 1000, 2),
        "baseline_apply_extrapolated": args.quick,
        "speedup_vs_rowwise": round(t_row / t_engine, 1), "speedup_vs_apply": round(t_apply_full / t_engine, 1),
        "max_abs_diff_rowwise": diff_row, "max_abs_diff_apply": diff_apply,
        "engine_coarse_codes_ms": round(t_coarse * 1000, 2), "engine_coarse_table_split_ms": round(t_coarse_table * 1000, 2),
        "python": platform.python_version(), "pandas": pd.__version__, "numpy": np.__version__,
    }))


if __name__ == "__main__":
    main()
