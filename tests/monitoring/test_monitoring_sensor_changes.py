"""Sensors and zones change: edit, recalibrate, move, deactivate with history kept (a reading stays under the
zone it was taken in), and the live view shows the zones on the site plan or the enterprise on the map."""

from __future__ import annotations

import io
import time

from PIL import Image
from sqlalchemy import func, select


def _smelter_sensor(session):
    from qorgau.monitoring.models import Reading, Sensor

    return session.execute(select(Sensor).join(Reading, Reading.sensor_id == Sensor.id)
                           .group_by(Sensor.id).order_by(Sensor.id).limit(1)).scalar_one()


def _other_zone(session, sensor):
    from qorgau.registry.models import Site, Zone

    return session.execute(select(Zone).join(Site).where(Site.enterprise_id == sensor.enterprise_id,
                                                         Zone.id != sensor.zone_id).order_by(Zone.id)).scalars().first()


def test_a_moved_sensor_keeps_its_old_readings_under_the_old_zone(session, sign_in):
    from qorgau.core.models import AuditEntry
    from qorgau.monitoring.models import Alarm, Reading

    employer = sign_in("employer")
    sensor = _smelter_sensor(session)
    old_zone, new_zone = sensor.zone_id, _other_zone(session, sensor).id
    old_count = session.execute(select(func.count()).select_from(Reading)
                                .where(Reading.sensor_id == sensor.id)).scalar_one()
    alarms_before = session.execute(select(func.count()).select_from(Alarm).where(Alarm.sensor_id == sensor.id,
                                                                                  Alarm.zone_id == old_zone)).scalar_one()
    now = time.time()
    window = {"start": 0, "end": now + 3600}

    def mine(zone_id):
        rows = employer.get(f"/api/v1/monitoring/zones/{zone_id}/readings", params=window).json()
        return [r for r in rows if r["sensor_id"] == sensor.id]

    assert len(mine(old_zone)) == old_count > 0 and mine(new_zone) == []
    # Only the enterprise's side moves sensors, only within the enterprise, and says why.
    assert sign_in("officer").post(f"/api/v1/monitoring/sensors/{sensor.id}/move",
                                   json={"zone_id": new_zone, "reason": "Reorganised"}).status_code == 403
    assert employer.post(f"/api/v1/monitoring/sensors/{sensor.id}/move",
                         json={"zone_id": new_zone, "reason": ""}).status_code == 422
    moved = employer.post(f"/api/v1/monitoring/sensors/{sensor.id}/move",
                          json={"zone_id": new_zone, "reason": "Moved to the new hall"})
    assert moved.status_code == 201, moved.text
    assert moved.json()["from_zone_id"] == old_zone and moved.json()["to_zone_id"] == new_zone
    session.add(Reading(sensor_id=sensor.id, ts=time.time() + 5, value=1.5))  # taken after the move
    session.commit()

    old_rows, new_rows = mine(old_zone), mine(new_zone)
    assert len(old_rows) == old_count and all(r["ts"] < moved.json()["ts"] for r in old_rows)
    assert len(new_rows) == 1 and new_rows[0]["value"] == 1.5
    assert session.execute(select(func.count()).select_from(Alarm).where(
        Alarm.sensor_id == sensor.id, Alarm.zone_id == old_zone)).scalar_one() == alarms_before
    page = employer.get(f"/monitoring/sensors/{sensor.id}", cookies={"lang": "en"}).text
    assert "Moved to the new hall" in page
    assert session.execute(select(AuditEntry).where(AuditEntry.object_type == "monitoring_sensor_move")).first()


def test_a_sensor_is_edited_recalibrated_and_deactivated_with_the_record_kept(session, sign_in):
    from qorgau.core.models import AuditEntry
    from qorgau.monitoring.models import Calibration

    employer = sign_in("employer")
    sensor = _smelter_sensor(session)
    url = f"/api/v1/monitoring/sensors/{sensor.id}"
    edited = employer.patch(url, json={"label": "H2S at the bath line", "a1": 4.0})
    assert edited.status_code == 200 and edited.json()["label"] == "H2S at the bath line"
    assert employer.patch(url, json={"code": "x"}).status_code == 422  # the code is the sensor's identity
    before = session.execute(select(func.count()).select_from(Calibration)
                             .where(Calibration.sensor_id == sensor.id)).scalar_one()
    bad = employer.post(f"{url}/calibrations", json={"calibrated_on": "2999-01-01", "reference": "H2S 10 ppm",
                                                    "performed_by": "Metrology LLP"})
    assert bad.status_code == 422
    good = employer.post(f"{url}/calibrations", json={
        "calibrated_on": "2026-11-20", "reference": "H2S 10 ppm in N2", "performed_by": "Metrology LLP",
        "certificate": "CAL-2026-77", "next_due_on": "2027-05-20"})
    assert good.status_code == 201, good.text
    assert session.execute(select(func.count()).select_from(Calibration)
                           .where(Calibration.sensor_id == sensor.id)).scalar_one() == before + 1
    assert employer.post(f"{url}/deactivate", json={"reason": "x"}).status_code == 422
    off = employer.post(f"{url}/deactivate", json={"reason": "Replaced by a new detector"})
    assert off.status_code == 200
    session.expire_all()
    changed = session.execute(select(AuditEntry).where(AuditEntry.object_type == "monitoring_sensor",
                                                       AuditEntry.object_id == str(sensor.id))).scalars().all()
    assert any(e.action == "monitoring.sensor.deactivate" for e in changed)
    assert any("H2S at the bath line" in str(e.after) for e in changed)
    page = employer.get(f"/monitoring/sensors/{sensor.id}", cookies={"lang": "en"}).text
    assert "CAL-2026-77" in page and "Replaced by a new detector" in page and 'data-state="inactive"' in page


def test_the_live_view_shows_zones_on_the_site_plan_or_the_enterprise_on_the_map(session, sign_in):
    from qorgau.monitoring.models import SitePlan
    from qorgau.registry.models import Enterprise, Site

    employer = sign_in("employer")
    plan = session.execute(select(SitePlan)).scalars().first()
    assert plan is not None, "the demo uploads the smelter's site plan"
    site = session.get(Site, plan.site_id)
    for lang in ("kk", "ru", "en"):
        page = employer.get(f"/monitoring/enterprises/{site.enterprise_id}", cookies={"lang": lang})
        assert page.status_code == 200
    assert f'data-site-plan="{site.id}"' in page.text and page.text.count("<polygon") == len(plan.outlines)
    live = employer.get(f"/monitoring/enterprises/{site.enterprise_id}/live").text
    assert "<polygon" in live and "data-state=" in live  # the plan refreshes with the tiles
    picture = employer.get(f"/monitoring/sites/{site.id}/plan")
    assert picture.status_code == 200 and Image.open(io.BytesIO(picture.content)).size == (plan.width, plan.height)
    # An outline outside the picture is refused and nothing changes.
    zone = site.zones[0]
    bad = employer.post(f"/monitoring/sites/{site.id}/plan", data={
        "outlines": f"{zone.id}: 0,0 5000,0 5000,10", "csrf_token": employer.headers["X-CSRF-Token"]},
        cookies={"lang": "en"})
    assert bad.status_code == 422 and "outside the picture" in bad.text
    # An enterprise without a plan is shown on the map of Kazakhstan.
    other = session.execute(select(Enterprise).where(Enterprise.id != site.enterprise_id)
                            .order_by(Enterprise.id)).scalars().first()
    page = sign_in("admin").get(f"/monitoring/enterprises/{other.id}", cookies={"lang": "en"}).text
    assert "Where the enterprise is" in page and "plotly" in page.lower()
