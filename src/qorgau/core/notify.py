"""Notifications: in the app always; by e-mail and webhook too when configured.

External delivery happens only after the transaction commits (nothing is sent for work that is
rolled back) and in a background thread, so a slow mail server never holds a request.
"""

from __future__ import annotations

import json
import logging
import smtplib
import threading
import urllib.request
from email.message import EmailMessage
from urllib.parse import urlparse

from sqlalchemy import event
from sqlalchemy.orm import Session

from qorgau.core.config import get_settings
from qorgau.core.models import Notification, User

log = logging.getLogger("qorgau.notify")
_OUTBOX = "notify_outbox"


def notify(session: Session, *, user: User, kind: str, title: str, body: str = "", link: str = "",
           urgent: bool = False) -> Notification:
    """Tell one user something; urgent ones also go out by e-mail / webhook after commit."""
    note = Notification(user_id=user.id, kind=kind, title=title[:300], body=body, link=link[:300])
    session.add(note)
    if urgent:
        session.info.setdefault(_OUTBOX, []).append({"email": user.email, "username": user.username,
                                                     "kind": kind, "title": title, "body": body, "link": link})
        if not event.contains(session, "after_commit", _deliver_outbox):
            event.listen(session, "after_commit", _deliver_outbox)
            event.listen(session, "after_rollback", _drop_outbox)
    return note


def _drop_outbox(session: Session) -> None:
    session.info.pop(_OUTBOX, None)


def _deliver_outbox(session: Session) -> None:
    messages = session.info.pop(_OUTBOX, [])
    if messages:
        threading.Thread(target=deliver, args=(messages,), daemon=True).start()


def deliver(messages: list[dict]) -> None:
    """Send by webhook and e-mail where configured; failures are logged, never raised."""
    settings = get_settings()
    for message in messages:
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
