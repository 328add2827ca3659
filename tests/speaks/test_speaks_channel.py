"""Worker Speaks end to end: file anonymously, follow with the receipt, talk, triage, escalate, count."""

from __future__ import annotations

import io
from datetime import timedelta

import pytest
from PIL import Image
from sqlalchemy import select

RU_TEXT = ("В цехе электролиза опять сильно пахнет газом, мастер Петров Иван Сергеевич говорит работать дальше. "
           "Мой телефон +7 701 123 45 67.")


def _file(client, **overrides):
    body = {"kind": "hazard", "enterprise_id": 1, "category": "not_sure", "description": RU_TEXT, "language": "ru"}
    body.update(overrides)
    response = client.post("/api/v1/speaks/public/reports", json=body)
    assert response.status_code == 201, response.text
    return response.json()


def test_report_receipt_reply_and_follow_up(client, sign_in):
    filed = _file(client, contact="telegram @worker_smelter")
    receipt = filed["receipt"]
    assert len(receipt.replace(" ", "")) == 16
    view = client.post("/api/v1/speaks/public/follow", json={"receipt": receipt}).json()
    assert view["status"] == "new" and view["messages"] == []

    officer = sign_in("officer")
    inbox = officer.get("/api/v1/speaks/reports").json()
    mine = [r for r in inbox["items"] if r["reference"] == filed["reference"]]
    assert mine, "the report is routed to the officer's union branch"
    report = mine[0]
    assert "Петров" not in report["text"] and "701" not in report["text"], "staff see the masked text"
    assert report["category"] == "chemical_gas_dust"
    assert officer.post(f"/api/v1/speaks/reports/{report['id']}/messages",
                        json={"body": "Спасибо, инспектор придёт сегодня."}).status_code == 201

    view = client.post("/api/v1/speaks/public/follow", json={"receipt": receipt}).json()
    assert view["status"] == "acknowledged"
    assert [m["body"] for m in view["messages"]] == ["Спасибо, инспектор придёт сегодня."]
    view = client.post("/api/v1/speaks/public/reply", json={"receipt": receipt, "body": "Газ всё ещё есть."}).json()
    assert [m["from_reporter"] for m in view["messages"]] == [False, True]

    # The original and the contact need a reason, and the reason is logged.
    short = officer.post(f"/api/v1/speaks/reports/{report['id']}/reveal-contact", json={"reason": "нужно"})
    assert short.status_code == 422
    revealed = officer.post(f"/api/v1/speaks/reports/{report['id']}/reveal-contact",
                            json={"reason": "Уточнить место утечки газа"}).json()
    assert revealed["value"] == "telegram @worker_smelter"
    audit = sign_in("admin").get("/audit?object_type=speaks_report").text
    assert "speaks.reveal_contact" in audit and "Уточнить место утечки газа" in audit


def test_employer_sees_only_shared_reports_and_only_masked(client, sign_in):
    filed = _file(client)
    officer, employer = sign_in("officer"), sign_in("employer")
    report_id = [r for r in officer.get("/api/v1/speaks/reports").json()["items"]
                 if r["reference"] == filed["reference"]][0]["id"]
    assert employer.get(f"/api/v1/speaks/reports/{report_id}").status_code == 404
    officer.post(f"/speaks/reports/{report_id}/share", data={"shared": "1"})
    shown = employer.get(f"/api/v1/speaks/reports/{report_id}").json()
    assert "Петров" not in shown["text"]
    assert employer.post(f"/api/v1/speaks/reports/{report_id}/reveal-original",
                         json={"reason": "хочу знать кто написал"}).status_code == 403


def test_overdue_reports_climb_the_union_tree(session, client):
    from qorgau.core.db import utcnow
    from qorgau.registry.models import UnionOrg
    from qorgau.speaks import service
    from qorgau.speaks.models import Report

    filed = _file(client)
    report = session.execute(select(Report).where(Report.reference == filed["reference"])).scalar_one()
    first_owner = session.get(UnionOrg, report.union_org_id)
    assert first_owner.kind == "primary"
    service.escalate_overdue(session=session, today=utcnow().date() + timedelta(days=3))
    assert report.escalation_level == 0
    service.escalate_overdue(session=session, today=utcnow().date() + timedelta(days=8))
    session.commit()
    assert report.escalation_level == 1 and report.union_org_id == first_owner.parent_id


def test_statistics_suppress_small_cells_outside_the_union(client, sign_in):
    for _ in range(2):
        _file(client)
    analyst_rows = sign_in("analyst").get("/api/v1/speaks/stats?by=category").json()
    assert all(row["reports"] is None or row["reports"] >= 5 for row in analyst_rows)
    assert any(row.get("suppressed") for row in analyst_rows)
    officer_rows = sign_in("officer").get("/api/v1/speaks/stats?by=category").json()
    assert any(row["reports"] is not None and row["reports"] < 5 for row in officer_rows)


def test_public_form_works_without_javascript(client):
    page = client.get("/speak/?q=Ертис", headers={"Accept-Language": "kk"})
    assert 'name="enterprise_id"' in page.text and "<html lang=\"kk\">" in page.text
    token = client.cookies.get("qorgau_csrf")
    response = client.post("/speak/new", data={"csrf_token": token, "enterprise_id": "1", "kind": "hazard",
                                               "category": "not_sure", "description": "Қорғаныс құралы берілмеді, "
                                               "респиратор жоқ, цехте шаң көп."})
    assert response.status_code == 200
    assert 'class="receipt"' in response.text
    assert response.headers["cache-control"] == "no-store"


def test_photos_lose_gps_and_camera_metadata():
    from qorgau.core.media import clean_photo

    image = Image.new("RGB", (64, 48), (200, 30, 30))
    exif = image.getexif()
    exif[0x010F] = "SecretPhoneMaker"  # Make
    exif[0x0131] = "SecretSoftware"  # Software
    gps = exif.get_ifd(0x8825)
    gps[1], gps[2], gps[3], gps[4] = "N", (43.0, 15.0, 0.0), "E", (76.0, 54.0, 0.0)
    source = io.BytesIO()
    image.save(source, format="JPEG", exif=exif)
    assert b"SecretPhoneMaker" in source.getvalue()
    cleaned, media_type = clean_photo(source.getvalue())
    assert media_type == "image/jpeg"
    assert b"SecretPhoneMaker" not in cleaned and b"SecretSoftware" not in cleaned and b"Exif" not in cleaned
    with Image.open(io.BytesIO(cleaned)) as reopened:
        assert dict(reopened.getexif()) == {}
        assert reopened.size == (64, 48)


@pytest.mark.parametrize("data", [b"not an image", b"%PDF-1.4 fake"])
def test_non_images_are_refused(data):
    from qorgau.core.errors import ValidationFailed
    from qorgau.core.media import clean_photo

    with pytest.raises(ValidationFailed):
        clean_photo(data)


def test_imminent_report_notifies_the_on_duty_officer(client, session):
    from qorgau.core.models import Notification, User

    _file(client, description="Прямо сейчас утечка газа в цехе обжига, люди задыхаются!")
    officer = session.execute(select(User).where(User.username == "officer")).scalar_one()
    titles = session.execute(select(Notification.title).where(Notification.user_id == officer.id)).scalars().all()
    assert any("угрозе жизни" in t or "imminent" in t for t in titles), titles
