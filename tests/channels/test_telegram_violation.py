"""A technical inspector records a violation from the chat in Kazakh (a photo with a caption), then completes the
draft on the phone page; an unlinked chat and an account that may not record violations create nothing."""

from __future__ import annotations

import io
import re

import pytest
from PIL import Image
from sqlalchemy import func, select

from qorgau.core.config import get_settings
from tests.channels.fake_telegram import FakeTelegram
from tests.channels.test_telegram_worker import RunningBot

CHAT = 555000222


@pytest.fixture
def fake(monkeypatch):
    with FakeTelegram(chat_id=CHAT, user={"first_name": "Inspector", "language_code": "kk"}) as server:
        monkeypatch.setenv("QORGAU_TELEGRAM_TOKEN", "123456:TEST-TOKEN")
        monkeypatch.setenv("QORGAU_TELEGRAM_API", server.url)
        get_settings.cache_clear()
        yield server
    get_settings.cache_clear()


def _step(fake, action, expected=1):
    before = len(fake.sent)
    action()
    return fake.wait_sent(before + expected)[-1]


def _photo_with_exif() -> bytes:
    exif = Image.Exif()
    exif[0x010F] = "SecretCameraMaker"
    buffer = io.BytesIO()
    Image.new("RGB", (64, 48), (200, 40, 40)).save(buffer, "JPEG", exif=exif.tobytes())
    assert b"SecretCameraMaker" in buffer.getvalue()
    return buffer.getvalue()


def _link(client, fake) -> None:
    page = client.post("/account/messenger/code")
    code = re.search(r"/link (\d{4} \d{4})", page.text).group(1)
    _step(fake, lambda: fake.say(f"/link {code}"))


def _violations(session) -> int:
    from qorgau.deviations.models import Violation

    session.expire_all()
    return session.execute(select(func.count()).select_from(Violation)).scalar_one()


def test_inspector_records_a_violation_from_the_chat_and_completes_it_on_the_page(fake, demo_url, session, sign_in):
    from qorgau.core.models import AuditEntry, User
    from qorgau.deviations.models import Violation

    inspector = sign_in("inspector")
    inspector.get("/lang/kk")
    user = session.execute(select(User).where(User.username == "inspector")).scalar_one()
    with RunningBot(demo_url, fake):
        _link(inspector, fake)
        saved = _step(fake, lambda: fake.send_photo(
            _photo_with_exif(), caption="/violation Сатыда қоршау жоқ, биіктікте белдіксіз жұмыс істеуде"))
    assert "жоба" in saved["text"].lower() or "#" in saved["text"]
    draft_id = int(re.search(r"#(\d+)", saved["text"]).group(1))
    assert f"https://qorgau.example.kz/deviations/violations/new?draft={draft_id}" in saved["text"]
    assert set(saved["text"].lower()) & set("әғқңөұүі"), saved["text"]  # answered in Kazakh

    session.expire_all()
    draft = session.get(Violation, draft_id)
    assert (draft.status, draft.inspector_id, draft.enterprise_id) == ("draft", user.id, user.scope_enterprise_id)
    assert draft.description.startswith("Сатыда қоршау жоқ") and len(draft.photos) == 1
    assert b"SecretCameraMaker" not in draft.photos[0].content  # re-encoded: no camera data
    audit = session.execute(select(AuditEntry).where(AuditEntry.action == "violation_drafted_from_chat",
                                                     AuditEntry.object_id == str(draft_id))).scalars().first()
    assert audit is not None and audit.actor == "user:inspector"

    # Only the inspector sees the draft: not in lists, not to the officer of the same enterprise.
    officer = sign_in("officer")
    assert officer.get(f"/deviations/violations/{draft_id}").status_code == 404
    assert officer.get(f"/api/v1/deviations/violations/{draft_id}").status_code == 404
    assert f"/deviations/violations/{draft_id}\"" not in inspector.get("/deviations/violations").text
    assert inspector.get(f"/deviations/photos/{draft.photos[0].id}").status_code == 200
    assert officer.get(f"/deviations/photos/{draft.photos[0].id}").status_code == 404

    opened = inspector.get(f"/deviations/violations/{draft_id}", follow_redirects=False)
    assert opened.status_code == 303 and opened.headers["location"].endswith(f"/violations/new?draft={draft_id}")
    assert f"?draft={draft_id}" in inspector.get("/deviations/violations/new").text  # listed to complete
    page = inspector.get(f"/deviations/violations/new?draft={draft_id}")
    assert page.status_code == 200 and "Сатыда қоршау жоқ" in page.text
    assert f'name="draft_id" value="{draft_id}"' in page.text
    assert officer.get(f"/deviations/violations/new?draft={draft_id}").status_code == 404
    token = re.search(r'name="form_token" value="([^"]+)"', page.text).group(1)
    form = {"draft_id": str(draft_id), "form_token": token, "enterprise_id": str(user.scope_enterprise_id),
            "category": "falls_heights", "severity": "gross",
            "description": "Сатыда қоршау жоқ, биіктікте белдіксіз жұмыс істеуде", "action": "Қоршау орнату",
            "responsible": "Участок бастығы"}
    refused = inspector.post("/deviations/violations/new", data={**form, "severity": ""})
    assert refused.status_code == 422
    done = inspector.post("/deviations/violations/new", data=form, follow_redirects=False)
    assert done.status_code == 303 and done.headers["location"].startswith(f"/deviations/violations/{draft_id}")

    session.expire_all()
    completed = session.get(Violation, draft_id)
    assert (completed.status, completed.category, completed.severity) == ("open", "falls_heights", "gross")
    assert len(completed.photos) == 1 and len(completed.actions) == 1
    assert officer.get(f"/deviations/violations/{draft_id}").status_code == 200
    assert session.execute(select(AuditEntry).where(AuditEntry.action == "violation_draft_completed",
                                                    AuditEntry.object_id == str(draft_id))).scalars().first().actor \
        == "user:inspector"
    again = inspector.post("/deviations/violations/new", data={**form, "form_token": "x" * 20})
    assert again.status_code == 404  # no longer a draft


def test_an_unlinked_chat_records_nothing(fake, demo_url, session):
    before = _violations(session)
    with RunningBot(demo_url, fake):
        refused = _step(fake, lambda: fake.say("/violation Электр щиті ашық тұр"))
        photo = _step(fake, lambda: fake.send_photo(_photo_with_exif(), caption="/violation Ашық щит"))
        pressed = _step(fake, lambda: fake.press("viol:ent:1"))
    for reply in (refused, photo, pressed):
        assert "байланыстырылмаған" in reply["text"] or "не привязан" in reply["text"] or "not linked" in reply["text"]
    assert _violations(session) == before


def test_an_account_that_may_not_record_violations_cannot_from_the_chat(fake, demo_url, session, sign_in):
    before = _violations(session)
    employer = sign_in("employer")  # the employer's safety manager answers violations, never records them
    with RunningBot(demo_url, fake):
        _link(employer, fake)
        refused = _step(fake, lambda: fake.say("/violation Электр щиті ашық тұр"))
        pressed = _step(fake, lambda: fake.press("viol:ent:1"))
    assert "#" not in refused["text"] and "#" not in pressed["text"]
    assert _violations(session) == before
