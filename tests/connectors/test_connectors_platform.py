"""Connectors on the platform: the API with encrypted credentials and row-numbered mapping errors, SenML
pushed over HTTP, scope, the pages (health, mapping, roll-out with export) in kk/ru/en, and the demo's pilots."""

from __future__ import annotations

import time

import pytest
from sqlalchemy import select

from qorgau.connectors import service
from qorgau.connectors.models import Connector, Rollout
from qorgau.core import security
from qorgau.core.models import AuditEntry
from tests.connectors.helpers import alarms, detector, readings, user


@pytest.fixture(autouse=True)
def _fresh_feeds():
    service.forget_feeds()
    yield
    service.forget_feeds()


def test_api_connector_credentials_encrypted_mapping_checked_and_senml_over_http(session, sign_in, client):
    sensor = detector(session)
    employer = sign_in("employer")
    response = employer.post(f"/api/v1/connectors/enterprises/{sensor.enterprise_id}/connectors", json={
        "name": "Gateway", "protocol": "senml_http", "credentials": {"username": "reader", "password": "s3cret"}})
    assert response.status_code == 201, response.text
    made = response.json()
    assert made["has_credentials"] and "s3cret" not in response.text
    session.expire_all()
    row = session.get(Connector, made["id"])
    assert b"s3cret" not in row.credentials_encrypted and service.credentials_of(row)["password"] == "s3cret"
    # A value point without a unit is refused, naming the row; nothing is kept.
    bad = employer.put(f"/api/v1/connectors/connectors/{made['id']}/points", json=[
        {"source": "urn:dev:1:h2s", "sensor": sensor.code, "unit": "ppm"},
        {"source": "urn:dev:1:co", "sensor": sensor.code}])
    assert bad.status_code == 422 and bad.json()["error"]["field"] == "unit"
    assert bad.json()["error"]["message"].startswith("Строка 2: ")  # the demo safety manager reads Russian
    assert "единиц" in bad.json()["error"]["message"]
    wrong_unit = employer.put(f"/api/v1/connectors/connectors/{made['id']}/points", json=[
        {"source": "urn:dev:1:h2s", "sensor": sensor.code, "unit": "dBA"}])
    assert wrong_unit.status_code == 422 and wrong_unit.json()["error"]["message"].startswith("Строка 1: ")
    good = employer.put(f"/api/v1/connectors/connectors/{made['id']}/points", json=[
        {"source": "urn:dev:1:h2s", "sensor": sensor.code, "unit": "mg/m3"}])
    assert good.status_code == 200, good.text
    assert employer.post(f"/api/v1/connectors/connectors/{made['id']}/status",
                         json={"status": "active"}).status_code == 200
    _t, token = security.create_api_token(session, user=user(session, "employer"), scopes=["telemetry"])
    session.commit()
    now = time.time()
    pack = b'[{"bn":"urn:dev:1:","bt":%.1f,"n":"h2s","v":1.394},{"n":"h2s","t":1,"v":41.8}]' % (now - 5)
    pushed = client.post(f"/api/v1/connectors/connectors/{made['id']}/senml", content=pack,
                         headers={"Authorization": f"Bearer {token}", "Content-Type": "application/senml+json"})
    assert pushed.status_code == 200, pushed.text
    assert pushed.json()["readings_stored"] == 2
    got = readings(session, sensor)
    assert got[0][1] == pytest.approx(1.0, rel=1e-3)  # 1.394 mg/m3 of H2S = 1.0 ppm (M 34.08, 24.45 L/mol)
    assert got[1][1] == pytest.approx(30.0, rel=1e-3)
    assert any(a.alarm_type == "threshold" for a in alarms(session, sensor))
    again = client.post(f"/api/v1/connectors/connectors/{made['id']}/senml", content=pack,
                        headers={"Authorization": f"Bearer {token}"})
    assert again.status_code == 200
    assert len(readings(session, sensor)) == 2  # the same pack again stores nothing twice
    assert session.execute(select(AuditEntry).where(AuditEntry.action == "connectors.create")).first()


def test_scope_and_permissions(session, sign_in):
    sensor = detector(session)
    inspector = sign_in("inspector")  # reads connectors, may not change them
    assert inspector.post(f"/api/v1/connectors/enterprises/{sensor.enterprise_id}/connectors",
                          json={"name": "x", "protocol": "senml_http"}).status_code == 403
    employer = sign_in("employer")
    other = session.execute(select(Connector.enterprise_id).where(Connector.enterprise_id != sensor.enterprise_id)
                            .limit(1)).scalar()
    assert employer.get(f"/api/v1/connectors/enterprises/{other}/connectors").status_code == 404
    assert employer.get(f"/api/v1/connectors/enterprises/{sensor.enterprise_id}/health").status_code == 200


@pytest.mark.parametrize("lang", ["en", "kk", "ru"])
def test_pages_in_each_language(session, sign_in, lang):
    employer = sign_in("employer")
    employer.cookies.set("qorgau_lang", lang)
    enterprise_id = user(session, "employer").scope_enterprise_id
    page = employer.get(f"/connectors/enterprises/{enterprise_id}")
    assert page.status_code == 200
    connector_id = session.execute(select(Connector.id).where(Connector.enterprise_id == enterprise_id)).scalar()
    assert employer.get(f"/connectors/{connector_id}").status_code == 200
    state = sign_in("state")
    state.cookies.set("qorgau_lang", lang)
    assert state.get("/connectors/rollout").status_code == 200


def test_demo_rollout_shows_five_pilots_connected_and_exports(session, sign_in):
    state = sign_in("state")
    rows = state.get("/api/v1/connectors/rollout?high_risk=true").json()
    pilots = [r for r in rows if r["stage"] == "pilot"]
    assert len(pilots) == 5 and all(r["connected"] for r in pilots)
    page = state.get("/connectors/rollout")
    assert page.status_code == 200 and page.text.count("badge ok") >= 5
    export = state.get("/connectors/rollout?format=csv")
    assert export.status_code == 200 and export.headers["content-type"].startswith("text/csv")
    assert len(export.text.strip().splitlines()) == len(rows) + 1


def test_mapping_form_names_the_bad_row(session, sign_in):
    employer = sign_in("employer")
    enterprise_id = user(session, "employer").scope_enterprise_id
    connector_id = session.execute(select(Connector.id).where(Connector.enterprise_id == enterprise_id)).scalar()
    before = employer.get(f"/api/v1/connectors/connectors/{connector_id}").json()["points"]
    response = employer.post(f"/connectors/{connector_id}/mapping",
                             data={"mapping": "source,sensor,kind,unit\nhr:0,nosuch,value,ppm"})
    assert response.status_code == 422 and "2" in response.text
    assert employer.get(f"/api/v1/connectors/connectors/{connector_id}").json()["points"] == before


def test_rollout_form_sets_stage_and_dates_audited(session, sign_in):
    state = sign_in("state")
    row = state.get("/api/v1/connectors/rollout").json()[0]  # put back as it was at the end
    note = session.get(Rollout, row["enterprise_id"]).note
    page = state.get(f"/connectors/rollout?edit={row['enterprise_id']}")
    assert page.status_code == 200 and 'action="/connectors/rollout"' in page.text and row["bin"] in page.text
    answer = state.post("/connectors/rollout", data={
        "bin": row["bin"], "high_risk": "1", "stage": "refinement", "stage_on": "2027-03-01", "due_on": "2027-12-01",
        "note": "moved forward"}, follow_redirects=False)
    assert answer.status_code == 303
    now = next(r for r in state.get("/api/v1/connectors/rollout").json() if r["enterprise_id"] == row["enterprise_id"])
    assert (now["stage"], now["stage_on"], now["due_on"], now["high_risk"]) == \
        ("refinement", "2027-03-01", "2027-12-01", True)
    entry = session.execute(select(AuditEntry).where(AuditEntry.action == "connectors.rollout",
                                                     AuditEntry.object_id == str(row["enterprise_id"]))
                            .order_by(AuditEntry.id.desc()).limit(1)).scalar_one()
    assert entry.after["stage"] == "refinement" and entry.before["stage"] == row["stage"]
    # Bad input names the field and changes nothing.
    state.cookies.set("qorgau_lang", "ru")
    bad = state.post("/connectors/rollout", data={"bin": row["bin"], "stage": "mandatory", "stage_on": "01.03.2027"})
    assert bad.status_code == 422 and "ГГГГ-ММ-ДД" in bad.text
    unknown = state.post("/connectors/rollout", data={"bin": "000000000000", "stage": "mandatory"})
    assert unknown.status_code == 422 and "000000000000" in unknown.text
    again = next(r for r in state.get("/api/v1/connectors/rollout").json() if r["enterprise_id"] == row["enterprise_id"])
    assert again["stage"] == "refinement"
    # An employer sees no form and cannot post it.
    employer = sign_in("employer")
    assert 'action="/connectors/rollout"' not in employer.get("/connectors/rollout").text
    assert employer.post("/connectors/rollout", data={"bin": row["bin"], "stage": "pilot"}).status_code in (403, 404)
    assert state.put(f"/api/v1/connectors/rollout/{row['enterprise_id']}", json={
        **{k: row[k] for k in ("high_risk", "stage", "stage_on", "due_on")}, "note": note}).status_code == 200
