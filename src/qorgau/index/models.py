"""Safety Index tables: methodology versions, runs and their scores, publications, replies with evidence.

A methodology version is a reviewed act: one person proposes it (status "proposed"), another approves
or rejects it. A run stores every enterprise's score, rank interval, coverage and per-indicator
explanation together with the methodology version and the Monte Carlo seed, so anyone can recompute
it. Publishing a period is a separate, dated act; a new publication of the same period withdraws the
previous one. An enterprise's reply is shown only once a union officer has moderated it.
"""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import JSON, Date, Float, ForeignKey, Integer, LargeBinary, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from qorgau.core.db import Base, UTCDateTime, utcnow
from qorgau.index.states import MethodologyStatus, ReplyStatus, ScoreStatus
from qorgau.registry.models import Enterprise

METHODOLOGY_STATUSES = tuple(MethodologyStatus)
REPLY_STATUSES = tuple(ReplyStatus)


class MethodologyVersion(Base):
    """One version of the methodology YAML, as proposed and as reviewed."""

    __tablename__ = "index_methodology"

    id: Mapped[int] = mapped_column(primary_key=True)
    version: Mapped[str] = mapped_column(String(40), unique=True)
    yaml_text: Mapped[str] = mapped_column(Text)
    sha256: Mapped[str] = mapped_column(String(64))  # of yaml_text, so a reader can check the file they recompute with
    status: Mapped[str] = mapped_column(String(16), default=MethodologyStatus.PROPOSED, index=True)
    note: Mapped[str] = mapped_column(Text, default="")  # what changed and why
    proposed_by_id: Mapped[int | None] = mapped_column(ForeignKey("core_user.id"), nullable=True)
    proposed_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    reviewed_by_id: Mapped[int | None] = mapped_column(ForeignKey("core_user.id"), nullable=True)
    reviewed_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    review_note: Mapped[str] = mapped_column(Text, default="")

    @property
    def awaiting_review(self) -> bool:
        return self.status == MethodologyStatus.PROPOSED


class Run(Base):
    """One computation of the index for a period: inputs summary, seed, sensitivity, result checksum."""

    __tablename__ = "index_run"

    id: Mapped[int] = mapped_column(primary_key=True)
    period: Mapped[int] = mapped_column(Integer, index=True)
    methodology_id: Mapped[int] = mapped_column(ForeignKey("index_methodology.id"))
    methodology_version: Mapped[str] = mapped_column(String(40))
    seed: Mapped[int] = mapped_column(Integer)
    runs: Mapped[int] = mapped_column(Integer)  # Monte Carlo replications
    computed_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    computed_by_id: Mapped[int | None] = mapped_column(ForeignKey("core_user.id"), nullable=True)
    enterprises: Mapped[int] = mapped_column(Integer, default=0)
    ranked: Mapped[int] = mapped_column(Integer, default=0)
    insufficient: Mapped[int] = mapped_column(Integer, default=0)
    sources: Mapped[dict] = mapped_column(JSON, default=dict)  # source -> {status, indicators, detail}
    indicator_coverage: Mapped[dict] = mapped_column(JSON, default=dict)  # indicator -> share observed
    sensitivity: Mapped[dict] = mapped_column(JSON, default=dict)  # choice -> first-order index or None
    results_sha256: Mapped[str] = mapped_column(String(64), default="")  # of the score table, see service

    methodology: Mapped[MethodologyVersion] = relationship()


class Score(Base):
    """One enterprise in one run: score, ranks, interval, coverage and the per-indicator explanation."""

    __tablename__ = "index_score"
    # Derived rows (one per enterprise per run), fully reproducible from the run's methodology, seed and
    # stored raw values; the run itself is audited with a SHA-256 of this table (results_sha256).
    __audited__ = False
    __table_args__ = (UniqueConstraint("run_id", "enterprise_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    run_id: Mapped[int] = mapped_column(ForeignKey("index_run.id"), index=True)
    enterprise_id: Mapped[int] = mapped_column(ForeignKey("registry_enterprise.id"), index=True)
    status: Mapped[str] = mapped_column(String(20))  # a ScoreStatus
    score: Mapped[float | None] = mapped_column(Float, nullable=True)
    rank: Mapped[float | None] = mapped_column(Float, nullable=True)
    rank_median: Mapped[float | None] = mapped_column(Float, nullable=True)
    rank_p05: Mapped[float | None] = mapped_column(Float, nullable=True)
    rank_p95: Mapped[float | None] = mapped_column(Float, nullable=True)
    score_p05: Mapped[float | None] = mapped_column(Float, nullable=True)
    score_p95: Mapped[float | None] = mapped_column(Float, nullable=True)
    coverage: Mapped[float] = mapped_column(Float, default=0.0)
    observed: Mapped[int] = mapped_column(Integer, default=0)
    imputed: Mapped[int] = mapped_column(Integer, default=0)
    sector_code: Mapped[str] = mapped_column(String(1), default="")
    headcount: Mapped[int] = mapped_column(Integer, default=0)
    pillars: Mapped[dict] = mapped_column(JSON, default=dict)  # pillar -> score or None
    indicators: Mapped[dict] = mapped_column(JSON, default=dict)  # indicator -> {raw, normalised, contribution, imputed}

    enterprise: Mapped[Enterprise] = relationship()

    @property
    def is_ranked(self) -> bool:
        return self.status == ScoreStatus.RANKED


class Publication(Base):
    """The explicit, dated act of publishing one run as a period's index."""

    __tablename__ = "index_publication"

    id: Mapped[int] = mapped_column(primary_key=True)
    period: Mapped[int] = mapped_column(Integer, index=True)
    run_id: Mapped[int] = mapped_column(ForeignKey("index_run.id"), index=True)
    published_on: Mapped[date] = mapped_column(Date)
    published_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    published_by_id: Mapped[int | None] = mapped_column(ForeignKey("core_user.id"), nullable=True)
    statement: Mapped[str] = mapped_column(Text, default="")
    withdrawn_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    withdrawal_reason: Mapped[str] = mapped_column(Text, default="")

    run: Mapped[Run] = relationship()


class Reply(Base):
    """An enterprise's public response to its score for a period, moderated by a union officer."""

    __tablename__ = "index_reply"

    id: Mapped[int] = mapped_column(primary_key=True)
    enterprise_id: Mapped[int] = mapped_column(ForeignKey("registry_enterprise.id"), index=True)
    period: Mapped[int] = mapped_column(Integer, index=True)
    body: Mapped[str] = mapped_column(Text)
    status: Mapped[str] = mapped_column(String(16), default=ReplyStatus.PENDING, index=True)
    submitted_by_id: Mapped[int | None] = mapped_column(ForeignKey("core_user.id"), nullable=True)
    submitted_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    moderated_by_id: Mapped[int | None] = mapped_column(ForeignKey("core_user.id"), nullable=True)
    moderated_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    moderation_note: Mapped[str] = mapped_column(Text, default="")

    enterprise: Mapped[Enterprise] = relationship()
    evidence: Mapped[list[Evidence]] = relationship(back_populates="reply", order_by="Evidence.id")

    @property
    def awaiting_moderation(self) -> bool:
        return self.status == ReplyStatus.PENDING


class Evidence(Base):
    """A file backing a reply (a photo with its metadata removed, or a PDF)."""

    __tablename__ = "index_evidence"

    id: Mapped[int] = mapped_column(primary_key=True)
    reply_id: Mapped[int] = mapped_column(ForeignKey("index_reply.id"), index=True)
    filename: Mapped[str] = mapped_column(String(200))
    media_type: Mapped[str] = mapped_column(String(60))
    size: Mapped[int] = mapped_column(Integer)
    content: Mapped[bytes] = mapped_column(LargeBinary)

    reply: Mapped[Reply] = relationship(back_populates="evidence")
