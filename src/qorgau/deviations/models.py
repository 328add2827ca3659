"""Violations found by union technical inspectors, their corrective actions, evidence and escalation.

The registry of technical inspectors and safety committees is on the registry floor
(`qorgau.registry.models`): the inspectors' training reads it as well as this package."""

from __future__ import annotations

from datetime import date, datetime
from enum import StrEnum

from sqlalchemy import JSON, Boolean, Date, ForeignKey, Integer, LargeBinary, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from qorgau.core.db import Base, UTCDateTime, utcnow
from qorgau.core.states import Transitions

SEVERITIES = ("gross", "significant", "minor")
ACTION_KINDS = ("immediate", "corrective", "preventive")
SOURCES = ("field", "import", "worker_report", "monitoring")


class ViolationStatus(StrEnum):
    # Sent from the chat before the inspector completes it on the phone page: seen only by that inspector,
    # kept out of every list, count and statistic until completed.
    DRAFT = "draft"
    OPEN = "open"
    AWAITING_VERIFICATION = "awaiting_verification"
    CLOSED = "closed"


# Open until every action is reported done; a new action or a rejected fix reopens it; the last verified
# action closes it for good.
VIOLATION_MOVES = Transitions(ViolationStatus, {
    ViolationStatus.DRAFT: {ViolationStatus.OPEN},
    ViolationStatus.OPEN: {ViolationStatus.AWAITING_VERIFICATION},
    ViolationStatus.AWAITING_VERIFICATION: {ViolationStatus.OPEN, ViolationStatus.CLOSED},
})


class ActionStatus(StrEnum):
    OPEN = "open"
    DONE = "done"  # evidence submitted, waiting for the inspector
    VERIFIED = "verified"


# More evidence may follow while an action waits; a rejected fix reopens it; a verified action is final.
ACTION_MOVES = Transitions(ActionStatus, {
    ActionStatus.OPEN: {ActionStatus.DONE},
    ActionStatus.DONE: {ActionStatus.DONE, ActionStatus.OPEN, ActionStatus.VERIFIED},
})


class Verdict(StrEnum):
    PENDING = ""
    ACCEPTED = "accepted"
    REJECTED = "rejected"


VERDICT_MOVES = Transitions(Verdict, {Verdict.PENDING: {Verdict.ACCEPTED, Verdict.REJECTED}})
VIOLATION_STATUSES = tuple(s for s in ViolationStatus if s != ViolationStatus.DRAFT)
ACTION_STATUSES = tuple(ActionStatus)


class Violation(Base):
    __tablename__ = "deviations_violation"

    id: Mapped[int] = mapped_column(primary_key=True)
    enterprise_id: Mapped[int] = mapped_column(ForeignKey("registry_enterprise.id"), index=True)
    site_id: Mapped[int | None] = mapped_column(ForeignKey("registry_site.id"), nullable=True, index=True)
    zone_id: Mapped[int | None] = mapped_column(ForeignKey("registry_zone.id"), nullable=True, index=True)
    category: Mapped[str] = mapped_column(String(32), index=True)
    severity: Mapped[str] = mapped_column(String(16), index=True)
    description: Mapped[str] = mapped_column(Text)
    rule_reference: Mapped[str] = mapped_column(String(300), default="")
    work_stopped: Mapped[bool] = mapped_column(Boolean, default=False)
    found_on: Mapped[date] = mapped_column(Date, index=True)
    status: Mapped[str] = mapped_column(String(24), default=ViolationStatus.OPEN, index=True)
    closed_on: Mapped[date | None] = mapped_column(Date, nullable=True)
    inspector_id: Mapped[int | None] = mapped_column(ForeignKey("core_user.id"), nullable=True, index=True)
    inspector_name: Mapped[str] = mapped_column(String(200), default="")  # as written in an imported sheet
    source: Mapped[str] = mapped_column(String(16), default="field")
    source_reference: Mapped[str] = mapped_column(String(64), default="")
    is_repeat: Mapped[bool] = mapped_column(Boolean, default=False, index=True)
    repeat_of_id: Mapped[int | None] = mapped_column(ForeignKey("deviations_violation.id"), nullable=True)
    # Idempotency: a phone that resends a queued entry sends the same key, so it is stored once.
    client_key: Mapped[str | None] = mapped_column(String(64), unique=True, nullable=True)
    # De-duplication of imported rows: enterprise, date, place, category and description, hashed.
    dedup_key: Mapped[str | None] = mapped_column(String(64), unique=True, nullable=True)
    import_id: Mapped[int | None] = mapped_column(ForeignKey("deviations_import.id"), nullable=True, index=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    actions: Mapped[list[CorrectiveAction]] = relationship(back_populates="violation", order_by="CorrectiveAction.id")
    photos: Mapped[list[ViolationPhoto]] = relationship(back_populates="violation", order_by="ViolationPhoto.id")
    escalations: Mapped[list[ActionEscalation]] = relationship(back_populates="violation", order_by="ActionEscalation.id")


class CorrectiveAction(Base):
    """A corrective action the employer must carry out, with a responsible person and a due date."""

    __tablename__ = "deviations_action"

    id: Mapped[int] = mapped_column(primary_key=True)
    violation_id: Mapped[int] = mapped_column(ForeignKey("deviations_violation.id"), index=True)
    kind: Mapped[str] = mapped_column(String(16))
    description: Mapped[str] = mapped_column(Text)
    responsible: Mapped[str] = mapped_column(String(200))
    due_on: Mapped[date] = mapped_column(Date, index=True)
    status: Mapped[str] = mapped_column(String(16), default=ActionStatus.OPEN, index=True)
    done_on: Mapped[date | None] = mapped_column(Date, nullable=True)
    verified_on: Mapped[date | None] = mapped_column(Date, nullable=True)
    verified_by_id: Mapped[int | None] = mapped_column(ForeignKey("core_user.id"), nullable=True)
    reminded_on: Mapped[date | None] = mapped_column(Date, nullable=True)
    escalation_level: Mapped[int] = mapped_column(Integer, default=0)

    violation: Mapped[Violation] = relationship(back_populates="actions")
    evidence: Mapped[list[ActionEvidence]] = relationship(back_populates="action", order_by="ActionEvidence.id")


class ActionEvidence(Base):
    """The employer's proof that an action is done, and the inspector's verdict on it."""

    __tablename__ = "deviations_evidence"

    id: Mapped[int] = mapped_column(primary_key=True)
    action_id: Mapped[int] = mapped_column(ForeignKey("deviations_action.id"), index=True)
    note: Mapped[str] = mapped_column(Text)
    media_type: Mapped[str] = mapped_column(String(40), default="")
    content: Mapped[bytes | None] = mapped_column(LargeBinary, nullable=True)
    submitted_by_id: Mapped[int] = mapped_column(ForeignKey("core_user.id"))
    submitted_on: Mapped[date] = mapped_column(Date)
    verdict: Mapped[str] = mapped_column(String(16), default=Verdict.PENDING)
    verdict_note: Mapped[str] = mapped_column(Text, default="")
    verdict_by_id: Mapped[int | None] = mapped_column(ForeignKey("core_user.id"), nullable=True)
    verdict_on: Mapped[date | None] = mapped_column(Date, nullable=True)

    action: Mapped[CorrectiveAction] = relationship(back_populates="evidence")


class ViolationPhoto(Base):
    """A photo taken at the violation, re-encoded from pixels (no EXIF or GPS)."""

    __tablename__ = "deviations_photo"
    __audit_exclude__ = ("content",)

    id: Mapped[int] = mapped_column(primary_key=True)
    violation_id: Mapped[int] = mapped_column(ForeignKey("deviations_violation.id"), index=True)
    media_type: Mapped[str] = mapped_column(String(40))
    content: Mapped[bytes] = mapped_column(LargeBinary)

    violation: Mapped[Violation] = relationship(back_populates="photos")


class ActionEscalation(Base):
    """One step of the ladder (or a reminder) reached by an overdue action, and who was told."""

    __tablename__ = "deviations_escalation"

    id: Mapped[int] = mapped_column(primary_key=True)
    violation_id: Mapped[int] = mapped_column(ForeignKey("deviations_violation.id"), index=True)
    action_id: Mapped[int] = mapped_column(ForeignKey("deviations_action.id"), index=True)
    step: Mapped[str] = mapped_column(String(32))  # reminder | safety_manager | management | ...
    level: Mapped[int] = mapped_column(Integer)
    on: Mapped[date] = mapped_column(Date)
    days_overdue: Mapped[int] = mapped_column(Integer, default=0)
    notified: Mapped[list] = mapped_column(JSON, default=list)  # usernames told in the app

    violation: Mapped[Violation] = relationship(back_populates="escalations")


class ViolationImport(Base):
    """An uploaded spreadsheet between upload, column mapping, preview and commit."""

    __tablename__ = "deviations_import"
    __audit_exclude__ = ("content",)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("core_user.id"), index=True)
    filename: Mapped[str] = mapped_column(String(200))
    sha256: Mapped[str] = mapped_column(String(64))
    content: Mapped[bytes] = mapped_column(LargeBinary)
    mapping: Mapped[dict] = mapped_column(JSON, default=dict)
    status: Mapped[str] = mapped_column(String(16), default="uploaded")  # uploaded | failed | imported
    result: Mapped[dict] = mapped_column(JSON, default=dict)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
