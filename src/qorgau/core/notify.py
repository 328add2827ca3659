"""Notifications: in the app always; by e-mail, SMS and webhook as the person wants (core.delivery).

A notification is stored as a message id and its parameters and rendered in the reader's language
when shown (the recipient's saved language for e-mail). Parameters are plain values, or
`{"msg": <message id>, "params": {...}}` for a value that is itself translated, `{"date": "YYYY-MM-DD"}`
for a date written the reader's way; `_tail` is plain text
appended to the title. Notifications caused by an anonymous reporter (`anonymous_channel=True`) are
dated to the day only and, like every notification, have a random id.

Outside delivery is a durable outbox written in the same transaction and sent by the job runner after
commit, with retries and dead letters (see core.delivery): a slow or dead mail server never holds a
request and loses nothing.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from qorgau.core import delivery
from qorgau.core.db import utcnow
from qorgau.core.models import Notification, User, random_id
from qorgau.core.notice_text import render, render_message  # noqa: F401  (where callers have found them)


def notify(session: Session, *, user: User, kind: str, title: str, body: str = "", link: str = "",
           params: dict[str, Any] | None = None, body_is_message: bool = False, urgent: bool = False,
           anonymous_channel: bool = False) -> Notification:
    """Tell one user something; outside channels (urgent ones at least by e-mail) go out after commit.

    `title` (and `body` when `body_is_message`) are message ids (English, marked with N_), filled
    with `params` in the reader's language when shown.
    """
    params = dict(params or {})
    if body_is_message:
        params["_body_msg"] = True
    created = utcnow()
    if anonymous_channel:
        created = created.replace(hour=0, minute=0, second=0, microsecond=0)
        params["_day"] = True
    note = Notification(id=random_id(session, Notification), user_id=user.id, kind=kind, title=title[:300],
                        body=body, link=link[:300], params=params, created_at=created)
    session.add(note)
    delivery.queue(session, note=note, user=user, urgent=urgent, coarse=anonymous_channel)
    return note


def latest(session: Session, *, user: User, unread_only: bool = False, limit: int | None = 200) -> list[Notification]:
    """The person's own notifications, newest first."""
    query = select(Notification).where(Notification.user_id == user.id)
    if unread_only:
        query = query.where(Notification.read_at.is_(None))
    return list(session.execute(query.order_by(Notification.created_at.desc()).limit(limit)).scalars())


def mark_all_read(session: Session, *, user: User) -> None:
    for item in latest(session, user=user, unread_only=True, limit=None):
        item.read_at = utcnow()
