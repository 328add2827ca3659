"""Notifications: in the app always; by e-mail and webhook too when configured.

A notification is stored as a message id and its parameters and rendered in the reader's language
when shown (the recipient's saved language for e-mail). Parameters are plain values, or
`{"msg": <message id>, "params": {...}}` for a value that is itself translated, `{"date": "YYYY-MM-DD"}`
for a date written the reader's way; `_tail` is plain text
appended to the title. Notifications caused by an anonymous reporter (`anonymous_channel=True`) are
dated to the day only and, like every notification, have a random id.

External delivery happens only after the transaction commits (nothing is sent for work that is
rolled back) and in a background thread, so a slow mail server never holds a request.
"""

from __future__ import annotations

import json
import logging
import smtplib
import threading
import urllib.request
from datetime import date
from email.message import EmailMessage
from typing import Any
from urllib.parse import urlparse

from sqlalchemy import event
from sqlalchemy.orm import Session

from qorgau.core import i18n
from qorgau.core.config import get_settings
from qorgau.core.db import utcnow
from qorgau.core.models import Notification, User, random_id

log = logging.getLogger("qorgau.notify")
_OUTBOX = "notify_outbox"


def notify(session: Session, *, user: User, kind: str, title: str, body: str = "", link: str = "",
           params: dict[str, Any] | None = None, body_is_message: bool = False, urgent: bool = False,
           anonymous_channel: bool = False) -> Notification:
    """Tell one user something; urgent ones also go out by e-mail / webhook after commit.

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
    if urgent:
        session.info.setdefault(_OUTBOX, []).append({"email": user.email, "username": user.username,
                                                     "locale": user.locale, "kind": kind, "title": title,
                                                     "body": body, "params": params, "link": link})
        if not event.contains(session, "after_commit", _deliver_outbox):
            event.listen(session, "after_commit", _deliver_outbox)
            event.listen(session, "after_rollback", _drop_outbox)
    return note


def _fill(value: Any) -> Any:
    if isinstance(value, dict) and "msg" in value:
        return render_message(str(value["msg"]), value.get("params") or {})
    if isinstance(value, dict) and "date" in value:
        return i18n.format_date(date.fromisoformat(str(value["date"])))
    return value


def render_message(message: str, params: dict[str, Any]) -> str:
    """A message id with its parameters, in the current locale (the id itself if it cannot be filled)."""
    values = {k: _fill(v) for k, v in params.items() if not k.startswith("_")}
    try:
        return i18n.gettext(message, **values) if values else i18n.translate(message)
    except (KeyError, TypeError, ValueError):
        return message


def render(note: Notification | dict) -> tuple[str, str]:
    """(title, body) of a notification in the current locale."""
    get = note.get if isinstance(note, dict) else lambda k: getattr(note, k)
    params = get("params") or {}
    title = render_message(str(get("title") or ""), params) + str(params.get("_tail", ""))
    body = get("body") or ""
    if body and params.get("_body_msg"):
        body = render_message(body, params)
    return title, body


def _drop_outbox(session: Session) -> None:
    session.info.pop(_OUTBOX, None)


def _deliver_outbox(session: Session) -> None:
    messages = session.info.pop(_OUTBOX, [])
    if messages:
        threading.Thread(target=deliver, args=(messages,), daemon=True).start()


def deliver(messages: list[dict]) -> None:
    """Send by webhook and e-mail where configured; failures are logged, never raised."""
    settings = get_settings()
    for queued in messages:
        with i18n.locale_context(queued.get("locale") or settings.default_locale):
            title, body = render(queued)
        message = {"email": queued["email"], "username": queued["username"], "kind": queued["kind"],
                   "title": title, "body": body, "link": queued["link"]}
        if settings.notify_webhook_url:
            try:
                request = urllib.request.Request(settings.notify_webhook_url, method="POST",
                                                 data=json.dumps(message, ensure_ascii=False).encode(),
                                                 headers={"Content-Type": "application/json"})
                urllib.request.urlopen(request, timeout=5).close()
            except Exception as error:  # noqa: BLE001 - delivery is best effort; the in-app note stays
                log.warning("webhook delivery failed: %s", error)
        if settings.smtp_url and message.get("email"):
            try:
                _send_mail(settings.smtp_url, message)
            except Exception as error:  # noqa: BLE001
                log.warning("e-mail delivery failed: %s", error)


def _send_mail(smtp_url: str, message: dict) -> None:
    url = urlparse(smtp_url)
    mail = EmailMessage()
    mail["Subject"] = message["title"]
    mail["From"] = url.username or "qorgau@localhost"
    mail["To"] = message["email"]
    mail.set_content(f"{message['body']}\n\n{message['link']}")
    with smtplib.SMTP(url.hostname or "localhost", url.port or 25, timeout=10) as smtp:
        if url.scheme == "smtps" or url.port == 587:
            smtp.starttls()
        if url.username and url.password:
            smtp.login(url.username, url.password)
        smtp.send_message(mail)
