"""Urgent notifications reach a webhook after commit, and never for rolled-back work."""

from __future__ import annotations

import json
import threading
import time
from http.server import BaseHTTPRequestHandler, HTTPServer

import pytest
from sqlalchemy import select


@pytest.fixture
def webhook(monkeypatch):
    received: list[dict] = []

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self):  # noqa: N802
            received.append(json.loads(self.rfile.read(int(self.headers["Content-Length"]))))
            self.send_response(204)
            self.end_headers()

        def log_message(self, *args):
            pass

    server = HTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    from qorgau.core.config import get_settings

    monkeypatch.setenv("QORGAU_NOTIFY_WEBHOOK_URL", f"http://127.0.0.1:{server.server_port}/hook")
    get_settings.cache_clear()
    yield received
    get_settings.cache_clear()
    server.shutdown()


def webhook_deliveries_done(url: str, timeout: float = 10.0) -> None:
    """Wait until every webhook delivery has left the queue (sent, or given up): what the webhook received
    by then is all it will receive."""
    from qorgau.core.db import session_factory
    from qorgau.core.delivery import DeliveryState
    from qorgau.core.models import Delivery

    deadline = time.monotonic() + timeout
    while True:
        with session_factory(url)() as session:
            states = session.execute(select(Delivery.state).where(Delivery.channel == "webhook")).scalars().all()
        if states and all(state in (DeliveryState.SENT, DeliveryState.DEAD) for state in states):
            return
        assert time.monotonic() < deadline, f"webhook deliveries still under way: {states}"
        time.sleep(0.05)


def test_urgent_notification_goes_out_after_commit_only(demo_url, webhook):
    from qorgau.core.db import unit_of_work
    from qorgau.core.models import Notification, User
    from qorgau.core.notify import notify

    with pytest.raises(RuntimeError), unit_of_work(demo_url) as session:
        officer = session.execute(select(User).where(User.username == "officer")).scalar_one()
        notify(session, user=officer, kind="test", title="rolled back", urgent=True)
        raise RuntimeError("abort")
    with unit_of_work(demo_url) as session:
        officer = session.execute(select(User).where(User.username == "officer")).scalar_one()
        notify(session, user=officer, kind="imminent", title="Газ в цехе", body="Утечка SO2", link="/x", urgent=True)
    webhook_deliveries_done(demo_url)
    assert [m["title"] for m in webhook] == ["Газ в цехе"]
    with unit_of_work(demo_url) as session:
        titles = session.execute(select(Notification.title)
                                 .where(Notification.kind.in_(["test", "imminent"]))).scalars().all()
    assert titles == ["Газ в цехе"]


def test_notifications_are_rendered_in_the_readers_language(demo_url, sign_in, webhook):
    """Stored as a message id and parameters: the page shows them in the reader's language, the e-mail
    and webhook in the recipient's saved one."""
    from qorgau.core.db import unit_of_work
    from qorgau.core.models import Notification, User
    from qorgau.core.notify import notify

    with unit_of_work(demo_url) as session:
        officer = session.execute(select(User).where(User.username == "officer")).scalar_one()
        officer.locale = "kk"
        notify(session, user=officer, kind="speaks.reply", title="%(ref)s: the worker replied",
               params={"ref": "WS-TEST42"}, link="/speaks", urgent=True)
    with unit_of_work(demo_url) as session:
        stored = session.execute(select(Notification).where(Notification.kind == "speaks.reply",
                                                            Notification.link == "/speaks")).scalar_one()
        assert stored.title == "%(ref)s: the worker replied" and stored.params == {"ref": "WS-TEST42"}
    client = sign_in("officer")
    pages = {lang: client.get(f"/notifications?lang={lang}").text for lang in ("en", "ru", "kk")}
    assert "WS-TEST42: the worker replied" in pages["en"]
    assert "WS-TEST42" in pages["ru"] and "WS-TEST42: the worker replied" not in pages["ru"]
    assert pages["ru"] != pages["kk"]
    webhook_deliveries_done(demo_url)
    from qorgau.core import i18n

    with i18n.locale_context("kk"):
        expected = i18n.gettext("%(ref)s: the worker replied", ref="WS-TEST42")
    assert [m["title"] for m in webhook] == [expected] and expected != "WS-TEST42: the worker replied"
