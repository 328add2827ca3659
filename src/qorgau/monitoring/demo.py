"""Demo monitoring: fixed gas, dust, noise and heat detectors in the demo smelter's zones, the last day
of simulated readings (one a minute, through the real pipeline and database sink, so rollups, alarms,
escalations and the people inside when an alarm fired are what the engine makes of them), badges in the
zones, and one alarm acknowledged by the safety manager. Beside it, a national fleet of one detector per
three enterprises (10,000 at 30,000) in the hazardous zones of the largest enterprises, each with the last
day of background readings every five minutes and their minute rollups, written in bulk (COPY on
PostgreSQL) in batches: synthetic levels well below the alarm limits, so they raise no alarms.
"""

from __future__ import annotations

import math
from datetime import UTC, datetime

import numpy as np
from sqlalchemy import insert, select
from sqlalchemy.orm import Session

from qorgau.core.db import utcnow
from qorgau.monitoring import service
from qorgau.monitoring.alarms import AlarmPolicy, counter_ids
from qorgau.monitoring.codec import encode_binary, zone_topic
from qorgau.monitoring.models import Alarm, Presence, Reading, Rollup, Sensor, SensorState
from qorgau.monitoring.pipeline import Pipeline
from qorgau.monitoring.simulate import SMELTER_ZONES, SimSensor, Simulator
from qorgau.monitoring.sink import DatabaseSink, SensorInfo, sensor_config, zone_code, zones_of
from qorgau.monitoring.states import UNACKNOWLEDGED_STATUSES
from qorgau.monitoring.substances import default_catalogue
from qorgau.registry.models import Enterprise, Site, Zone

# Registry zone name (the demo's) -> (simulator zone, quantity) of each detector, with that zone's levels.
CHANNELS = {"Цех электролиза": (("electrolysis", "ash3"), ("electrolysis", "h2s"), ("electrolysis", "heat_wbgt")),
            "Обжиговый цех": (("roasting", "so2"), ("roasting", "dust_resp"), ("roasting", "co")),
            "Литейный участок": (("converter", "co"), ("converter", "dust_resp"), ("electrolysis", "h2s"))}
DAY_S = 86_400
STEP_S = 60.0
# The national fleet: words of a zone's hazards -> the detectors it gets, and each quantity's background level.
FLEET_HAZARDS = (("CH4", ("ch4", "o2")), ("H2S", ("h2s",)), ("SO2", ("so2",)), ("CO", ("co",)), ("арсин", ("ash3",)),
                 ("пыль", ("dust_resp",)), ("шум", ("noise",)), ("тепловое", ("heat_wbgt",)),
                 ("замкнутое", ("o2", "h2s")))
BACKGROUND = {"ch4": 1.5, "o2": 20.9, "h2s": 0.4, "so2": 0.3, "co": 3.0, "ash3": 0.004, "dust_resp": 0.6,
              "noise": 76.0, "heat_wbgt": 23.0}
FLEET_PER_ENTERPRISES = 3
FLEET_STEP_S = 300
FLEET_BATCH = 500  # sensors per transaction


def generate(session: Session, ctx) -> None:
    if not ctx.enterprises:
        return
    _smelter(session, ctx)
    _fleet(session, ctx)


def _smelter(session: Session, ctx) -> None:
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


def _fleet(session: Session, ctx) -> None:
    """One detector per FLEET_PER_ENTERPRISES enterprises in the hazardous zones of the largest ones (not the
    smelter's, which has its own), with a day of background readings every FLEET_STEP_S seconds."""
    wanted = len(ctx.enterprises) // FLEET_PER_ENTERPRISES
    if wanted == 0:
        return
    rng = np.random.default_rng(ctx.rng("monitoring-fleet").randrange(2**31))
    catalogue = default_catalogue()
    places = session.execute(select(Zone.id, Zone.hazards, Enterprise.id, Enterprise.bin)
                             .join(Site, Site.id == Zone.site_id).join(Enterprise, Enterprise.id == Site.enterprise_id)
                             .where(Enterprise.id != ctx.enterprises[0].id)
                             .order_by(Enterprise.headcount.desc(), Enterprise.id, Zone.id))
    planned: list[dict] = []
    for zone_id, hazards, enterprise_id, bin_ in places:
        quantities = dict.fromkeys(q for word, found in FLEET_HAZARDS if word in (hazards or "") for q in found)
        for quantity in quantities:
            planned.append({"code": f"{bin_}-z{zone_id}.{quantity}", "enterprise_id": enterprise_id,
                            "zone_id": zone_id, "quantity": quantity, "unit": catalogue[quantity].unit,
                            "label": catalogue[quantity].formula or quantity})
        if len(planned) >= wanted:
            break
    end = math.floor(utcnow().timestamp() / STEP_S) * STEP_S
    times = np.arange(end - DAY_S, end, FLEET_STEP_S, dtype=float)  # the day before the demo, as the smelter's
    daily = 1 + 0.25 * np.sin(2 * np.pi * (times % DAY_S) / DAY_S)  # the working day's swing
    for start in range(0, min(wanted, len(planned)), FLEET_BATCH):
        batch = planned[start:min(start + FLEET_BATCH, wanted)]
        session.execute(insert(Sensor), batch)
        ids = dict(session.execute(select(Sensor.code, Sensor.id).where(Sensor.code.in_([b["code"] for b in batch]))).all())
        sensor_ids = np.repeat(np.array([ids[b["code"]] for b in batch]), len(times))
        levels = np.array([BACKGROUND[b["quantity"]] for b in batch])
        values = (levels[:, None] * daily[None, :] * rng.lognormal(0, 0.08, (len(batch), len(times)))).ravel()
        if "o2" in {b["quantity"] for b in batch}:  # oxygen swings little around its normal share
            o2 = np.repeat(np.array([b["quantity"] == "o2" for b in batch]), len(times))
            values[o2] = np.round(20.9 + rng.normal(0, 0.05, int(o2.sum())), 2)
        values = np.round(values, 4)
        stamps = np.tile(times, len(batch))
        _bulk(session, Reading, ("sensor_id", "ts", "value", "late"),
              zip(sensor_ids.tolist(), stamps.tolist(), values.tolist(), [False] * len(values), strict=True))
        minutes = (stamps // 60).astype(np.int64)
        _bulk(session, Rollup, ("sensor_id", "minute", "vmin", "vmax", "vsum", "n"),
              zip(sensor_ids.tolist(), minutes.tolist(), values.tolist(), values.tolist(), values.tolist(),
                  [1] * len(values), strict=True))
        last = values.reshape(len(batch), len(times))[:, -1]
        session.execute(insert(SensorState), [{"sensor_id": ids[b["code"]], "last_ts": float(times[-1]),
                                               "last_value": float(v)} for b, v in zip(batch, last, strict=True)])
        session.commit()


def _bulk(session: Session, model, columns: tuple[str, ...], rows) -> None:
    """Many rows into one table: COPY on PostgreSQL, batched INSERTs elsewhere."""
    connection = session.connection()
    if connection.dialect.name == "postgresql":
        with connection.connection.driver_connection.cursor() as cursor, \
                cursor.copy(f"COPY {model.__tablename__} ({', '.join(columns)}) FROM STDIN") as copy:
            for row in rows:
                copy.write_row(row)
        return
    chunk: list[dict] = []
    for row in rows:
        chunk.append(dict(zip(columns, row, strict=True)))
        if len(chunk) == 20_000:
            session.execute(insert(model.__table__), chunk)
            chunk = []
    if chunk:
        session.execute(insert(model.__table__), chunk)


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
