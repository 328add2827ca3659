"""Notifications reach people when the mail server or SMS gateway is down and comes back: each once."""

from __future__ import annotations

import json
import threading
import time
from datetime import UTC, datetime, timedelta
from http.server import BaseHTTPRequestHandler, HTTPServer

import pytest
from aiosmtpd.controller import Controller
from sqlalchemy import select

from qorgau.core import delivery
from qorgau.core.config import get_settings
from qorgau.core.db import session_factory
from qorgau.core.models import Delivery, User
from qorgau.core.notify import notify
from tests.availability import free_port


class Inbox:
    def __init__(self):
        self.messages = []

    async def handle_DATA(self, server, session, envelope):  # noqa: N802 - aiosmtpd's hook name
        self.messages.append(envelope)
        return "250 OK"


class MailServer:
    """An SMTP server on a fixed port that the test can take down and bring back."""

    def __init__(self, port: int):
        self.port, self.inbox, self.controller = port, Inbox(), None

    def up(self):
        self.controller = Controller(self.inbox, hostname="127.0.0.1", port=self.port)
        self.controller.start()

    def down(self):
        if self.controller is not None:
            self.controller.stop()
            self.controller = None

    def bodies(self) -> list[str]:
        return [m.content.decode("utf-8", "replace") for m in self.inbox.messages]


@pytest.fixture
def mail(monkeypatch):
    server = MailServer(free_port())
    monkeypatch.setenv("QORGAU_SMTP_URL", f"smtp://127.0.0.1:{server.port}")
    get_settings.cache_clear()
    yield server
    server.down()
    get_settings.cache_clear()


def _officer(session, email="officer@example.kz", locale="kk") -> User:
    officer = session.execute(select(User).where(User.username == "officer")).scalar_one()
    officer.email, officer.locale = email, locale
    session.commit()
    return officer


def _wait(predicate, seconds=20.0):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(0.05)
    return False


def _rows(url) -> list[Delivery]:
    with session_factory(url)() as s:
        return list(s.execute(select(Delivery)).scalars())


def test_mail_server_down_notifications_wait_and_arrive_once_when_it_returns(demo_url, session, mail):
    officer = _officer(session)
    for number in range(3):
        notify(session, user=officer, kind="speaks.imminent", title="Imminent danger reported: %(code)s",
               params={"code": f"R-{number}"}, link=f"/speaks/{number}", urgent=True)
    session.commit()
    # The immediate attempt (after commit, off the request) fails: the server is down.
    assert _wait(lambda: all(r.attempts == 1 and r.state == "queued" for r in _rows(demo_url))
                 and len(_rows(demo_url)) == 3)
    assert all(r.last_error and r.due_at is not None for r in _rows(demo_url))
    assert delivery.send_due(demo_url)["sent"] == 0  # not due yet: backoff

    mail.up()
    later = datetime.now(UTC) + timedelta(minutes=2)
    assert delivery.send_due(demo_url, now=later) == {"sent": 3, "retry": 0, "dead": 0}
    assert delivery.send_due(demo_url, now=later + timedelta(hours=1)) == {"sent": 0, "retry": 0, "dead": 0}
    assert len(mail.inbox.messages) == 3
    assert sorted(m.rcpt_tos[0] for m in mail.inbox.messages) == ["officer@example.kz"] * 3
    bodies = " ".join(mail.bodies())
    assert all(f"R-{n}" in bodies for n in range(3))
    assert {r.state for r in _rows(demo_url)} == {"sent"}


def test_two_runners_never_send_one_notification_twice(demo_url, session, mail):
    officer = _officer(session)
    mail.up()
    for number in range(20):
        notify(session, user=officer, kind="monitoring.alarm", title="Alarm %(n)s", params={"n": number}, urgent=True)
    session.commit()
    runners = [threading.Thread(target=delivery.send_due, args=(demo_url,)) for _ in range(3)]
    for runner in runners:
        runner.start()
    for runner in runners:
        runner.join()
    assert _wait(lambda: {r.state for r in _rows(demo_url)} == {"sent"})
    assert len(mail.inbox.messages) == 20


def test_dead_letter_is_listed_and_sent_again_by_the_administrator(demo_url, session, mail, sign_in):
    officer = _officer(session)
    notify(session, user=officer, kind="speaks.imminent", title="Imminent danger reported: %(code)s",
           params={"code": "R-9"}, urgent=True)
    session.commit()
    assert _wait(lambda: [(r.attempts, r.state) for r in _rows(demo_url)] == [(1, "queued")])
    now = datetime.now(UTC)
    for _ in range(delivery.MAX_ATTEMPTS):
        now += timedelta(hours=2)
        delivery.send_due(demo_url, now=now)
    [row] = _rows(demo_url)
    assert row.state == "dead" and row.attempts == delivery.MAX_ATTEMPTS

    admin = sign_in("admin")
    page = admin.get("/admin/deliveries")
    assert page.status_code == 200 and "ConnectionRefusedError" in page.text
    assert sign_in("officer").get("/admin/deliveries").status_code == 403

    health = admin.get("/admin/health")
    assert health.status_code == 200 and 'class="danger"' in health.text and "/admin/deliveries" in health.text

    mail.up()
    assert admin.post(f"/admin/deliveries/{row.id}/replay").status_code in (200, 303)
    assert _wait(lambda: _rows(demo_url)[0].state == "sent")
    assert len(mail.inbox.messages) == 1 and "R-9" in mail.bodies()[0]
    assert "delivery.replay" in admin.get("/audit?object_type=core_delivery").text


def test_settings_page_channels_digest_and_quiet_hours(demo_url, session, mail, sign_in):
    officer = _officer(session, locale="kk")
    client = sign_in("officer")
    client.get("/lang/kk")
    page = client.get("/account/notifications")
    assert page.status_code == 200 and 'lang="kk"' in page.text

    refused = client.post("/account/notifications", data={"speaks.sms": "1", "phone": ""})
    assert refused.status_code == 422 and 'aria-invalid="true"' in refused.text

    saved = client.post("/account/notifications", data={"deviations.email": "1", "deviations.digest": "1",
                                                          "speaks.email": "1", "quiet_from": "22:00",
                                                          "quiet_to": "07:00", "phone": "+7 701 234 56 78"})
    assert saved.status_code in (200, 303)
    session.expire_all()
    pref = delivery.preference(session, officer.id)
    assert pref.groups["deviations"] == {"channels": ["email"], "digest": True}
    assert delivery.phone_of(pref) == "+77012345678"
    assert b"77012345678" not in (pref.phone_encrypted or b"")

    mail.up()
    for number in range(2):
        notify(session, user=officer, kind="deviations", title="Corrective action overdue: %(n)s", params={"n": number})
    session.commit()
    assert {r.state for r in _rows(demo_url)} == {"held"}
    assert delivery.send_digests(demo_url) == {"digests": 1, "failed": 0}
    assert len(mail.inbox.messages) == 1
    assert {r.state for r in _rows(demo_url)} == {"sent"}


def test_quiet_hours_hold_routine_notifications_but_never_urgent_ones():
    pref = type("Pref", (), {"quiet_from": "22:00", "quiet_to": "07:00"})()
    night = datetime(2026, 12, 7, 18, 30, tzinfo=UTC)  # 23:30 in Almaty
    assert delivery.quiet_until(pref, night) == datetime(2026, 12, 8, 2, 0, tzinfo=UTC)  # 07:00 Almaty
    early = datetime(2026, 12, 7, 0, 30, tzinfo=UTC)  # 05:30 in Almaty
    assert delivery.quiet_until(pref, early) == datetime(2026, 12, 7, 2, 0, tzinfo=UTC)
    assert delivery.quiet_until(pref, datetime(2026, 12, 7, 6, 0, tzinfo=UTC)) is None  # 11:00


def test_sms_gateway_down_then_back(demo_url, session, monkeypatch):
    received: list[dict] = []

    class Gateway(BaseHTTPRequestHandler):
        def do_POST(self):  # noqa: N802 - http.server's hook name
            received.append(json.loads(self.rfile.read(int(self.headers["Content-Length"]))))
            self.send_response(200)
            self.end_headers()

        def log_message(self, *args):
            pass

    port = free_port()
    monkeypatch.setenv("QORGAU_SMS_GATEWAY_URL", f"http://127.0.0.1:{port}/send")
    get_settings.cache_clear()
    try:
        officer = _officer(session, email="")
        delivery.save_preferences(session, user=officer, groups={"monitoring": {"channels": ["sms"]}},
                                  quiet_from="", quiet_to="", phone="+77012345678")
        session.commit()
        notify(session, user=officer, kind="monitoring.alarm", title="Alarm %(n)s", params={"n": 7}, urgent=True)
        session.commit()
        assert _wait(lambda: [(r.attempts, r.state) for r in _rows(demo_url)] == [(1, "queued")])
        server = HTTPServer(("127.0.0.1", port), Gateway)
        threading.Thread(target=server.serve_forever, daemon=True).start()
        try:
            assert delivery.send_due(demo_url, now=datetime.now(UTC) + timedelta(minutes=5))["sent"] == 1
        finally:
            server.shutdown()
            server.server_close()
        assert len(received) == 1 and received[0]["to"] == "+77012345678" and "7" in received[0]["text"]
    finally:
        get_settings.cache_clear()


def test_delivery_caused_by_an_anonymous_reporter_keeps_only_its_day(demo_url, session, mail):
    officer = _officer(session)
    notify(session, user=officer, kind="speaks.imminent", title="Imminent danger reported: %(code)s",
           params={"code": "R-1"}, urgent=True, anonymous_channel=True)
    started = set(threading.enumerate())
    session.commit()
    for thread in set(threading.enumerate()) - started:  # an attempt at once would run on a thread of its own
        thread.join(20)
    [row] = _rows(demo_url)
    assert row.attempts == 0, "tried at the instant of the report"
    delivery.send_due(demo_url)  # the periodic job; the server is down
    [row] = _rows(demo_url)
    assert row.coarse and row.due_at is None and row.attempts == 1 and row.sent_at is None
    assert (row.created_at.hour, row.created_at.minute, row.created_at.second) == (0, 0, 0)
    mail.up()
    assert delivery.send_due(demo_url) == {"sent": 0, "retry": 0, "dead": 0}  # not counted: no timing trace
    [row] = _rows(demo_url)
    assert row.state == "sent" and row.sent_at is None and len(mail.inbox.messages) == 1
