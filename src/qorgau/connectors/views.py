"""Connector pages: an enterprise's connectors and connection health, a connector's mapping, the roll-out."""

from __future__ import annotations

from datetime import date

from fastapi import APIRouter, Depends, Form, Query, Request
from fastapi.responses import RedirectResponse
from sqlalchemy import select
from sqlalchemy.orm import Session

from qorgau.connectors import service
from qorgau.connectors.models import (
    FLAG_LABELS,
    PROTOCOL_LABELS,
    STAGE_LABELS,
    STATUS_LABELS,
    Connector,
    Rollout,
)
from qorgau.core import i18n, policy
from qorgau.core.deps import get_db, require_user
from qorgau.core.errors import AppError, ValidationFailed
from qorgau.core.i18n import gettext as _
from qorgau.core.i18n_markers import N_
from qorgau.core.models import User
from qorgau.core.plugins import NavItem
from qorgau.core.tabular import download
from qorgau.core.templating import render
from qorgau.core.types import IdPath
from qorgau.registry import access
from qorgau.registry.models import Enterprise, Site

router = APIRouter(prefix="/connectors")
NAV = [NavItem(N_("Connectors"), "/connectors/", "connectors.read"),
       NavItem(N_("Roll-out"), "/connectors/rollout", "connectors.read")]
ROLLOUT_COLUMNS = (N_("BIN"), N_("Enterprise"), N_("High risk"), N_("Stage"), N_("Stage date"), N_("Due"),
                   N_("Connected"), N_("Active connectors"), N_("Last reading"), N_("Late"))


def _labels() -> dict:
    return {"protocols": PROTOCOL_LABELS, "statuses": STATUS_LABELS, "stages": STAGE_LABELS, "flags": FLAG_LABELS}


@router.get("/")
def index(request: Request, user: User = Depends(require_user), db: Session = Depends(get_db)):
    policy.require(user, "connectors.read")
    if user.scope_kind == "enterprise" and user.scope_enterprise_id:
        return RedirectResponse(f"/connectors/enterprises/{user.scope_enterprise_id}", status_code=303)
    ids = select(Connector.enterprise_id).union(select(Rollout.enterprise_id)).subquery()
    enterprises = list(db.execute(select(Enterprise).where(Enterprise.id.in_(select(ids.c[0])),
                                                           access.enterprise_scope(db, user))
                                  .order_by(Enterprise.id)).scalars())
    return render(request, "connectors/index.html", {"enterprises": enterprises})


def _rollout_context(db: Session, user: User, high_risk: bool, edit: int | None = None) -> dict:
    rows = service.rollout(session=db, actor=user, only_high_risk=high_risk)
    chosen = next((r for r in rows if r["enterprise"].id == edit), None)
    form = {"bin": chosen["enterprise"].bin, "high_risk": chosen["plan"].high_risk, "stage": chosen["plan"].stage,
            "stage_on": chosen["plan"].stage_on or "", "due_on": chosen["plan"].due_on,
            "note": chosen["plan"].note} if chosen else {"high_risk": True, "stage": "mandatory"}
    return {"rows": rows, "summary": service.rollout_summary(rows), "high_risk": high_risk, "form": form,
            "can_plan": policy.allowed(user, "connectors.rollout"), **_labels()}


def _form_date(value: str, field: str) -> date | None:
    if not value.strip():
        return None
    try:
        return date.fromisoformat(value.strip())
    except ValueError:
        raise ValidationFailed(N_("Write the date as YYYY-MM-DD."), field=field) from None


@router.post("/rollout")
def set_rollout(request: Request, bin: str = Form("", max_length=12), high_risk: str = Form(""),
                stage: str = Form("", max_length=16), stage_on: str = Form("", max_length=10),
                due_on: str = Form("", max_length=10), note: str = Form("", max_length=2000),
                user: User = Depends(require_user), db: Session = Depends(get_db)):
    """The roll-out plan form: one enterprise's stage and dates, through the same service as the API."""
    try:
        enterprise = db.execute(select(Enterprise).where(Enterprise.bin == bin.strip())).scalar()
        if enterprise is None:
            raise ValidationFailed(N_("No enterprise with BIN %(bin)s."), field="bin", params={"bin": bin.strip()})
        service.set_rollout(session=db, actor=user, enterprise_id=enterprise.id, high_risk=bool(high_risk),
                            stage=stage, stage_on=_form_date(stage_on, "stage_on"),
                            due_on=_form_date(due_on, "due_on"), note=note)
        db.commit()
    except AppError as error:
        db.rollback()
        context = _rollout_context(db, user, False)
        context.update(error=_(error.message, **error.params), form={
            "bin": bin, "high_risk": bool(high_risk), "stage": stage, "stage_on": stage_on, "due_on": due_on,
            "note": note})
        return render(request, "connectors/rollout.html", context, status_code=error.status)
    return RedirectResponse("/connectors/rollout", status_code=303)


@router.get("/rollout", name="connectors_rollout")
def rollout(request: Request, high_risk: bool = Query(False), format: str = Query("", pattern="^(|csv|xlsx)$"),
            edit: int | None = Query(None, ge=1, le=2**31 - 1),
            user: User = Depends(require_user), db: Session = Depends(get_db)):
    rows = service.rollout(session=db, actor=user, only_high_risk=high_risk)
    if format:
        data = [[r["enterprise"].bin, i18n.localized(r["enterprise"], "name"), _("yes") if r["plan"].high_risk
                 else _("no"), _(STAGE_LABELS[r["plan"].stage]), r["plan"].stage_on or "", r["plan"].due_on,
                 _("yes") if r["connected"] else _("no"), r["connectors"],
                 i18n.format_datetime(r["last_at"]) if r["last_at"] else "", _("yes") if r["late"] else _("no")]
                for r in rows]
        return download([_(c) for c in ROLLOUT_COLUMNS], data, format, "rollout")
    return render(request, "connectors/rollout.html", _rollout_context(db, user, high_risk, edit))


def _enterprise_context(db: Session, user: User, enterprise_id: int) -> dict:
    return {**service.health(session=db, actor=user, enterprise_id=enterprise_id), **_labels(),
            "sites": list(db.execute(select(Site).where(Site.enterprise_id == enterprise_id)).scalars()),
            "can_manage": policy.allowed(user, "connectors.manage")}


@router.get("/enterprises/{enterprise_id}")
def enterprise(request: Request, enterprise_id: IdPath, user: User = Depends(require_user),
               db: Session = Depends(get_db)):
    return render(request, "connectors/enterprise.html", _enterprise_context(db, user, enterprise_id))


def parse_options(text: str) -> dict:
    """`key = value` lines (whole numbers become numbers); a line without '=' is refused with its number."""
    out: dict = {}
    for number, line in enumerate(text.splitlines(), 1):
        if not line.strip() or line.strip().startswith("#"):
            continue
        key, sep, value = line.partition("=")
        if not sep or not key.strip():
            raise ValidationFailed(N_("Options, line %(row)s: write key = value."), field="options",
                                   params={"row": number})
        value = value.strip()
        out[key.strip()] = int(value) if value.lstrip("-").isdigit() else value
    return out


@router.post("/enterprises/{enterprise_id}")
def create(request: Request, enterprise_id: IdPath, name: str = Form("", max_length=200),
           protocol: str = Form("", max_length=16), address: str = Form("", max_length=500),
           site_id: str = Form("", max_length=12), options: str = Form("", max_length=5000),
           username: str = Form("", max_length=200), password: str = Form("", max_length=500),
           expected_interval_s: float = Form(10.0, ge=0.1, le=86400),
           user: User = Depends(require_user), db: Session = Depends(get_db)):
    try:
        made = service.create_connector(
            session=db, actor=user, enterprise_id=enterprise_id, name=name, protocol=protocol, address=address,
            site_id=int(site_id) if site_id.isdigit() else None, options=parse_options(options),
            credentials={"username": username, "password": password}, expected_interval_s=expected_interval_s)
        db.commit()
    except AppError as error:
        db.rollback()
        context = _enterprise_context(db, user, enterprise_id)
        context.update(error=_(error.message, **error.params), form={"name": name, "protocol": protocol,
                                                                    "address": address, "options": options})
        return render(request, "connectors/enterprise.html", context, status_code=error.status)
    return RedirectResponse(f"/connectors/{made.id}", status_code=303)


def _connector_context(db: Session, user: User, connector_id: int) -> dict:
    connector = service.get_connector(session=db, actor=user, connector_id=connector_id)
    config = service.runtime_config(db, connector, with_credentials=False)
    lines = [",".join(str(v) if v is not None else "" for v in (
        p.source, p.sensor, p.kind, p.unit, f"{p.scale:g}", f"{p.offset:g}", p.data_type, p.byte_order, p.word_order,
        p.flag, p.bit)) for p in config.points]
    return {"connector": connector, "points": config.points, "mapping": "\n".join(lines), **_labels(),
            "enterprise": db.get(Enterprise, connector.enterprise_id),
            "can_manage": policy.allowed(user, "connectors.manage")}


@router.get("/{connector_id}")
def connector_page(request: Request, connector_id: IdPath, user: User = Depends(require_user),
                   db: Session = Depends(get_db)):
    return render(request, "connectors/connector.html", _connector_context(db, user, connector_id))


@router.post("/{connector_id}/mapping")
def mapping(request: Request, connector_id: IdPath, mapping: str = Form("", max_length=400_000),
            user: User = Depends(require_user), db: Session = Depends(get_db)):
    try:
        service.set_points(session=db, actor=user, connector_id=connector_id, points=service.parse_mapping(mapping))
        db.commit()
    except AppError as error:
        db.rollback()
        context = _connector_context(db, user, connector_id)
        context.update(error=_(error.message, **error.params), mapping=mapping)
        return render(request, "connectors/connector.html", context, status_code=error.status)
    return RedirectResponse(f"/connectors/{connector_id}", status_code=303)


@router.post("/{connector_id}/status")
def status(request: Request, connector_id: IdPath, status: str = Form("", max_length=16),
           user: User = Depends(require_user), db: Session = Depends(get_db)):
    try:
        service.set_status(session=db, actor=user, connector_id=connector_id, status=status)
        db.commit()
    except AppError as error:
        db.rollback()
        context = _connector_context(db, user, connector_id)
        context.update(error=_(error.message, **error.params))
        return render(request, "connectors/connector.html", context, status_code=error.status)
    return RedirectResponse(f"/connectors/{connector_id}", status_code=303)
