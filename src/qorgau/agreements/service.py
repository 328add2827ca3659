"""Collective agreements: the register, clauses by kind, amendments, the signed document, comments, the
model-clause library, coverage by region, sector and union, and the Safety Index's clause score.
Functions never commit."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import date
from functools import lru_cache
from pathlib import Path

import yaml
from sqlalchemy import Select, and_, case, func, or_, select
from sqlalchemy.orm import Session

from qorgau.agreements import partnership
from qorgau.agreements.models import (
    AGREEMENT_FLOW,
    CORE_KINDS,
    KIND_LABELS,
    Agreement,
    AgreementDocument,
    AgreementStatus,
    Amendment,
    Clause,
    ClauseKind,
    Remark,
)
from qorgau.agreements.schemas import AgreementIn, AmendmentIn, ClauseIn, CommentIn, ModelInsertIn, MoveIn
from qorgau.core import audit, policy
from qorgau.core.db import utcnow
from qorgau.core.errors import Conflict, NotFound, ValidationFailed
from qorgau.core.i18n_markers import N_
from qorgau.core.models import User
from qorgau.registry import access
from qorgau.registry.models import Enterprise, Region, Sector, UnionOrg

LIBRARY = Path(__file__).resolve().parent / "content" / "model_clauses.yaml"
MAX_DOCUMENT = 10 * 1024 * 1024
# The best-practice database's categories that hold practices for a clause kind (see the knowledge package).
KNOWLEDGE_CATEGORY = {
    ClauseKind.OCCUPATIONAL_SAFETY: "other",
    ClauseKind.BIOSAFETY: "biological",
    ClauseKind.PPE: "ppe",
    ClauseKind.RE_EQUIPMENT: "machinery_equipment",
    ClauseKind.SAFETY_REPRESENTATIVES: "labor_rights",
}
GROUPS = ("region", "sector", "union")

# General, sectoral and regional agreements (see partnership.py), published here with the rest of the package.
create_partnership = partnership.create
add_partnership_clause = partnership.add_clause
partnerships = partnership.listed
get_partnership = partnership.get
partnership_out = partnership.out


# ---- the model-clause library ------------------------------------------------------------------------


@dataclass(frozen=True)
class ModelClause:
    key: str
    kind: str
    sources: dict[str, str]
    texts: dict[str, str]

    def text(self, language: str) -> str:
        return self.texts.get(language) or self.texts["ru"]

    def source(self, language: str) -> str:
        return self.sources.get(language) or self.sources["ru"]


@lru_cache(maxsize=1)
def _library() -> tuple[str, tuple[ModelClause, ...]]:
    data = yaml.safe_load(LIBRARY.read_text(encoding="utf-8"))
    clauses = []
    for item in data["clauses"]:
        ClauseKind(item["kind"])  # a wrong kind in the file fails loudly
        clauses.append(ModelClause(key=item["key"], kind=item["kind"], sources=dict(item["source"]),
                                   texts={lang: " ".join(item[lang].split()) for lang in ("kk", "ru", "en")}))
    return " ".join(data["about"].split()), tuple(clauses)


def model_clauses(kind: str | None = None) -> list[ModelClause]:
    return [c for c in _library()[1] if kind is None or c.kind == kind]


def library_about() -> str:
    return _library()[0]


def model_clause(key: str) -> ModelClause:
    for clause in _library()[1]:
        if clause.key == key:
            return clause
    raise ValidationFailed(N_("There is no model clause with this key."), field="key")


def related_practices(*, session: Session, actor: User | None, kind: str, limit: int = 3) -> list:
    """Published practices of the best-practice database that fit a clause kind (none for kinds it has no
    category for)."""
    category = KNOWLEDGE_CATEGORY.get(kind)
    if category is None:
        return []
    from qorgau.knowledge import service as knowledge

    return knowledge.search(session=session, actor=actor, category=category, limit=limit).practices


# ---- reading -----------------------------------------------------------------------------------------


def in_force_on(on: date):
    """Agreements in force on a day: they took effect, started by then and had not ended."""
    return and_(Agreement.took_effect.is_(True), Agreement.valid_from.is_not(None), Agreement.valid_from <= on,
                or_(Agreement.valid_to.is_(None), Agreement.valid_to >= on),
                or_(Agreement.ended_on.is_(None), Agreement.ended_on >= on))


def list_query(*, session: Session, actor: User, status: str = "", q: str = "", kind: str = "",
               enterprise_id: int | None = None) -> Select:
    policy.require(actor, "agreements.read")
    query = (select(Agreement).join(Enterprise, Enterprise.id == Agreement.enterprise_id)
             .where(access.scoped(session, actor, Agreement.enterprise_id)))
    if status:
        query = query.where(Agreement.status == AGREEMENT_FLOW.parse(status))
    if kind:
        if kind not in KIND_LABELS:
            raise ValidationFailed(N_("Unknown clause kind."), field="kind")
        query = query.where(Agreement.id.in_(select(Clause.agreement_id).where(Clause.kind == kind,
                                                                              Clause.removed_in.is_(None))))
    if enterprise_id:
        query = query.where(Agreement.enterprise_id == enterprise_id)
    q = (q or "").strip()[:100]
    if q:
        like = f"%{q.lower()}%"
        query = query.where(or_(func.lower(Enterprise.name_ru).like(like), func.lower(Enterprise.name_kk).like(like),
                                func.lower(Enterprise.name_en).like(like), Enterprise.bin == q,
                                func.lower(Agreement.title).like(like), Agreement.number == q))
    return query.order_by(Agreement.id.desc())


def get(*, session: Session, actor: User | None, agreement_id: int) -> Agreement:
    agreement = session.get(Agreement, agreement_id)
    if agreement is None:
        raise NotFound(N_("Not found."))
    access.require_enterprise(session, actor, "agreements.read", agreement.enterprise_id)
    return agreement


def current_clauses(agreement: Agreement) -> list[Clause]:
    return [c for c in agreement.clauses if c.removed_in is None]


def kinds_present(agreement: Agreement) -> set[str]:
    return {c.kind for c in current_clauses(agreement)}


def core_score(kinds: set[str]) -> float:
    return round(100.0 * len(kinds & set(CORE_KINDS)) / len(CORE_KINDS), 1)


def _writable(session: Session, actor: User, agreement_id: int) -> Agreement:
    agreement = session.get(Agreement, agreement_id)
    if agreement is None:
        raise NotFound(N_("Not found."))
    access.require_enterprise(session, actor, "agreements.write", agreement.enterprise_id)
    if agreement.status in (AgreementStatus.EXPIRED, AgreementStatus.TERMINATED):
        raise Conflict(N_("An expired or terminated agreement cannot be changed."))
    return agreement


# ---- writing -----------------------------------------------------------------------------------------


def _check_dates(data: AgreementIn) -> None:
    if data.valid_from and data.valid_to and data.valid_to < data.valid_from:
        raise ValidationFailed(N_("The agreement cannot end before it starts."), field="valid_to")
    if data.signed_on and data.submitted_on and data.submitted_on < data.signed_on:
        raise ValidationFailed(N_("The agreement cannot be submitted before it is signed."), field="submitted_on")


def create(*, session: Session, actor: User, agreement_in: AgreementIn) -> Agreement:
    access.require_enterprise(session, actor, "agreements.write", agreement_in.enterprise_id)
    _check_dates(agreement_in)
    enterprise = session.get(Enterprise, agreement_in.enterprise_id)
    union_id = agreement_in.union_id or enterprise.primary_union_id
    if union_id is not None and session.get(UnionOrg, union_id) is None:
        raise ValidationFailed(N_("There is no union organisation with this id."), field="union_id")
    if union_id is None and not agreement_in.workers_party.strip():
        raise ValidationFailed(N_("Name the workers' side: a union body or the elected representatives."),
                               field="workers_party")
    agreement = Agreement(**agreement_in.model_dump(exclude={"union_id"}), union_id=union_id, created_by=actor.id,
                          status=AgreementStatus.DRAFT)
    session.add(agreement)
    session.flush()
    return agreement


def add_clause(*, session: Session, actor: User, agreement_id: int, clause_in: ClauseIn,
               model_key: str = "") -> Clause:
    agreement = _writable(session, actor, agreement_id)
    if clause_in.amount is not None and not clause_in.unit:
        raise ValidationFailed(N_("Say what the amount is measured in."), field="unit")
    position = max((c.position for c in agreement.clauses), default=0) + 1
    clause = Clause(agreement_id=agreement.id, position=position, model_key=model_key, added_in=agreement.version,
                    **clause_in.model_dump())
    session.add(clause)
    agreement.clauses.append(clause)
    session.flush()
    return clause


def insert_model_clause(*, session: Session, actor: User, agreement_id: int, insert_in: ModelInsertIn) -> Clause:
    """The model clause's text in the chosen language becomes a clause of the agreement, to be edited there."""
    model = model_clause(insert_in.key)
    return add_clause(session=session, actor=actor, agreement_id=agreement_id, model_key=model.key,
                      clause_in=ClauseIn(kind=model.kind, number=insert_in.number, language=insert_in.language,
                                         text=model.text(insert_in.language),
                                         legal_minimum=model.source(insert_in.language)[:300]))


def remove_clause(*, session: Session, actor: User, agreement_id: int, clause_id: int) -> None:
    """A draft's clause goes; a clause of an agreement in force stays in the history, marked removed."""
    agreement = _writable(session, actor, agreement_id)
    clause = next((c for c in agreement.clauses if c.id == clause_id and c.removed_in is None), None)
    if clause is None:
        raise NotFound(N_("Not found."))
    if agreement.status == AgreementStatus.DRAFT and clause.added_in == agreement.version:
        agreement.clauses.remove(clause)
        session.delete(clause)
    else:
        clause.removed_in = agreement.version
    session.flush()


def amend(*, session: Session, actor: User, agreement_id: int, amendment_in: AmendmentIn) -> Amendment:
    """A change agreed by both parties opens a new version; clauses added or removed afterwards carry it."""
    agreement = _writable(session, actor, agreement_id)
    if agreement.status != AgreementStatus.IN_FORCE:
        raise Conflict(N_("Only an agreement in force is amended; change a draft directly."))
    if agreement.signed_on and amendment_in.signed_on < agreement.signed_on:
        raise ValidationFailed(N_("An amendment cannot be signed before the agreement."), field="signed_on")
    if amendment_in.valid_to is not None:
        if agreement.valid_from and amendment_in.valid_to < agreement.valid_from:
            raise ValidationFailed(N_("The agreement cannot end before it starts."), field="valid_to")
        agreement.valid_to = amendment_in.valid_to
    agreement.version += 1
    amendment = Amendment(agreement_id=agreement.id, version=agreement.version, signed_on=amendment_in.signed_on,
                          summary=amendment_in.summary, created_by=actor.id)
    session.add(amendment)
    agreement.amendments.append(amendment)
    session.flush()
    return amendment


def move(*, session: Session, actor: User, agreement_id: int, move_in: MoveIn, today: date | None = None) -> Agreement:
    agreement = _writable(session, actor, agreement_id)
    today = today or utcnow().date()
    target = AgreementStatus(move_in.status)
    if target == AgreementStatus.IN_FORCE:
        if agreement.signed_on is None:
            raise ValidationFailed(N_("Enter the signing date before the agreement comes into force."),
                                   field="signed_on")
        if agreement.valid_from is None:
            raise ValidationFailed(N_("Enter the date the agreement takes effect."), field="valid_from")
        if not current_clauses(agreement):
            raise ValidationFailed(N_("An agreement in force has at least one clause."), field="status")
        agreement.took_effect = True
    elif target == AgreementStatus.EXPIRED:
        if agreement.valid_to is None or agreement.valid_to >= today:
            raise Conflict(N_("The agreement's term has not ended yet."))
    elif target == AgreementStatus.TERMINATED:
        if not move_in.reason.strip():
            raise ValidationFailed(N_("Give the reason for terminating the agreement."), field="reason")
        if agreement.status == AgreementStatus.IN_FORCE:
            ended = move_in.ended_on or today
            if agreement.valid_from and ended < agreement.valid_from:
                raise ValidationFailed(N_("The agreement cannot end before it starts."), field="ended_on")
            agreement.ended_on = ended
        agreement.end_reason = move_in.reason.strip()
    agreement.status = AGREEMENT_FLOW.move(agreement.status, target)
    session.flush()
    return agreement


def expire_due(*, session: Session, today: date | None = None) -> int:
    """Agreements in force whose term ended move to 'expired' (the daily job)."""
    today = today or utcnow().date()
    due = session.execute(select(Agreement).where(Agreement.status == AgreementStatus.IN_FORCE,
                                                  Agreement.valid_to.is_not(None), Agreement.valid_to < today)).scalars()
    count = 0
    for agreement in due:
        agreement.status = AGREEMENT_FLOW.move(agreement.status, AgreementStatus.EXPIRED)
        count += 1
    session.flush()
    return count


def add_document(*, session: Session, actor: User, agreement_id: int, filename: str, content: bytes) -> AgreementDocument:
    agreement = _writable(session, actor, agreement_id)
    if not content:
        raise ValidationFailed(N_("The file is empty."), field="file")
    if len(content) > MAX_DOCUMENT:
        raise ValidationFailed(N_("The file is larger than 10 MB."), field="file")
    if not content.startswith(b"%PDF"):
        raise ValidationFailed(N_("Upload the signed agreement as a PDF file."), field="file")
    name = Path(filename or "agreement.pdf").name[:150] or "agreement.pdf"
    document = AgreementDocument(agreement_id=agreement.id, version=agreement.version, filename=name,
                                 size=len(content), sha256=hashlib.sha256(content).hexdigest(), content=content,
                                 added_by=actor.id)
    session.add(document)
    agreement.documents.append(document)
    session.flush()
    audit.record(session, action="agreements.document", object_type="agreements_agreement", object_id=agreement.id,
                 after={"document_id": document.id, "filename": name, "sha256": document.sha256})
    return document


def get_document(*, session: Session, actor: User, document_id: int) -> AgreementDocument:
    document = session.get(AgreementDocument, document_id)
    if document is None:
        raise NotFound(N_("Not found."))
    get(session=session, actor=actor, agreement_id=document.agreement_id)
    return document


def add_comment(*, session: Session, actor: User, agreement_id: int, comment_in: CommentIn) -> Remark:
    """A remark or a proposed wording: union officers and the employer's safety managers of the enterprise."""
    agreement = get(session=session, actor=actor, agreement_id=agreement_id)
    if policy.allowed(actor, "agreements.write"):
        side = "union"
    else:
        policy.require(actor, "agreements.comment")
        side = "employer"
    if comment_in.clause_id is not None and comment_in.clause_id not in {c.id for c in agreement.clauses}:
        raise ValidationFailed(N_("This clause is not in this agreement."), field="clause_id")
    comment = Remark(agreement_id=agreement.id, clause_id=comment_in.clause_id, author_id=actor.id, side=side,
                      text=comment_in.text.strip())
    session.add(comment)
    agreement.comments.append(comment)
    session.flush()
    return comment


# ---- the Safety Index ----------------------------------------------------------------------------------


def clauses_for_enterprises(*, session: Session, on: date) -> dict[int, float]:
    """For each enterprise with a collective agreement in force on `on`: the share (0-100) of the five core
    clause kinds (occupational safety, bio-safety, PPE, AI/automation, technical re-equipment) its
    agreement holds. Enterprises without an agreement in force are absent (missing, never zero)."""
    rows = session.execute(
        select(Agreement.enterprise_id, Clause.kind)
        .outerjoin(Clause, and_(Clause.agreement_id == Agreement.id, Clause.removed_in.is_(None),
                                Clause.kind.in_([str(k) for k in CORE_KINDS])))
        .where(in_force_on(on)).distinct()).all()
    kinds: dict[int, set[str]] = {}
    for enterprise_id, kind in rows:
        kinds.setdefault(enterprise_id, set())
        if kind is not None:
            kinds[enterprise_id].add(kind)
    return {enterprise_id: core_score(found) for enterprise_id, found in kinds.items()}


# ---- coverage ------------------------------------------------------------------------------------------


@dataclass
class CoverageRow:
    key: str | None  # region KATO, OKED section, union id (as text); None: enterprises without a union
    enterprises: int
    workers: int  # headcount known (enterprises with headcount 0 are unknown, not counted)
    covered: int  # enterprises with an agreement in force
    covered_workers: int
    kinds: dict[str, tuple[int, int]]  # kind -> (enterprises, workers): own agreement or one that covers many
    partnership: tuple[int, int] = (0, 0)  # covered by a general/sectoral/regional agreement's safety clauses

    def partnership_share(self, *, workers: bool = False) -> float | None:
        total = self.workers if workers else self.enterprises
        return round(100.0 * self.partnership[1 if workers else 0] / total, 1) if total else None

    def share(self, kind: str | None = None, *, workers: bool = False) -> float | None:
        total = self.workers if workers else self.enterprises
        if not total:
            return None
        if kind is None:
            part = self.covered_workers if workers else self.covered
        else:
            part = self.kinds[kind][1 if workers else 0]
        return round(100.0 * part / total, 1)


def coverage(*, session: Session, actor: User, on: date, by: str = "region") -> list[CoverageRow]:
    """Per group: enterprises in scope, how many have an agreement in force, how many are covered by the safety
    clauses of a general, sectoral or regional agreement, and how many are covered for each clause kind (by their
    own agreement or by one covering many); the same by headcount. One grouped SQL query."""
    policy.require(actor, "agreements.stats")
    if by not in GROUPS:
        raise ValidationFailed(N_("Group by region, sector or union."), field="by")
    column = {"region": Enterprise.region_kato, "sector": Enterprise.sector_code,
              "union": Enterprise.primary_union_id}[by]
    known = case((Enterprise.headcount > 0, Enterprise.headcount), else_=0)
    covered_ids = select(Agreement.enterprise_id).where(in_force_on(on))

    def having(kind: str):
        """The enterprise's own agreement in force holds the kind, or an agreement covering many does."""
        own = (select(Agreement.enterprise_id).join(Clause, Clause.agreement_id == Agreement.id)
               .where(in_force_on(on), Clause.kind == kind, Clause.removed_in.is_(None)))
        return or_(Enterprise.id.in_(own), partnership.covers_enterprise(on, [kind]))

    by_partnership = partnership.covers_enterprise(on, CORE_KINDS)
    columns = [column.label("key"), func.count(Enterprise.id), func.coalesce(func.sum(known), 0),
               func.coalesce(func.sum(case((Enterprise.id.in_(covered_ids), 1), else_=0)), 0),
               func.coalesce(func.sum(case((Enterprise.id.in_(covered_ids), known), else_=0)), 0),
               func.coalesce(func.sum(case((by_partnership, 1), else_=0)), 0),
               func.coalesce(func.sum(case((by_partnership, known), else_=0)), 0)]
    kinds = list(KIND_LABELS)
    for kind in kinds:
        columns.append(func.coalesce(func.sum(case((having(kind), 1), else_=0)), 0))
        columns.append(func.coalesce(func.sum(case((having(kind), known), else_=0)), 0))
    query = (select(*columns).where(access.enterprise_scope(session, actor)).group_by(column).order_by(column))
    out = []
    for row in session.execute(query).all():
        values = [int(v) for v in row[1:]]
        out.append(CoverageRow(key=None if row[0] is None else str(row[0]), enterprises=values[0], workers=values[1],
                               covered=values[2], covered_workers=values[3], partnership=(values[4], values[5]),
                               kinds={k: (values[6 + 2 * i], values[7 + 2 * i]) for i, k in enumerate(kinds)}))
    return out


def coverage_total(rows: list[CoverageRow]) -> CoverageRow:
    return CoverageRow(key="", enterprises=sum(r.enterprises for r in rows), workers=sum(r.workers for r in rows),
                       covered=sum(r.covered for r in rows), covered_workers=sum(r.covered_workers for r in rows),
                       partnership=(sum(r.partnership[0] for r in rows), sum(r.partnership[1] for r in rows)),
                       kinds={k: (sum(r.kinds[k][0] for r in rows), sum(r.kinds[k][1] for r in rows))
                              for k in KIND_LABELS})


# ---- workers' page -------------------------------------------------------------------------------------


def workplace_agreement(*, session: Session, enterprise_id: int, on: date | None = None) -> Agreement | None:
    """The agreement in force at an enterprise, for its workers (no sign-in: workers have a right to know
    the agreement that covers them). Drafts, comments and the document file are not shown."""
    on = on or utcnow().date()
    return session.execute(select(Agreement).where(Agreement.enterprise_id == enterprise_id, in_force_on(on),
                                                   Agreement.status == AgreementStatus.IN_FORCE)
                           .order_by(Agreement.valid_from.desc(), Agreement.id.desc()).limit(1)).scalar()


# ---- out -----------------------------------------------------------------------------------------------


def agreement_out(agreement: Agreement) -> dict:
    return {
        "id": agreement.id, "enterprise_id": agreement.enterprise_id, "union_id": agreement.union_id,
        "workers_party": agreement.workers_party, "employer_party": agreement.employer_party,
        "title": agreement.title, "number": agreement.number, "language": agreement.language,
        "signed_on": _iso(agreement.signed_on), "valid_from": _iso(agreement.valid_from),
        "valid_to": _iso(agreement.valid_to), "submitted_on": _iso(agreement.submitted_on),
        "registration_ref": agreement.registration_ref, "status": agreement.status,
        "ended_on": _iso(agreement.ended_on), "end_reason": agreement.end_reason, "version": agreement.version,
        "synthetic": agreement.synthetic, "core_score": core_score(kinds_present(agreement)),
        "kinds": sorted(kinds_present(agreement)),
        "clauses": [clause_out(c) for c in agreement.clauses],
        "amendments": [{"version": a.version, "signed_on": a.signed_on.isoformat(), "summary": a.summary}
                       for a in agreement.amendments],
        "documents": [{"id": d.id, "version": d.version, "filename": d.filename, "size": d.size, "sha256": d.sha256}
                      for d in agreement.documents],
    }


def clause_out(clause: Clause) -> dict:
    return {"id": clause.id, "number": clause.number, "kind": clause.kind, "language": clause.language,
            "text": clause.text, "commitment": clause.commitment,
            "amount": None if clause.amount is None else str(clause.amount), "unit": clause.unit,
            "legal_minimum": clause.legal_minimum, "model_key": clause.model_key, "added_in": clause.added_in,
            "removed_in": clause.removed_in}


def _iso(value: date | None) -> str | None:
    return value.isoformat() if value else None


EXPORT_COLUMNS = ["id", "enterprise_bin", "enterprise", "region_kato", "sector", "status", "title", "number",
                  "signed_on", "valid_from", "valid_to", "submitted_on", "version", *[str(k) for k in KIND_LABELS],
                  "core_score", "synthetic"]


def export_rows(*, session: Session, actor: User, status: str = "", kind: str = "", q: str = ""):
    query = list_query(session=session, actor=actor, status=status, kind=kind, q=q)
    for agreement in session.execute(query).scalars():
        enterprise = session.get(Enterprise, agreement.enterprise_id)
        present = kinds_present(agreement)
        yield [agreement.id, enterprise.bin, enterprise.name_ru or enterprise.name_en, enterprise.region_kato,
               enterprise.sector_code, agreement.status, agreement.title, agreement.number,
               _iso(agreement.signed_on), _iso(agreement.valid_from), _iso(agreement.valid_to),
               _iso(agreement.submitted_on), agreement.version, *[int(k in present) for k in KIND_LABELS],
               core_score(present), int(agreement.synthetic)]


def enterprise_names(session: Session, ids: set[int]) -> dict[int, Enterprise]:
    if not ids:
        return {}
    return {e.id: e for e in session.execute(select(Enterprise).where(Enterprise.id.in_(ids))).scalars()}



# ---- what the pages show ------------------------------------------------------------------------------


def has_demo(session: Session) -> bool:
    """Whether synthetic demonstration agreements are loaded (the pages say so)."""
    return session.execute(select(Agreement.id).where(Agreement.synthetic.is_(True)).limit(1)).first() is not None


def agreements(*, session: Session, actor: User, status: str = "", kind: str = "", q: str = "",
               limit: int = 300) -> list[Agreement]:
    query = list_query(session=session, actor=actor, status=status, kind=kind, q=q)
    return list(session.execute(query.limit(limit)).scalars())


def ending_soon(*, session: Session, actor: User, today: date, days: int = 90, limit: int = 5) -> list[Agreement]:
    """Agreements in force in the actor's scope that end within `days` days."""
    query = (list_query(session=session, actor=actor, status=AgreementStatus.IN_FORCE)
             .where(Agreement.valid_to.is_not(None), Agreement.valid_to <= date.fromordinal(today.toordinal() + days)))
    return list(session.execute(query.limit(limit)).scalars())


def enterprise_choices(*, session: Session, actor: User) -> list[Enterprise]:
    """Enterprises in the actor's scope an agreement may be registered for (by name, the first 1000)."""
    return list(session.execute(select(Enterprise).where(access.enterprise_scope(session, actor))
                                .order_by(Enterprise.name_ru).limit(1000)).scalars())


def coverage_groups(session: Session, by: str) -> list:
    """The regions, sectors or union organisations coverage is counted by."""
    model = {"region": Region, "sector": Sector}.get(by, UnionOrg)
    return list(session.execute(select(model)).scalars())


def union_of(session: Session, agreement: Agreement | None) -> UnionOrg | None:
    return session.get(UnionOrg, agreement.union_id) if agreement is not None and agreement.union_id else None


def agreement_context(*, session: Session, agreement: Agreement) -> dict:
    """Beside an agreement: its enterprise, its union and the authors of its comments."""
    authors = {c.author_id for c in agreement.comments} - {None}
    users = {u.id: u for u in session.execute(select(User).where(User.id.in_(authors))).scalars()} if authors else {}
    return {"enterprise": session.get(Enterprise, agreement.enterprise_id),
            "union": union_of(session, agreement), "users": users}
