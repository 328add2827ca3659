"""JSON routes of connectors under /api/v1/connectors: connectors and mappings, SenML pushes, edge agents'
configuration and reports, connection health and the roll-out plan."""

from __future__ import annotations

import time
from typing import Annotated

from fastapi import APIRouter, Depends, Query, Request
from pydantic import Field
from sqlalchemy.orm import Session

from qorgau.connectors import service
from qorgau.connectors.models import Connector
from qorgau.connectors.schemas import (
    ConnectorIn,
    ConnectorOut,
    ConnectorUpdateIn,
    EdgeReportIn,
    EdgeReportOut,
    EdgeStatusesIn,
    EdgeStatusesOut,
    PointIn,
    PointOut,
    PushOut,
    RolloutIn,
    RolloutOut,
    StatusIn,
    ZoneHealthOut,
)
from qorgau.core.deps import get_db, require_scope, require_user, writer
from qorgau.core.models import User
from qorgau.core.types import MAX_ID, IdPath
from qorgau.monitoring import service as monitoring
from qorgau.registry.api import BinPath

router = APIRouter()


async def raw_body(request: Request) -> bytes:
    """The request body, refused beyond 4 MiB without reading the rest."""
    return await monitoring.read_payload(request.stream())


def telemetry_user(request: Request, user: User = Depends(require_user)) -> User:
    require_scope(request, "telemetry")
    return user


def connector_out(c: Connector, session: Session) -> dict:
    config = service.runtime_config(session, c, with_credentials=False)
    return {"id": c.id, "enterprise_id": c.enterprise_id, "site_id": c.site_id, "name": c.name,
            "protocol": c.protocol, "address": c.address, "options": c.options or {},
            "has_credentials": c.credentials_encrypted is not None, "status": c.status,
            "expected_interval_s": c.expected_interval_s,
            "points": [{k: getattr(p, k) for k in PointOut.model_fields} for p in config.points]}


@router.get("/enterprises/{enterprise_id}/connectors", response_model=list[ConnectorOut])
def list_connectors(enterprise_id: IdPath, db: Session = Depends(get_db), user: User = Depends(require_user)):
    """The enterprise's connectors with their mappings (credentials are never returned)."""
    return [connector_out(c, db) for c in service.connectors_of(session=db, actor=user, enterprise_id=enterprise_id)]


@router.post("/enterprises/{enterprise_id}/connectors", response_model=ConnectorOut, status_code=201)
def create_connector(enterprise_id: IdPath, body: ConnectorIn, db: Session = Depends(get_db),
                     user: User = Depends(writer)):
    """A new connector (draft); credentials are stored encrypted."""
    data = body.model_dump()
    made = service.create_connector(session=db, actor=user, enterprise_id=enterprise_id,
                                    credentials=data.pop("credentials") or {}, **data)
    db.commit()
    return connector_out(made, db)


@router.get("/connectors/{connector_id}", response_model=ConnectorOut)
def get_connector(connector_id: IdPath, db: Session = Depends(get_db), user: User = Depends(require_user)):
    return connector_out(service.get_connector(session=db, actor=user, connector_id=connector_id), db)


@router.patch("/connectors/{connector_id}", response_model=ConnectorOut)
def update_connector(connector_id: IdPath, body: ConnectorUpdateIn, db: Session = Depends(get_db),
                     user: User = Depends(writer)):
    """Change the fields sent; credentials sent replace the stored ones."""
    made = service.update_connector(session=db, actor=user, connector_id=connector_id,
                                    changes=body.model_dump(exclude_unset=True))
    db.commit()
    return connector_out(made, db)


@router.put("/connectors/{connector_id}/points", response_model=ConnectorOut)
def set_points(connector_id: IdPath, body: list[PointIn], db: Session = Depends(get_db),
               user: User = Depends(writer)):
    """Replace the mapping of tags, registers or metrics to sensors (all rows checked before any is kept)."""
    service.set_points(session=db, actor=user, connector_id=connector_id, points=[p.model_dump() for p in body])
    db.commit()
    return connector_out(service.get_connector(session=db, actor=user, connector_id=connector_id), db)


@router.post("/connectors/{connector_id}/status", response_model=ConnectorOut)
def set_status(connector_id: IdPath, body: StatusIn, db: Session = Depends(get_db), user: User = Depends(writer)):
    made = service.set_status(session=db, actor=user, connector_id=connector_id, status=body.status)
    db.commit()
    return connector_out(made, db)


@router.post("/connectors/{connector_id}/senml", response_model=PushOut,
             openapi_extra={"requestBody": {"required": True, "content": {"application/senml+json": {"schema": {}},
                                                                          "application/json": {"schema": {}}}}})
def push_senml(connector_id: IdPath, user: User = Depends(telemetry_user), db: Session = Depends(get_db),
               payload: bytes = Depends(raw_body)):
    """A SenML (RFC 8428) JSON pack from a gateway, for a SenML-over-HTTP connector (telemetry token)."""
    try:
        out = service.push_senml(session=db, actor=user, connector_id=connector_id, payload=payload)
        db.commit()
    except Exception:
        service.forget_feeds()
        raise
    return out


@router.get("/edge-config")
def edge_config(connector: list[Annotated[int, Field(ge=1, le=MAX_ID)]] = Query(..., description="Connector ids "
                                                                                       "the agent runs"),
                agent: str = Query("edge", max_length=100, pattern=r"^[A-Za-z0-9._-]+$"),
                db: Session = Depends(get_db), user: User = Depends(writer)):
    """An edge agent's configuration file (it holds the connectors' credentials: keep it like a key)."""
    out = service.edge_config(session=db, actor=user, connector_ids=connector, agent=agent)
    db.commit()
    return out


@router.post("/edge/{enterprise_bin}/reports", response_model=EdgeReportOut)
def edge_report(enterprise_bin: BinPath, body: EdgeReportIn, user: User = Depends(telemetry_user),
                db: Session = Depends(get_db)):
    """An edge agent's report: its clock drift and queue; the reply carries the platform's clock."""
    report = service.record_edge_report(session=db, actor=user, enterprise_bin=enterprise_bin, **body.model_dump())
    db.commit()
    return {"agent": report.agent, "reported_at": report.reported_at, "drift_s": report.drift_s,
            "queued": report.queued, "dropped": report.dropped, "server_time": time.time()}


@router.post("/edge/{enterprise_bin}/statuses", response_model=EdgeStatusesOut)
def edge_statuses(enterprise_bin: BinPath, body: EdgeStatusesIn, user: User = Depends(telemetry_user),
                  db: Session = Depends(get_db)):
    """Detector status and link changes an edge agent queued, with their original times, into the alarms
    (a resent batch is not applied twice)."""
    try:
        out = service.push_edge_statuses(session=db, actor=user, enterprise_bin=enterprise_bin,
                                          **body.model_dump())
        db.commit()
    except Exception:
        service.forget_feeds()
        raise
    return out


@router.get("/enterprises/{enterprise_id}/health", response_model=list[ZoneHealthOut])
def health(enterprise_id: IdPath, db: Session = Depends(get_db), user: User = Depends(require_user)):
    """Per zone: connected, last reading, completeness over the last hour, sensors offline or overdue."""
    out = service.health(session=db, actor=user, enterprise_id=enterprise_id)
    return [{**{k: v for k, v in z.items() if k != "zone"}, "zone_id": z["zone"].id, "zone": z["zone"].name}
            for z in out["zones"]]


def rollout_out(row: dict) -> dict:
    e, plan = row["enterprise"], row["plan"]
    return {"enterprise_id": e.id, "bin": e.bin, "name": e.name_ru or e.name_en, "high_risk": plan.high_risk,
            "stage": plan.stage, "stage_on": plan.stage_on, "due_on": plan.due_on, "connected": row["connected"],
            "connectors": row["connectors"], "last_at": row["last_at"], "late": row["late"], "behind": row["behind"]}


@router.get("/rollout", response_model=list[RolloutOut])
def rollout(high_risk: bool = Query(False, description="Only high-risk enterprises"), db: Session = Depends(get_db),
            user: User = Depends(require_user)):
    """The roll-out plan in your scope: stage and date, connected or not, late against the obligation."""
    return [rollout_out(r) for r in service.rollout(session=db, actor=user, only_high_risk=high_risk)]


@router.put("/rollout/{enterprise_id}", response_model=RolloutOut)
def set_rollout(enterprise_id: IdPath, body: RolloutIn, db: Session = Depends(get_db), user: User = Depends(writer)):
    service.set_rollout(session=db, actor=user, enterprise_id=enterprise_id, **body.model_dump())
    db.commit()
    row = next(r for r in service.rollout(session=db, actor=user) if r["enterprise"].id == enterprise_id)
    return rollout_out(row)
