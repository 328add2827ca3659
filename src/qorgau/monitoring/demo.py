"""Demo monitoring: fixed gas, dust, noise and heat detectors in the demo smelter's zones, the last day
of simulated readings (one a minute, through the real pipeline and database sink, so rollups, alarms,
escalations and the people inside when an alarm fired are what the engine makes of them), badges in the
zones, and one alarm acknowledged by the safety manager.
"""

from __future__ import annotations

import math
from datetime import UTC, datetime

import numpy as np
from sqlalchemy import select
from sqlalchemy.orm import Session

from qorgau.core.db import utcnow
from qorgau.monitoring import service
from qorgau.monitoring.alarms import AlarmPolicy, counter_ids
from qorgau.monitoring.codec import encode_binary, zone_topic
from qorgau.monitoring.models import Alarm, Presence, Sensor
from qorgau.monitoring.pipeline import Pipeline
from qorgau.monitoring.simulate import SMELTER_ZONES, SimSensor, Simulator
from qorgau.monitoring.sink import DatabaseSink, SensorInfo, sensor_config, zone_code, zones_of
from qorgau.monitoring.states import UNACKNOWLEDGED_STATUSES
from qorgau.monitoring.substances import default_catalogue

# Registry zone name (the demo's) -> (simulator zone, quantity) of each detector, with that zone's levels.
CHANNELS = {"Цех электролиза": (("electrolysis", "ash3"), ("electrolysis", "h2s"), ("electrolysis", "heat_wbgt")),
            "Обжиговый цех": (("roasting", "so2"), ("roasting", "dust_resp"), ("roasting", "co")),
            "Литейный участок": (("converter", "co"), ("converter", "dust_resp"), ("electrolysis", "h2s"))}
DAY_S = 86_400
STEP_S = 60.0


def generate(session: Session, ctx) -> None:
    if not ctx.enterprises:
        return
    smelter = ctx.enterprises[0]
    rng = ctx.rng("monitoring")
    catalogue = default_catalogue()
    specs = {z.code: z for z in SMELTER_ZONES}
    zones = [z for z in zones_of(session, smelter.id) if z.name in CHANNELS]
    first_site = min((z.site_id for z in zones), default=None)
    zones = [z for z in zones if z.site_id == first_site]
    fleet, sensors = [], []
    for zone in zones:
        for spec_code, code in CHANNELS[zone.name]:
            channel = next(c for c in specs[spec_code].channels if c.code == code)
            sensor = Sensor(code=f"{smelter.bin}-z{zone.id}.{code}", enterprise_id=smelter.id, zone_id=zone.id,
                            quantity=code, unit=catalogue[code].unit, label=catalogue[code].formula or code)
            session.add(sensor)
            sensors.append(sensor)
            fleet.append((zone, sensor, channel))
    if not sensors:
        return
    session.flush()

    end = math.floor(utcnow().timestamp() / STEP_S) * STEP_S
    start = end - DAY_S
    configs = [sensor_config(s, smelter.bin, catalogue) for _z, s, _c in fleet]
    sim_fleet = [SimSensor(cfg, ch, cfg.zone) for cfg, (_z, _s, ch) in zip(configs, fleet, strict=True)]
    sim = Simulator(sim_fleet, seed=rng.randrange(2**31), start=start, leaks_per_sensor_hour=0.05, faults=False)

    # Badges in the zones since the start of the day (entry/exit events are not simulated further).
    for zone in zones:
        for k in range(rng.randint(2, min(8, zone.max_headcount or 8))):
            session.add(Presence(zone_id=zone.id, enterprise_id=smelter.id, badge=f"B{zone.id:03d}{k:03d}",
                                 entered_at=datetime.fromtimestamp(start + rng.randint(0, 3600), UTC)))
    session.flush()

    from qorgau.monitoring.sensors import SensorRegistry

    registry = SensorRegistry(configs)
    directory = {s.code: SensorInfo(s.id, s.zone_id, s.enterprise_id) for _z, s, _c in fleet}
    sink = DatabaseSink(session, registry, directory, commit=False)
    pipeline = Pipeline(registry, sink, policy=AlarmPolicy(), new_id=counter_ids(f"demo-{smelter.bin}-"))
    zone_of = np.array([cfg.zone for cfg in configs])
    ids = np.array([cfg.sensor_id for cfg in configs], dtype=object)
    for hour in range(24):
        t0, t1 = start + hour * 3600, start + (hour + 1) * 3600
        sid, ts, value = sim.readings(t0, t1, 1.0 / STEP_S)
        for zone in zones:
            rows = zone_of[sid] == zone_code(zone.id)
            uniq, inv = np.unique(sid[rows], return_inverse=True)
            pipeline.submit(zone_topic(smelter.bin, zone_code(zone.id)),
                            encode_binary(ts[rows], value[rows], ids[uniq].tolist(), inv, f64=True), t1)
        pipeline.process(t1, release_all=True)
        pipeline.tick(t1)
    pipeline.flush(end)

    # The safety manager acknowledged the first alarm of the day, with a note.
    employer = ctx.users.get("employer")
    first = session.execute(select(Alarm).where(Alarm.enterprise_id == smelter.id,
                                                Alarm.status.in_(UNACKNOWLEDGED_STATUSES))
                            .order_by(Alarm.started_at, Alarm.id).limit(1)).scalar()
    if employer is not None and first is not None:
        service.acknowledge(session=session, actor=employer, alarm_id=first.id,
                            note="Вентиляция проверена; бригада покинула зону до снижения показаний.")
    session.flush()
    if employer is not None:
        _plan_and_calibrations(session, employer, zones, [s for _z, s, _c in fleet], utcnow().date())
        session.flush()


def _site_plan_picture(width: int, height: int, boxes: list[tuple[int, int, int, int]]) -> bytes:
    """A drawn (not photographed) plan of the site: walls, the zones' halls and a road."""
    import io

    from PIL import Image, ImageDraw

    image = Image.new("RGB", (width, height), (245, 243, 236))
    draw = ImageDraw.Draw(image)
    draw.rectangle((0, height - 60, width, height - 30), fill=(200, 200, 200))  # the road
    for box in boxes:
        draw.rectangle(box, fill=(226, 226, 220), outline=(90, 90, 90), width=4)
    buffer = io.BytesIO()
    image.save(buffer, format="PNG")
    return buffer.getvalue()


def _plan_and_calibrations(session: Session, employer, zones, sensors, today) -> None:
    """The demo site's plan with an outline per zone, and the last calibration of each sensor."""
    from datetime import timedelta

    from qorgau.monitoring import changes

    width, height = 900, 520
    boxes = [(40 + 290 * i, 60, 40 + 290 * i + 250, 400) for i in range(len(zones))]
    changes.save_site_plan(session=session, actor=employer, site_id=zones[0].site_id,
                           image=_site_plan_picture(width, height, boxes),
                           outlines={z.id: [[x0, y0], [x1, y0], [x1, y1], [x0, y1]]
                                     for z, (x0, y0, x1, y1) in zip(zones, boxes, strict=False)})
    for number, sensor in enumerate(sensors):
        done = today - timedelta(days=20 + 7 * number)
        changes.record_calibration(session=session, actor=employer, sensor_id=sensor.id, calibrated_on=done,
                                   reference=f"{sensor.label or sensor.quantity}: поверочная газовая смесь, баллон "
                                             f"№{4400 + number}", performed_by="ТОО «Метрология-Восток»",
                                   certificate=f"СП-{done.year}-{1200 + number}",
                                   next_due_on=done + timedelta(days=180))
