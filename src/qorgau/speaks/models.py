"""Worker Speaks: anonymous reports, their two-way messages and attachments.

Nothing here can identify a reporter: no address, no user agent, no precise time (dates only for
everything the reporter does); text, contact details and attachments are encrypted with the data key,
which the database does not hold (AES-GCM, no timestamp in the ciphertext). Reports, messages and
attachments have random ids, so their order says nothing either (see docs/speaks/anonymity.md).
"""

from __future__ import annotations

from datetime import date
from enum import StrEnum

from sqlalchemy import JSON, Boolean, Date, ForeignKey, Integer, LargeBinary, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from qorgau.core.db import Base
from qorgau.core.states import Transitions


class ReportStatus(StrEnum):
    NEW = "new"
    ACKNOWLEDGED = "acknowledged"
    IN_PROGRESS = "in_progress"
    RESOLVED = "resolved"
    CLOSED = "closed"
    SPAM = "spam"


# A report is acknowledged (the first reply does it too), worked on, resolved and closed. A resolved or
# closed report can be taken up again; a report marked as spam by mistake goes back to acknowledged.
REPORT_MOVES = Transitions(ReportStatus, {
    ReportStatus.NEW: {ReportStatus.ACKNOWLEDGED, ReportStatus.IN_PROGRESS, ReportStatus.RESOLVED,
                       ReportStatus.CLOSED, ReportStatus.SPAM},
    ReportStatus.ACKNOWLEDGED: {ReportStatus.IN_PROGRESS, ReportStatus.RESOLVED, ReportStatus.CLOSED,
                                ReportStatus.SPAM},
    ReportStatus.IN_PROGRESS: {ReportStatus.RESOLVED, ReportStatus.CLOSED},
    ReportStatus.RESOLVED: {ReportStatus.IN_PROGRESS, ReportStatus.CLOSED},
    ReportStatus.CLOSED: {ReportStatus.IN_PROGRESS},
    ReportStatus.SPAM: {ReportStatus.ACKNOWLEDGED},
})
STATUSES = tuple(ReportStatus)
OPEN_STATUSES = (ReportStatus.NEW, ReportStatus.ACKNOWLEDGED, ReportStatus.IN_PROGRESS)
ENDED_STATUSES = (ReportStatus.CLOSED, ReportStatus.SPAM)  # the reporter can no longer write
KINDS = ("hazard", "complaint", "suggestion")


class Report(Base):
    __tablename__ = "speaks_report"
    __audit_coarse_time__ = True

    id: Mapped[int] = mapped_column(primary_key=True)
    reference: Mapped[str] = mapped_column(String(12), unique=True)  # shown to staff, e.g. WS-7K2P9Q
    receipt_digest: Mapped[str] = mapped_column(String(64), unique=True)  # Argon2id of the receipt code
    kind: Mapped[str] = mapped_column(String(16))
    language: Mapped[str] = mapped_column(String(2), default="ru")
    enterprise_id: Mapped[int | None] = mapped_column(ForeignKey("registry_enterprise.id"), nullable=True, index=True)
    region_kato: Mapped[str | None] = mapped_column(ForeignKey("registry_region.kato"), nullable=True)
    sector_code: Mapped[str | None] = mapped_column(ForeignKey("registry_sector.code"), nullable=True)
    reporter_category: Mapped[str] = mapped_column(String(32), default="not_sure")
    category: Mapped[str] = mapped_column(String(32), index=True)
    urgency: Mapped[str] = mapped_column(String(16), index=True)
    triage_by: Mapped[str] = mapped_column(String(16), default="model")  # model | officer
    triage_explanation: Mapped[dict] = mapped_column(JSON, default=dict)
    status: Mapped[str] = mapped_column(String(16), default=ReportStatus.NEW, index=True)
    union_org_id: Mapped[int | None] = mapped_column(ForeignKey("registry_union_org.id"), nullable=True, index=True)
    escalation_level: Mapped[int] = mapped_column(Integer, default=0)
    shared_with_employer: Mapped[bool] = mapped_column(Boolean, default=False)
    received_on: Mapped[date] = mapped_column(Date, index=True)  # the day only, never the time
    acknowledge_by: Mapped[date] = mapped_column(Date)
    feedback_by: Mapped[date] = mapped_column(Date)
    acknowledged_on: Mapped[date | None] = mapped_column(Date, nullable=True)
    resolved_on: Mapped[date | None] = mapped_column(Date, nullable=True)
    description_encrypted: Mapped[bytes] = mapped_column(LargeBinary)
    redacted_encrypted: Mapped[bytes] = mapped_column(LargeBinary)
    contact_encrypted: Mapped[bytes | None] = mapped_column(LargeBinary, nullable=True)
    pii_types: Mapped[list] = mapped_column(JSON, default=list)  # which kinds of personal data were masked
    linked_type: Mapped[str | None] = mapped_column(String(16), nullable=True)  # violation | incident
    linked_id: Mapped[int | None] = mapped_column(Integer, nullable=True)

    # random ids carry no order and messages are dated to the day: their place in the thread orders them
    messages: Mapped[list[Message]] = relationship(back_populates="report",
                                                   order_by="[Message.sent_on, Message.position]")
    attachments: Mapped[list[Attachment]] = relationship(back_populates="report", order_by="Attachment.id")


class Message(Base):
    __tablename__ = "speaks_message"
    __audit_coarse_time__ = True

    id: Mapped[int] = mapped_column(primary_key=True)
    report_id: Mapped[int] = mapped_column(ForeignKey("speaks_report.id"), index=True)
    from_reporter: Mapped[bool] = mapped_column(Boolean)
    author_user_id: Mapped[int | None] = mapped_column(ForeignKey("core_user.id"), nullable=True)
    sent_on: Mapped[date] = mapped_column(Date)
    position: Mapped[int | None] = mapped_column(Integer, nullable=True)  # 1, 2, … within its report
    body_encrypted: Mapped[bytes] = mapped_column(LargeBinary)
    read_by_reporter: Mapped[bool] = mapped_column(Boolean, default=False)

    report: Mapped[Report] = relationship(back_populates="messages")


class Attachment(Base):
    __tablename__ = "speaks_attachment"
    __audit_coarse_time__ = True

    id: Mapped[int] = mapped_column(primary_key=True)
    report_id: Mapped[int] = mapped_column(ForeignKey("speaks_report.id"), index=True)
    media_type: Mapped[str] = mapped_column(String(40))
    size: Mapped[int] = mapped_column(Integer)
    content_encrypted: Mapped[bytes] = mapped_column(LargeBinary)

    report: Mapped[Report] = relationship(back_populates="attachments")


class ReceiptFailure(Base):
    """Wrong receipt codes tried today, per first four digits: no time, nothing about who."""

    __tablename__ = "speaks_receipt_counter"
    __table_args__ = (UniqueConstraint("prefix", "day"),)
    __audited__ = False

    id: Mapped[int] = mapped_column(primary_key=True)
    prefix: Mapped[str] = mapped_column(String(4))
    day: Mapped[date] = mapped_column(Date, index=True)
    failures: Mapped[int] = mapped_column(Integer, default=0)


class TriageCorrection(Base):
    """An officer's correction of the automatic triage, kept to retrain the model."""

    __tablename__ = "speaks_triage_correction"

    id: Mapped[int] = mapped_column(primary_key=True)
    report_id: Mapped[int] = mapped_column(ForeignKey("speaks_report.id"), index=True)
    officer_id: Mapped[int] = mapped_column(ForeignKey("core_user.id"))
    old_category: Mapped[str] = mapped_column(String(32))
    new_category: Mapped[str] = mapped_column(String(32))
    old_urgency: Mapped[str] = mapped_column(String(16))
    new_urgency: Mapped[str] = mapped_column(String(16))
    corrected_on: Mapped[date] = mapped_column(Date)
