"""TWA-8h, STEL and ceiling against hand-computed series, a brute-force integrator and properties."""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from qorgau.monitoring.exposure import (
    EIGHT_HOURS,
    FIFTEEN_MINUTES,
    ExposureOptions,
    ReadingsError,
    Series,
    read_readings,
    rolling,
    stel,
    summarize,
    twa,
)

T0 = 1_740_816_000.0  # 2025-03-01T08:00:00Z, a whole minute
ZERO = ExposureOptions()
MEASURED = ExposureOptions(unmeasured="measured")
TRAP = ExposureOptions(method="trapezoid")


def at(*offsets: float) -> np.ndarray:
    return T0 + np.array(offsets, dtype=float)


class TestHandComputed:
    # Irregular samples: 2 @0 s, 8 @60 s, 4 @150 s, 0 @420 s.
    ts = at(0, 60, 150, 420)
    v = np.array([2.0, 8.0, 4.0, 0.0])

    def test_step_twa_divides_by_eight_hours(self):
        # 2*60 + 8*90 + 4*270 = 1920 ppm*s
        assert twa(self.ts, self.v) == pytest.approx(1920 / 28800)

    def test_step_twa_measured_time_average(self):
        assert twa(self.ts, self.v, options=MEASURED) == pytest.approx(1920 / 420)

    def test_trapezoid_twa(self):
        # (2+8)/2*60 + (8+4)/2*90 + (4+0)/2*270 = 300 + 540 + 540
        assert twa(self.ts, self.v, options=TRAP) == pytest.approx(1380 / 28800)

    def test_step_stel_for_a_series_shorter_than_15_minutes(self):
        s = stel(self.ts, self.v)
        assert s.max_value == pytest.approx(1920 / 900)
        assert s.max_at == self.ts[-1]

    def test_gap_is_unmeasured_not_interpolated(self):
        ts, v = at(0, 60, 500, 560), np.full(4, 10.0)  # the 440 s interval exceeds max_gap=300
        assert twa(ts, v) == pytest.approx(1200 / 28800)
        assert twa(ts, v, options=MEASURED) == pytest.approx(10.0)
        assert stel(ts, v).max_value == pytest.approx(1200 / 900)
        assert stel(ts, v, options=MEASURED).max_value == pytest.approx(10.0)
        # With a larger max gap the 440 s count: 10 * 560 s.
        assert twa(ts, v, options=ExposureOptions(max_gap_s=600)) == pytest.approx(5600 / 28800)

    def test_pulse_stel_and_minutes_over(self):
        # 0 for 10 min, 100 for 5 min (samples each minute), then 0: the 300 s pulse gives
        # STEL = 100*300/900 while the window covers it (ends 900..1500 s after the start) and the
        # 15-min average exceeds 20 while the overlap exceeds 180 s: ends in (780, 1500] -> 12 min.
        ts = at(*range(0, 26 * 60, 60))
        v = np.zeros(ts.size)
        v[10:15] = 100.0
        s = stel(ts, v, limit=20.0)
        assert s.max_value == pytest.approx(100 / 3)
        assert s.max_at == T0 + 900
        assert s.seconds_over == pytest.approx(720.0)
        rec = summarize("a.so2", ts, v, stel_limit=20.0)
        assert rec["interval_s"] == 60 and rec["missing_readings"] == 0 and rec["warnings"] == []
        rec = {k: rec[k] for k in ("sensor_id", "twa_8h", "stel_max", "stel_max_at", "ceiling_max", "minutes_over_stel")}
        assert rec == {"sensor_id": "a.so2", "twa_8h": pytest.approx(30000 / 28800, rel=1e-5),
                       "stel_max": pytest.approx(33.3333, rel=1e-5), "stel_max_at": "2025-03-01T08:15:00Z",
                       "ceiling_max": 100.0, "minutes_over_stel": 12.0}

    def test_trapezoid_pulse_has_the_same_area(self):
        ts = at(*range(0, 26 * 60, 60))
        v = np.zeros(ts.size)
        v[10:15] = 100.0
        # ramps of 60 s each side: 0.5*60*100*2 + 240*100 = 30000, the same area as the step pulse
        assert stel(ts, v, options=TRAP).max_value == pytest.approx(100 / 3)

    def test_trapezoid_turning_point_inside_a_piece(self):
        # A triangle 0 -> 60 -> 0 over 20 min: the best 15-min window is centred on the apex, where
        # the window integral peaks between breakpoints (1350 s and 2250 s); area = 60*15min - 2*(0.5*7.5min*22.5).
        ts, v = at(0, 600, 1200), np.array([0.0, 60.0, 0.0])
        got = stel(ts, v, options=ExposureOptions(method="trapezoid", max_gap_s=1000))
        assert got.max_value == pytest.approx((60 * 900 - 2 * 0.5 * 450 * 45) / 900)
        assert got.max_at == pytest.approx(T0 + 1050)

    def test_twa_of_a_long_series_is_the_worst_8h_window(self):
        ts = at(*np.arange(0, 10 * 3600 + 1, 60.0))
        v = np.where(ts - T0 < 2 * 3600, 1.0, 5.0)
        assert twa(ts, v) == pytest.approx(5.0)

    def test_noise_is_energy_averaged(self):
        # 90 dB(A) for 4 h then 80 dB(A) for 4 h: LEX,8h = 10 log10((1e9 + 1e8) / 2) = 87.40
        ts = at(0, 4 * 3600, 8 * 3600)
        opts = ExposureOptions(max_gap_s=5 * 3600, averaging="energy_db")
        assert twa(ts, np.array([90.0, 80.0, 80.0]), options=opts) == pytest.approx(
            10 * math.log10(0.55e9), abs=1e-9)

    def test_all_unmeasured_gives_none(self):
        ts = at(0, 4000)
        rec = summarize("x", ts, np.array([1.0, 2.0]), stel_limit=1.0,
                        options=ExposureOptions(unmeasured="measured"))
        assert rec["twa_8h"] is None and rec["stel_max"] is None and rec["stel_max_at"] is None
        assert rec["ceiling_max"] == 2.0 and rec["minutes_over_stel"] == 0.0

    def test_single_sample(self):
        rec = summarize("x", at(0), np.array([3.0]))
        assert rec["twa_8h"] == 0.0 and rec["ceiling_max"] == 3.0 and rec["minutes_over_stel"] is None

    def test_rejects_unsorted_or_non_finite(self):
        with pytest.raises(ValueError):
            Series(at(0, 0), np.array([1.0, 2.0]))
        with pytest.raises(ValueError):
            Series(at(0, 1), np.array([1.0, np.nan]))
        with pytest.raises(ValueError):
            ExposureOptions(method="spline")


def brute_force_window(ts: np.ndarray, v: np.ndarray, period: float, ends: np.ndarray, max_gap: float) -> np.ndarray:
    """Window averages (zero for unmeasured) by summing interval overlaps one by one."""
    out = np.zeros(ends.size)
    for i in range(ts.size - 1):
        a, b = ts[i], ts[i + 1]
        if b - a > max_gap:
            continue
        overlap = np.clip(np.minimum(ends, b) - np.maximum(ends - period, a), 0, None)
        out += overlap * v[i]
    return out / period


series = st.integers(min_value=2, max_value=25).flatmap(lambda n: st.tuples(
    st.lists(st.integers(1, 400), min_size=n - 1, max_size=n - 1),
    st.lists(st.floats(0, 100, allow_nan=False), min_size=n, max_size=n)))


@settings(max_examples=60, deadline=None)
@given(series, st.floats(1, 80))
def test_step_stel_matches_brute_force_on_whole_seconds(data, limit):
    steps, values = data
    ts = T0 + np.concatenate(([0], np.cumsum(steps))).astype(float)
    v = np.array(values)
    ends = np.arange(ts[0], ts[-1] + 1)  # integer-second grid holds every breakpoint
    grid = brute_force_window(ts, v, FIFTEEN_MINUTES, ends, 300.0)
    got = stel(ts, v, limit=limit)
    assert got.max_value == pytest.approx(grid.max(), rel=1e-9, abs=1e-9)
    # time above the limit: the grid count can differ by at most one second per crossing
    crossings = np.count_nonzero(np.diff(grid > limit))
    assert abs(got.seconds_over - np.count_nonzero(grid[1:] > limit)) <= crossings + 1


@settings(max_examples=60, deadline=None)
@given(st.floats(0.001, 1000), st.lists(st.integers(1, 200), min_size=1, max_size=40))
def test_constant_series_twa_is_value_times_measured_fraction(value, steps):
    ts = T0 + np.concatenate(([0], np.cumsum(steps))).astype(float)
    v = np.full(ts.size, value)
    measured = ts[-1] - ts[0]  # every step is within max_gap
    assert twa(ts, v) == pytest.approx(value * measured / EIGHT_HOURS, rel=1e-9)
    assert twa(ts, v, options=MEASURED) == pytest.approx(value, rel=1e-9)
    assert twa(ts, v, options=TRAP) == pytest.approx(value * measured / EIGHT_HOURS, rel=1e-9)


@settings(max_examples=60, deadline=None)
@given(series, st.floats(0.1, 10), st.floats(-1e6, 1e6))
def test_linear_in_value_invariant_in_time_and_bounded(data, scale, shift):
    steps, values = data
    ts = T0 + np.concatenate(([0], np.cumsum(steps))).astype(float)
    v = np.array(values)
    for opts in (ZERO, TRAP, MEASURED):
        base = rolling(Series(ts, v, opts), FIFTEEN_MINUTES).max_value
        scaled = rolling(Series(ts, v * scale, opts), FIFTEEN_MINUTES).max_value
        moved = rolling(Series(ts + shift, v, opts), FIFTEEN_MINUTES).max_value
        if base is None:
            assert scaled is None and moved is None
            continue
        assert scaled == pytest.approx(base * scale, rel=1e-9, abs=1e-9)
        assert moved == pytest.approx(base, rel=1e-6, abs=1e-6)
        assert base <= v.max() + 1e-9  # an average never exceeds the ceiling
        eight = rolling(Series(ts, v, opts), EIGHT_HOURS).max_value
        if opts.unmeasured == "zero":
            assert eight <= base + 1e-9  # a longer zero-padded window cannot average higher


class TestReadingsFile:
    def rows(self, *lines: str) -> list[list[str]]:
        return [line.split(",") for line in ("sensor_id,ts,value", *lines)]

    def test_parses_iso_and_epoch_and_sorts(self):
        got = read_readings(self.rows("a,2025-03-01T08:01:00Z,2", "a,1740816000,1", "b,2025-03-01T13:00:00+05:00,7"))
        assert got["a"][0].tolist() == [T0, T0 + 60] and got["a"][1].tolist() == [1.0, 2.0]
        assert got["b"][0].tolist() == [T0]

    @pytest.mark.parametrize(("line", "row", "column"), [
        ("a,yesterday,1", 3, "ts"), ("a,2025-03-01T08:00:00Z,abc", 3, "value"),
        (",2025-03-01T08:00:00Z,1", 3, "sensor_id"),
        ("a,2025-03-01T08:00:00Z", 3, "value"), ("a,1740816000,5", 3, "ts")])
    def test_errors_name_row_and_column(self, line, row, column):
        with pytest.raises(ReadingsError) as err:
            read_readings(self.rows("a,2025-03-01T08:00:00Z,1", line))
        assert err.value.row == row and err.value.column == column
        assert f"row {row}" in str(err.value)

    def test_header_must_name_columns(self):
        with pytest.raises(ReadingsError) as err:
            read_readings([["sensor", "ts", "value"]])
        assert err.value.row == 1
