"""Support cases: opening (from an AI filing that removes jobs, from a serious accident or an occupational
disease, or by an officer), consent, needs assessments with the officer's override, services matched to the
need and the person, follow-ups with escalation, closure with an outcome, retraining plan progress,
statistics with small cells suppressed. Functions never commit; every write is audited."""

from __future__ import annotations

import json
import secrets
import statistics as stats_lib
from dataclasses import asdict
from datetime import date, datetime, timedelta

from sqlalchemy import Select, func, select
from sqlalchemy.orm import Session

from qorgau.airegister import service as register
from qorgau.aiwork import service as aiwork
from qorgau.core import audit, crypto, policy
from qorgau.core.db import utcnow
from qorgau.core.disclosure import suppress_small_cells
from qorgau.core.errors import Conflict, Forbidden, NotFound, ValidationFailed
from qorgau.core.i18n_markers import N_
from qorgau.core.models import User
from qorgau.core.notify import notify
from qorgau.incidents import service as incidents
from qorgau.registry import access
from qorgau.registry.models import Enterprise, Occupation, UnionOrg
from qorgau.support import scale
from qorgau.support.models import Case, CaseEvent, CaseService, FollowUp, NeedsAssessment, SupportSetting
from qorgau.support.states import (
    CASE_MOVES,
    CAUSES,
    OPEN_SERVICE,
    OUTCOMES,
    SERVICE_KINDS,
    SERVICE_MOVES,
    CaseStatus,
    ServiceStatus,
)

REEMPLOYED_WITHIN_MONTHS = 6  # "re-employed within N months" in the statistics
ESCALATE_AGAIN_DAYS = 7
MIN_REASON = 10
SUBSISTENCE_KEY = "subsistence_minimum"
DEFAULT_DUE_DAYS = {"retraining": 120, "placement": 60, "legal_aid": 30, "material_aid": 14, "psychological": 14}
# Legal aid after an accident or an occupational disease: the articles of the Labour Code it rests on.
INJURY_LEGAL_BASIS = N_("Labour Code art. 182 p.2(14) (the employer insures workers against accidents); "
                        "art. 190 p.9 (a copy of the act to the victim and the insurer within 3 working days); "
                        "art. 190 p.3 (disagreement with the act: the employer decides within 10 working days); "
                        "art. 190 p.11 (the victim and the workers' representative may read all materials)")
AUTOMATION_LEGAL_BASIS = N_("Law on Artificial Intelligence art. 7 p.2 and art. 16 (the right to be informed of "
                            "and to object to decisions taken with AI); art. 24 (harm compensated under the Civil "
                            "Code); the collective agreement's terms on retraining and re-employment")


# ---- helpers ---------------------------------------------------------------------------------------


def _today(today: date | None) -> date:
    return today or utcnow().date()


def _reference(session: Session) -> str:
    alphabet = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"
    while True:
        reference = "SC-" + "".join(secrets.choice(alphabet) for _ in range(6))
        if not session.execute(select(Case.id).where(Case.reference == reference)).first():
            return reference


def _event(session: Session, case: Case, actor: User | None, event_kind: str, /, **detail) -> None:
    case.events.append(CaseEvent(actor_id=actor.id if actor else None, kind=event_kind, detail=detail))


def _reason(reason: str, field: str = "reason") -> str:
    reason = (reason or "").strip()
    if len(reason) < MIN_REASON:
        raise ValidationFailed(N_("Give a reason (at least 10 characters)."), field=field)
    return reason


def _require_open(case: Case) -> None:
    if case.status == CaseStatus.CLOSED:
        raise Conflict(N_("The case is closed."), field="status")


def _require_active(case: Case) -> None:
    if case.status != CaseStatus.ACTIVE:
        raise Conflict(N_("Record the worker's consent first."), field="consent")


def list_query(*, session: Session, actor: User, status: str = "", cause: str = "", level: str = "",
               filing_id: int | None = None) -> Select:
    policy.require(actor, "support.read")
    query = select(Case).where(access.scoped(session, actor, Case.enterprise_id))
    if status:
        query = query.where(Case.status == status)
    if cause:
        query = query.where(Case.cause == cause)
    if level:
        query = query.where(Case.level == level)
    if filing_id:
        query = query.where(Case.filing_id == filing_id)
    return query.order_by(Case.id.desc())


def get(*, session: Session, actor: User, case_id: int) -> Case:
    """One case in the actor's scope, else NotFound."""
    policy.require(actor, "support.read")
    found = session.execute(select(Case).where(Case.id == case_id,
                                               access.scoped(session, actor, Case.enterprise_id))).scalar()
    if found is None:
        raise NotFound(N_("Not found."))
    return found


def case_workers(*, session: Session, actor: User, case: Case | None = None) -> list[User]:
    """People who may be responsible for a case or a service: active users with support.write whose
    scope reaches the case's enterprise."""
    users = session.execute(select(User).where(User.is_active.is_(True)).order_by(User.full_name)).scalars()
    return [u for u in users if policy.allowed(u, "support.write")
            and (case is None or access.can_reach_enterprise(session, u, case.enterprise_id))]


def has_demo(session: Session) -> bool:
    """Whether the synthetic demonstration cases are loaded (the pages say so)."""
    return session.execute(select(Case.id).where(Case.synthetic.is_(True)).limit(1)).first() is not None


def worker_panel(*, session: Session, actor: User, today: date, limit: int = 5) -> tuple[list[Case], int]:
    """The case worker's own cases with a follow-up overdue (the first `limit`) and the number of their cases
    not closed."""
    late = (select(Case).join(FollowUp).where(Case.case_worker_id == actor.id, Case.status == CaseStatus.ACTIVE,
                                              FollowUp.done_on.is_(None), FollowUp.due_on < today).distinct())
    mine = select(func.count()).select_from(Case).where(Case.case_worker_id == actor.id,
                                                        Case.status != CaseStatus.CLOSED)
    return list(session.execute(late.limit(limit)).scalars()), session.execute(mine).scalar_one()


def list_page(*, session: Session, actor: User, status: str = "", cause: str = "", level: str = "",
              filing_id: int | None = None, limit: int = 300) -> tuple[list[Case], int, dict[int, Enterprise]]:
    """The first `limit` cases of the list, how many there are in all and their enterprises by id."""
    query = list_query(session=session, actor=actor, status=status, cause=cause, level=level, filing_id=filing_id)
    cases = list(session.execute(query.limit(limit)).scalars())
    total = session.execute(select(func.count()).select_from(query.subquery())).scalar_one()
    return cases, total, enterprises_by_id(session, {c.enterprise_id for c in cases})


def enterprises_by_id(session: Session, ids: set[int]) -> dict[int, Enterprise]:
    if not ids:
        return {}
    return {e.id: e for e in session.execute(select(Enterprise).where(Enterprise.id.in_(ids))).scalars()}


def enterprise_choices(*, session: Session, actor: User) -> list[Enterprise]:
    """Enterprises in the actor's scope a case may be opened at (by name, the first 500)."""
    return list(session.execute(select(Enterprise).where(access.enterprise_scope(session, actor))
                                .order_by(Enterprise.name_ru).limit(500)).scalars())


def case_context(*, session: Session, case: Case) -> dict:
    """What the case's page shows beside the case: the people named in it, its enterprise and its AI filing."""
    ids = ({case.case_worker_id, case.opened_by_id} | {s.responsible_id for s in case.services}
           | {e.actor_id for e in case.events} | {a.by_id for a in case.assessments}) - {None}
    users = {u.id: u for u in session.execute(select(User).where(User.id.in_(ids))).scalars()} if ids else {}
    return {"users": users, "enterprise": session.get(Enterprise, case.enterprise_id),
            "filing": register.filing_by_id(session=session, filing_id=case.filing_id) if case.filing_id else None}


# ---- opening ---------------------------------------------------------------------------------------


def open_case(*, session: Session, actor: User, enterprise_id: int, cause: str, worker_reference: str,
              isco08: str | None = None, case_worker_id: int | None = None, filing_id: int | None = None,
              accident_id: int | None = None, disease_case_id: int | None = None, today: date | None = None,
              synthetic: bool = False) -> Case:
    access.require_enterprise(session, actor, "support.write", enterprise_id)
    if cause not in CAUSES:
        raise ValidationFailed(N_("Choose one of the listed answers."), field="cause")
    worker_reference = (worker_reference or "").strip()
    if not 1 <= len(worker_reference) <= 40:
        raise ValidationFailed(N_("Give the worker's reference (a personnel number, at most 40 characters), "
                                  "not a name."), field="worker_reference")
    isco08 = (isco08 or "").strip() or None
    if isco08 is not None and session.get(Occupation, isco08) is None:
        raise ValidationFailed(N_("'%(value)s' is not an ISCO-08 unit group (4 digits)."), field="isco08",
                               params={"value": isco08})
    enterprise = session.get(Enterprise, enterprise_id)
    assert enterprise is not None  # require_enterprise found it
    case_worker = case_worker_id or actor.id
    if case_worker_id is not None:
        chosen = session.get(User, case_worker_id)
        if chosen is None or not policy.allowed(chosen, "support.write"):
            raise ValidationFailed(N_("Choose a case worker from the list."), field="case_worker_id")
    case = Case(reference=_reference(session), enterprise_id=enterprise_id, region_kato=enterprise.region_kato,
                sector_code=enterprise.sector_code, cause=cause, worker_reference=worker_reference, isco08=isco08,
                filing_id=filing_id, accident_id=accident_id, disease_case_id=disease_case_id,
                opened_on=_today(today), opened_by_id=actor.id, case_worker_id=case_worker, synthetic=synthetic)
    session.add(case)
    _event(session, case, actor, "opened", cause=cause, filing_id=filing_id, accident_id=accident_id)
    session.flush()
    audit.record(session, action="support.case.opened", object_type="support_case", object_id=case.id,
                 after={"reference": case.reference, "cause": cause, "enterprise_id": enterprise_id})
    return case


def update_case(*, session: Session, actor: User, case_id: int, worker_reference: str | None = None,
                isco08: str | None = None, case_worker_id: int | None = None) -> Case:
    case = get(session=session, actor=actor, case_id=case_id)
    policy.require(actor, "support.write")
    _require_open(case)
    before = {"worker_reference": case.worker_reference, "isco08": case.isco08, "case_worker_id": case.case_worker_id}
    if worker_reference is not None:
        worker_reference = worker_reference.strip()
        if not 1 <= len(worker_reference) <= 40:
            raise ValidationFailed(N_("Give the worker's reference (a personnel number, at most 40 characters), "
                                      "not a name."), field="worker_reference")
        case.worker_reference = worker_reference
    if isco08:
        if session.get(Occupation, isco08) is None:
            raise ValidationFailed(N_("'%(value)s' is not an ISCO-08 unit group (4 digits)."), field="isco08",
                                   params={"value": isco08})
        case.isco08 = isco08
    if case_worker_id is not None:
        if case_worker_id not in {u.id for u in case_workers(session=session, actor=actor, case=case)}:
            raise ValidationFailed(N_("Choose a case worker from the list."), field="case_worker_id")
        case.case_worker_id = case_worker_id
    _event(session, case, actor, "updated")
    audit.record(session, action="support.case.updated", object_type="support_case", object_id=case.id,
                 before=before, after={"worker_reference": case.worker_reference, "isco08": case.isco08,
                                       "case_worker_id": case.case_worker_id})
    session.flush()
    return case


def retraining_match(*, session: Session, enterprise_id: int, isco08: str | None, locale: str = "en") -> dict | None:
    """The retraining matched to a worker's occupation: the enterprise's retraining plan item for that occupation
    where one exists (agreed plans first), else the best reskilling path of the AI-exposure model."""
    if not isco08:
        return None
    planned = aiwork.planned_retraining(session=session, enterprise_id=enterprise_id, isco08=isco08)
    if planned is not None:
        match = {**planned, "source": "plan"}
    else:
        best = aiwork.best_reskilling_target(isco08=isco08, locale=locale)
        if best is None:
            return None
        match = {**best, "plan_id": None, "training": "", "source": "model"}
    return {**match, "target_title": occupation_title(match["target_isco"], locale),
            "source_title": occupation_title(isco08, locale)}


def occupation_title(code: str | None, locale: str = "en") -> str:
    """The ISCO-08 unit group's title in `locale`; another code as it is written."""
    if not code:
        return ""
    return aiwork.unit_group_titles(isco_codes=[code], locale=locale).get(code, code)


def _retraining_service(session: Session, case: Case, actor: User, match: dict, today: date) -> CaseService:
    service = CaseService(kind="retraining", title=f"ISCO {case.isco08} → {match['target_isco']}",
                      detail=match["training"] or "", responsible_id=case.case_worker_id, target_isco=match["target_isco"],
                      plan_id=match["plan_id"], due_on=today + timedelta(days=DEFAULT_DUE_DAYS["retraining"]),
                      requested_by_id=actor.id)
    case.services.append(service)
    _event(session, case, actor, "service_added", kind="retraining", target_isco=match["target_isco"],
           matched_by=match["source"])
    return service


def open_from_filing(*, session: Session, actor: User, filing_id: int, today: date | None = None,
                     synthetic: bool = False) -> list[Case]:
    """One case per worker whose job the filing removes (per occupation, as many as its jobs removed, less
    the cases already opened), each with retraining matched to the worker's occupation."""
    policy.require(actor, "support.write")
    filing = register.get(session=session, actor=actor, filing_id=filing_id)
    if not register.opens_support_cases(filing):
        raise Conflict(N_("Cases are opened from a filing that was submitted and not rejected or withdrawn."),
                       field="filing_id")
    occupations = [o for o in register.data_of(filing).get("occupations", []) if o.get("removed", 0) > 0]
    if not occupations:
        raise ValidationFailed(N_("This filing removes no jobs in a named occupation."), field="filing_id")
    today = _today(today)
    opened: list[Case] = []
    for item in occupations:
        code, removed = item["isco08"], int(item["removed"])
        have = session.execute(select(func.count()).select_from(Case).where(Case.filing_id == filing.id,
                                                                            Case.isco08 == code)).scalar_one()
        match = retraining_match(session=session, enterprise_id=filing.enterprise_id, isco08=code)
        for number in range(have + 1, removed + 1):
            case = open_case(session=session, actor=actor, enterprise_id=filing.enterprise_id, cause="automation",
                             worker_reference=f"{filing.reference}-{code}-{number:03d}", isco08=code,
                             filing_id=filing.id, today=today, synthetic=synthetic)
            if match is not None:
                _retraining_service(session, case, actor, match, today)
            opened.append(case)
    session.flush()
    audit.record(session, action="support.cases_from_filing", object_type="airegister_filing", object_id=filing.id,
                 after={"opened": len(opened)})
    return opened


def offers(*, session: Session, actor: User) -> dict:
    """Serious and fatal accidents' victims and occupational-disease cases in scope that have no case yet."""
    policy.require(actor, "support.write")
    victims = incidents.victims_with_outcome(
        session=session, actor=actor, outcomes=("serious", "fatal"),
        without=select(Case.accident_id).where(Case.accident_id.is_not(None)))
    diseases = incidents.disease_cases_in_scope(
        session=session, actor=actor, without=select(Case.disease_case_id).where(Case.disease_case_id.is_not(None)))
    return {"accidents": victims, "diseases": diseases}


def open_from_incident(*, session: Session, actor: User, worker_reference: str, accident_id: int | None = None,
                       disease_case_id: int | None = None, today: date | None = None) -> Case:
    """A case offered from a serious accident (or an occupational disease), with legal aid on compensation."""
    today = _today(today)
    if accident_id:
        accident = incidents.accident_by_id(session=session, accident_id=accident_id)
        if accident is None or accident.category not in ("serious", "fatal", "group"):
            raise NotFound(N_("Not found."))
        isco = next((v.isco08 for v in accident.victims if v.outcome in ("serious", "fatal") and v.isco08), None)
        case = open_case(session=session, actor=actor, enterprise_id=accident.enterprise_id, cause="injury",
                         worker_reference=worker_reference, isco08=isco, accident_id=accident.id, today=today)
    elif disease_case_id:
        disease = incidents.disease_case_by_id(session=session, disease_case_id=disease_case_id)
        if disease is None:
            raise NotFound(N_("Not found."))
        case = open_case(session=session, actor=actor, enterprise_id=disease.enterprise_id, cause="disease",
                         worker_reference=worker_reference, isco08=disease.isco08, disease_case_id=disease.id,
                         today=today)
    else:
        raise ValidationFailed(N_("Choose an accident or a disease case."), field="accident_id")
    case.services.append(CaseService(kind="legal_aid", title=N_("Compensation and insurance claim"),
                                 legal_basis=INJURY_LEGAL_BASIS, responsible_id=case.case_worker_id,
                                 due_on=today + timedelta(days=DEFAULT_DUE_DAYS["legal_aid"]),
                                 requested_by_id=actor.id))
    _event(session, case, actor, "service_added", kind="legal_aid")
    session.flush()
    return case


# ---- consent, assessment -----------------------------------------------------------------------------


def record_consent(*, session: Session, actor: User, case_id: int, given: bool, family: bool = False,
                   note: str = "", today: date | None = None) -> Case:
    """The worker's consent to the case (and, separately, to including the family). Without consent the
    case is closed as declined."""
    case = get(session=session, actor=actor, case_id=case_id)
    policy.require(actor, "support.write")
    if case.status != CaseStatus.INTAKE:
        raise Conflict(N_("Consent is recorded at intake."), field="consent")
    today = _today(today)
    note = (note or "").strip()[:1000]
    if given:
        case.status = CASE_MOVES.move(case.status, CaseStatus.ACTIVE)
        case.consent_on, case.consent_family, case.consent_note = today, bool(family), note
    else:
        case.status = CASE_MOVES.move(case.status, CaseStatus.CLOSED)
        case.closed_on, case.outcome, case.outcome_note = today, "declined", note
    _event(session, case, actor, "consent", given=bool(given), family=bool(family) and bool(given))
    audit.record(session, action="support.consent", object_type="support_case", object_id=case.id,
                 after={"given": bool(given), "family": bool(family) and bool(given), "on": today.isoformat()})
    session.flush()
    return case


def subsistence_minimum(session: Session) -> tuple[int | None, str]:
    """The subsistence minimum the income criterion compares with (KZT a month) and its stated source;
    None when the union has not set it."""
    row = session.get(SupportSetting, SUBSISTENCE_KEY)
    if row is None:
        return None, ""
    return int(row.value), row.source


def set_subsistence_minimum(*, session: Session, actor: User, value: int, source: str,
                            today: date | None = None) -> SupportSetting:
    policy.require(actor, "support.configure")
    if not 1 <= value <= 10_000_000:
        raise ValidationFailed(N_("Give the amount in tenge, between 1 and 10,000,000."), field="value")
    source = (source or "").strip()
    if len(source) < 5:
        raise ValidationFailed(N_("Say where the figure comes from (the act and its date, or that it is the "
                                  "union's own figure)."), field="source")
    row = session.get(SupportSetting, SUBSISTENCE_KEY)
    before = {"value": row.value, "source": row.source} if row else None
    if row is None:
        row = SupportSetting(key=SUBSISTENCE_KEY, value=str(value), source=source[:500], set_by_id=actor.id,
                      set_on=_today(today))
        session.add(row)
    else:
        row.value, row.source, row.set_by_id, row.set_on = str(value), source[:500], actor.id, _today(today)
    audit.record(session, action="support.subsistence_minimum", object_type="support_setting",
                 object_id=SUBSISTENCE_KEY, before=before, after={"value": str(value), "source": source[:500]})
    session.flush()
    return row


def assess(*, session: Session, actor: User, case_id: int, answers: scale.Answers,
           today: date | None = None) -> NeedsAssessment:
    """A new assessment (the earlier ones stay in the history); the case takes its level."""
    case = get(session=session, actor=actor, case_id=case_id)
    policy.require(actor, "support.write")
    _require_active(case)
    minimum, _source = subsistence_minimum(session)
    try:
        result = scale.assess(answers, subsistence_minimum=minimum)
    except scale.ScaleError as error:
        raise ValidationFailed(error.message, field=error.field, params=error.params) from None
    personal = {"answers": {"household_income": answers.household_income, "household_size": answers.household_size,
                            "health": answers.health, "debt_payment": answers.debt_payment,
                            "debt_overdue": answers.debt_overdue},
                "scores": {k: v for k, v in result.scores.items() if k in scale.SENSITIVE}}
    open_scores = {k: v for k, v in result.scores.items() if k not in scale.SENSITIVE}
    open_scores["_answers"] = {"dependants": answers.dependants, "housing": answers.housing,
                               "employment": answers.employment}
    row = NeedsAssessment(assessed_on=_today(today), by_id=actor.id, method=scale.METHOD, automatic_level=result.level,
                     level=result.level, points=result.points, open_scores=open_scores,
                     assessed=sorted(result.scores), subsistence_minimum=minimum,
                     personal_encrypted=crypto.encrypt_text(json.dumps(personal)))
    case.assessments.append(row)
    case.level = result.level
    case.first_level = case.first_level or result.level
    _event(session, case, actor, "assessed", level=result.level, points=result.points,
           not_assessed=result.not_assessed)
    session.flush()
    audit.record(session, action="support.assessed", object_type="support_case", object_id=case.id,
                 after={"level": result.level, "points": result.points, "method": scale.METHOD,
                        "not_assessed": result.not_assessed})
    return row


def override_level(*, session: Session, actor: User, case_id: int, level: str, reason: str) -> NeedsAssessment:
    """An officer overrides the automatic level of the latest assessment, with a reason (audited)."""
    case = get(session=session, actor=actor, case_id=case_id)
    policy.require(actor, "support.write")
    _require_open(case)
    if not case.assessments:
        raise Conflict(N_("Assess the needs level first."), field="level")
    if level not in scale.LEVELS:
        raise ValidationFailed(N_("Choose one of the listed answers."), field="level")
    reason = _reason(reason)
    latest = case.assessments[-1]
    before = latest.level
    latest.level, latest.override_reason, latest.overridden_by_id = level, reason, actor.id
    case.level = level
    if len(case.assessments) == 1:
        case.first_level = level
    _event(session, case, actor, "overridden", automatic=latest.automatic_level, level=level, reason=reason)
    audit.record(session, action="support.level_overridden", object_type="support_case", object_id=case.id,
                 before={"level": before}, after={"level": level, "automatic": latest.automatic_level},
                 reason=reason)
    session.flush()
    return latest


def personal_data(*, session: Session, actor: User, case_id: int, reason: str) -> list[dict]:
    """Health and income of every assessment of the case, for an officer who gives a reason (logged)."""
    case = get(session=session, actor=actor, case_id=case_id)
    policy.require(actor, "support.personal")
    reason = _reason(reason)
    audit.record(session, action="support.personal_viewed", object_type="support_case", object_id=case.id,
                 reason=reason)
    _event(session, case, actor, "personal_viewed", reason=reason)
    session.flush()
    return [{"assessment_id": a.id, "assessed_on": a.assessed_on, **json.loads(crypto.decrypt_text(a.personal_encrypted))}
            for a in case.assessments]


def explanation(assessment: NeedsAssessment, personal: dict | None = None) -> list[dict]:
    """Each criterion with its weight, its score (hidden for health and income unless `personal` was read
    with a reason) and its contribution, for the page."""
    scores = {k: v for k, v in assessment.open_scores.items() if not k.startswith("_")}
    if personal:
        scores.update(personal.get("scores", {}))
    assessed = set(assessment.assessed)
    total = sum(scale.WEIGHTS[k] for k in assessed) or 1.0
    rows = []
    for criterion in scale.CRITERIA:
        key = criterion.key
        weight = criterion.weight / total if key in assessed else None
        score = scores.get(key)
        rows.append({"key": key, "label": criterion.label, "rule": criterion.rule, "weight": criterion.weight,
                     "weight_used": weight, "assessed": key in assessed, "hidden": key in assessed and score is None,
                     "score": score, "contribution": score * weight if score is not None and weight else None})
    return rows


# ---- services --------------------------------------------------------------------------------------


def suggestions(*, session: Session, case: Case, locale: str = "en") -> list[dict]:
    """Services matched to the need and the person, not yet in the plan: what the case page offers to add."""
    have = {s.kind for s in case.services if s.status not in (ServiceStatus.CANCELLED, ServiceStatus.REFUSED)}
    level = case.level or "C"
    out: list[dict] = []
    if "retraining" not in have and case.cause in ("automation", "injury", "disease") and case.isco08:
        match = retraining_match(session=session, enterprise_id=case.enterprise_id, isco08=case.isco08, locale=locale)
        if match is not None:
            out.append({"kind": "retraining", "title": f"ISCO {case.isco08} → {match['target_isco']}", "target_isco": match["target_isco"], "detail": match["training"],
                        "legal_basis": ""})
    if "placement" not in have and case.cause in ("automation", "request", "injury"):
        out.append({"kind": "placement", "title": N_("Job placement"), "target_isco": "", "detail": "",
                    "legal_basis": ""})
    if "legal_aid" not in have:
        basis = AUTOMATION_LEGAL_BASIS if case.cause == "automation" else INJURY_LEGAL_BASIS \
            if case.cause in ("injury", "disease") else ""
        if basis:
            out.append({"kind": "legal_aid", "title": N_("Legal aid"), "target_isco": "", "detail": "",
                        "legal_basis": basis})
    if "material_aid" not in have and level in ("D", "E"):
        out.append({"kind": "material_aid", "title": N_("Material aid from union funds"), "target_isco": "",
                    "detail": "", "legal_basis": ""})
    if "psychological" not in have and (level in ("D", "E") or case.cause in ("injury", "disease")):
        out.append({"kind": "psychological", "title": N_("Psychological support"), "target_isco": "", "detail": "",
                    "legal_basis": ""})
    return out


def add_service(*, session: Session, actor: User, case_id: int, kind: str, title: str, due_on: date,
                responsible_id: int | None = None, detail: str = "", target_isco: str | None = None,
                amount_kzt: int | None = None, legal_basis: str = "") -> CaseService:
    case = get(session=session, actor=actor, case_id=case_id)
    policy.require(actor, "support.write")
    _require_active(case)
    if kind not in SERVICE_KINDS:
        raise ValidationFailed(N_("Choose one of the listed answers."), field="kind")
    title = (title or "").strip()
    if not 3 <= len(title) <= 300:
        raise ValidationFailed(N_("Give a title of 3 to 300 characters."), field="title")
    if due_on < case.opened_on:
        raise ValidationFailed(N_("The deadline cannot be before the case was opened."), field="due_on")
    responsible = responsible_id or case.case_worker_id or actor.id
    if responsible not in {u.id for u in case_workers(session=session, actor=actor, case=case)}:
        raise ValidationFailed(N_("Choose the responsible person from the list."), field="responsible_id")
    target_isco = (target_isco or "").strip() or None
    if target_isco is not None and session.get(Occupation, target_isco) is None:
        raise ValidationFailed(N_("'%(value)s' is not an ISCO-08 unit group (4 digits)."), field="target_isco",
                               params={"value": target_isco})
    if kind == "material_aid":
        if amount_kzt is None or not 1 <= amount_kzt <= 10_000_000:
            raise ValidationFailed(N_("Give the amount in tenge, between 1 and 10,000,000."), field="amount_kzt")
    else:
        amount_kzt = None
    service = CaseService(kind=kind, title=title, detail=(detail or "").strip(), responsible_id=responsible,
                      due_on=due_on, target_isco=target_isco, amount_kzt=amount_kzt,
                      legal_basis=(legal_basis or "").strip()[:1000], requested_by_id=actor.id)
    case.services.append(service)
    _event(session, case, actor, "service_added", kind=kind)
    session.flush()
    audit.record(session, action="support.service_added", object_type="support_service", object_id=service.id,
                 after={"case": case.reference, "kind": kind, "due_on": due_on.isoformat(), "amount_kzt": amount_kzt})
    return service


def get_service(*, session: Session, actor: User, service_id: int) -> CaseService:
    service = session.get(CaseService, service_id)
    if service is None:
        raise NotFound(N_("Not found."))
    get(session=session, actor=actor, case_id=service.case_id)
    return service


def may_approve(actor: User | None, service: CaseService) -> bool:
    return policy.allowed(actor, "support.approve_aid") and actor is not None and actor.id != service.requested_by_id


def moves_for(actor: User | None, service: CaseService) -> list[ServiceStatus]:
    """The moves this user may make on this service now (for the buttons)."""
    out = []
    for target in SERVICE_MOVES.next_states(service.status):
        if target == ServiceStatus.AWAITING_APPROVAL and service.kind != "material_aid":
            continue
        if service.kind == "material_aid" and service.status == ServiceStatus.PLANNED \
                and target == ServiceStatus.IN_PROGRESS:
            continue
        if service.status == ServiceStatus.AWAITING_APPROVAL:
            if not may_approve(actor, service):
                continue
        elif not policy.allowed(actor, "support.write"):
            continue
        out.append(target)
    return out


def move_service(*, session: Session, actor: User, service_id: int, target: str, outcome: str = "",
                 today: date | None = None) -> CaseService:
    """Move a service on. Material aid is asked for and approved by another officer (support.approve_aid)
    before it starts; a finished service records its outcome."""
    service = get_service(session=session, actor=actor, service_id=service_id)
    case = service.case
    _require_active(case)
    wanted = SERVICE_MOVES.parse(target)
    if wanted not in moves_for(actor, service):
        if service.status == ServiceStatus.AWAITING_APPROVAL and policy.allowed(actor, "support.write"):
            raise Forbidden(N_("Material aid is approved by another officer than the one who asked for it."))
        SERVICE_MOVES.move(service.status, wanted)  # an illegal move: Conflict with the states named
        raise Forbidden(N_("You do not have permission to do this."))
    outcome = (outcome or "").strip()
    today = _today(today)
    if wanted in (ServiceStatus.DONE, ServiceStatus.NOT_ACHIEVED, ServiceStatus.REFUSED) and len(outcome) < 3:
        raise ValidationFailed(N_("Write the outcome (at least 3 characters)."), field="outcome")
    before = service.status
    if service.status == ServiceStatus.AWAITING_APPROVAL:
        service.approved_by_id, service.approved_on = actor.id, today
    service.status = wanted
    if outcome:
        service.outcome = outcome
    if wanted in (ServiceStatus.DONE, ServiceStatus.NOT_ACHIEVED, ServiceStatus.REFUSED, ServiceStatus.CANCELLED):
        service.done_on = today
    _event(session, case, actor, "service_moved", service=service.id, kind=service.kind, to=str(wanted))
    audit.record(session, action=f"support.service.{wanted}", object_type="support_service", object_id=service.id,
                 before={"status": str(before)}, after={"status": str(wanted), "outcome": outcome}, reason=outcome)
    if wanted == ServiceStatus.AWAITING_APPROVAL:
        for user in _approvers(session, case, actor):
            notify(session, user=user, kind="support.aid_approval", link=f"/support/cases/{case.id}",
                   title=N_("%(ref)s: material aid of %(amount)s tenge awaits your approval"),
                   params={"ref": case.reference, "amount": service.amount_kzt})
    session.flush()
    return service


def _approvers(session: Session, case: Case, actor: User) -> list[User]:
    users = session.execute(select(User).where(User.is_active.is_(True), User.id != actor.id)).scalars()
    return [u for u in users if policy.allowed(u, "support.approve_aid")
            and access.can_reach_enterprise(session, u, case.enterprise_id)][:10]


# ---- follow-ups, closure -------------------------------------------------------------------------------


def add_follow_up(*, session: Session, actor: User, case_id: int, due_on: date, purpose: str,
                  today: date | None = None) -> FollowUp:
    case = get(session=session, actor=actor, case_id=case_id)
    policy.require(actor, "support.write")
    _require_active(case)
    purpose = (purpose or "").strip()
    if not 3 <= len(purpose) <= 500:
        raise ValidationFailed(N_("Say what the follow-up is for (3 to 500 characters)."), field="purpose")
    if due_on < _today(today):
        raise ValidationFailed(N_("The date of a follow-up cannot be in the past."), field="due_on")
    follow_up = FollowUp(due_on=due_on, purpose=purpose)
    case.follow_ups.append(follow_up)
    _event(session, case, actor, "follow_up_added", due_on=due_on.isoformat())
    session.flush()
    return follow_up


def follow_up_case(*, session: Session, actor: User, follow_up_id: int) -> Case:
    """The case a follow-up belongs to, in the actor's scope; NotFound otherwise."""
    follow_up = session.get(FollowUp, follow_up_id)
    return get(session=session, actor=actor, case_id=follow_up.case_id if follow_up else 0)


def follow_up_done(*, session: Session, actor: User, follow_up_id: int, note: str,
                   today: date | None = None) -> FollowUp:
    follow_up = session.get(FollowUp, follow_up_id)
    if follow_up is None:
        raise NotFound(N_("Not found."))
    case = get(session=session, actor=actor, case_id=follow_up.case_id)
    policy.require(actor, "support.write")
    _require_active(case)
    if follow_up.done_on is not None:
        raise Conflict(N_("This follow-up was already held."), field="note")
    note = (note or "").strip()
    if len(note) < 3:
        raise ValidationFailed(N_("Write what was found (at least 3 characters)."), field="note")
    follow_up.done_on, follow_up.note = _today(today), note
    _event(session, case, actor, "follow_up_done", follow_up=follow_up.id)
    session.flush()
    return follow_up


def close(*, session: Session, actor: User, case_id: int, outcome: str, outcome_on: date | None = None,
          note: str = "", today: date | None = None) -> Case:
    """Close with an outcome. Re-employment and compensation are dated; "level improved" needs a later
    assessment at a better level than the first; "retrained" needs a retraining service done."""
    case = get(session=session, actor=actor, case_id=case_id)
    policy.require(actor, "support.write")
    today = _today(today)
    if outcome not in OUTCOMES or outcome == "declined" and case.status != CaseStatus.INTAKE:
        raise ValidationFailed(N_("Choose one of the listed answers."), field="outcome")
    if outcome in ("reemployed", "compensation"):
        if outcome_on is None:
            raise ValidationFailed(N_("Give the date."), field="outcome_on")
        if outcome_on > today or outcome_on < case.opened_on:
            raise ValidationFailed(N_("The date must lie between the opening of the case and today."),
                                   field="outcome_on")
    if outcome == "level_improved" and not scale.better(case.level, case.first_level):
        raise ValidationFailed(N_("The latest assessment is not better than the first one."), field="outcome")
    if outcome == "retrained" and not any(s.kind == "retraining" and s.status == ServiceStatus.DONE
                                          for s in case.services):
        raise ValidationFailed(N_("No retraining in the plan is done yet."), field="outcome")
    case.status = CASE_MOVES.move(case.status, CaseStatus.CLOSED)
    case.closed_on, case.outcome, case.outcome_on = today, outcome, outcome_on or today
    case.outcome_note = (note or "").strip()
    _event(session, case, actor, "closed", outcome=outcome)
    audit.record(session, action="support.case.closed", object_type="support_case", object_id=case.id,
                 after={"outcome": outcome, "outcome_on": case.outcome_on.isoformat()}, reason=case.outcome_note)
    session.flush()
    return case


def reopen(*, session: Session, actor: User, case_id: int, reason: str) -> Case:
    case = get(session=session, actor=actor, case_id=case_id)
    policy.require(actor, "support.write")
    reason = _reason(reason)
    if case.consent_on is None:
        raise Conflict(N_("The worker did not consent: open a new case instead."), field="reason")
    case.status = CASE_MOVES.move(case.status, CaseStatus.ACTIVE)
    before = case.outcome
    case.closed_on, case.outcome, case.outcome_on = None, None, None
    _event(session, case, actor, "reopened", reason=reason)
    audit.record(session, action="support.case.reopened", object_type="support_case", object_id=case.id,
                 before={"outcome": before}, reason=reason)
    session.flush()
    return case


# ---- retraining plan progress (from aiwork) -----------------------------------------------------------

_PROGRESS_TO_SERVICE = {"enrolled": ServiceStatus.IN_PROGRESS, "training": ServiceStatus.IN_PROGRESS,
                        "completed": ServiceStatus.DONE, "placed": ServiceStatus.DONE,
                        "left": ServiceStatus.NOT_ACHIEVED}
PROGRESS_OUTCOME = {"completed": N_("training completed"), "placed": N_("working in the new occupation"),
                    "left": N_("left the programme")}


def on_plan_progress(*, session: Session, plan, worker, today: date | None = None) -> list[Case]:
    """A worker's progress on an AI-at-work retraining plan feeds that worker's open case at the plan's
    enterprise (matched by the personnel reference): the retraining service follows the plan."""
    if plan.enterprise_id is None:
        return []
    cases = list(session.execute(select(Case).where(Case.enterprise_id == plan.enterprise_id,
                                                    Case.worker_reference == worker.reference,
                                                    Case.status != CaseStatus.CLOSED)).scalars())
    today = _today(today)
    for case in cases:
        services = [s for s in case.services if s.kind == "retraining"
                    and s.status not in (ServiceStatus.CANCELLED, ServiceStatus.REFUSED)]
        if not services:
            services = [CaseService(kind="retraining", title=f"{case.isco08 or ''} → {plan.title}"[:300],
                                responsible_id=case.case_worker_id, plan_id=plan.id,
                                due_on=today + timedelta(days=DEFAULT_DUE_DAYS["retraining"]))]
            case.services.append(services[0])
        service = services[0]
        service.plan_id, service.plan_progress = plan.id, str(worker.progress)
        wanted = _PROGRESS_TO_SERVICE[str(worker.progress)]
        if service.status != wanted and service.status in OPEN_SERVICE:
            service.status = wanted
            if wanted != ServiceStatus.IN_PROGRESS:
                service.done_on = today
                service.outcome = PROGRESS_OUTCOME[str(worker.progress)]
        _event(session, case, None, "plan_progress", plan=plan.id, progress=str(worker.progress))
    session.flush()
    return cases


# ---- escalation ------------------------------------------------------------------------------------


def _officers_above(session: Session, enterprise: Enterprise, levels: int) -> list[User]:
    """Officers of the enterprise's primary union, and of the unions above it for a higher level."""
    org = session.get(UnionOrg, enterprise.primary_union_id) if enterprise.primary_union_id else None
    for _ in range(max(0, levels - 1)):
        if org is None or org.parent_id is None:
            break
        org = session.get(UnionOrg, org.parent_id)
    if org is None:
        return []
    return access.users_with(session, "support.write", union=org.id)


def escalate(session: Session, now: datetime | date) -> list[dict]:
    """Missed follow-ups and services past their deadline: the case worker and the responsible person are told;
    each further week the union above is told too. Returns what was done (also in the case's record)."""
    today = now.date() if isinstance(now, datetime) else now
    done: list[dict] = []
    late_follow_ups = select(FollowUp).join(Case).where(FollowUp.done_on.is_(None), FollowUp.due_on < today,
                                                        Case.status == CaseStatus.ACTIVE)
    late_services = select(CaseService).join(Case).where(CaseService.status.in_([str(s) for s in OPEN_SERVICE]),
                                                     CaseService.due_on < today, Case.status == CaseStatus.ACTIVE)
    for kind, query in (("follow_up", late_follow_ups), ("service", late_services)):
        for item in session.execute(query).scalars():
            if item.escalated_on and item.escalated_on > today - timedelta(days=ESCALATE_AGAIN_DAYS):
                continue
            item.escalation_level += 1
            item.escalated_on = today
            case = item.case
            people: dict[int, User] = {}
            for user_id in (case.case_worker_id, getattr(item, "responsible_id", None)):
                if user_id and (user := session.get(User, user_id)) is not None:
                    people[user.id] = user
            if item.escalation_level >= 2:
                enterprise = session.get(Enterprise, case.enterprise_id)
                if enterprise is not None:
                    for user in _officers_above(session, enterprise, item.escalation_level):
                        people[user.id] = user
            for user in people.values():
                notify(session, user=user, kind="support.escalated", link=f"/support/cases/{case.id}",
                       title=N_("%(ref)s: a step is overdue since %(date)s"),
                       params={"ref": case.reference, "date": item.due_on.isoformat()}, urgent=item.escalation_level >= 2)
            _event(session, case, None, "escalated", what=kind, id=item.id, level=item.escalation_level)
            done.append({"case": case.reference, "what": kind, "level": item.escalation_level})
    session.flush()
    return done


# ---- statistics, the filing's figure, export ------------------------------------------------------------


def _retrained(case: Case) -> bool:
    return case.outcome == "retrained" or any(
        s.kind == "retraining" and (s.status == ServiceStatus.DONE or s.plan_progress in ("completed", "placed"))
        for s in case.services)


def _reemployed(case: Case) -> bool:
    return case.outcome == "reemployed" or any(s.plan_progress == "placed" for s in case.services)


def filing_figures(*, session: Session, filing) -> dict:
    """For the AI filing's page: of the workers it displaces, how many were retrained or re-employed (cases
    opened from it); small counts are suppressed like every other count shown outside the case workers."""
    cases = list(session.execute(select(Case).where(Case.filing_id == filing.id)).scalars())
    displaced = int(filing.jobs_removed or 0)
    row = {"displaced": displaced, "cases": len(cases),
           "retrained": sum(1 for c in cases if _retrained(c)),
           "reemployed": sum(1 for c in cases if _reemployed(c))}
    row["either"] = sum(1 for c in cases if _retrained(c) or _reemployed(c))
    for key in ("retrained", "reemployed", "either"):
        row[f"{key}_share"] = row[key] / displaced if displaced else None
    out = suppress_small_cells([row], count="either", derived=("retrained", "reemployed", "retrained_share",
                                                               "reemployed_share", "either_share"))[0]
    out["suppressed_any"] = out["suppressed"]
    return out


def filing_block(*, session: Session, actor: User, filing) -> dict | None:
    """What the AI filing's page shows about support for the displaced workers."""
    if not filing.jobs_removed:
        return None
    figures = filing_figures(session=session, filing=filing)
    removed_named = sum(int(o.get("removed", 0)) for o in register.data_of(filing).get("occupations", []))
    may_open = (policy.allowed(actor, "support.write") and access.can_reach_enterprise(session, actor, filing.enterprise_id)
                and register.opens_support_cases(filing) and figures["cases"] < removed_named)
    return {**figures, "may_open": may_open, "to_open": max(0, removed_named - figures["cases"]),
            "may_read": policy.allowed(actor, "support.read"), "filing_id": filing.id}


def _median_days(cases: list[Case]) -> float | None:
    days = [(c.outcome_on - c.opened_on).days for c in cases if c.outcome in OUTCOMES and c.outcome_on
            and c.outcome in ("reemployed", "compensation", "level_improved", "retrained")]
    return float(stats_lib.median(days)) if days else None


def statistics(*, session: Session, actor: User) -> dict:
    """Cases by cause, level, region, sector and outcome, and the time to a positive outcome; every count
    from 1 to 4 is hidden with the figures computed from it."""
    policy.require(actor, "support.stats")
    cases = list(session.execute(select(Case).where(access.scoped(session, actor, Case.enterprise_id))).scalars())
    from qorgau.registry.models import Region, Sector

    regions = {r.kato: r for r in session.execute(select(Region)).scalars()}
    sectors = {s.code: s for s in session.execute(select(Sector)).scalars()}

    def table(key, dimension: str) -> list[dict]:
        groups: dict = {}
        for case in cases:
            groups.setdefault(key(case), []).append(case)
        rows = []
        for value, members in sorted(groups.items(), key=lambda kv: (kv[0] is None, str(kv[0]))):
            closed = [c for c in members if c.status == CaseStatus.CLOSED]
            positive = [c for c in closed if c.outcome in ("reemployed", "compensation", "level_improved", "retrained")]
            rows.append({"dimension": dimension, "value": value, "cases": len(members), "closed": len(closed),
                         "positive": len(positive), "median_days": _median_days(positive),
                         "reemployed_in_time": sum(1 for c in closed if c.outcome == "reemployed" and c.outcome_on
                                                   and (c.outcome_on - c.opened_on).days
                                                   <= REEMPLOYED_WITHIN_MONTHS * 30.44)})
        rows = suppress_small_cells(rows, count="cases", derived=("closed", "positive", "median_days",
                                                                   "reemployed_in_time"), complementary=True)
        # a small sub-count is hidden as well: "2 of 40 re-employed" could point at two people
        for row in rows:
            for sub in ("closed", "positive", "reemployed_in_time"):
                if row.get(sub) is not None and 0 < row[sub] < 5:
                    row[sub] = None
                    row["median_days"] = None if sub == "positive" else row["median_days"]
        return rows

    return {
        "total": len(cases),
        "by_cause": table(lambda c: c.cause, "cause"),
        "by_level": table(lambda c: c.level, "level"),
        "by_region": table(lambda c: c.region_kato, "region"),
        "by_sector": table(lambda c: c.sector_code, "sector"),
        "by_outcome": table(lambda c: c.outcome if c.status == CaseStatus.CLOSED else None, "outcome"),
        "regions": regions, "sectors": sectors, "within_months": REEMPLOYED_WITHIN_MONTHS,
    }


EXPORT_COLUMNS = ["reference", "status", "cause", "enterprise_bin", "region_kato", "sector", "isco08", "level",
                  "opened_on", "consent_on", "services", "services_done", "closed_on", "outcome", "outcome_on",
                  "filing_id", "accident_id", "synthetic"]


def export_rows(*, session: Session, actor: User) -> list[list]:
    """Cases in scope for the export (no health or income: those are read on the case page with a reason)."""
    rows = []
    query = list_query(session=session, actor=actor)
    bins = dict(session.execute(select(Enterprise.id, Enterprise.bin)).all())
    for case in session.execute(query).scalars():
        rows.append([case.reference, case.status, case.cause, bins.get(case.enterprise_id, ""), case.region_kato,
                     case.sector_code, case.isco08 or "", case.level or "", case.opened_on, case.consent_on,
                     len(case.services), sum(1 for s in case.services if s.status == ServiceStatus.DONE),
                     case.closed_on, case.outcome or "", case.outcome_on, case.filing_id or "",
                     case.accident_id or "", "yes" if case.synthetic else "no"])
    return rows


def case_out(case: Case) -> dict:
    """The case for the API (never the encrypted data)."""
    return {"id": case.id, "reference": case.reference, "enterprise_id": case.enterprise_id, "cause": case.cause,
            "status": case.status, "worker_reference": case.worker_reference, "isco08": case.isco08,
            "filing_id": case.filing_id, "accident_id": case.accident_id, "level": case.level,
            "first_level": case.first_level, "opened_on": case.opened_on, "consent_on": case.consent_on,
            "consent_family": case.consent_family, "case_worker_id": case.case_worker_id, "closed_on": case.closed_on,
            "outcome": case.outcome, "outcome_on": case.outcome_on, "synthetic": case.synthetic,
            "assessments": [{"id": a.id, "assessed_on": a.assessed_on, "method": a.method,
                             "automatic_level": a.automatic_level, "level": a.level, "points": a.points,
                             "assessed": a.assessed, "override_reason": a.override_reason} for a in case.assessments],
            "services": [{"id": s.id, "kind": s.kind, "title": s.title, "status": s.status, "due_on": s.due_on,
                          "responsible_id": s.responsible_id, "target_isco": s.target_isco, "plan_id": s.plan_id,
                          "plan_progress": s.plan_progress, "outcome": s.outcome, "done_on": s.done_on,
                          "amount_kzt": s.amount_kzt, "legal_basis": s.legal_basis,
                          "approved_by_id": s.approved_by_id} for s in case.services],
            "follow_ups": [{"id": f.id, "due_on": f.due_on, "purpose": f.purpose, "done_on": f.done_on,
                            "note": f.note, "escalation_level": f.escalation_level} for f in case.follow_ups]}


def answers_from(data: dict) -> scale.Answers:
    return scale.Answers(**{k: data.get(k) for k in asdict(scale.Answers())})


# ---- what support hands the packages it follows ---------------------------------------------------------------


def follow_filings_and_plans() -> None:
    """Support works from the AI register's filings and from AI at work's retraining plans, and imports their
    services; they do not import support. It hands them what to call instead: its block on a filing's page,
    and the update of a worker's case when their progress on a plan is recorded."""
    register.show_on_filing_page("support_block", filing_block)
    aiwork.follow_plan_progress(on_plan_progress)
