"""Streaming rules (hysteresis, rate, range, stuck, silent, STEL/TWA) and the alarm lifecycle."""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from qorgau.monitoring.alarms import (
    ACKNOWLEDGED,
    CLEARED,
    ESCALATED,
    RAISED,
    REPEAT,
    SEVERITY_CHANGED,
    AlarmBook,
    AlarmError,
    AlarmPolicy,
    Severity,
    counter_ids,
)
from qorgau.monitoring.exposure import ExposureOptions, Series
from qorgau.monitoring.rules import ACCEPTED, DUPLICATE, LATE, RuleEngine
from qorgau.monitoring.sensors import SensorConfig, SensorConfigError, SensorRegistry
from qorgau.monitoring.substances import default_catalogue

BIN = "990940000016"
T0 = 1_740_816_000.0
NAN = math.nan


def sensor(sid: str = "r.so2", code: str = "so2", **kw) -> SensorConfig:
    return SensorConfig.for_substance(sid, BIN, "roasting", default_catalogue()[code], **kw)


def engine(*configs: SensorConfig, policy: AlarmPolicy = AlarmPolicy()) -> RuleEngine:
    return RuleEngine(SensorRegistry(configs or [sensor()]), policy, new_id=counter_ids())


def feed(eng: RuleEngine, values, step: float = 10.0, t0: float = T0, idx: int = 0):
    v = np.asarray(values, dtype=float)
    ts = t0 + np.arange(v.size) * step
    return eng.feed_batch(np.full(v.size, idx), ts, v)


def summary(events, *types):
    return [(e.kind, e.alarm_type, e.severity, round(e.ts - T0, 6)) for e in events
            if not types or e.alarm_type in types]


def test_hysteresis_does_not_flap():
    # SO2: A1 = 0.5 ppm, hysteresis 0.05: hovering at 0.46-0.56 after crossing stays one alarm.
    eng = engine(sensor(roc_limit=NAN))
    values = [0.3, 0.51, 0.47, 0.52, 0.46, 0.55, 0.47, 0.5, 0.46, 0.44, 0.48, 0.49]
    ev = feed(eng, values).events
    assert summary(ev) == [(RAISED, "threshold", "WARNING", 10.0), (CLEARED, "threshold", "WARNING", 90.0)]
    # the same values without hysteresis would have flapped
    eng2 = engine(sensor(roc_limit=NAN, hysteresis=0.0))
    assert len(feed(eng2, values).events) == 8


def test_a1_a2_severity_follows_level_on_one_alarm():
    eng = engine(sensor(roc_limit=NAN))
    ev = feed(eng, [0.1, 0.6, 1.2, 0.9, 0.2]).events
    assert summary(ev) == [(RAISED, "threshold", "WARNING", 10), (SEVERITY_CHANGED, "threshold", "CRITICAL", 20),
                           (SEVERITY_CHANGED, "threshold", "WARNING", 30), (CLEARED, "threshold", "WARNING", 40)]
    assert len({e.alarm_id for e in ev}) == 1
    assert ev[1].detail == {"level": "A2", "limit": 1.0}


def test_oxygen_alarms_when_falling():
    eng = engine(sensor("g.o2", "o2", roc_limit=NAN))
    ev = feed(eng, [20.9, 19.6, 19.4, 17.9, 19.6, 19.95, 20.9]).events
    # A1 19.5 (clears above 19.89 = 19.5 + 2 %), A2 18.0
    assert summary(ev) == [(RAISED, "threshold", "WARNING", 20), (SEVERITY_CHANGED, "threshold", "CRITICAL", 30),
                           (SEVERITY_CHANGED, "threshold", "WARNING", 40), (CLEARED, "threshold", "WARNING", 50)]


def test_rate_of_change_and_out_of_range():
    eng = engine(sensor(a1=NAN, a2=NAN, roc_limit=0.6))  # 0.6 ppm/min = 0.1 ppm per 10 s
    ev = feed(eng, [0.1, 0.1, 0.3, 0.42, 0.43, -1.0, 0.2, 25.0, 5.0]).events
    assert summary(ev, "rate_of_change")[:2] == [(RAISED, "rate_of_change", "MINOR", 20),
                                                 (CLEARED, "rate_of_change", "MINOR", 40)]
    assert summary(ev, "out_of_range") == [(RAISED, "out_of_range", "MAJOR", 50), (CLEARED, "out_of_range", "MAJOR", 60),
                                           (RAISED, "out_of_range", "MAJOR", 70), (CLEARED, "out_of_range", "MAJOR", 80)]


def test_stuck_needs_both_count_and_duration_and_ignores_zero():
    eng = engine(sensor(roc_limit=NAN, stuck_readings=5, stuck_seconds=60))
    ev = feed(eng, [0.2] * 6 + [0.0] * 10 + [0.3] * 7 + [0.31]).events
    # 0.2 x6 spans 50 s (< 60 s): no alarm; zeros are skipped; 0.3 from 160 s is stuck at 220 s
    assert summary(ev, "stuck") == [(RAISED, "stuck", "MINOR", 220), (CLEARED, "stuck", "MINOR", 230)]


def test_silent_sensor_is_an_alarm_cleared_by_the_next_reading():
    eng = engine(sensor(), sensor("r.co", "co"))
    feed(eng, [0.1, 0.1], t0=T0)
    assert eng.tick(T0 + 100) == []  # first tick starts the clock for sensors never heard from
    ev = eng.tick(T0 + 311)  # r.so2 last spoke at T0+10, silent_after 300 s
    assert [(e.kind, e.sensor_id, e.alarm_type) for e in ev] == [(RAISED, "r.so2", "silent")]
    assert ev[0].detail["last_seen"] == T0 + 10
    assert eng.tick(T0 + 350) == []  # one active alarm per sensor and type
    ev = eng.tick(T0 + 401)
    assert [(e.kind, e.sensor_id) for e in ev] == [(RAISED, "r.co")]
    ev = feed(eng, [0.1], t0=T0 + 500).events
    assert [(e.kind, e.sensor_id, e.alarm_type) for e in ev] == [(CLEARED, "r.so2", "silent")]


def test_duplicates_and_late_rows_are_not_evaluated():
    eng = engine(sensor(roc_limit=NAN))
    feed(eng, [0.1, 0.1, 0.1])
    res = eng.feed_batch(np.zeros(4, int), T0 + np.array([20.0, 5.0, 30.0, 30.0]), np.array([9, 9, 0.1, 0.1]))
    assert res.status.tolist() == [DUPLICATE, LATE, ACCEPTED, DUPLICATE]
    assert res.events == []  # the late 9 ppm reading did not raise an alarm


def test_stel_alarm_matches_exposure_module():
    # Irregular readings with a leak; the streaming STEL at each minute close must equal the
    # batch calculator's 15-min average (step weighting, zero for unmeasured) at that moment.
    rng = np.random.default_rng(3)
    gaps = rng.uniform(5, 40, 200)
    gaps[80] = 400  # one gap longer than max_gap
    ts = T0 + 7 + np.cumsum(gaps)
    v = np.where((ts > T0 + 1500) & (ts < T0 + 2700), 1.6, 0.3) + rng.uniform(0, 0.05, ts.size)
    eng = engine(sensor(roc_limit=NAN, a1=NAN, a2=NAN))
    events = eng.feed_batch(np.zeros(ts.size, int), ts, v).events
    stel = [e for e in events if e.alarm_type == "stel"]
    assert [e.kind for e in stel] == [RAISED, CLEARED]
    series = Series(ts, v, ExposureOptions())
    for e in stel:
        expect = series.window_averages(np.array([e.ts]), 900.0)[0]
        assert e.value == pytest.approx(expect, rel=1e-6)
        assert e.ts % 60 == 0
    assert stel[0].value > 1.0 and stel[1].value < 0.95


@pytest.mark.parametrize("chunk", [7, 50, 1000])
def test_streamed_stel_and_twa_equal_the_batch_calculator(chunk):
    # 16 h of irregular readings with a silent hour, fed in chunks: every STEL/TWA alarm event carries
    # the average the batch calculator gives for the window ending at that minute.
    rng = np.random.default_rng(11)
    ts = T0 + 13 + np.cumsum(rng.uniform(20, 90, 1100))
    ts = ts[(ts < T0 + 5 * 3600) | (ts > T0 + 6 * 3600)]
    level = np.where((ts > T0 + 2 * 3600) & (ts < T0 + 9 * 3600), 0.62, 0.2)
    v = level + 0.45 * ((ts - T0) % 3000 < 600) + rng.uniform(0, 0.02, ts.size)
    eng = engine(sensor(roc_limit=NAN, a1=NAN, a2=NAN, stel_limit=0.85, twa_limit=0.5))
    events = []
    for a in range(0, ts.size, chunk):
        events += eng.feed_batch(np.zeros(ts[a:a + chunk].size, int), ts[a:a + chunk], v[a:a + chunk]).events
    series = Series(ts, v, ExposureOptions())
    kinds = {"stel": 900.0, "twa_8h": 28800.0}
    checked = {k: 0 for k in kinds}
    for e in events:
        if e.alarm_type in kinds:
            expect = series.window_averages(np.array([e.ts]), kinds[e.alarm_type])[0]
            assert e.value == pytest.approx(expect, rel=1e-6), e
            checked[e.alarm_type] += 1
    assert checked["stel"] >= 4 and checked["twa_8h"] == 2


def test_twa_alarm_over_eight_hours():
    eng = engine(sensor(roc_limit=NAN, a1=NAN, a2=NAN, stel_limit=NAN))
    ts = T0 + np.arange(0, 9 * 3600, 30.0)
    ev = eng.feed_batch(np.zeros(ts.size, int), ts, np.full(ts.size, 0.6)).events
    twa = [e for e in ev if e.alarm_type == "twa_8h"]
    # 0.6 ppm from T0: the rolling 8-h sum passes 0.5 ppm x 8 h after 6 h 40 min
    assert [e.kind for e in twa] == [RAISED] and twa[0].ts - T0 == pytest.approx(400 * 60, abs=60)


series_strategy = st.lists(st.tuples(st.floats(0.5, 120), st.floats(0, 2.5)), min_size=2, max_size=120)


@settings(max_examples=40, deadline=None)
@given(series_strategy, st.lists(st.integers(1, 119), max_size=6))
def test_events_do_not_depend_on_batching(rows, cuts):
    ts = T0 + np.cumsum([r[0] for r in rows])
    v = np.array([r[1] for r in rows])
    cfg = sensor(stuck_readings=3, stuck_seconds=20, stel_limit=0.8, twa_limit=0.5)
    one = engine(cfg)
    whole = summary(one.feed_batch(np.zeros(ts.size, int), ts, v).events)
    many = engine(cfg)
    parts = []
    bounds = sorted({0, ts.size, *[c % ts.size for c in cuts]})
    for a, b in zip(bounds[:-1], bounds[1:], strict=True):
        parts += summary(many.feed_batch(np.zeros(b - a, int), ts[a:b], v[a:b]).events)
    assert parts == whole


def test_interleaved_sensors_in_any_order():
    cfgs = [sensor("a.so2", roc_limit=NAN), sensor("b.so2", roc_limit=NAN)]
    eng = engine(*cfgs)
    sid = np.array([1, 0, 1, 0, 1, 0])
    ts = T0 + np.array([20, 20, 10, 10, 30, 30.0])
    v = np.array([2.0, 0.1, 0.1, 0.6, 0.1, 0.1])
    ev = eng.feed_batch(sid, ts, v).events
    assert sorted((e.sensor_id, e.kind, e.ts - T0) for e in ev) == [
        ("a.so2", CLEARED, 20), ("a.so2", RAISED, 10), ("b.so2", CLEARED, 30), ("b.so2", RAISED, 20)]


def test_sensor_config_validation():
    with pytest.raises(SensorConfigError):
        sensor("bad/id")
    with pytest.raises(SensorConfigError):
        sensor("bad id")
    with pytest.raises(SensorConfigError):
        sensor(range_lo=5, range_hi=1)


class TestLifecycle:
    def book(self, **kw) -> AlarmBook:
        return AlarmBook(AlarmPolicy(**kw), new_id=counter_ids())

    def test_active_ack_then_clear_closes(self):
        b = self.book()
        [e] = b.condition(0, "s", "threshold", Severity.CRITICAL, 10, 5.0)
        assert (e.kind, e.status) == (RAISED, "ACTIVE_UNACK")
        [e] = b.acknowledge(e.alarm_id, 20, by="ivanov")
        assert (e.kind, e.status, e.by) == (ACKNOWLEDGED, "ACTIVE_ACK", "ivanov")
        [e] = b.condition(0, "s", "threshold", None, 30, 0.1)
        assert (e.kind, e.status) == (CLEARED, "CLEARED_ACK")
        assert b.open_alarms() == []

    def test_cleared_unacknowledged_waits_for_ack_and_a_new_alarm_can_start(self):
        b = self.book()
        first = b.condition(0, "s", "threshold", Severity.WARNING, 10, 1)[0].alarm_id
        assert b.condition(0, "s", "threshold", None, 20, 0)[0].status == "CLEARED_UNACK"
        second = b.condition(0, "s", "threshold", Severity.WARNING, 30, 1)[0].alarm_id
        assert second != first and len(b.open_alarms()) == 2
        assert [e.status for e in b.acknowledge(first, 40)] == ["CLEARED_ACK"]
        assert [a.alarm_id for a in b.open_alarms()] == [second]

    def test_one_active_alarm_per_sensor_and_type(self):
        b = self.book()
        b.condition(0, "s", "threshold", Severity.WARNING, 10, 1)
        assert b.condition(0, "s", "threshold", Severity.WARNING, 11, 1) == []
        assert len(b.condition(0, "s", "stel", Severity.MAJOR, 12, 1)) == 1
        assert len(b.condition(1, "t", "threshold", Severity.WARNING, 12, 1)) == 1
        assert len(b.active) == 3

    def test_latching_alarm_needs_acknowledgement_to_clear(self):
        b = self.book()
        aid = b.condition(0, "s", "threshold", Severity.CRITICAL, 10, 5, latching=True)[0].alarm_id
        assert b.condition(0, "s", "threshold", None, 20, 0) == []  # condition gone, still active
        assert [(e.kind, e.status) for e in b.acknowledge(aid, 30)] == [
            (ACKNOWLEDGED, "ACTIVE_ACK"), (CLEARED, "CLEARED_ACK")]

    def test_repeat_until_acknowledged_and_escalation(self):
        b = self.book(repeat_every_s=60, escalate_after_s=(300, 900))
        aid = b.condition(0, "s", "silent", Severity.MAJOR, 0, NAN)[0].alarm_id
        kinds = []
        for now in range(30, 1000, 30):
            kinds += [(e.kind, now, e.escalation) for e in b.tick(now)]
        assert kinds[:4] == [(REPEAT, 60, 0), (REPEAT, 120, 0), (REPEAT, 180, 0), (REPEAT, 240, 0)]
        assert (ESCALATED, 300, 1) in kinds and (ESCALATED, 900, 2) in kinds
        assert len([k for k in kinds if k[0] == ESCALATED]) == 2
        b.acknowledge(aid, 1000)
        assert b.tick(5000) == []

    def test_manual_clear_and_errors(self):
        b = self.book()
        aid = b.condition(0, "s", "stuck", Severity.MINOR, 0, 1)[0].alarm_id
        assert b.clear(aid, 5, by="admin")[0].status == "CLEARED_UNACK"
        with pytest.raises(AlarmError):
            b.clear(aid, 6)
        with pytest.raises(AlarmError):
            b.acknowledge("nope", 6)
