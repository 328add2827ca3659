"""Shared set-up for connector tests: a detector registered at the demo employer's enterprise."""

from __future__ import annotations

import uuid

from sqlalchemy import select

from qorgau.connectors import service
from qorgau.core.models import User
from qorgau.monitoring import service as monitoring
from qorgau.monitoring.models import Alarm, Reading, Sensor
from qorgau.registry.models import Site, Zone


def user(session, username: str) -> User:
    return session.execute(select(User).where(User.username == username)).scalar_one()


def detector(session, quantity: str = "h2s", a1: float = 5.0, a2: float = 10.0) -> Sensor:
    """A new H2S detector (ppm, A1 5 / A2 10) in the employer's first zone."""
    employer = user(session, "employer")
    zone = session.execute(select(Zone).join(Site).where(Site.enterprise_id == employer.scope_enterprise_id)
                           .order_by(Zone.id).limit(1)).scalar_one()
    sensor = monitoring.register_sensor(session=session, actor=employer, zone_id=zone.id,
                                        code=f"cx-{quantity}-{uuid.uuid4().hex[:8]}", quantity=quantity, a1=a1, a2=a2)
    session.commit()
    return sensor


def connector(session, sensor: Sensor, protocol: str, address: str, points: list[dict], options: dict | None = None,
              credentials: dict | None = None):
    employer = user(session, "employer")
    made = service.create_connector(session=session, actor=employer, enterprise_id=sensor.enterprise_id,
                                    name=f"{protocol} test", protocol=protocol, address=address,
                                    options=options or {}, credentials=credentials or {})
    service.set_points(session=session, actor=employer, connector_id=made.id, points=points)
    service.set_status(session=session, actor=employer, connector_id=made.id, status="active")
    session.commit()
    return made


def readings(session, sensor: Sensor) -> list[tuple[float, float]]:
    session.expire_all()
    return [(r.ts, r.value) for r in session.execute(select(Reading).where(Reading.sensor_id == sensor.id)
                                                     .order_by(Reading.ts)).scalars()]


def alarms(session, sensor: Sensor) -> list[Alarm]:
    session.expire_all()
    return list(session.execute(select(Alarm).where(Alarm.sensor_id == sensor.id).order_by(Alarm.id)).scalars())
