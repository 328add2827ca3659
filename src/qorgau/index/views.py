"""Safety Index pages: the public ranking with rank intervals, enterprise explanations, the methodology
in kk/ru/en, runs and publication, replies and their moderation."""

from __future__ import annotations

from fastapi import APIRouter, Depends, File, Form, Query, Request, UploadFile
from fastapi.responses import RedirectResponse, Response
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from qorgau.core import documents, i18n, policy
from qorgau.core.deps import get_db, load_user, require_user
from qorgau.core.errors import AppError, NotFound
from qorgau.core.i18n import gettext as _
from qorgau.core.i18n_markers import N_
from qorgau.core.models import User
from qorgau.core.pagination import Paged, PageParams, paginate
from qorgau.core.plugins import NavItem, Panel, PanelItem
from qorgau.core.templating import render
from qorgau.core.types import IdPath
from qorgau.index import card, charts, service
from qorgau.index.api import BinPath, PeriodPath, evidence_response
from qorgau.index.describe import HEADINGS, STEPS, describe
from qorgau.index.methodology import AGGREGATIONS, MISSING_METHODS, NORMALISATIONS, Methodology
from qorgau.index.models import MethodologyVersion, Reply, Run, Score
from qorgau.index.sources import STATUSES as SOURCE_STATUSES
from qorgau.index.uncertainty import CHOICES
from qorgau.registry import access
from qorgau.registry import service as registry
from qorgau.registry.models import Enterprise

router = APIRouter(prefix="/index")
NAV = [NavItem(N_("Safety Index"), "/index/", public=True),
       NavItem(N_("Index methodology"), "/index/methodology", public=True),
       NavItem(N_("Index runs"), "/index/runs", "index.read"),
       NavItem(N_("Replies to the index"), "/index/replies", "index.read")]
REPLY_STATUSES = {"pending": N_("awaiting moderation"), "published": N_("published"), "rejected": N_("not published")}
METHODOLOGY_STATUSES = {"proposed": N_("proposed, awaiting review"), "approved": N_("approved"),
                        "rejected": N_("rejected")}
PEERS_SCOPES = {"sector_size": N_("Same sector and size"), "sector": N_("Same sector (too few of the same size)")}
PER_PAGE = 50


def home_panels(request: Request, db: Session, user: User) -> list[Panel]:
    if not policy.allowed(user, "index.read"):
        return []
    latest = service.publication(session=db)
    items: list[PanelItem] = []
    if user.scope_kind == "enterprise" and user.scope_enterprise_id and latest is not None:
        score = db.execute(select(Score).where(Score.run_id == latest.run_id,
                                                       Score.enterprise_id == user.scope_enterprise_id)).scalar()
        enterprise = db.get(Enterprise, user.scope_enterprise_id)
        if score is not None and enterprise is not None:
            label = (_("Score %(score)s, rank %(rank)s (%(low)s–%(high)s)", score=i18n.format_number(score.score, 1),
                       rank=i18n.format_number(score.rank), low=i18n.format_number(score.rank_p05),
                       high=i18n.format_number(score.rank_p95))
                     if score.status == "ranked" else _("Insufficient data: not ranked"))
            items.append(PanelItem(i18n.localized(enterprise, "name"),
                                   f"/index/periods/{latest.period}/enterprises/{enterprise.bin}", label))
    if policy.allowed(user, "index.moderate"):
        pending = service.pending_count(session=db, actor=user)
        if pending:
            items.append(PanelItem(_("Replies awaiting moderation: %(n)s", n=pending), "/index/replies?status=pending",
                                   tone="warn"))
    if policy.allowed(user, "index.publish"):
        proposals = db.execute(select(func.count()).select_from(MethodologyVersion)
                               .where(MethodologyVersion.status == "proposed")).scalar_one()
        if proposals:
            items.append(PanelItem(_("Methodology proposals awaiting review: %(n)s", n=proposals),
                                   "/index/methodology", tone="warn"))
    return [Panel(title=_("Safety Index"), order=60, figure=str(latest.period) if latest else "",
                  items=items, empty=_("No period has been published yet."),
                  link="/index/" if latest else "/index/runs",
                  link_label=_("Open the published index") if latest else _("Index runs"))]


def _sectors(db: Session) -> dict[str, str]:
    return {s.code: i18n.localized(s, "name") for s in registry.sectors(session=db)}


def _bands() -> list[tuple[int, str]]:
    return [(n, _(label)) for n, (_low, _high, label) in enumerate(service.SIZE_BANDS)]


# ---------------------------------------------------------------- the published ranking (public)


@router.get("/")
def latest(request: Request, db: Session = Depends(get_db), user: User | None = Depends(load_user)):
    item = service.publication(session=db)
    if item is None:
        return render(request, "index/unpublished.html", {"methodology": service.current_methodology(session=db)})
    return RedirectResponse(f"/index/periods/{item.period}", status_code=303)


def _ranking_context(db: Session, run: Run, found: service.RankingPage, *, sector: str, size: str, page: int,
                     insufficient_page: int, base: str, public: bool) -> dict:
    """The ranking as the database pages it: the chart shows the enterprises of the page (at most PER_PAGE
    marks, never one per enterprise of the run)."""
    paged = Paged(found.ranked, found.ranked_total, PageParams(page, PER_PAGE))
    query = "&".join(f"{k}={v}" for k, v in (("sector", sector), ("size", size)) if v)
    shown_ids = [e.id for _s, e in found.ranked + found.insufficient]
    others = Paged(found.insufficient, found.insufficient_total, PageParams(insufficient_page, PER_PAGE))
    return {"run": run, "paged": paged, "insufficient": found.insufficient, "insufficient_paged": others,
            "chart": charts.rank_intervals(found.ranked), "sectors": _sectors(db),
            "bands": _bands(), "sector": sector, "size": size, "base_url": base + ("?" + query if query else ""),
            "query": query, "page": page, "sources": _sources(run), "n_indicators": len(run.indicator_coverage or {}),
            "replied": _replied(db, run.period, shown_ids), "public": public,
            "run_min_coverage": service.parsed(run.methodology).min_coverage}


def _replied(db: Session, period: int, ids: list[int]) -> set[int]:
    if not ids:
        return set()
    return set(db.execute(select(Reply.enterprise_id).where(Reply.period == period, Reply.status == "published",
                                                            Reply.enterprise_id.in_(ids))).scalars())


def _sources(run: Run) -> list[dict]:
    method, locale = service.parsed(run.methodology), i18n.get_locale()
    labels = {i.id: i.label.get(locale) for i in method.indicators}
    out = []
    for name, info in (run.sources or {}).items():
        if name == "_unsourced":
            continue
        used = [labels[i] for i in info.get("indicators", []) if i in labels]
        out.append({"name": name, "label": service.SOURCE_LABELS.get(name, name), "status": info.get("status"),
                    "status_label": SOURCE_STATUSES.get(info.get("status"), info.get("status")),
                    "indicators": used, "detail": info.get("detail", "")})
    return out


@router.get("/periods/{index_period}")
def period_ranking(request: Request, index_period: PeriodPath, sector: str = Query("", max_length=1),
                   size: str = Query("", max_length=1), page: int = Query(1, ge=1, le=100000),
                   other: int = Query(1, ge=1, le=100000),
                   db: Session = Depends(get_db), user: User | None = Depends(load_user)):
    item = service.require_publication(session=db, period=index_period)
    found = service.ranking_page(session=db, run=item.run, actor=None, public=True, sector=sector, size=size,
                                 page=page, per_page=PER_PAGE, insufficient_page=other)
    context = _ranking_context(db, item.run, found, sector=sector, size=size, page=page, insufficient_page=other,
                               base=f"/index/periods/{index_period}", public=True)
    return render(request, "index/ranking.html", {**context, "publication": item,
                                                  "periods": service.publications(session=db)})


@router.get("/periods/{index_period}/enterprises/{published_bin}")
def published_enterprise(request: Request, index_period: PeriodPath, published_bin: BinPath, db: Session = Depends(get_db),
                         user: User | None = Depends(load_user)):
    item, score = service.published_score(session=db, period=index_period, bin=published_bin)
    return _enterprise_page(request, db, user, item.run, score, publication=item)


def _enterprise_page(request: Request, db: Session, user: User | None, run: Run, score, *, publication=None):
    explained = service.explain(session=db, run=run, score=score, actor=user, public=publication is not None)
    enterprise = score.enterprise
    can_reply = (policy.allowed(user, "index.reply")
                 and access.can_reach_enterprise(db, user, enterprise.id))
    locale = i18n.get_locale()
    return render(request, "index/enterprise.html", {
        "x": explained, "e": enterprise, "s": score, "run": run, "publication": publication, "locale": locale,
        "sector_name": _sectors(db).get(score.sector_code, score.sector_code),
        "band": _(service.SIZE_BANDS[service.size_band(score.headcount)][2]),
        "peers_scope": _(PEERS_SCOPES[explained.peers_scope]),
        "own_replies": service.own_replies(session=db, actor=user, enterprise_id=enterprise.id, period=run.period),
        "can_reply": can_reply, "reply_statuses": REPLY_STATUSES, "missing_labels": MISSING_METHODS,
        "pillar_labels": {p.id: p.label.get(locale) for p in explained.methodology.pillars},
        "trend_chart": charts.trend(explained.trend), "contribution_chart": charts.contributions(explained, locale),
        "public_link": f"/index/periods/{run.period}/enterprises/{enterprise.bin}",
        "can_card": policy.allowed(user, "index.read") and access.can_reach_enterprise(db, user, enterprise.id)})


@router.post("/runs/{index_run_id}/enterprises/{enterprise_id}/card.pdf")
def enterprise_card(request: Request, index_run_id: IdPath, enterprise_id: IdPath,
                    language: str = Form("ru", max_length=2), user: User = Depends(require_user),
                    db: Session = Depends(get_db)):
    """Issue the enterprise's Safety Index card (kept, with a verification code) and hand its PDF over."""
    document = card.issue_card(db, actor=user, run_id=index_run_id, enterprise_id=enterprise_id, language=language,
                               public_url=documents.public_base(request))
    db.commit()
    return documents.pdf_response(document, f"safety-index-{enterprise_id}-{documents.format_code(document.code)}.pdf")


# ---------------------------------------------------------------- methodology (public)


def _page_data(method: Methodology, sensitivity: dict | None) -> dict:
    """describe() with its messages resolved in the current locale."""
    page = describe(method, sensitivity=sensitivity)
    for row in page["indicators"]:
        for key in ("outliers", "missing"):
            detail = row[key]["detail"]
            message, params = detail["msgid"], detail["params"]
            params = {k: _(v) if k in ("transform", "group") else v for k, v in params.items()}
            row[key]["text"] = _(message, **params)
    return page


def _latest_sensitivity(db: Session, row: MethodologyVersion) -> tuple[dict | None, Run | None]:
    """Sensitivity from the latest published run of this version (else its latest run)."""
    published = [p.run for p in service.publications(session=db) if p.run.methodology_id == row.id]
    run = published[0] if published else db.execute(select(Run).where(Run.methodology_id == row.id)
                                                     .order_by(Run.computed_at.desc()).limit(1)).scalar()
    return ((run.sensitivity or None) if run else None), run


def _methodology_page(request: Request, db: Session, user: User | None, row: MethodologyVersion | None,
                      status_code: int = 200, **extra):
    method = service.parsed(row) if row else service.shipped_methodology()
    sensitivity, run = _latest_sensitivity(db, row) if row else (None, None)
    return render(request, "index/methodology.html", {
        "row": row, "page": _page_data(method, sensitivity), "sensitivity_run": run, "locale": i18n.get_locale(),
        "versions": service.methodologies(session=db, actor=user), "statuses": METHODOLOGY_STATUSES,
        "headings": HEADINGS, "steps": STEPS, "choices": CHOICES, "source_labels": service.SOURCE_LABELS,
        "alternative_labels": {"normalisation": NORMALISATIONS, "aggregation": AGGREGATIONS,
                               "imputation": MISSING_METHODS},
        "current": service.current_methodology(session=db), **extra}, status_code=status_code)


@router.get("/methodology")
def methodology(request: Request, db: Session = Depends(get_db), user: User | None = Depends(load_user)):
    return _methodology_page(request, db, user, service.current_methodology(session=db))


@router.get("/methodologies/new")
def new_methodology(request: Request, db: Session = Depends(get_db), user: User = Depends(require_user)):
    policy.require(user, "index.publish")
    current = service.current_methodology(session=db)
    text = current.yaml_text if current else service.SHIPPED.read_text(encoding="utf-8")
    return render(request, "index/methodology_form.html", {"yaml_text": text, "note": ""})


@router.post("/methodologies/new")
def propose(request: Request, yaml_text: str = Form(..., max_length=200_000), note: str = Form("", max_length=2000),
            db: Session = Depends(get_db), user: User = Depends(require_user)):
    try:
        row = service.propose_methodology(session=db, actor=user, yaml_text=yaml_text, note=note)
        db.commit()
    except AppError as error:
        if error.status == 403:
            raise  # before the rollback: the error page still shows who is signed in
        db.rollback()
        return render(request, "index/methodology_form.html",
                      {"yaml_text": yaml_text, "note": note, "error": _(error.message, **error.params),
                       "error_field": error.field}, status_code=error.status)
    return RedirectResponse(f"/index/methodologies/{row.id}", status_code=303)


@router.get("/methodologies/{methodology_id}")
def methodology_version(request: Request, methodology_id: IdPath, db: Session = Depends(get_db),
                        user: User | None = Depends(load_user)):
    return _methodology_page(request, db, user,
                             service.get_methodology(session=db, actor=user, methodology_id=methodology_id))


@router.get("/methodologies/{methodology_id}/yaml")
def methodology_yaml(methodology_id: IdPath, db: Session = Depends(get_db), user: User | None = Depends(load_user)):
    row = service.get_methodology(session=db, actor=user, methodology_id=methodology_id)
    name = "".join(c if c.isalnum() or c in ".-" else "_" for c in row.version)
    return Response(row.yaml_text, media_type="text/yaml; charset=utf-8",
                    headers={"Content-Disposition": f'attachment; filename="safety-index-{name}.yaml"'})


@router.post("/methodologies/{methodology_id}/review")
def review(request: Request, methodology_id: IdPath, decision: str = Form(..., pattern="^(approve|reject)$"),
           note: str = Form("", max_length=2000), db: Session = Depends(get_db), user: User = Depends(require_user)):
    try:
        service.review_methodology(session=db, actor=user, methodology_id=methodology_id,
                                   approve=decision == "approve", note=note)
        db.commit()
    except AppError as error:
        if error.status in (403, 404):
            raise  # before the rollback: the error page still shows who is signed in
        db.rollback()
        row = service.get_methodology(session=db, actor=user, methodology_id=methodology_id)
        return _methodology_page(request, db, user, row, status_code=error.status,
                                 error=_(error.message, **error.params))
    return RedirectResponse(f"/index/methodologies/{methodology_id}", status_code=303)


# ---------------------------------------------------------------- runs (signed in)


@router.get("/runs")
def runs(request: Request, db: Session = Depends(get_db), user: User = Depends(require_user)):
    items = service.runs_list(session=db, actor=user)
    published = {p.run_id: p for p in service.publications(session=db)}
    return render(request, "index/runs.html", {"runs": items, "published": published,
                                               "current": service.current_methodology(session=db),
                                               "default_period": service.today().year - 1})


@router.post("/runs")
def create_run(request: Request, period: int = Form(..., ge=2000, le=2100), seed: str = Form("", max_length=10),
               db: Session = Depends(get_db), user: User = Depends(require_user)):
    run = service.run_period(session=db, actor=user, period=period, seed=int(seed) if seed.isdigit() else None)
    db.commit()
    return RedirectResponse(f"/index/runs/{run.id}", status_code=303)


@router.get("/runs/{index_run_id}")
def run_detail(request: Request, index_run_id: IdPath, sector: str = Query("", max_length=1),
               size: str = Query("", max_length=1), page: int = Query(1, ge=1, le=100000),
               other: int = Query(1, ge=1, le=100000),
               db: Session = Depends(get_db), user: User = Depends(require_user)):
    run = service.get_run(session=db, actor=user, run_id=index_run_id)
    found = service.ranking_page(session=db, run=run, actor=user, sector=sector, size=size, page=page,
                                 per_page=PER_PAGE, insufficient_page=other)
    context = _ranking_context(db, run, found, sector=sector, size=size, page=page, insufficient_page=other,
                               base=f"/index/runs/{run.id}", public=False)
    current = service.publication(session=db, period=run.period)
    return render(request, "index/run.html", {**context, "current_publication": current,
                                              "scoped_view": found.in_scope < run.enterprises,
                                              "is_published": current is not None and current.run_id == run.id})


@router.post("/runs/{index_run_id}/publish")
def publish(request: Request, index_run_id: IdPath, statement: str = Form("", max_length=2000),
            db: Session = Depends(get_db), user: User = Depends(require_user)):
    item = service.publish(session=db, actor=user, run_id=index_run_id, statement=statement)
    db.commit()
    return RedirectResponse(f"/index/periods/{item.period}", status_code=303)


@router.get("/runs/{index_run_id}/enterprises/{enterprise_id}")
def draft_enterprise(request: Request, index_run_id: IdPath, enterprise_id: IdPath, db: Session = Depends(get_db),
                     user: User = Depends(require_user)):
    run, score = service.draft_score(session=db, actor=user, run_id=index_run_id, enterprise_id=enterprise_id)
    current = service.publication(session=db, period=run.period)
    return _enterprise_page(request, db, user, run, score,
                            publication=current if current is not None and current.run_id == run.id else None)


# ---------------------------------------------------------------- replies


@router.post("/enterprises/{enterprise_id}/replies")
def submit_reply(request: Request, enterprise_id: IdPath, period: int = Form(..., ge=2000, le=2100),
                 body: str = Form(..., max_length=5000), evidence: list[UploadFile] | None = File(None),
                 back: str = Form("", max_length=300), db: Session = Depends(get_db),
                 user: User = Depends(require_user)):
    files = [(f.filename or "", f.file.read(service.evidence.MAX_BYTES + 1)) for f in (evidence or []) if f.filename]
    service.submit_reply(session=db, actor=user, enterprise_id=enterprise_id, period=period, body=body, files=files)
    db.commit()
    target = back if back.startswith("/index/") and not back.startswith("//") else "/index/replies"
    return RedirectResponse(target + "#replies", status_code=303)


@router.get("/replies")
def replies(request: Request, status: str = Query("", pattern="^(|pending|published|rejected)$"),
            page: int = Query(1, ge=1, le=100000), db: Session = Depends(get_db), user: User = Depends(require_user)):
    paged = paginate(db, service.replies_query(session=db, actor=user, status=status), PageParams(page, 25))
    return render(request, "index/replies.html", {
        "paged": paged, "status": status, "statuses": REPLY_STATUSES,
        "can_moderate": policy.allowed(user, "index.moderate"),
        "links": {r.id: _reply_link(db, r) for r in paged.items}})


def _reply_link(db: Session, reply: Reply) -> str:
    item = service.publication(session=db, period=reply.period)
    if item is not None:
        return f"/index/periods/{reply.period}/enterprises/{reply.enterprise.bin}"
    run = db.execute(select(Run.id).where(Run.period == reply.period).order_by(Run.computed_at.desc()).limit(1)).scalar()
    return f"/index/runs/{run}/enterprises/{reply.enterprise_id}" if run else ""


@router.post("/replies/{index_reply_id}/moderate")
def moderate(request: Request, index_reply_id: IdPath, decision: str = Form(..., pattern="^(publish|reject)$"),
             note: str = Form("", max_length=2000), db: Session = Depends(get_db), user: User = Depends(require_user)):
    service.moderate_reply(session=db, actor=user, reply_id=index_reply_id, publish=decision == "publish", note=note)
    db.commit()
    return RedirectResponse("/index/replies?status=pending", status_code=303)


@router.get("/evidence/{index_evidence_id}")
def evidence_file(index_evidence_id: IdPath, db: Session = Depends(get_db), user: User | None = Depends(load_user)):
    try:
        item = service.get_evidence(session=db, actor=user, evidence_id=index_evidence_id)
    except AppError as error:
        if error.status == 403:
            raise NotFound("Not found.")
        raise
    return evidence_response(item)
