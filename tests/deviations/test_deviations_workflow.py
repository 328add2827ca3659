"""Violations end to end: record on the form, act, evidence, reject, verify, close; the ladder; links."""

from __future__ import annotations

import io
import re
from datetime import date, timedelta

from PIL import Image
from sqlalchemy import func, select
from typer.testing import CliRunner


def _gps_photo() -> bytes:
    image = Image.new("RGB", (40, 30), (200, 40, 40))
    exif = Image.Exif()
    exif[0x8825] = {1: "N", 2: (43.0, 15.0, 0.0), 3: "E", 4: (76.0, 54.0, 0.0)}
    buffer = io.BytesIO()
    image.save(buffer, format="JPEG", exif=exif)
    return buffer.getvalue()


def _zone_of_smelter(session):
    from qorgau.registry.models import Site, Zone

    return session.execute(select(Zone).join(Site).where(Site.enterprise_id == 1).limit(1)).scalar()


def test_violation_is_fixed_verified_and_closed(sign_in, session):
    from qorgau.deviations.models import Violation, ViolationPhoto, ViolationStatus

    inspector, employer = sign_in("inspector"), sign_in("employer")
    zone = _zone_of_smelter(session)
    form = inspector.get("/deviations/violations/new")
    assert form.status_code == 200 and 'name="client_key"' in form.text
    created = inspector.post("/deviations/violations/new", data={
        "enterprise_id": "1", "zone_id": str(zone.id), "category": "falls_heights", "severity": "gross",
        "description": "Нет ограждения площадки на отметке +6 м", "rule_reference": "п. 12",
        "action": "Установить ограждение", "responsible": "Начальник цеха", "work_stopped": "1"},
        files=[("photos", ("p.jpg", _gps_photo(), "image/jpeg"))], follow_redirects=False)
    assert created.status_code == 303, created.text[:800]
    violation_id = int(re.search(r"/violations/(\d+)", created.headers["location"]).group(1))
    violation = session.get(Violation, violation_id)
    assert violation.site_id == zone.site_id and violation.work_stopped and violation.status == ViolationStatus.OPEN
    action = violation.actions[0]
    assert action.kind == "immediate" and action.due_on == date.today() + timedelta(days=1)
    photo = session.execute(select(ViolationPhoto).where(ViolationPhoto.violation_id == violation_id)).scalar()
    assert Image.open(io.BytesIO(photo.content)).getexif().get(0x8825) is None
    # The employer's safety manager was told at once (work stopped).
    from qorgau.core.models import Notification, User

    employer_user = session.execute(select(User).where(User.username == "employer")).scalar()
    assert session.execute(select(Notification).where(
        Notification.user_id == employer_user.id,
        Notification.link == f"/deviations/violations/{violation_id}")).scalars().first() is not None
    # The next entry starts at the same place.
    assert f'value="{zone.id}" selected' in inspector.get("/deviations/violations/new").text

    # The employer cannot verify; it reports the fix with evidence.
    evidence = employer.post(f"/api/v1/deviations/actions/{action.id}/evidence", json={"note": "Ограждение стоит"})
    assert evidence.status_code == 201 and evidence.json()["status"] == "done"
    refused = employer.post(f"/api/v1/deviations/actions/{action.id}/verdict", json={"accept": True})
    assert refused.status_code == 403
    # A rejection needs a reason, reopens the action and can move its date.
    assert inspector.post(f"/api/v1/deviations/actions/{action.id}/verdict",
                          json={"accept": False}).status_code == 422
    new_due = (date.today() + timedelta(days=3)).isoformat()
    reopened = inspector.post(f"/api/v1/deviations/actions/{action.id}/verdict",
                              json={"accept": False, "note": "Высота ограждения 0,8 м", "new_due_on": new_due})
    assert reopened.json()["status"] == "open" and reopened.json()["due_on"] == new_due
    assert inspector.get(f"/api/v1/deviations/violations/{violation_id}").json()["status"] == "open"
    # Second fix, accepted: the last verified action closes the violation.
    employer.post(f"/deviations/actions/{action.id}/evidence", data={"note": "Ограждение 1,1 м"},
                  files={"photo": ("fix.jpg", _gps_photo(), "image/jpeg")})
    verified = inspector.post(f"/deviations/actions/{action.id}/verdict", data={"accept": "1", "note": "Проверено"},
                              follow_redirects=False)
    assert verified.status_code == 303
    body = inspector.get(f"/api/v1/deviations/violations/{violation_id}").json()
    assert body["status"] == "closed" and body["closed_on"] == date.today().isoformat()
    page = inspector.get(f"/deviations/violations/{violation_id}", cookies={"lang": "kk"})
    assert page.status_code == 200 and "Высота ограждения 0,8 м" in page.text


def test_a_violation_without_an_action_cannot_be_closed_and_outsiders_see_nothing(sign_in, session):
    inspector = sign_in("inspector")
    made = inspector.post("/api/v1/deviations/violations", json={
        "enterprise_id": 1, "category": "electrical", "severity": "minor", "description": "Щит без замка"})
    assert made.status_code == 201 and made.json()["actions"] == []
    assert made.json()["status"] == "open"
    # Another enterprise is outside the inspector's scope; an officer of another sector cannot read it.
    assert inspector.post("/api/v1/deviations/violations", json={
        "enterprise_id": 2, "category": "electrical", "severity": "minor", "description": "x" * 5}).status_code == 404
    assert sign_in("analyst").get(f"/api/v1/deviations/violations/{made.json()['id']}").status_code == 403


def test_a_resent_entry_is_stored_once(sign_in, session):
    from qorgau.deviations.models import Violation

    inspector = sign_in("inspector")
    body = {"enterprise_id": 1, "category": "ppe", "severity": "minor", "description": "Нет касок у двоих",
            "client_key": "phone-7f3a9c21-entry-1"}
    first = inspector.post("/api/v1/deviations/violations", json=body)
    again = inspector.post("/api/v1/deviations/violations", json=body)
    assert (first.status_code, again.status_code) == (201, 200) and first.json()["id"] == again.json()["id"]
    count = session.execute(select(func.count()).select_from(Violation)
                            .where(Violation.client_key == body["client_key"])).scalar_one()
    assert count == 1


def test_repeat_in_the_same_zone_and_category_is_flagged(sign_in, session):
    from qorgau.registry.models import Zone

    inspector = sign_in("inspector")
    zone = Zone(site_id=_zone_of_smelter(session).site_id, name="Новый участок выщелачивания")
    session.add(zone)
    session.commit()
    body = {"enterprise_id": 1, "zone_id": zone.id, "category": "confined_space", "severity": "gross",
            "description": "Вход в ёмкость без наряда-допуска"}
    first = inspector.post("/api/v1/deviations/violations", json=body).json()
    second = inspector.post("/api/v1/deviations/violations", json=body).json()
    assert second["is_repeat"] and second["repeat_of_id"] == first["id"]
    other = inspector.post("/api/v1/deviations/violations", json={**body, "category": "ppe"}).json()
    assert not other["is_repeat"]
    assert any(v["id"] == second["id"] for v in inspector.get("/api/v1/deviations/violations?repeat=true&per_page=200")
               .json())


def test_overdue_action_climbs_the_ladder_when_the_clock_moves(sign_in, session, demo_url, monkeypatch):
    from qorgau.core.config import get_settings
    from qorgau.core.models import Notification, User
    from qorgau.deviations.models import ActionEscalation

    inspector = sign_in("inspector")
    found = date.today() - timedelta(days=1)
    due = date.today() + timedelta(days=2)
    made = inspector.post("/api/v1/deviations/violations", json={
        "enterprise_id": 1, "category": "electrical", "severity": "significant", "found_on": found.isoformat(),
        "description": "Переносной светильник 220 В в сырой зоне",
        "actions": [{"description": "Заменить светильник на 12 В", "due_on": due.isoformat()}]}).json()
    action_id = made["actions"][0]["id"]
    monkeypatch.setenv("QORGAU_DATABASE_URL", demo_url)
    get_settings.cache_clear()
    runner = CliRunner()
    from qorgau.cli import app

    def run(day: date) -> list[str]:
        result = runner.invoke(app, ["deviations", "escalate", "--now", day.isoformat()])
        assert result.exit_code == 0, result.output
        session.expire_all()
        return [e.step for e in session.execute(select(ActionEscalation).where(ActionEscalation.action_id == action_id)
                                                .order_by(ActionEscalation.id)).scalars()]

    try:
        assert run(due - timedelta(days=2)) == ["reminder"]
        assert run(due) == ["reminder"]  # due today is not overdue
        assert run(due + timedelta(days=1)) == ["reminder", "safety_manager"]
        assert run(due + timedelta(days=1)) == ["reminder", "safety_manager"]  # once per step
        assert run(due + timedelta(days=8)) == ["reminder", "safety_manager", "management"]
        assert run(due + timedelta(days=40)) == ["reminder", "safety_manager", "management", "sectoral_union",
                                                 "state_inspectorate"]
    finally:
        get_settings.cache_clear()
    state = session.execute(select(User).where(User.username == "state")).scalar()
    told = session.execute(select(Notification).where(Notification.user_id == state.id,
                                                      Notification.link == f"/deviations/violations/{made['id']}"))
    assert told.scalars().first() is not None
    shown = inspector.get(f"/api/v1/deviations/violations/{made['id']}").json()
    assert [e["step"] for e in shown["escalations"]][-1] == "state_inspectorate"
    assert shown["actions"][0]["escalation_level"] == 4
    page = inspector.get(f"/deviations/violations/{made['id']}", cookies={"lang": "ru"})
    assert "Государственная инспекция труда" in page.text


def test_a_worker_report_becomes_a_violation_with_masked_text(sign_in, session):
    from qorgau.deviations.models import Violation
    from qorgau.speaks import service as speaks
    from qorgau.speaks.schemas import ReportIn

    filed = speaks.submit(session=session, report_in=ReportIn(
        kind="hazard", enterprise_id=1, description="Бригадир Жумабеков снял ограждение конвейера, звоните +7 701 123 45 67",
        language="ru"))
    session.commit()
    officer = sign_in("admin")
    moved = officer.post(f"/speaks/reports/{filed.report.id}/convert", data={"target": "violation"},
                         follow_redirects=False)
    assert moved.status_code == 303
    violation_id = int(moved.headers["location"].rsplit("/", 1)[1])
    violation = session.get(Violation, violation_id)
    assert violation.source == "worker_report" and violation.source_reference == filed.report.reference
    assert "Жумабеков" not in violation.description and "701" not in violation.description
    assert "конвейер" in violation.description


def test_counts_for_the_index_and_the_risk_model(session):
    from qorgau.core.models import User
    from qorgau.deviations import service
    from qorgau.deviations.schemas import ActionIn, ViolationIn

    admin = session.execute(select(User).where(User.username == "admin")).scalar()
    start, end, today = date(2020, 1, 1), date(2020, 12, 31), date(2021, 6, 1)
    enterprise = 3

    def make(found: date, due: date, verified: date | None):
        violation, _ = service.record(session=session, actor=admin, today=found, violation_in=ViolationIn(
            enterprise_id=enterprise, category="ppe", severity="minor", description="Каски", found_on=found,
            actions=[ActionIn(description="Выдать каски", due_on=due)]))
        if verified:
            service.submit_evidence(session=session, actor=admin, action_id=violation.actions[0].id, note="Выдали",
                                    today=verified)
            service.verify(session=session, actor=admin, action_id=violation.actions[0].id, accept=True,
                           today=verified)
        return violation

    make(date(2020, 3, 1), date(2020, 3, 10), date(2020, 3, 9))   # on time
    make(date(2020, 4, 1), date(2020, 4, 10), date(2020, 5, 1))   # late
    make(date(2020, 5, 1), date(2020, 5, 10), None)               # never
    make(date(2019, 5, 1), date(2019, 5, 10), None)               # outside the period
    rows = {r["enterprise_id"]: r for r in service.counts_for_enterprises(session=session, start=start, end=end,
                                                                         today=today)}
    row = rows[enterprise]
    assert (row["violations"], row["due"], row["closed_on_time"]) == (3, 3, 1)
    assert (row["open_actions"], row["overdue_actions"], row["open_now"]) == (3, 2, 1)
    stats = {r["group"]: r for r in service.closure_statistics(session=session, actor=admin, by="month",
                                                                start=start, end=end, today=today)}
    assert stats["2020-03"]["median_days"] == 8 and stats["2020-04"]["median_days"] == 30
    assert stats["2020-05"]["closed"] == 0 and stats["2020-05"]["overdue"] == 1


def test_lists_statistics_and_exports(sign_in):
    officer = sign_in("officer")
    for url in ("/deviations/", "/deviations/violations", "/deviations/actions", "/deviations/stats?by=month",
                "/deviations/stats?by=enterprise", "/deviations/people?by=sector", "/deviations/import"):
        page = officer.get(url, cookies={"lang": "kk"})
        assert page.status_code == 200, url
    # A filtered list small enough to be answered at once (the whole list is an export job: decision 0036).
    sheet = officer.get("/deviations/violations?fmt=xlsx&status=open&severity=gross")
    assert sheet.status_code == 200 and sheet.content[:2] == b"PK"
    csv = officer.get("/deviations/stats?by=category&fmt=csv")
    assert csv.status_code == 200 and "Категория" in csv.text.splitlines()[0] and "closure_rate" not in csv.text
    coverage = officer.get("/api/v1/deviations/coverage?by=region").json()
    assert coverage and all(r["per_100_workers"] is None or r["per_100_workers"] >= 0 for r in coverage)
