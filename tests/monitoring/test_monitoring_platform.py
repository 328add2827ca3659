"""Monitoring on the platform: HTTP gateway ingest with a telemetry token, the live view and zone pages,
acknowledging alarms, sensor registration, scope, violations on persistent exceedance, index counts."""

from __future__ import annotations

import time
import types
from datetime import UTC, datetime, timedelta

import numpy as np
import pytest
from sqlalchemy import func, select

from qorgau.core import security
from qorgau.core.db import utcnow
from qorgau.core.models import Notification, User
from qorgau.monitoring import service, violations
from qorgau.monitoring.codec import encode_json
from qorgau.monitoring.models import Alarm, AlarmEvent, DeadLetter, Presence, Reading, Rollup, Sensor
from qorgau.monitoring.pipeline import Pipeline
from qorgau.monitoring.sink import DatabaseSink, load_registry
from qorgau.registry.models import Enterprise, Site, Zone


@pytest.fixture(autouse=True)
def _fresh_gateways():
    service.forget_gateways()
    yield
    service.forget_gateways()


def _user(session, username: str) -> User:
    return session.execute(select(User).where(User.username == username)).scalar_one()


def _token(session, username: str, scopes: list[str]) -> str:
    _t, plain = security.create_api_token(session, user=_user(session, username), scopes=scopes)
    session.commit()
    return plain


def _so2_sensor(session) -> Sensor:
    smelter_id = _user(session, "employer").scope_enterprise_id
    return session.execute(select(Sensor).where(Sensor.enterprise_id == smelter_id, Sensor.quantity == "so2")
                           .order_by(Sensor.id).limit(1)).scalar_one()


def _other_zone(session, enterprise_id: int) -> Zone:
    return session.execute(select(Zone).join(Site).where(Site.enterprise_id != enterprise_id).order_by(Zone.id)
                           .limit(1)).scalar_one()


def test_demo_has_sensors_readings_alarms_and_people(session):
    sensor = _so2_sensor(session)
    assert session.execute(select(func.count()).select_from(Sensor)).scalar() >= 6
    assert session.execute(select(func.count()).select_from(Reading)).scalar() >= 6 * 1440
    assert session.execute(select(func.count()).select_from(Rollup)).scalar() >= 6 * 1440
    assert session.execute(select(func.count()).select_from(Alarm)).scalar() >= 2
    assert session.execute(select(func.count()).select_from(Presence)).scalar() >= 3
    acked = session.execute(select(Alarm).where(Alarm.acknowledged_at.is_not(None))).scalars().all()
    assert acked and acked[0].ack_note
    assert sensor.zone.site.enterprise_id == sensor.enterprise_id


def test_http_ingest_with_a_telemetry_token_stores_readings_alarms_and_dead_letters(session, client):
    sensor = _so2_sensor(session)
    number = session.get(Enterprise, sensor.enterprise_id).bin
    token = _token(session, "employer", ["telemetry"])
    url = f"/api/v1/monitoring/ingest/{number}/{sensor.zone_id}/readings"
    now = time.time()
    ts = [now - 30 + i for i in range(5)]
    body = encode_json(ts, [0.1, 0.12, 0.11, 15.0, 0.1], [sensor.code] * 5)
    response = client.post(url, content=body, headers={"Authorization": f"Bearer {token}"})
    assert response.status_code == 200, response.text
    assert response.json()["stored"] == 5 and response.json()["dead_letters"] == 0
    assert response.json()["alarm_events"] >= 1
    session.expire_all()
    stored = session.execute(select(func.count()).select_from(Reading)
                             .where(Reading.sensor_id == sensor.id, Reading.ts >= ts[0])).scalar()
    assert stored == 5
    alarm = session.execute(select(Alarm).where(Alarm.sensor_id == sensor.id, Alarm.alarm_type == "threshold")
                            .order_by(Alarm.id.desc()).limit(1)).scalar_one()
    assert alarm.severity == "CRITICAL" and alarm.value == 15.0
    assert alarm.people_inside == session.execute(select(func.count()).select_from(Presence).where(
        Presence.zone_id == sensor.zone_id, Presence.exited_at.is_(None))).scalar()
    # The people at the enterprise are told at once (critical), with a link to the alarm.
    told = session.execute(select(User.username).join(Notification, Notification.user_id == User.id)
                           .where(Notification.link == f"/monitoring/alarms/{alarm.id}")).scalars().all()
    assert {"employer", "inspector"} <= set(told) and "officer" not in told
    # The same batch again: a gateway's retry doubles nothing (the engine sees repeats and late readings,
    # the table's key on (sensor, ts) keeps one row each).
    again = client.post(url, content=body, headers={"Authorization": f"Bearer {token}"}).json()
    assert again["duplicates"] + again["late"] == 5 and again["alarm_events"] == 0
    session.expire_all()
    assert session.execute(select(func.count()).select_from(Reading)
                           .where(Reading.sensor_id == sensor.id, Reading.ts >= ts[0])).scalar() == 5
    # A bad row is kept as a dead letter with its reason, the good one is stored.
    mixed = encode_json([now - 10, now - 9], [float("nan"), 0.2], [sensor.code, sensor.code])
    out = client.post(f"/api/v1/monitoring/ingest/{number}/{sensor.zone_id}/{sensor.code}/readings", content=mixed,
                      headers={"Authorization": f"Bearer {token}"}).json()
    assert out["stored"] == 1 and out["dead_letters"] == 1
    broken = client.post(url, content=b"{broken", headers={"Authorization": f"Bearer {token}"}).json()
    assert broken["dead_letters"] == 1
    session.expire_all()
    reasons = sorted(session.execute(select(DeadLetter.reason).where(DeadLetter.enterprise_id == sensor.enterprise_id))
                     .scalars())
    assert reasons == ["bad_value", "malformed"]


def test_http_ingest_refuses_without_the_telemetry_scope_or_outside_the_enterprise(session, client):
    sensor = _so2_sensor(session)
    number = session.get(Enterprise, sensor.enterprise_id).bin
    body = encode_json([time.time() - 5], [0.1], [sensor.code])
    url = f"/api/v1/monitoring/ingest/{number}/{sensor.zone_id}/readings"
    read_write = _token(session, "employer", ["read", "write"])
    refused = client.post(url, content=body, headers={"Authorization": f"Bearer {read_write}"})
    assert refused.status_code == 403
    assert refused.json()["error"]["code"] == "forbidden"
    assert client.post(url, content=body).status_code == 401
    telemetry = _token(session, "employer", ["telemetry"])
    other = _other_zone(session, sensor.enterprise_id)
    other_bin = other.site.enterprise.bin
    assert client.post(f"/api/v1/monitoring/ingest/{other_bin}/{other.id}/readings", content=body,
                       headers={"Authorization": f"Bearer {telemetry}"}).status_code == 404
    # The BIN must be the zone's enterprise's.
    assert client.post(f"/api/v1/monitoring/ingest/{other_bin}/{sensor.zone_id}/readings", content=body,
                       headers={"Authorization": f"Bearer {telemetry}"}).status_code == 404
    # A telemetry token cannot read.
    assert client.get("/api/v1/monitoring/alarms", headers={"Authorization": f"Bearer {telemetry}"}).status_code == 403
    session.expire_all()
    assert session.execute(select(func.count()).select_from(Reading).where(Reading.ts >= time.time() - 60)).scalar() == 0


def test_escalation_widens_the_circle_of_people_told(session):
    from qorgau.monitoring import notices

    smelter = session.get(Enterprise, 1)
    tiers = [{u.username for u in notices.recipients(session, smelter, level)} for level in (0, 1, 2)]
    assert {"employer", "inspector"} <= tiers[0] and "officer" not in tiers[0]
    assert tiers[0] <= tiers[1] <= tiers[2] and "officer" in tiers[2]  # the sectoral union's officer
    assert notices.worth_telling("escalated", "MINOR") and not notices.worth_telling("raised", "WARNING")
    alarm = session.execute(select(Alarm).limit(1)).scalar_one()
    sent = notices.send(session, [notices.Notice("escalated", alarm.id, 1, "Электролиз", "stel", "MAJOR", 2)])
    assert sent == len(tiers[2])
    session.flush()
    officer_note = session.execute(select(Notification).join(User, Notification.user_id == User.id)
                                   .where(User.username == "officer", Notification.link == f"/monitoring/alarms/{alarm.id}")
                                   ).scalars().first()
    assert officer_note is not None and "Электролиз" in officer_note.shown[0]  # rendered when read


def test_presence_entries_and_exits(session, client):
    sensor = _so2_sensor(session)
    number = session.get(Enterprise, sensor.enterprise_id).bin
    token = _token(session, "employer", ["telemetry"])
    url = f"/api/v1/monitoring/presence/{number}/{sensor.zone_id}"
    before = service.headcounts(session, [sensor.zone_id]).get(sensor.zone_id, 0)
    now = utcnow()
    events = [{"badge": "T-1", "event": "enter", "ts": (now - timedelta(minutes=5)).isoformat()},
              {"badge": "T-2", "event": "enter", "ts": (now - timedelta(minutes=4)).isoformat()},
              {"badge": "T-1", "event": "exit", "ts": (now - timedelta(minutes=1)).isoformat()}]
    out = client.post(url, json={"events": events}, headers={"Authorization": f"Bearer {token}"})
    assert out.status_code == 200, out.text
    assert out.json() == {"entered": 2, "exited": 1, "inside": before + 1}
    bad = client.post(url, json={"events": [{"badge": "T-9", "event": "exit", "ts": now.isoformat()}]},
                      headers={"Authorization": f"Bearer {token}"})
    assert bad.status_code == 422 and bad.json()["error"]["field"] == "events"


def test_live_view_zone_page_and_alarm_inbox(session, sign_in):
    sensor = _so2_sensor(session)
    client = sign_in("employer")
    page = client.get("/monitoring/", follow_redirects=True)
    assert page.status_code == 200
    assert f'hx-get="/monitoring/enterprises/{sensor.enterprise_id}/live"' in page.text
    live = client.get(f"/monitoring/enterprises/{sensor.enterprise_id}/live")
    assert live.status_code == 200 and sensor.label in live.text and "<html" not in live.text
    zone = client.get(f"/monitoring/zones/{sensor.zone_id}")
    assert zone.status_code == 200 and "plotly" in zone.text and sensor.code in zone.text
    assert client.get(f"/monitoring/zones/{sensor.zone_id}?sensor={sensor.id}").status_code == 200
    inbox = client.get("/monitoring/alarms?state=all")
    assert inbox.status_code == 200
    alarm_id = session.execute(select(Alarm.id).order_by(Alarm.id).limit(1)).scalar_one()
    assert f"/monitoring/alarms/{alarm_id}" in inbox.text
    assert client.get(f"/monitoring/alarms/{alarm_id}").status_code == 200
    assert client.get(f"/monitoring/enterprises/{sensor.enterprise_id}/dead-letters").status_code == 200
    api = client.get(f"/api/v1/monitoring/enterprises/{sensor.enterprise_id}/zones").json()
    assert any(s["code"] == sensor.code and s["last_value"] is not None for z in api for s in z["sensors"])


def test_acknowledging_an_alarm_with_a_note(session, sign_in):
    alarm = session.execute(select(Alarm).where(Alarm.status.in_(("ACTIVE_UNACK", "CLEARED_UNACK")))
                            .order_by(Alarm.id).limit(1)).scalar_one()
    client = sign_in("employer")
    response = client.post(f"/monitoring/alarms/{alarm.id}/acknowledge",
                           data={"note": "Crew evacuated, fan restarted", "csrf_token": client.headers["X-CSRF-Token"]},
                           follow_redirects=False)
    assert response.status_code == 303
    session.expire_all()
    alarm = session.get(Alarm, alarm.id)
    assert alarm.status.endswith("_ACK") and alarm.ack_note == "Crew evacuated, fan restarted"
    assert alarm.acknowledged_by == "user:employer" and alarm.ack_pending
    event = session.execute(select(AlarmEvent).where(AlarmEvent.alarm_id == alarm.id, AlarmEvent.kind == "acknowledged")
                            ).scalar_one()
    assert event.note == "Crew evacuated, fan restarted"
    page = client.get(f"/monitoring/alarms/{alarm.id}")
    assert "Crew evacuated, fan restarted" in page.text
    again = client.post(f"/api/v1/monitoring/alarms/{alarm.id}/acknowledge", json={"note": "twice"})
    assert again.status_code == 422


def test_state_inspector_may_read_but_not_acknowledge(session, sign_in):
    alarm = session.execute(select(Alarm).where(Alarm.status.in_(("ACTIVE_UNACK", "CLEARED_UNACK")))
                            .order_by(Alarm.id).limit(1)).scalar_one()
    client = sign_in("state")
    assert client.get(f"/monitoring/alarms/{alarm.id}").status_code == 200
    refused = client.post(f"/api/v1/monitoring/alarms/{alarm.id}/acknowledge", json={"note": ""})
    assert refused.status_code == 403


def test_employer_of_another_enterprise_cannot_see_the_zone(session, sign_in):
    sensor = _so2_sensor(session)
    other = _other_zone(session, sensor.enterprise_id)
    other_enterprise = other.site.enterprise_id
    outsider = User(username="outsider", role="employer_safety_manager", password_hash=security.hash_password("pw-outsider-1"),
                    scope_kind="enterprise", scope_enterprise_id=other_enterprise)
    session.add(outsider)
    session.commit()
    client = sign_in("outsider", "pw-outsider-1")
    assert client.get(f"/monitoring/zones/{sensor.zone_id}").status_code == 404
    assert client.get(f"/monitoring/enterprises/{sensor.enterprise_id}").status_code == 404
    assert client.get(f"/monitoring/enterprises/{sensor.enterprise_id}/live").status_code == 404
    assert client.get(f"/api/v1/monitoring/enterprises/{sensor.enterprise_id}/zones").status_code == 404
    alarm_id = session.execute(select(Alarm.id).where(Alarm.enterprise_id == sensor.enterprise_id).limit(1)).scalar_one()
    assert client.get(f"/monitoring/alarms/{alarm_id}").status_code == 404
    assert client.get("/api/v1/monitoring/alarms?state=all").json() == []
    assert client.get(f"/monitoring/zones/{other.id}").status_code == 200


def test_registering_a_sensor(session, sign_in):
    sensor = _so2_sensor(session)
    client = sign_in("employer")
    csrf = client.headers["X-CSRF-Token"]
    ok = client.post(f"/monitoring/zones/{sensor.zone_id}/sensors",
                     data={"code": "new-h2s-1", "quantity": "h2s", "label": "H2S by the tank", "a1": "",
                           "a2": "", "silent_after_s": "120", "csrf_token": csrf}, follow_redirects=False)
    assert ok.status_code == 303
    created = session.execute(select(Sensor).where(Sensor.code == "new-h2s-1")).scalar_one()
    assert created.zone_id == sensor.zone_id and created.silent_after_s == 120 and created.unit == "ppm"
    duplicate = client.post(f"/monitoring/zones/{sensor.zone_id}/sensors",
                            data={"code": "new-h2s-1", "quantity": "h2s", "csrf_token": csrf})
    assert duplicate.status_code == 422 and 'class="alert danger"' in duplicate.text
    wrong = client.post(f"/monitoring/zones/{sensor.zone_id}/sensors",
                        data={"code": "x-1", "quantity": "h2s", "a1": "5", "a2": "2", "csrf_token": csrf})
    assert wrong.status_code == 422
    api = client.post(f"/api/v1/monitoring/zones/{sensor.zone_id}/sensors", json={"code": "api-co-1", "quantity": "co"})
    assert api.status_code == 201 and api.json()["a1"] is None and api.json()["level"] == "stale"
    inspector = sign_in("inspector")  # reads, but registering sensors is the employer's
    assert inspector.post(f"/api/v1/monitoring/zones/{sensor.zone_id}/sensors",
                          json={"code": "api-co-2", "quantity": "co"}).status_code == 403


@pytest.fixture
def fake_deviations(monkeypatch):
    calls: list[dict] = []
    module = types.ModuleType("qorgau.deviations.service")

    def create_from_report(*, session, actor, enterprise_id, category, description, source_reference, imminent):
        calls.append({"actor": actor.username, "enterprise_id": enterprise_id, "category": category,
                      "description": description, "source_reference": source_reference, "imminent": imminent})
        return types.SimpleNamespace(id=4200 + len(calls))

    module.create_from_report = create_from_report
    monkeypatch.setattr(violations, "deviations", module)
    return calls


def test_persistent_exceedance_files_a_violation_with_evidence(session, fake_deviations):
    sensor = _so2_sensor(session)
    officer = _user(session, "officer")
    registry, directory = load_registry(session)
    sink = DatabaseSink(session, registry, directory, commit=False, violation_actor_id=officer.id)
    pipeline = Pipeline(registry, sink)
    number = session.get(Enterprise, sensor.enterprise_id).bin
    t0 = np.floor(time.time() / 60) * 60 - 40 * 60
    ts = t0 + np.arange(0, 30 * 60, 10.0)
    from qorgau.monitoring.codec import sensor_topic
    pipeline.submit(sensor_topic(number, str(sensor.zone_id), sensor.code), encode_json(ts, np.full(ts.size, 3.0)),
                    float(ts[-1]) + 1)
    pipeline.flush(float(ts[-1]) + 120)
    session.commit()
    stel = session.execute(select(Alarm).where(Alarm.sensor_id == sensor.id, Alarm.alarm_type == "stel")
                           .order_by(Alarm.id.desc()).limit(1)).scalar_one()
    assert stel.violation_type == "violation" and stel.violation_id == 4201
    call = fake_deviations[0]
    assert call["actor"] == "officer" and call["enterprise_id"] == sensor.enterprise_id
    assert call["category"] == "chemical_gas_dust" and call["imminent"] is True
    assert call["source_reference"] == f"monitoring:alarm:{stel.id}"
    assert sensor.code in call["description"] and "average" in call["description"]


def test_a_person_raises_the_violation_for_a_due_exceedance(session, sign_in, fake_deviations):
    due = session.execute(select(Alarm).where(Alarm.violation_type == "due").limit(1)).scalar()
    if due is None:  # the demo day had no STEL/TWA exceedance: make one due
        due = session.execute(select(Alarm).order_by(Alarm.id).limit(1)).scalar_one()
        due.violation_type = "due"
        session.commit()
    client = sign_in("employer")
    page = client.get(f"/monitoring/alarms/{due.id}")
    assert f'action="/monitoring/alarms/{due.id}/violation"' in page.text
    response = client.post(f"/monitoring/alarms/{due.id}/violation",
                           data={"csrf_token": client.headers["X-CSRF-Token"]}, follow_redirects=False)
    assert response.status_code == 303
    session.expire_all()
    assert session.get(Alarm, due.id).violation_id == 4201
    again = client.post(f"/monitoring/alarms/{due.id}/violation", data={"csrf_token": client.headers["X-CSRF-Token"]})
    assert again.status_code == 422 and 'class="alert danger"' in again.text  # a refused form answers 422
    assert len(fake_deviations) == 1


def test_counts_for_the_safety_index(session):
    sensor = _so2_sensor(session)
    today = utcnow().date()
    rows = service.counts_for_enterprises(session=session, start=today - timedelta(days=3), end=today + timedelta(days=1))
    mine = [r for r in rows if r["enterprise_id"] == sensor.enterprise_id]
    assert len(mine) == 1
    zones = session.execute(select(func.count(func.distinct(Sensor.zone_id))).where(
        Sensor.enterprise_id == sensor.enterprise_id)).scalar()
    # A day of readings in every monitored zone: three or four 8-hour shifts each (the day is not aligned).
    assert 3 * zones <= mine[0]["zone_shifts"] <= 4 * zones
    persistent = session.execute(select(func.count()).select_from(Alarm).where(
        Alarm.enterprise_id == sensor.enterprise_id, Alarm.alarm_type.in_(("stel", "twa_8h")))).scalar()
    assert mine[0]["exceedance_shifts"] <= persistent
    assert (mine[0]["exceedance_shifts"] > 0) == (persistent > 0)
    assert service.counts_for_enterprises(session=session, start=today - timedelta(days=400),
                                          end=today - timedelta(days=300)) == []


def test_cli_serve_mqtt_and_simulate_from_the_database(demo_url, monkeypatch):
    from typer.testing import CliRunner

    from qorgau.core.config import get_settings
    from qorgau.monitoring.cli import app, registered_fleet

    monkeypatch.setenv("QORGAU_DATABASE_URL", demo_url)
    get_settings.cache_clear()
    try:
        result = CliRunner().invoke(app, ["serve-mqtt", "--violations-as", "nobody-here", "--broker-port", "1"])
        assert result.exit_code == 2 and "no active user 'nobody-here'" in result.output
        result = CliRunner().invoke(app, ["serve-mqtt", "--workers", "2", "--worker-index", "2"])
        assert result.exit_code == 2
        fleet = registered_fleet()
        assert fleet and all(s.config.zone.isdigit() for s in fleet)
        assert registered_fleet("000000000000") == []
        from qorgau.monitoring.sensors import SensorRegistry
        from qorgau.monitoring.sink import factory

        sink = factory(SensorRegistry())  # `ingest --sink qorgau.monitoring.sink:factory`
        assert len(sink.registry) == len(fleet) and set(sink.directory) == {s.config.sensor_id for s in fleet}
        sink.session.close()
    finally:
        get_settings.cache_clear()


def test_retention_keeps_readings_around_alarms_and_all_rollups(session):
    sensor = _so2_sensor(session)
    now = utcnow()
    old = now.timestamp() - 100 * 86400
    session.execute(Reading.__table__.insert(), [{"sensor_id": sensor.id, "ts": old + i * 60.0, "value": 0.1,
                                                  "late": False} for i in range(300)])
    alarm = Alarm(key="retention-probe", sensor_id=sensor.id, zone_id=sensor.zone_id,
                  enterprise_id=sensor.enterprise_id, alarm_type="threshold", severity="CRITICAL",
                  peak_severity="CRITICAL", status="CLEARED_ACK", started_at=datetime.fromtimestamp(old + 150 * 60, UTC),
                  last_event_at=datetime.fromtimestamp(old + 150 * 60, UTC))
    session.add(alarm)
    session.flush()
    rollups = session.execute(select(func.count()).select_from(Rollup)).scalar()
    result = service.prune_readings(session=session, keep_days=90, around_alarms_s=30 * 60, now=now)
    kept = session.execute(select(Reading.ts).where(Reading.sensor_id == sensor.id, Reading.ts < old + 300 * 60)
                           ).scalars().all()
    # One hour around the alarm (minutes 120-180) survives; the rest of that old stretch is gone.
    assert sorted(round((t - old) / 60) for t in kept) == list(range(120, 180))
    assert result["deleted"] >= 240 and session.execute(select(func.count()).select_from(Rollup)).scalar() == rollups
    assert session.execute(select(func.count()).select_from(Reading)
                           .where(Reading.ts > now.timestamp() - 86400)).scalar() > 0  # recent ones untouched


def test_entering_kazakhstan_limits_changes_what_the_sensors_are_held_to(session, sign_in):
    from qorgau.monitoring.limits import catalogue_for
    from qorgau.monitoring.models import SubstanceLimit
    from qorgau.monitoring.sink import load_sensors

    sensor = _so2_sensor(session)
    shipped = catalogue_for(session)["so2"].limit("twa_8h")
    officer = sign_in("officer")
    page = officer.get("/monitoring/substances", cookies={"lang": "ru"})
    assert page.status_code == 200 and "Внести норматив" in page.text
    refused = officer.post("/monitoring/substances/limits", data={
        "code": "so2", "source": "KZ", "kind": "twa_8h", "value": "10", "unit": "mg/m3", "reference": "x"})
    assert refused.status_code == 422 and session.execute(select(func.count()).select_from(SubstanceLimit)).scalar() == 0
    entered = officer.post("/monitoring/substances/limits", data={
        "code": "so2", "source": "KZ", "kind": "twa_8h", "value": "10", "unit": "mg/m3",
        "reference": "Гигиенические нормативы к воздуху рабочей зоны, приказ МЗ РК, п. 1"}, follow_redirects=False)
    assert entered.status_code == 303
    session.expire_all()
    effective = catalogue_for(session)["so2"].limit("twa_8h")
    assert effective.source == "KZ" and effective.value == pytest.approx(10 * 24.45 / 64.07, rel=1e-6)
    assert effective.value != shipped.value and "приказ МЗ РК" in effective.reference
    configs, _directory = load_sensors(session, catalogue_for(session))
    config = next(c for c in configs if c.sensor_id == sensor.code)
    assert config.twa_limit == pytest.approx(effective.value)
    # Employers and state inspectors read the catalogue but cannot change it; withdrawing restores the shipped value.
    assert sign_in("employer").post("/monitoring/substances/limits", data={
        "code": "so2", "source": "KZ", "kind": "twa_8h", "value": "1", "unit": "ppm",
        "reference": "Документ работодателя"}).status_code == 403
    row = session.execute(select(SubstanceLimit)).scalar_one()
    officer.post(f"/monitoring/substances/limits/{row.id}/withdraw")
    session.expire_all()
    assert catalogue_for(session)["so2"].limit("twa_8h").source == shipped.source


def test_too_many_people_and_a_lone_worker_are_told(session, client):
    from qorgau.core.models import Notification

    zone = Zone(site_id=session.execute(select(Site.id).where(Site.enterprise_id == 1).limit(1)).scalar(),
                name="Камера выщелачивания", max_headcount=2)
    session.add(zone)
    session.commit()
    number = session.get(Enterprise, 1).bin
    token = _token(session, "employer", ["telemetry"])
    url = f"/api/v1/monitoring/presence/{number}/{zone.id}"
    now = utcnow()

    def enter(*badges: str, minutes_ago: int = 1) -> dict:
        events = [{"badge": b, "event": "enter", "ts": (now - timedelta(minutes=minutes_ago)).isoformat()}
                  for b in badges]
        return client.post(url, json={"events": events}, headers={"Authorization": f"Bearer {token}"}).json()

    def told(link: str) -> set[str]:
        session.expire_all()
        return set(session.execute(select(User.username).join(Notification, Notification.user_id == User.id)
                                   .where(Notification.link == link)).scalars())

    assert enter("L-1", "L-2")["inside"] == 2 and not told(f"/monitoring/zones/{zone.id}")
    assert enter("L-3")["inside"] == 3
    assert {"employer", "inspector"} <= told(f"/monitoring/zones/{zone.id}")
    # One person alone for too long: told once per stay.
    lone = Zone(site_id=zone.site_id, name="Бункер", max_headcount=None)
    session.add(lone)
    session.commit()
    client.post(f"/api/v1/monitoring/presence/{number}/{lone.id}", headers={"Authorization": f"Bearer {token}"},
                json={"events": [{"badge": "L-9", "event": "enter", "ts": (now - timedelta(minutes=90)).isoformat()}]})
    assert [s.badge for s in service.watch_lone_workers(session=session, now=now, minutes=60)] == ["L-9"]
    session.commit()
    assert service.watch_lone_workers(session=session, now=now, minutes=60) == []
    stay = session.execute(select(Presence).where(Presence.badge == "L-9")).scalar_one()
    assert "employer" in told(f"/monitoring/zones/{lone.id}?lone={stay.id}")
