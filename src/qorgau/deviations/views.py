"""Violation pages: the inspector's to-do list, capture on a phone (offline drafts), a violation's
actions, evidence, verification and escalation, lists with export, statistics, import, inspectors."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date

from fastapi import APIRouter, Depends, File, Form, Query, Request, UploadFile
from fastapi.responses import RedirectResponse, Response
from pydantic import ValidationError
from sqlalchemy.orm import Session
from starlette.datastructures import FormData

from qorgau.core import documents, exports, forms, i18n, once, policy
from qorgau.core.charts import figure_json
from qorgau.core.db import utcnow
from qorgau.core.deps import form_data, get_db, require_user
from qorgau.core.errors import NotFound
from qorgau.core.i18n import gettext as _
from qorgau.core.i18n_markers import N_
from qorgau.core.models import User
from qorgau.core.pagination import Paged, PageParams, paginate
from qorgau.core.plugins import NavItem, Panel, PanelItem
from qorgau.core.templating import render
from qorgau.core.types import IdPath
from qorgau.deviations import importer, ladder, notice, people, service
from qorgau.deviations.labels import ACTION_STATUSES, CATEGORIES, LABELS, SEVERITIES, SOURCES, STATUSES
from qorgau.deviations.models import ActionStatus
from qorgau.deviations.schemas import ActionIn, CommitteeIn, InspectorIn, ViolationIn
from qorgau.registry import access
from qorgau.registry import service as registry

router = APIRouter(prefix="/deviations")
NAV = [NavItem(N_("Violations"), "/deviations/", "deviations.read")]


def home_panels(request: Request, db: Session, user: User) -> list[Panel]:
    if not policy.allowed(user, "deviations.read"):
        return []
    todo = service.todo(session=db, actor=user)
    items = [PanelItem(f"#{v.id} · {_(CATEGORIES[v.category])}", f"/deviations/violations/{v.id}",
                       _("evidence to verify"), "warn") for _e, _a, v in todo["to_verify"][:3]]
    items += [PanelItem(f"#{v.id} · {a.description[:60]}", f"/deviations/violations/{v.id}",
                        _("due %(date)s", date=i18n.format_date(a.due_on)), "danger") for a, v in todo["overdue"][:3]]
    figure = todo["counts"]["to_verify"] + todo["counts"]["overdue"]
    return [Panel(title=_("Violations to act on"), order=20, figure=i18n.format_number(figure), items=items,
                  link="/deviations/", link_label=_("Open the to-do list"), empty=_("Nothing is waiting."))]




def _names(db: Session, ids) -> dict[int, str]:
    return {e.id: i18n.localized(e, "name") for e in registry.enterprises_by_ids(session=db, ids=list(set(ids)))}


@router.get("/")
def todo_page(request: Request, user: User = Depends(require_user), db: Session = Depends(get_db)):
    todo = service.todo(session=db, actor=user)
    enterprise_ids = [v.enterprise_id for _e, _a, v in todo["to_verify"]] + \
        [v.enterprise_id for _a, v in todo["overdue"] + todo["due_soon"]] + [v.enterprise_id for v in todo["stopped"]]
    return render(request, "deviations/todo.html", {"todo": todo, "names": _names(db, enterprise_ids),
                                                    "today": utcnow().date(), **LABELS})


# ---- capture ---------------------------------------------------------------------------------------

def _capture_context(db: Session, user: User, values: dict, **extra) -> dict:
    enterprises = registry.enterprise_choices(session=db, actor=user)
    enterprise_id = int(values["enterprise_id"]) if str(values.get("enterprise_id") or "").isdigit() else None
    sites, zones = registry.places_of_enterprise(session=db, enterprise_id=enterprise_id)
    return {"values": values, "enterprises": [(e.id, i18n.localized(e, "name")) for e in enterprises],
            "sites": sites, "zones": zones, "form_token": once.issue(), **LABELS, **extra}


def _draft_values(db: Session, user: User, draft_id: int) -> tuple[dict, object]:
    draft = service.own_draft(session=db, actor=user, violation_id=draft_id)
    if draft is None:
        raise NotFound(N_("Not found."))
    return {"enterprise_id": draft.enterprise_id, "description": draft.description, "draft_id": draft.id}, draft


@router.get("/violations/new")
def capture_form(request: Request, draft: int = Query(0, ge=0, le=2**31 - 1), user: User = Depends(require_user),
                 db: Session = Depends(get_db)):
    """The phone page; `?draft=` completes a violation sent from the chat."""
    policy.require(user, "deviations.write")
    if draft:
        values, opened = _draft_values(db, user, draft)
        return render(request, "deviations/capture.html", _capture_context(db, user, values, draft=opened))
    values = service.last_place(session=db, actor=user)
    return render(request, "deviations/capture.html", _capture_context(
        db, user, values, chat_drafts=service.drafts(session=db, actor=user)))


@router.get("/places")
def places(request: Request, enterprise_id: int = Query(0, ge=0, le=2**31 - 1), user: User = Depends(require_user),
           db: Session = Depends(get_db)):
    """HTMX: the site and zone choices of an enterprise."""
    if enterprise_id:
        access.require_enterprise(db, user, "deviations.read", enterprise_id)
    sites, zones = registry.places_of_enterprise(session=db, enterprise_id=enterprise_id)
    return render(request, "deviations/_places.html", {"sites": sites, "zones": zones, "values": {}})


@router.post("/violations/new")
def capture(request: Request, enterprise_id: str = Form(""), site_id: str = Form(""), zone_id: str = Form(""),
            category: str = Form(""), severity: str = Form(""), description: str = Form("", max_length=2000),
            rule_reference: str = Form("", max_length=300), work_stopped: str = Form(""),
            action: str = Form("", max_length=2000), responsible: str = Form("", max_length=200),
            client_key: str = Form("", max_length=64), photos: list[UploadFile] | None = File(None),
            form_token: str = Form("", max_length=64), draft_id: str = Form("", max_length=10),
            user: User = Depends(require_user), db: Session = Depends(get_db)):
    values = {"enterprise_id": enterprise_id, "site_id": site_id, "zone_id": zone_id, "category": category,
              "severity": severity, "description": description, "rule_reference": rule_reference,
              "work_stopped": work_stopped, "action": action, "responsible": responsible}
    draft = None
    if draft_id:
        if not draft_id.isdigit():
            raise NotFound(N_("Not found."))
        _ignored, draft = _draft_values(db, user, int(draft_id))
        values["draft_id"] = draft.id

    def number(text: str) -> int | None:
        return int(text) if text.isdigit() else None

    def again(message: str, field: str) -> Response:
        shown = service.own_draft(session=db, actor=user, violation_id=draft.id) if draft is not None else None
        return render(request, "deviations/capture.html", _capture_context(
            db, user, values, error=message, error_field=field, draft=shown), status_code=422)

    actions = []
    if action.strip():
        actions.append({"kind": "immediate" if work_stopped else "corrective", "description": action.strip(),
                        "responsible": responsible.strip()})
    try:
        violation_in = ViolationIn.model_validate({
            "enterprise_id": number(enterprise_id), "site_id": number(site_id), "zone_id": number(zone_id),
            "category": category, "severity": severity, "description": description.strip(),
            "rule_reference": rule_reference.strip(), "work_stopped": bool(work_stopped),
            "client_key": client_key or None, "actions": actions})
    except ValidationError as error:
        return again(_("Please check the highlighted field."), str(error.errors()[0]["loc"][0]))

    def store() -> str:
        # The offline queue sends its own client_key per entry; a plain form post is made once by its token.
        earlier = None if client_key else once.claim(db, form_token, "deviations.capture")
        if earlier is not None:
            return earlier or "/deviations/violations"
        uploads = [p.file.read() for p in (photos or []) if p.filename]
        if draft is not None:
            violation = service.complete_draft(session=db, actor=user, violation_id=draft.id,
                                               violation_in=violation_in, photos=uploads)
        else:
            violation, _created = service.record(session=db, actor=user, violation_in=violation_in, photos=uploads)
        target = f"/deviations/violations/{violation.id}?recorded=1"
        once.settle(db, form_token, "deviations.capture", target)
        return target

    return forms.submit(db, store, done=lambda target: _committed(db, target), again=again)


# ---- one violation ---------------------------------------------------------------------------------

@router.get("/violations/{violation_id}")
def violation_page(request: Request, violation_id: IdPath, user: User = Depends(require_user),
                   db: Session = Depends(get_db)):
    if service.own_draft(session=db, actor=user, violation_id=violation_id) is not None:
        return RedirectResponse(f"/deviations/violations/new?draft={violation_id}", status_code=303)
    return _violation_page(request, violation_id, user, db)


def _violation_page(request: Request, violation_id: int, user: User, db: Session, error: str = "",
                    status_code: int = 200):
    violation = service.violation_detail(session=db, actor=user, violation_id=violation_id)
    enterprise = registry.enterprise_by_id(session=db, enterprise_id=violation.enterprise_id)
    site = registry.site_by_id(session=db, site_id=violation.site_id)
    zone = registry.zone_by_id(session=db, zone_id=violation.zone_id)
    return render(request, "deviations/violation.html", {
        "v": violation, "enterprise": enterprise, "site": site, "zone": zone, "today": utcnow().date(),
        "can_write": policy.allowed(user, "deviations.write"),
        "can_respond": policy.allowed(user, "deviations.respond") or policy.allowed(user, "deviations.write"),
        "can_verify": service.can_verify(db, user, violation), "steps": ladder.STEP_LABELS,
        "recorded": "recorded" in request.query_params, "error": error, **LABELS}, status_code=status_code)


def _committed(db: Session, target: str) -> RedirectResponse:
    db.commit()
    return RedirectResponse(target, status_code=303)


def _step(request: Request, db: Session, user: User, violation_id: int, action: Callable[[], object]) -> Response:
    """A step on the violation page: back to its actions when done, else the page again with the error."""
    return forms.submit(db, action, done=lambda _result: _committed(db, f"/deviations/violations/{violation_id}#actions"),
                        again=lambda message, _field: _violation_page(request, violation_id, user, db, error=message))


@router.post("/violations/{violation_id}/actions")
def add_action(request: Request, violation_id: IdPath, kind: str = Form("corrective", max_length=16),
               description: str = Form("", max_length=2000), responsible: str = Form("", max_length=200),
               due_on: str = Form("", max_length=10), user: User = Depends(require_user),
               db: Session = Depends(get_db)):
    try:
        action_in = ActionIn.model_validate({"kind": kind, "description": description.strip(),
                                             "responsible": responsible.strip(),
                                             "due_on": date.fromisoformat(due_on) if due_on else None})
    except (ValidationError, ValueError):
        return _violation_page(request, violation_id, user, db, status_code=422,
                               error=_("Describe the action in at least 3 characters and give a valid date."))
    return _step(request, db, user, violation_id,
                 lambda: service.add_action(session=db, actor=user, violation_id=violation_id, action_in=action_in))


@router.post("/actions/{corrective_action_id}/evidence")
def evidence(request: Request, corrective_action_id: IdPath, note: str = Form("", max_length=2000),
             photo: UploadFile | None = File(None), user: User = Depends(require_user),
             db: Session = Depends(get_db)):
    action = service.get_action(session=db, actor=user, action_id=corrective_action_id)
    violation_id = action.violation_id
    content = photo.file.read() if photo is not None and photo.filename else None
    return _step(request, db, user, violation_id, lambda: service.submit_evidence(
        session=db, actor=user, action_id=corrective_action_id, note=note, photo=content))


@router.post("/actions/{corrective_action_id}/verdict")
def verdict(request: Request, corrective_action_id: IdPath, accept: str = Form(..., max_length=1),
            note: str = Form("", max_length=2000), new_due_on: str = Form("", max_length=10),
            user: User = Depends(require_user), db: Session = Depends(get_db)):
    action = service.get_action(session=db, actor=user, action_id=corrective_action_id)
    violation_id = action.violation_id
    try:
        new_due = date.fromisoformat(new_due_on) if new_due_on else None
    except ValueError:
        return _violation_page(request, violation_id, user, db, status_code=422,
                               error=_("The new due date is not a valid date."))
    return _step(request, db, user, violation_id, lambda: service.verify(
        session=db, actor=user, action_id=corrective_action_id, accept=accept == "1", note=note, new_due_on=new_due))


@router.get("/photos/{violation_photo_id}")
def photo(violation_photo_id: IdPath, user: User = Depends(require_user), db: Session = Depends(get_db)):
    found = service.get_photo(session=db, actor=user, photo_id=violation_photo_id)
    return Response(found.content, media_type=found.media_type, headers={"Cache-Control": "private, max-age=3600"})


@router.get("/evidence/{action_evidence_id}/photo")
def evidence_photo(action_evidence_id: IdPath, user: User = Depends(require_user), db: Session = Depends(get_db)):
    found = service.get_evidence(session=db, actor=user, evidence_id=action_evidence_id)
    return Response(found.content, media_type=found.media_type, headers={"Cache-Control": "private, max-age=3600"})


# ---- lists, statistics ----------------------------------------------------------------------------

# Export headers read like the page: in the reader's language, one row per record, words beside codes.
VIOLATION_COLUMNS = [N_("No."), N_("Enterprise"), N_("Found on"), N_("Category"), N_("Severity"), N_("Status"),
                     N_("Work stopped"), N_("Repeat"), N_("Description"), N_("Rule breached"), N_("Closed on"),
                     N_("Source")]
ACTION_COLUMNS = [N_("Violation No."), N_("Enterprise"), N_("Severity"), N_("Corrective action"), N_("Responsible"),
                  N_("Due date"), N_("Age, days"), N_("Overdue, days"), N_("Status")]
STATS_COLUMNS = [N_("Found"), N_("Closed"), N_("Closure rate, %%"), N_("Median days to close"),
                 N_("90%% closed within, days"), N_("Open"), N_("Overdue")]
GROUP_NAMES = {"enterprise": N_("Enterprise"), "site": N_("Site"), "category": N_("Category"), "month": N_("Month"),
               "severity": N_("Severity")}


def _yes_no(value: bool | None) -> str:
    return "" if value is None else _("yes") if value else _("no")


@router.get("/violations")
def violations(request: Request, status: str = Query("", max_length=24), severity: str = Query("", max_length=16),
               category: str = Query("", max_length=32), repeat: str = Query("", max_length=1),
               overdue: str = Query("", max_length=1), fmt: str = Query("", max_length=4),
               page: int = Query(1, ge=1, le=100000), user: User = Depends(require_user), db: Session = Depends(get_db)):
    query = service.violations_query(session=db, actor=user, status=status, severity=severity, category=category,
                                     repeat=repeat == "1", overdue=overdue == "1")
    if fmt in ("csv", "xlsx"):
        return exports.respond(db, user, name="deviations.violations", fmt=fmt, params={
            "status": status, "severity": severity, "category": category, "repeat": repeat, "overdue": overdue})
    paged = paginate(db, query, PageParams(page, 30))
    filters = {"status": status, "severity": severity, "category": category, "repeat": repeat, "overdue": overdue}
    base = "/deviations/violations?" + "&".join(f"{k}={v}" for k, v in filters.items() if v)
    return render(request, "deviations/violations.html", {
        "paged": paged, "names": _names(db, [v.enterprise_id for v in paged.items]), "filters": filters,
        "base": base, **LABELS})


@router.get("/actions")
def actions(request: Request, enterprise_id: int | None = Query(None, ge=1, le=2**31 - 1),
            fmt: str = Query("", max_length=4), user: User = Depends(require_user), db: Session = Depends(get_db)):
    """Open corrective actions by severity and age: the employer's work list."""
    if fmt in ("csv", "xlsx"):
        return exports.respond(db, user, name="deviations.actions", fmt=fmt, params={"enterprise_id": enterprise_id})
    items = service.open_actions(session=db, actor=user, enterprise_id=enterprise_id)
    names = _names(db, [i["violation"].enterprise_id for i in items])
    return render(request, "deviations/actions.html", {"items": items, "names": names, "enterprise_id": enterprise_id,
                                                       **LABELS})


@router.get("/stats")
def stats(request: Request, by: str = Query("category", max_length=16), year: int = Query(0, ge=0, le=2100),
          fmt: str = Query("", max_length=4), page: int = Query(1, ge=1, le=1_000_000), user: User = Depends(require_user), db: Session = Depends(get_db)):
    year = year or utcnow().year
    if fmt in ("csv", "xlsx"):
        return exports.respond(db, user, name="deviations.stats", fmt=fmt, params={"by": by, "year": year})
    start, end = _stats_period(by, year)
    paged = None
    if by == "enterprise":  # thousands of groups: counted, ordered and paged by the database
        rows, total = service.enterprise_statistics(session=db, actor=user, start=start, end=end, page=page,
                                                    per_page=service.ENTERPRISE_STATS_PAGE)
        paged = Paged(rows, total, PageParams(page, service.ENTERPRISE_STATS_PAGE))
    else:
        rows = service.closure_statistics(session=db, actor=user, by=by, start=start, end=end)
    labels = _group_labels(db, by, rows)
    return render(request, "deviations/stats.html", {"rows": rows, "by": by, "year": year, "labels": labels, "paged": paged,
                                                     "chart": _chart(rows, labels, by), "groupings": service.GROUPINGS})


def _stats_period(by: str, year: int) -> tuple[date, date]:
    return (date(2000, 1, 1), date(2100, 1, 1)) if by == "month" else (date(year, 1, 1), date(year + 1, 1, 1))


@exports.exporter("deviations.violations")
def _violations_export(db: Session, user: User, params: dict) -> exports.Table:
    """Every violation the filters select, one row each, read from the database in batches."""
    query = service.violations_query(session=db, actor=user, status=params.get("status", ""),
                                     severity=params.get("severity", ""), category=params.get("category", ""),
                                     repeat=params.get("repeat") == "1", overdue=params.get("overdue") == "1")

    def rows():
        for batch in exports.batched(db, query):
            names = _names(db, [v.enterprise_id for v in batch])
            for v in batch:
                yield [v.id, names.get(v.enterprise_id, ""), v.found_on, _(CATEGORIES[v.category]),
                       _(SEVERITIES[v.severity]), _(STATUSES[v.status]), _yes_no(v.work_stopped),
                       _yes_no(v.is_repeat), v.description, v.rule_reference, v.closed_on,
                       _(SOURCES.get(v.source, v.source))]

    return exports.Table([_(c) for c in VIOLATION_COLUMNS], rows(), service.count(session=db, query=query), "violations")


@exports.exporter("deviations.actions")
def _actions_export(db: Session, user: User, params: dict) -> exports.Table:
    """Every open (or unverified) corrective action, gross first, then the oldest violation: all of them,
    where the page lists the first ones."""
    today = utcnow().date()
    ordered = service.open_actions_ranked_query(session=db, actor=user, enterprise_id=params.get("enterprise_id"))

    def rows():
        for batch in exports.batched(db, ordered, scalars=False):
            names = _names(db, [v.enterprise_id for _a, v in batch])
            for a, v in batch:
                overdue = max(0, (today - a.due_on).days) if a.status == ActionStatus.OPEN else 0
                yield [v.id, names.get(v.enterprise_id, ""), _(SEVERITIES[v.severity]), a.description, a.responsible,
                       a.due_on, (today - v.found_on).days, overdue, _(ACTION_STATUSES.get(a.status, a.status))]

    return exports.Table([_(c) for c in ACTION_COLUMNS], rows(), service.count(session=db, query=ordered), "open-actions")


@exports.exporter("deviations.stats")
def _stats_export(db: Session, user: User, params: dict) -> exports.Table:
    """Closure statistics by a grouping: every group (every enterprise when grouped by enterprise)."""
    by, year = str(params.get("by", "category")), int(params.get("year") or utcnow().year)
    start, end = _stats_period(by, year)
    header = [_(GROUP_NAMES.get(by, by))] + [_(c) % {} for c in STATS_COLUMNS]

    def rows(found: list[dict] | None = None):
        if found is None:
            found, _total = service.enterprise_statistics(session=db, actor=user, start=start, end=end, per_page=None)
        labels = _group_labels(db, by, found)
        for r in found:
            yield [labels.get(r["group"], r["group"]), r["found"], r["closed"], r["closure_rate"], r["median_days"],
                   r["p90_days"], r["open"], r["overdue"]]

    if by == "enterprise":  # counted first (one page's work); every enterprise's figures only when written
        _first, total = service.enterprise_statistics(session=db, actor=user, start=start, end=end, per_page=1)
        return exports.Table(header, rows, total, f"violations-by-{by}")
    found = service.closure_statistics(session=db, actor=user, by=by, start=start, end=end)
    return exports.Table(header, rows(found), len(found), f"violations-by-{by}")


def _group_labels(db: Session, by: str, rows: list[dict]) -> dict:
    if by == "enterprise":
        return _names(db, [r["group"] for r in rows])
    if by == "site":
        ids = [r["group"] for r in rows if r["group"]]
        return {s.id: s.name for s in registry.sites_by_ids(session=db, ids=ids)} | {None: _("no site")}
    if by == "category":
        return {k: _(v) for k, v in CATEGORIES.items()}
    if by == "severity":
        return {k: _(v) for k, v in SEVERITIES.items()}
    return {}


def _chart(rows: list[dict], labels: dict, by: str) -> str:
    if not rows:
        return ""
    import plotly.graph_objects as go

    shown = rows if by == "month" else rows[:20]
    names = [str(labels.get(r["group"], r["group"])) for r in shown]
    figure = go.Figure()
    figure.add_bar(x=names, y=[r["found"] for r in shown], name=_("Found"))
    figure.add_bar(x=names, y=[r["closed"] for r in shown], name=_("Closed"))
    figure.add_scatter(x=names, y=[r["median_days"] for r in shown], name=_("Median days to close"), yaxis="y2",
                       mode="lines+markers")
    figure.update_layout(margin={"l": 10, "r": 10, "t": 10, "b": 10}, height=360, barmode="group",
                         legend={"orientation": "h"}, xaxis={"automargin": True},
                         yaxis2={"overlaying": "y", "side": "right", "rangemode": "tozero"})
    return figure_json(figure)


# ---- import ---------------------------------------------------------------------------------------

@router.get("/import")
def import_form(request: Request, user: User = Depends(require_user)):
    policy.require(user, "deviations.write")
    return render(request, "deviations/import.html", {"fields": importer.FIELD_LABELS})


def _import_context(db: Session) -> dict:
    return {"fields": importer.FIELD_LABELS, "required": {k for k, (req, _w) in importer.FIELDS.items() if req},
            **LABELS}


def _mapping(form: FormData) -> dict[str, str]:
    return {name: str(form.get(f"map_{name}", ""))[:200] for name in importer.FIELDS if form.get(f"map_{name}")}


@router.post("/import")
def import_upload(request: Request, file: UploadFile = File(...), user: User = Depends(require_user),
                  db: Session = Depends(get_db)):
    """Upload: the file is staged and a dry run shows the proposed column mapping, the rows and every problem."""
    from qorgau.core.imports import FileProblems
    from qorgau.core.imports.flow import preview, stage

    policy.require(user, "deviations.write")
    data_dir, filename = request.app.state.settings.data_dir, file.filename or "upload.csv"
    try:
        token = stage(actor=user, importer=importer.VIOLATIONS, data=file.file.read(), filename=filename,
                      data_dir=data_dir)
    except FileProblems as error:
        return render(request, "deviations/import.html", {"fields": importer.FIELD_LABELS,
                                                          "problems": error.problems}, status_code=422)
    checked = preview(session=db, actor=user, importer=importer.VIOLATIONS, token=token, data_dir=data_dir)
    db.rollback()
    return render(request, "deviations/import_preview.html",
                  {"token": token, "filename": filename, "p": checked, **_import_context(db)})


@router.post("/import/preview")
def import_remap(request: Request, user: User = Depends(require_user), db: Session = Depends(get_db),
                 form: FormData = Depends(form_data)):
    """The dry run again with the user's column mapping; nothing is written."""
    from qorgau.core.imports.flow import preview

    token, filename = str(form.get("token", ""))[:64], str(form.get("filename", ""))[:200]
    checked = preview(session=db, actor=user, importer=importer.VIOLATIONS, token=token,
                      options={"mapping": _mapping(form)}, data_dir=request.app.state.settings.data_dir)
    db.rollback()
    return render(request, "deviations/import_preview.html",
                  {"token": token, "filename": filename, "p": checked, **_import_context(db)})


@router.post("/import/commit")
def import_commit(request: Request, user: User = Depends(require_user), db: Session = Depends(get_db),
                  form: FormData = Depends(form_data)):
    """Import the previewed file with the mapping shown: every new row, or none."""
    from qorgau.core.imports.flow import commit, preview

    token, filename = str(form.get("token", ""))[:64], str(form.get("filename", ""))[:200]
    options, data_dir = {"mapping": _mapping(form)}, request.app.state.settings.data_dir

    def done(result) -> Response:
        db.commit()
        return render(request, "deviations/import_done.html", {"filename": filename, "result": result})

    def again(message: str, _field: str) -> Response:
        try:  # the problems again, unless the file is gone (imported meanwhile, or forgotten)
            checked = preview(session=db, actor=user, importer=importer.VIOLATIONS, token=token, options=options,
                              data_dir=data_dir)
        except NotFound:
            checked = None
        db.rollback()
        return render(request, "deviations/import_preview.html",
                      {"token": token, "filename": filename, "p": checked, "failed": message, **_import_context(db)})

    return forms.submit(db, lambda: commit(session=db, actor=user, importer=importer.VIOLATIONS, token=token,
                                           options=options, data_dir=data_dir), done=done, again=again)


# ---- inspectors and committees --------------------------------------------------------------------

@router.get("/people")
def people_page(request: Request, by: str = Query("region", max_length=16), user: User = Depends(require_user),
                db: Session = Depends(get_db), error: str = ""):
    inspectors = people.inspectors(session=db, actor=user)
    committees = people.committees(session=db, actor=user)
    coverage = people.coverage(session=db, actor=user, by=by) if policy.allowed(user, "deviations.stats") else []
    names = _names(db, [i.enterprise_id for i in inspectors] + [c.enterprise_id for c in committees] +
                   ([r["group"] for r in coverage] if by == "enterprise" else []))
    group_names = names if by == "enterprise" else (
        {r.kato: i18n.localized(r, "name") for r in registry.regions(session=db)} if by == "region"
        else {s.code: i18n.localized(s, "name") for s in registry.sectors(session=db)})
    enterprises = registry.enterprise_choices(session=db, actor=user)
    return render(request, "deviations/people.html", {
        "inspectors": inspectors, "committees": committees, "coverage": coverage, "by": by, "names": names,
        "group_names": group_names, "today": utcnow().date(), "training_due": people.training_due,
        "trained": people.last_trained(db, inspectors),
        "enterprises": [(e.id, i18n.localized(e, "name")) for e in enterprises],
        "can_edit": policy.allowed(user, "deviations.verify"), "error": error})


def _people_step(request: Request, db: Session, user: User, action: Callable[[], object]) -> Response:
    return forms.submit(db, action, done=lambda _added: _committed(db, "/deviations/people"),
                        again=lambda message, _field: people_page(request, "region", user, db, error=message))


def _form_date(value: str) -> date | None:
    return date.fromisoformat(value) if value else None


@router.post("/people/inspectors")
def add_inspector(request: Request, enterprise_id: int = Form(..., ge=1, le=2**31 - 1),
                  full_name: str = Form(..., max_length=200), unit: str = Form("", max_length=200),
                  appointed_on: str = Form(..., max_length=10), trained_on: str = Form("", max_length=10),
                  training: str = Form("", max_length=300), user: User = Depends(require_user),
                  db: Session = Depends(get_db)):
    try:
        inspector_in = InspectorIn.model_validate({
            "enterprise_id": enterprise_id, "full_name": full_name.strip(), "unit": unit.strip(),
            "appointed_on": _form_date(appointed_on), "trained_on": _form_date(trained_on),
            "training": training.strip()})
    except (ValidationError, ValueError):
        return people_page(request, "region", user, db, error=_("Give the name (3 characters or more) and valid dates."))
    return _people_step(request, db, user, lambda: people.add_inspector(session=db, actor=user,
                                                                        inspector_in=inspector_in))


@router.post("/people/committees")
def add_committee(request: Request, enterprise_id: int = Form(..., ge=1, le=2**31 - 1),
                  name: str = Form(..., max_length=200), established_on: str = Form(..., max_length=10),
                  members: int = Form(..., ge=2, le=500), worker_members: int = Form(..., ge=0, le=500),
                  chair: str = Form("", max_length=200), last_meeting_on: str = Form("", max_length=10),
                  user: User = Depends(require_user), db: Session = Depends(get_db)):
    try:
        committee_in = CommitteeIn.model_validate({
            "enterprise_id": enterprise_id, "name": name.strip(), "established_on": _form_date(established_on),
            "members": members, "worker_members": worker_members, "chair": chair.strip(),
            "last_meeting_on": _form_date(last_meeting_on)})
    except (ValidationError, ValueError):
        return people_page(request, "region", user, db, error=_("Give the name (3 characters or more) and valid dates."))
    return _people_step(request, db, user, lambda: people.add_committee(session=db, actor=user,
                                                                        committee_in=committee_in))


@router.post("/violations/{violation_id}/notice.pdf")
def violation_notice(request: Request, violation_id: IdPath, language: str = Form("ru", max_length=2),
                     user: User = Depends(require_user), db: Session = Depends(get_db)):
    """Issue the inspector's notice (kept, with a verification code) and hand its PDF over."""
    document = notice.issue_notice(db, actor=user, violation_id=violation_id, language=language,
                                   public_url=documents.public_base(request))
    db.commit()
    return documents.pdf_response(document, f"notice-{violation_id}-{documents.format_code(document.code)}.pdf")
