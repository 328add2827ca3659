"""An inspector links their Telegram chat, receives an alarm there and acknowledges it from the chat."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import select

from qorgau.core.config import get_settings
from tests.channels.fake_telegram import FakeTelegram
from tests.channels.test_telegram_worker import RunningBot

INSPECTOR_CHAT = 555000111


@pytest.fixture
def fake(monkeypatch):
    with FakeTelegram(chat_id=INSPECTOR_CHAT, user={"first_name": "Inspector", "language_code": "ru"}) as server:
        monkeypatch.setenv("QORGAU_TELEGRAM_TOKEN", "123456:TEST-TOKEN")
        monkeypatch.setenv("QORGAU_TELEGRAM_API", server.url)
        get_settings.cache_clear()
        yield server
    get_settings.cache_clear()


def _step(fake, action, expected=1):
    before = len(fake.sent)
    action()
    return fake.wait_sent(before + expected)[-1]


def test_inspector_links_the_chat_gets_an_alarm_and_acknowledges_it(fake, demo_url, session, sign_in):
    from qorgau.core.db import unit_of_work
    from qorgau.core.models import User
    from qorgau.core.notify import notify
    from qorgau.monitoring.models import Alarm

    inspector = sign_in("inspector")
    inspector.get("/lang/ru")
    page = inspector.post("/account/messenger/code")
    assert page.status_code == 200
    code = re.search(r"/link (\d{4} \d{4})", page.text).group(1)
    saved = inspector.post("/account/notifications", data={"monitoring.messenger": "1"})
    assert saved.status_code in (200, 303)

    with RunningBot(demo_url, fake):
        strange = _step(fake, lambda: fake.press("ack:alarm:1"))
        assert "не привязан" in strange["text"]
        wrong = _step(fake, lambda: fake.say("/link 0000 0000"))
        assert "истёк" in wrong["text"]
        linked = _step(fake, lambda: fake.say(f"/link {code}"))
        assert "привязан" in linked["text"]
        assert "с " in inspector.get("/account/messenger").text

        user = session.execute(select(User).where(User.username == "inspector")).scalar_one()
        alarm = session.execute(select(Alarm).where(Alarm.enterprise_id == user.scope_enterprise_id,
                                                    Alarm.status.in_(("ACTIVE_UNACK", "CLEARED_UNACK")))
                                .order_by(Alarm.id)).scalars().first()
        assert alarm is not None, "the demo has an unacknowledged alarm at the inspector's enterprise"
        with unit_of_work(demo_url, actor="system:test") as s:
            notify(s, user=s.get(User, user.id), kind="monitoring.alarm", title="Alarm in %(zone)s",
                   params={"zone": alarm.zone.name}, link=f"/monitoring/alarms/{alarm.id}", urgent=True)
        alert = fake.wait_sent(len(fake.sent) + 1)[-1]
        assert alarm.zone.name in alert["text"]
        buttons = fake.buttons(alert)
        assert buttons.get("Подтвердить") == f"ack:alarm:{alarm.id}"

        done = _step(fake, lambda: fake.press(f"ack:alarm:{alarm.id}"))
        assert "подтверждена" in done["text"]
        again = _step(fake, lambda: fake.press(f"ack:alarm:{alarm.id}"))
        assert "уже" in again["text"]

    session.expire_all()
    acknowledged = session.get(Alarm, alarm.id)
    assert acknowledged.status.endswith("_ACK") and acknowledged.acknowledged_by == "user:inspector"
    assert "messenger.linked" in sign_in("admin").get("/audit").text

    assert inspector.post("/account/messenger/unlink").status_code in (200, 303)
    with RunningBot(demo_url, fake):
        after = _step(fake, lambda: fake.press(f"ack:alarm:{alarm.id}"))
        assert "не привязан" in after["text"]
