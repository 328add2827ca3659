"""Bio-safety pages: surveillance (clusters with their alerts, cases by region, detection, import and export),
a cluster's explanation and decision, the agents list with risk groups and sources, the exposure register."""

from __future__ import annotations

from fastapi import APIRouter, Depends, File, Query, Request, UploadFile
from fastapi.responses import RedirectResponse
from sqlalchemy.orm import Session
from starlette.datastructures import FormData

from qorgau.biosafety import agents as agents_mod
from qorgau.biosafety import exchange, service
from qorgau.biosafety.models import BioCluster
from qorgau.biosafety.schemas import DecisionIn, ExposureIn
from qorgau.biosafety.states import ACTIVITIES, CLUSTER_MOVES, CONTROLS, STATUS_LABELS, ClusterStatus
from qorgau.core import forms, i18n, policy
from qorgau.core.deps import form_data, get_db, require_user
from qorgau.core.errors import AppError, NotFound
from qorgau.core.i18n import gettext as _
from qorgau.core.i18n_markers import N_
from qorgau.core.models import User
from qorgau.core.plugins import NavItem, Panel, PanelItem
from qorgau.core.templating import render
from qorgau.core.types import IdPath
from qorgau.registry import access
from qorgau.registry import service as registry_service

router = APIRouter(prefix="/biosafety")
NAV = [NavItem(N_("Bio-safety surveillance"), "/biosafety/", "biosafety.read")]
LABELS = {"diseases": agents_mod.DISEASES, "kinds": agents_mod.KINDS, "activities": ACTIVITIES,
          "controls": CONTROLS, "status_labels": STATUS_LABELS}
MOVE_LABELS = {ClusterStatus.CONFIRMED: N_("Confirm the outbreak"), ClusterStatus.DISMISSED: N_("Dismiss the alert"),
               ClusterStatus.OPEN: N_("Reopen the alert")}


def _page(request: Request, db: Session, template: str, context: dict, status_code: int = 200):
    return render(request, template, {"demo": service.has_demo(db), "regions": service.region_names(db), **LABELS, **context},
                  status_code=status_code)


def _saved(db: Session, result):
    db.commit()
    return result


def home_panels(request: Request, db: Session, user: User) -> list[Panel]:
    if not policy.allowed(user, "biosafety.alerted"):
        return []
    open_clusters, total = service.open_clusters(session=db, actor=user)
    items = [PanelItem(_("%(disease)s: %(cases)s cases", disease=_(agents_mod.DISEASES[c.disease]), cases=c.cases),
                       f"/biosafety/clusters/{c.id}", _("open alert"), "warn") for c in open_clusters]
    return [Panel(title=_("Infection clusters"), order=48, figure=i18n.format_number(total), items=items,
                  link="/biosafety/", link_label=_("Bio-safety surveillance"), empty=_("No open alert."))]


@router.get("/")
def surveillance(request: Request, disease: str = Query("", max_length=24), user: User = Depends(require_user),
                 db: Session = Depends(get_db)):
    policy.require(user, "biosafety.read")
    if disease and disease not in agents_mod.DISEASES:
        disease = ""
    clusters = service.clusters(session=db, actor=user)
    cases, by_region = [], []
    if policy.allowed(user, "biosafety.cases"):
        cases, by_region = service.cases_by_region(session=db, actor=user, disease=disease)
    return _page(request, db, "biosafety/surveillance.html",
                 {"clusters": clusters, "cases": cases, "by_region": by_region, "disease": disease,
                  "can_detect": policy.allowed(user, "biosafety.detect"),
                  "can_import": policy.allowed(user, "biosafety.import"),
                  "can_export": policy.allowed(user, "biosafety.export"),
                  "queued": request.query_params.get("queued", "")[:12]})


@router.post("/detect")
def detect(request: Request, user: User = Depends(require_user), db: Session = Depends(get_db)):
    job_id = service.request_detection(session=db, actor=user)
    db.commit()
    return RedirectResponse(f"/biosafety/?queued={job_id}", status_code=303)


@router.get("/clusters/{cluster_id}")
def cluster_page(request: Request, cluster_id: IdPath, user: User = Depends(require_user),
                 db: Session = Depends(get_db), error: str = ""):
    cluster = service.get_cluster(session=db, actor=user, cluster_id=cluster_id)
    return _cluster(request, db, user, cluster, error)


def _cluster(request: Request, db: Session, user: User, cluster: BioCluster, error: str = "", status_code: int = 200):
    return _page(request, db, "biosafety/cluster.html", {
        "c": cluster, **service.cluster_context(session=db, actor=user, cluster=cluster), "error": error,
        "case_list": service.cluster_cases(session=db, actor=user, cluster=cluster),
        "moves": CLUSTER_MOVES.next_states(cluster.status) if policy.allowed(user, "biosafety.decide") else [],
        "move_labels": MOVE_LABELS}, status_code=status_code)


@router.post("/clusters/{cluster_id}/decision")
def cluster_decision(request: Request, cluster_id: IdPath, user: User = Depends(require_user),
                     db: Session = Depends(get_db), form: FormData = Depends(form_data)):
    return forms.submit(db, lambda: _saved(db, service.decide(
        session=db, actor=user, cluster_id=cluster_id,
        decision=DecisionIn(status=str(form.get("status", ""))[:12], reason=str(form.get("reason", ""))[:2000]))),
        done=lambda _cluster_: RedirectResponse(f"/biosafety/clusters/{cluster_id}", status_code=303),
        again=lambda message, _field: _cluster(
            request, db, user, service.get_cluster(session=db, actor=user, cluster_id=cluster_id), message))


@router.get("/agents")
def agents_page(request: Request, user: User = Depends(require_user), db: Session = Depends(get_db)):
    return _page(request, db, "biosafety/agents.html", {"agents": service.agent_list(actor=user),
                                                        "locale": i18n.get_locale()})


@router.get("/exposure")
def register(request: Request, user: User = Depends(require_user), db: Session = Depends(get_db)):
    return _page(request, db, "biosafety/register.html", {"rows": service.register_summary(session=db, actor=user)})


@router.get("/exposure/{enterprise_id}")
def enterprise_register(request: Request, enterprise_id: IdPath, user: User = Depends(require_user),
                        db: Session = Depends(get_db)):
    return _enterprise(request, db, user, enterprise_id)


def _enterprise(request: Request, db: Session, user: User, enterprise_id: int, error: str = "",
                values: dict | None = None, status_code: int = 200):
    access.require_enterprise(db, user, "biosafety.read", enterprise_id)
    enterprise = registry_service.enterprise_by_id(session=db, enterprise_id=enterprise_id)
    if enterprise is None:
        raise NotFound("Not found.")
    entries = service.exposures(session=db, actor=user, enterprise_id=enterprise_id)
    zones = registry_service.zones_of_enterprise(session=db, enterprise_id=enterprise_id)
    return _page(request, db, "biosafety/enterprise.html", {
        "enterprise": enterprise, "entries": entries, "zones": {z.id: z for z in zones},
        "agents_by_code": agents_mod.by_code(), "agent_list": agents_mod.agents(), "locale": i18n.get_locale(),
        "can_write": policy.allowed(user, "biosafety.exposure"), "error": error, "values": values or {},
        "coverage": service.coverage}, status_code=status_code)


def _count(form: FormData, name: str) -> int | None:
    text = str(form.get(name, "")).strip()
    if not text:
        return None
    if not text.isdigit() or len(text) > 7:
        raise AppError(N_("Write a whole number of workers, or leave it blank when not known."), field=name)
    return int(text)


@router.post("/exposure/{enterprise_id}")
def add_entry(request: Request, enterprise_id: IdPath, user: User = Depends(require_user),
              db: Session = Depends(get_db), form: FormData = Depends(form_data)):
    values = {k: str(form.get(k, ""))[:1000] for k in ("activity", "agent_code", "zone_id", "exposed_workers",
                                                       *CONTROLS, "note")}
    def action():
        zone = values["zone_id"]
        body = ExposureIn(activity=values["activity"][:16], agent_code=values["agent_code"][:40],
                          zone_id=int(zone) if zone.isdigit() and len(zone) < 10 else None,
                          exposed_workers=_count(form, "exposed_workers"),
                          **{c: _count(form, c) for c in CONTROLS}, note=values["note"])
        return _saved(db, service.add_exposure(session=db, actor=user, enterprise_id=enterprise_id, exposure_in=body))

    return forms.submit(db, action,
                        done=lambda _entry: RedirectResponse(f"/biosafety/exposure/{enterprise_id}", status_code=303),
                        again=lambda message, _field: _enterprise(request, db, user, enterprise_id, message, values))


# ---- case lists: import and export --------------------------------------------------------------------------

@router.get("/import")
def import_form(request: Request, user: User = Depends(require_user), db: Session = Depends(get_db)):
    policy.require(user, "biosafety.import")
    return _page(request, db, "biosafety/import.html", {"columns": exchange.COLUMNS})


@router.post("/import")
def import_upload(request: Request, file: UploadFile = File(...), user: User = Depends(require_user),
                  db: Session = Depends(get_db)):
    from qorgau.core.imports import FileProblems
    from qorgau.core.imports.flow import preview, stage

    policy.require(user, "biosafety.import")
    data_dir, filename = request.app.state.settings.data_dir, (file.filename or "cases.csv")[:200]
    try:
        token = stage(actor=user, importer=exchange.CASES, data=file.file.read(), filename=filename,
                      data_dir=data_dir)
        checked = preview(session=db, actor=user, importer=exchange.CASES, token=token, data_dir=data_dir)
    except FileProblems as error:
        db.rollback()
        return _page(request, db, "biosafety/import.html", {"columns": exchange.COLUMNS,
                                                            "problems": error.problems}, 422)
    db.rollback()
    return _page(request, db, "biosafety/import.html", {"columns": exchange.COLUMNS, "token": token,
                                                        "filename": filename, "p": checked})


@router.post("/import/commit")
def import_commit(request: Request, user: User = Depends(require_user), db: Session = Depends(get_db),
                  form: FormData = Depends(form_data)):
    from qorgau.core.imports.flow import commit

    token = str(form.get("token", ""))[:64]
    return forms.submit(db, lambda: _saved(db, commit(session=db, actor=user, importer=exchange.CASES, token=token,
                                                      data_dir=request.app.state.settings.data_dir)),
                        done=lambda result: _page(request, db, "biosafety/import.html",
                                                  {"columns": exchange.COLUMNS, "result": result}),
                        again=lambda message, _field: _page(request, db, "biosafety/import.html",
                                                            {"columns": exchange.COLUMNS, "failed": message}))


@router.get("/export")
def export(what: str = Query("cases", pattern="^(cases|clusters)$"), fmt: str = Query("csv", pattern="^(csv|json)$"),
           user: User = Depends(require_user), db: Session = Depends(get_db)):
    from fastapi.responses import JSONResponse

    from qorgau.core.tabular import download

    if fmt == "json":
        return JSONResponse(exchange.export_json(session=db, actor=user), headers={
            "Content-Disposition": 'attachment; filename="biosafety.json"'})
    if what == "cases":
        rows, fields = exchange.export_cases(session=db, actor=user), exchange.CASE_FIELDS
    else:
        rows, fields = exchange.export_clusters(session=db, actor=user), exchange.CLUSTER_FIELDS
    return download(fields, ([r.get(f) for f in fields] for r in rows), "csv", f"biosafety-{what}")
