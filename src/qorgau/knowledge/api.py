"""JSON routes of the best-practice database under /api/v1/knowledge; search and reading are open to everyone."""

from __future__ import annotations

from fastapi import APIRouter, Depends, Query
from sqlalchemy.orm import Session

from qorgau.core.deps import get_db, load_user, require_user, writer
from qorgau.core.models import User
from qorgau.core.types import IdPath
from qorgau.knowledge import service
from qorgau.knowledge.models import Practice
from qorgau.knowledge.schemas import (
    AdoptionIn,
    AdoptionOut,
    DecisionIn,
    Mode,
    PracticeDetailOut,
    PracticeIn,
    PracticeOut,
    SearchOut,
    WithdrawIn,
)

router = APIRouter()


def _out(practice: Practice, counts: dict[str, int]) -> dict:
    return {**{k: getattr(practice, k) for k in PracticeOut.model_fields if hasattr(practice, k)},
            "title": practice.title or {}, "languages": sorted((practice.title or {}).keys()), "adoptions": counts}


def _detail(db: Session, user: User | None, practice: Practice) -> dict:
    shown = service.shown_version(db, user, practice)
    return {**_out(practice, service.adoption_counts(db, [practice.id])[practice.id]),
            "texts": shown.data.get("texts") or {}, "figures": shown.data.get("figures") or [],
            "versions": [{"number": v.number, "created_at": v.created_at, "change_note": v.change_note}
                         for v in practice.versions],
            "reviews": [{"version": r.version, "step": r.step, "decision": r.decision, "note": r.note, "at": r.at}
                        for r in practice.reviews]}


@router.get("/practices", response_model=SearchOut)
def search(q: str = Query("", max_length=500), mode: Mode = Query("combined"),
           category: str = Query("", max_length=32), sector: str = Query("", max_length=1),
           size: str = Query("", max_length=8), source: str = Query("", max_length=16),
           lang: list[str] = Query([], max_length=3, description="Search only these language versions"),
           limit: int = Query(20, ge=1, le=100), db: Session = Depends(get_db),
           user: User | None = Depends(load_user)):
    """Published practices, ranked by the query across kk/ru/en (full-text, semantic or both combined)."""
    found = service.search(session=db, actor=user, query=q, mode=mode, category=category or None,
                           sector=sector or None, size=size or None, source=source or None,
                           langs=lang or None, limit=limit)
    counts = service.adoption_counts(db, [p.id for p in found.practices])
    return {"query": q, "mode": found.mode, "results": [_out(p, counts[p.id]) for p in found.practices]}


@router.get("/practices/{practice_id}", response_model=PracticeDetailOut)
def read(practice_id: IdPath, db: Session = Depends(get_db), user: User | None = Depends(load_user)):
    return _detail(db, user, service.get(session=db, actor=user, practice_id=practice_id))


@router.post("/practices", response_model=PracticeDetailOut, status_code=201)
def create(body: PracticeIn, db: Session = Depends(get_db), user: User = Depends(writer)):
    practice = service.create(session=db, actor=user, practice_in=body)
    db.commit()
    return _detail(db, user, practice)


@router.put("/practices/{practice_id}", response_model=PracticeDetailOut)
def revise(practice_id: IdPath, body: PracticeIn, db: Session = Depends(get_db), user: User = Depends(writer)):
    practice = service.revise(session=db, actor=user, practice_id=practice_id, practice_in=body)
    db.commit()
    return _detail(db, user, practice)


@router.post("/practices/{practice_id}/submit", response_model=PracticeDetailOut)
def submit(practice_id: IdPath, db: Session = Depends(get_db), user: User = Depends(writer)):
    practice = service.submit(session=db, actor=user, practice_id=practice_id)
    db.commit()
    return _detail(db, user, practice)


@router.post("/practices/{practice_id}/review", response_model=PracticeDetailOut)
def review(practice_id: IdPath, body: DecisionIn, db: Session = Depends(get_db), user: User = Depends(writer)):
    """The first step of the federation's review."""
    practice = service.review(session=db, actor=user, practice_id=practice_id, decision=body.decision, note=body.note)
    db.commit()
    return _detail(db, user, practice)


@router.post("/practices/{practice_id}/publish", response_model=PracticeDetailOut)
def publish(practice_id: IdPath, body: DecisionIn, db: Session = Depends(get_db), user: User = Depends(writer)):
    """The second step: publication by the federation (national scope, a second person)."""
    practice = service.publish(session=db, actor=user, practice_id=practice_id, decision=body.decision,
                               note=body.note)
    db.commit()
    return _detail(db, user, practice)


@router.post("/practices/{practice_id}/withdraw", response_model=PracticeDetailOut)
def withdraw(practice_id: IdPath, body: WithdrawIn, db: Session = Depends(get_db), user: User = Depends(writer)):
    practice = service.withdraw(session=db, actor=user, practice_id=practice_id, note=body.note)
    db.commit()
    return _detail(db, user, practice)


@router.post("/practices/{practice_id}/adoptions", response_model=AdoptionOut, status_code=201)
def adopt(practice_id: IdPath, body: AdoptionIn, db: Session = Depends(get_db), user: User = Depends(writer)):
    """"We adopted it": an enterprise in your scope records the practice and its result."""
    adoption = service.adopt(session=db, actor=user, practice_id=practice_id, adoption_in=body)
    db.commit()
    return {k: getattr(adoption, k) for k in AdoptionOut.model_fields}


@router.get("/practices/{practice_id}/adoptions", response_model=list[AdoptionOut])
def adoptions(practice_id: IdPath, db: Session = Depends(get_db), user: User = Depends(require_user)):
    """The adoptions whose enterprise is in your scope."""
    practice = service.get(session=db, actor=user, practice_id=practice_id)
    return [{k: getattr(a, k) for k in AdoptionOut.model_fields}
            for a in service.adoptions_seen(session=db, actor=user, practice=practice)]


@router.get("/similar/{kind}/{object_id}", response_model=list[PracticeOut])
def similar(kind: str, object_id: IdPath, db: Session = Depends(get_db), user: User = Depends(require_user)):
    """How others fixed this: the closest practices to a violation, report, alarm, accident or AI filing."""
    text, category = service.case_of(session=db, actor=user, kind=kind, object_id=object_id)
    practices = service.similar(session=db, actor=user, text=text, category=category, limit=5)
    counts = service.adoption_counts(db, [p.id for p in practices])
    return [_out(p, counts[p.id]) for p in practices]
