"""Safety Index logic over the database: methodology versions, runs, publication, explanation, replies.

Everything asks core.policy. A published period is public by design (a ranking that names
enterprises, open to anyone); unpublished runs are read with `index.read` and only inside the reader's
enterprise scope; computing and publishing need `index.publish`; replies `index.reply` (the
enterprise's own) and `index.moderate` (a union officer whose scope reaches the enterprise).
"""

from __future__ import annotations

import hashlib
import json
import math
from dataclasses import dataclass
from datetime import date, datetime
from functools import lru_cache
from pathlib import Path
from zoneinfo import ZoneInfo

import numpy as np
import pandas as pd
from sqlalchemy import Select, and_, func, select, true
from sqlalchemy.orm import Session

from qorgau.core import audit, policy
from qorgau.core.db import utcnow
from qorgau.core.errors import Conflict, Forbidden, NotFound, ValidationFailed
from qorgau.core.i18n_markers import N_
from qorgau.core.models import User
from qorgau.core.notify import notify
from qorgau.index import card_documents, engine, evidence, sources, uncertainty
from qorgau.index.methodology import SOURCES, Methodology, MethodologyError, parse_methodology
from qorgau.index.models import Evidence, MethodologyVersion, Publication, Reply, Run, Score
from qorgau.index.states import (
    METHODOLOGY_MOVES,
    REPLY_MOVES,
    MethodologyStatus,
    ReplyStatus,
    ScoreStatus,
    SourceStatus,
)
from qorgau.registry import access
from qorgau.registry.models import Enterprise

SHIPPED = Path(__file__).resolve().parent / "methodology" / "v1.yaml"
# The notes the shipped version is registered with (the methodology page shows them in the reader's language).
SHIPPED_NOTE = N_("The methodology shipped with the platform (methodology/v1.yaml).")
SHIPPED_REVIEW_NOTE = N_("Platform default.")
FIRST_PERIOD, LAST_PERIOD = 2000, 2100
MAX_RUNS = 20_000
ALMATY = ZoneInfo("Asia/Almaty")
# Size bands for peers (workers): micro and small, medium, large, very large.
SIZE_BANDS = ((1, 49, N_("fewer than 50 workers")), (50, 249, N_("50 to 249 workers")),
              (250, 999, N_("250 to 999 workers")), (1000, None, N_("1,000 workers or more")))
MIN_PEERS = 3
SOURCE_LABELS = SOURCES


def today() -> date:
    """Today in Kazakhstan (Asia/Almaty), the date of a publication."""
    return datetime.now(ALMATY).date()


def size_band(headcount: int) -> int:
    """Index into SIZE_BANDS (0 for an unknown headcount)."""
    for n, (low, high, _label) in enumerate(SIZE_BANDS):
        if headcount >= low and (high is None or headcount <= high):
            return n
    return 0


# ---------------------------------------------------------------- methodology versions


@lru_cache(maxsize=16)
def _parse(text: str) -> Methodology:
    return parse_methodology(text)


def shipped_methodology() -> Methodology:
    """methodology/v1.yaml as shipped with the platform."""
    return _parse(SHIPPED.read_text(encoding="utf-8"))


def parsed(row: MethodologyVersion) -> Methodology:
    """The stored YAML as a Methodology (cached by text)."""
    return _parse(row.yaml_text)


def _sha256(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def current_methodology(*, session: Session) -> MethodologyVersion | None:
    """The approved version in force: the most recently approved one."""
    query = (select(MethodologyVersion).where(MethodologyVersion.status == MethodologyStatus.APPROVED)
             .order_by(MethodologyVersion.reviewed_at.desc(), MethodologyVersion.id.desc()).limit(1))
    return session.execute(query).scalar()


def ensure_methodology(*, session: Session) -> MethodologyVersion:
    """The version in force; on a new platform the shipped methodology/v1.yaml is registered as approved (its notes
    are message ids, shown in the reader's language)."""
    current = current_methodology(session=session)
    if current is not None:
        return current
    text = SHIPPED.read_text(encoding="utf-8")
    version = _parse(text).version
    if session.execute(select(MethodologyVersion.id).where(MethodologyVersion.version == version)).first():
        raise Conflict(N_("No methodology is approved, and the shipped version's name is taken by a proposal. "
                          "Review the proposals first."))
    row = MethodologyVersion(version=version, yaml_text=text, sha256=_sha256(text), status=MethodologyStatus.APPROVED,
                             note=SHIPPED_NOTE, reviewed_at=utcnow(), review_note=SHIPPED_REVIEW_NOTE)
    session.add(row)
    session.flush()
    audit.record(session, action="approve", object_type="index_methodology", object_id=row.id,
                 after={"version": version, "sha256": row.sha256}, reason="shipped default")
    return row


def methodologies(*, session: Session, actor: User | None) -> list[MethodologyVersion]:
    """Approved versions for everyone; proposals and rejections too for those who may publish."""
    query = select(MethodologyVersion).order_by(MethodologyVersion.proposed_at.desc(), MethodologyVersion.id.desc())
    if not policy.allowed(actor, "index.publish"):
        query = query.where(MethodologyVersion.status == MethodologyStatus.APPROVED)
    return list(session.execute(query).scalars())


def get_methodology(*, session: Session, actor: User | None, methodology_id: int) -> MethodologyVersion:
    row = session.get(MethodologyVersion, methodology_id)
    if row is None or (row.status != MethodologyStatus.APPROVED and not policy.allowed(actor, "index.publish")):
        raise NotFound("Not found.")
    return row


def propose_methodology(*, session: Session, actor: User, yaml_text: str, note: str) -> MethodologyVersion:
    """Step one of a methodology change: a validated, versioned proposal awaiting review."""
    policy.require(actor, "index.publish")
    ensure_methodology(session=session)
    if not note.strip():
        raise ValidationFailed(N_("Say what changes and why."), field="note")
    try:
        method = parse_methodology(yaml_text)
    except MethodologyError as error:
        raise ValidationFailed(N_("The methodology is not valid: %(problems)s"), field="yaml_text",
                               params={"problems": "; ".join(f"{w}: {m}" for w, m in error.problems[:10])})
    if len(method.version) > 40:
        raise ValidationFailed(N_("The version name may be at most 40 characters."), field="yaml_text")
    if session.execute(select(MethodologyVersion.id).where(MethodologyVersion.version == method.version)).first():
        raise Conflict(N_("Version %(version)s already exists; versions never change, so give the new file a "
                          "new version."), field="yaml_text", params={"version": method.version})
    row = MethodologyVersion(version=method.version, yaml_text=yaml_text, sha256=_sha256(yaml_text),
                             status=MethodologyStatus.PROPOSED, note=note.strip(), proposed_by_id=actor.id)
    session.add(row)
    session.flush()
    audit.record(session, action="propose", object_type="index_methodology", object_id=row.id,
                 after={"version": row.version, "sha256": row.sha256}, reason=row.note[:500])
    return row


def review_methodology(*, session: Session, actor: User, methodology_id: int, approve: bool,
                       note: str = "") -> MethodologyVersion:
    """Step two: another person approves (the version comes into force) or rejects a proposal."""
    policy.require(actor, "index.publish")
    row = get_methodology(session=session, actor=actor, methodology_id=methodology_id)
    if METHODOLOGY_MOVES.is_final(row.status):
        raise Conflict(N_("This version has already been reviewed."))
    if row.proposed_by_id == actor.id:
        raise ValidationFailed(N_("A methodology change must be approved by someone other than its author."))
    if not approve and not note.strip():
        raise ValidationFailed(N_("Give the reason for the rejection."), field="note")
    row.status = METHODOLOGY_MOVES.move(row.status, MethodologyStatus.APPROVED if approve
                                        else MethodologyStatus.REJECTED)
    row.reviewed_by_id, row.reviewed_at, row.review_note = actor.id, utcnow(), note.strip()
    session.flush()
    audit.record(session, action="approve" if approve else "reject", object_type="index_methodology",
                 object_id=row.id, after={"version": row.version, "sha256": row.sha256}, reason=row.review_note[:500])
    return row


# ---------------------------------------------------------------- assembling the indicator table


def enterprise_table(session: Session) -> pd.DataFrame:
    """Every registered enterprise with what the index needs from the registry, indexed by id."""
    rows = session.execute(select(Enterprise.id, Enterprise.bin, Enterprise.sector_code, Enterprise.region_kato,
                                  Enterprise.headcount, Enterprise.safety_committee)
                           .order_by(Enterprise.id)).all()
    frame = pd.DataFrame(rows, columns=["id", "bin", "sector", "region", "headcount", "safety_committee"])
    return frame.set_index("id")


def assemble(*, session: Session, methodology: Methodology, period: int) -> tuple[pd.DataFrame, pd.DataFrame, dict]:
    """(indicator table for the engine, enterprise table, what each source did) for one period."""
    enterprises = enterprise_table(session)
    # Only the sources the methodology names are read (all of them if an indicator names none).
    declared_sources = list(dict.fromkeys(i.source for i in methodology.indicators))
    results = sources.read_all(session, enterprises, sources.Window(period),
                               names=None if "" in declared_sources else declared_sources)
    frame = pd.DataFrame({engine.ENTITY: [str(i) for i in enterprises.index],
                          "sector": enterprises["sector"].to_numpy(), "region": enterprises["region"].to_numpy(),
                          "size": [str(size_band(h)) for h in enterprises["headcount"]]})
    # An indicator takes its values only from the source its methodology names (1.0 and 1.1 name the
    # "knowledge" placeholder for training, audits, equipment and clauses, so those stay missing there); one
    # that names no source takes them from whichever source provides it.
    declared = {i.id: i.source for i in methodology.indicators}
    provided: dict[str, str] = {}
    summary = {}
    for result in results:
        taken = [i for i in result.values if i in declared and declared[i] in (result.source, "")]
        for indicator in taken:
            provided[indicator] = result.source
            frame[indicator] = result.values[indicator].reindex(enterprises.index).to_numpy(dtype=float)
        summary[result.source] = {**result.summary(), "indicators": sorted(taken)}
    for indicator in methodology.indicator_ids:
        if indicator not in frame.columns:
            frame[indicator] = np.nan
    unsourced = [i for i in methodology.indicator_ids if i not in provided]
    summary["_unsourced"] = {"status": SourceStatus.ABSENT, "indicators": unsourced, "functions": [], "detail": ""}
    return frame, enterprises, summary


# ---------------------------------------------------------------- runs


def _number(value) -> float | None:
    if value is None:
        return None
    value = float(value)
    return None if math.isnan(value) else value


def results_digest(scores: list[Score]) -> str:
    """SHA-256 of the score table in a canonical form (recorded in the audited run)."""
    table = sorted([s.enterprise_id, s.status, s.score, s.rank, s.rank_p05, s.rank_p95, s.indicators]
                   for s in scores)
    return _sha256(json.dumps(table, sort_keys=True, separators=(",", ":"), default=str))


def run_period(*, session: Session, actor: User, period: int, seed: int | None = None,
               runs: int | None = None) -> Run:
    """Compute the index of one period with the methodology in force, with rank intervals; store it unpublished."""
    policy.require(actor, "index.publish")
    if not FIRST_PERIOD <= period <= LAST_PERIOD:
        raise ValidationFailed(N_("The period must be a year from 2000 to 2100."), field="period")
    if period > today().year:
        raise ValidationFailed(N_("The period cannot be a future year."), field="period")
    if runs is not None and not 1 <= runs <= MAX_RUNS:
        raise ValidationFailed(N_("Replications must be from 1 to 20,000."), field="runs")
    row = ensure_methodology(session=session)
    method = parsed(row)
    frame, enterprises, summary = assemble(session=session, methodology=method, period=period)
    try:
        prepared = engine.prepare(frame, method, imputations=method.uncertainty.imputation)
    except engine.DataError as error:
        raise ValidationFailed(N_("The platform's data cannot be used for the index: %(problems)s"),
                               params={"problems": str(error)[:1000]})
    result = engine.compute(prepared)
    seed = period if seed is None else seed
    runs = runs or method.uncertainty.runs
    intervals = None
    sensitivity: dict = {}
    if prepared.eligible.any():
        mc = uncertainty.monte_carlo(prepared, seed=seed, runs=runs)
        intervals, sensitivity = mc.table(), mc.sensitivity
    run = Run(period=period, methodology_id=row.id, methodology_version=row.version, seed=seed, runs=runs,
              computed_by_id=actor.id, enterprises=len(enterprises),
              ranked=int(prepared.eligible.sum()), insufficient=int((~prepared.eligible).sum()),
              sources=summary, sensitivity=sensitivity,
              indicator_coverage={i: float((~np.isnan(prepared.raw[:, j])).mean()) if len(enterprises) else 0.0
                                  for j, i in enumerate(method.indicator_ids)})
    session.add(run)
    session.flush()
    scores = []
    for record in result.records():
        ident = int(record["entity_id"])
        facts = enterprises.loc[ident]
        score = Score(run_id=run.id, enterprise_id=ident, status=record["status"], score=_number(record["score"]),
                      rank=_number(record["rank"]), coverage=float(record["coverage"]),
                      observed=int(result.entities.at[record["entity_id"], "n_observed"]),
                      imputed=int(result.entities.at[record["entity_id"], "n_imputed"]),
                      sector_code=str(facts["sector"]), headcount=int(facts["headcount"]),
                      pillars={k: _number(v) for k, v in record["pillars"].items()},
                      indicators={k: {"raw": _number(v["raw"]), "normalised": _number(v["normalised"]),
                                      "contribution": _number(v["contribution"]), "imputed": bool(v["imputed"])}
                                  for k, v in record["indicators"].items()})
        if intervals is not None and record["status"] == ScoreStatus.RANKED:
            line = intervals.loc[record["entity_id"]]
            score.rank_median, score.rank_p05, score.rank_p95 = (float(line["rank_median"]), float(line["rank_p05"]),
                                                                 float(line["rank_p95"]))
            score.score_p05, score.score_p95 = float(line["score_p05"]), float(line["score_p95"])
        scores.append(score)
    session.add_all(scores)
    run.results_sha256 = results_digest(scores)
    session.flush()
    audit.record(session, action="compute", object_type="index_run", object_id=run.id,
                 after={"period": period, "methodology_version": row.version, "seed": seed, "runs": runs,
                        "ranked": run.ranked, "insufficient": run.insufficient,
                        "results_sha256": run.results_sha256})
    card_documents.supersede(session, run=run)  # cards of earlier runs of this period are no longer current
    return run


def runs_list(*, session: Session, actor: User) -> list[Run]:
    policy.require(actor, "index.read")
    return list(session.execute(select(Run).order_by(Run.computed_at.desc(), Run.id.desc())).scalars())


def get_run(*, session: Session, actor: User, run_id: int) -> Run:
    """An unpublished or published run (its rows are then read through run_scores, in scope)."""
    policy.require(actor, "index.read")
    run = session.get(Run, run_id)
    if run is None:
        raise NotFound("Not found.")
    return run


def run_scores(*, session: Session, actor: User, run: Run) -> list[tuple[Score, Enterprise]]:
    """The run's rows inside the actor's enterprise scope, ranked first."""
    policy.require(actor, "index.read")
    query = (select(Score, Enterprise).join(Enterprise, Enterprise.id == Score.enterprise_id)
             .where(Score.run_id == run.id, access.scoped(session, actor, Score.enterprise_id)))
    return _ordered(session.execute(query).all())


def _ordered(rows) -> list[tuple[Score, Enterprise]]:
    ranked = sorted((r for r in rows if r[0].status == ScoreStatus.RANKED), key=lambda r: (r[0].rank, -(r[0].score or 0)))
    rest = sorted((r for r in rows if r[0].status != ScoreStatus.RANKED), key=lambda r: (-r[0].coverage, r[1].id))
    return [(s, e) for s, e in ranked + rest]


@dataclass
class RankingPage:
    """One page of a run's ranking, read by the database: the ranked rows of the page, the first rows of the
    insufficient-data list, and the totals (after the sector and size filters, inside the reader's scope)."""

    ranked: list[tuple[Score, Enterprise]]
    ranked_total: int
    insufficient: list[tuple[Score, Enterprise]]
    insufficient_total: int
    in_scope: int  # every row of the run the reader sees, whatever the filters


def _size_condition(size: str):
    if not size.isdigit() or int(size) >= len(SIZE_BANDS):
        return true()
    low, high, _label = SIZE_BANDS[int(size)]
    if int(size) == 0:  # size_band puts an unknown headcount in the first band
        return Score.headcount <= high
    return Score.headcount >= low if high is None else and_(Score.headcount >= low, Score.headcount <= high)


def ranking_page(*, session: Session, run: Run, actor: User | None, public: bool = False, sector: str = "",
                 size: str = "", page: int = 1, per_page: int = 50, insufficient_page: int = 1) -> RankingPage:
    """The ranking page of a run, ordered and paged in SQL (rank, then score; the insufficient-data list by
    coverage, then enterprise). `public`: a published run, every enterprise; otherwise the actor's scope."""
    if not public:
        policy.require(actor, "index.read")
    where = [Score.run_id == run.id]
    if not public:
        where.append(access.scoped(session, actor, Score.enterprise_id))
    filters = [*where, _size_condition(size)] + ([Score.sector_code == sector] if sector else [])
    counts = session.execute(
        select(func.count(Score.id).filter(and_(*filters, Score.status == ScoreStatus.RANKED)),
               func.count(Score.id).filter(and_(*filters, Score.status != ScoreStatus.RANKED)),
               func.count(Score.id)).where(*where)).one()
    rows = (select(Score, Enterprise).join(Enterprise, Enterprise.id == Score.enterprise_id))
    ranked = session.execute(rows.where(*filters, Score.status == ScoreStatus.RANKED)
                             .order_by(Score.rank, Score.score.desc(), Score.enterprise_id)
                             .limit(per_page).offset((max(page, 1) - 1) * per_page)).all()
    insufficient = session.execute(rows.where(*filters, Score.status != ScoreStatus.RANKED)
                                   .order_by(Score.coverage.desc(), Score.enterprise_id)
                                   .limit(per_page).offset((max(insufficient_page, 1) - 1) * per_page)).all()
    return RankingPage([(s, e) for s, e in ranked], int(counts[0]), [(s, e) for s, e in insufficient],
                       int(counts[1]), int(counts[2]))


def draft_score(*, session: Session, actor: User, run_id: int, enterprise_id: int) -> tuple[Run, Score]:
    """One enterprise's row of any run, inside the actor's scope."""
    access.require_enterprise(session, actor, "index.read", enterprise_id)
    run = get_run(session=session, actor=actor, run_id=run_id)
    score = session.execute(select(Score).where(Score.run_id == run.id, Score.enterprise_id == enterprise_id)).scalar()
    if score is None:
        raise NotFound("Not found.")
    return run, score


# ---------------------------------------------------------------- publication (public reads)


def publish(*, session: Session, actor: User, run_id: int, statement: str = "") -> Publication:
    """Publish a run as its period's index today; an earlier publication of the period is withdrawn."""
    policy.require(actor, "index.publish")
    run = get_run(session=session, actor=actor, run_id=run_id)
    previous = publication(session=session, period=run.period)
    if previous is not None and previous.run_id == run.id:
        raise Conflict(N_("This run is already the published index of its period."))
    now = utcnow()
    item = Publication(period=run.period, run_id=run.id, published_on=today(), published_at=now,
                       published_by_id=actor.id, statement=statement.strip())
    session.add(item)
    session.flush()
    if previous is not None:
        previous.withdrawn_at = now
        previous.withdrawal_reason = f"Replaced by publication {item.id} (run {run.id})."
    session.flush()
    audit.record(session, action="publish", object_type="index_publication", object_id=item.id,
                 after={"period": run.period, "run_id": run.id, "methodology_version": run.methodology_version,
                        "published_on": item.published_on.isoformat(), "results_sha256": run.results_sha256},
                 reason=item.statement[:500])
    return item


def publication(*, session: Session, period: int | None = None) -> Publication | None:
    """The publication in force for a period (or the latest period), None if there is none."""
    query = select(Publication).where(Publication.withdrawn_at.is_(None))
    if period is not None:
        query = query.where(Publication.period == period)
    return session.execute(query.order_by(Publication.period.desc(), Publication.published_at.desc(),
                                          Publication.id.desc()).limit(1)).scalar()


def require_publication(*, session: Session, period: int) -> Publication:
    found = publication(session=session, period=period)
    if found is None:
        raise NotFound(N_("The index of this period has not been published."))
    return found


def publications(*, session: Session) -> list[Publication]:
    """The publication in force of every published period, latest period first."""
    rows = session.execute(select(Publication).where(Publication.withdrawn_at.is_(None))
                           .order_by(Publication.period.desc(), Publication.published_at.desc())).scalars()
    seen: dict[int, Publication] = {}
    for row in rows:
        seen.setdefault(row.period, row)
    return list(seen.values())


def ranking(*, session: Session, item: Publication) -> list[tuple[Score, Enterprise]]:
    """Every enterprise of a published run (public), ranked first."""
    query = (select(Score, Enterprise).join(Enterprise, Enterprise.id == Score.enterprise_id)
             .where(Score.run_id == item.run_id))
    return _ordered(session.execute(query).all())


def published_score(*, session: Session, period: int, bin: str) -> tuple[Publication, Score]:
    item = require_publication(session=session, period=period)
    score = session.execute(select(Score).join(Enterprise, Enterprise.id == Score.enterprise_id)
                            .where(Score.run_id == item.run_id, Enterprise.bin == bin)).scalar()
    if score is None:
        raise NotFound("Not found.")
    return item, score


# ---------------------------------------------------------------- explanation


@dataclass
class Explanation:
    """Everything the enterprise page shows; texts are resolved by the caller's locale."""

    run: Run
    score: Score
    methodology: Methodology
    indicators: list[dict]
    pillars: list[dict]
    trend: list[dict]
    peers: list[tuple[Score, Enterprise]]
    peers_scope: str  # "sector_size" or "sector"
    replies: list[Reply]


def explain(*, session: Session, run: Run, score: Score, actor: User | None = None,
            public: bool = True) -> Explanation:
    """Score, interval, each indicator's raw, normalised value and contribution, trend, peers, published replies.

    Peers of an unpublished run are limited to the actor's scope (the published index is public).
    """
    method = parsed(run.methodology)
    shares = method.effective_weights()
    sourced = {i for name, info in (run.sources or {}).items() if name != "_unsourced"
               for i in info.get("indicators", [])}
    indicators = []
    for indicator in method.indicators:
        values = (score.indicators or {}).get(indicator.id, {})
        indicators.append({"indicator": indicator, "share": shares[indicator.id],
                           "raw": values.get("raw"), "normalised": values.get("normalised"),
                           "contribution": values.get("contribution"), "imputed": values.get("imputed", False),
                           "has_source": indicator.id in sourced})
    pillars = [{"pillar": p, "score": (score.pillars or {}).get(p.id)} for p in method.pillars]
    peer_rows, peer_scope = peers(session=session, score=score, actor=None if public else actor, scoped=not public)
    return Explanation(run=run, score=score, methodology=method, indicators=indicators, pillars=pillars,
                       trend=trend(session=session, enterprise_id=score.enterprise_id),
                       peers=peer_rows, peers_scope=peer_scope,
                       replies=published_replies(session=session, enterprise_id=score.enterprise_id, period=run.period))


def trend(*, session: Session, enterprise_id: int) -> list[dict]:
    """The enterprise's published scores, oldest period first."""
    out = []
    for item in reversed(publications(session=session)):
        score = session.execute(select(Score).where(Score.run_id == item.run_id,
                                                    Score.enterprise_id == enterprise_id)).scalar()
        if score is not None:
            out.append({"period": item.period, "score": score.score, "rank": score.rank, "rank_p05": score.rank_p05,
                        "rank_p95": score.rank_p95, "score_p05": score.score_p05, "score_p95": score.score_p95, "ranked_of": item.run.ranked, "status": score.status,
                        "version": item.run.methodology_version})
    return out


def peers(*, session: Session, score: Score, actor: User | None = None, scoped: bool = False,
          limit: int = 10) -> tuple[list[tuple[Score, Enterprise]], str]:
    """Ranked enterprises of the same run in the same sector and size band (the sector alone if too few)."""
    query = (select(Score, Enterprise).join(Enterprise, Enterprise.id == Score.enterprise_id)
             .where(Score.run_id == score.run_id, Score.status == ScoreStatus.RANKED, Score.sector_code == score.sector_code,
                    Score.enterprise_id != score.enterprise_id))
    if scoped:
        query = query.where(access.scoped(session, actor, Score.enterprise_id))
    rows = session.execute(query).all()
    band = size_band(score.headcount)
    same = [r for r in rows if size_band(r[0].headcount) == band]
    chosen, scope = (same, "sector_size") if len(same) >= MIN_PEERS else (rows, "sector")
    return sorted(chosen, key=lambda r: (r[0].rank, r[1].id))[:limit], scope


# ---------------------------------------------------------------- replies


def submit_reply(*, session: Session, actor: User, enterprise_id: int, period: int, body: str,
                 files: list[tuple[str, bytes]] | None = None) -> Reply:
    """The enterprise's response to its score for a period, with evidence; shown once moderated."""
    access.require_enterprise(session, actor, "index.reply", enterprise_id)
    body = body.strip()
    if not 10 <= len(body) <= 5000:
        raise ValidationFailed(N_("Write the reply in 10 to 5,000 characters."), field="body")
    scored = session.execute(select(Score.id).join(Run, Run.id == Score.run_id)
                             .where(Run.period == period, Score.enterprise_id == enterprise_id).limit(1)).first()
    if scored is None:
        raise ValidationFailed(N_("This enterprise has no index score for this period to reply to."), field="period")
    files = [f for f in (files or []) if f[1]]
    if len(files) > evidence.MAX_FILES:
        raise ValidationFailed(N_("At most 3 evidence files."), field="evidence")
    cleaned = [evidence.clean(name, data) for name, data in files]
    reply = Reply(enterprise_id=enterprise_id, period=period, body=body, status=ReplyStatus.PENDING, submitted_by_id=actor.id)
    session.add(reply)
    session.flush()
    for name, media_type, content in cleaned:
        session.add(Evidence(reply_id=reply.id, filename=name, media_type=media_type, size=len(content),
                             content=content))
    session.flush()
    for officer in access.users_with(session, "index.moderate", reaching=enterprise_id):
        notify(session, user=officer, kind="index.reply", link="/index/replies",
               title=N_("An enterprise replied to its Safety Index score"))
    return reply


def add_evidence(*, session: Session, actor: User, reply_id: int, filename: str, data: bytes) -> Evidence:
    """One more evidence file on a reply still awaiting moderation."""
    reply = session.get(Reply, reply_id)
    if reply is None:
        raise NotFound("Not found.")
    access.require_enterprise(session, actor, "index.reply", reply.enterprise_id)
    if reply.status != ReplyStatus.PENDING:
        raise Conflict(N_("Evidence can be added only while the reply awaits moderation."))
    if len(reply.evidence) >= evidence.MAX_FILES:
        raise ValidationFailed(N_("At most 3 evidence files."), field="evidence")
    name, media_type, content = evidence.clean(filename, data)
    item = Evidence(reply_id=reply.id, filename=name, media_type=media_type, size=len(content), content=content)
    session.add(item)
    session.flush()
    return item


def get_reply(*, session: Session, actor: User, reply_id: int) -> Reply:
    reply = session.get(Reply, reply_id)
    if reply is None:
        raise NotFound("Not found.")
    access.require_enterprise(session, actor, "index.read", reply.enterprise_id)
    return reply


def moderate_reply(*, session: Session, actor: User, reply_id: int, publish: bool, note: str = "") -> Reply:
    """A union officer publishes a reply beside the score or rejects it with a reason the enterprise sees."""
    reply = session.get(Reply, reply_id)
    if reply is None:
        raise NotFound("Not found.")
    access.require_enterprise(session, actor, "index.moderate", reply.enterprise_id)
    if REPLY_MOVES.is_final(reply.status):
        raise Conflict(N_("This reply has already been moderated."))
    if not publish and not note.strip():
        raise ValidationFailed(N_("Give the reason for the rejection; the enterprise will see it."), field="note")
    reply.status = REPLY_MOVES.move(reply.status, ReplyStatus.PUBLISHED if publish else ReplyStatus.REJECTED)
    reply.moderated_by_id, reply.moderated_at, reply.moderation_note = actor.id, utcnow(), note.strip()
    session.flush()
    audit.record(session, action="publish" if publish else "reject", object_type="index_reply", object_id=reply.id,
                 after={"status": reply.status}, reason=reply.moderation_note[:500])
    author = session.get(User, reply.submitted_by_id) if reply.submitted_by_id else None
    if author is not None:
        notify(session, user=author, kind="index.reply", link="/index/replies",
               title=N_("Your reply to the Safety Index was published") if publish
               else N_("Your reply to the Safety Index was not published"))
    return reply


def replies_query(*, session: Session, actor: User, status: str = "") -> Select:
    """Replies inside the actor's scope, newest first."""
    policy.require(actor, "index.read")
    query = (select(Reply).where(access.scoped(session, actor, Reply.enterprise_id))
             .order_by(Reply.submitted_at.desc(), Reply.id.desc()))
    if status:
        query = query.where(Reply.status == status)
    return query


def published_replies(*, session: Session, enterprise_id: int, period: int) -> list[Reply]:
    """Moderated and published replies (public)."""
    return list(session.execute(select(Reply).where(Reply.enterprise_id == enterprise_id, Reply.period == period,
                                                    Reply.status == ReplyStatus.PUBLISHED)
                                .order_by(Reply.moderated_at.desc(), Reply.id.desc())).scalars())


def own_replies(*, session: Session, actor: User | None, enterprise_id: int, period: int) -> list[Reply]:
    """Pending and rejected replies of an enterprise, for those inside its scope who may reply or moderate."""
    if actor is None or not (policy.allowed(actor, "index.reply") or policy.allowed(actor, "index.moderate")):
        return []
    if not access.can_reach_enterprise(session, actor, enterprise_id):
        return []
    return list(session.execute(select(Reply).where(Reply.enterprise_id == enterprise_id, Reply.period == period,
                                                    Reply.status != ReplyStatus.PUBLISHED)
                                .order_by(Reply.submitted_at.desc())).scalars())


def get_evidence(*, session: Session, actor: User | None, evidence_id: int, hide_refusal: bool = False) -> Evidence:
    """A published reply's evidence is public; otherwise only inside the enterprise's scope. With
    `hide_refusal` (the page's link) a refusal reads as NotFound, so a file's existence is not confirmed."""
    item = session.get(Evidence, evidence_id)
    if item is None:
        raise NotFound("Not found.")
    if item.reply.status != ReplyStatus.PUBLISHED:
        try:
            access.require_enterprise(session, actor, "index.read", item.reply.enterprise_id)
        except Forbidden:
            if hide_refusal:
                raise NotFound("Not found.") from None
            raise
    return item


def pending_count(*, session: Session, actor: User) -> int:
    query = replies_query(session=session, actor=actor, status=ReplyStatus.PENDING)
    return session.execute(select(func.count()).select_from(query.order_by(None).subquery())).scalar_one()


# ---------------------------------------------------------------- what the pages ask


def own_published_score(*, session: Session, actor: User, item: Publication) -> tuple[Score, Enterprise] | None:
    """The published score of the enterprise an enterprise-scoped reader belongs to, with the enterprise."""
    if actor.scope_kind != "enterprise" or not actor.scope_enterprise_id:
        return None
    row = session.execute(select(Score, Enterprise).join(Enterprise, Enterprise.id == Score.enterprise_id)
                          .where(Score.run_id == item.run_id, Score.enterprise_id == actor.scope_enterprise_id)
                          ).first()
    return (row[0], row[1]) if row is not None else None


def proposals_count(*, session: Session, actor: User) -> int:
    """Methodology versions awaiting review, for those who review them."""
    if not policy.allowed(actor, "index.publish"):
        return 0
    return session.execute(select(func.count()).select_from(MethodologyVersion)
                           .where(MethodologyVersion.status == MethodologyStatus.PROPOSED)).scalar_one()


def methodology_draft(*, actor: User, session: Session) -> str:
    """The text a new methodology proposal starts from: the current version, else the shipped one."""
    policy.require(actor, "index.publish")
    current = current_methodology(session=session)
    return current.yaml_text if current else SHIPPED.read_text(encoding="utf-8")


def replied_enterprises(*, session: Session, period: int, ids: list[int]) -> set[int]:
    """Which of these enterprises have a published reply for the period (public)."""
    if not ids:
        return set()
    return set(session.execute(select(Reply.enterprise_id).where(
        Reply.period == period, Reply.status == ReplyStatus.PUBLISHED, Reply.enterprise_id.in_(ids))).scalars())


def may_reply(*, session: Session, actor: User | None, enterprise_id: int) -> bool:
    return policy.allowed(actor, "index.reply") and access.can_reach_enterprise(session, actor, enterprise_id)


def may_issue_card(*, session: Session, actor: User | None, enterprise_id: int) -> bool:
    return policy.allowed(actor, "index.read") and access.can_reach_enterprise(session, actor, enterprise_id)


def latest_run(*, session: Session, methodology_id: int | None = None, period: int | None = None) -> Run | None:
    """The most recently computed run of a methodology version or of a period."""
    query = select(Run).order_by(Run.computed_at.desc()).limit(1)
    if methodology_id is not None:
        query = query.where(Run.methodology_id == methodology_id)
    if period is not None:
        query = query.where(Run.period == period)
    return session.execute(query).scalar()
