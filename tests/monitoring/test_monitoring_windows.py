"""Vectorised helpers and minute buckets against plain Python references."""

from __future__ import annotations

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from qorgau.monitoring.windows import MinuteBuckets, ffill_state, last_of_segment, runs, segment_starts


def test_ffill_state_latches_between_set_and_clear():
    x = np.array([0, 5, 3, 3, 1, 4, 6, 2.0])
    start = segment_starts(np.array([0, 0, 0, 0, 0, 1, 1, 1]))
    got = ffill_state(x >= 5, x < 2, start, np.array([False, True]))
    assert got.tolist() == [False, True, True, True, False, True, True, True]


def test_runs_continue_across_batches():
    v = np.array([1, 1, 2, 2, 2, 7.0])
    s = np.array([0, 0, 0, 0, 0, 1])
    start = segment_starts(s)
    prev = np.array([1, 1, 1, 2, 2, np.nan])
    count, since = runs(v == prev, start, np.arange(6.0), np.array([3, 0]), np.array([-10.0, np.nan]))
    assert count.tolist() == [4, 5, 1, 2, 3, 1]
    assert since.tolist() == [-10, -10, 2, 2, 2, 5]
    assert last_of_segment(start).tolist() == [4, 5]


@settings(max_examples=50, deadline=None)
@given(st.lists(st.tuples(st.integers(0, 3), st.integers(0, 600), st.integers(-50, 50)), min_size=1, max_size=80),
       st.lists(st.integers(1, 80), max_size=5), st.randoms(use_true_random=False))
def test_minute_buckets_equal_a_groupby_whatever_the_batching(rows, cuts, rnd):
    # rows: (sensor, second, value) in random batches; the batches arrive in random order (late data).
    rows = sorted(rows, key=lambda r: r[1])
    bounds = sorted({0, len(rows), *[c % (len(rows) + 1) for c in cuts]})
    pairs = list(zip(bounds[:-1], bounds[1:], strict=True))
    rnd.shuffle(pairs)
    buckets = MinuteBuckets(2, 1, 1, capacity=4)
    merged: dict[tuple[int, int], list[float]] = {}
    for a, b in pairs:
        part = sorted(rows[a:b], key=lambda r: (r[0], r[1]))
        if not part:
            continue
        sid = np.array([r[0] for r in part])
        minute = np.array([r[1] // 60 for r in part])
        v = np.array([float(r[2]) for r in part])
        last = last_of_segment(segment_starts(sid))
        closed = buckets.add(sid, minute, np.column_stack((v, np.ones_like(v))), v[:, None], v[:, None],
                             sid[last], minute[last])
        for i in range(len(closed)):
            key = (int(closed.sid[i]), int(closed.minute[i]))
            new = [closed.sums[i, 0], closed.sums[i, 1], closed.mins[i, 0], closed.maxs[i, 0]]
            if key in merged:
                assert closed.partial[i]  # a minute emitted before must be flagged for merging
                old = merged[key]
                new = [old[0] + new[0], old[1] + new[1], min(old[2], new[2]), max(old[3], new[3])]
            merged[key] = new
    closed = buckets.close(np.arange(4))
    for i in range(len(closed)):
        key = (int(closed.sid[i]), int(closed.minute[i]))
        assert key not in merged or closed.partial[i]
        old = merged.get(key, [0.0, 0.0, np.inf, -np.inf])
        merged[key] = [old[0] + closed.sums[i, 0], old[1] + closed.sums[i, 1],
                       min(old[2], closed.mins[i, 0]), max(old[3], closed.maxs[i, 0])]
    expect: dict[tuple[int, int], list[float]] = {}
    for s, sec, val in rows:
        e = expect.setdefault((s, sec // 60), [0.0, 0.0, np.inf, -np.inf])
        e[0] += val
        e[1] += 1
        e[2], e[3] = min(e[2], val), max(e[3], val)
    assert merged == expect
