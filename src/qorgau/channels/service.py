"""Linking a staff member's Telegram chat to their account, and the actions they take from it."""

from __future__ import annotations

import hashlib
import secrets
from datetime import timedelta

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from qorgau.channels.models import LinkCode, MessengerLink
from qorgau.core import audit
from qorgau.core.db import utcnow
from qorgau.core.errors import Forbidden, ValidationFailed
from qorgau.core.i18n_markers import N_
from qorgau.core.models import User

CODE_MINUTES = 10


def _digest(code: str) -> str:
    return hashlib.sha256(("qorgau-link:" + "".join(c for c in code if c.isdigit())).encode()).hexdigest()


def new_link_code(session: Session, *, user: User) -> str:
    """An 8-digit code the person sends to the bot as `/link CODE` within ten minutes."""
    session.execute(delete(LinkCode).where(LinkCode.user_id == user.id))
    code = f"{secrets.randbelow(10 ** 8):08d}"
    session.add(LinkCode(code_digest=_digest(code), user_id=user.id,
                         expires_at=utcnow() + timedelta(minutes=CODE_MINUTES)))
    return code


def link(session: Session, *, chat_id: int, code: str) -> User:
    """Link the chat the code was sent from to the account that asked for the code."""
    row = session.get(LinkCode, _digest(code))
    if row is None or row.expires_at < utcnow():
        raise ValidationFailed(N_("This code is wrong or has expired. Get a new one on your profile page."),
                               field="code")
    user = session.get(User, row.user_id)
    session.delete(row)
    if user is None or not user.is_active:
        raise Forbidden(N_("This account is not active."))
    session.execute(delete(MessengerLink).where((MessengerLink.chat_id == chat_id)
                                                | (MessengerLink.user_id == user.id)))
    session.flush()
    session.add(MessengerLink(user_id=user.id, chat_id=chat_id))
    audit.record(session, action="messenger.linked", object_type="core_user", object_id=user.id)
    return user


def unlink(session: Session, *, user: User) -> bool:
    removed = session.execute(delete(MessengerLink).where(MessengerLink.user_id == user.id))
    if getattr(removed, "rowcount", 0):
        audit.record(session, action="messenger.unlinked", object_type="core_user", object_id=user.id)
        return True
    return False


def link_of(session: Session, *, user_id: int) -> MessengerLink | None:
    return session.get(MessengerLink, user_id)


def linked_user(session: Session, *, chat_id: int) -> User:
    user = session.execute(select(User).join(MessengerLink, MessengerLink.user_id == User.id)
                           .where(MessengerLink.chat_id == chat_id)).scalar()
    if user is None or not user.is_active:
        raise Forbidden(N_("This chat is not linked to an account. Link it from your profile page."))
    return user


def acknowledge_alarm(session: Session, *, chat_id: int, alarm_id: int):
    """Acknowledge an alarm from the chat, as the linked person (their permissions and scope apply)."""
    from qorgau.monitoring import service as monitoring

    actor = linked_user(session, chat_id=chat_id)
    session.info["actor"] = f"user:{actor.username}"
    return monitoring.acknowledge(session=session, actor=actor, alarm_id=alarm_id, note="Telegram")
