"""A person's rights over the data the platform holds about their account (Kazakhstan's Law on personal
data and their protection, art. 24: to know what is held, to receive it, to have it corrected).

Everything here is about accounts. Worker Speaks reporters have no account and the platform holds
nothing that identifies them, so there is nothing to look up for them.
"""

from __future__ import annotations

from datetime import UTC, datetime
from enum import StrEnum

from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session

from qorgau.core import audit, i18n, policy
from qorgau.core.config import get_settings
from qorgau.core.errors import NotFound, ValidationFailed
from qorgau.core.i18n_markers import N_
from qorgau.core.models import ApiToken, AuditEntry, LoginFailure, Notification, PrivacyRequest, User
from qorgau.core.notify import notify
from qorgau.core.states import Transitions


class RequestStatus(StrEnum):
    OPEN = "open"
    DONE = "done"
    REFUSED = "refused"


REQUEST_MOVES = Transitions(RequestStatus, {RequestStatus.OPEN: {RequestStatus.DONE, RequestStatus.REFUSED}})
STATUS_LABELS = {RequestStatus.OPEN: N_("open"), RequestStatus.DONE: N_("corrected"),
                 RequestStatus.REFUSED: N_("refused with reasons")}


def my_data(session: Session, *, user: User) -> dict:
    """What the platform holds about this account, as one exportable document."""
    actor = f"user:{user.username}"
    tokens = session.execute(select(ApiToken).where(ApiToken.user_id == user.id).order_by(ApiToken.id)).scalars()
    authored = session.execute(select(AuditEntry.object_type, func.count())
                               .where(or_(AuditEntry.actor == actor, AuditEntry.actor.like(f"token:%:{user.username}")))
                               .group_by(AuditEntry.object_type).order_by(AuditEntry.object_type)).all()
    requests = session.execute(select(PrivacyRequest).where(PrivacyRequest.user_id == user.id)
                               .order_by(PrivacyRequest.id)).scalars()
    return {
        "exported_at": datetime.now(UTC).isoformat(timespec="seconds"),
        "account": {"username": user.username, "full_name": user.full_name, "email": user.email,
                    "role": user.role, "scope_kind": user.scope_kind, "scope_region_kato": user.scope_region_kato,
                    "scope_union_id": user.scope_union_id, "scope_enterprise_id": user.scope_enterprise_id,
                    "locale": user.locale, "active": user.is_active, "on_duty": user.on_duty,
                    "created_at": user.created_at.isoformat() if user.created_at else None,
                    "password": "stored only as an Argon2id hash"},
        "api_tokens": [{"prefix": t.prefix, "name": t.name, "scopes": t.scope_list,
                        "created_at": t.created_at.isoformat(), "revoked": t.revoked_at is not None,
                        "last_used_at": t.last_used_at.isoformat() if t.last_used_at else None} for t in tokens],
        "notifications": session.execute(select(func.count()).where(Notification.user_id == user.id)).scalar_one(),
        "failed_sign_ins": [f.at.isoformat() for f in session.execute(
            select(LoginFailure).where(LoginFailure.username == user.username).order_by(LoginFailure.at)).scalars()],
        "actions_in_audit_log": {object_type: count for object_type, count in authored},
        "requests": [{"id": r.id, "kind": r.kind, "details": r.details, "status": r.status,
                      "created_at": r.created_at.isoformat(), "answer": r.answer} for r in requests],
    }


def request_correction(session: Session, *, user: User, details: str) -> PrivacyRequest:
    details = details.strip()
    if not details:
        raise ValidationFailed(N_("Say what is wrong and what it should be."), field="details")
    if len(details) > 4000:
        raise ValidationFailed(N_("Too long (at most 4,000 characters)."), field="details")
    request = PrivacyRequest(user_id=user.id, kind="correction", details=details, status=RequestStatus.OPEN)
    session.add(request)
    session.flush()
    _tell_handlers(session, request)
    return request


def _tell_handlers(session: Session, request: PrivacyRequest) -> None:
    for handler in session.execute(select(User).where(User.is_active)).scalars():
        if policy.allowed(handler, "privacy.manage"):
            with i18n.locale_context(handler.locale or get_settings().default_locale):
                title = i18n.gettext(N_("A request to correct personal data is waiting."))
            notify(session, user=handler, kind="privacy_request", title=title, link="/admin/privacy")


def open_requests(session: Session, *, actor: User) -> list[tuple[PrivacyRequest, User]]:
    policy.require(actor, "privacy.manage")
    rows = session.execute(select(PrivacyRequest, User).join(User, User.id == PrivacyRequest.user_id)
                           .order_by(PrivacyRequest.status != RequestStatus.OPEN, PrivacyRequest.id.desc()).limit(200))
    return [(request, owner) for request, owner in rows.tuples()]


def resolve(session: Session, *, actor: User, request_id: int, outcome: str, answer: str) -> PrivacyRequest:
    policy.require(actor, "privacy.manage")
    request = session.get(PrivacyRequest, request_id)
    if request is None:
        raise NotFound(N_("Not found."))
    if not answer.strip():
        raise ValidationFailed(N_("Tell the person what was done, or why not."), field="answer")
    request.status = REQUEST_MOVES.move(request.status, outcome, field="outcome")
    request.answer, request.resolved_by, request.resolved_at = answer.strip()[:4000], actor.username, datetime.now(UTC)
    audit.record(session, action="privacy.resolved", object_type="core_privacy_request", object_id=request.id,
                 after={"status": request.status})
    return request
