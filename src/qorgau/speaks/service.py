"""Worker Speaks: filing, following with a receipt, triage, routing, deadlines, escalation, statistics.

Reporter-side functions take no actor: the reporter is anonymous and nothing about them is stored.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import date, timedelta

import numpy as np
from sqlalchemy import Integer, Select, String, delete, func, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from qorgau.core import audit, crypto, disclosure, passwords, policy
from qorgau.core.config import get_settings
from qorgau.core.db import utcnow
from qorgau.core.errors import NotFound, TooManyRequests, ValidationFailed
from qorgau.core.i18n_markers import N_
from qorgau.core.media import clean_attachment
from qorgau.core.models import User, random_id
from qorgau.core.notify import notify
from qorgau.registry import access, routing
from qorgau.registry.hazards import CATEGORIES
from qorgau.registry.models import Enterprise, Region, Sector, UnionOrg
from qorgau.speaks import embedding, nlp, proof_of_work
from qorgau.speaks.labels import STATUS_LABELS, URGENCIES
from qorgau.speaks.models import (
    ENDED_STATUSES,
    OPEN_STATUSES,
    REPORT_MOVES,
    Attachment,
    Message,
    ReceiptFailure,
    Report,
    ReportStatus,
    TriageCorrection,
)
from qorgau.speaks.schemas import ReportIn

RECEIPT_DIGITS = 16
MIN_CELL = disclosure.MIN_CELL  # aggregates shown outside the union hide cells with fewer reports
MAX_PHOTOS = 5


def new_receipt() -> str:
    """16 random digits (10^16 possibilities), grouped by four for reading aloud."""
    digits = f"{secrets.randbelow(10 ** RECEIPT_DIGITS):0{RECEIPT_DIGITS}d}"
    return " ".join(digits[i:i + 4] for i in range(0, RECEIPT_DIGITS, 4))


def normalise_receipt(receipt: str) -> str:
    return "".join(c for c in receipt if c.isdigit())


def receipt_digest(receipt: str, parameters: passwords.Argon2Parameters | None = None) -> str:
    """Argon2id of the receipt digits with a platform-wide salt, so a report can be found by its digest.
    Production parameters, except in the synthetic demo (`passwords.demo_hashing`), whose digests carry theirs."""
    salt = bytes.fromhex(get_settings().resolved_receipt_pepper())[:16]
    return passwords.keyed_digest(normalise_receipt(receipt).encode(), salt, parameters)


def _reference(session: Session) -> str:
    alphabet = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"
    while True:
        reference = "WS-" + "".join(secrets.choice(alphabet) for _ in range(6))
        if not session.execute(select(Report.id).where(Report.reference == reference)).first():
            return reference


def _officers_of(session: Session, union_org_id: int | None) -> list[User]:
    """The officers told of what happens to reports routed to this union organisation."""
    if union_org_id is None:
        return []
    return access.users_with(session, "speaks.alerted", union=union_org_id)


def _on_duty_officers(session: Session, union_org_id: int | None) -> list[User]:
    """On-duty officers of the receiving union or, failing that, of the nearest union above it."""
    officers = access.nearest_union_users(session, "speaks.alerted", union_org_id)
    if officers:
        return [o for o in officers if o.on_duty] or officers
    return [o for o in access.users_with(session, "speaks.alerted") if o.on_duty]


@dataclass
class Filed:
    report: Report
    receipt: str


def submit(*, session: Session, report_in: ReportIn, photos: list[bytes] | None = None,
           today: date | None = None, assessed: tuple[nlp.Triage, nlp.Redaction] | None = None) -> Filed:
    """File an anonymous report; the receipt is returned once and only its digest is kept. `assessed` is
    the triage and redaction of this very description when the caller computed them for many reports at
    once (`nlp.triage_many`, `nlp.redact_many`: the demo); otherwise they are computed here."""
    today = today or utcnow().date()
    enterprise = session.get(Enterprise, report_in.enterprise_id) if report_in.enterprise_id else None
    if report_in.enterprise_id and enterprise is None:
        raise ValidationFailed(N_("Unknown enterprise."), field="enterprise_id")
    if enterprise is None and not report_in.region_kato:
        raise ValidationFailed(N_("Choose the enterprise, or at least the region."), field="region_kato")
    if report_in.region_kato and session.get(Region, report_in.region_kato) is None:
        raise ValidationFailed(N_("Unknown region."), field="region_kato")
    if report_in.sector_code and session.get(Sector, report_in.sector_code) is None:
        raise ValidationFailed(N_("Unknown sector."), field="sector_code")
    photos = photos or []
    if len(photos) > MAX_PHOTOS:
        raise ValidationFailed(N_("At most 5 photos can be attached."), field="photos")
    # Photos re-encoded from pixels, voice notes and videos from samples and pixels: no metadata survives.
    cleaned = [clean_attachment(data) for data in photos]
    triage, redaction = assessed or (nlp.triage(report_in.description), nlp.redact(report_in.description))
    union = routing.receiving_union(session, enterprise=enterprise, region_kato=report_in.region_kato, sector_code=report_in.sector_code)
    settings = get_settings()
    receipt = new_receipt()
    report = Report(
        id=random_id(session, Report), reference=_reference(session), receipt_digest=receipt_digest(receipt), kind=report_in.kind,
        language=report_in.language, enterprise_id=enterprise.id if enterprise else None,
        region_kato=enterprise.region_kato if enterprise else report_in.region_kato,
        sector_code=enterprise.sector_code if enterprise else report_in.sector_code,
        reporter_category=report_in.category, category=triage.category, urgency=triage.urgency,
        triage_explanation=triage.explanation, union_org_id=union.id if union else None, received_on=today,
        acknowledge_by=today + timedelta(days=settings.speaks_ack_days),
        feedback_by=today + timedelta(days=settings.speaks_feedback_days),
        description_encrypted=crypto.encrypt_text(report_in.description),
        redacted_encrypted=crypto.encrypt_text(redaction.text),
        contact_encrypted=crypto.encrypt_text(report_in.contact) if report_in.contact else None,
        pii_types=sorted({span["type"] for span in redaction.spans}))
    # A reporter who chose a category keeps it visible; the model's reading is shown beside it.
    if report_in.category in CATEGORIES and report_in.category != "not_sure":
        report.category = report_in.category
        report.triage_explanation = {**triage.explanation, "reporter_chose": report_in.category}
    session.add(report)
    session.flush()
    for content, media_type in cleaned:
        session.add(Attachment(id=random_id(session, Attachment), report_id=report.id, media_type=media_type,
                               size=len(content),
                               content_encrypted=crypto.encrypt_bytes(content)))
    if report.urgency == "imminent":
        for officer in _on_duty_officers(session, report.union_org_id):
            notify(session, user=officer, kind="speaks.imminent", urgent=True, link=f"/speaks/reports/{report.id}",
                   title=N_("⚠ %(ref)s: imminent danger reported"), params={"ref": report.reference},
                   body=", ".join(w["word"] for w in triage.explanation.get("urgency_words", [])[:5]),
                   anonymous_channel=True)
    session.flush()
    return Filed(report, receipt)


class ChallengeRequired(TooManyRequests):
    """Wrong codes for this receipt's first digits piled up today: answer the challenge first."""

    def __init__(self, challenge: proof_of_work.Challenge):
        super().__init__(N_("Many wrong receipt codes starting like yours were tried today. Your browser "
                            "answers a short check first; without JavaScript, wait %(seconds)s seconds and "
                            "send the form again."), field="receipt",
                         params={"seconds": challenge.wait_seconds, "challenge": challenge.token,
                                 "bits": challenge.bits})
        self.challenge = challenge


def _prefix(digits: str) -> str:
    return digits[:4]


def failures_today(session: Session, prefix: str, today: date) -> int:
    found = session.execute(select(ReceiptFailure.failures).where(ReceiptFailure.prefix == prefix,
                                                                  ReceiptFailure.day == today)).scalar()
    return found or 0


def _count_failure(session: Session, prefix: str, today: date) -> None:
    bumped = session.execute(update(ReceiptFailure).where(ReceiptFailure.prefix == prefix, ReceiptFailure.day == today)
                             .values(failures=ReceiptFailure.failures + 1))
    if not bumped.rowcount:
        try:
            with session.begin_nested():
                session.add(ReceiptFailure(prefix=prefix, day=today, failures=1))
        except IntegrityError:  # another request counted the first failure at the same moment
            session.execute(update(ReceiptFailure).where(ReceiptFailure.prefix == prefix, ReceiptFailure.day == today)
                            .values(failures=ReceiptFailure.failures + 1))
    session.execute(delete(ReceiptFailure).where(ReceiptFailure.day < today - timedelta(days=1)))


def _check_challenge(session: Session, prefix: str, today: date, challenge: str, proof: str) -> None:
    settings = get_settings()
    if failures_today(session, prefix, today) < settings.speaks_receipt_free_failures:
        return
    secret = settings.resolved_secret_key()
    if challenge and proof_of_work.accept(secret, token=challenge, proof=proof, prefix=prefix):
        return
    raise ChallengeRequired(proof_of_work.issue(secret, prefix=prefix, bits=settings.speaks_receipt_pow_bits,
                                                wait_seconds=settings.speaks_receipt_wait_seconds))


def receipt_pass(receipt: str) -> str:
    """Lets the worker who just opened their report reply without a second challenge."""
    return proof_of_work.issue_pass(get_settings().resolved_secret_key(), prefix=_prefix(normalise_receipt(receipt)))


def find_by_receipt(*, session: Session, receipt: str, challenge: str = "", proof: str = "") -> Report:
    """The report behind a receipt.

    Wrong codes are counted per first four digits and day. Up to `speaks_receipt_free_failures` a day
    nothing more is asked; beyond, look-ups starting with those digits need a solved challenge (or a
    short wait without JavaScript), checked before the costly digest. Nobody is ever locked out.
    """
    digits = normalise_receipt(receipt)
    prefix, today = _prefix(digits), utcnow().date()
    _check_challenge(session, prefix, today, challenge, proof)
    report = None
    if len(digits) == RECEIPT_DIGITS:
        # The digest under each parameter set the platform issues (production; the demo's light one).
        digests = [receipt_digest(digits, parameters) for parameters in passwords.ISSUED]
        report = session.execute(select(Report).where(Report.receipt_digest.in_(digests))).scalar()
    if report is None:
        _count_failure(session, prefix, today)
        raise NotFound(N_("No report has this receipt code."), field="receipt")
    return report


def reporter_view(*, session: Session, report: Report) -> dict:
    """What the reporter sees: status, deadlines and the conversation (no internal notes)."""
    for message in report.messages:
        if not message.from_reporter and not message.read_by_reporter:
            message.read_by_reporter = True
    return {"reference": report.reference, "status": report.status, "kind": report.kind,
            "category": report.category, "received_on": report.received_on,
            "acknowledge_by": report.acknowledge_by, "feedback_by": report.feedback_by,
            "messages": [{"from_reporter": m.from_reporter, "sent_on": m.sent_on,
                          "body": crypto.decrypt_text(m.body_encrypted)} for m in report.messages]}


def _next_position(session: Session, report_id: int) -> int:
    """The place of a new message in its report's thread (ids are random, so they cannot order it)."""
    last = session.execute(select(func.max(Message.position)).where(Message.report_id == report_id)).scalar()
    return (last or 0) + 1


def reporter_reply(*, session: Session, receipt: str, body: str, today: date | None = None,
                   challenge: str = "", proof: str = "") -> Report:
    report = find_by_receipt(session=session, receipt=receipt, challenge=challenge, proof=proof)
    if report.status in ENDED_STATUSES:
        raise ValidationFailed(N_("This report is closed."), field="body")
    session.add(Message(id=random_id(session, Message), report_id=report.id, from_reporter=True,
                        position=_next_position(session, report.id), sent_on=today or utcnow().date(), body_encrypted=crypto.encrypt_text(body)))
    for officer in _officers_of(session, report.union_org_id):
        notify(session, user=officer, kind="speaks.reply", title=N_("%(ref)s: the worker replied"),
               params={"ref": report.reference}, link=f"/speaks/reports/{report.id}", anonymous_channel=True)
    session.flush()
    return report


# ---- union side -------------------------------------------------------------------------------


def _can_see_all_text(user: User) -> bool:
    return policy.allowed(user, "speaks.inbox")


def inbox_query(*, session: Session, actor: User, status: str = "", urgency: str = "", category: str = "",
                enterprise_id: int | None = None) -> Select:
    """Reports the actor may see, newest and most urgent first."""
    if policy.allowed(actor, "speaks.inbox"):
        visible = access.inbox_scope(session, actor, union_org_column=Report.union_org_id,
                                     enterprise_id_column=Report.enterprise_id)
    else:
        policy.require(actor, "speaks.redacted")  # employers: only what the union shared with them
        visible = access.scoped(session, actor, Report.enterprise_id) & Report.shared_with_employer.is_(True)
    query = select(Report).where(visible).order_by(Report.received_on.desc(), Report.id.desc())
    for column, value in ((Report.status, status), (Report.urgency, urgency), (Report.category, category)):
        if value:
            query = query.where(column == value)
    if enterprise_id:
        query = query.where(Report.enterprise_id == enterprise_id)
    return query


def get(*, session: Session, actor: User, report_id: int) -> Report:
    """One report the actor may see, else NotFound."""
    found = session.execute(inbox_query(session=session, actor=actor).where(Report.id == report_id)).scalar()
    if found is None:
        raise NotFound(N_("Not found."))
    return found


def open_summary(*, session: Session, actor: User, shown: int = 5) -> tuple[int, list[Report]]:
    """Open reports in the actor's inbox: how many, and the first few imminent or high ones."""
    query = inbox_query(session=session, actor=actor).where(Report.status.in_(OPEN_STATUSES))
    total = session.execute(select(func.count()).select_from(query.subquery())).scalar_one()
    urgent = session.execute(query.where(Report.urgency.in_(("imminent", "high"))).limit(shown))
    return total, list(urgent.scalars())


def conversation(*, session: Session, actor: User, report: Report) -> list[dict]:
    """The thread with the reporter, decrypted, for those who work the union inbox; employers who were
    shared the report see its redacted text only, never the conversation."""
    if not _can_see_all_text(actor):
        return []
    return [{"from_reporter": m.from_reporter, "sent_on": m.sent_on, "body": crypto.decrypt_text(m.body_encrypted)}
            for m in report.messages]


def attachment(*, session: Session, actor: User, report_id: int, attachment_id: int) -> tuple[bytes, str]:
    """An attachment's content and media type, for those who work the union inbox (employers never see them)."""
    report = get(session=session, actor=actor, report_id=report_id)
    found = session.get(Attachment, attachment_id)
    if found is None or found.report_id != report.id or not _can_see_all_text(actor):
        raise NotFound(N_("Not found."))
    return crypto.decrypt_bytes(found.content_encrypted), found.media_type


def text_for(*, session: Session, actor: User, report: Report) -> str:
    """The redacted description: what staff and employers see by default."""
    return crypto.decrypt_text(report.redacted_encrypted)


def reveal_original(*, session: Session, actor: User, report_id: int, reason: str) -> str:
    """The unredacted description, for a union officer who gives a reason (logged)."""
    report = get(session=session, actor=actor, report_id=report_id)
    policy.require(actor, "speaks.reveal")
    _require_reason(reason)
    audit.record(session, action="speaks.reveal_original", object_type="speaks_report", object_id=report.id,
                 reason=reason.strip())
    return crypto.decrypt_text(report.description_encrypted)


def reveal_contact(*, session: Session, actor: User, report_id: int, reason: str) -> str:
    """The reporter's optional contact details, for the assigned union's officer with a logged reason."""
    report = get(session=session, actor=actor, report_id=report_id)
    policy.require(actor, "speaks.reveal")
    _require_reason(reason)
    if report.contact_encrypted is None:
        raise NotFound(N_("The worker left no contact details."))
    audit.record(session, action="speaks.reveal_contact", object_type="speaks_report", object_id=report.id,
                 reason=reason.strip())
    return crypto.decrypt_text(report.contact_encrypted)


def _require_reason(reason: str) -> None:
    if len(reason.strip()) < 10:
        raise ValidationFailed(N_("Say why you need to see this (at least 10 characters)."), field="reason")


def _require_handler(actor: User) -> None:
    policy.require(actor, "speaks.handle")


def reply(*, session: Session, actor: User, report_id: int, body: str, today: date | None = None) -> Message:
    """Write to the anonymous reporter; the first reply acknowledges the report."""
    report = get(session=session, actor=actor, report_id=report_id)
    _require_handler(actor)
    today = today or utcnow().date()
    message = Message(id=random_id(session, Message), report_id=report.id, from_reporter=False,
                      position=_next_position(session, report.id), author_user_id=actor.id, sent_on=today, body_encrypted=crypto.encrypt_text(body))
    session.add(message)
    if report.status == ReportStatus.NEW:
        report.status = REPORT_MOVES.move(report.status, ReportStatus.ACKNOWLEDGED)
        report.acknowledged_on = today
    session.flush()
    return message


def set_status(*, session: Session, actor: User, report_id: int, status: str, today: date | None = None) -> Report:
    """Move the report along its workflow (`REPORT_MOVES`); an illegal move is refused (409)."""
    report = get(session=session, actor=actor, report_id=report_id)
    _require_handler(actor)
    target = REPORT_MOVES.parse(status)
    if target == report.status:  # the form sent the status the report already has
        return report
    today = today or utcnow().date()
    report.status = REPORT_MOVES.move(report.status, target)
    if target != ReportStatus.NEW and report.acknowledged_on is None:
        report.acknowledged_on = today
    if target in (ReportStatus.RESOLVED, ReportStatus.CLOSED) and report.resolved_on is None:
        report.resolved_on = today
    session.flush()
    return report


def correct_triage(*, session: Session, actor: User, report_id: int, category: str, urgency: str) -> Report:
    """An officer overrides the automatic triage; the correction is kept for retraining."""
    report = get(session=session, actor=actor, report_id=report_id)
    _require_handler(actor)
    if category not in CATEGORIES:
        raise ValidationFailed(N_("Unknown category."), field="category")
    if urgency not in URGENCIES:
        raise ValidationFailed(N_("Unknown urgency."), field="urgency")
    session.add(TriageCorrection(report_id=report.id, officer_id=actor.id, old_category=report.category,
                                 new_category=category, old_urgency=report.urgency, new_urgency=urgency,
                                 corrected_on=utcnow().date()))
    report.category, report.urgency, report.triage_by = category, urgency, "officer"
    session.flush()
    return report


def share_with_employer(*, session: Session, actor: User, report_id: int, shared: bool) -> Report:
    """Let the enterprise's safety manager see the redacted report (never the original or the contact)."""
    report = get(session=session, actor=actor, report_id=report_id)
    _require_handler(actor)
    if shared and report.enterprise_id is None:
        raise ValidationFailed(N_("The report names no enterprise."), field="shared")
    report.shared_with_employer = shared
    session.flush()
    return report


def convert(*, session: Session, actor: User, report_id: int, target: str) -> tuple[str, int]:
    """Turn a report into a violation (or an incident record), keeping the link both ways."""
    report = get(session=session, actor=actor, report_id=report_id)
    _require_handler(actor)
    if report.linked_id:
        raise ValidationFailed(N_("This report is already linked."), field="target")
    if report.enterprise_id is None:
        raise ValidationFailed(N_("The report names no enterprise."), field="target")
    redacted = crypto.decrypt_text(report.redacted_encrypted)
    if target == "violation":
        from qorgau.deviations import service as deviations

        created = deviations.create_from_report(session=session, actor=actor, enterprise_id=report.enterprise_id,
                                                category=report.category, description=redacted,
                                                source_reference=report.reference,
                                                imminent=report.urgency == "imminent")
    elif target == "incident":
        from qorgau.incidents import service as incidents

        created = incidents.create_from_report(session=session, actor=actor, enterprise_id=report.enterprise_id,
                                               description=redacted, source_reference=report.reference,
                                               reported_on=report.received_on)
    else:
        raise ValidationFailed(N_("Unknown target."), field="target")
    report.linked_type, report.linked_id = target, created.id
    if report.status in (ReportStatus.NEW, ReportStatus.ACKNOWLEDGED):
        report.status = REPORT_MOVES.move(report.status, ReportStatus.IN_PROGRESS)
    session.flush()
    return target, created.id


def escalate_overdue(*, session: Session, today: date) -> list[Report]:
    """Reports past their acknowledgement or feedback deadline move one step up the union tree."""
    query = select(Report).where(Report.status.in_(OPEN_STATUSES))
    moved = []
    for report in session.execute(query).scalars():
        overdue_ack = report.status == ReportStatus.NEW and report.acknowledge_by < today
        overdue_feedback = report.feedback_by < today
        if not (overdue_ack or overdue_feedback):
            continue
        current = session.get(UnionOrg, report.union_org_id) if report.union_org_id else None
        if current is None or current.parent_id is None:
            continue
        report.union_org_id = current.parent_id
        report.escalation_level += 1
        settings = get_settings()
        # The new owner gets a fresh clock.
        report.acknowledge_by = today + timedelta(days=settings.speaks_ack_days)
        if overdue_feedback:
            report.feedback_by = today + timedelta(days=settings.speaks_ack_days * 2)
        audit.record(session, action="speaks.escalate", object_type="speaks_report", object_id=report.id,
                     after={"union_org_id": current.parent_id, "level": report.escalation_level},
                     reason="acknowledgement overdue" if overdue_ack else "feedback overdue", actor="system:escalation")
        for officer in _officers_of(session, current.parent_id):
            notify(session, user=officer, kind="speaks.escalated", link=f"/speaks/reports/{report.id}",
                   title=N_("%(ref)s: overdue report escalated to your union"), params={"ref": report.reference})
        moved.append(report)
    session.flush()
    return moved


DIMENSIONS = {"category": Report.category, "urgency": Report.urgency, "region": Report.region_kato,
              "sector": Report.sector_code, "enterprise": Report.enterprise_id, "kind": Report.kind,
              "status": Report.status}


def statistics(*, session: Session, actor: User, by: list[str], month: bool = False) -> list[dict]:
    """Counts by any dimensions (and month); cells under 5 are suppressed outside the union."""
    if not (policy.allowed(actor, "speaks.stats") or policy.allowed(actor, "speaks.inbox")):
        policy.require(actor, "speaks.stats")
    unknown = [d for d in by if d not in DIMENSIONS]
    if unknown:
        raise ValidationFailed(N_("Unknown dimension."), field="by")
    columns = [DIMENSIONS[d].label(d) for d in by]
    if month:
        columns.append(func.substr(func.cast(Report.received_on, type_=String()), 1, 7).label("month"))
    query = select(*columns, func.count().label("reports")).where(Report.status != ReportStatus.SPAM).group_by(*columns)
    if policy.allowed(actor, "speaks.inbox"):
        query = query.where(access.inbox_scope(session, actor, union_org_column=Report.union_org_id,
                                               enterprise_id_column=Report.enterprise_id))
    rows = [dict(row._mapping) for row in session.execute(query.order_by(*columns))]
    if policy.allowed(actor, "speaks.inbox"):
        return rows
    return disclosure.suppress_small_cells(rows, count="reports")


def corrections(*, session: Session) -> list[tuple[str, str, str]]:
    """(original text, corrected category, corrected urgency) for retraining the triage model."""
    query = select(Report.description_encrypted, TriageCorrection.new_category, TriageCorrection.new_urgency) \
        .join(TriageCorrection, TriageCorrection.report_id == Report.id).order_by(TriageCorrection.id)
    return [(crypto.decrypt_text(text), category, urgency) for text, category, urgency in session.execute(query)]


def counts_for_enterprises(*, session: Session, start: date, end: date) -> list[dict]:
    """Reports per enterprise in [start, end): total, imminent, acknowledged on time (for the index and risk)."""
    on_time = func.sum(func.coalesce((Report.acknowledged_on <= Report.acknowledge_by).cast(Integer()), 0))
    query = (select(Report.enterprise_id, func.count().label("reports"),
                    func.sum((Report.urgency == "imminent").cast(Integer())).label("imminent"),
                    on_time.label("acknowledged_on_time"))
             .where(Report.enterprise_id.is_not(None), Report.received_on >= start, Report.received_on < end,
                    Report.status != ReportStatus.SPAM)
             .group_by(Report.enterprise_id))
    return [dict(row._mapping) for row in session.execute(query)]



def report_id_by_reference(*, session: Session, reference: str) -> int | None:
    """The id of the report with this reference, or None; read the report itself through `get` (in scope)."""
    return session.execute(select(Report.id).where(Report.reference == reference)).scalar()


# -- published interface for other capabilities: the report form, status labels, the sentence embedder ----------

def report_from(fields: dict) -> ReportIn:
    """A report as `submit` takes it, checked from plain fields (pydantic's ValidationError when they do not do)."""
    return ReportIn.model_validate(fields)


def status_label(status: str) -> str:
    """A report status's label, untranslated: the msgid in speaks' catalogue (an unknown status is itself)."""
    return STATUS_LABELS.get(status, status)


EMBEDDING_MODEL = embedding.MODEL
EMBEDDING_DIM = embedding.DIM


def embed_queries(texts: list[str]) -> np.ndarray:
    """The query side of the shared embedder (L2-normalised, one row per text): see `speaks.embedding`."""
    return embedding.embed(texts)


def embed_passages(passages: list[str]) -> np.ndarray:
    """The document side ("passage: " in e5's asymmetric retrieval), as the engine gives it (not normalised).

    One embedding call at a time per process, as for the query side."""
    engine = embedding.model()
    with embedding._run_lock:
        vectors = np.asarray(engine.passage(passages), dtype=np.float32)
    return vectors.reshape(len(passages), embedding.DIM)
