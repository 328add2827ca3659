"""The edge agent: local alarms, a bounded on-disk queue, forwarding in order after a cut link with nothing
lost and nothing doubled at the platform, and clock drift measured and reported."""

from __future__ import annotations

import random

import pytest
from sqlalchemy import func, select

from qorgau.connectors import service
from qorgau.connectors.edge import DiskQueue, EdgeAgent, HttpUplink, UplinkDown
from qorgau.connectors.mapping import Batch, LinkChange, Reading, StatusChange
from qorgau.connectors.models import EdgeReport
from qorgau.core import security
from qorgau.monitoring import service as monitoring
from qorgau.monitoring.models import Alarm as AlarmRow
from qorgau.monitoring.models import AlarmEvent as AlarmEventRow
from qorgau.monitoring.models import Reading as ReadingRow
from tests.connectors.helpers import alarms, connector, detector, user

pytestmark = pytest.mark.timeout(300)


@pytest.fixture(autouse=True)
def _fresh_gateways():
    monitoring.forget_gateways()
    yield
    monitoring.forget_gateways()


class Link:
    """The platform behind a switch: cut, or answering but losing the answer once."""

    def __init__(self, client):
        self.client, self.down, self.lose_next_answer, self.requests = client, False, False, 0

    def post(self, url: str, body: bytes, headers: dict):
        if self.down:
            raise UplinkDown("link cut")
        self.requests += 1
        response = self.client.post(url.removeprefix("http://platform"), content=body, headers=headers)
        if self.lose_next_answer:
            self.lose_next_answer = False
            raise UplinkDown("answer lost")
        return response.status_code, response.content, dict(response.headers)


def _agent(session, client, tmp_path, sensors, clock=None, **kwargs):
    employer = user(session, "employer")
    made = connector(session, sensors[0], "modbus", "127.0.0.1:5020",
                     [{"source": f"hr:{i}", "sensor": s.code, "unit": "ppm", "data_type": "uint16", "scale": 0.1}
                      for i, s in enumerate(sensors)])
    config = service.edge_config(session=session, actor=employer, connector_ids=[made.id], agent="shaft-3")
    _t, token = security.create_api_token(session, user=employer, scopes=["telemetry"])
    session.commit()
    link = Link(client)
    events: list = []
    extra = {"clock": clock} if clock else {}
    agent = EdgeAgent(config, DiskQueue(tmp_path / "queue.db", **kwargs), HttpUplink("http://platform", token,
                                                                                      link.post),
                      on_alarm=events.append, batch_size=500, **extra)
    return agent, link, events


def test_cut_link_under_load_loses_and_doubles_nothing(session, client, tmp_path):
    sensors = [detector(session) for _ in range(3)]
    agent, link, events = _agent(session, client, tmp_path, sensors)
    rng = random.Random(3)
    import time as clock
    t0 = clock.time() - 3600
    sent_values = {}
    steps = 1000
    for step in range(steps):
        ts = t0 + step * 2.0
        batch = Batch()
        for s in sensors:
            value = 30.0 if 400 <= step < 405 else round(rng.uniform(0.0, 3.0), 3)
            batch.readings.append(Reading(s.code, ts, value))
            sent_values[(s.code, ts)] = value
        if step == 300:  # a detector fault and a lost sensor while the link is cut
            fault_ts = ts
            batch.statuses.append(StatusChange(sensors[0].code, ts, "fault", True))
            batch.links.append(LinkChange(sensors[1].code, ts, False, "node death"))
        agent.take(batch)
        link.down = 200 <= step < 700  # the link is cut for half the run
        if step == 700:
            link.lose_next_answer = True  # the queued status changes stored, the answer lost: resent
        if step == 750:
            link.lose_next_answer = True  # stored at the platform, the answer lost: the batch is resent
        if step % 25 == 0:
            agent.forward()
        if step == 699:
            assert agent.queue.depth() >= 500 * 3  # everything read while cut is waiting on disk
    # The exceedance during the cut raised the alarm locally (a siren would have sounded).
    assert any(e.kind == "raised" and e.alarm_type == "threshold" for e in events)
    assert [e.ts for e in events if e.kind == "raised" and e.alarm_type == "detector_fault"] == [fault_ts]
    assert [e.ts for e in events if e.kind == "raised" and e.alarm_type == "offline"] == [fault_ts]
    while agent.queue.depth():
        assert agent.forward() > 0
    session.expire_all()
    ids = [s.id for s in sensors]
    stored = session.execute(select(ReadingRow.sensor_id, ReadingRow.ts, ReadingRow.value)
                             .where(ReadingRow.sensor_id.in_(ids))).all()
    codes = {s.id: s.code for s in sensors}
    got = {(codes[sid], ts): v for sid, ts, v in stored}
    assert len(stored) == steps * 3  # 0 lost, 0 duplicated
    assert got == pytest.approx(sent_values)  # original timestamps and values
    assert session.execute(select(func.count()).select_from(ReadingRow).where(ReadingRow.sensor_id.in_(ids))
                           ).scalar() == len(got)
    assert any(a.alarm_type == "threshold" for s in sensors for a in alarms(session, s))
    assert agent.queue.counter("dropped") == 0
    # The fault and the lost sensor reached the platform's alarms once each, at their original times.
    assert agent.queue.changes_depth() == 0
    for sensor, alarm_type in ((sensors[0], "detector_fault"), (sensors[1], "offline")):
        raised = [a for a in alarms(session, sensor) if a.alarm_type == alarm_type]
        assert len(raised) == 1 and raised[0].status.startswith("ACTIVE")
        assert raised[0].started_at.timestamp() == pytest.approx(fault_ts)
        assert session.execute(select(func.count()).select_from(AlarmEventRow).where(
            AlarmEventRow.alarm_id == raised[0].id, AlarmEventRow.kind == "raised")).scalar() == 1
    assert not [a for a in alarms(session, sensors[2]) if a.alarm_type in ("detector_fault", "offline")]
    # The batch sent again by hand changes nothing; a later clearing applies.
    body = {"agent": "shaft-3", "statuses": [{"s": sensors[0].code, "ts": fault_ts, "flag": "fault", "active": True}]}
    path = f"/api/v1/connectors/edge/{agent.enterprise_bin}/statuses"
    headers = {"Authorization": f"Bearer {agent.uplink.token}"}
    assert client.post(path, json=body, headers=headers).json() == {"applied": 0, "repeated": 1, "alarm_events": 0}
    agent.take(Batch(statuses=[StatusChange(sensors[0].code, fault_ts + 5000, "fault", False)]))
    agent.forward()
    session.expire_all()
    fault = session.execute(select(AlarmRow).where(AlarmRow.sensor_id == sensors[0].id,
                                                   AlarmRow.alarm_type == "detector_fault")).scalar_one()
    assert not fault.status.startswith("ACTIVE")
    # Someone else's sensor is refused with the row named, nothing applied.
    body["statuses"][0]["s"] = "no-such-sensor"
    answer = client.post(path, json=body, headers=headers)
    assert answer.status_code == 422 and answer.json()["error"]["field"] == "s"


def test_queue_is_bounded_and_counts_what_it_drops(tmp_path):
    queue = DiskQueue(tmp_path / "q.db", max_rows=100)
    assert queue.put([("s", "1", float(i), 1.0) for i in range(150)]) == 50
    assert queue.depth() == 100 and queue.counter("dropped") == 50
    assert queue.head(1)[0][3] == 50.0  # the oldest went first
    queue.close()
    again = DiskQueue(tmp_path / "q.db", max_rows=100)  # survives a restart
    assert again.depth() == 100


def test_clock_drift_is_measured_and_reported(session, client, tmp_path):
    import time as clock

    sensors = [detector(session)]
    agent, _link, events = _agent(session, client, tmp_path, sensors, clock=lambda: clock.time() + 120.0)
    agent.report()
    # The measurement is good to half the round trip (seconds on a loaded test machine).
    within = max(2.0, agent.round_trip_s / 2.0 + 0.5)
    assert agent.drift_s == pytest.approx(120.0, abs=within)
    session.expire_all()
    row = session.execute(select(EdgeReport).where(EdgeReport.agent == "shaft-3")).scalar_one()
    assert row.drift_s == pytest.approx(agent.drift_s, abs=1e-3)
    # Detector status flags raise local alarms too.
    agent.take(Batch(statuses=[StatusChange(sensors[0].code, clock.time(), "fault", True)]))
    assert [e for e in events if e.alarm_type == "detector_fault" and e.kind == "raised"]
