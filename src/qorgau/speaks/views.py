"""Worker Speaks pages: the public form and follow-up (no account), and the union inbox."""

from __future__ import annotations

from fastapi import APIRouter, Depends, File, Form, Query, Request, UploadFile
from fastapi.responses import RedirectResponse, Response
from pydantic import ValidationError
from sqlalchemy.orm import Session

from qorgau.core import forms, i18n, policy
from qorgau.core.charts import figure_json
from qorgau.core.deps import get_db, load_user, require_user
from qorgau.core.errors import AppError
from qorgau.core.i18n import gettext as _
from qorgau.core.i18n_markers import N_
from qorgau.core.models import User
from qorgau.core.pagination import PageParams, paginate
from qorgau.core.plugins import NavItem, Panel, PanelItem
from qorgau.core.tabular import download
from qorgau.core.templating import render
from qorgau.core.types import IdPath
from qorgau.registry import service as registry
from qorgau.registry.hazards import CATEGORIES
from qorgau.speaks import service
from qorgau.speaks.labels import KIND_LABELS, STATUS_LABELS, URGENCIES
from qorgau.speaks.models import REPORT_MOVES, ReportStatus
from qorgau.speaks.schemas import ReportIn

router = APIRouter()
NAV = [NavItem(N_("Report a hazard"), "/speak/", public=True),
       NavItem(N_("Worker reports"), "/speaks/inbox", "speaks.inbox"),
       NavItem(N_("Worker reports"), "/speaks/inbox", "speaks.redacted")]
LABELS = {"categories": CATEGORIES, "urgencies": URGENCIES, "kinds": KIND_LABELS, "statuses": STATUS_LABELS,
          "ReportStatus": ReportStatus}


def home_panels(request: Request, db: Session, user: User) -> list[Panel]:
    if not policy.allowed(user, "speaks.inbox"):
        return []
    total, urgent = service.open_summary(session=db, actor=user)
    items = [PanelItem(f"{r.reference} · {_(CATEGORIES[r.category])}", f"/speaks/reports/{r.id}",
                       _(URGENCIES[r.urgency]), "danger" if r.urgency == "imminent" else "warn") for r in urgent]
    return [Panel(title=_("Open worker reports"), order=10, figure=i18n.format_number(total), items=items,
                  link="/speaks/inbox", link_label=_("Open the inbox"))]


# ---- public, anonymous ---------------------------------------------------------------------------


def _form_context(db: Session, q: str = "", values: dict | None = None, **extra) -> dict:
    matches = registry.public_enterprise_search(session=db, q=q) if q else []
    return {"q": q, "matches": matches, "values": values or {}, **LABELS,
            "regions": [(r.kato, i18n.localized(r, "name")) for r in registry.regions(session=db)],
            "sectors": [(s.code, i18n.localized(s, "name")) for s in registry.sectors(session=db)], **extra}


@router.get("/speak/")
def speak_form(request: Request, q: str = Query("", max_length=100), db: Session = Depends(get_db)):
    return render(request, "speaks/speak_form.html", _form_context(db, q))


@router.get("/speak/enterprises")
def speak_enterprises(request: Request, q: str = Query("", max_length=100), db: Session = Depends(get_db)):
    """HTMX: workplaces matching what the worker typed."""
    return render(request, "speaks/_enterprise_choices.html", _form_context(db, q))


@router.post("/speak/new")
def speak_submit(request: Request, kind: str = Form("hazard"), enterprise_id: str = Form(""),
                 region_kato: str = Form(""), sector_code: str = Form(""), category: str = Form("not_sure"),
                 description: str = Form(""), contact: str = Form(""),
                 photos: list[UploadFile] | None = File(None), db: Session = Depends(get_db)):
    values = {"kind": kind, "enterprise_id": enterprise_id, "region_kato": region_kato, "sector_code": sector_code,
              "category": category, "description": description, "contact": contact}

    def again(message: str, field: str) -> Response:
        return render(request, "speaks/speak_form.html", _form_context(db, values=values, error=message,
                                                                       error_field=field), status_code=422)

    try:
        report_in = ReportIn.model_validate({
            "kind": kind, "enterprise_id": int(enterprise_id) if enterprise_id.isdigit() else None,
            "region_kato": region_kato or None, "sector_code": sector_code or None, "category": category,
            "description": description.strip(), "contact": contact.strip(), "language": i18n.get_locale()})
    except ValidationError as error:
        field = str(error.errors()[0]["loc"][0])
        return again(_("Describe what happened in at least 10 characters.") if field == "description"
                     else _("Please check the highlighted field."), field)
    uploads = [p.file.read() for p in (photos or []) if p.filename]

    def receipt(filed: service.Filed) -> Response:
        db.commit()
        return render(request, "speaks/speak_receipt.html", {"receipt": filed.receipt,
                                                             "reference": filed.report.reference},
                      headers={"Cache-Control": "no-store"})

    return forms.submit(db, lambda: service.submit(session=db, report_in=report_in, photos=uploads),
                        done=receipt, again=again)


@router.get("/speak/follow")
def follow_form(request: Request):
    return render(request, "speaks/speak_follow.html", {})


def _thread(request: Request, db: Session, receipt: str, challenge: str = "", proof: str = "", **extra):
    report = service.find_by_receipt(session=db, receipt=receipt, challenge=challenge, proof=proof)
    view = service.reporter_view(session=db, report=report)
    db.commit()
    return render(request, "speaks/speak_thread.html",
                  {"view": view, "receipt": receipt, "receipt_pass": service.receipt_pass(receipt), **LABELS, **extra},
                  headers={"Cache-Control": "no-store"})


def _follow_error(request: Request, db: Session, error: AppError, receipt: str):
    db.commit()  # keep the failed attempt's count
    challenge = getattr(error, "challenge", None)
    return render(request, "speaks/speak_follow.html",
                  {"error": _(error.message, **error.params), "challenge": challenge,
                   "receipt": receipt if challenge else ""},
                  status_code=error.status, headers={"Cache-Control": "no-store"})


@router.post("/speak/follow")
def follow(request: Request, receipt: str = Form(..., max_length=40), challenge: str = Form("", max_length=400),
           proof: str = Form("", max_length=20), db: Session = Depends(get_db)):
    try:
        return _thread(request, db, receipt, challenge, proof)
    except AppError as error:
        return _follow_error(request, db, error, receipt)


@router.post("/speak/follow/reply")
def follow_reply(request: Request, receipt: str = Form(..., max_length=40), body: str = Form(..., max_length=5000),
                 challenge: str = Form("", max_length=400), proof: str = Form("", max_length=20),
                 db: Session = Depends(get_db)):
    try:
        if body.strip():
            service.reporter_reply(session=db, receipt=receipt, body=body.strip(), challenge=challenge, proof=proof)
        return _thread(request, db, receipt, challenge, proof, sent=bool(body.strip()))
    except AppError as error:
        return _follow_error(request, db, error, receipt)


# ---- union side ----------------------------------------------------------------------------------


@router.get("/speaks/inbox")
def inbox(request: Request, status: str = Query("", max_length=16), urgency: str = Query("", max_length=16),
          category: str = Query("", max_length=32), page: int = Query(1, ge=1, le=100000),
          user: User = Depends(require_user), db: Session = Depends(get_db)):
    query = service.inbox_query(session=db, actor=user, status=status, urgency=urgency, category=category)
    paged = paginate(db, query, PageParams(page, 30))
    names = {e.id: i18n.localized(e, "name") for e in registry.enterprises_by_ids(
        session=db, ids=[r.enterprise_id for r in paged.items if r.enterprise_id])}
    return render(request, "speaks/inbox.html", {"paged": paged, "status": status, "urgency": urgency,
                                                  "category": category, "names": names, **LABELS})


@router.get("/speaks/reports/{report_id}")
def report_page(request: Request, report_id: IdPath, user: User = Depends(require_user), db: Session = Depends(get_db),
                revealed: str = ""):
    report = service.get(session=db, actor=user, report_id=report_id)
    enterprise = registry.enterprise_by_id(session=db, enterprise_id=report.enterprise_id)
    messages = service.conversation(session=db, actor=user, report=report)
    return render(request, "speaks/report.html", {
        "r": report, "text": service.text_for(session=db, actor=user, report=report), "messages": messages,
        "next_statuses": REPORT_MOVES.next_states(report.status),
        "enterprise": enterprise, "can_handle": policy.allowed(user, "speaks.handle"),
        "can_reveal": policy.allowed(user, "speaks.reveal"), **LABELS, **request.scope.get("qorgau.revealed", {})})


@router.get("/speaks/reports/{report_id}/attachments/{attachment_id}")
def attachment(report_id: IdPath, attachment_id: IdPath, user: User = Depends(require_user),
               db: Session = Depends(get_db)):
    content, media_type = service.attachment(session=db, actor=user, report_id=report_id,
                                             attachment_id=attachment_id)
    return Response(content, media_type=media_type, headers={"Cache-Control": "private, no-store"})


def _back(report_id: int, anchor: str = "") -> RedirectResponse:
    return RedirectResponse(f"/speaks/reports/{report_id}{anchor}", status_code=303)


@router.post("/speaks/reports/{report_id}/reply")
def staff_reply(report_id: IdPath, body: str = Form(..., min_length=1, max_length=5000),
                user: User = Depends(require_user), db: Session = Depends(get_db)):
    service.reply(session=db, actor=user, report_id=report_id, body=body.strip())
    db.commit()
    return _back(report_id, "#thread")


@router.post("/speaks/reports/{report_id}/status")
def staff_status(report_id: IdPath, status: str = Form(..., max_length=16), user: User = Depends(require_user),
                 db: Session = Depends(get_db)):
    service.set_status(session=db, actor=user, report_id=report_id, status=status)
    db.commit()
    return _back(report_id)


@router.post("/speaks/reports/{report_id}/triage")
def staff_triage(report_id: IdPath, category: str = Form(..., max_length=32), urgency: str = Form(..., max_length=16),
                 user: User = Depends(require_user), db: Session = Depends(get_db)):
    service.correct_triage(session=db, actor=user, report_id=report_id, category=category, urgency=urgency)
    db.commit()
    return _back(report_id)


@router.post("/speaks/reports/{report_id}/share")
def staff_share(report_id: IdPath, shared: str = Form("0", max_length=1), user: User = Depends(require_user),
                db: Session = Depends(get_db)):
    service.share_with_employer(session=db, actor=user, report_id=report_id, shared=shared == "1")
    db.commit()
    return _back(report_id)


@router.post("/speaks/reports/{report_id}/convert")
def staff_convert(report_id: IdPath, target: str = Form(..., max_length=16), user: User = Depends(require_user),
                  db: Session = Depends(get_db)):
    kind, created = service.convert(session=db, actor=user, report_id=report_id, target=target)
    db.commit()
    target = f"/deviations/violations/{created}" if kind == "violation" else f"/incidents/accidents/{created}"
    return RedirectResponse(target, status_code=303)


@router.post("/speaks/reports/{report_id}/reveal")
def staff_reveal(request: Request, report_id: IdPath, what: str = Form(..., max_length=16),
                 reason: str = Form("", max_length=500), user: User = Depends(require_user),
                 db: Session = Depends(get_db)):
    reveal = service.reveal_contact if what == "contact" else service.reveal_original

    def shown(value: str) -> Response:
        db.commit()
        request.scope["qorgau.revealed"] = {"revealed_" + ("contact" if what == "contact" else "original"): value}
        return report_page(request, report_id, user, db)

    def refused(message: str, _field: str) -> Response:
        request.scope["qorgau.revealed"] = {"reveal_error": message}
        return report_page(request, report_id, user, db)

    return forms.submit(db, lambda: reveal(session=db, actor=user, report_id=report_id, reason=reason),
                        done=shown, again=refused)


@router.get("/speaks/stats")
def stats_page(request: Request, by: str = Query("category", max_length=40), fmt: str = Query("", max_length=4),
               user: User = Depends(require_user), db: Session = Depends(get_db)):
    dims = [d for d in by.split(",") if d]
    rows = service.statistics(session=db, actor=user, by=dims, month="month" in request.query_params)
    if fmt in ("csv", "xlsx"):
        header = [*dims, "reports"]
        data = [[row.get(d) for d in dims] + [row["reports"] if row["reports"] is not None else "<5"] for row in rows]
        return download(header, data, fmt, f"worker-speaks-{by}", "Worker Speaks")
    chart = _chart(rows, dims[0] if dims else "category")
    return render(request, "speaks/stats.html", {"rows": rows, "by": by, "dims": dims, "chart": chart, **LABELS})


def _chart(rows: list[dict], dim: str) -> str:
    import plotly.graph_objects as go

    labels = {"category": CATEGORIES, "urgency": URGENCIES, "kind": KIND_LABELS, "status": STATUS_LABELS}.get(dim, {})
    shown = [r for r in rows if r["reports"] is not None]
    names = [_(labels[r[dim]]) if r[dim] in labels else str(r[dim]) for r in shown]
    figure = go.Figure(go.Bar(x=[r["reports"] for r in shown], y=names, orientation="h"))
    figure.update_layout(margin={"l": 10, "r": 10, "t": 10, "b": 10}, height=40 + 28 * len(shown),
                         yaxis={"autorange": "reversed", "automargin": True})
    return figure_json(figure)


@router.get("/speak")
def speak_redirect(user: User | None = Depends(load_user)):
    return RedirectResponse("/speak/", status_code=307)
