"""One-time form tokens: a form posted twice (a double click, a resend after a timeout, two tabs) acts once.

The page puts `once.issue()` in a hidden `form_token` field. The route that handles the post calls
`once.claim(session, token, purpose)` before it writes: the first post gets None and goes ahead, then
records where it led with `once.settle(...)` in the same transaction; a repeat gets that result (e.g. the
URL of the row the first post created) and answers with it instead of writing again. Two posts at the
same instant meet on the token's primary key: the second waits for the first transaction and then sees
its result. A first post that fails rolls its claim back, so the corrected form can be sent again.
"""

from __future__ import annotations

import secrets
from datetime import datetime, timedelta

from sqlalchemy import String, delete, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Mapped, Session, mapped_column

from qorgau.core.db import Base, UTCDateTime, utcnow

KEEP = timedelta(days=2)  # a form older than this may be sent again as a new one


class FormToken(Base):
    """A used form token and what its first post produced."""

    __tablename__ = "core_form_token"
    __audited__ = False  # a technical marker: what the form wrote is audited itself

    token: Mapped[str] = mapped_column(String(64), primary_key=True)
    purpose: Mapped[str] = mapped_column(String(64))
    result: Mapped[str] = mapped_column(String(300), default="")
    used_at: Mapped[datetime] = mapped_column(UTCDateTime, index=True)


def issue() -> str:
    """A fresh token for a form's hidden `form_token` field."""
    return secrets.token_urlsafe(24)


def claim(session: Session, token: str, purpose: str) -> str | None:
    """None for the first post with this token (go ahead); the first post's result for any repeat."""
    if not token:
        return None
    token = token[:64]
    session.execute(delete(FormToken).where(FormToken.used_at < utcnow() - KEEP))
    try:
        with session.begin_nested():
            session.add(FormToken(token=token, purpose=purpose[:64], result="", used_at=utcnow()))
    except IntegrityError:
        earlier = session.execute(select(FormToken.result).where(FormToken.token == token)).scalar()
        return earlier or ""
    return None


def settle(session: Session, token: str, purpose: str, result: str) -> None:
    """Record what the first post produced, for the repeats to answer with."""
    if not token:
        return
    row = session.get(FormToken, token[:64])
    if row is not None and row.purpose == purpose[:64]:
        row.result = result[:300]
