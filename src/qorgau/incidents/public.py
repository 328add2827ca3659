"""Accident and occupational-disease statistics for readers outside the union's own work: employers and the
public. Every cell counting fewer than `disclosure.MIN_CELL` cases is hidden together with its rate and
interval (`qorgau.core.disclosure`, the rule Worker Speaks uses); a reader with `incidents.stats` sees the
full tables on the statistics pages instead.

The national tables are public by design: aggregates over every enterprise on the platform, never a record.
"""

from __future__ import annotations

from sqlalchemy import select, true
from sqlalchemy.orm import Session

from qorgau.core import disclosure
from qorgau.core.errors import ValidationFailed
from qorgau.core.i18n_markers import N_
from qorgau.core.models import User
from qorgau.incidents import diseases, service
from qorgau.incidents.engine import rates
from qorgau.incidents.models import Accident
from qorgau.registry import access
from qorgau.registry.models import Enterprise

RATE_FIGURES = ("rate", "ci_low", "ci_high")
TABLES = ("year", "region", "sector")


def suppressed(rows: list[dict]) -> list[dict]:
    """Rate rows with small counts hidden (and the rate and interval that would give them back); a lone hidden
    cell takes the next smallest with it, since every table's total can be had from another table."""
    return disclosure.suppress_small_cells(rows, count="cases", derived=RATE_FIGURES, complementary=True)


def national(*, session: Session, base: str = "per_1000_workers", years: list[int] | None = None) -> dict:
    """Accidents by year, region and sector and diseases by year and harmful factor, last five full years."""
    if base not in rates.BASES:
        raise ValidationFailed(N_("Unknown rate base."), field="base")
    years = years or service.default_years()
    expo = service.enterprise_exposure(session=session, years=years, where=true())
    out: dict = {"years": years, "base": base, "min_cell": disclosure.MIN_CELL}
    if expo.empty:
        return {**out, **{f"by_{t}": [] for t in TABLES}, "diseases_by_year": [], "diseases_by_factor": []}
    cases = service.victim_cases(session=session, years=years, where=true())
    disease = diseases.disease_cases(session=session, years=years, where=true())
    for table in TABLES:
        out[f"by_{table}"] = suppressed(rates.rates_table(cases, expo, [table], base=base))
    out["diseases_by_year"] = suppressed(rates.rates_table(disease, expo, ["year"], base="per_100k_workers"))
    out["diseases_by_factor"] = suppressed(rates.rates_table(disease, expo, ["harmful_factor"],
                                                             base="per_100k_workers"))
    return out


def enterprise(*, session: Session, actor: User, enterprise_id: int, base: str, severity: str = "all",
               years: list[int]) -> dict:
    """An enterprise's yearly rates beside its sector's (every enterprise of the sector), small cells hidden:
    what an employer sees of its own enterprise."""
    access.require_enterprise(session, actor, "incidents.read", enterprise_id)
    ent = session.get(Enterprise, enterprise_id)
    in_sector = Enterprise.sector_code == ent.sector_code
    expo = service.enterprise_exposure(session=session, years=years, where=in_sector)
    cases = service.victim_cases(session=session, years=years,
                                 where=Accident.enterprise_id.in_(select(Enterprise.id).where(in_sector)))
    own_expo = expo[expo["enterprise_id"] == enterprise_id]
    own = rates.rates_table(cases[cases["enterprise_id"] == enterprise_id], own_expo, ["year"], base=base,
                            severity=severity)
    sector = rates.rates_table(cases, expo, ["year"], base=base, severity=severity)
    estimated = bool(own_expo["hours_estimated"].any()) if len(own_expo) else True
    return {"own": suppressed(own), "sector": suppressed(sector), "suppressed_view": True,
            "min_cell": disclosure.MIN_CELL, "estimated": estimated}
