"""Register pages: the federation's list (with export), filing and changing a system, the review record
(classification, impact, questions, votes, decision, conditions), the collective agreement's human-only
roles and quotas, and the workers' public page of AI systems at their workplace with their rights."""

from __future__ import annotations

from datetime import date

from fastapi import APIRouter, Depends, Form, Query, Request
from fastapi.responses import RedirectResponse
from pydantic import ValidationError
from sqlalchemy.orm import Session
from starlette.datastructures import FormData

from qorgau.airegister import classify as rules
from qorgau.airegister import service
from qorgau.airegister.models import STATUSES, ConditionStatus, FilingStatus
from qorgau.airegister.schemas import FilingIn
from qorgau.aiwork import service as aiwork
from qorgau.core import forms, i18n, policy
from qorgau.core.db import utcnow
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
from qorgau.registry import service as registry

router = APIRouter()
NAV = [NavItem(N_("AI at work: register"), "/airegister/", "aiwork.read"),
       NavItem(N_("AI at my workplace"), "/ai-at-work/", public=True)]
STATUS_LABELS = {
    FilingStatus.DRAFT: N_("Draft"), FilingStatus.UNDER_REVIEW: N_("Under review by the union"),
    FilingStatus.VOTING: N_("Voting"), FilingStatus.APPROVED: N_("Approved"),
    FilingStatus.APPROVED_WITH_CONDITIONS: N_("Approved with conditions"), FilingStatus.REJECTED: N_("Rejected"),
    FilingStatus.WITHDRAWN: N_("Withdrawn"),
}
CONDITION_LABELS = {ConditionStatus.OPEN: N_("open"), ConditionStatus.MET: N_("met"),
                    ConditionStatus.OVERDUE: N_("overdue")}
KIND_LABELS = {"comment": N_("Comment"), "question": N_("Question"), "answer": N_("Answer")}
REPORT_KINDS = {"wrong_decision": N_("Wrong decision"), "harm": N_("Harm"),
                "surveillance": N_("Surveillance complaint"), "other": N_("Other")}
EVENT_LABELS = {
    "filed": N_("Filed"), "changed": N_("Changed (new version)"), "resubmitted": N_("Sent back for review"),
    "submitted": N_("Submitted to the union"), "withdrawn": N_("Withdrawn"), "comment": N_("Comment"),
    "question": N_("Question"), "answer": N_("Answer"), "override": N_("Classification overridden"),
    "vote_opened": N_("Vote opened"), "vote_reset": N_("Changed during the vote: the vote starts again"), "vote": N_("Vote cast"), "decided": N_("Decision"),
    "condition_met": N_("Condition met"), "condition_escalated": N_("Overdue condition escalated"),
    "review_escalated": N_("Overdue decision escalated"), "review_due": N_("Periodic review due"),
    "reviewed": N_("Periodic review held"), "suspension_recommended": N_("Suspension recommended"),
    "suspension_lifted": N_("Suspension recommendation lifted"), "report_linked": N_("Worker report linked"),
}
FIELD_LABELS = {
    "name": N_("Name of the system"), "purpose": N_("Purpose"), "vendor": N_("Vendor"),
    "system_status": N_("Stage"), "areas": N_("Where it acts"), "decides": N_("What it decides or recommends"),
    "autonomy": N_("How autonomously"), "oversight": N_("Human oversight"), "personal_data": N_("Personal data"),
    "biometric_data": N_("Biometric data"), "data_description": N_("Data used"),
    "profiling": N_("Assesses individual workers by behaviour or personal traits"),
    "emotion_recognition": N_("Recognises emotions"), "emotion_consent": N_("Workers consent to emotion recognition"),
    "emotion_medical_or_safety": N_("Emotion recognition only for medical or safety reasons"),
    "social_scoring": N_("Scores workers over time by social behaviour or traits"),
    "biometric_categorisation": N_("Infers race, political views, union membership or religion from biometrics"),
    "safety_critical": N_("A malfunction could cause an accident or an emergency"),
    "occupations": N_("Affected occupations (ISCO-08)"), "headcount": N_("Workers affected"),
    "jobs_changed": N_("Jobs changed"), "jobs_removed": N_("Jobs removed"), "jobs_created": N_("Jobs created"),
    "unit": N_("Unit"), "unit_positions": N_("Positions in the unit (people and machines)"),
    "unit_human_before": N_("Positions held by people now"), "start_on": N_("Start date"),
    "timeline": N_("Timeline"), "retraining_plan": N_("Retraining and re-employment plan"),
}
STAGES = {"planned": N_("planned"), "pilot": N_("pilot"), "running": N_("running")}
BOOLEANS = ("personal_data", "biometric_data", "profiling", "emotion_recognition", "emotion_consent",
            "emotion_medical_or_safety", "social_scoring", "biometric_categorisation", "safety_critical")
LABELS = {"statuses": STATUS_LABELS, "areas": rules.AREAS, "autonomy_input": rules.AUTONOMY_INPUT,
          "risk_levels": rules.RISK_LEVELS, "autonomy_levels": rules.AUTONOMY_LEVELS,
          "eu_categories": rules.EU_CATEGORIES, "safeguard_labels": rules.SAFEGUARDS, "field_labels": FIELD_LABELS,
          "stages": STAGES, "condition_labels": CONDITION_LABELS, "kind_labels": KIND_LABELS,
          "report_kinds": REPORT_KINDS, "event_labels": EVENT_LABELS, "booleans": BOOLEANS}


def home_panels(request: Request, db: Session, user: User) -> list[Panel]:
    if not any(policy.allowed(user, p) for p in ("aiwork.review", "aiwork.file", "aiwork.vote")):
        return []
    total, awaiting = service.awaiting_action(session=db, actor=user)
    items = [PanelItem(f"{f.reference} · {f.name}", f"/airegister/filings/{f.id}", _(STATUS_LABELS[f.status]),
                       "danger" if f.suspension_recommended else "warn") for f in awaiting]
    return [Panel(title=_("AI systems awaiting action"), order=40, figure=i18n.format_number(total), items=items,
                  link="/airegister/", link_label=_("The AI register"))]


# ---- form <-> filing --------------------------------------------------------------------------------


def _lines(text: str) -> list[tuple[int, list[str]]]:
    return [(n, [p.strip() for p in line.split(";")]) for n, line in enumerate(text.splitlines(), start=1)
            if line.strip()]


def _int(value: str, field: str, line: int | None = None) -> int:
    value = value.strip().replace(" ", "")
    if not value:
        return 0
    if not value.isdigit() or len(value) > 7:
        if line is None:
            raise ValidationFailed(N_("Enter a whole number."), field=field)
        raise ValidationFailed(N_("Line %(line)s: enter a whole number."), field=field, params={"line": line})
    return int(value)


def _date(value: str, field: str, line: int | None = None) -> str | None:
    value = value.strip()
    if not value:
        return None
    try:
        return date.fromisoformat(value).isoformat()
    except ValueError:
        raise ValidationFailed(N_("Line %(line)s: a date is written YYYY-MM-DD.") if line else
                               N_("A date is written YYYY-MM-DD."), field=field, params={"line": line}) from None


def form_to_filing(form) -> FilingIn:
    """The filing form (occupations and plan one per line, fields separated by ';') as a FilingIn."""
    occupations = []
    for line, parts in _lines(form.get("occupations", "")):
        if len(parts) < 2:
            raise ValidationFailed(N_("Line %(line)s: write the ISCO-08 code; workers affected; jobs removed."),
                                   field="occupations", params={"line": line})
        occupations.append({"isco08": parts[0], "headcount": _int(parts[1], "occupations", line),
                            "removed": _int(parts[2], "occupations", line) if len(parts) > 2 else 0})
    plan = []
    for line, parts in _lines(form.get("retraining_plan", "")):
        if len(parts) != 7:
            raise ValidationFailed(N_("Line %(line)s: write who; how many; training; target jobs; funding; start "
                                      "date; end date."), field="retraining_plan", params={"line": line})
        plan.append({"group": parts[0], "workers": _int(parts[1], "retraining_plan", line), "training": parts[2],
                     "target_jobs": parts[3], "funding": parts[4],
                     "start_on": _date(parts[5], "retraining_plan", line), "end_on": _date(parts[6], "retraining_plan", line)})
    values = {"name": form.get("name", "").strip(), "purpose": form.get("purpose", "").strip(),
              "vendor": form.get("vendor", "").strip(), "system_status": form.get("system_status", "planned"),
              "areas": form.getlist("areas"), "decides": form.get("decides", "").strip(),
              "autonomy": form.get("autonomy", "recommends"), "oversight": form.get("oversight", "").strip(),
              "data_description": form.get("data_description", "").strip(),
              **{b: form.get(b) == "1" for b in BOOLEANS}, "occupations": occupations,
              **{k: _int(form.get(k, ""), k) for k in ("headcount", "jobs_changed", "jobs_removed", "jobs_created",
                                                        "unit_positions", "unit_human_before")},
              "unit": form.get("unit", "").strip(), "start_on": _date(form.get("start_on", ""), "start_on"),
              "timeline": form.get("timeline", "").strip(), "retraining_plan": plan}
    try:
        return FilingIn.model_validate(values, strict=False)
    except ValidationError as error:
        first = error.errors()[0]
        location = [str(p) for p in first["loc"]]
        raise ValidationFailed(N_("Please check this field: %(field)s."), field=location[0],
                               params={"field": _(FIELD_LABELS.get(location[0], location[0]))}) from None


def filing_to_form(data: dict) -> dict:
    values = {k: v for k, v in data.items() if k not in ("occupations", "retraining_plan")}
    values["occupations"] = "\n".join(f"{o['isco08']}; {o['headcount']}; {o.get('removed', 0)}"
                                      for o in data.get("occupations", []))
    values["retraining_plan"] = "\n".join(
        "; ".join(str(r[k]) for k in ("group", "workers", "training", "target_jobs", "funding", "start_on", "end_on"))
        for r in data.get("retraining_plan", []))
    values["start_on"] = data.get("start_on") or ""
    return values


# ---- federation list -------------------------------------------------------------------------------


EXPORT_COLUMNS = ["reference", "name", "enterprise", "bin", "sector", "region", "status", "risk_kz", "eu_category",
                  "areas", "headcount", "jobs_removed", "jobs_created", "version", "decided_on",
                  "suspension_recommended"]


@router.get("/airegister/")
def register_list(request: Request, status: str = Query("", max_length=32), risk: str = Query("", max_length=16),
                  eu: str = Query("", max_length=16), sector: str = Query("", max_length=1),
                  fmt: str = Query("", max_length=4), user: User = Depends(require_user),
                  db: Session = Depends(get_db)):
    rows = service.federation_rows(session=db, actor=user, status=status, risk=risk, eu=eu, sector=sector)
    if fmt in ("csv", "xlsx"):
        data = [[row[c] for c in EXPORT_COLUMNS] for row in rows]
        return download(EXPORT_COLUMNS, data, fmt, "ai-register", "AI register")
    summary: dict[str, dict[str, int]] = {"sector": {}, "risk_kz": {}, "status": {}}
    for row in rows:
        for key in summary:
            summary[key][row[key]] = summary[key].get(row[key], 0) + 1
    sectors = [(s.code, i18n.localized(s, "name")) for s in registry.sectors(session=db)]
    return render(request, "airegister/list.html", {
        "rows": rows, "status": status, "risk": risk, "eu": eu, "sector": sector, "summary": summary,
        "sectors": sectors, "sector_names": dict(sectors), "can_file": policy.allowed(user, "aiwork.file"),
        "query": request.url.query, **LABELS})


# ---- filing and changing ---------------------------------------------------------------------------


def _enterprise_choices(db: Session, user: User) -> list[tuple[int, str]]:
    return [(e.id, i18n.localized(e, "name")) for e in service.enterprise_choices(session=db, actor=user)]


@router.get("/airegister/new")
def new_form(request: Request, user: User = Depends(require_user), db: Session = Depends(get_db)):
    policy.require(user, "aiwork.file")
    return render(request, "airegister/form.html", {"values": {"areas": []}, "enterprises": _enterprise_choices(db, user),
                                                    "action": "/airegister/new", **LABELS})


@router.post("/airegister/new")
def create(request: Request, user: User = Depends(require_user), db: Session = Depends(get_db),
           form: FormData = Depends(form_data)):
    policy.require(user, "aiwork.file")

    def action():
        enterprise_id = _int(str(form.get("enterprise_id", "")), "enterprise_id")
        filing = service.create(session=db, actor=user, enterprise_id=enterprise_id, filing_in=form_to_filing(form))
        db.commit()
        return filing

    def again(message: str, field: str):
        return render(request, "airegister/form.html", {
            "values": _form_values(form), "enterprises": _enterprise_choices(db, user), "action": "/airegister/new",
            "error": message, "error_field": field, **LABELS})

    return forms.submit(db, action, done=lambda filing: _back(filing.id), again=again)


def _form_values(form: FormData) -> dict:
    return {k: form.get(k) for k in form} | {"areas": form.getlist("areas")}


@router.get("/airegister/filings/{filing_id}/edit")
def edit_form(request: Request, filing_id: IdPath, user: User = Depends(require_user), db: Session = Depends(get_db)):
    filing = service.get(session=db, actor=user, filing_id=filing_id)
    access.require_enterprise(db, user, "aiwork.file", filing.enterprise_id)
    return render(request, "airegister/form.html", {"values": filing_to_form(service.data_of(filing)), "filing": filing,
                                                    "action": f"/airegister/filings/{filing.id}/edit", **LABELS})


@router.post("/airegister/filings/{filing_id}/edit")
def edit(request: Request, filing_id: IdPath, user: User = Depends(require_user),
         db: Session = Depends(get_db), form: FormData = Depends(form_data)):
    filing = service.get(session=db, actor=user, filing_id=filing_id)

    def action():
        service.update(session=db, actor=user, filing_id=filing.id, filing_in=form_to_filing(form),
                       change_note=str(form.get("change_note", "")))
        db.commit()

    def again(message: str, field: str):
        return render(request, "airegister/form.html", {
            "values": _form_values(form), "filing": service.get(session=db, actor=user, filing_id=filing_id),
            "action": f"/airegister/filings/{filing_id}/edit", "error": message, "error_field": field, **LABELS})

    return forms.submit(db, action, done=lambda _result: _back(filing_id), again=again)


# ---- the record -------------------------------------------------------------------------------------


def _format_value(value) -> str:
    if isinstance(value, bool):
        return _("yes") if value else _("no")
    if isinstance(value, list):
        if value and isinstance(value[0], dict):
            return " | ".join(", ".join(str(v) for v in item.values()) for item in value)
        return ", ".join(_(rules.AREAS[v]) if v in rules.AREAS else str(v) for v in value)
    if value in rules.AUTONOMY_INPUT:
        return _(rules.AUTONOMY_INPUT[value])
    if value in STAGES:
        return _(STAGES[value])
    return "" if value is None else str(value)


@router.get("/airegister/filings/{filing_id}")
def filing_page(request: Request, filing_id: IdPath, v: int = Query(0, ge=0, le=100000),
                user: User = Depends(require_user), db: Session = Depends(get_db)):
    filing = service.get(session=db, actor=user, filing_id=filing_id)
    shown = v if 1 <= v <= filing.current_version else filing.current_version
    data = service.data_of(filing, shown)
    changes = service.diff(service.data_of(filing, shown - 1), data) if shown > 1 else []
    enterprise = registry.enterprise_by_id(session=db, enterprise_id=filing.enterprise_id)
    union = service.union_of(session=db, filing=filing)
    users = service.participants(session=db, filing=filing)
    return render(request, "airegister/filing.html", {
        "f": filing, "data": data, "shown": shown, "changes": changes, "enterprise": enterprise, "union": union,
        "classification": service.classification_out(filing), "overrides": filing.overrides,
        "impact": service.impact(session=db, filing=filing, data=data), "model_year": service.MODEL_YEAR,
        "blockers": service.blocker_texts(session=db, filing=filing), "tally": service.tally(filing),
        "unanswered": service.unanswered_questions(filing), "users": users, "fmt": _format_value,
        "today": utcnow().date(), "my_vote": next((x.choice for x in filing.votes if x.voter_id == user.id), ""),
        "can_file": access.can_reach_enterprise(db, user, filing.enterprise_id) and policy.allowed(user, "aiwork.file"),
        "can_review": policy.allowed(user, "aiwork.review"), "can_vote": policy.allowed(user, "aiwork.vote"),
        "plans": service.plans_of_enterprise(session=db, actor=user, enterprise_id=filing.enterprise_id)
        if filing.status == FilingStatus.VOTING else [],
        **service.page_blocks(session=db, actor=user, filing=filing),
        **LABELS, **request.scope.get("qorgau.airegister", {})})


def _back(filing_id: int, anchor: str = "") -> RedirectResponse:
    return RedirectResponse(f"/airegister/filings/{filing_id}{anchor}", status_code=303)


def _act(request: Request, db: Session, user: User, filing_id: int, action, anchor: str = ""):
    """Run a service action; on a refusal show the record again with the reason."""
    def run():
        action()
        db.commit()

    def again(message: str, field: str):
        request.scope["qorgau.airegister"] = {"action_error": message, "error_field": field}
        return filing_page(request, filing_id, 0, user, db)

    return forms.submit(db, run, done=lambda _result: _back(filing_id, anchor), again=again)


@router.post("/airegister/filings/{filing_id}/submit")
def submit(request: Request, filing_id: IdPath, user: User = Depends(require_user), db: Session = Depends(get_db)):
    return _act(request, db, user, filing_id, lambda: service.submit(session=db, actor=user, filing_id=filing_id))


@router.post("/airegister/filings/{filing_id}/withdraw")
def withdraw(request: Request, filing_id: IdPath, user: User = Depends(require_user), db: Session = Depends(get_db)):
    return _act(request, db, user, filing_id, lambda: service.withdraw(session=db, actor=user, filing_id=filing_id))


@router.post("/airegister/filings/{filing_id}/comments")
def add_comment(request: Request, filing_id: IdPath, kind: str = Form(..., max_length=16),
                body: str = Form(..., max_length=5000), answers_id: str = Form("", max_length=12),
                user: User = Depends(require_user), db: Session = Depends(get_db)):
    question = int(answers_id) if answers_id.isdigit() else None
    return _act(request, db, user, filing_id, lambda: service.comment(
        session=db, actor=user, filing_id=filing_id, kind=kind, body=body, answers_id=question), "#discussion")


@router.post("/airegister/filings/{filing_id}/override")
def add_override(request: Request, filing_id: IdPath, dimension: str = Form(..., max_length=40),
                 value: str = Form(..., max_length=40), reason: str = Form("", max_length=1000),
                 user: User = Depends(require_user), db: Session = Depends(get_db)):
    return _act(request, db, user, filing_id, lambda: service.override(
        session=db, actor=user, filing_id=filing_id, dimension=dimension, value=value, reason=reason),
        "#classification")


@router.post("/airegister/filings/{filing_id}/vote/open")
def open_vote(request: Request, filing_id: IdPath, quorum: int = Form(1, ge=1, le=500),
              majority_pct: int = Form(50, ge=50, le=99), user: User = Depends(require_user),
              db: Session = Depends(get_db)):
    return _act(request, db, user, filing_id, lambda: service.open_vote(
        session=db, actor=user, filing_id=filing_id, quorum=quorum, majority_pct=majority_pct), "#vote")


@router.post("/airegister/filings/{filing_id}/vote")
def cast_vote(request: Request, filing_id: IdPath, choice: str = Form(..., max_length=16),
              note: str = Form("", max_length=1000), user: User = Depends(require_user),
              db: Session = Depends(get_db)):
    return _act(request, db, user, filing_id, lambda: service.vote(
        session=db, actor=user, filing_id=filing_id, choice=choice, note=note), "#vote")


def _conditions(text: str) -> list[tuple[str, date]]:
    found = []
    for line, parts in _lines(text):
        if len(parts) < 2:
            raise ValidationFailed(N_("Line %(line)s: write the due date; the condition."), field="conditions",
                                   params={"line": line})
        due = _date(parts[0], "conditions", line)
        found.append(("; ".join(parts[1:]), date.fromisoformat(due)))
    return found


@router.post("/airegister/filings/{filing_id}/decision")
def decide(request: Request, filing_id: IdPath, reasons: str = Form("", max_length=5000),
           conditions: str = Form("", max_length=20000), review_every_months: int = Form(12, ge=1, le=60),
           plan_id: int | None = Form(None, ge=1, le=2_147_483_647), plan_due_on: str = Form("", max_length=10),
           user: User = Depends(require_user), db: Session = Depends(get_db)):
    def action():
        due = _date(plan_due_on, "plan_due_on")
        if plan_id and due is None:
            raise ValidationFailed(N_("Give the date by which the plan must be agreed."), field="plan_due_on")
        plans = [(plan_id, date.fromisoformat(due))] if plan_id and due else []
        return service.decide(session=db, actor=user, filing_id=filing_id, reasons=reasons,
                              conditions=_conditions(conditions), plan_conditions=plans,
                              review_every_months=review_every_months)

    return _act(request, db, user, filing_id, action, "#decision")


@router.post("/airegister/filings/{filing_id}/condition")
def condition_met(request: Request, filing_id: IdPath, condition_id: int = Form(..., ge=1, le=2_147_483_647),
                  evidence: str = Form("", max_length=2000), user: User = Depends(require_user),
                  db: Session = Depends(get_db)):
    return _act(request, db, user, filing_id, lambda: service.condition_met(
        session=db, actor=user, filing_id=filing_id, condition_id=condition_id, evidence=evidence), "#decision")


@router.post("/airegister/filings/{filing_id}/review")
def record_review(request: Request, filing_id: IdPath, note: str = Form("", max_length=2000),
                  user: User = Depends(require_user), db: Session = Depends(get_db)):
    return _act(request, db, user, filing_id, lambda: service.record_review(
        session=db, actor=user, filing_id=filing_id, note=note), "#after")


@router.post("/airegister/filings/{filing_id}/suspend")
def suspend(request: Request, filing_id: IdPath, reason: str = Form("", max_length=1000),
            user: User = Depends(require_user), db: Session = Depends(get_db)):
    return _act(request, db, user, filing_id, lambda: service.recommend_suspension(
        session=db, actor=user, filing_id=filing_id, reason=reason), "#after")


@router.post("/airegister/filings/{filing_id}/reports")
def link_report(request: Request, filing_id: IdPath, reference: str = Form(..., max_length=12),
                kind: str = Form(..., max_length=24), note: str = Form("", max_length=1000),
                user: User = Depends(require_user), db: Session = Depends(get_db)):
    return _act(request, db, user, filing_id, lambda: service.link_report(
        session=db, actor=user, filing_id=filing_id, reference=reference, kind=kind, note=note), "#after")


# ---- collective agreement ---------------------------------------------------------------------------


@router.get("/airegister/agreement/{enterprise_id}")
def agreement(request: Request, enterprise_id: IdPath, user: User = Depends(require_user),
              db: Session = Depends(get_db), error: str = ""):
    access.require_enterprise(db, user, "aiwork.read", enterprise_id)
    roles = service.human_only_roles(session=db, enterprise_id=enterprise_id)
    titles = aiwork.occupation_titles(isco_codes=[r.isco08 for r in roles], locale=i18n.get_locale())
    return render(request, "airegister/agreement.html", {
        "enterprise": registry.enterprise_by_id(session=db, enterprise_id=enterprise_id), "roles": roles,
        "titles": titles, "quotas": service.quotas(session=db, enterprise_id=enterprise_id),
        "can_edit": policy.allowed(user, "aiwork.review"), **request.scope.get("qorgau.airegister", {})})


@router.post("/airegister/agreement/{enterprise_id}")
def agreement_change(request: Request, enterprise_id: IdPath, what: str = Form(..., max_length=16),
                     isco08: str = Form("", max_length=4), unit: str = Form("", max_length=120),
                     min_human_pct: str = Form("", max_length=3), clause: str = Form("", max_length=300),
                     user: User = Depends(require_user), db: Session = Depends(get_db)):
    def action():
        if what == "role":
            service.set_human_only(session=db, actor=user, enterprise_id=enterprise_id, isco08=isco08.strip(),
                                   clause=clause)
        elif what == "remove_role":
            service.remove_human_only(session=db, actor=user, enterprise_id=enterprise_id, isco08=isco08.strip())
        elif what == "quota":
            service.set_quota(session=db, actor=user, enterprise_id=enterprise_id, unit=unit,
                              min_human_pct=_int(min_human_pct, "min_human_pct"), clause=clause)
        else:
            raise ValidationFailed(N_("Unknown action."), field="what")
        db.commit()

    def again(message: str, _field: str):
        request.scope["qorgau.airegister"] = {"action_error": message}
        return agreement(request, enterprise_id, user, db)

    return forms.submit(db, action, done=lambda _result: RedirectResponse(f"/airegister/agreement/{enterprise_id}",
                                                                          status_code=303), again=again)


# ---- workers' page (public) --------------------------------------------------------------------------


@router.get("/ai-at-work/")
def workplace(request: Request, q: str = Query("", max_length=100), enterprise: int = Query(0, ge=0, le=2_147_483_647),
              db: Session = Depends(get_db)):
    """For workers, no sign-in: the AI systems filed at their workplace, in plain language, and their rights."""
    chosen = registry.enterprise_by_id(session=db, enterprise_id=enterprise) if enterprise else None
    systems = []
    if chosen is not None:
        for filing in service.workplace_systems(session=db, enterprise_id=chosen.id):
            data = service.data_of(filing)
            systems.append({"f": filing, "data": data, "c": service.classification(filing, data)})
    return render(request, "airegister/workplace.html", {
        "q": q, "matches": registry.public_enterprise_search(session=db, q=q) if q else [], "chosen": chosen,
        "systems": systems, **LABELS})


__all__ = ["router", "NAV", "home_panels", "STATUSES"]
