"""Tables shared by every capability: accounts, API tokens, sign-in failures, audit log, notifications."""

from __future__ import annotations

import secrets
from datetime import date, datetime
from enum import StrEnum

from sqlalchemy import JSON, Boolean, Date, ForeignKey, Integer, LargeBinary, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from qorgau.core.notice_text import render
from qorgau.core.tables import Base, UTCDateTime, utcnow

RANDOM_ID_FLOOR = 1 << 20


def random_id(session, model) -> int:
    """A random primary key (below 2^31): rows of anonymous origin carry no insertion order."""
    while True:
        candidate = RANDOM_ID_FLOOR + secrets.randbelow((1 << 31) - 1 - RANDOM_ID_FLOOR)
        if session.get(model, candidate) is None:
            return candidate


class User(Base):
    __tablename__ = "core_user"
    __audit_exclude__ = ("password_hash",)

    id: Mapped[int] = mapped_column(primary_key=True)
    username: Mapped[str] = mapped_column(String(64), unique=True)
    full_name: Mapped[str] = mapped_column(String(200), default="")
    email: Mapped[str] = mapped_column(String(200), default="")
    password_hash: Mapped[str] = mapped_column(String(255))
    role: Mapped[str] = mapped_column(String(32))
    # The part of the union/enterprise tree the user acts in (see core.policy).
    scope_kind: Mapped[str] = mapped_column(String(16), default="national")
    scope_region_kato: Mapped[str | None] = mapped_column(String(9), nullable=True)
    scope_union_id: Mapped[int | None] = mapped_column(ForeignKey("registry_union_org.id"), nullable=True)
    scope_enterprise_id: Mapped[int | None] = mapped_column(ForeignKey("registry_enterprise.id"), nullable=True)
    locale: Mapped[str] = mapped_column(String(5), default="")
    is_active: Mapped[bool] = mapped_column(Boolean, default=True)
    on_duty: Mapped[bool] = mapped_column(Boolean, default=False)
    session_epoch: Mapped[int] = mapped_column(Integer, default=0)
    locked_until: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    tokens: Mapped[list[ApiToken]] = relationship(back_populates="user")

    def __repr__(self) -> str:
        return f"<User {self.username} {self.role}>"


class ApiToken(Base):
    __tablename__ = "core_api_token"
    __audit_exclude__ = ("token_hash",)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("core_user.id"))
    name: Mapped[str] = mapped_column(String(100), default="")
    prefix: Mapped[str] = mapped_column(String(16), index=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    scopes: Mapped[str] = mapped_column(String(200), default="read")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    expires_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    last_used_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)

    user: Mapped[User] = relationship(back_populates="tokens")

    @property
    def scope_list(self) -> list[str]:
        return [s for s in self.scopes.split(",") if s]


class LoginFailure(Base):
    """A failed sign-in: the name tried and a keyed digest of the client (never its address)."""

    __tablename__ = "core_login_failure"
    __audited__ = False

    id: Mapped[int] = mapped_column(primary_key=True)
    username: Mapped[str] = mapped_column(String(64), index=True)
    client: Mapped[str] = mapped_column(String(32), default="", index=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)


class AuditEntry(Base):
    """Append-only; each entry's hash covers its content and the previous entry's hash."""

    __tablename__ = "core_audit_entry"
    __audited__ = False

    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)
    actor: Mapped[str] = mapped_column(String(100))
    action: Mapped[str] = mapped_column(String(64))
    object_type: Mapped[str] = mapped_column(String(64), index=True)
    object_id: Mapped[str] = mapped_column(String(64), default="", index=True)
    before: Mapped[dict | None] = mapped_column(JSON, nullable=True)
    after: Mapped[dict | None] = mapped_column(JSON, nullable=True)
    reason: Mapped[str] = mapped_column(Text, default="")
    prev_hash: Mapped[str] = mapped_column(String(64))
    hash: Mapped[str] = mapped_column(String(64))
    key_id: Mapped[str] = mapped_column(String(16), default="")  # the audit key that keyed `hash` (HMAC)


class AuditHeld(Base):
    """An audit entry of an anonymous action, held until its day is over and then appended to the chain.

    Random id, the day only: nothing orders it among the day's other actions.
    """

    __tablename__ = "core_audit_held"
    __audited__ = False

    id: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)
    day: Mapped[date] = mapped_column(Date, index=True)
    entry: Mapped[dict] = mapped_column(JSON)


class Notification(Base):
    """An in-app message to one user (e-mail and webhook delivery are attempted beside it).

    Stored as a message id and its parameters, rendered in the reader's language when shown. Ids are
    random; notifications caused by an anonymous reporter are dated to the day only.
    """

    __tablename__ = "core_notification"
    __audit_coarse_time__ = True  # when an anonymous reporter's action causes it

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("core_user.id"), index=True)
    kind: Mapped[str] = mapped_column(String(32))
    title: Mapped[str] = mapped_column(String(300))  # message id (English), formatted with params
    body: Mapped[str] = mapped_column(Text, default="")  # message id, or plain text when params say so
    params: Mapped[dict] = mapped_column(JSON, default=dict)
    link: Mapped[str] = mapped_column(String(300), default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    read_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)

    @property
    def shown(self) -> tuple[str, str]:
        """(title, body) in the current locale."""
        return render(self)

    @property
    def dated_to_day(self) -> bool:
        return bool((self.params or {}).get("_day"))

class Delivery(Base):
    """One notification on its way out by one channel (e-mail, SMS, webhook): see core.delivery.

    Rows are the outbox: written in the transaction that creates the notification, sent by the job
    runner, retried with backoff, kept as dead letters an administrator can replay. Not audited row by
    row (attempts are operational state); replays are audit events. A delivery caused by an anonymous
    reporter (`coarse`) keeps no time finer than its day.
    """

    __tablename__ = "core_delivery"
    __audited__ = False

    id: Mapped[int] = mapped_column(primary_key=True)
    notification_id: Mapped[int] = mapped_column(ForeignKey("core_notification.id", ondelete="CASCADE"), index=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("core_user.id"), index=True)
    channel: Mapped[str] = mapped_column(String(16))  # email | sms | webhook
    state: Mapped[str] = mapped_column(String(16), default="queued", index=True)
    urgent: Mapped[bool] = mapped_column(Boolean, default=False)
    coarse: Mapped[bool] = mapped_column(Boolean, default=False)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    due_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)  # None: as soon as possible
    last_error: Mapped[str] = mapped_column(String(300), default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)


class NotificationPreference(Base):
    """How one person wants to be reached: channels and digest per kind of notification, quiet hours."""

    __tablename__ = "core_notification_pref"
    __audit_exclude__ = ("phone_encrypted",)

    user_id: Mapped[int] = mapped_column(ForeignKey("core_user.id"), primary_key=True)
    # {"speaks": {"channels": ["email", "sms"], "digest": false}, ...} keyed by kind group
    groups: Mapped[dict] = mapped_column(JSON, default=dict)
    quiet_from: Mapped[str] = mapped_column(String(5), default="")  # "22:00", local time; "" = none
    quiet_to: Mapped[str] = mapped_column(String(5), default="")
    phone_encrypted: Mapped[bytes | None] = mapped_column(LargeBinary, nullable=True)


class Job(Base):
    """A background job's state and progress (the queue carries only its id; see core.jobs).

    Not audited row by row: progress is rewritten many times a minute; what a job changes is audited
    by the job's own unit of work, and its start and end are audit events.
    """

    __tablename__ = "core_job"
    __audited__ = False

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(64), index=True)
    params: Mapped[dict] = mapped_column(JSON, default=dict)
    state: Mapped[str] = mapped_column(String(16), default="queued", index=True)
    progress: Mapped[int] = mapped_column(Integer, default=0)  # percent
    message: Mapped[str] = mapped_column(String(300), default="")
    result: Mapped[dict | None] = mapped_column(JSON, nullable=True)
    error: Mapped[str] = mapped_column(Text, default="")
    requested_by: Mapped[str] = mapped_column(String(100), default="system")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)
    started_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)


class PrivacyRequest(Base):
    """A person's request about the data the platform holds on them (correction), and its handling."""

    __tablename__ = "core_privacy_request"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("core_user.id"), index=True)
    kind: Mapped[str] = mapped_column(String(16), default="correction")
    details: Mapped[str] = mapped_column(Text)
    status: Mapped[str] = mapped_column(String(16), default="open", index=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    resolved_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    resolved_by: Mapped[str] = mapped_column(String(100), default="")
    answer: Mapped[str] = mapped_column(Text, default="")


class DocumentState(StrEnum):
    current = "current"
    expired = "expired"
    revoked = "revoked"


class IssuedDocument(Base):
    """A document the platform issued: what, about whom, its PDF and its fingerprint."""

    __tablename__ = "core_document"
    __audit_exclude__ = ("content",)

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(32), index=True)  # "training_certificate", "violation_notice", ...
    code: Mapped[str] = mapped_column(String(16), unique=True)
    title: Mapped[str] = mapped_column(String(300))
    subject: Mapped[str] = mapped_column(String(300))  # the person or object the document is about
    enterprise_id: Mapped[int | None] = mapped_column(ForeignKey("registry_enterprise.id"), nullable=True, index=True)
    object_type: Mapped[str] = mapped_column(String(64), default="")  # the row it was issued for
    object_id: Mapped[str] = mapped_column(String(64), default="")
    language: Mapped[str] = mapped_column(String(2))
    sha256: Mapped[str] = mapped_column(String(64))
    size: Mapped[int] = mapped_column(Integer)
    content: Mapped[bytes] = mapped_column(LargeBinary)
    issued_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    issued_by: Mapped[str] = mapped_column(String(80), default="")
    valid_until: Mapped[date | None] = mapped_column(Date, nullable=True)
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    revoked_reason: Mapped[str] = mapped_column(String(300), default="")
