"""Vectorised per-sensor building blocks: segment helpers, hysteresis, runs, minute buckets.

Every function works on a batch sorted by (sensor index, time), so one sensor's rows form a
contiguous *segment*; per-sensor state from earlier batches comes in as `init` arrays.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

MINUTE = 60.0


def segment_starts(sid: np.ndarray) -> np.ndarray:
    """True at the first row of each sensor's segment."""
    start = np.empty(sid.size, dtype=bool)
    if sid.size:
        start[0] = True
        np.not_equal(sid[1:], sid[:-1], out=start[1:])
    return start


def shifted(values: np.ndarray, start: np.ndarray, init_at_start: np.ndarray) -> np.ndarray:
    """The previous row's value within a segment; `init_at_start` (one per segment) at each start."""
    out = np.empty_like(values)
    if values.size:
        out[1:] = values[:-1]
        out[start] = init_at_start
    return out


def ffill_state(on: np.ndarray, off: np.ndarray, start: np.ndarray, init: np.ndarray) -> np.ndarray:
    """Latch state per row: set where `on`, reset where `off`, else hold (from `init` at segment start)."""
    n = on.size
    decided = np.full(n, -1, dtype=np.int8)
    decided[off] = 0
    decided[on] = 1  # `on` wins: a row cannot be above the set point and below the clear point
    at_start = decided[start]
    decided[start] = np.where(at_start >= 0, at_start, init.astype(np.int8))
    idx = np.where(decided >= 0, np.arange(n), 0)
    np.maximum.accumulate(idx, out=idx)
    return decided[idx].astype(bool)


def transitions(state: np.ndarray, start: np.ndarray, init: np.ndarray) -> np.ndarray:
    """Row indices where the state differs from the previous row's (or the carried-in state)."""
    prev = shifted(state, start, init)
    return np.flatnonzero(state != prev)


def runs(equal_prev: np.ndarray, start: np.ndarray, ts: np.ndarray, carry_count: np.ndarray,
         carry_since: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Length and start time of the run of equal values ending at each row, continuing carried runs."""
    n = equal_prev.size
    anchor = ~equal_prev | start
    continues = start & equal_prev
    base_count = np.ones(n, dtype=np.int64)
    base_since = ts.copy()
    base_count[start] = np.where(continues[start], carry_count + 1, 1)
    base_since[start] = np.where(continues[start], carry_since, ts[start])
    idx = np.where(anchor, np.arange(n), 0)
    np.maximum.accumulate(idx, out=idx)
    return base_count[idx] + (np.arange(n) - idx), base_since[idx]


def last_of_segment(start: np.ndarray) -> np.ndarray:
    """Indices of each segment's last row."""
    n = start.size
    first = np.flatnonzero(start)
    return np.append(first[1:] - 1, n - 1) if n else first


@dataclass
class Closed:
    """Closed buckets: sensor, minute (epoch minute), sums, mins, maxs, and whether each is partial."""

    sid: np.ndarray
    minute: np.ndarray
    sums: np.ndarray
    mins: np.ndarray
    maxs: np.ndarray
    partial: np.ndarray

    def __len__(self) -> int:
        return int(self.sid.size)


class MinuteBuckets:
    """Each sensor's open minute bucket of mergeable sums, minima and maxima.

    `add` takes rows sorted by (sensor, minute) and each touched sensor's new open minute; every
    bucket before the open one is emitted as closed. A bucket for a minute that was already emitted
    (late data, or a minute a tick closed early) is emitted again flagged `partial`: the sink merges it.
    """

    def __init__(self, n_sum: int, n_min: int = 0, n_max: int = 0, capacity: int = 0):
        self.n_sum, self.n_min, self.n_max = n_sum, n_min, n_max
        self.open_min = np.full(0, -1, dtype=np.int64)
        self.emitted = np.full(0, -1, dtype=np.int64)
        self.has = np.zeros(0, dtype=bool)
        self.sums = np.zeros((0, n_sum))
        self.mins = np.zeros((0, n_min))
        self.maxs = np.zeros((0, n_max))
        self.ensure(capacity)

    def ensure(self, capacity: int) -> None:
        """Grow the per-sensor arrays to hold `capacity` sensors."""
        old = self.open_min.size
        if capacity <= old:
            return
        extra = capacity - old
        self.open_min = np.concatenate((self.open_min, np.full(extra, -1, dtype=np.int64)))
        self.emitted = np.concatenate((self.emitted, np.full(extra, -1, dtype=np.int64)))
        self.has = np.concatenate((self.has, np.zeros(extra, dtype=bool)))
        self.sums = np.vstack((self.sums, np.zeros((extra, self.n_sum))))
        self.mins = np.vstack((self.mins, np.full((extra, self.n_min), np.inf)))
        self.maxs = np.vstack((self.maxs, np.full((extra, self.n_max), -np.inf)))

    def _empty(self) -> Closed:
        return Closed(np.zeros(0, np.int64), np.zeros(0, np.int64), np.zeros((0, self.n_sum)),
                      np.zeros((0, self.n_min)), np.zeros((0, self.n_max)), np.zeros(0, bool))

    def add(self, sid: np.ndarray, minute: np.ndarray, sums: np.ndarray, mins: np.ndarray,
            maxs: np.ndarray, open_sid: np.ndarray, open_minute: np.ndarray) -> Closed:
        """Merge rows; `open_sid` (sorted, unique) get `open_minute` as their open minute (never moves back)."""
        if open_sid.size == 0:
            return self._empty()
        new_open = np.maximum(open_minute, self.open_min[open_sid])
        out: list[Closed] = []
        if sid.size:
            key_change = np.ones(sid.size, dtype=bool)
            key_change[1:] = (sid[1:] != sid[:-1]) | (minute[1:] != minute[:-1])
            gi = np.flatnonzero(key_change)
            g_sid, g_min = sid[gi], minute[gi]
            g_sums = np.add.reduceat(sums, gi, axis=0) if self.n_sum else np.zeros((gi.size, 0))
            g_mins = np.minimum.reduceat(mins, gi, axis=0) if self.n_min else np.zeros((gi.size, 0))
            g_maxs = np.maximum.reduceat(maxs, gi, axis=0) if self.n_max else np.zeros((gi.size, 0))
            old_min = self.open_min[g_sid]
            merge = (g_min == old_min) & self.has[g_sid]
            if merge.any():
                m_sid = g_sid[merge]
                g_sums[merge] += self.sums[m_sid]
                g_mins[merge] = np.minimum(g_mins[merge], self.mins[m_sid])
                g_maxs[merge] = np.maximum(g_maxs[merge], self.maxs[m_sid])
            consumed = np.zeros(self.open_min.size, dtype=bool)
            consumed[g_sid[merge]] = True
        else:
            consumed = np.zeros(self.open_min.size, dtype=bool)
        old_open = self.open_min[open_sid]
        # An open bucket the batch moved past without adding to it is complete: emit it.
        moved = self.has[open_sid] & ~consumed[open_sid] & (old_open < new_open)
        if moved.any():
            s = open_sid[moved]
            out.append(Closed(s, old_open[moved], self.sums[s].copy(), self.mins[s].copy(),
                              self.maxs[s].copy(), np.zeros(s.size, bool)))
        # Sensors whose open minute changed start empty; a consumed bucket is re-set below.
        reset = open_sid[(old_open < new_open) | consumed[open_sid]]
        self._clear(reset)
        self.open_min[open_sid] = new_open
        if sid.size:
            full_open = np.zeros(self.open_min.size, dtype=np.int64)
            full_open[open_sid] = new_open
            is_open = g_min >= full_open[g_sid]
            closed = ~is_open
            if closed.any():
                out.append(Closed(g_sid[closed], g_min[closed], g_sums[closed], g_mins[closed],
                                  g_maxs[closed], np.zeros(int(closed.sum()), bool)))
            if is_open.any():
                s = g_sid[is_open]
                self.sums[s], self.mins[s], self.maxs[s] = g_sums[is_open], g_mins[is_open], g_maxs[is_open]
                self.has[s] = True
        return self._finish(_concat(out, self._empty()))

    def _finish(self, c: Closed) -> Closed:
        # A minute emitted before (closed by a tick, or late data) is re-emitted as a partial bucket.
        c.partial = c.minute <= self.emitted[c.sid]
        np.maximum.at(self.emitted, c.sid, c.minute)
        return c

    def close(self, sensors: np.ndarray) -> Closed:
        """Emit and clear the open buckets of these sensors (e.g. on a clock tick or at shutdown)."""
        s = sensors[self.has[sensors]]
        closed = Closed(s, self.open_min[s].copy(), self.sums[s].copy(), self.mins[s].copy(),
                        self.maxs[s].copy(), np.zeros(s.size, bool))
        self._clear(s)
        return self._finish(closed)

    def close_before(self, minute: int) -> Closed:
        """Emit every open bucket whose minute is before `minute`."""
        return self.close(np.flatnonzero(self.has & (self.open_min < minute)))

    def _clear(self, s: np.ndarray) -> None:
        self.has[s] = False
        self.sums[s] = 0.0
        self.mins[s] = np.inf
        self.maxs[s] = -np.inf


def _concat(parts: list[Closed], empty: Closed) -> Closed:
    if not parts:
        return empty
    if len(parts) == 1:
        c = parts[0]
    else:
        c = Closed(*(np.concatenate([getattr(p, f) for p in parts]) for f in
                     ("sid", "minute", "sums", "mins", "maxs", "partial")))
    order = np.lexsort((c.minute, c.sid))
    return Closed(c.sid[order], c.minute[order], c.sums[order], c.mins[order], c.maxs[order], c.partial[order])
