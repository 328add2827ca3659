"""Practices and their versions, the review steps, the search index (text and vectors per language version),
attachments and adoptions by other enterprises."""

from __future__ import annotations

from datetime import date, datetime
from enum import StrEnum

from sqlalchemy import (
    JSON,
    Boolean,
    Date,
    Float,
    ForeignKey,
    Integer,
    LargeBinary,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from qorgau.core.db import Base, UTCDateTime, utcnow
from qorgau.core.i18n_markers import N_
from qorgau.core.states import Transitions

LANGUAGES = ("kk", "ru", "en")


class Status(StrEnum):
    DRAFT = "draft"
    SUBMITTED = "submitted"  # waiting for the first step (review)
    REVIEWED = "reviewed"  # the first step passed, waiting for publication by the federation
    PUBLISHED = "published"
    WITHDRAWN = "withdrawn"


MOVES = Transitions(Status, {
    Status.DRAFT: {Status.SUBMITTED, Status.WITHDRAWN},
    Status.SUBMITTED: {Status.REVIEWED, Status.DRAFT, Status.WITHDRAWN},
    Status.REVIEWED: {Status.PUBLISHED, Status.DRAFT, Status.WITHDRAWN},
    # a published practice stays visible (its published version) while a new draft goes through both steps again
    Status.PUBLISHED: {Status.DRAFT, Status.WITHDRAWN},
    Status.WITHDRAWN: set(),
})

STATUS_LABELS = {
    Status.DRAFT: N_("Draft"), Status.SUBMITTED: N_("Submitted for review"),
    Status.REVIEWED: N_("Reviewed, awaiting publication"), Status.PUBLISHED: N_("Published"),
    Status.WITHDRAWN: N_("Withdrawn"),
}
SOURCE_KINDS = {
    "enterprise_kz": N_("A Kazakhstani enterprise"), "eu_osha": N_("EU-OSHA"), "ilo": N_("ILO"),
    "hse": N_("UK HSE"), "niosh": N_("NIOSH (USA)"), "osha": N_("OSHA (USA)"), "swa": N_("Safe Work Australia"),
    "other": N_("Other source"),
}
SIZES = {"any": N_("Any size"), "micro": N_("Micro (under 10)"), "small": N_("Small (10-49)"),
         "medium": N_("Medium (50-249)"), "large": N_("Large (250 and more)")}
COST_BANDS = {"none": N_("No cost"), "low": N_("Low"), "medium": N_("Medium"), "high": N_("High"),
              "unknown": N_("Not known")}
OUTCOMES = {"worked": N_("It worked"), "partly": N_("It partly worked"), "did_not_work": N_("It did not work"),
            "too_early": N_("Too early to say")}


class Practice(Base):
    """One practice; its words live in versions, the public sees `published_version`."""

    __tablename__ = "knowledge_practice"

    id: Mapped[int] = mapped_column(primary_key=True)
    key: Mapped[str] = mapped_column(String(64), unique=True)  # a stable slug (starter set) or P-XXXXXX
    status: Mapped[str] = mapped_column(String(16), default=Status.DRAFT, index=True)
    current_version: Mapped[int] = mapped_column(Integer, default=1)
    published_version: Mapped[int | None] = mapped_column(Integer, nullable=True)
    category: Mapped[str] = mapped_column(String(32), index=True)
    sector_code: Mapped[str | None] = mapped_column(ForeignKey("registry_sector.code"), nullable=True, index=True)
    size: Mapped[str] = mapped_column(String(8), default="any")
    cost_band: Mapped[str] = mapped_column(String(8), default="unknown")
    country: Mapped[str] = mapped_column(String(8))  # ISO 3166 alpha-2, or EU / INT for international bodies
    source_kind: Mapped[str] = mapped_column(String(16), index=True)
    source_title: Mapped[str] = mapped_column(String(300))
    source_url: Mapped[str] = mapped_column(String(500), default="")
    licence: Mapped[str] = mapped_column(String(200))
    enterprise_id: Mapped[int | None] = mapped_column(ForeignKey("registry_enterprise.id"), nullable=True,
                                                      index=True)
    synthetic: Mapped[bool] = mapped_column(Boolean, default=False)  # demo data, shown as such
    title: Mapped[dict] = mapped_column(JSON, default=dict)  # {lang: title} of the current version, for lists
    created_by: Mapped[int | None] = mapped_column(ForeignKey("core_user.id"), nullable=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    published_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)

    versions: Mapped[list[PracticeVersion]] = relationship(back_populates="practice", order_by="PracticeVersion.number")
    reviews: Mapped[list[PracticeReview]] = relationship(back_populates="practice", order_by="PracticeReview.id")
    adoptions: Mapped[list[PracticeAdoption]] = relationship(back_populates="practice", order_by="PracticeAdoption.id")
    attachments: Mapped[list[PracticeAttachment]] = relationship(back_populates="practice", order_by="PracticeAttachment.id")


class PracticeVersion(Base):
    """The practice's words and figures as of one change; never edited, a change makes the next version.

    data = {"texts": {lang: {"title", "problem", "action", "result"}},
            "figures": [{"measure", "unit", "before", "after"}]}  (figures only where the source gives them)
    """

    __tablename__ = "knowledge_version"
    __table_args__ = (UniqueConstraint("practice_id", "number"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    practice_id: Mapped[int] = mapped_column(ForeignKey("knowledge_practice.id"), index=True)
    number: Mapped[int] = mapped_column(Integer)
    data: Mapped[dict] = mapped_column(JSON)
    change_note: Mapped[str] = mapped_column(String(500), default="")
    author_id: Mapped[int | None] = mapped_column(ForeignKey("core_user.id"), nullable=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    practice: Mapped[Practice] = relationship(back_populates="versions")


class PracticeReview(Base):
    """One step of the federation's review: the first check ("review") or publication ("publish")."""

    __tablename__ = "knowledge_review"

    id: Mapped[int] = mapped_column(primary_key=True)
    practice_id: Mapped[int] = mapped_column(ForeignKey("knowledge_practice.id"), index=True)
    version: Mapped[int] = mapped_column(Integer)
    step: Mapped[str] = mapped_column(String(16))  # review | publish | withdraw
    decision: Mapped[str] = mapped_column(String(16))  # approve | return | withdraw
    note: Mapped[str] = mapped_column(Text, default="")
    reviewer_id: Mapped[int | None] = mapped_column(ForeignKey("core_user.id"), nullable=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    practice: Mapped[Practice] = relationship(back_populates="reviews")


class PracticeDoc(Base):
    """The search index: one row per language version of a published practice (text for full-text search,
    the embedding for semantic search). Rebuilt from the published version whenever it changes; not
    audited because it is derived data (the versions it comes from are)."""

    __tablename__ = "knowledge_doc"
    __audited__ = False
    __table_args__ = (UniqueConstraint("practice_id", "lang"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    practice_id: Mapped[int] = mapped_column(ForeignKey("knowledge_practice.id"), index=True)
    lang: Mapped[str] = mapped_column(String(2))
    body: Mapped[str] = mapped_column(Text)
    vector: Mapped[bytes] = mapped_column(LargeBinary)  # float32 x 384, L2-normalised


class PracticeAttachment(Base):
    """A file attached to a practice (a photo, a drawing, a procedure); kept in the database, small."""

    __tablename__ = "knowledge_attachment"
    __audit_exclude__ = ("content",)

    id: Mapped[int] = mapped_column(primary_key=True)
    practice_id: Mapped[int] = mapped_column(ForeignKey("knowledge_practice.id"), index=True)
    filename: Mapped[str] = mapped_column(String(200))
    content_type: Mapped[str] = mapped_column(String(100))
    size: Mapped[int] = mapped_column(Integer)
    sha256: Mapped[str] = mapped_column(String(64))
    content: Mapped[bytes] = mapped_column(LargeBinary)
    added_by: Mapped[int | None] = mapped_column(ForeignKey("core_user.id"), nullable=True)
    added_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    practice: Mapped[Practice] = relationship(back_populates="attachments")


class PracticeAdoption(Base):
    """"We adopted it": another enterprise took the practice up and says how it went."""

    __tablename__ = "knowledge_adoption"

    id: Mapped[int] = mapped_column(primary_key=True)
    practice_id: Mapped[int] = mapped_column(ForeignKey("knowledge_practice.id"), index=True)
    enterprise_id: Mapped[int] = mapped_column(ForeignKey("registry_enterprise.id"), index=True)
    adopted_on: Mapped[date] = mapped_column(Date)
    outcome: Mapped[str] = mapped_column(String(16))
    result: Mapped[str] = mapped_column(Text, default="")
    measure: Mapped[str] = mapped_column(String(200), default="")
    unit: Mapped[str] = mapped_column(String(40), default="")
    before: Mapped[float | None] = mapped_column(Float, nullable=True)
    after: Mapped[float | None] = mapped_column(Float, nullable=True)
    synthetic: Mapped[bool] = mapped_column(Boolean, default=False)
    recorded_by: Mapped[int | None] = mapped_column(ForeignKey("core_user.id"), nullable=True)
    recorded_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    practice: Mapped[Practice] = relationship(back_populates="adoptions")
