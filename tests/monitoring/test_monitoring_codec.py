"""Topic scheme, payload formats and dead letters: nothing malformed passes, nothing is dropped."""

from __future__ import annotations

import numpy as np
import orjson
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from qorgau.monitoring.codec import (
    HEADER,
    MAGIC,
    Decoder,
    PayloadError,
    encode_binary,
    encode_json,
    parse_topic,
    sensor_topic,
    zone_topic,
)
from qorgau.monitoring.sensors import SensorConfig, SensorRegistry
from qorgau.monitoring.substances import default_catalogue

BIN = "990940000016"
OTHER_BIN = "050140001238"
NOW = 1_740_816_000.0
SO2 = default_catalogue()["so2"]


@pytest.fixture(scope="module")
def decoder() -> Decoder:
    cfgs = [SensorConfig.for_substance(f"r{i}.so2", BIN, "roasting", SO2) for i in range(3)]
    cfgs.append(SensorConfig.for_substance("e1.so2", BIN, "electrolysis", SO2))
    return Decoder(SensorRegistry(cfgs))


ROAST = zone_topic(BIN, "roasting")
R0 = sensor_topic(BIN, "roasting", "r0.so2")


def test_parse_topic():
    assert parse_topic(R0).sensor_id == "r0.so2"
    assert parse_topic(ROAST).sensor_id is None and parse_topic(ROAST).zone == "roasting"
    for bad in ("qorgau/v1/123456789012/roasting/readings", "qorgau/v2/" + BIN + "/z/readings",
                f"qorgau/v1/{BIN}/z/s/state", f"qorgau/v1/{BIN}/readings", f"qorgau/v1/{BIN}//s/readings"):
        with pytest.raises(PayloadError) as err:
            parse_topic(bad)
        assert err.value.reason == "bad_topic"


def test_single_and_batches_in_every_format(decoder):
    ts = NOW - np.array([30.0, 20.0, 10.0])
    v = np.array([0.1, 0.25, 2.5])
    cases = [
        (R0, b'{"ts": %r, "v": 0.1}' % (NOW - 30), [0], [0.1]),
        (R0, b'{"ts": "2025-03-01T07:59:30Z", "value": 0.1}', [0], [0.1]),
        (R0, encode_json(ts, v), [0, 0, 0], v),
        (R0, orjson.dumps([{"t": float(t), "v": float(x)} for t, x in zip(ts, v, strict=True)]), [0, 0, 0], v),
        (R0, encode_binary(ts, v, f64=True), [0, 0, 0], v),
        (ROAST, encode_json(ts, v, ["r0.so2", "r1.so2", "r2.so2"]), [0, 1, 2], v),
        (ROAST, orjson.dumps([{"sensor_id": "r2.so2", "ts": float(ts[0]), "v": 1}]), [2], [1.0]),
        (ROAST, encode_binary(ts, v, ["r2.so2", "r1.so2"], np.array([1, 0, 1]), f64=True), [1, 2, 1], v),
    ]
    for topic, payload, sid, values in cases:
        rows, letters = decoder.decode(topic, payload, NOW)
        assert letters == [], (payload, letters)
        assert rows.sid.tolist() == sid
        assert rows.value.tolist() == pytest.approx(list(values))
    rows, _ = decoder.decode(R0, encode_binary(ts, v), NOW)  # float32 values
    assert rows.value.tolist() == pytest.approx(v.tolist(), rel=1e-6)


@pytest.mark.parametrize(("topic", "payload", "reason"), [
    ("qorgau/v1/123/roasting/readings", b'{"ts": 1, "v": 1}', "bad_topic"),
    (R0, b"{not json", "malformed"),
    (R0, MAGIC + b"\x00" * 3, "malformed"),
    (R0, encode_binary(np.array([NOW]), np.array([1.0]))[:-2], "malformed"),
    (R0, b"5", "schema"),
    (R0, b'{"ts": [1, 2], "v": 3}', "schema"),
    (R0, b'{"ts": [1, 2], "v": [3]}', "schema"),
    (R0, b'{"v": 3}', "schema"),
    (ROAST, b'{"ts": 1740815990, "v": 3}', "schema"),
    (ROAST, b'[{"s": "r0.so2", "ts": 1740815990, "v": 3}, {"ts": 1740815990, "v": 3}]', "schema"),
    (ROAST, b'{"s": [["x"]], "ts": [1740815990], "v": [3]}', "schema"),
    (R0, b'{"s": ["r1.so2"], "ts": [1740815990], "v": [3]}', "sensor_mismatch"),
    (sensor_topic(BIN, "roasting", "ghost.so2"), b'{"ts": 1740815990, "v": 3}', "unknown_sensor"),
    (sensor_topic(BIN, "roasting", "e1.so2"), b'{"ts": 1740815990, "v": 3}', "wrong_zone"),
    (sensor_topic(OTHER_BIN, "roasting", "r0.so2"), b'{"ts": 1740815990, "v": 3}', "wrong_zone"),
    (R0, b'{"ts": 1740815990, "v": null}', "bad_value"),
    (R0, b'{"ts": 1740815990, "v": "high"}', "bad_value"),
    (R0, b'{"ts": 1740815990000, "v": 1}', "bad_timestamp"),
    (R0, b'{"ts": 12345, "v": 1}', "bad_timestamp"),
    (R0, b'{"ts": "yesterday", "v": 1}', "bad_timestamp"),
    (R0, b'{"ts": 1740817000, "v": 1}', "bad_timestamp"),
])
def test_dead_letters_carry_a_reason(decoder, topic, payload, reason):
    rows, letters = decoder.decode(topic, payload, NOW)
    assert len(rows) == 0
    assert [d.reason for d in letters] == [reason]
    assert letters[0].detail and letters[0].topic == topic and letters[0].received_at == NOW
    assert letters[0].payload


def test_ms_timestamp_gets_a_hint_and_oversize_is_refused(decoder):
    _, letters = decoder.decode(R0, b'{"ts": 1740815990000, "v": 1}', NOW)
    assert "milliseconds" in letters[0].detail
    small = Decoder(decoder.registry, max_bytes=10)
    _, letters = small.decode(R0, b'{"ts": 1740815990, "v": 1}', NOW)
    assert letters[0].reason == "too_large"


def test_partly_bad_batch_keeps_the_good_rows_and_letters_each_bad_row(decoder):
    payload = orjson.dumps({"s": ["r0.so2", "ghost", "r1.so2", "e1.so2", "r2.so2"],
                            "ts": [NOW - 5, NOW - 5, "bad", NOW - 5, NOW - 4], "v": [1, 2, 3, 4, None]})
    rows, letters = decoder.decode(ROAST, payload, NOW)
    assert rows.sid.tolist() == [0]
    assert [(d.row, d.reason) for d in letters] == [(1, "unknown_sensor"), (2, "bad_timestamp"),
                                                    (3, "wrong_zone"), (4, "bad_value")]
    assert orjson.loads(letters[0].payload) == {"s": "ghost", "ts": NOW - 5, "v": 2.0}


def test_binary_layout():
    payload = encode_binary(np.array([1.0, 2.0]), np.array([3.0, 4.0]), ["a", "bc"], np.array([1, 0]))
    magic, flags, _, n_sensors, n, table = HEADER.unpack_from(payload)
    assert (magic, flags, n_sensors, n, table) == (MAGIC, 1, 2, 2, 4)
    assert payload[16:20] == b"a\nbc"
    assert len(payload) == 16 + 4 + 2 * 8 + 2 * 4 + 2 * 2
    with pytest.raises(ValueError):
        encode_binary(np.array([1.0]), np.array([1.0]), ["a\nb"], np.array([0]))


@settings(max_examples=200, deadline=None)
@given(st.binary(max_size=200), st.sampled_from([R0, ROAST]))
def test_arbitrary_bytes_never_raise_and_are_accounted_for(decoder, payload, topic):
    rows, letters = decoder.decode(topic, payload, NOW)
    assert len(rows) > 0 or letters  # nothing vanishes
    for d in letters:
        assert d.reason and d.detail


@settings(max_examples=100, deadline=None)
@given(st.lists(st.tuples(st.integers(0, 2), st.floats(NOW - 1e6, NOW), st.floats(-1e6, 1e6)), min_size=1,
                max_size=50), st.booleans())
def test_round_trip(decoder, data, binary):
    ids = [f"r{s}.so2" for s, _, _ in data]
    ts = np.array([t for _, t, _ in data])
    v = np.array([x for _, _, x in data])
    if binary:
        table = sorted(set(ids))
        payload = encode_binary(ts, v, table, np.array([table.index(i) for i in ids]), f64=True)
    else:
        payload = encode_json(ts, v, ids)
    rows, letters = decoder.decode(ROAST, payload, NOW)
    assert letters == []
    assert rows.sid.tolist() == [s for s, _, _ in data]
    assert rows.ts.tolist() == ts.tolist() and rows.value.tolist() == v.tolist()
