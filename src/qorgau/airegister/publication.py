"""What the register publishes: the workers' page of systems at their workplace, the open feed of
approved registrations and the federation's rows for export."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from qorgau.airegister.models import APPROVED, PUBLIC_STATUSES, Filing
from qorgau.airegister.reading import classification, data_of, list_query
from qorgau.core import i18n
from qorgau.core.db import utcnow
from qorgau.core.models import User
from qorgau.registry.models import Enterprise


def workplace_systems(*, session: Session, enterprise_id: int) -> list[Filing]:
    """What the workers of an enterprise may know: every system filed with their union (not drafts)."""
    return list(session.execute(select(Filing).where(Filing.enterprise_id == enterprise_id,
                                                     Filing.status.in_(PUBLIC_STATUSES))
                                .order_by(Filing.id)).scalars())
FEED_SCHEMA = "https://qorgau.kz/schemas/airegister-feed"
FEED_VERSION = "1.0"


def feed(*, session: Session) -> dict:
    """The open feed of approved registrations (docs/airegister/feed-schema.md)."""
    query = (select(Filing, Enterprise).join(Enterprise, Enterprise.id == Filing.enterprise_id)
             .where(Filing.status.in_(APPROVED)).order_by(Filing.reference))
    items = []
    for filing, enterprise in session.execute(query):
        data = data_of(filing)
        result = classification(filing, data)
        updated = max([filing.created_at] + [v.created_at for v in filing.versions] + [e.at for e in filing.events])
        items.append({
            "reference": filing.reference, "version": filing.current_version, "name": data["name"],
            "purpose": data["purpose"], "vendor": data.get("vendor", ""),
            "employer": {"bin": enterprise.bin, "name_ru": enterprise.name_ru, "name_kk": enterprise.name_kk,
                         "name_en": enterprise.name_en},
            "sector": enterprise.sector_code, "region_kato": enterprise.region_kato, "areas": data["areas"],
            "autonomy": data.get("autonomy", "recommends"), "risk_kz": result.risk_kz.value,
            "autonomy_kz": result.autonomy_kz.value, "eu_category": result.eu_category.value,
            "rules": sorted({f.rule for r in (result.risk_kz, result.autonomy_kz, result.eu_category)
                             for f in r.fired}),
            "safeguards": list(result.safeguards), "outcome": filing.status, "decided_on": filing.decided_on,
            "conditions": [{"text": c.text, "due_on": c.due_on, "status": c.status} for c in filing.conditions],
            "next_review_on": filing.next_review_on,
            "jobs": {"affected": data.get("headcount", 0), "changed": data.get("jobs_changed", 0),
                     "removed": data.get("jobs_removed", 0), "created": data.get("jobs_created", 0)},
            "occupations": [{"isco08": o["isco08"], "headcount": o["headcount"], "removed": o.get("removed", 0)}
                            for o in data.get("occupations", [])],
            "suspension_recommended": filing.suspension_recommended, "updated_at": updated})
    return {"schema": FEED_SCHEMA, "schema_version": FEED_VERSION, "generated_at": utcnow(),
            "licence": "CC BY 4.0", "items": items}


def federation_rows(*, session: Session, actor: User, status: str = "", risk: str = "", eu: str = "",
                    sector: str = "") -> list[dict]:
    """The register as rows (for the federation's list and its CSV/XLSX export)."""
    query = list_query(session=session, actor=actor, status=status, risk=risk, eu=eu, sector=sector)
    filings = list(session.execute(query).scalars())
    enterprises = {e.id: e for e in session.execute(select(Enterprise).where(
        Enterprise.id.in_({f.enterprise_id for f in filings}))).scalars()} if filings else {}
    rows = []
    for filing in filings:
        enterprise = enterprises[filing.enterprise_id]
        data = data_of(filing)
        rows.append({"reference": filing.reference, "name": filing.name,
                     "enterprise": i18n.localized(enterprise, "name"),
                     "bin": enterprise.bin, "sector": enterprise.sector_code, "region": enterprise.region_kato,
                     "status": filing.status, "risk_kz": filing.risk_kz, "eu_category": filing.eu_category,
                     "areas": ",".join(data["areas"]), "headcount": data.get("headcount", 0),
                     "jobs_removed": data.get("jobs_removed", 0), "jobs_created": data.get("jobs_created", 0),
                     "version": filing.current_version, "decided_on": filing.decided_on,
                     "suspension_recommended": filing.suspension_recommended, "id": filing.id})
    return rows
