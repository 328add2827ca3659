"""The smelter simulator: deterministic fleet, leaks, a stuck and a silent sensor the rules catch."""

from __future__ import annotations

import numpy as np

from qorgau.monitoring.codec import Decoder
from qorgau.monitoring.pipeline import MemorySink, Pipeline
from qorgau.monitoring.sensors import SensorRegistry
from qorgau.monitoring.simulate import SMELTER_ZONES, Simulator, demo_fleet

T0 = 1_740_816_000.0


def test_fleet_is_deterministic_and_covers_the_zones():
    a, b = demo_fleet(40), demo_fleet(40)
    assert [s.config for s in a] == [s.config for s in b]
    assert {s.zone for s in a} == {z.code for z in SMELTER_ZONES}
    assert len({s.config.sensor_id for s in a}) == 40
    assert {"so2", "ash3", "h2s", "co", "dust_resp", "heat_wbgt", "noise"} <= {s.config.quantity for s in a}


def test_values_stay_in_range_with_leaks_stuck_and_silent():
    fleet = demo_fleet(20)
    sim = Simulator(fleet, seed=2, start=T0, leaks_per_sensor_hour=1.0)
    sid, ts, v = sim.readings(T0, T0 + 4 * 3600, 1 / 30)
    for i, s in enumerate(fleet):
        vals = v[sid == i]
        assert vals.min() >= s.config.range_lo and vals.max() <= s.config.range_hi
    stuck = v[(sid == sim.stuck_idx) & (ts >= T0 + 600)]
    assert np.unique(stuck).size == 1
    assert ts[sid == sim.silent_idx].max() < T0 + 900
    over_a1 = [np.mean(v[sid == i] >= s.config.a1) for i, s in enumerate(fleet) if s.config.direction == "rising"]
    assert max(over_a1) > 0.01  # some leaks reach the alarm levels


def test_simulated_stream_raises_stuck_and_silent_alarms():
    fleet = demo_fleet(12)
    reg = SensorRegistry(s.config for s in fleet)
    sink = MemorySink()
    pl = Pipeline(reg, sink)
    sim = Simulator(fleet, seed=5, start=T0)
    decoder = Decoder(reg)
    for k in range(0, 50 * 60, 60):
        for topic, payload in sim.zone_payloads(T0 + k, T0 + k + 60, 0.2, encoding="binary" if k % 120 else "json"):
            rows, letters = decoder.decode(topic, payload, T0 + k + 60)
            assert letters == [] and len(rows)
            pl.submit(topic, payload, T0 + k + 60)
        pl.process(T0 + k + 60)
        pl.tick(T0 + k + 60)
    kinds = {(e.sensor_id, e.alarm_type) for e in sink.events if e.kind == "raised"}
    assert (fleet[sim.stuck_idx].config.sensor_id, "stuck") in kinds
    assert (fleet[sim.silent_idx].config.sensor_id, "silent") in kinds
