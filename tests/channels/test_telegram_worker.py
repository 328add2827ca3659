"""Worker Speaks entirely in a Telegram chat, in Kazakh, against a fake Bot API server; and the chat
leaves nothing in the database that links it to the report or times it."""

from __future__ import annotations

import asyncio
import io
import logging
import threading

import pytest
from PIL import Image
from sqlalchemy import select

from tests.channels.fake_telegram import FakeTelegram
from tests.speaks.test_speaks_no_time_trace import (
    FILED_AT,
    OFFICER_AT,
    REPLIED_AT,
    Clock,
    _allowed,
    _dump,
    _raw_database_text,
    _times_in_text,
)
from tests.speaks.test_speaks_recordings import _recording

CHAT_ID = 987654321
PERSON = {"first_name": "Асқар", "last_name": "Жұмабекұлы", "username": "askar_smelter_77", "language_code": "kk"}
TEXT = "Күйдіру цехында газ шығып жатыр, желдету жұмыс істемейді, адамдардың басы айналады."


class RunningBot:
    """The bot application polling the fake server, in its own thread and event loop."""

    def __init__(self, database_url: str, fake: FakeTelegram, *, webhook_port: int | None = None):
        from qorgau.channels.telegram_bot import build, quiet_library_logs

        quiet_library_logs()
        self.webhook_port = webhook_port
        self.application = build("123456:TEST-TOKEN", database_url, api_base=fake.url,
                                 web_url="https://qorgau.example.kz")
        self.stop = threading.Event()
        self.thread = threading.Thread(target=lambda: asyncio.run(self._main()), daemon=True)

    async def _main(self):
        from qorgau.channels.telegram_bot import webhook_options

        async with self.application:
            if self.webhook_port:
                url = f"http://127.0.0.1:{self.webhook_port}/telegram/hook"
                await self.application.updater.start_webhook(**webhook_options(url, "127.0.0.1", self.webhook_port))
            else:
                await self.application.updater.start_polling(poll_interval=0.0, timeout=1)
            await self.application.start()
            while not self.stop.is_set():
                await asyncio.sleep(0.05)
            await self.application.updater.stop()
            await self.application.stop()

    def __enter__(self):
        self.thread.start()
        return self

    def __exit__(self, *exc):
        self.stop.set()
        self.thread.join(15)


def _jpeg() -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (64, 48), (200, 80, 40)).save(buffer, "JPEG")
    return buffer.getvalue()


def _step(fake: FakeTelegram, action, expected: int) -> dict:
    before = len(fake.sent)
    action()
    return fake.wait_sent(before + expected)[-1]


@pytest.fixture
def officer_and_enterprise(session):
    from qorgau.core.models import User
    from qorgau.registry.models import Enterprise

    officer = session.execute(select(User).where(User.username == "officer")).scalar_one()
    chosen = session.execute(select(Enterprise).where(Enterprise.primary_union_id.is_not(None))
                             .order_by(Enterprise.id).limit(1)).scalar_one()
    officer.scope_kind, officer.scope_union_id = "union", chosen.primary_union_id
    session.commit()
    return officer.id, chosen


def test_a_report_filed_and_answered_entirely_in_the_chat_in_kazakh(demo_url, session, officer_and_enterprise,
                                                                   monkeypatch, caplog, tmp_path):
    from qorgau.core.db import unit_of_work
    from qorgau.core.models import User
    from qorgau.speaks import service
    from qorgau.speaks.models import Message, Report

    officer_id, enterprise = officer_and_enterprise
    clock = Clock(monkeypatch)
    clock.set(FILED_AT)
    caplog.set_level(logging.DEBUG)
    with FakeTelegram(chat_id=CHAT_ID, user=PERSON, clock=lambda: clock.at.timestamp()) as fake, \
            RunningBot(demo_url, fake):
        language = _step(fake, lambda: fake.say("/start"), 1)
        privacy = _step(fake, lambda: fake.press(fake.buttons(language)["Қазақша"]), 2)
        assert "мессенджер" in fake.texts()[-2] and "https://qorgau.example.kz/speak/" in fake.texts()[-2]
        asked = _step(fake, lambda: fake.press(fake.buttons(privacy)["Қауіп туралы хабарлау"]), 1)
        assert "БСН" in asked["text"]
        choices = _step(fake, lambda: fake.say(enterprise.bin), 1)
        [(label, data)] = [(k, v) for k, v in fake.buttons(choices).items() if v == f"ent:{enterprise.id}"]
        categories = _step(fake, lambda: fake.press(data), 1)
        assert "Химиялық заттар, газ және шаң" in fake.buttons(categories)
        _step(fake, lambda: fake.press("cat:chemical_gas_dust"), 1)
        photos = _step(fake, lambda: fake.say(TEXT), 1)
        assert "дауыс" in photos["text"]
        _step(fake, lambda: fake.send_photo(_jpeg()), 1)
        assert "1" in fake.texts()[-1]
        _step(fake, lambda: fake.send_voice(_recording(False)), 1)
        assert "2" in fake.texts()[-1]
        _step(fake, lambda: fake.press(fake.buttons(photos)["Хабарламаны жіберу"]), 3)
        receipt_text = fake.texts()[-2]
        receipt = "".join(ch for ch in receipt_text.split(":", 1)[1].split("\n")[0] if ch.isdigit())
        assert len(receipt) == 16

        with unit_of_work(demo_url) as s:
            report = service.find_by_receipt(session=s, receipt=receipt)
            assert report.language == "kk" and report.enterprise_id == enterprise.id
            assert report.category == "chemical_gas_dust"
            assert sorted(a.media_type for a in report.attachments) == ["audio/mp4", "image/jpeg"]
            assert report.urgency in ("imminent", "high")
            report_id = report.id
        clock.set(OFFICER_AT[1])
        with unit_of_work(demo_url, actor="user:officer") as s:
            service.reply(session=s, actor=s.get(User, officer_id), report_id=report_id,
                          body="Қабылдадық, бригада жолда. Цехтан шығыңыздар.")

        clock.set(REPLIED_AT)
        menu = fake.sent[-1]
        _step(fake, lambda: fake.press(fake.buttons(menu)["Хабарламамның жауабын оқу"]), 1)
        thread = _step(fake, lambda: fake.say(" ".join(receipt[i:i + 4] for i in range(0, 16, 4))), 1)
        assert "бригада жолда" in thread["text"] and TEXT not in thread["text"]
        _step(fake, lambda: fake.press(fake.buttons(thread)["Жауап беру"]), 1)
        _step(fake, lambda: fake.say("Рахмет, бәріміз шықтық."), 2)
        assert "жіберілді" in fake.texts()[-2]

        wrong = _step(fake, lambda: fake.press("follow"), 1)
        assert wrong
        _step(fake, lambda: fake.say("1111 2222 3333 4444"), 2)
        assert "жоқ" in fake.texts()[-2].lower()

    with unit_of_work(demo_url) as s:
        messages = s.execute(select(Message).where(Message.report_id == report_id)
                             .order_by(Message.position)).scalars().all()
        assert [m.from_reporter for m in messages] == [False, True]
        assert s.get(Report, report_id).received_on == FILED_AT.date()

    # Nothing links the chat to the report, and nothing times the worker's messages.
    session.expire_all()
    texts, _blobs = _dump(session)
    dumped = "\n".join(texts) + _raw_database_text(demo_url, tmp_path)
    for trace in (str(CHAT_ID), PERSON["username"], PERSON["first_name"], PERSON["last_name"], "123456:TEST"):
        assert trace not in dumped, trace
    leaks = [t for text in texts for t in _times_in_text(text) if not _allowed(t)]
    assert not leaks, leaks[:5]
    logged = [r for r in caplog.records if r.levelno >= logging.INFO
              and r.name.startswith(("qorgau", "httpx", "telegram"))]
    assert not logged, [r.getMessage() for r in logged][:5]


def test_the_bot_receives_updates_by_webhook_and_refuses_a_wrong_secret(demo_url):
    import httpx

    from tests.availability import free_port

    port = free_port()
    with FakeTelegram(chat_id=CHAT_ID, user=PERSON) as fake, RunningBot(demo_url, fake, webhook_port=port):
        deadline = threading.Event()
        for _ in range(200):
            if fake.webhook:
                break
            deadline.wait(0.05)
        assert fake.webhook["url"] == f"http://127.0.0.1:{port}/telegram/hook" and fake.webhook["secret_token"]
        language = _step(fake, lambda: fake.say("/start"), 1)
        _step(fake, lambda: fake.press(fake.buttons(language)["Русский"]), 2)
        assert "мессенджер" in fake.texts()[-2]
        assert set(fake.webhook_answers) == {200}
        forged = httpx.post(fake.webhook["url"], json={"update_id": 999, "message": {}}, timeout=10,
                            headers={"X-Telegram-Bot-Api-Secret-Token": "guessed"})
        assert forged.status_code == 403
