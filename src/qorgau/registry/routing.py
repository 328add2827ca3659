"""Union routing: which organisation of the union tree receives what concerns an enterprise, or a sector and
region when no enterprise is named (Worker Speaks reports, AI filings, the violation escalation ladder)."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from qorgau.registry.models import Enterprise, UnionOrg


def receiving_union(session: Session, *, enterprise: Enterprise | None, region_kato: str | None,
                    sector_code: str | None) -> UnionOrg | None:
    """The enterprise's primary organisation, else the sectoral union, else the regional one, else the federation."""
    if enterprise is not None and enterprise.primary_union_id:
        return session.get(UnionOrg, enterprise.primary_union_id)
    sector = enterprise.sector_code if enterprise is not None else sector_code
    region = enterprise.region_kato if enterprise is not None else region_kato
    for kind, column, value in (("sectoral", UnionOrg.sector_code, sector), ("regional", UnionOrg.region_kato, region)):
        if value:
            org = session.execute(select(UnionOrg).where(UnionOrg.kind == kind, column == value).limit(1)).scalar()
            if org is not None:
                return org
    return session.execute(select(UnionOrg).where(UnionOrg.kind == "federation").limit(1)).scalar()


def sectoral_union_ids(session: Session, sector_code: str | None) -> list[int]:
    """The sectoral unions of an OKED section."""
    return list(session.execute(select(UnionOrg.id).where(UnionOrg.kind == "sectoral",
                                                          UnionOrg.sector_code == sector_code)).scalars())
