"""JSON routes of the accident registry under /api/v1/incidents."""

from __future__ import annotations

from fastapi import APIRouter, Depends, Query
from sqlalchemy.orm import Session

from qorgau.core.deps import get_db, require_user, writer
from qorgau.core.models import User
from qorgau.core.pagination import PageParams, page_params, paginate
from qorgau.core.types import IdPath
from qorgau.incidents import public, service
from qorgau.incidents.schemas import AccidentIn, AccidentOut, RateRow, SeverityRow

router = APIRouter()


def _out(accident) -> dict:
    return {**{k: getattr(accident, k) for k in AccidentOut.model_fields if k not in ("victims", "fatal", "serious")},
            **service.summary(accident)}


@router.get("/accidents", response_model=list[AccidentOut])
def list_accidents(year: int | None = Query(None, ge=1990, le=2100), category: str = Query("", max_length=16),
                   params: PageParams = Depends(page_params), db: Session = Depends(get_db),
                   user: User = Depends(require_user)):
    """Accidents at enterprises in your scope, newest first."""
    paged = paginate(db, service.accidents_query(session=db, actor=user, year=year, category=category), params)
    return [_out(a) for a in paged.items]


@router.post("/accidents", response_model=AccidentOut, status_code=201)
def record_accident(body: AccidentIn, db: Session = Depends(get_db), user: User = Depends(writer)):
    """Register an accident; its category, commission and investigation deadline follow the Labour Code."""
    accident = service.record(session=db, actor=user, accident_in=body)
    db.commit()
    return _out(accident)


@router.get("/accidents/{accident_id}", response_model=AccidentOut)
def get_accident(accident_id: IdPath, db: Session = Depends(get_db), user: User = Depends(require_user)):
    return _out(service.get(session=db, actor=user, accident_id=accident_id))


@router.get("/rates", response_model=list[RateRow])
def rates(by: str = Query("region", max_length=80, description="Comma-separated: region, sector, size_band, union, "
                                                                "year, enterprise, cause"),
          base: str = Query("per_1000_workers", max_length=20, description="per_1m_hours, per_1000_workers, "
                                                                           "per_100k_workers, per_200k_hours"),
          severity: str = Query("all", max_length=20), db: Session = Depends(get_db),
          user: User = Depends(require_user)):
    """Rates with exact Poisson 95% intervals over the last five full years; every row names its base."""
    return service.rates_for(session=db, actor=user, by=[b for b in by.split(",") if b], base=base, severity=severity)


@router.get("/severity", response_model=list[SeverityRow])
def severity(by: str = Query("year", max_length=80, description="Comma-separated: region, sector, size_band, union, "
                                                                "year, enterprise, cause"),
             base: str = Query("per_1m_hours", max_length=20, description="per_1m_hours, per_1000_workers, "
                                                                          "per_100k_workers, per_200k_hours"),
             severity: str = Query("all", max_length=20), db: Session = Depends(get_db),
             user: User = Depends(require_user)):
    """Days lost per base over the last five full years. Victims whose days lost are not known are left out of
    the days and counted in `days_unknown`, never read as zero days."""
    return service.severity_for(session=db, actor=user, by=[b for b in by.split(",") if b], base=base,
                                severity=severity)


@router.get("/public/rates", response_model=list[RateRow])
def public_rates(by: str = Query("region", pattern="^(year|region|sector)$"),
                 db: Session = Depends(get_db)):
    """National accident rates per 1,000 workers over the last five full years, for everyone; cells with fewer
    than 5 cases are hidden (cases, rate and interval null, `suppressed` true)."""
    return public.national(session=db)[f"by_{by}"]
