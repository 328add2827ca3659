"""Questionnaire versions, audits, their parties, fieldwork answers, confidential interviews and findings."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import JSON, Boolean, Date, Float, ForeignKey, LargeBinary, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from qorgau.audits.states import AuditStatus, PartyAnswer, VersionStatus
from qorgau.core.db import Base, UTCDateTime, utcnow


class QuestionnaireVersion(Base):
    """One version of the questionnaire as its YAML text; in force once approved by a second person."""

    __tablename__ = "audits_questionnaire"

    id: Mapped[int] = mapped_column(primary_key=True)
    version: Mapped[str] = mapped_column(String(40), unique=True)
    yaml_text: Mapped[str] = mapped_column(Text)
    sha256: Mapped[str] = mapped_column(String(64))
    status: Mapped[str] = mapped_column(String(16), default=VersionStatus.PROPOSED, index=True)
    note: Mapped[str] = mapped_column(Text, default="")
    proposed_by_id: Mapped[int | None] = mapped_column(ForeignKey("core_user.id"), nullable=True)
    proposed_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    reviewed_by_id: Mapped[int | None] = mapped_column(ForeignKey("core_user.id"), nullable=True)
    reviewed_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    review_note: Mapped[str] = mapped_column(Text, default="")


class Audit(Base):
    """A social audit of one enterprise against one questionnaire version."""

    __tablename__ = "audits_audit"

    id: Mapped[int] = mapped_column(primary_key=True)
    enterprise_id: Mapped[int] = mapped_column(ForeignKey("registry_enterprise.id"), index=True)
    questionnaire_id: Mapped[int] = mapped_column(ForeignKey("audits_questionnaire.id"))
    status: Mapped[str] = mapped_column(String(16), default=AuditStatus.PLANNED, index=True)
    planned_on: Mapped[date] = mapped_column(Date)
    fieldwork_started_on: Mapped[date | None] = mapped_column(Date, nullable=True)
    fieldwork_ended_on: Mapped[date | None] = mapped_column(Date, nullable=True, index=True)
    lead_id: Mapped[int | None] = mapped_column(ForeignKey("core_user.id"), nullable=True)
    lead_name: Mapped[str] = mapped_column(String(200), default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    scores: Mapped[dict] = mapped_column(JSON, default=dict)  # {"areas": {...}, "overall": ...} at findings
    overall: Mapped[float | None] = mapped_column(Float, nullable=True)
    summary: Mapped[str] = mapped_column(Text, default="")
    employer_reply: Mapped[str] = mapped_column(Text, default="")
    employer_reply_by: Mapped[str] = mapped_column(String(200), default="")
    employer_replied_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    published_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    cancel_reason: Mapped[str] = mapped_column(Text, default="")
    reports: Mapped[dict] = mapped_column(JSON, default=dict)  # {"kk": document id, ...} of the published report
    synthetic: Mapped[bool] = mapped_column(Boolean, default=False)

    questionnaire: Mapped[QuestionnaireVersion] = relationship()
    parties: Mapped[list[Party]] = relationship(back_populates="audit", order_by="Party.id")
    answers: Mapped[list[Answer]] = relationship(back_populates="audit", order_by="Answer.id")
    interviews: Mapped[list[Interview]] = relationship(back_populates="audit", order_by="Interview.id")
    findings: Mapped[list[Finding]] = relationship(back_populates="audit", order_by="Finding.id")


class Party(Base):
    """A party invited to the audit and its answer: the union, the employer, worker representatives, the state."""

    __tablename__ = "audits_party"

    id: Mapped[int] = mapped_column(primary_key=True)
    audit_id: Mapped[int] = mapped_column(ForeignKey("audits_audit.id"), index=True)
    kind: Mapped[str] = mapped_column(String(16))
    name: Mapped[str] = mapped_column(String(200))
    invited_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    response: Mapped[str] = mapped_column(String(16), default=PartyAnswer.PENDING)
    responded_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    note: Mapped[str] = mapped_column(String(500), default="")

    audit: Mapped[Audit] = relationship(back_populates="parties")


class Answer(Base):
    """The answer to one point; the last one sent wins, a resent one (same client key) changes nothing."""

    __tablename__ = "audits_answer"
    __table_args__ = (UniqueConstraint("audit_id", "point_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    audit_id: Mapped[int] = mapped_column(ForeignKey("audits_audit.id"), index=True)
    point_id: Mapped[str] = mapped_column(String(64))
    value: Mapped[str] = mapped_column(String(8))  # yes | no | na, or a maturity level 0-4
    note: Mapped[str] = mapped_column(Text, default="")
    client_key: Mapped[str] = mapped_column(String(64), default="")
    answered_by: Mapped[str] = mapped_column(String(200), default="")
    answered_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    audit: Mapped[Audit] = relationship(back_populates="answers")


class Interview(Base):
    """One confidential worker interview: no name, no job, no time of day; only the answers."""

    __tablename__ = "audits_interview"

    id: Mapped[int] = mapped_column(primary_key=True)
    audit_id: Mapped[int] = mapped_column(ForeignKey("audits_audit.id"), index=True)
    client_key: Mapped[str] = mapped_column(String(64), unique=True)
    answers: Mapped[dict] = mapped_column(JSON, default=dict)  # {"iv.ppe": "yes" | "no" | "skip"}
    recorded_on: Mapped[date] = mapped_column(Date)

    audit: Mapped[Audit] = relationship(back_populates="interviews")


class Finding(Base):
    """What the auditors found: a failed point or an observation, its severity and evidence, the employer's
    response and corrective plan, and the violation it became in deviations."""

    __tablename__ = "audits_finding"
    __audit_exclude__ = ("photo",)

    id: Mapped[int] = mapped_column(primary_key=True)
    audit_id: Mapped[int] = mapped_column(ForeignKey("audits_audit.id"), index=True)
    point_id: Mapped[str] = mapped_column(String(64), default="")
    area: Mapped[str] = mapped_column(String(32))
    severity: Mapped[str] = mapped_column(String(16))
    description: Mapped[str] = mapped_column(Text)
    evidence: Mapped[str] = mapped_column(Text, default="")
    photo: Mapped[bytes | None] = mapped_column(LargeBinary, nullable=True)
    photo_type: Mapped[str] = mapped_column(String(32), default="")
    employer_response: Mapped[str] = mapped_column(Text, default="")
    corrective_plan: Mapped[str] = mapped_column(Text, default="")
    plan_due_on: Mapped[date | None] = mapped_column(Date, nullable=True)
    violation_id: Mapped[int | None] = mapped_column(ForeignKey("deviations_violation.id"), nullable=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    audit: Mapped[Audit] = relationship(back_populates="findings")
