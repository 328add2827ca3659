"""JSON routes of the Safety Index under /api/v1/index.

The published index (ranking, explanations, approved methodology versions, published replies and their
evidence) answers without signing in; runs, proposals, publication and moderation need an account.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, File, Path, Query, UploadFile
from fastapi.responses import Response
from sqlalchemy.orm import Session

from qorgau.core import i18n
from qorgau.core.deps import get_db, load_user, require_user, writer
from qorgau.core.errors import NotFound
from qorgau.core.models import User
from qorgau.core.pagination import PageParams, page_params, paginate
from qorgau.core.types import IdPath
from qorgau.index import service
from qorgau.index.describe import describe
from qorgau.index.models import Evidence, MethodologyVersion, Reply, Run, Score
from qorgau.index.schemas import (
    EvidenceOut,
    ExplanationOut,
    MethodologyDetail,
    MethodologyIn,
    MethodologyOut,
    ModerateIn,
    PublicationOut,
    PublishIn,
    RankingOut,
    ReplyIn,
    ReplyOut,
    ReplyPage,
    ReviewIn,
    RunIn,
    RunOut,
)
from qorgau.registry.models import Enterprise

router = APIRouter()
PeriodPath = Annotated[int, Path(ge=2000, le=2100, description="The index year")]
BinPath = Annotated[str, Path(pattern=r"^\d{12}$", description="The enterprise's BIN")]


def score_out(score: Score, enterprise: Enterprise) -> dict:
    return {"enterprise_id": enterprise.id, "bin": enterprise.bin, "name": i18n.localized(enterprise, "name"),
            "sector_code": score.sector_code, "headcount": score.headcount, "status": score.status,
            "score": score.score, "rank": score.rank, "rank_median": score.rank_median, "rank_p05": score.rank_p05,
            "rank_p95": score.rank_p95, "score_p05": score.score_p05, "score_p95": score.score_p95,
            "coverage": score.coverage}


def ranking_out(run: Run, rows: list[tuple[Score, Enterprise]], published_on=None) -> dict:
    return {"period": run.period, "methodology_version": run.methodology_version, "seed": run.seed, "runs": run.runs,
            "published_on": published_on, "results_sha256": run.results_sha256,
            "items": [score_out(s, e) for s, e in rows]}


def explanation_out(explained: service.Explanation) -> dict:
    locale = i18n.get_locale()
    score = explained.score
    return {
        "period": explained.run.period, "methodology_version": explained.run.methodology_version,
        "score": score_out(score, score.enterprise), "pillars": dict(score.pillars or {}),
        "indicators": [{"id": row["indicator"].id, "label": row["indicator"].label.get(locale),
                        "pillar": row["indicator"].pillar, "weight_share": row["share"], "raw": row["raw"],
                        "normalised": row["normalised"], "contribution": row["contribution"],
                        "imputed": row["imputed"], "has_source": row["has_source"]} for row in explained.indicators],
        "trend": [{k: point[k] for k in ("period", "score", "rank", "rank_p05", "rank_p95", "status", "version")}
                  for point in explained.trend],
        "peers": [score_out(s, e) for s, e in explained.peers], "peers_scope": explained.peers_scope,
        "replies": explained.replies}


def evidence_response(item: Evidence):
    """The file as an HTTP response: photos inline, PDFs downloaded; sandboxed so nothing in it can run."""
    disposition = "inline" if item.media_type.startswith("image/") else "attachment"
    return Response(item.content, media_type=item.media_type,
                    headers={"Content-Disposition": f'{disposition}; filename="{item.filename}"',
                             "Content-Security-Policy": "default-src 'none'; img-src 'self'; sandbox",
                             "X-Content-Type-Options": "nosniff", "Cache-Control": "private, max-age=300"})


def _detail(row: MethodologyVersion) -> dict:
    data = MethodologyOut.model_validate(row).model_dump()
    return {**data, "yaml_text": row.yaml_text, "page": describe(service.parsed(row))}


# ---------------------------------------------------------------- methodology


@router.get("/methodology", response_model=MethodologyDetail)
def current_methodology(db: Session = Depends(get_db)):
    """The methodology version in force, with its page as data (public)."""
    row = service.current_methodology(session=db)
    if row is None:
        raise NotFound("No methodology has been approved yet.")
    return _detail(row)


@router.get("/methodologies", response_model=list[MethodologyOut])
def list_methodologies(db: Session = Depends(get_db), user: User | None = Depends(load_user)):
    """Approved versions (public); proposals and rejections too for those who may publish."""
    return service.methodologies(session=db, actor=user)


@router.get("/methodologies/{methodology_id}", response_model=MethodologyDetail)
def get_methodology(methodology_id: IdPath, db: Session = Depends(get_db), user: User | None = Depends(load_user)):
    return _detail(service.get_methodology(session=db, actor=user, methodology_id=methodology_id))


@router.post("/methodologies", response_model=MethodologyOut, status_code=201)
def propose_methodology(body: MethodologyIn, db: Session = Depends(get_db), user: User = Depends(writer)):
    """Propose a new methodology version (step one; someone else reviews it)."""
    row = service.propose_methodology(session=db, actor=user, yaml_text=body.yaml_text, note=body.note)
    db.commit()
    return row


@router.post("/methodologies/{methodology_id}/review", response_model=MethodologyOut)
def review_methodology(methodology_id: IdPath, body: ReviewIn, db: Session = Depends(get_db),
                       user: User = Depends(writer)):
    """Approve or reject a proposed version (step two, by someone other than its author)."""
    row = service.review_methodology(session=db, actor=user, methodology_id=methodology_id,
                                     approve=body.decision == "approve", note=body.note)
    db.commit()
    return row


# ---------------------------------------------------------------- published index (public)


@router.get("/periods", response_model=list[PublicationOut])
def list_periods(db: Session = Depends(get_db)):
    """Published periods, latest first, with their publication date."""
    return service.publications(session=db)


@router.get("/periods/{index_period}/scores", response_model=RankingOut)
def published_scores(index_period: PeriodPath, db: Session = Depends(get_db)):
    """The published ranking: scores, ranks and 5th-95th percentile rank intervals; insufficient data last."""
    item = service.require_publication(session=db, period=index_period)
    return ranking_out(item.run, service.ranking(session=db, item=item), item.published_on)


@router.get("/periods/{index_period}/enterprises/{published_bin}", response_model=ExplanationOut)
def published_explanation(index_period: PeriodPath, published_bin: BinPath, db: Session = Depends(get_db)):
    """One enterprise's published score explained: indicators, contributions, trend, peers, replies."""
    item, score = service.published_score(session=db, period=index_period, bin=published_bin)
    return explanation_out(service.explain(session=db, run=item.run, score=score))


# ---------------------------------------------------------------- runs


@router.post("/runs", response_model=RunOut, status_code=201)
def create_run(body: RunIn, db: Session = Depends(get_db), user: User = Depends(writer)):
    """Compute a period's index with the methodology in force (unpublished until published)."""
    run = service.run_period(session=db, actor=user, period=body.period, seed=body.seed, runs=body.runs)
    db.commit()
    return run


@router.get("/runs", response_model=list[RunOut])
def list_runs(db: Session = Depends(get_db), user: User = Depends(require_user)):
    return service.runs_list(session=db, actor=user)


@router.get("/runs/{index_run_id}", response_model=RunOut)
def get_run(index_run_id: IdPath, db: Session = Depends(get_db), user: User = Depends(require_user)):
    return service.get_run(session=db, actor=user, run_id=index_run_id)


@router.get("/runs/{index_run_id}/scores", response_model=RankingOut)
def run_scores(index_run_id: IdPath, db: Session = Depends(get_db), user: User = Depends(require_user)):
    """A run's rows inside your scope (ranks are national)."""
    run = service.get_run(session=db, actor=user, run_id=index_run_id)
    return ranking_out(run, service.run_scores(session=db, actor=user, run=run))


@router.get("/runs/{index_run_id}/enterprises/{enterprise_id}", response_model=ExplanationOut)
def run_explanation(index_run_id: IdPath, enterprise_id: IdPath, db: Session = Depends(get_db),
                    user: User = Depends(require_user)):
    run, score = service.draft_score(session=db, actor=user, run_id=index_run_id, enterprise_id=enterprise_id)
    current = service.publication(session=db, period=run.period)
    public = current is not None and current.run_id == run.id
    return explanation_out(service.explain(session=db, run=run, score=score, actor=user, public=public))


@router.post("/runs/{index_run_id}/publish", response_model=PublicationOut, status_code=201)
def publish_run(index_run_id: IdPath, body: PublishIn, db: Session = Depends(get_db), user: User = Depends(writer)):
    """Publish a run as its period's index, dated today; an earlier publication of the period is withdrawn."""
    item = service.publish(session=db, actor=user, run_id=index_run_id, statement=body.statement)
    db.commit()
    return item


# ---------------------------------------------------------------- replies


@router.get("/replies", response_model=ReplyPage)
def list_replies(status: str = Query("", pattern="^(|pending|published|rejected)$"),
                 params: PageParams = Depends(page_params), db: Session = Depends(get_db),
                 user: User = Depends(require_user)):
    """Replies of the enterprises in your scope."""
    paged = paginate(db, service.replies_query(session=db, actor=user, status=status), params)
    return {"items": paged.items, **paged.meta().model_dump()}


@router.post("/enterprises/{enterprise_id}/replies", response_model=ReplyOut, status_code=201)
def submit_reply(enterprise_id: IdPath, body: ReplyIn, db: Session = Depends(get_db), user: User = Depends(writer)):
    """Your enterprise's reply to its score for a period; shown beside the score once a union officer publishes it."""
    reply = service.submit_reply(session=db, actor=user, enterprise_id=enterprise_id, period=body.period,
                                 body=body.body)
    db.commit()
    return reply


@router.post("/replies/{index_reply_id}/evidence", response_model=EvidenceOut, status_code=201)
def add_evidence(index_reply_id: IdPath, file: UploadFile = File(...), db: Session = Depends(get_db),
                 user: User = Depends(writer)):
    """Attach a photo (its metadata is removed) or a PDF to a reply awaiting moderation (at most 3)."""
    item = service.add_evidence(session=db, actor=user, reply_id=index_reply_id, filename=file.filename or "",
                                data=file.file.read(service.evidence.MAX_BYTES + 1))
    db.commit()
    return item


@router.post("/replies/{index_reply_id}/moderate", response_model=ReplyOut)
def moderate_reply(index_reply_id: IdPath, body: ModerateIn, db: Session = Depends(get_db), user: User = Depends(writer)):
    """Publish a reply beside the score, or reject it with a reason the enterprise sees."""
    reply = service.moderate_reply(session=db, actor=user, reply_id=index_reply_id, publish=body.decision == "publish",
                                   note=body.note)
    db.commit()
    return reply


@router.get("/replies/{index_reply_id}", response_model=ReplyOut)
def get_reply(index_reply_id: IdPath, db: Session = Depends(get_db), user: User = Depends(require_user)) -> Reply:
    return service.get_reply(session=db, actor=user, reply_id=index_reply_id)


@router.get("/evidence/{index_evidence_id}", response_class=Response,
            responses={200: {"content": {"image/jpeg": {}, "application/pdf": {}}}})
def get_evidence(index_evidence_id: IdPath, db: Session = Depends(get_db), user: User | None = Depends(load_user)):
    """An evidence file: public once its reply is published, else only inside the enterprise's scope."""
    item = service.get_evidence(session=db, actor=user, evidence_id=index_evidence_id)
    return evidence_response(item)
