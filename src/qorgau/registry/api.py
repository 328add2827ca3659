"""JSON routes of the registry under /api/v1/registry."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, File, Path, Query, UploadFile
from sqlalchemy.orm import Session

from qorgau.core.deps import get_db, require_user, writer
from qorgau.core.models import User
from qorgau.core.pagination import PageParams, page_params, paginate
from qorgau.core.tabular import ImportFailed
from qorgau.core.types import IdPath
from qorgau.core.web import ErrorOut
from qorgau.registry import service
from qorgau.registry.schemas import (
    EnterpriseIn,
    EnterpriseOut,
    EnterprisePage,
    EnterpriseUpdate,
    ImportResult,
    OccupationOut,
    RegionOut,
    SectorOut,
    SiteIn,
    SiteOut,
    UnionOrgIn,
    UnionOrgOut,
    ZoneIn,
    ZoneOut,
)

router = APIRouter()
# The enterprise's BIN as a path parameter, for any capability's routes keyed by it.
BinPath = Annotated[str, Path(pattern=r"^[0-9]{12}$", description="The enterprise's BIN (12 digits)")]


@router.get("/regions", response_model=list[RegionOut])
def list_regions(db: Session = Depends(get_db), user: User = Depends(require_user)):
    """The 20 first-level units of Kazakhstan with KATO codes."""
    return service.regions(session=db)


@router.get("/sectors", response_model=list[SectorOut])
def list_sectors(db: Session = Depends(get_db), user: User = Depends(require_user)):
    """OKED sections A-U."""
    return service.sectors(session=db)


@router.get("/occupations", response_model=list[OccupationOut])
def list_occupations(q: str = Query("", max_length=100), level: int | None = Query(None, ge=1, le=4),
                     params: PageParams = Depends(page_params), db: Session = Depends(get_db),
                     user: User = Depends(require_user)):
    """ISCO-08 groups, searchable by code or title."""
    return paginate(db, service.occupations_query(q=q, level=level), params).items


@router.get("/unions", response_model=list[UnionOrgOut])
def list_unions(db: Session = Depends(get_db), user: User = Depends(require_user)):
    """The union tree: federation, sectoral and regional unions, primary organisations."""
    return service.union_orgs(session=db)


@router.post("/unions", response_model=UnionOrgOut, status_code=201)
def create_union(body: UnionOrgIn, db: Session = Depends(get_db), user: User = Depends(writer)):
    """Add a union organisation to the tree (administrators)."""
    org = service.create_union_org(session=db, actor=user, union_in=body)
    db.commit()
    return org


@router.get("/enterprises", response_model=EnterprisePage)
def list_enterprises(q: str = Query("", max_length=100), region_kato: str = Query("", max_length=9),
                     sector_code: str = Query("", max_length=1), params: PageParams = Depends(page_params),
                     db: Session = Depends(get_db), user: User = Depends(require_user)):
    """Enterprises in your scope, searched by name, BIN or town."""
    query = service.enterprises_query(session=db, actor=user, q=q, region_kato=region_kato,
                                      sector_code=sector_code)
    paged = paginate(db, query, params)
    return {"items": paged.items, **paged.meta().model_dump()}


@router.post("/enterprises", response_model=EnterpriseOut, status_code=201)
def create_enterprise(body: EnterpriseIn, db: Session = Depends(get_db), user: User = Depends(writer)):
    """Register an enterprise; the BIN's check digit is validated."""
    enterprise = service.create_enterprise(session=db, actor=user, enterprise_in=body)
    db.commit()
    return enterprise


@router.get("/enterprises/{enterprise_id}", response_model=EnterpriseOut)
def get_enterprise(enterprise_id: IdPath, db: Session = Depends(get_db), user: User = Depends(require_user)):
    return service.get_enterprise(session=db, actor=user, enterprise_id=enterprise_id)


@router.patch("/enterprises/{enterprise_id}", response_model=EnterpriseOut)
def update_enterprise(enterprise_id: IdPath, body: EnterpriseUpdate, db: Session = Depends(get_db),
                      user: User = Depends(writer)):
    enterprise = service.update_enterprise(session=db, actor=user, enterprise_id=enterprise_id, update=body)
    db.commit()
    return enterprise


@router.get("/enterprises/{enterprise_id}/sites", response_model=list[SiteOut])
def list_sites(enterprise_id: IdPath, db: Session = Depends(get_db), user: User = Depends(require_user)):
    return service.get_enterprise(session=db, actor=user, enterprise_id=enterprise_id).sites


@router.post("/enterprises/{enterprise_id}/sites", response_model=SiteOut, status_code=201)
def add_site(enterprise_id: IdPath, body: SiteIn, db: Session = Depends(get_db), user: User = Depends(writer)):
    site = service.add_site(session=db, actor=user, enterprise_id=enterprise_id, site_in=body)
    db.commit()
    return site


@router.get("/sites/{site_id}/zones", response_model=list[ZoneOut])
def list_zones(site_id: IdPath, db: Session = Depends(get_db), user: User = Depends(require_user)):
    return service.get_site(session=db, actor=user, site_id=site_id).zones


@router.post("/sites/{site_id}/zones", response_model=ZoneOut, status_code=201)
def add_zone(site_id: IdPath, body: ZoneIn, db: Session = Depends(get_db), user: User = Depends(writer)):
    zone = service.add_zone(session=db, actor=user, site_id=site_id, zone_in=body)
    db.commit()
    return zone


@router.post("/enterprises/import", response_model=ImportResult,
             responses={422: {"description": "Row-level errors; nothing was written", "model": ErrorOut}})
def import_enterprises(file: UploadFile = File(...), db: Session = Depends(get_db), user: User = Depends(writer)):
    """Create or update enterprises from CSV or XLSX; a file with any error writes nothing."""
    data = file.file.read()
    try:
        counts = service.import_enterprises(session=db, actor=user, data=data, filename=file.filename or "")
    except ImportFailed as failed:
        db.rollback()
        from fastapi.responses import JSONResponse

        from qorgau.core.web import error_body

        body = error_body(failed.code, failed.message, None, failed.params)
        body["error"]["problems"] = [p.as_dict() for p in failed.problems]
        return JSONResponse(body, status_code=422)
    db.commit()
    return {**counts, "errors": []}
