"""Social audits: questionnaire versions (two-step approval), audits and their parties, offline fieldwork
answers and confidential interviews, findings, the employer's reply, violations from findings, scores,
trends and sector peers, the published report, and the scores the Safety Index reads."""

from __future__ import annotations

import statistics
from datetime import date, timedelta

from sqlalchemy import Select, func, select
from sqlalchemy.orm import Session

from qorgau.audits import questionnaire as qn
from qorgau.audits import scoring
from qorgau.audits.models import Answer, Audit, Finding, Interview, Party, QuestionnaireVersion
from qorgau.audits.states import (
    AUDIT_MOVES,
    PARTY_KINDS,
    PARTY_MOVES,
    SEVERITIES,
    VERSION_MOVES,
    VIOLATION_SEVERITY,
    AuditStatus,
    PartyAnswer,
    VersionStatus,
)
from qorgau.core import audit, documents, i18n, policy
from qorgau.core.db import utcnow
from qorgau.core.errors import Conflict, NotFound, ValidationFailed
from qorgau.core.i18n_markers import N_
from qorgau.core.models import User
from qorgau.deviations import service as deviations
from qorgau.registry import access
from qorgau.registry.models import Enterprise

SMALL_CELL = 5  # interview aggregates are shown only from this many interviews
MIN_PEERS = 3  # sector comparison is shown only with at least this many other enterprises
REPORT_KIND = "social_audit_report"


# ---------------------------------------------------------------- the questionnaire


def ensure_questionnaire(*, session: Session) -> QuestionnaireVersion:
    """The version in force; on a new platform, the shipped version 1.0 (reviewed in the repository)."""
    current = current_version(session=session)
    if current is not None:
        return current
    text = qn.DEFAULT.read_text(encoding="utf-8")
    parsed = qn.load(text)
    row = QuestionnaireVersion(version=parsed.version, yaml_text=text, sha256=qn.sha256(text),
                               status=VersionStatus.APPROVED, note="Shipped with the platform", reviewed_at=utcnow())
    session.add(row)
    session.flush()
    return row


def current_version(*, session: Session) -> QuestionnaireVersion | None:
    return session.execute(select(QuestionnaireVersion).where(QuestionnaireVersion.status == VersionStatus.APPROVED)
                           .order_by(QuestionnaireVersion.reviewed_at.desc(), QuestionnaireVersion.id.desc())
                           .limit(1)).scalar()


def parsed(row: QuestionnaireVersion) -> qn.Questionnaire:
    return qn.load(row.yaml_text)


def versions(*, session: Session, actor: User) -> list[QuestionnaireVersion]:
    policy.require(actor, "audits.read")
    return list(session.execute(select(QuestionnaireVersion).order_by(QuestionnaireVersion.id.desc())).scalars())


def get_version(*, session: Session, actor: User, questionnaire_id: int) -> QuestionnaireVersion:
    policy.require(actor, "audits.read")
    row = session.get(QuestionnaireVersion, questionnaire_id)
    if row is None:
        raise NotFound(N_("Not found."))
    return row


def propose_questionnaire(*, session: Session, actor: User, yaml_text: str, note: str) -> QuestionnaireVersion:
    """Step one of a new version: checked and stored, awaiting a second person's approval."""
    policy.require(actor, "audits.questionnaire")
    ensure_questionnaire(session=session)
    if not note.strip():
        raise ValidationFailed(N_("Say what changes and why."), field="note")
    try:
        parsed_version = qn.parse(yaml_text)
    except qn.QuestionnaireError as error:
        raise ValidationFailed(N_("The questionnaire is not valid: %(problems)s"), field="yaml_text",
                               params={"problems": "; ".join(f"{w}: {m}" for w, m in error.problems[:10])})
    if session.execute(select(QuestionnaireVersion.id)
                       .where(QuestionnaireVersion.version == parsed_version.version)).first():
        raise Conflict(N_("Version %(version)s already exists; give the new file a new version."), field="yaml_text",
                       params={"version": parsed_version.version})
    row = QuestionnaireVersion(version=parsed_version.version, yaml_text=yaml_text, sha256=qn.sha256(yaml_text),
                               status=VersionStatus.PROPOSED, note=note.strip()[:2000], proposed_by_id=actor.id)
    session.add(row)
    session.flush()
    audit.record(session, action="propose", object_type="audits_questionnaire", object_id=row.id,
                 after={"version": row.version, "sha256": row.sha256}, reason=row.note[:500])
    return row


def review_questionnaire(*, session: Session, actor: User, questionnaire_id: int, approve: bool,
                         note: str = "") -> QuestionnaireVersion:
    """Step two: a different federation user approves (the version comes into force) or rejects."""
    policy.require(actor, "audits.questionnaire")
    row = get_version(session=session, actor=actor, questionnaire_id=questionnaire_id)
    if row.proposed_by_id == actor.id:
        raise ValidationFailed(N_("A new questionnaire version must be approved by someone other than its author."))
    if not approve and not note.strip():
        raise ValidationFailed(N_("Give the reason for the rejection."), field="note")
    row.status = VERSION_MOVES.move(row.status, VersionStatus.APPROVED if approve else VersionStatus.REJECTED)
    row.reviewed_by_id, row.reviewed_at, row.review_note = actor.id, utcnow(), note.strip()[:2000]
    session.flush()
    audit.record(session, action="approve" if approve else "reject", object_type="audits_questionnaire",
                 object_id=row.id, after={"version": row.version, "sha256": row.sha256}, reason=row.review_note[:500])
    return row


# ---------------------------------------------------------------- reading audits


def _full_reader(actor: User) -> bool:
    return policy.allowed(actor, "audits.read")


def audits_query(*, session: Session, actor: User, enterprise_id: int | None = None, status: str = "") -> Select:
    """Audits in the actor's scope; those who may read only summaries see only published audits."""
    if not (policy.allowed(actor, "audits.read") or policy.allowed(actor, "audits.summary")):
        policy.require(actor, "audits.read")
    query = select(Audit).where(access.scoped(session, actor, Audit.enterprise_id))
    if not _full_reader(actor):
        query = query.where(Audit.status == AuditStatus.PUBLISHED)
    if enterprise_id:
        query = query.where(Audit.enterprise_id == enterprise_id)
    if status:
        query = query.where(Audit.status == AUDIT_MOVES.parse(status))
    return query.order_by(Audit.planned_on.desc(), Audit.id.desc())


def list_audits(*, session: Session, actor: User, enterprise_id: int | None = None, status: str = "",
                limit: int = 500) -> list[Audit]:
    return list(session.execute(audits_query(session=session, actor=actor, enterprise_id=enterprise_id,
                                             status=status).limit(limit)).scalars())


def get_audit(*, session: Session, actor: User, audit_id: int) -> Audit:
    """One audit in scope; outside scope (or unpublished, for summary-only readers) it reads as not found."""
    row = session.get(Audit, audit_id)
    if row is None:
        raise NotFound(N_("Not found."))
    if _full_reader(actor):
        access.require_enterprise(session, actor, "audits.read", row.enterprise_id)
    else:
        access.require_enterprise(session, actor, "audits.summary", row.enterprise_id)
        if row.status != AuditStatus.PUBLISHED:
            raise NotFound(N_("Not found."))
    return row


def _writable(session: Session, actor: User, audit_id: int, permission: str) -> Audit:
    row = session.get(Audit, audit_id)
    if row is None:
        raise NotFound(N_("Not found."))
    access.require_enterprise(session, actor, permission, row.enterprise_id)
    return row


def questionnaire_of(row: Audit) -> qn.Questionnaire:
    return parsed(row.questionnaire)


def answers_of(row: Audit) -> dict[str, str]:
    return {a.point_id: a.value for a in row.answers}


# ---------------------------------------------------------------- planning and parties


def create_audit(*, session: Session, actor: User, enterprise_id: int, planned_on: date,
                 invite_state: bool = False, synthetic: bool = False) -> Audit:
    """Plan an audit with the current questionnaire; the union, the employer and worker representatives are
    its parties from the start, the state inspectorate when asked."""
    access.require_enterprise(session, actor, "audits.run", enterprise_id)
    version = ensure_questionnaire(session=session)
    row = Audit(enterprise_id=enterprise_id, questionnaire_id=version.id, planned_on=planned_on,
                lead_id=actor.id, lead_name=actor.full_name or actor.username, synthetic=synthetic)
    session.add(row)
    session.flush()
    for kind in ("union", "employer", "workers") + (("state",) if invite_state else ()):
        row.parties.append(Party(kind=kind, name=""))  # shown as the party's title in the reader's language
    session.flush()
    return row


def add_party(*, session: Session, actor: User, audit_id: int, kind: str, name: str) -> Party:
    row = _writable(session, actor, audit_id, "audits.run")
    if kind not in PARTY_KINDS:
        raise ValidationFailed(N_("Unknown party."), field="kind")
    if not name.strip():
        raise ValidationFailed(N_("Give the party's name."), field="name")
    if row.status not in (AuditStatus.PLANNED, AuditStatus.INVITED, AuditStatus.FIELDWORK):
        raise Conflict(N_("Parties can be added only before the findings."), field="kind")
    party = Party(kind=kind, name=name.strip()[:200])
    row.parties.append(party)
    session.flush()
    return party


def respond_party(*, session: Session, actor: User, party_id: int, response: str, note: str = "") -> Party:
    """Record a party's acceptance or decline of the invitation (by the audit's organiser, or the employer
    for itself)."""
    party = session.get(Party, party_id)
    if party is None:
        raise NotFound(N_("Not found."))
    permission = "audits.reply" if party.kind == "employer" and not policy.allowed(actor, "audits.run") \
        else "audits.run"
    access.require_enterprise(session, actor, permission, party.audit.enterprise_id)
    if response not in (PartyAnswer.ACCEPTED, PartyAnswer.DECLINED):
        raise ValidationFailed(N_("The answer is accepted or declined."), field="response")
    if party.audit.status in (AuditStatus.PUBLISHED, AuditStatus.CANCELLED):
        raise Conflict(N_("This audit is closed."), field="response")
    party.response = PARTY_MOVES.move(party.response, response, field="response")
    party.responded_at, party.note = utcnow(), note.strip()[:500]
    session.flush()
    return party


# ---------------------------------------------------------------- the status machine


def move(*, session: Session, actor: User, audit_id: int, target: str, reason: str = "",
         today: date | None = None) -> Audit:
    """Move an audit to `target`; an illegal move is refused (409) and each step checks what it needs."""
    row = _writable(session, actor, audit_id, "audits.run")
    today = today or utcnow().date()
    wanted = AUDIT_MOVES.move(row.status, target)
    if wanted == AuditStatus.INVITED and not row.parties:
        raise ValidationFailed(N_("Invite at least one party."), field="status")
    if wanted == AuditStatus.FIELDWORK and row.fieldwork_started_on is None:
        row.fieldwork_started_on = today
    if wanted == AuditStatus.FINDINGS:
        missing = scoring.unanswered(questionnaire_of(row), answers_of(row))
        if missing:
            raise ValidationFailed(N_("%(n)s points are not answered yet; answer them or mark them not applicable."),
                                   field="status", params={"n": len(missing)})
        row.fieldwork_ended_on = today
        _score(row)
        _findings_from_failed(session, row)
    if wanted == AuditStatus.EMPLOYER_REPLY and not row.summary.strip():
        raise ValidationFailed(N_("Write the summary before sending the findings."), field="summary")
    if wanted == AuditStatus.PUBLISHED:
        row.published_at = utcnow()
    if wanted == AuditStatus.CANCELLED:
        if not reason.strip():
            raise ValidationFailed(N_("Give a reason."), field="reason")
        row.cancel_reason = reason.strip()[:2000]
    before = row.status
    row.status = wanted
    session.flush()
    audit.record(session, action="audit_moved", object_type="audits_audit", object_id=row.id,
                 before={"status": str(before)}, after={"status": str(wanted)}, reason=reason[:500])
    return row


def _score(row: Audit) -> None:
    result = scoring.score(questionnaire_of(row), answers_of(row))
    row.scores = result
    row.overall = result["overall"]


def _findings_from_failed(session: Session, row: Audit) -> None:
    """Each failed compliance point becomes a finding (critical points as critical, others as major), once."""
    have = {f.point_id for f in row.findings if f.point_id}
    notes = {a.point_id: a.note for a in row.answers}
    for point in questionnaire_of(row).points:
        if point.kind == "compliance" and answers_of(row).get(point.id) == "no" and point.id not in have:
            row.findings.append(Finding(point_id=point.id, area=point.area,
                                        severity="critical" if point.critical else "major",
                                        description="", evidence=notes.get(point.id, "")))
    session.flush()


# ---------------------------------------------------------------- fieldwork (sent from a phone, maybe late)


def submit_answers(*, session: Session, actor: User, audit_id: int, answers: list[dict]) -> dict:
    """Store fieldwork answers [{point_id, value, note, client_key}]. The phone keeps them while offline and
    sends them when online: a resent answer (same client key) changes nothing, a newer one replaces it."""
    row = _writable(session, actor, audit_id, "audits.fieldwork")
    if row.status != AuditStatus.FIELDWORK:
        raise Conflict(N_("Answers are taken only during fieldwork."), field="status")
    questionnaire = questionnaire_of(row)
    stored = {a.point_id: a for a in row.answers}
    saved = unchanged = 0
    for number, item in enumerate(answers):
        point = questionnaire.point(str(item.get("point_id", "")))
        if point is None:
            raise ValidationFailed(N_("Unknown question %(point)s (answer %(n)s)."), field="answers",
                                   params={"point": str(item.get("point_id", ""))[:64], "n": number + 1})
        value = str(item.get("value", ""))
        if value not in point.values():
            raise ValidationFailed(N_("The answer to %(point)s is not one of the allowed answers."), field="answers",
                                   params={"point": point.id})
        key = str(item.get("client_key") or "")[:64]
        note = str(item.get("note") or "").strip()[:2000]
        existing = stored.get(point.id)
        if existing is not None and key and existing.client_key == key:
            unchanged += 1
            continue
        if existing is None:
            existing = Answer(point_id=point.id, value=value)
            row.answers.append(existing)
            stored[point.id] = existing
        existing.value, existing.note, existing.client_key = value, note, key
        existing.answered_by, existing.answered_at = actor.full_name or actor.username, utcnow()
        saved += 1
    session.flush()
    return {"saved": saved, "unchanged": unchanged,
            "answered": len(stored), "total": len(questionnaire.points)}


def record_interview(*, session: Session, actor: User, audit_id: int, client_key: str, answers: dict[str, str],
                     today: date | None = None) -> tuple[Interview, bool]:
    """One confidential interview (no name is taken); the same client key sent twice is stored once."""
    row = _writable(session, actor, audit_id, "audits.fieldwork")
    if row.status != AuditStatus.FIELDWORK:
        raise Conflict(N_("Answers are taken only during fieldwork."), field="status")
    if not client_key or len(client_key) > 64:
        raise ValidationFailed(N_("An entry key is required."), field="client_key")
    existing = session.execute(select(Interview).where(Interview.client_key == client_key)).scalar()
    if existing is not None:
        if existing.audit_id != row.id:
            raise ValidationFailed(N_("This entry key is already used."), field="client_key")
        return existing, False
    questions = {q.id for q in questionnaire_of(row).interview}
    clean = {}
    for key, value in answers.items():
        if key not in questions:
            raise ValidationFailed(N_("Unknown question %(point)s (answer %(n)s)."), field="answers",
                                   params={"point": str(key)[:64], "n": len(clean) + 1})
        if value not in qn.INTERVIEW_VALUES:
            raise ValidationFailed(N_("The answer to %(point)s is not one of the allowed answers."), field="answers",
                                   params={"point": key})
        clean[key] = value
    if not clean:
        raise ValidationFailed(N_("The interview has no answers."), field="answers")
    interview = Interview(client_key=client_key, answers=clean, recorded_on=today or utcnow().date())
    row.interviews.append(interview)
    session.flush()
    return interview, True


def interview_summary(row: Audit) -> dict:
    """Counts of answers per interview question, shown only from SMALL_CELL interviews (otherwise suppressed,
    so no one's answers can be told from a handful)."""
    count = len(row.interviews)
    out = {"count": count, "shown": count >= SMALL_CELL, "minimum": SMALL_CELL, "questions": []}
    if not out["shown"]:
        return out
    for question in questionnaire_of(row).interview:
        tally = {"yes": 0, "no": 0, "skip": 0}
        for interview in row.interviews:
            tally[interview.answers.get(question.id, "skip")] += 1
        out["questions"].append({"id": question.id, "text": question.text, "adverse": question.adverse, **tally})
    return out


# ---------------------------------------------------------------- findings, reply, violations


def add_finding(*, session: Session, actor: User, audit_id: int, area: str, severity: str, description: str,
                evidence: str = "", point_id: str = "", photo: bytes | None = None) -> Finding:
    from qorgau.core.media import clean_photo

    row = _writable(session, actor, audit_id, "audits.run")
    if row.status not in (AuditStatus.FIELDWORK, AuditStatus.FINDINGS):
        raise Conflict(N_("Findings are written during fieldwork and before the findings are sent."), field="status")
    questionnaire = questionnaire_of(row)
    if point_id:
        point = questionnaire.point(point_id)
        if point is None:
            raise ValidationFailed(N_("Unknown question %(point)s (answer %(n)s)."), field="point_id",
                                   params={"point": point_id[:64], "n": 1})
        area = point.area
    if area not in questionnaire.areas:
        raise ValidationFailed(N_("Unknown area."), field="area")
    if severity not in SEVERITIES:
        raise ValidationFailed(N_("Unknown severity."), field="severity")
    if len(description.strip()) < 3:
        raise ValidationFailed(N_("Describe what was found."), field="description")
    finding = Finding(point_id=point_id, area=area, severity=severity, description=description.strip()[:4000],
                      evidence=evidence.strip()[:4000])
    if photo:
        finding.photo, finding.photo_type = clean_photo(photo)
    row.findings.append(finding)
    session.flush()
    return finding


def get_finding(*, session: Session, actor: User, finding_id: int) -> Finding:
    finding = session.get(Finding, finding_id)
    if finding is None:
        raise NotFound(N_("Not found."))
    get_audit(session=session, actor=actor, audit_id=finding.audit_id)
    return finding


def set_summary(*, session: Session, actor: User, audit_id: int, summary: str) -> Audit:
    row = _writable(session, actor, audit_id, "audits.run")
    if row.status not in (AuditStatus.FINDINGS, AuditStatus.EMPLOYER_REPLY):
        raise Conflict(N_("The summary is written after fieldwork and before publication."), field="summary")
    if len(summary.strip()) < 10:
        raise ValidationFailed(N_("Write a summary of at least a sentence."), field="summary")
    row.summary = summary.strip()[:8000]
    session.flush()
    return row


def reply(*, session: Session, actor: User, audit_id: int, text: str) -> Audit:
    """The employer's right of reply: shown beside the summary, before and after publication."""
    row = _writable(session, actor, audit_id, "audits.reply")
    if row.status not in (AuditStatus.EMPLOYER_REPLY, AuditStatus.PUBLISHED):
        raise Conflict(N_("The employer replies once the findings are sent."), field="text")
    if len(text.strip()) < 10:
        raise ValidationFailed(N_("Write a reply of at least a sentence."), field="text")
    row.employer_reply = text.strip()[:8000]
    row.employer_reply_by, row.employer_replied_at = actor.full_name or actor.username, utcnow()
    session.flush()
    return row


def respond_finding(*, session: Session, actor: User, finding_id: int, response: str, plan: str,
                    due_on: date | None = None, today: date | None = None) -> Finding:
    """The employer's answer to one finding and its corrective plan with a due date."""
    finding = session.get(Finding, finding_id)
    if finding is None:
        raise NotFound(N_("Not found."))
    row = _writable(session, actor, finding.audit_id, "audits.reply")
    if row.status not in (AuditStatus.EMPLOYER_REPLY, AuditStatus.PUBLISHED):
        raise Conflict(N_("The employer replies once the findings are sent."), field="response")
    if not response.strip() and not plan.strip():
        raise ValidationFailed(N_("Write a response or a corrective plan."), field="response")
    if due_on is not None and due_on < (today or utcnow().date()):
        raise ValidationFailed(N_("The due date cannot be in the past."), field="due_on")
    finding.employer_response, finding.corrective_plan = response.strip()[:4000], plan.strip()[:4000]
    finding.plan_due_on = due_on
    session.flush()
    return finding


def to_violation(*, session: Session, actor: User, finding_id: int, locale: str = "ru"):
    """Turn a finding into a violation with its corrective action in deviations (through its service), once."""
    finding = session.get(Finding, finding_id)
    if finding is None:
        raise NotFound(N_("Not found."))
    row = _writable(session, actor, finding.audit_id, "audits.run")
    if row.status not in (AuditStatus.FINDINGS, AuditStatus.EMPLOYER_REPLY, AuditStatus.PUBLISHED):
        raise Conflict(N_("Findings become violations after fieldwork."), field="finding_id")
    if finding.violation_id is not None:
        return deviations.get(session=session, actor=actor, violation_id=finding.violation_id)
    point = questionnaire_of(row).point(finding.point_id) if finding.point_id else None
    text = finding.description or ((point.text.get(locale) or point.text["ru"]) if point else "")
    description = (text + ("\n" + finding.evidence if finding.evidence else ""))[:2000]
    plan = finding.corrective_plan.strip()
    actions = [deviations.ActionIn(kind="corrective", description=plan[:2000], due_on=finding.plan_due_on)] if len(plan) >= 3 else []
    violation, _created = deviations.record(
        session=session, actor=actor, source="field", source_reference=f"SA-{row.id}-{finding.id}",
        violation_in=deviations.ViolationIn(
            enterprise_id=row.enterprise_id, category="other" if finding.area in ("osh", "management")
            else "labor_rights", severity=VIOLATION_SEVERITY[finding.severity], description=description,
            rule_reference=(point.code + (" · ILO " + ", ".join(point.ilo) if point.ilo else ""))[:300] if point else "",
            client_key=f"audit-finding-{finding.id}", actions=actions))
    finding.violation_id = violation.id
    session.flush()
    audit.record(session, action="finding_to_violation", object_type="audits_finding", object_id=finding.id,
                 after={"violation_id": violation.id})
    return violation


# ---------------------------------------------------------------- trends, peers, index


def trend(*, session: Session, actor: User, enterprise_id: int) -> list[Audit]:
    """The scored audits of one enterprise, oldest first (published only, for summary-only readers)."""
    query = audits_query(session=session, actor=actor, enterprise_id=enterprise_id)
    return sorted([a for a in session.execute(query).scalars() if a.overall is not None
                   and a.status != AuditStatus.CANCELLED], key=lambda a: (a.fieldwork_ended_on or a.planned_on, a.id))


def _latest_published(session: Session) -> Select:
    ranked = (select(Audit.id, Audit.enterprise_id, Audit.overall,
                     func.row_number().over(partition_by=Audit.enterprise_id,
                                            order_by=(Audit.fieldwork_ended_on.desc(), Audit.id.desc())).label("rn"))
              .where(Audit.status == AuditStatus.PUBLISHED, Audit.overall.is_not(None)).subquery())
    return select(ranked.c.enterprise_id, ranked.c.overall).where(ranked.c.rn == 1)


def peers(*, session: Session, row: Audit) -> dict:
    """The enterprise against other enterprises of its OKED section (their latest published audit). Only
    aggregates are shown, and nothing below MIN_PEERS enterprises."""
    enterprise = session.get(Enterprise, row.enterprise_id)
    sector = enterprise.sector_code if enterprise is not None else None
    latest = _latest_published(session).subquery()
    scores = [s for (s,) in session.execute(
        select(latest.c.overall).join(Enterprise, Enterprise.id == latest.c.enterprise_id)
        .where(Enterprise.sector_code == sector, latest.c.enterprise_id != row.enterprise_id))]
    out = {"sector": sector, "count": len(scores), "shown": len(scores) >= MIN_PEERS, "minimum": MIN_PEERS}
    if out["shown"] and row.overall is not None:
        out.update(median=round(statistics.median(scores), 1), mean=round(statistics.fmean(scores), 1),
                   below=sum(1 for s in scores if s < row.overall), best=max(scores), worst=min(scores))
    return out


def scores_for_enterprises(*, session: Session, start: date, end: date) -> dict[int, float]:
    """For the Safety Index: per enterprise, the overall score (0-100) of its most recent PUBLISHED audit whose
    fieldwork ended in [start, end). Enterprises without one are absent (missing, not zero)."""
    ranked = (select(Audit.enterprise_id, Audit.overall,
                     func.row_number().over(partition_by=Audit.enterprise_id,
                                            order_by=(Audit.fieldwork_ended_on.desc(), Audit.id.desc())).label("rn"))
              .where(Audit.status == AuditStatus.PUBLISHED, Audit.overall.is_not(None),
                     Audit.fieldwork_ended_on >= start, Audit.fieldwork_ended_on < end).subquery())
    return {enterprise_id: float(overall) for enterprise_id, overall in
            session.execute(select(ranked.c.enterprise_id, ranked.c.overall).where(ranked.c.rn == 1))}


# ---------------------------------------------------------------- the report and the export


def report(*, session: Session, actor: User, audit_id: int, language: str, public_url: str) -> documents.IssuedDocument:
    """The published audit's report as a PDF in kk, ru or en, issued once per language and kept."""
    row = get_audit(session=session, actor=actor, audit_id=audit_id)
    if row.status != AuditStatus.PUBLISHED:
        raise Conflict(N_("The report is issued once the summary is published."), field="status")
    if language not in i18n.LOCALES:
        raise ValidationFailed(N_("Unknown language."), field="language")
    issued_id = (row.reports or {}).get(language)
    if issued_id:
        document = session.get(documents.IssuedDocument, issued_id)
        if document is not None:
            return document
    enterprise = session.get(Enterprise, row.enterprise_id)
    questionnaire = questionnaire_of(row)
    with i18n.locale_context(language):
        title = i18n.translate(N_("Social audit of working conditions"), "audits")
        enterprise_name = i18n.localized(enterprise, "name") if enterprise is not None else ""
    issued = documents.issue(
        session, kind=REPORT_KIND, title=f"{title} № {row.id}", subject=enterprise_name,
        template="audits/report_pdf.html", language=language, public_url=public_url,
        enterprise_id=row.enterprise_id, object_type="audits_audit", object_id=str(row.id),
        issued_by=f"user:{actor.username}",
        context={"a": row, "q": questionnaire, "lang": language, "enterprise": enterprise,
                 "enterprise_name": enterprise_name, "interviews": interview_summary(row),
                 "peers": peers(session=session, row=row), **labels()})
    row.reports = {**(row.reports or {}), language: issued.document.id}
    session.flush()
    return issued.document


def labels() -> dict:
    from qorgau.audits.states import ANSWERS, AUDIT_LABELS, PARTY_ANSWERS

    return {"statuses": AUDIT_LABELS, "parties": PARTY_KINDS, "party_answers": PARTY_ANSWERS,
            "answer_labels": ANSWERS, "severities": SEVERITIES}


def findings_rows(*, session: Session, actor: User, enterprise_id: int | None = None, locale: str = "ru") -> list[list]:
    """Findings of the audits in scope (published ones for summary-only readers), for CSV/XLSX."""
    audits = {a.id: a for a in list_audits(session=session, actor=actor, enterprise_id=enterprise_id, limit=5000)}
    if not audits:
        return []
    names = dict(session.execute(select(Enterprise.id, Enterprise.name_ru if locale == "ru" else
                                        getattr(Enterprise, f"name_{locale}", Enterprise.name_ru))
                                 .where(Enterprise.id.in_({a.enterprise_id for a in audits.values()}))).all())
    rows = []
    for finding in session.execute(select(Finding).where(Finding.audit_id.in_(list(audits)))
                                   .order_by(Finding.audit_id, Finding.id)).scalars():
        row = audits[finding.audit_id]
        questionnaire = questionnaire_of(row)
        point = questionnaire.point(finding.point_id) if finding.point_id else None
        rows.append([row.id, names.get(row.enterprise_id, ""), row.fieldwork_ended_on, finding.id,
                     questionnaire.areas.get(finding.area, {}).get(locale, finding.area),
                     point.code if point else "", i18n.translate(SEVERITIES[finding.severity], "audits"),
                     finding.description or (point.text.get(locale, "") if point else ""), finding.evidence,
                     finding.employer_response, finding.corrective_plan, finding.plan_due_on, finding.violation_id])
    return rows


def enterprises_in_scope(*, session: Session, actor: User, limit: int = 300) -> list[Enterprise]:
    policy.require(actor, "audits.run")
    return list(session.execute(select(Enterprise).where(access.enterprise_scope(session, actor))
                                .order_by(Enterprise.name_ru).limit(limit)).scalars())


def due_soon(*, session: Session, actor: User, today: date | None = None) -> list[Audit]:
    """Audits that need the actor: fieldwork open, or findings awaiting the employer's reply."""
    today = today or utcnow().date()
    wanted = [AuditStatus.FIELDWORK, AuditStatus.INVITED] if policy.allowed(actor, "audits.fieldwork") else []
    if policy.allowed(actor, "audits.reply"):
        wanted.append(AuditStatus.EMPLOYER_REPLY)
    if policy.allowed(actor, "audits.run"):
        wanted += [AuditStatus.PLANNED, AuditStatus.FINDINGS]
    if not wanted:
        return []
    query = audits_query(session=session, actor=actor).where(Audit.status.in_(wanted),
                                                              Audit.planned_on <= today + timedelta(days=60))
    return list(session.execute(query.limit(5)).scalars())



# ---- what the pages show ------------------------------------------------------------------------------


def enterprise_names(session: Session, ids) -> dict[int, str]:
    ids = list(set(ids))
    if not ids:
        return {}
    return {e.id: i18n.localized(e, "name")
            for e in session.execute(select(Enterprise).where(Enterprise.id.in_(ids))).scalars()}


def report_codes(session: Session, row: Audit) -> dict[str, str]:
    """The verification codes of the audit's issued reports, by language."""
    codes = {}
    for language, document_id in (row.reports or {}).items():
        document = session.get(documents.IssuedDocument, document_id)
        if document is not None:
            codes[language] = documents.format_code(document.code)
    return codes


def audit_of_party(session: Session, party_id: int) -> int:
    """The id of the audit a party belongs to; NotFound when there is no such party (its scope is checked by
    the action on it)."""
    party = session.get(Party, party_id)
    if party is None:
        raise NotFound(N_("Not found."))
    return party.audit_id
