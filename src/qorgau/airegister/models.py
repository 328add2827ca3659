"""The AI deployment register: filings and their versions, the union's review (comments, questions,
answers, votes, decision), conditions with due dates, classification overrides, the collective
agreement's human-only roles and quotas, linked worker reports, and the procedure's event log."""

from __future__ import annotations

from datetime import date, datetime
from enum import StrEnum

from sqlalchemy import JSON, Boolean, Date, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from qorgau.core.db import Base, UTCDateTime, utcnow
from qorgau.core.states import Transitions


class FilingStatus(StrEnum):
    DRAFT = "draft"
    UNDER_REVIEW = "under_review"
    VOTING = "voting"
    APPROVED = "approved"
    APPROVED_WITH_CONDITIONS = "approved_with_conditions"
    REJECTED = "rejected"
    WITHDRAWN = "withdrawn"


# A change during the vote sends the filing back to review (the vote starts again); a change after the
# decision sends it back for review; a withdrawn filing stays withdrawn.
FILING_MOVES = Transitions(FilingStatus, {
    FilingStatus.DRAFT: {FilingStatus.UNDER_REVIEW, FilingStatus.WITHDRAWN},
    FilingStatus.UNDER_REVIEW: {FilingStatus.VOTING, FilingStatus.WITHDRAWN},
    FilingStatus.VOTING: {FilingStatus.UNDER_REVIEW, FilingStatus.APPROVED, FilingStatus.APPROVED_WITH_CONDITIONS,
                          FilingStatus.REJECTED, FilingStatus.WITHDRAWN},
    FilingStatus.APPROVED: {FilingStatus.UNDER_REVIEW},
    FilingStatus.APPROVED_WITH_CONDITIONS: {FilingStatus.UNDER_REVIEW},
    FilingStatus.REJECTED: {FilingStatus.UNDER_REVIEW},
})
STATUSES = tuple(FilingStatus)
OPEN = (FilingStatus.DRAFT, FilingStatus.UNDER_REVIEW, FilingStatus.VOTING)
IN_REVIEW = (FilingStatus.UNDER_REVIEW, FilingStatus.VOTING)
DECIDED = (FilingStatus.APPROVED, FilingStatus.APPROVED_WITH_CONDITIONS, FilingStatus.REJECTED)
APPROVED = (FilingStatus.APPROVED, FilingStatus.APPROVED_WITH_CONDITIONS)
PUBLIC_STATUSES = IN_REVIEW + DECIDED  # what the workers of the enterprise may know: not drafts, not withdrawn


class ConditionStatus(StrEnum):
    OPEN = "open"
    MET = "met"
    OVERDUE = "overdue"


CONDITION_MOVES = Transitions(ConditionStatus, {
    ConditionStatus.OPEN: {ConditionStatus.MET, ConditionStatus.OVERDUE},
    ConditionStatus.OVERDUE: {ConditionStatus.MET},
})
UNMET = (ConditionStatus.OPEN, ConditionStatus.OVERDUE)


class Filing(Base):
    """One AI system at one enterprise; its content lives in versions, its procedure here."""

    __tablename__ = "airegister_filing"

    id: Mapped[int] = mapped_column(primary_key=True)
    reference: Mapped[str] = mapped_column(String(12), unique=True)  # e.g. AI-7K2P9Q
    enterprise_id: Mapped[int] = mapped_column(ForeignKey("registry_enterprise.id"), index=True)
    union_org_id: Mapped[int | None] = mapped_column(ForeignKey("registry_union_org.id"), nullable=True, index=True)
    status: Mapped[str] = mapped_column(String(32), default=FilingStatus.DRAFT, index=True)
    current_version: Mapped[int] = mapped_column(Integer, default=1)
    # denormalised from the current version for lists and filters
    name: Mapped[str] = mapped_column(String(200))
    risk_kz: Mapped[str] = mapped_column(String(16), default="minimal", index=True)
    eu_category: Mapped[str] = mapped_column(String(16), default="minimal", index=True)
    jobs_removed: Mapped[int] = mapped_column(Integer, default=0)
    created_by: Mapped[int | None] = mapped_column(ForeignKey("core_user.id"), nullable=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    submitted_on: Mapped[date | None] = mapped_column(Date, nullable=True)
    review_due: Mapped[date | None] = mapped_column(Date, nullable=True)  # the union's decision deadline
    escalation_level: Mapped[int] = mapped_column(Integer, default=0)
    quorum: Mapped[int] = mapped_column(Integer, default=1)  # votes needed for a valid decision
    majority_pct: Mapped[int] = mapped_column(Integer, default=50)  # "for" must exceed this share of for+against
    decided_on: Mapped[date | None] = mapped_column(Date, nullable=True)
    decision_reasons: Mapped[str] = mapped_column(Text, default="")
    review_every_months: Mapped[int] = mapped_column(Integer, default=12)
    next_review_on: Mapped[date | None] = mapped_column(Date, nullable=True)
    review_notified_on: Mapped[date | None] = mapped_column(Date, nullable=True)
    suspension_recommended: Mapped[bool] = mapped_column(Boolean, default=False)
    # As a person wrote it; empty when an overdue condition is the reason (the page shows that condition).
    suspension_reason: Mapped[str] = mapped_column(Text, default="")

    versions: Mapped[list[Version]] = relationship(back_populates="filing", order_by="Version.number")
    comments: Mapped[list[Comment]] = relationship(back_populates="filing", order_by="Comment.id")
    votes: Mapped[list[Vote]] = relationship(back_populates="filing", order_by="Vote.id")
    conditions: Mapped[list[Condition]] = relationship(back_populates="filing", order_by="Condition.id")
    overrides: Mapped[list[Override]] = relationship(back_populates="filing", order_by="Override.id")
    linked_reports: Mapped[list[LinkedReport]] = relationship(back_populates="filing", order_by="LinkedReport.id")
    events: Mapped[list[Event]] = relationship(back_populates="filing", order_by="Event.id")


class Version(Base):
    """The filing's content as of one change: never edited, a change makes the next version."""

    __tablename__ = "airegister_version"
    __table_args__ = (UniqueConstraint("filing_id", "number"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    filing_id: Mapped[int] = mapped_column(ForeignKey("airegister_filing.id"), index=True)
    number: Mapped[int] = mapped_column(Integer)
    data: Mapped[dict] = mapped_column(JSON)
    change_note: Mapped[str] = mapped_column(String(500), default="")
    author_id: Mapped[int | None] = mapped_column(ForeignKey("core_user.id"), nullable=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    filing: Mapped[Filing] = relationship(back_populates="versions")


class Comment(Base):
    """A union member's comment or question, or the employer's answer to a question (in the record)."""

    __tablename__ = "airegister_comment"

    id: Mapped[int] = mapped_column(primary_key=True)
    filing_id: Mapped[int] = mapped_column(ForeignKey("airegister_filing.id"), index=True)
    kind: Mapped[str] = mapped_column(String(16))  # comment | question | answer
    answers_id: Mapped[int | None] = mapped_column(ForeignKey("airegister_comment.id"), nullable=True)
    author_id: Mapped[int | None] = mapped_column(ForeignKey("core_user.id"), nullable=True)
    body: Mapped[str] = mapped_column(Text)
    version_number: Mapped[int] = mapped_column(Integer)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    filing: Mapped[Filing] = relationship(back_populates="comments")


class Vote(Base):
    __tablename__ = "airegister_vote"
    __table_args__ = (UniqueConstraint("filing_id", "voter_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    filing_id: Mapped[int] = mapped_column(ForeignKey("airegister_filing.id"), index=True)
    voter_id: Mapped[int] = mapped_column(ForeignKey("core_user.id"))
    choice: Mapped[str] = mapped_column(String(16))  # for | against | abstain
    note: Mapped[str] = mapped_column(String(1000), default="")
    cast_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    filing: Mapped[Filing] = relationship(back_populates="votes")


class Condition(Base):
    """A condition of approval: an obligation of the employer with a due date, escalated when overdue."""

    __tablename__ = "airegister_condition"

    id: Mapped[int] = mapped_column(primary_key=True)
    filing_id: Mapped[int] = mapped_column(ForeignKey("airegister_filing.id"), index=True)
    text: Mapped[str] = mapped_column(String(1000))
    due_on: Mapped[date] = mapped_column(Date, index=True)
    status: Mapped[str] = mapped_column(String(16), default=ConditionStatus.OPEN, index=True)
    # "obligation": met when the union confirms it; "agreed_plan": met once the retraining plan is agreed.
    kind: Mapped[str] = mapped_column(String(16), default="obligation", server_default="obligation")
    plan_id: Mapped[int | None] = mapped_column(ForeignKey("aiwork_plan.id"), nullable=True)
    met_on: Mapped[date | None] = mapped_column(Date, nullable=True)
    evidence: Mapped[str] = mapped_column(Text, default="")
    escalation_level: Mapped[int] = mapped_column(Integer, default=0)
    escalated_on: Mapped[date | None] = mapped_column(Date, nullable=True)

    filing: Mapped[Filing] = relationship(back_populates="conditions")


class Override(Base):
    """A union officer's override of one automatic classification result, with the reason."""

    __tablename__ = "airegister_override"

    id: Mapped[int] = mapped_column(primary_key=True)
    filing_id: Mapped[int] = mapped_column(ForeignKey("airegister_filing.id"), index=True)
    dimension: Mapped[str] = mapped_column(String(40))  # risk_kz | autonomy_kz | eu_category | flag:<rule id>
    automatic: Mapped[str] = mapped_column(String(40))
    value: Mapped[str] = mapped_column(String(40))
    reason: Mapped[str] = mapped_column(String(1000))
    officer_id: Mapped[int | None] = mapped_column(ForeignKey("core_user.id"), nullable=True)
    version_number: Mapped[int] = mapped_column(Integer)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    filing: Mapped[Filing] = relationship(back_populates="overrides")


class LinkedReport(Base):
    """A Worker Speaks report (anonymous) that an officer linked to the AI system it is about."""

    __tablename__ = "airegister_linked_report"
    __table_args__ = (UniqueConstraint("filing_id", "speaks_report_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    filing_id: Mapped[int] = mapped_column(ForeignKey("airegister_filing.id"), index=True)
    speaks_report_id: Mapped[int] = mapped_column(ForeignKey("speaks_report.id"))
    reference: Mapped[str] = mapped_column(String(12))
    kind: Mapped[str] = mapped_column(String(24))  # wrong_decision | harm | surveillance | other
    note: Mapped[str] = mapped_column(String(1000), default="")
    linked_by: Mapped[int | None] = mapped_column(ForeignKey("core_user.id"), nullable=True)
    linked_on: Mapped[date] = mapped_column(Date)

    filing: Mapped[Filing] = relationship(back_populates="linked_reports")


class HumanOnlyRole(Base):
    """An occupation the enterprise's collective agreement reserves for people: it cannot be automated."""

    __tablename__ = "airegister_human_only_role"
    __table_args__ = (UniqueConstraint("enterprise_id", "isco08"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    enterprise_id: Mapped[int] = mapped_column(ForeignKey("registry_enterprise.id"), index=True)
    isco08: Mapped[str] = mapped_column(ForeignKey("registry_occupation.code"))
    clause: Mapped[str] = mapped_column(String(300), default="")


class HumanQuota(Base):
    """The agreed minimum share of human-occupied jobs in a unit ('*' = the whole enterprise)."""

    __tablename__ = "airegister_human_quota"
    __table_args__ = (UniqueConstraint("enterprise_id", "unit"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    enterprise_id: Mapped[int] = mapped_column(ForeignKey("registry_enterprise.id"), index=True)
    unit: Mapped[str] = mapped_column(String(120))
    min_human_pct: Mapped[int] = mapped_column(Integer)
    clause: Mapped[str] = mapped_column(String(300), default="")


class Event(Base):
    """One step of the procedure, for the record shown on the filing (the audit log holds the rest)."""

    __tablename__ = "airegister_event"

    id: Mapped[int] = mapped_column(primary_key=True)
    filing_id: Mapped[int] = mapped_column(ForeignKey("airegister_filing.id"), index=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("core_user.id"), nullable=True)
    kind: Mapped[str] = mapped_column(String(32))
    detail: Mapped[dict] = mapped_column(JSON, default=dict)

    filing: Mapped[Filing] = relationship(back_populates="events")
