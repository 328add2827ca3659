"""Trends and league tables on the database: yearly counts and rates with the Poisson / negative-binomial trend
test said in words, league tables with intervals, and one enterprise against its sector."""

from __future__ import annotations

import pandas as pd
from sqlalchemy.orm import Session

from qorgau.core import policy
from qorgau.core.i18n_markers import N_
from qorgau.core.models import User
from qorgau.incidents import diseases, service
from qorgau.incidents.engine import rates, trend_test
from qorgau.registry import access
from qorgau.registry.models import Enterprise

TREND_YEARS = 10
LEAGUE_SIZE = 30


def verdict(result: trend_test.TrendResult) -> str:
    """The trend test in words (an English message id with %(pct)s, %(low)s, %(high)s, %(p)s)."""
    if not result.significant:
        return N_("No real trend: the annual change of %(pct)s%% (95%% interval %(low)s%% to %(high)s%%, "
                  "p = %(p)s) could be chance.")
    if result.annual_pct_change < 0:
        return N_("The rate is really falling: %(pct)s%% a year (95%% interval %(low)s%% to %(high)s%%, "
                  "p = %(p)s).")
    return N_("The rate is really rising: +%(pct)s%% a year (95%% interval %(low)s%% to %(high)s%%, p = %(p)s).")


def trend_of(rows: list[dict]) -> dict:
    """Fit the trend over yearly rows (group = year); {"result", "verdict", "params"} or {"reason"}."""
    frame = pd.DataFrame([{"year": r["group"], "cases": r["cases"], "exposure": r["exposure"]} for r in rows
                          if r["group"] is not None])
    try:
        result = trend_test.poisson_trend(frame, exposure_col="exposure")
    except (trend_test.TrendError, KeyError) as error:
        return {"reason": str(error)}
    params = {"pct": f"{result.annual_pct_change:.1f}", "low": f"{result.ci_low:.1f}",
              "high": f"{result.ci_high:.1f}", "p": f"{result.p_value:.3f}"}
    return {"result": result.as_dict(), "verdict": verdict(result), "params": params}


def overview(*, session: Session, actor: User, base: str, severity: str = "all", years: int = TREND_YEARS) -> dict:
    """Everything the trends page shows, computed from one pair of frames."""
    policy.require(actor, "incidents.stats")
    span = service.default_years(years)
    expo = service.exposure_frame(session=session, actor=actor, years=span)
    if expo.empty:
        return {"years": span, "by_year": [], "trend": {"reason": "no enterprises in scope"}, "regions": [],
                "sectors": [], "enterprises": [], "diseases_by_year": [], "disease_trend": {}}
    cases = service.cases_frame(session=session, actor=actor, years=span)
    disease_cases = diseases.cases_frame(session=session, actor=actor, years=span)
    by_year = rates.rates_table(cases, expo, ["year"], base=base, severity=severity)
    last = expo[expo["year"] >= span[-5]]
    league = {by: sorted(rates.rates_table(cases[cases["year"] >= span[-5]], last, [by], base=base,
                                           severity=severity), key=lambda r: -(r["rate"] or 0))
              for by in ("region", "sector")}
    enterprises = rates.rates_table(cases[cases["year"] >= span[-5]], last, ["enterprise_id"], base=base,
                                    severity=severity)
    # Ranked by the lower end of the interval: one case at a small enterprise does not top the table by chance.
    enterprises = sorted((r for r in enterprises if r["cases"] > 0), key=lambda r: -(r["ci_low"] or 0))[:LEAGUE_SIZE]
    disease_rows = rates.rates_table(disease_cases, expo, ["year"], base="per_100k_workers")
    return {"years": span, "by_year": by_year, "trend": trend_of(by_year), "regions": league["region"],
            "sectors": league["sector"], "enterprises": enterprises, "diseases_by_year": disease_rows,
            "disease_trend": trend_of(disease_rows)}


def enterprise(*, session: Session, actor: User, enterprise_id: int, base: str, severity: str = "all") -> dict:
    """An enterprise's yearly rates with intervals beside its sector's (same years, same base)."""
    access.require_enterprise(session, actor, "incidents.read", enterprise_id)
    ent = session.get(Enterprise, enterprise_id)
    span = service.default_years(TREND_YEARS)
    out = {"enterprise": ent, "years": span, "own": [], "sector": [], "diseases": 0}
    if not policy.allowed(actor, "incidents.stats"):  # an employer: small cells hidden, no trend fitted on them
        from qorgau.incidents import public

        return {**out, **public.enterprise(session=session, actor=actor, enterprise_id=enterprise_id, base=base,
                                           severity=severity, years=span), "trend": {}}
    expo = service.exposure_frame(session=session, actor=actor, years=span)
    cases = service.cases_frame(session=session, actor=actor, years=span)
    own_expo = expo[expo["enterprise_id"] == enterprise_id]
    sector_expo = expo[expo["sector"] == ent.sector_code]
    out["own"] = rates.rates_table(cases[cases["enterprise_id"] == enterprise_id], own_expo, ["year"], base=base,
                                   severity=severity)
    sector_ids = set(sector_expo["enterprise_id"])
    out["sector"] = rates.rates_table(cases[cases["enterprise_id"].isin(sector_ids)], sector_expo, ["year"],
                                      base=base, severity=severity)
    out["estimated"] = bool(own_expo["hours_estimated"].any()) if len(own_expo) else True
    out["trend"] = trend_of(out["own"])
    return out
