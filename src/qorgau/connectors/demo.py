"""Demo connectors (synthetic): the Ministry's five pilot enterprises connected, each through a different
protocol, with an hour of readings through the real feed; the other high-risk enterprises in the roll-out
plan at their stage. Addresses are private-network examples; every name carries "(demo)"."""

from __future__ import annotations

import math
from datetime import date

from sqlalchemy.orm import Session

from qorgau.connectors.feed import Feed
from qorgau.connectors.mapping import Batch, LinkChange, Reading
from qorgau.connectors.models import Connector, ConnectorStatus, Point, Rollout, Stage
from qorgau.core.db import utcnow
from qorgau.monitoring import service as monitoring

PILOT_ON, REFINEMENT_ON, MANDATORY_ON = date(2025, 9, 1), date(2026, 6, 1), date(2027, 1, 1)
PROTOCOLS = [("modbus", "10.20.1.15:502", {"unit_id": 1, "poll_s": 5}),
             ("opcua", "opc.tcp://10.20.2.10:4840/", {"security_mode": "SignAndEncrypt",
                                                      "security_policy": "Basic256Sha256"}),
             ("sparkplug", "mqtt://10.20.3.5:1883", {"group_id": "Plant1"}),
             ("senml_http", "", {}),
             ("senml_mqtt", "mqtt://10.20.5.5:1883", {"topic": "gateway/senml"})]
HIGH_RISK_SECTORS = ("B", "C", "D")


def _source(protocol: str, n: int) -> str:
    return {"modbus": f"hr:{10 * n}", "opcua": f"ns=2;s=Detector{n}.Concentration",
            "sparkplug": f"plc-{n}/Gas/H2S", "senml_http": f"urn:dev:ow:10e2073a0108006{n}:h2s",
            "senml_mqtt": f"urn:dev:ow:10e2073a0108007{n}:co"}[protocol]


def generate(session: Session, ctx) -> None:
    if not ctx.enterprises:
        return
    catalogue = monitoring.default_catalogue()
    rng = ctx.rng("connectors")
    pilots = []
    for enterprise in ctx.enterprises:
        if len(pilots) == 5:
            break
        if enterprise.sector_code in HIGH_RISK_SECTORS and monitoring.zones_of(session, enterprise.id):
            pilots.append(enterprise)
    now = math.floor(utcnow().timestamp() / 60) * 60
    batch = Batch()
    for number, enterprise in enumerate(pilots):
        protocol, address, options = PROTOCOLS[number % len(PROTOCOLS)]
        sensors = monitoring.sensors_of_enterprise(session, enterprise.id)
        if not sensors:
            zone = monitoring.zones_of(session, enterprise.id)[0]
            quantity = "co" if protocol == "senml_mqtt" else "h2s"
            sensor = monitoring.seed_sensor(session, code=f"{enterprise.bin}-z{zone.id}.{quantity}",
                                            enterprise_id=enterprise.id, zone_id=zone.id, quantity=quantity,
                                            unit=catalogue[quantity].unit,
                                            label=f"{catalogue[quantity].formula} (demo)")
            sensors = [sensor]
            for minute in range(60):  # an hour of synthetic readings, once a minute
                value = max(0.0, rng.gauss(1.2, 0.4))
                batch.readings.append(Reading(sensor.code, now - 3600 + 60 * minute, round(value, 2)))
        connector = Connector(enterprise_id=enterprise.id, site_id=monitoring.zones_of(session, enterprise.id)[0].site_id,
                              name=f"{protocol.upper()}: шлюз цеха (демо)", protocol=protocol, address=address, options=options,
                              status=ConnectorStatus.ACTIVE, expected_interval_s=60.0)
        session.add(connector)
        for n, sensor in enumerate(sensors):
            connector.points.append(Point(source=_source(protocol, n), sensor_id=sensor.id, kind="value",
                                          unit=sensor.unit, data_type="uint16" if protocol == "modbus" else "",
                                          scale=0.1 if protocol == "modbus" else 1.0))
        session.add(Rollout(enterprise_id=enterprise.id, high_risk=True, stage=Stage.PILOT, stage_on=PILOT_ON,
                            note="Пилот Единой цифровой платформы мониторинга (демо)"))
        if protocol == "sparkplug":  # one node went down a quarter of an hour ago
            batch.links.append(LinkChange(sensors[-1].code, now - 900, False, "NDEATH"))
    session.flush()
    if batch.readings or batch.links:
        Feed(session, commit=False).push(batch, float(now))
    planned = {p.id for p in pilots}
    for enterprise in ctx.enterprises:
        if enterprise.id in planned or enterprise.sector_code not in HIGH_RISK_SECTORS or enterprise.headcount < 100:
            continue
        stage = Stage.REFINEMENT if rng.random() < 0.3 else Stage.MANDATORY
        session.add(Rollout(enterprise_id=enterprise.id, high_risk=True, stage=stage,
                            stage_on=REFINEMENT_ON if stage == Stage.REFINEMENT else MANDATORY_ON))
    session.flush()
