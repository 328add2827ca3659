"""Streaming rule engine: per-sensor alarms from batches of readings, evaluated with numpy.

Rules per sensor (parameters in SensorConfig):
* threshold A1/A2 with hysteresis: a level sets at x >= set point and resets only below
  set point - hysteresis, so a value hovering at the set point does not flap (x = value, or -value
  for falling quantities such as oxygen). One THRESHOLD alarm; its severity follows the level.
* rate of change (units per minute between consecutive readings), clears below half the limit;
* out of range (outside the sensor's measuring range);
* stuck: the same value (within stuck_eps) for >= stuck_readings readings and >= stuck_seconds;
* silent: no reading for silent_after_s, evaluated by `tick(now)`;
* STEL/TWA: each sensor's exposure is integrated per minute (step hold, gaps > max_gap_s
  unmeasured, as in exposure.py); when a minute closes, the 15-min and 8-h sums over the last 15 and
  480 minutes (unmeasured time = zero) are compared with the limits (clear below 95 %).

A batch is sorted by (sensor, time) once; every rule is then a handful of array operations over
the whole batch, carrying per-sensor state between batches. Python runs only per alarm transition.
Readings at or before a sensor's last processed time are not evaluated: equal time = duplicate
(QoS-1 redelivery), earlier = late (stored, but rules only move forward in time).
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from qorgau.monitoring.alarms import (
    DEFAULT_SEVERITY,
    LEVEL_SEVERITY,
    OUT_OF_RANGE,
    RATE,
    SILENT,
    STEL,
    STUCK,
    THRESHOLD,
    TWA,
    AlarmBook,
    AlarmEvent,
    AlarmPolicy,
)
from qorgau.monitoring.sensors import SensorRegistry
from qorgau.monitoring.windows import (
    MINUTE,
    Closed,
    MinuteBuckets,
    ffill_state,
    last_of_segment,
    runs,
    segment_starts,
    shifted,
    transitions,
)

ACCEPTED, DUPLICATE, LATE = 0, 1, 2
RING_MINUTES = 480
STEL_MINUTES = 15
_NO_MINUTE = np.iinfo(np.int32).min
_KEY = np.int64(1) << 32


@dataclass
class FeedResult:
    """Alarm events, each input row's status (ACCEPTED, DUPLICATE, LATE) and the (sensor, time) sort order."""

    events: list[AlarmEvent]
    status: np.ndarray
    order: np.ndarray

    @property
    def duplicates(self) -> int:
        return int(np.count_nonzero(self.status == DUPLICATE))

    @property
    def late(self) -> int:
        return int(np.count_nonzero(self.status == LATE))


class RuleEngine:
    """Per-sensor rule state for the sensors of one registry; `feed_batch` / `tick` return events."""

    def __init__(self, registry: SensorRegistry, policy: AlarmPolicy = AlarmPolicy(),
                 new_id: Callable[[], str] | None = None):
        self.registry = registry
        self.book = AlarmBook(policy, new_id)
        self.started: float | None = None
        self._cap = 0
        self.last_ts = np.zeros(0)
        self.last_v = np.zeros(0)
        self.level = np.zeros(0, np.int8)
        self.exposure = MinuteBuckets(2)
        self.ring_min = np.zeros((0, RING_MINUTES), np.int32)
        self.ring_int = np.zeros((0, RING_MINUTES), np.float32)
        self.stuck_count = np.zeros(0, np.int64)
        self.stuck_since = np.zeros(0)
        self.twa_total = np.zeros(0)                # running 480-minute exposure sum per sensor
        self.twa_last = np.zeros(0, np.int64)       # the minute it is valid for (_NO_MINUTE: recompute)
        # Latched state per sensor: A1, A2, out of range, rate, stuck, silent, STEL, TWA.
        self.a1, self.a2, self.oor, self.roc = (np.zeros(0, bool) for _ in range(4))
        self.stuck, self.silent, self.stel, self.twa = (np.zeros(0, bool) for _ in range(4))
        self._ensure()

    def _ensure(self) -> None:
        n = len(self.registry)
        if n <= self._cap:
            return
        extra = n - self._cap

        def grow(a: np.ndarray, fill: object) -> np.ndarray:
            return np.concatenate((a, np.full((extra,) + a.shape[1:], fill, dtype=a.dtype)))

        self.last_ts, self.last_v = grow(self.last_ts, np.nan), grow(self.last_v, np.nan)
        self.level = grow(self.level, 0)
        for name in ("a1", "a2", "oor", "roc", "stuck", "silent", "stel", "twa"):
            setattr(self, name, grow(getattr(self, name), False))
        self.stuck_count, self.stuck_since = grow(self.stuck_count, 0), grow(self.stuck_since, np.nan)
        self.ring_min, self.ring_int = grow(self.ring_min, _NO_MINUTE), grow(self.ring_int, 0.0)
        self.twa_total, self.twa_last = grow(self.twa_total, 0.0), grow(self.twa_last, _NO_MINUTE)
        self.exposure.ensure(n)
        self._cap = n

    # -- public API -------------------------------------------------------------------------------

    def feed(self, sensor_id: str, ts: float, value: float) -> list[AlarmEvent]:
        """One reading (convenience; batches are much faster)."""
        idx = self.registry.index(sensor_id)
        if idx is None:
            raise KeyError(f"unknown sensor {sensor_id!r}")
        return self.feed_batch(np.array([idx]), np.array([float(ts)]), np.array([float(value)])).events

    def feed_batch(self, sid: np.ndarray, ts: np.ndarray, value: np.ndarray) -> FeedResult:
        """Evaluate a batch of validated readings (sensor index, epoch seconds, value), any order."""
        self._ensure()
        n = sid.size
        status = np.zeros(n, np.int8)
        if n == 0:
            return FeedResult([], status, np.zeros(0, np.int64))
        order = np.lexsort((ts, sid))
        s, t, v = sid[order], ts[order], value[order]
        last = self.last_ts[s]
        same_as_prev = np.zeros(n, bool)
        same_as_prev[1:] = (s[1:] == s[:-1]) & (t[1:] == t[:-1])
        sorted_status = np.where(t < last, LATE, np.where((t == last) | same_as_prev, DUPLICATE, ACCEPTED))
        status[order] = sorted_status
        keep = sorted_status == ACCEPTED
        if not keep.all():
            s, t, v = s[keep], t[keep], v[keep]
        if s.size == 0:
            return FeedResult([], status, order)
        events: list[AlarmEvent] = []
        start = segment_starts(s)
        first, lastrow = np.flatnonzero(start), last_of_segment(start)
        fs = s[first]
        prev_ts = shifted(t, start, self.last_ts[fs])
        prev_v = shifted(v, start, self.last_v[fs])
        events += self._silence_over(s, t, v, first)
        events += self._thresholds(s, t, v, start, first, lastrow)
        events += self._range(s, t, v, start, fs, lastrow)
        dt = t - prev_ts
        events += self._rate(s, t, v, prev_v, dt, start, fs, lastrow)
        events += self._stuck(s, t, v, prev_v, start, fs, lastrow)
        events += self._exposure(s, t, prev_v, dt, lastrow)
        ls = s[lastrow]
        self.last_ts[ls], self.last_v[ls] = t[lastrow], v[lastrow]
        events.sort(key=lambda e: e.ts)  # stable: the same order however the stream was batched
        return FeedResult(events, status, order)

    def tick(self, now: float) -> list[AlarmEvent]:
        """Clock-driven rules: silent sensors, exposure minutes of idle sensors, reminders, escalation."""
        self._ensure()
        if self.started is None:
            self.started = now
        p = self.registry
        events: list[AlarmEvent] = []
        ref = np.where(np.isnan(self.last_ts), self.started, self.last_ts)
        newly = np.flatnonzero(~self.silent & (now - ref > p.silent_after))
        for i in newly:
            last = self.last_ts[i]
            detail = {"last_seen": None if math.isnan(last) else float(last), "silent_after_s": float(p.silent_after[i])}
            events += self.book.condition(int(i), p.ids[i], SILENT, DEFAULT_SEVERITY[SILENT], now, math.nan, detail)
        self.silent[newly] = True
        idle = np.flatnonzero(self.exposure.has[: self._cap] & (now - self.last_ts > p.max_gap))
        if idle.size:
            events += self._windows(self.exposure.close(idle))
        events += self.book.tick(now)
        return events

    def acknowledge(self, alarm_id: str, ts: float, by: str | None = None) -> list[AlarmEvent]:
        return self.book.acknowledge(alarm_id, ts, by)

    def clear(self, alarm_id: str, ts: float, by: str | None = None) -> list[AlarmEvent]:
        return self.book.clear(alarm_id, ts, by)

    # -- rules --------------------------------------------------------------------------------------

    def _emit(self, rows: np.ndarray, s: np.ndarray, t: np.ndarray, v: np.ndarray, alarm_type: str,
              on: np.ndarray, detail: Callable[[int, int], dict] | None = None) -> list[AlarmEvent]:
        events: list[AlarmEvent] = []
        ids = self.registry.ids
        for i in rows:
            idx = int(s[i])
            sev = DEFAULT_SEVERITY[alarm_type] if on[i] else None
            events += self.book.condition(idx, ids[idx], alarm_type, sev, float(t[i]), float(v[i]),
                                          detail(i, idx) if detail and on[i] else None)
        return events

    def _silence_over(self, s: np.ndarray, t: np.ndarray, v: np.ndarray, first: np.ndarray) -> list[AlarmEvent]:
        rows = first[self.silent[s[first]]]
        if rows.size == 0:
            return []
        self.silent[s[rows]] = False
        return self._emit(rows, s, t, v, SILENT, np.zeros(s.size, bool))

    def _thresholds(self, s, t, v, start, first, lastrow) -> list[AlarmEvent]:
        p = self.registry
        x = p.sign[s] * v
        fs = s[first]
        st1 = ffill_state(x >= p.set1[s], x < p.clear1[s], start, self.a1[fs])
        st2 = ffill_state(x >= p.set2[s], x < p.clear2[s], start, self.a2[fs])
        level = np.where(st2, 2, st1.astype(np.int8)).astype(np.int8)
        rows = transitions(level, start, self.level[fs])
        ls = s[lastrow]
        self.a1[ls], self.a2[ls], self.level[ls] = st1[lastrow], st2[lastrow], level[lastrow]
        events: list[AlarmEvent] = []
        for i in rows:
            idx, lv = int(s[i]), int(level[i])
            sev = LEVEL_SEVERITY.get(lv)
            detail = None
            if sev is not None:
                limit = abs(p.set2[idx] if lv == 2 else p.set1[idx])
                detail = {"level": f"A{lv}", "limit": float(limit)}
            events += self.book.condition(idx, p.ids[idx], THRESHOLD, sev, float(t[i]), float(v[i]), detail,
                                          latching=bool(p.latching[idx]) and lv == 2)
        return events

    def _range(self, s, t, v, start, fs, lastrow) -> list[AlarmEvent]:
        p = self.registry
        oor = (v < p.range_lo[s]) | (v > p.range_hi[s])
        rows = transitions(oor, start, self.oor[fs])
        self.oor[s[lastrow]] = oor[lastrow]
        return self._emit(rows, s, t, v, OUT_OF_RANGE, oor, lambda i, idx: {
            "range": [float(p.range_lo[idx]), float(p.range_hi[idx])]})

    def _rate(self, s, t, v, prev_v, dt, start, fs, lastrow) -> list[AlarmEvent]:
        p = self.registry
        roc = p.roc[s]
        valid = (dt > 0) & (dt <= p.max_gap[s])
        with np.errstate(invalid="ignore", divide="ignore"):
            rate = np.where(valid, p.sign[s] * (v - prev_v) / dt * MINUTE, np.nan)
        state = ffill_state(rate >= roc, rate < 0.5 * roc, start, self.roc[fs])
        rows = transitions(state, start, self.roc[fs])
        self.roc[s[lastrow]] = state[lastrow]
        return self._emit(rows, s, t, v, RATE, state, lambda i, idx: {
            "rate_per_min": float(rate[i]), "limit": float(p.roc[idx])})

    def _stuck(self, s, t, v, prev_v, start, fs, lastrow) -> list[AlarmEvent]:
        p = self.registry
        equal = np.abs(v - prev_v) <= p.stuck_eps[s]
        count, since = runs(equal, start, t, self.stuck_count[fs], self.stuck_since[fs])
        cond = (count >= p.stuck_n[s]) & (t - since >= p.stuck_s[s]) & ~(p.stuck_skip_zero[s] & (v == 0))
        rows = transitions(cond, start, self.stuck[fs])
        ls = s[lastrow]
        self.stuck[ls], self.stuck_count[ls], self.stuck_since[ls] = cond[lastrow], count[lastrow], since[lastrow]
        return self._emit(rows, s, t, v, STUCK, cond, lambda i, idx: {
            "readings": int(count[i]), "since": float(since[i])})

    def _exposure(self, s, t, prev_v, dt, lastrow) -> list[AlarmEvent]:
        """Step-hold exposure per sensor-minute: each measured interval split at minute boundaries."""
        p = self.registry
        ok = (dt > 0) & (dt <= p.max_gap[s])
        rows = None if ok.all() else np.flatnonzero(ok)
        sel = (lambda x: x) if rows is None else (lambda x: x[rows])
        b, d, held, sid = sel(t), sel(dt), sel(prev_v), sel(s)
        a = b - d
        if p.energy.any():
            held = np.where(p.energy[sid], np.power(10.0, held / 10.0), held)
        ma = np.floor(a / MINUTE).astype(np.int64)
        k = np.maximum(np.ceil(b / MINUTE).astype(np.int64) - ma, 1)
        if k.size and k.max() == 1:  # the usual case: no interval crosses a minute boundary
            minute, dur = ma, d
        else:
            rep = np.repeat(np.arange(k.size), k)
            minute = ma[rep] + (np.arange(rep.size) - np.repeat(np.cumsum(k) - k, k))
            dur = np.minimum(b[rep], (minute + 1) * MINUTE) - np.maximum(a[rep], minute * MINUTE)
            held, sid = held[rep], sid[rep]
        sums = np.empty((dur.size, 2))
        np.multiply(dur, held, out=sums[:, 0])
        sums[:, 1] = dur
        empty = np.zeros((dur.size, 0))
        closed = self.exposure.add(sid, minute, sums, empty, empty, s[lastrow],
                                   np.floor(t[lastrow] / MINUTE).astype(np.int64))
        return self._windows(closed)

    def _windows(self, closed: Closed) -> list[AlarmEvent]:
        """STEL and TWA at each closed exposure minute, from the minute ring plus the batch.

        STEL reads the 15 ring slots of its window. TWA keeps a running 480-minute total per sensor
        (add the new minute, subtract the one leaving); a sensor whose minutes are not consecutive
        (a gap, a partial minute, a first minute) gets its total recomputed from the whole ring.
        """
        if len(closed) == 0:
            return []
        p = self.registry
        cs, cm, partial = closed.sid, closed.minute, closed.partial
        integ = closed.sums[:, 0].astype(np.float32).astype(np.float64)  # as the ring stores it
        key = cs * _KEY + cm
        csum = np.cumsum(integ)
        lo = np.searchsorted(key, cs * _KEY + (cm - STEL_MINUTES + 1), side="left")
        stel_sum = csum - np.where(lo > 0, csum[lo - 1], 0.0)  # this batch's minutes in the window
        win = cm[:, None] - np.arange(STEL_MINUTES)[None, :]
        rm = self.ring_min[cs[:, None], win % RING_MINUTES]
        stel_sum += np.where(rm == win, self.ring_int[cs[:, None], win % RING_MINUTES], 0.0).sum(axis=1)
        start = segment_starts(cs)
        first, lastrow = np.flatnonzero(start), last_of_segment(start)
        seg = np.cumsum(start) - 1
        step_ok = np.ones(cs.size, bool)
        step_ok[1:] = cm[1:] == cm[:-1] + 1
        step_ok[first] = cm[first] == self.twa_last[cs[first]] + 1
        fast_seg = np.logical_and.reduceat(step_ok & ~partial, first) & (np.diff(np.append(first, cs.size)) < RING_MINUTES)
        fast = fast_seg[seg]
        twa_sum = np.empty(cs.size)
        if fast.any():
            slot = cm % RING_MINUTES
            leaving = np.where(self.ring_min[cs, slot] == cm - RING_MINUTES, self.ring_int[cs, slot], 0.0)
            delta = np.cumsum(np.where(fast, integ - leaving, 0.0))
            base = delta[first] - np.where(fast, integ - leaving, 0.0)[first]  # cumsum before each segment
            twa_sum[fast] = (self.twa_total[cs] + delta - base[seg])[fast]
        slow = np.flatnonzero(~fast)
        if slow.size:
            lo = np.searchsorted(key, cs * _KEY + (cm - RING_MINUTES + 1), side="left")
            twa_sum[slow] = (csum - np.where(lo > 0, csum[lo - 1], 0.0))[slow]
            for a in range(0, slow.size, 2048):  # chunks bound the (rows x 480) temporaries
                rows = slow[a: a + 2048]
                ring_m = self.ring_min[cs[rows]].astype(np.int64)
                m = cm[rows, None]
                inside = (ring_m > m - RING_MINUTES) & (ring_m <= m)
                twa_sum[rows] += np.where(inside, self.ring_int[cs[rows]], 0.0).sum(axis=1)
        ls = cs[lastrow]
        clean = np.logical_and.reduceat(~partial, first)  # a partial minute leaves the total stale
        self.twa_total[ls] = twa_sum[lastrow]
        self.twa_last[ls] = np.where(clean, cm[lastrow], _NO_MINUTE)
        slot = cm % RING_MINUTES
        cur_same = self.ring_min[cs, slot] == cm
        self.ring_int[cs, slot] = np.where(cur_same, self.ring_int[cs, slot] + integ, integ)
        self.ring_min[cs, slot] = cm
        events: list[AlarmEvent] = []
        at = (cm + 1) * MINUTE
        for alarm_type, state_arr, avg, limit in (
                (STEL, self.stel, stel_sum / (STEL_MINUTES * MINUTE), p.stel_x[cs]),
                (TWA, self.twa, twa_sum / (RING_MINUTES * MINUTE), p.twa_x[cs])):
            init = state_arr[cs[start]]
            state = ffill_state(avg > limit, avg < 0.95 * limit, start, init)
            rows = transitions(state, start, init)
            state_arr[cs[lastrow]] = state[lastrow]
            for i in rows:
                idx = int(cs[i])
                level = self._level(idx, float(avg[i]))
                sev = DEFAULT_SEVERITY[alarm_type] if state[i] else None
                detail = {"average": level, "limit": self._level(idx, float(limit[i]))} if state[i] else None
                events += self.book.condition(idx, p.ids[idx], alarm_type, sev, float(at[i]),
                                              level if level is not None else math.nan, detail)
        return events

    def _level(self, idx: int, x: float) -> float | None:
        if self.registry.energy[idx]:
            return 10.0 * math.log10(x) if x > 0 else None
        return x
