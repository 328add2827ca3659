"""Occupational disease cases on the database: recording (ICD-10 code checked, no names), the list, and their
own rates over the same exposure denominators as accidents (cases by year of diagnosis)."""

from __future__ import annotations

import re
from datetime import date

import pandas as pd
from sqlalchemy import ColumnElement, Select, func, select
from sqlalchemy.orm import Session

from qorgau.core import policy
from qorgau.core.db import utcnow
from qorgau.core.errors import ValidationFailed
from qorgau.core.i18n_markers import N_
from qorgau.core.models import User
from qorgau.incidents import labels
from qorgau.incidents.engine import rates
from qorgau.incidents.models import DiseaseCase
from qorgau.registry import access

ICD10 = re.compile(r"^[A-Z][0-9]{2}(\.[0-9]{1,2})?$")
ISCO08 = re.compile(r"^[0-9]{1,4}$")
DIMENSIONS = ("region", "sector", "size_band", "union", "year", "enterprise", "harmful_factor")


def record(*, session: Session, actor: User, enterprise_id: int, diagnosed_on: date, icd10: str,
           harmful_factor: str, exposure_years: float, isco08: str | None = None, sex: str | None = None,
           age_band: str | None = None) -> DiseaseCase:
    """Register a case; every field is checked and a bad one is named."""
    access.require_enterprise(session, actor, "incidents.write", enterprise_id)
    code = icd10.strip().upper()
    if not ICD10.match(code):
        raise ValidationFailed(N_("The ICD-10 code must look like J62 or J62.8 (a letter, two digits, optionally "
                                  "a point and one or two digits)."), field="icd10")
    if harmful_factor not in labels.HARMFUL_FACTORS:
        raise ValidationFailed(N_("Choose the harmful factor from the list."), field="harmful_factor")
    if not 0 <= exposure_years <= 70:
        raise ValidationFailed(N_("Years of exposure are between 0 and 70."), field="exposure_years")
    if diagnosed_on > utcnow().date() or diagnosed_on.year < 1950:
        raise ValidationFailed(N_("The date of diagnosis cannot be in the future."), field="diagnosed_on")
    if isco08 and not ISCO08.match(isco08):
        raise ValidationFailed(N_("The ISCO-08 code is one to four digits."), field="isco08")
    if sex not in (None, "", "m", "f"):
        raise ValidationFailed(N_("Unknown value."), field="sex")
    if age_band not in (None, "", *labels.AGE_BANDS):
        raise ValidationFailed(N_("Unknown value."), field="age_band")
    case = DiseaseCase(enterprise_id=enterprise_id, diagnosed_on=diagnosed_on, icd10=code,
                       harmful_factor=harmful_factor, exposure_years=round(float(exposure_years), 1),
                       isco08=isco08 or None, sex=sex or None, age_band=age_band or None)
    session.add(case)
    session.flush()
    return case


def query(*, session: Session, actor: User, year: int | None = None) -> Select:
    policy.require(actor, "incidents.read")
    q = select(DiseaseCase).where(access.scoped(session, actor, DiseaseCase.enterprise_id)) \
        .order_by(DiseaseCase.diagnosed_on.desc(), DiseaseCase.id.desc())
    if year:
        q = q.where(DiseaseCase.diagnosed_on >= date(year, 1, 1), DiseaseCase.diagnosed_on < date(year + 1, 1, 1))
    return q


def cases_frame(*, session: Session, actor: User, years: list[int]) -> pd.DataFrame:
    policy.require(actor, "incidents.stats")
    return disease_cases(session=session, years=years, where=access.scoped(session, actor, DiseaseCase.enterprise_id))


def disease_cases(*, session: Session, years: list[int], where: ColumnElement[bool]) -> pd.DataFrame:
    """Cases matching `where` diagnosed in `years` (the caller has decided what the reader may see)."""
    year_of = func.extract("year", DiseaseCase.diagnosed_on)
    q = (select(DiseaseCase.enterprise_id, year_of.label("year"), DiseaseCase.harmful_factor)
         .where(where, DiseaseCase.diagnosed_on >= date(min(years), 1, 1),
                DiseaseCase.diagnosed_on < date(max(years) + 1, 1, 1)))
    frame = pd.DataFrame(session.execute(q).all(), columns=["enterprise_id", "year", "harmful_factor"])
    frame["year"] = frame["year"].astype(int) if len(frame) else frame["year"]
    return frame


def rates_for(*, session: Session, actor: User, by: list[str], base: str = "per_100k_workers",
              years: list[int] | None = None) -> list[dict]:
    """Occupational disease rates (cases diagnosed per base) with exact Poisson 95% intervals."""
    from qorgau.incidents.service import check_breakdown, default_years, exposure_frame

    check_breakdown(by, base, DIMENSIONS)
    years = years or default_years()
    expo = exposure_frame(session=session, actor=actor, years=years)
    if expo.empty:
        return []
    return rates.rates_table(cases_frame(session=session, actor=actor, years=years), expo, by or None, base=base)
