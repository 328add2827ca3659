"""Social-audit pages: the list, an audit (parties, status, scores, interviews, findings, summary and the
employer's reply side by side), fieldwork on a phone (works offline), and the questionnaire in force."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import RedirectResponse, Response
from sqlalchemy.orm import Session
from starlette.datastructures import FormData, UploadFile

from qorgau.audits import service
from qorgau.audits.states import AUDIT_MOVES, MOVE_LABELS, SEVERITIES, VERSION_LABELS, AuditStatus
from qorgau.core import documents, forms, i18n, policy
from qorgau.core.deps import form_data, get_db, require_user
from qorgau.core.errors import ValidationFailed
from qorgau.core.i18n import gettext as _
from qorgau.core.i18n_markers import N_
from qorgau.core.models import User
from qorgau.core.plugins import NavItem, Panel, PanelItem
from qorgau.core.tabular import download
from qorgau.core.templating import render
from qorgau.core.types import IdPath
from qorgau.registry import access

router = APIRouter(prefix="/audits")
NAV = [NavItem(N_("Social audits"), "/audits/", "audits.summary")]


def home_panels(request: Request, db: Session, user: User) -> list[Panel]:
    if not (policy.allowed(user, "audits.run") or policy.allowed(user, "audits.fieldwork")
            or policy.allowed(user, "audits.reply")):
        return []
    due = service.due_soon(session=db, actor=user)
    names = _names(db, [a.enterprise_id for a in due])
    labels = service.labels()["statuses"]
    return [Panel(title=_("Social audits needing you"), order=45, figure=i18n.format_number(len(due)),
                  link="/audits/", link_label=_("Open social audits"), empty=_("No social audit needs you now."),
                  items=[PanelItem(f"№ {a.id} · {names.get(a.enterprise_id, '')}", f"/audits/{a.id}",
                                   _(labels[AuditStatus(a.status)]),
                                   "warn" if a.status == AuditStatus.EMPLOYER_REPLY else "") for a in due[:4]])]


def _names(db: Session, ids) -> dict[int, str]:
    return service.enterprise_names(db, ids)


def _saved(db: Session, result):
    db.commit()
    return result


def _text(value: str) -> str:
    return str(value or "")


@router.get("/")
def list_page(request: Request, status: str = Query("", max_length=16), enterprise_id: int | None = Query(None, ge=1, le=2**31 - 1),
              fmt: str = Query("", pattern="^(|csv|xlsx)$"), user: User = Depends(require_user),
              db: Session = Depends(get_db), error: str = "", error_field: str = ""):
    locale = i18n.get_locale()
    if fmt:
        rows = service.findings_rows(session=db, actor=user, enterprise_id=enterprise_id, locale=locale)
        header = [_("Audit"), _("Enterprise"), _("Fieldwork ended"), _("Finding"), _("Area"), _("Legal reference"),
                  _("Severity"), _("What was found"), _("Evidence"), _("Employer's response"), _("Corrective plan"),
                  _("Due"), _("Violation")]
        return download(header, rows, fmt, "audit-findings", "Findings")
    audits = service.list_audits(session=db, actor=user, enterprise_id=enterprise_id, status=status)
    can_run = policy.allowed(user, "audits.run")
    return render(request, "audits/list.html", {
        "audits": audits, "names": _names(db, [a.enterprise_id for a in audits]), "status": status,
        "can_run": can_run, "enterprises": [(e.id, i18n.localized(e, "name")) for e in
                                            service.enterprises_in_scope(session=db, actor=user)] if can_run else [],
        "today": date.today(), "error": error, "error_field": error_field, **service.labels()},
        status_code=422 if error else 200)


@router.post("/new")
def create(request: Request, form: FormData = Depends(form_data), user: User = Depends(require_user),
           db: Session = Depends(get_db)):
    def action():
        enterprise_text = _text(form.get("enterprise_id"))
        if not enterprise_text.isdigit():
            raise ValidationFailed(N_("Choose an enterprise."), field="enterprise_id")
        try:
            planned_on = date.fromisoformat(_text(form.get("planned_on")))
        except ValueError:
            raise ValidationFailed(N_("Give the planned date as YYYY-MM-DD."), field="planned_on") from None
        return _saved(db, service.create_audit(session=db, actor=user, enterprise_id=int(enterprise_text),
                                               planned_on=planned_on, invite_state=form.get("invite_state") == "1"))

    return forms.submit(db, action, done=lambda row: RedirectResponse(f"/audits/{row.id}", status_code=303),
                        again=lambda message, field: list_page(request, "", None, "", user, db, error=message,
                                                               error_field=field))


def _audit_context(db: Session, user: User, audit_id: int) -> dict:
    row = service.get_audit(session=db, actor=user, audit_id=audit_id)
    questionnaire = service.questionnaire_of(row)
    full = policy.allowed(user, "audits.read")
    can_run = policy.allowed(user, "audits.run")
    moves = [(s, MOVE_LABELS[s]) for s in AUDIT_MOVES.next_states(row.status)] if can_run else []
    return {
        "a": row, "q": questionnaire, "locale": i18n.get_locale(), "full": full, "can_run": can_run,
        "can_reply": policy.allowed(user, "audits.reply"), "can_fieldwork": policy.allowed(user, "audits.fieldwork"),
        "can_violate": can_run and policy.allowed(user, "deviations.write"),
        "moves": moves, "enterprise_name": _names(db, [row.enterprise_id]).get(row.enterprise_id, ""),
        "interviews": service.interview_summary(row), "peers": service.peers(session=db, row=row),
        "trend": service.trend(session=db, actor=user, enterprise_id=row.enterprise_id),
        "answers": service.answers_of(row), "codes": service.report_codes(db, row), **service.labels()}


@router.get("/{audit_id}")
def audit_page(request: Request, audit_id: IdPath, user: User = Depends(require_user), db: Session = Depends(get_db)):
    return render(request, "audits/audit.html", _audit_context(db, user, audit_id))


def _act(request: Request, db: Session, user: User, audit_id: int, action: Callable[[], object],
         anchor: str = "") -> Response:
    return forms.submit(db, lambda: _saved(db, action()),
                        done=lambda _result: RedirectResponse(f"/audits/{audit_id}{anchor}", status_code=303),
                        again=lambda message, field: render(request, "audits/audit.html", {
                            **_audit_context(db, user, audit_id), "error": message, "error_field": field}))


@router.post("/{audit_id}/move")
def move(request: Request, audit_id: IdPath, form: FormData = Depends(form_data), user: User = Depends(require_user),
         db: Session = Depends(get_db)):
    return _act(request, db, user, audit_id, lambda: service.move(
        session=db, actor=user, audit_id=audit_id, target=_text(form.get("status"))[:32],
        reason=_text(form.get("reason"))[:2000]))


@router.post("/{audit_id}/parties")
def add_party(request: Request, audit_id: IdPath, form: FormData = Depends(form_data),
              user: User = Depends(require_user), db: Session = Depends(get_db)):
    return _act(request, db, user, audit_id, lambda: service.add_party(
        session=db, actor=user, audit_id=audit_id, kind=_text(form.get("kind"))[:16],
        name=_text(form.get("name"))[:200]), "#parties")


@router.post("/parties/{party_id}/respond")
def respond_party(request: Request, party_id: IdPath, form: FormData = Depends(form_data),
                  user: User = Depends(require_user), db: Session = Depends(get_db)):
    audit_id = service.audit_of_party(db, party_id)
    return _act(request, db, user, audit_id, lambda: service.respond_party(
        session=db, actor=user, party_id=party_id, response=_text(form.get("response"))[:16],
        note=_text(form.get("note"))[:500]), "#parties")


@router.post("/{audit_id}/findings")
def add_finding(request: Request, audit_id: IdPath, form: FormData = Depends(form_data),
                user: User = Depends(require_user), db: Session = Depends(get_db)):
    upload = form.get("photo")
    photo = upload.file.read() if isinstance(upload, UploadFile) and upload.filename else None
    fields = {k: _text(form.get(k)) for k in ("area", "point_id", "severity", "description", "evidence")}
    return _act(request, db, user, audit_id, lambda: service.add_finding(
        session=db, actor=user, audit_id=audit_id, area=fields["area"][:32], point_id=fields["point_id"][:64],
        severity=fields["severity"][:16], description=fields["description"][:4000],
        evidence=fields["evidence"][:4000], photo=photo or None), "#findings")


@router.get("/findings/{finding_id}/photo")
def finding_photo(finding_id: IdPath, user: User = Depends(require_user), db: Session = Depends(get_db)):
    finding = service.get_finding(session=db, actor=user, finding_id=finding_id)
    if finding.photo is None:
        from qorgau.core.errors import NotFound

        raise NotFound(N_("Not found."))
    return Response(finding.photo, media_type=finding.photo_type or "image/jpeg",
                    headers={"Cache-Control": "private, no-store"})


@router.post("/findings/{finding_id}/respond")
def respond_finding(request: Request, finding_id: IdPath, form: FormData = Depends(form_data),
                    user: User = Depends(require_user), db: Session = Depends(get_db)):
    finding = service.get_finding(session=db, actor=user, finding_id=finding_id)
    due_text = _text(form.get("due_on"))

    def action():
        try:
            due_on = date.fromisoformat(due_text) if due_text else None
        except ValueError:
            raise ValidationFailed(N_("Give the due date as YYYY-MM-DD."), field="due_on") from None
        service.respond_finding(session=db, actor=user, finding_id=finding_id,
                                response=_text(form.get("response"))[:4000], plan=_text(form.get("plan"))[:4000],
                                due_on=due_on)
    return _act(request, db, user, finding.audit_id, action, f"#finding-{finding_id}")


@router.post("/findings/{finding_id}/violation")
def finding_violation(request: Request, finding_id: IdPath, user: User = Depends(require_user),
                      db: Session = Depends(get_db)):
    finding = service.get_finding(session=db, actor=user, finding_id=finding_id)
    return _act(request, db, user, finding.audit_id, lambda: service.to_violation(
        session=db, actor=user, finding_id=finding_id, locale=i18n.get_locale()), f"#finding-{finding_id}")


@router.post("/{audit_id}/summary")
def summary(request: Request, audit_id: IdPath, form: FormData = Depends(form_data),
            user: User = Depends(require_user), db: Session = Depends(get_db)):
    return _act(request, db, user, audit_id, lambda: service.set_summary(
        session=db, actor=user, audit_id=audit_id, summary=_text(form.get("summary"))[:8000]), "#summary")


@router.post("/{audit_id}/reply")
def reply(request: Request, audit_id: IdPath, form: FormData = Depends(form_data),
          user: User = Depends(require_user), db: Session = Depends(get_db)):
    return _act(request, db, user, audit_id, lambda: service.reply(
        session=db, actor=user, audit_id=audit_id, text=_text(form.get("reply"))[:8000]), "#summary")


@router.get("/{audit_id}/fieldwork")
def fieldwork_page(request: Request, audit_id: IdPath, user: User = Depends(require_user),
                   db: Session = Depends(get_db), saved: int = Query(0, ge=0, le=1000)):
    context = _audit_context(db, user, audit_id)
    access.require_enterprise(db, user, "audits.fieldwork", context["a"].enterprise_id)
    return render(request, "audits/fieldwork.html", {**context, "saved": saved,
                                                      "open": context["a"].status == AuditStatus.FIELDWORK})


@router.post("/{audit_id}/fieldwork")
def fieldwork_save(request: Request, audit_id: IdPath, form: FormData = Depends(form_data),
                   user: User = Depends(require_user), db: Session = Depends(get_db)):
    """The same answers without a script: every answered point of the form at once."""
    answers = [{"point_id": key[2:], "value": _text(form.get(key)), "note": _text(form.get("n-" + key[2:]))}
               for key in form if key.startswith("p-")]
    return forms.submit(db, lambda: _saved(db, service.submit_answers(session=db, actor=user, audit_id=audit_id,
                                                                      answers=answers)),
                        done=lambda result: RedirectResponse(f"/audits/{audit_id}/fieldwork?saved={result['saved']}",
                                                             status_code=303),
                        again=lambda message, _field: _fieldwork_again(request, db, user, audit_id, message))


def _fieldwork_again(request: Request, db: Session, user: User, audit_id: int, message: str) -> Response:
    return render(request, "audits/fieldwork.html", {**_audit_context(db, user, audit_id), "open": True, "saved": 0,
                                                      "error": message})


@router.post("/{audit_id}/interviews")
def interview_save(request: Request, audit_id: IdPath, form: FormData = Depends(form_data),
                   user: User = Depends(require_user), db: Session = Depends(get_db)):
    """An interview sent without a script (the script sends the same to the API, offline-safe)."""
    answers = {key[3:]: _text(form.get(key)) for key in form if key.startswith("iv-") and form.get(key)}
    key = _text(form.get("client_key"))[:64]
    return forms.submit(db, lambda: _saved(db, service.record_interview(
        session=db, actor=user, audit_id=audit_id, client_key=key, answers=answers)),
        done=lambda _interview: RedirectResponse(f"/audits/{audit_id}/fieldwork#interviews", status_code=303),
        again=lambda message, _field: _fieldwork_again(request, db, user, audit_id, message))


@router.get("/{audit_id}/report.pdf")
def report_pdf(request: Request, audit_id: IdPath, lang: str = Query("ru", pattern="^(kk|ru|en)$"),
               user: User = Depends(require_user), db: Session = Depends(get_db)):
    document = service.report(session=db, actor=user, audit_id=audit_id, language=lang,
                              public_url=documents.public_base(request))
    db.commit()
    return documents.pdf_response(document, f"social-audit-{audit_id}-{lang}.pdf")


@router.get("/questionnaire/current")
def questionnaire_page(request: Request, user: User = Depends(require_user), db: Session = Depends(get_db)):
    policy.require(user, "audits.read")
    row = service.ensure_questionnaire(session=db)
    db.commit()
    return render(request, "audits/questionnaire.html", {
        "row": row, "q": service.parsed(row), "versions": service.versions(session=db, actor=user),
        "locale": i18n.get_locale(), "severities": SEVERITIES, "version_labels": VERSION_LABELS})
