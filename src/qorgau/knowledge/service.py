"""The best-practice database: submission, two-step review and publication, versions, adoptions by other
enterprises, search across languages and "how others fixed this". Functions never commit."""

from __future__ import annotations

import hashlib
import json
import secrets
from dataclasses import dataclass
from datetime import date
from pathlib import Path

from sqlalchemy import Select, func, or_, select
from sqlalchemy.orm import Session

from qorgau.core import audit, policy
from qorgau.core.db import utcnow
from qorgau.core.errors import Conflict, Forbidden, NotFound, ValidationFailed
from qorgau.core.i18n_markers import N_
from qorgau.core.models import User
from qorgau.knowledge import search as engine
from qorgau.knowledge.models import (
    LANGUAGES,
    MOVES,
    OUTCOMES,
    Practice,
    PracticeAdoption,
    PracticeAttachment,
    PracticeReview,
    PracticeVersion,
    Status,
)
from qorgau.knowledge.schemas import AdoptionIn, PracticeIn
from qorgau.registry import access
from qorgau.registry.models import Enterprise, Sector

STARTER = Path(__file__).resolve().parent / "data" / "practices.json"
MAX_ATTACHMENT = 5 * 1024 * 1024
ATTACHMENT_TYPES = {"application/pdf": ".pdf", "image/png": ".png", "image/jpeg": ".jpg", "image/webp": ".webp"}
REVIEW_QUEUE = (Status.SUBMITTED, Status.REVIEWED)


# ---- reading ---------------------------------------------------------------------------------------


def public_filter() -> object:
    """Practices anyone may read: something published and not withdrawn."""
    return (Practice.published_version.is_not(None)) & (Practice.status != Status.WITHDRAWN)


def _unpublished_visible(session: Session, actor: User | None):
    """Drafts and practices under review: their author, and reviewers whose scope reaches the enterprise."""
    if actor is None:
        return Practice.id.is_(None)
    conditions = [Practice.created_by == actor.id]
    if policy.allowed(actor, "knowledge.review"):
        conditions.append(or_(Practice.enterprise_id.is_(None),
                              access.scoped(session, actor, Practice.enterprise_id)))
    return or_(*conditions)


def visible(session: Session, actor: User | None):
    return or_(public_filter(), _unpublished_visible(session, actor))


def get(*, session: Session, actor: User | None, practice_id: int) -> Practice:
    """One practice the actor may read (anyone: published ones), else NotFound."""
    found = session.execute(select(Practice).where(Practice.id == practice_id, visible(session, actor))).scalar()
    if found is None:
        raise NotFound(N_("Not found."))
    return found


def version(session: Session, practice: Practice, number: int | None = None) -> PracticeVersion:
    wanted = number or practice.current_version
    return session.execute(select(PracticeVersion).where(PracticeVersion.practice_id == practice.id,
                                                         PracticeVersion.number == wanted)).scalar_one()


def shown_version(session: Session, actor: User | None, practice: Practice) -> PracticeVersion:
    """The version this reader sees: the draft for its author and reviewers, the published one for others."""
    may_see_draft = actor is not None and session.execute(
        select(Practice.id).where(Practice.id == practice.id, _unpublished_visible(session, actor))).first()
    if practice.published_version is not None and not may_see_draft:
        return version(session, practice, practice.published_version)
    return version(session, practice)


def languages(data: dict) -> list[str]:
    texts = data.get("texts") or {}
    return [lang for lang in LANGUAGES if lang in texts]


def adoption_counts(session: Session, practice_ids: list[int]) -> dict[int, dict[str, int]]:
    counts: dict[int, dict[str, int]] = {pid: {} for pid in practice_ids}
    if practice_ids:
        rows = session.execute(select(PracticeAdoption.practice_id, PracticeAdoption.outcome, func.count())
                               .where(PracticeAdoption.practice_id.in_(practice_ids))
                               .group_by(PracticeAdoption.practice_id, PracticeAdoption.outcome))
        for pid, outcome, n in rows:
            counts[pid][outcome] = n
    return counts


def queue(*, session: Session, actor: User) -> list[Practice]:
    """Practices waiting for a step of the review, and the actor's own drafts."""
    policy.require(actor, "knowledge.read")
    stmt = select(Practice).where(_unpublished_visible(session, actor),
                                  or_(Practice.status.in_(REVIEW_QUEUE), Practice.created_by == actor.id),
                                  Practice.status != Status.WITHDRAWN)
    return list(session.execute(stmt.order_by(Practice.id.desc()).limit(200)).scalars())


def filtered(*, category: str | None = None, sector: str | None = None, size: str | None = None,
             source: str | None = None) -> Select:
    stmt = select(Practice.id).where(public_filter())
    if category:
        stmt = stmt.where(Practice.category == category)
    if sector:
        stmt = stmt.where(Practice.sector_code == sector)
    if size:
        stmt = stmt.where(Practice.size.in_((size, "any")))
    if source:
        stmt = stmt.where(Practice.source_kind == source)
    return stmt


@dataclass
class Found:
    practices: list[Practice]
    mode: str


def search(*, session: Session, actor: User | None, query: str = "", mode: str = "combined",
           category: str | None = None, sector: str | None = None, size: str | None = None,
           source: str | None = None, langs: list[str] | None = None, limit: int = 20) -> Found:
    """Published practices matching the filters, ranked by the query (newest first without one).
    Anyone may search; only the query is embedded here (plain `def` callers, never the event loop)."""
    if mode not in ("combined", "fulltext", "semantic"):
        raise ValidationFailed(N_("Unknown search mode."), field="mode")
    allowed = set(session.execute(filtered(category=category, sector=sector, size=size, source=source)).scalars())
    query = (query or "").strip()[:500]
    if query:
        ids = engine.rank(session, query, allowed=allowed, mode=mode, langs=langs)[:limit]
    else:
        ids = list(session.execute(select(Practice.id).where(Practice.id.in_(allowed))
                                   .order_by(Practice.published_at.desc(), Practice.id.desc()).limit(limit)).scalars())
    by_id = {p.id: p for p in session.execute(select(Practice).where(Practice.id.in_(ids))).scalars()}
    return Found([by_id[i] for i in ids if i in by_id], mode)


# ---- writing ---------------------------------------------------------------------------------------


def _key(session: Session) -> str:
    alphabet = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"
    while True:
        key = "P-" + "".join(secrets.choice(alphabet) for _ in range(6))
        if not session.execute(select(Practice.id).where(Practice.key == key)).first():
            return key


def _data(practice_in: PracticeIn) -> dict:
    return {"texts": {lang: t.model_dump() for lang, t in practice_in.texts.items()},
            "figures": [f.model_dump() for f in practice_in.figures]}


def _classify(session: Session, actor: User, practice: Practice, practice_in: PracticeIn) -> None:
    if practice_in.sector_code and session.get(Sector, practice_in.sector_code) is None:
        raise ValidationFailed(N_("Unknown sector."), field="sector_code")
    if practice_in.enterprise_id is not None:
        access.require_enterprise(session, actor, "knowledge.submit", practice_in.enterprise_id)
    elif actor.scope_kind == "enterprise" and not policy.national(actor):
        raise ValidationFailed(N_("Name your enterprise as the source of the practice."), field="enterprise_id")
    for name in ("category", "sector_code", "size", "cost_band", "country", "source_kind", "source_title",
                 "source_url", "licence", "enterprise_id"):
        setattr(practice, name, getattr(practice_in, name))
    practice.title = {lang: t.title for lang, t in practice_in.texts.items()}


def create(*, session: Session, actor: User, practice_in: PracticeIn) -> Practice:
    """A new practice as a draft (version 1)."""
    policy.require(actor, "knowledge.submit")
    practice = Practice(key=_key(session), status=Status.DRAFT, current_version=1, created_by=actor.id)
    _classify(session, actor, practice, practice_in)
    session.add(practice)
    session.flush()
    session.add(PracticeVersion(practice_id=practice.id, number=1, data=_data(practice_in),
                                change_note=practice_in.change_note, author_id=actor.id))
    audit.record(session, action="knowledge.create", object_type="knowledge_practice", object_id=practice.id)
    return practice


def _editable(session: Session, actor: User, practice: Practice) -> None:
    if practice.created_by != actor.id and not policy.allowed(actor, "knowledge.review"):
        raise Forbidden(N_("Only the author or a reviewer may change this practice."))


def revise(*, session: Session, actor: User, practice_id: int, practice_in: PracticeIn) -> Practice:
    """A new version. A published practice keeps showing its published version until the new one is
    published; the new one goes through both review steps again."""
    policy.require(actor, "knowledge.submit")
    practice = get(session=session, actor=actor, practice_id=practice_id)
    _editable(session, actor, practice)
    if practice.status == Status.WITHDRAWN:
        raise Conflict(N_("A withdrawn practice cannot be changed."))
    if practice.status != Status.DRAFT:
        practice.status = MOVES.move(practice.status, Status.DRAFT)
    _classify(session, actor, practice, practice_in)
    practice.current_version += 1
    session.add(PracticeVersion(practice_id=practice.id, number=practice.current_version, data=_data(practice_in),
                                change_note=practice_in.change_note, author_id=actor.id))
    session.expire(practice, ["versions"])
    audit.record(session, action="knowledge.revise", object_type="knowledge_practice", object_id=practice.id,
                 after={"version": practice.current_version})
    return practice


def submit(*, session: Session, actor: User, practice_id: int) -> Practice:
    policy.require(actor, "knowledge.submit")
    practice = get(session=session, actor=actor, practice_id=practice_id)
    _editable(session, actor, practice)
    practice.status = MOVES.move(practice.status, Status.SUBMITTED)
    audit.record(session, action="knowledge.submit", object_type="knowledge_practice", object_id=practice.id,
                 after={"version": practice.current_version})
    return practice


def _step(session: Session, practice: Practice, actor: User | None, step: str, decision: str, note: str) -> None:
    session.add(PracticeReview(practice_id=practice.id, version=practice.current_version, step=step,
                               decision=decision, note=note, reviewer_id=actor.id if actor else None))
    session.expire(practice, ["reviews"])
    audit.record(session, action=f"knowledge.{step}", object_type="knowledge_practice", object_id=practice.id,
                 after={"decision": decision, "version": practice.current_version, "note": note or None},
                 actor=None if actor else "system:knowledge")


def review(*, session: Session, actor: User, practice_id: int, decision: str, note: str = "") -> Practice:
    """The first step: a union reviewer checks the practice (not its own author)."""
    policy.require(actor, "knowledge.review")
    practice = get(session=session, actor=actor, practice_id=practice_id)
    if practice.created_by == actor.id:
        raise Forbidden(N_("The author cannot review their own practice."))
    if decision == "return" and not note.strip():
        raise ValidationFailed(N_("Say what must change."), field="note")
    target = Status.REVIEWED if decision == "approve" else Status.DRAFT
    if practice.status != Status.SUBMITTED:
        raise Conflict(N_("This practice is not waiting for review."))
    practice.status = MOVES.move(practice.status, target)
    _step(session, practice, actor, "review", decision, note)
    return practice


def publish(*, session: Session, actor: User, practice_id: int, decision: str, note: str = "") -> Practice:
    """The second step: the federation publishes (a different person from the first reviewer and the author)."""
    policy.require(actor, "knowledge.publish")
    practice = get(session=session, actor=actor, practice_id=practice_id)
    if practice.status != Status.REVIEWED:
        raise Conflict(N_("This practice has not passed the first review."))
    first = session.execute(select(PracticeReview).where(
        PracticeReview.practice_id == practice.id, PracticeReview.version == practice.current_version,
        PracticeReview.step == "review", PracticeReview.decision == "approve")
        .order_by(PracticeReview.id.desc())).scalars().first()
    if practice.created_by == actor.id or (first is not None and first.reviewer_id == actor.id):
        raise Forbidden(N_("Publication needs a second person, not the author or the first reviewer."))
    if decision == "return" and not note.strip():
        raise ValidationFailed(N_("Say what must change."), field="note")
    if decision == "approve":
        practice.status = MOVES.move(practice.status, Status.PUBLISHED)
        practice.published_version = practice.current_version
        practice.published_at = utcnow()
    else:
        practice.status = MOVES.move(practice.status, Status.DRAFT)
    _step(session, practice, actor, "publish", decision, note)
    if decision == "approve":
        engine.index_practices(session, [practice])
    return practice


def withdraw(*, session: Session, actor: User, practice_id: int, note: str) -> Practice:
    policy.require(actor, "knowledge.publish")
    practice = get(session=session, actor=actor, practice_id=practice_id)
    practice.status = MOVES.move(practice.status, Status.WITHDRAWN)
    _step(session, practice, actor, "withdraw", "withdraw", note)
    engine.index_practices(session, [practice])
    return practice


def adopt(*, session: Session, actor: User, practice_id: int, adoption_in: AdoptionIn) -> PracticeAdoption:
    """"We adopted it": an enterprise in the actor's scope records that it took the practice up and how it went."""
    access.require_enterprise(session, actor, "knowledge.adopt", adoption_in.enterprise_id)
    practice = get(session=session, actor=actor, practice_id=practice_id)
    if practice.published_version is None or practice.status == Status.WITHDRAWN:
        raise Conflict(N_("Only a published practice can be adopted."))
    if adoption_in.adopted_on > utcnow().date():
        raise ValidationFailed(N_("The date is in the future."), field="adopted_on")
    if adoption_in.outcome not in OUTCOMES:
        raise ValidationFailed(N_("Unknown outcome."), field="outcome")
    adoption = PracticeAdoption(practice_id=practice.id, recorded_by=actor.id, **adoption_in.model_dump())
    session.add(adoption)
    session.flush()
    session.expire(practice, ["adoptions"])
    audit.record(session, action="knowledge.adopt", object_type="knowledge_practice", object_id=practice.id,
                 after={"enterprise_id": adoption.enterprise_id, "outcome": adoption.outcome})
    return adoption


def adoptions_seen(*, session: Session, actor: User | None, practice: Practice) -> list[PracticeAdoption]:
    """The adoptions whose enterprise the actor's scope reaches (everyone sees the counts by outcome)."""
    if actor is None or not policy.allowed(actor, "knowledge.read"):
        return []
    return list(session.execute(select(PracticeAdoption).where(
        PracticeAdoption.practice_id == practice.id,
        access.scoped(session, actor, PracticeAdoption.enterprise_id)).order_by(PracticeAdoption.id)).scalars())


def add_attachment(*, session: Session, actor: User, practice_id: int, filename: str, content_type: str,
                   content: bytes) -> PracticeAttachment:
    policy.require(actor, "knowledge.submit")
    practice = get(session=session, actor=actor, practice_id=practice_id)
    _editable(session, actor, practice)
    if content_type not in ATTACHMENT_TYPES:
        raise ValidationFailed(N_("Attach a PDF, PNG, JPEG or WebP file."), field="file")
    if not content:
        raise ValidationFailed(N_("The file is empty."), field="file")
    if len(content) > MAX_ATTACHMENT:
        raise ValidationFailed(N_("The file is larger than 5 MB."), field="file")
    signatures = {"application/pdf": (b"%PDF",), "image/png": (b"\x89PNG",), "image/jpeg": (b"\xff\xd8",),
                  "image/webp": (b"RIFF",)}
    if not content.startswith(signatures[content_type]):
        raise ValidationFailed(N_("The file's content does not match its type."), field="file")
    name = Path(filename or "file").name[:150] or "file"
    attachment = PracticeAttachment(practice_id=practice.id, filename=name, content_type=content_type,
                                    size=len(content), sha256=hashlib.sha256(content).hexdigest(),
                                    content=content, added_by=actor.id)
    session.add(attachment)
    session.flush()
    audit.record(session, action="knowledge.attach", object_type="knowledge_practice", object_id=practice.id,
                 after={"attachment_id": attachment.id, "filename": name, "sha256": attachment.sha256})
    return attachment


def get_attachment(*, session: Session, actor: User | None, attachment_id: int) -> PracticeAttachment:
    attachment = session.get(PracticeAttachment, attachment_id)
    if attachment is None:
        raise NotFound(N_("Not found."))
    get(session=session, actor=actor, practice_id=attachment.practice_id)
    return attachment


# ---- the starter set -------------------------------------------------------------------------------


def load_starter(*, session: Session, path: Path = STARTER, today: date | None = None) -> dict[str, int]:
    """Load (or update) the starter set as published practices, keyed by `key`, and index them in one
    embedding batch. A record whose text changed gets a new version; an unchanged one is left alone."""
    document = json.loads(path.read_text(encoding="utf-8"))
    licences = document.get("licences", {})
    created = updated = 0
    touched: list[Practice] = []
    for number, record in enumerate(document["practices"], start=1):
        try:
            practice_in = PracticeIn.model_validate({
                "category": record["category"], "sector_code": record.get("sector"), "size": record["size"],
                "cost_band": record["cost_band"], "country": record["country"], "source_kind": record["source_kind"],
                "source_title": record["source_title"], "source_url": record.get("source_url", ""),
                "licence": licences.get(record["licence"], record["licence"]), "texts": record["texts"],
                "figures": record.get("figures", [])}, strict=False)
        except (KeyError, ValueError) as error:
            raise ValidationFailed(N_("Practice %(row)s (%(key)s) is not valid: %(problem)s"), field="practices",
                                   params={"row": number, "key": record.get("key", "?"),
                                           "problem": str(error)[:300]}) from None
        data = _data(practice_in)
        practice = session.execute(select(Practice).where(Practice.key == record["key"])).scalar()
        if practice is None:
            practice = Practice(key=record["key"], status=Status.PUBLISHED, current_version=1, published_version=1,
                                published_at=utcnow())
            session.add(practice)
            created += 1
        elif version(session, practice, practice.published_version).data == data:
            continue
        else:
            practice.current_version += 1
            practice.published_version = practice.current_version
            practice.published_at = utcnow()
            updated += 1
        for name in ("category", "sector_code", "size", "cost_band", "country", "source_kind", "source_title",
                     "source_url", "licence"):
            setattr(practice, name, getattr(practice_in, name))
        practice.title = {lang: t.title for lang, t in practice_in.texts.items()}
        session.flush()
        session.add(PracticeVersion(practice_id=practice.id, number=practice.current_version, data=data,
                                    change_note=""))
        touched.append(practice)
    session.flush()
    engine.index_practices(session, touched)
    audit.record(session, action="knowledge.load_starter", object_type="knowledge_practice",
                 after={"created": created, "updated": updated}, actor="system:knowledge")
    return {"created": created, "updated": updated, "total": len(document["practices"])}


# ---- "how others fixed this" -----------------------------------------------------------------------


def similar(*, session: Session, actor: User | None, text: str, category: str | None = None,
            limit: int = 3) -> list[Practice]:
    """The published practices closest to a case: ranked by the combined search over the case's words,
    those of the case's hazard category first."""
    if not text.strip():
        return []
    allowed = set(session.execute(filtered()).scalars())
    ranked = engine.rank(session, text[:1000], allowed=allowed, mode="combined")[:20]
    practices = {p.id: p for p in session.execute(select(Practice).where(Practice.id.in_(ranked))).scalars()}
    ordered = [practices[i] for i in ranked if i in practices]
    if category:
        ordered.sort(key=lambda p: p.category != category)  # stable: keeps the ranking within each group
    return ordered[:limit]


def case_of(*, session: Session, actor: User, kind: str, object_id: int) -> tuple[str, str | None]:
    """The words and hazard category of a case another package holds, read through that package's own
    service (so its permission and scope rules apply)."""
    if kind == "violation":
        from qorgau.deviations import service as deviations

        violation = deviations.get(session=session, actor=actor, violation_id=object_id)
        return violation.description, violation.category
    if kind == "report":
        from qorgau.speaks import service as speaks

        report = speaks.get(session=session, actor=actor, report_id=object_id)
        return speaks.text_for(session=session, actor=actor, report=report), report.category
    if kind == "alarm":
        from qorgau.monitoring import service as monitoring

        alarm = monitoring.get_alarm(session=session, actor=actor, alarm_id=object_id)
        substance = alarm.sensor.label or alarm.sensor.quantity
        return (f"Gas detector alarm: {substance} concentration above the limit ({alarm.alarm_type}); "
                f"toxic gas or lack of oxygen in the work area, ventilation and gas testing"), "chemical_gas_dust"
    if kind == "accident":
        from qorgau.incidents import service as incidents

        accident = incidents.get(session=session, actor=actor, accident_id=object_id)
        return f"{accident.description} {accident.cause.replace('_', ' ')}", None
    if kind == "filing":
        from qorgau.airegister import service as airegister

        filing = airegister.get(session=session, actor=actor, filing_id=object_id)
        data = version_data_of_filing(filing)
        return (f"{filing.name}. {data.get('purpose', '')} {data.get('decides', '')} "
                "algorithmic management, monitoring of workers, workload and psychosocial risks"), None
    raise NotFound(N_("Not found."))


def version_data_of_filing(filing) -> dict:
    versions = [v for v in filing.versions if v.number == filing.current_version]
    return versions[0].data if versions else {}


def enterprises_for_adoption(*, session: Session, actor: User) -> list[Enterprise]:
    if not policy.allowed(actor, "knowledge.adopt"):
        return []
    return list(session.execute(select(Enterprise).where(access.enterprise_scope(session, actor))
                                .order_by(Enterprise.name_ru).limit(300)).scalars())


def enterprises_for_submission(*, session: Session, actor: User) -> list[Enterprise]:
    if not policy.allowed(actor, "knowledge.submit"):
        return []
    return list(session.execute(select(Enterprise).where(access.enterprise_scope(session, actor))
                                .order_by(Enterprise.name_ru).limit(300)).scalars())
