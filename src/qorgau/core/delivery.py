"""Notifications that reach people: a durable outbox sent by the job runner, with retries and dead letters.

`notify()` writes the in-app notification and, in the same transaction, one `Delivery` row per outside
channel the recipient wants (e-mail, SMS through an HTTP gateway, the installation's webhook). Nothing
is sent before the transaction commits, and nothing is lost when a mail server or gateway is down:

- after commit the new rows are tried at once in a background thread; the job `core.deliver` (every
  minute) tries whatever is due, so a crash or restart only delays;
- a failed attempt is retried with exponential backoff (1, 2, 4 … 60 minutes); after `MAX_ATTEMPTS` the
  row becomes a dead letter, listed on /admin/deliveries where an administrator can send it again;
- a row is claimed by a conditional UPDATE before it is sent, so two runners never send it twice; a
  process that dies between sending and recording leaves the row in `sending`, shown to the
  administrator (at most one duplicate, never a loss);
- deliveries caused by an anonymous reporter (`coarse`) keep no time finer than their day and leave no
  timed trace (no immediate attempt, no log line, not counted in the job's result): the periodic job
  tries them at every run until sent and gives up when their day is over (docs/speaks/anonymity.md).

Preferences (per person): channels and daily digest per kind of notification, quiet hours (local time,
Asia/Almaty) that hold back everything except urgent ones (imminent danger, alarms), and a phone number
for SMS (encrypted at rest). Without preferences a person gets urgent notifications by e-mail.
"""

from __future__ import annotations

import json
import logging
import smtplib
import threading
import urllib.request
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, time, timedelta
from email.message import EmailMessage
from enum import StrEnum
from functools import cache
from typing import Any
from urllib.parse import urlparse
from zoneinfo import ZoneInfo

from sqlalchemy import Engine, event, select, update
from sqlalchemy.orm import Session

from qorgau.core import audit, crypto, i18n, policy
from qorgau.core.config import Settings, get_settings
from qorgau.core.db import unit_of_work, utcnow
from qorgau.core.errors import AppError, NotFound
from qorgau.core.i18n_markers import N_
from qorgau.core.job_kinds import JobContext, daily, every_minutes, job
from qorgau.core.models import Delivery, Notification, NotificationPreference, User, random_id
from qorgau.core.notice_text import render
from qorgau.core.plugins import modules
from qorgau.core.states import Transitions

log = logging.getLogger("qorgau.delivery")
LOCAL = ZoneInfo("Asia/Almaty")
MAX_ATTEMPTS = 12  # about six hours of backoff
BATCH = 200
_NEW = "delivery_new"


class DeliveryState(StrEnum):
    QUEUED = "queued"
    HELD = "held"  # waits for the person's daily digest
    SENDING = "sending"
    SENT = "sent"
    DEAD = "dead"


DELIVERY_MOVES = Transitions(DeliveryState, {
    DeliveryState.QUEUED: {DeliveryState.SENDING},
    DeliveryState.HELD: {DeliveryState.SENT, DeliveryState.DEAD},
    DeliveryState.SENDING: {DeliveryState.SENT, DeliveryState.QUEUED, DeliveryState.DEAD},
    DeliveryState.DEAD: {DeliveryState.QUEUED},  # replayed by an administrator
})

CHANNELS = {"email": N_("E-mail"), "sms": N_("SMS")}


@dataclass
class OutsideChannel:
    """A channel a capability package adds (its `delivery.py` exports CHANNELS = {name: OutsideChannel})."""

    label: str
    send: Callable[[dict[str, Any], Settings], None]
    reachable: Callable[[Session, User, Settings], bool]  # configured, and this person can be reached there
    address: Callable[[Session, int], str]  # where this person is reached (read when sending), "" if nowhere


@cache
def package_channels() -> dict[str, OutsideChannel]:
    found: dict[str, OutsideChannel] = {}
    for _package, module in modules("delivery"):
        found.update(getattr(module, "CHANNELS", {}))
    return found


def channel_labels() -> dict[str, str]:
    """Every channel a person can choose: e-mail, SMS and those of the packages (e.g. a messenger)."""
    return CHANNELS | {name: channel.label for name, channel in package_channels().items()}
# Kinds of notification, by the part of the kind before the first dot.
KIND_GROUPS = {
    "speaks": N_("Worker Speaks reports"),
    "deviations": N_("Violations and corrective actions"),
    "monitoring": N_("Alarms from hazardous zones"),
    "index": N_("Safety Index"),
    "airegister": N_("AI deployment register"),
    "aiwork": N_("AI-at-work retraining plans"),
    "operations": N_("Operations and personal-data requests"),
}
_OPERATIONS_KINDS = {"backup_overdue", "privacy_request"}


def kind_group(kind: str) -> str:
    if kind in _OPERATIONS_KINDS:
        return "operations"
    return kind.split(".", 1)[0]


def backoff(attempts: int) -> timedelta:
    """Wait before the next try after `attempts` failed ones: 1, 2, 4 … minutes, at most an hour."""
    return timedelta(minutes=min(60, 2 ** max(0, attempts - 1)))


# --- preferences -----------------------------------------------------------------------------------

def preference(session: Session, user_id: int) -> NotificationPreference | None:
    return session.get(NotificationPreference, user_id)


def phone_of(pref: NotificationPreference | None) -> str:
    return crypto.decrypt_text(pref.phone_encrypted) if pref is not None and pref.phone_encrypted else ""


def save_preferences(session: Session, *, user: User, groups: dict[str, dict[str, Any]], quiet_from: str,
                     quiet_to: str, phone: str) -> NotificationPreference:
    """Store a person's own preferences (validated: known groups and channels, HH:MM times, a phone)."""
    clean: dict[str, dict[str, Any]] = {}
    for group, wanted in groups.items():
        if group not in KIND_GROUPS:
            raise AppError(N_("Unknown kind of notification: %(kind)s"), params={"kind": group})
        channels = sorted(c for c in wanted.get("channels", []) if c in channel_labels())
        clean[group] = {"channels": channels, "digest": bool(wanted.get("digest"))}
    for field, value in (("quiet_from", quiet_from), ("quiet_to", quiet_to)):
        if value and _parse_hhmm(value) is None:
            raise AppError(N_("Write the time as hours and minutes, e.g. 22:00."), field=field)
    if bool(quiet_from) != bool(quiet_to):
        raise AppError(N_("Quiet hours need both a start and an end."), field="quiet_to")
    phone = "".join(ch for ch in phone if ch.isdigit() or ch == "+")
    if phone and not (phone.lstrip("+").isdigit() and 10 <= len(phone.lstrip("+")) <= 15):
        raise AppError(N_("Write the phone number with the country code, e.g. +7 701 234 56 78."), field="phone")
    if any("sms" in g["channels"] for g in clean.values()) and not phone:
        raise AppError(N_("SMS needs a phone number."), field="phone")
    pref = session.get(NotificationPreference, user.id) or NotificationPreference(user_id=user.id)
    pref.groups, pref.quiet_from, pref.quiet_to = clean, quiet_from, quiet_to
    pref.phone_encrypted = crypto.encrypt_text(phone) if phone else None
    session.add(pref)
    return pref


def _parse_hhmm(value: str) -> time | None:
    try:
        hours, minutes = value.split(":")
        return time(int(hours), int(minutes))
    except ValueError:
        return None


def quiet_until(pref: NotificationPreference | None, now: datetime) -> datetime | None:
    """When the person's quiet hours end, if `now` falls inside them (else None)."""
    if pref is None or not pref.quiet_from or not pref.quiet_to:
        return None
    start, end = _parse_hhmm(pref.quiet_from), _parse_hhmm(pref.quiet_to)
    if start is None or end is None or start == end:
        return None
    local = now.astimezone(LOCAL)
    today_end = datetime.combine(local.date(), end, LOCAL)
    clock = local.time()
    inside = start <= clock < end if start < end else (clock >= start or clock < end)
    if not inside:
        return None
    until = today_end if clock < end else today_end + timedelta(days=1)
    return until.astimezone(UTC)


# --- queueing (inside the notifying transaction) --------------------------------------------------

def queue(session: Session, *, note: Notification, user: User, urgent: bool, coarse: bool) -> list[Delivery]:
    """The outside deliveries this notification needs, as rows of the current transaction."""
    settings = get_settings()
    pref = preference(session, user.id)
    wanted = (pref.groups if pref is not None else {}).get(kind_group(note.kind))
    if wanted is None:
        channels, digest = (["email"] if urgent else []), False
    else:
        channels, digest = list(wanted.get("channels", [])), bool(wanted.get("digest")) and not urgent
    if "email" in channels and not (settings.smtp_url and user.email):
        channels.remove("email")
    if "sms" in channels and not (settings.sms_gateway_url and phone_of(pref)):
        channels.remove("sms")
    extra = package_channels()
    channels = [c for c in channels if c not in extra or extra[c].reachable(session, user, settings)]
    if urgent and settings.notify_webhook_url:
        channels.append("webhook")
    now = utcnow()
    due = None if urgent or coarse else quiet_until(pref, now)
    created = now.replace(hour=0, minute=0, second=0, microsecond=0) if coarse else now
    rows = []
    for channel in channels:
        held = digest and channel == "email"
        row = Delivery(id=random_id(session, Delivery), notification_id=note.id, user_id=user.id, channel=channel,
                       state=DeliveryState.HELD if held else DeliveryState.QUEUED, urgent=urgent, coarse=coarse,
                       due_at=due, created_at=created)
        session.add(row)
        rows.append(row)
    # Tried at once after commit, except those caused by an anonymous reporter: an attempt (or its log
    # line) at the instant of the report would time it; the periodic job sends them on its own clock.
    fresh = [r for r in rows if r.state == DeliveryState.QUEUED and r.due_at is None and not coarse]
    if fresh:
        session.info.setdefault(_NEW, []).extend(fresh)
        if not event.contains(session, "after_commit", _kick):
            event.listen(session, "after_commit", _kick)
            event.listen(session, "after_rollback", _forget)
    return rows


def _forget(session: Session) -> None:
    session.info.pop(_NEW, None)


def _kick(session: Session) -> None:
    """Try the new deliveries at once, off the request; the periodic job covers a failure or a crash."""
    rows = session.info.pop(_NEW, [])
    if not rows:
        return
    bind = session.get_bind()
    engine = bind if isinstance(bind, Engine) else bind.engine
    url = engine.url.render_as_string(hide_password=False)
    ids = [r.id for r in rows]
    threading.Thread(target=_safe_send, args=(url, ids), daemon=True).start()


def _safe_send(url: str, ids: list[int]) -> None:
    try:
        send_due(url, only=ids)
    except Exception:  # noqa: BLE001 - the periodic job tries again; never crash a request's thread
        log.exception("immediate delivery failed")


# --- sending ---------------------------------------------------------------------------------------

def send_due(database_url: str, *, now: datetime | None = None, only: list[int] | None = None,
             settings: Settings | None = None) -> dict[str, int]:
    """Send every due delivery (or just `only`); returns counts of timed deliveries by outcome."""
    settings = settings or get_settings()
    now = now or utcnow()
    counts = {"sent": 0, "retry": 0, "dead": 0}
    with unit_of_work(database_url, actor="system:delivery") as session:
        query = select(Delivery.id).where(Delivery.state == DeliveryState.QUEUED,
                                          (Delivery.due_at.is_(None)) | (Delivery.due_at <= now))
        if only is not None:
            query = query.where(Delivery.id.in_(only))
        ids = list(session.execute(query.limit(BATCH)).scalars())
        _expire_coarse(session, now)
    for delivery_id in ids:
        outcome = _send_one(database_url, delivery_id, now, settings)
        if outcome:
            counts[outcome] += 1
    return counts


def _expire_coarse(session: Session, now: datetime) -> None:
    """Anonymous-caused deliveries still unsent when their day is over become dead letters."""
    today = now.replace(hour=0, minute=0, second=0, microsecond=0)
    session.execute(update(Delivery).where(Delivery.coarse.is_(True), Delivery.state == DeliveryState.QUEUED,
                                           Delivery.created_at < today)
                    .values(state=DeliveryState.DEAD, last_error="not sent on its day"))


def _send_one(database_url: str, delivery_id: int, now: datetime, settings: Settings) -> str | None:
    with unit_of_work(database_url, actor="system:delivery") as session:
        claimed = session.execute(update(Delivery).where(Delivery.id == delivery_id,
                                                         Delivery.state == DeliveryState.QUEUED)
                                  .values(state=DeliveryState.SENDING, attempts=Delivery.attempts + 1))
        if getattr(claimed, "rowcount", 0) != 1:
            return None  # another runner has it
    with unit_of_work(database_url, actor="system:delivery") as session:
        row = session.get(Delivery, delivery_id)
        assert row is not None
        note = session.get(Notification, row.notification_id)
        user = session.get(User, row.user_id)
        message = _message(session, row, note, user, settings)
        coarse, attempts = row.coarse, row.attempts
    error = ""
    try:
        sender = SENDERS.get(message["channel"]) or package_channels()[message["channel"]].send
        sender(message, settings)
    except Exception as failure:  # noqa: BLE001 - any failure of the outside service is a retry
        error = f"{type(failure).__name__}: {failure}"[:300]
        if not coarse:  # a log line is timed: none for deliveries caused by an anonymous reporter
            log.warning("delivery %s by %s failed: %s", delivery_id, message["channel"], error)
    with unit_of_work(database_url, actor="system:delivery") as session:
        row = session.get(Delivery, delivery_id)
        assert row is not None
        if not error:
            row.state = DELIVERY_MOVES.move(row.state, DeliveryState.SENT)
            row.sent_at, row.last_error = (None if coarse else utcnow()), ""
            return None if coarse else "sent"
        row.last_error = error
        if coarse:
            row.state = DELIVERY_MOVES.move(row.state, DeliveryState.QUEUED)
            return None
        if attempts >= MAX_ATTEMPTS:
            row.state = DELIVERY_MOVES.move(row.state, DeliveryState.DEAD)
            return "dead"
        row.state = DELIVERY_MOVES.move(row.state, DeliveryState.QUEUED)
        row.due_at = now + backoff(attempts)
        return "retry"


def _message(session: Session, row: Delivery, note: Notification | None, user: User | None,
             settings: Settings) -> dict[str, Any]:
    title = body = ""
    if note is not None:
        with i18n.locale_context((user.locale if user else "") or settings.default_locale):
            title, body = render(note)
    pref = preference(session, row.user_id)
    extra = package_channels().get(row.channel)
    address = extra.address(session, row.user_id) if extra is not None else ""
    return {"channel": row.channel, "address": address, "user_id": row.user_id, "email": user.email if user else "", "phone": phone_of(pref),
            "username": user.username if user else "", "kind": note.kind if note else "", "title": title,
            "body": body, "link": _absolute(note.link if note else "", settings), "path": note.link if note else "",
            "locale": (user.locale if user else "") or settings.default_locale, "urgent": row.urgent}


def _absolute(link: str, settings: Settings) -> str:
    base = settings.public_url.rstrip("/")
    return base + link if link.startswith("/") and base else link


def send_email(message: dict[str, Any], settings: Settings) -> None:
    url = urlparse(settings.smtp_url)
    mail = EmailMessage()
    mail["Subject"] = message["title"]
    mail["From"] = settings.mail_from or url.username or "qorgau@localhost"
    mail["To"] = message["email"]
    mail.set_content("\n\n".join(part for part in (message["body"], message["link"]) if part))
    with smtplib.SMTP(url.hostname or "localhost", url.port or 25, timeout=10) as smtp:
        if url.scheme == "smtps" or url.port == 587:
            smtp.starttls()
        if url.username and url.password:
            smtp.login(url.username, url.password)
        smtp.send_message(mail)


def _post_json(url: str, payload: dict, token: str = "") -> None:
    headers = {"Content-Type": "application/json"}
    if token:
        headers["Authorization"] = f"Bearer {token}"
    request = urllib.request.Request(url, method="POST", headers=headers,
                                     data=json.dumps(payload, ensure_ascii=False).encode())
    with urllib.request.urlopen(request, timeout=10) as response:  # noqa: S310 - configured by the administrator
        if response.status >= 300:
            raise OSError(f"HTTP {response.status}")


def send_sms(message: dict[str, Any], settings: Settings) -> None:
    text = message["title"] + (f" {message['link']}" if message["link"] else "")
    _post_json(settings.sms_gateway_url, {"to": message["phone"], "text": text[:480]}, settings.sms_gateway_token)


def send_webhook(message: dict[str, Any], settings: Settings) -> None:
    _post_json(settings.notify_webhook_url, {k: message[k] for k in ("username", "email", "kind", "title", "body",
                                                                      "link")})


SENDERS = {"email": send_email, "sms": send_sms, "webhook": send_webhook}


# --- daily digest ----------------------------------------------------------------------------------

def send_digests(database_url: str, *, settings: Settings | None = None) -> dict[str, int]:
    """One e-mail per person with the notifications held for the digest; the held rows are then sent."""
    settings = settings or get_settings()
    with unit_of_work(database_url, actor="system:delivery") as session:
        held = session.execute(select(Delivery).where(Delivery.state == DeliveryState.HELD)
                               .order_by(Delivery.user_id)).scalars().all()
        by_user: dict[int, list[Delivery]] = {}
        for row in held:
            by_user.setdefault(row.user_id, []).append(row)
        plans = []
        for user_id, rows in by_user.items():
            user = session.get(User, user_id)
            if user is None or not user.email or not settings.smtp_url:
                continue
            with i18n.locale_context(user.locale or settings.default_locale):
                lines = []
                for row in rows:
                    note = session.get(Notification, row.notification_id)
                    if note is not None:
                        title, _body = render(note)
                        lines.append(f"- {title} {_absolute(note.link, settings)}".rstrip())
                subject = i18n.ngettext("%(num)d notification of the day", "%(num)d notifications of the day",
                                        len(lines), num=len(lines))
            plans.append(({"channel": "email", "email": user.email, "title": subject, "body": "\n".join(lines),
                           "link": ""}, [r.id for r in rows]))
    sent = failed = 0
    for message, ids in plans:
        try:
            send_email(message, settings)
        except Exception as failure:  # noqa: BLE001 - held rows stay held; tomorrow's digest tries again
            log.warning("digest failed: %s", failure)
            failed += 1
            continue
        with unit_of_work(database_url, actor="system:delivery") as session:
            for row in session.execute(select(Delivery).where(Delivery.id.in_(ids))).scalars():
                row.state, row.sent_at = DeliveryState.SENT, None if row.coarse else utcnow()
        sent += 1
    return {"digests": sent, "failed": failed}


# --- what the administrator sees and does ---------------------------------------------------------

def problems(session: Session, limit: int = 200) -> list[tuple[Delivery, User | None]]:
    """Dead letters, deliveries stuck in `sending`, and deliveries being retried, newest first."""
    rows = session.execute(select(Delivery, User).join(User, User.id == Delivery.user_id, isouter=True)
                           .where((Delivery.state.in_([DeliveryState.DEAD, DeliveryState.SENDING]))
                                  | ((Delivery.state == DeliveryState.QUEUED) & (Delivery.attempts > 0)))
                           .order_by(Delivery.created_at.desc()).limit(limit)).all()
    return [(d, u) for d, u in rows]


def counts_by_state(session: Session) -> dict[str, int]:
    """Deliveries by state (for the health page and the metrics)."""
    from sqlalchemy import func

    rows = session.execute(select(Delivery.state, func.count()).group_by(Delivery.state)).all()
    return {state.value: 0 for state in DeliveryState} | {state: int(n) for state, n in rows}


def replay(session: Session, *, actor: User, delivery_id: int) -> Delivery:
    """Send a dead letter (or one stuck in `sending`) again; an audit event says who did it."""
    policy.require(actor, "operations.read")
    row = session.get(Delivery, delivery_id)
    if row is None:
        raise NotFound(N_("No such delivery."))
    before = row.state
    if row.state == DeliveryState.SENDING:
        row.state = DeliveryState.DEAD
    row.state = DELIVERY_MOVES.move(row.state, DeliveryState.QUEUED)
    row.attempts, row.due_at = 0, None
    audit.record(session, action="delivery.replay", object_type="core_delivery", object_id=row.id,
                 before={"state": before}, after={"state": row.state, "channel": row.channel})
    session.info.setdefault(_NEW, []).append(row)
    if not event.contains(session, "after_commit", _kick):
        event.listen(session, "after_commit", _kick)
        event.listen(session, "after_rollback", _forget)
    return row


# --- jobs ------------------------------------------------------------------------------------------

def _declare_jobs() -> None:
    @job("core.deliver", **every_minutes(2), title=N_("Send notifications by e-mail, SMS and webhook"))
    def deliver_job(ctx: JobContext) -> dict:
        # Its own units of work: each delivery is claimed, sent and recorded apart from the job's.
        return send_due(ctx.database_url, settings=ctx.settings)

    @job("core.digest", **daily(hour=3), title=N_("Send the daily digest of notifications (08:00 Almaty)"))
    def digest_job(ctx: JobContext) -> dict:
        return send_digests(ctx.database_url, settings=ctx.settings)


_declare_jobs()
