"""SenML (RFC 8428) JSON packs -> readings of mapped sensors.

A pack is a JSON array of records. Base fields (bn, bt, bu, bv) apply to the records after them until
changed; a record's name is bn + n, its time bt + t (times below 2**28 are relative to now, RFC 8428
section 4.5.3), its value bv + v (or vb/vs for booleans and strings), its unit u, else bu. A record's
own unit is authoritative and converted to the sensor's; without one, the point's configured unit is
used; a unit neither states is never assumed (the point could not have been saved without one).
"""

from __future__ import annotations

import math
from dataclasses import replace

import orjson

from qorgau.connectors.mapping import Batch, PointSpec, apply
from qorgau.monitoring.service import UnitError, canonical_unit

RELATIVE_BELOW = 2 ** 28
MAX_RECORDS = 10_000


class SenmlError(ValueError):
    pass


def records(payload: bytes, now: float) -> list[dict]:
    """Resolved records (name, time, value or vb/vs, unit) of a SenML JSON pack; SenmlError names the record."""
    try:
        pack = orjson.loads(payload)
    except orjson.JSONDecodeError as error:
        raise SenmlError(f"not JSON: {error}") from error
    if isinstance(pack, dict):
        pack = [pack]
    if not isinstance(pack, list) or not pack:
        raise SenmlError("a SenML pack is a non-empty JSON array of records")
    if len(pack) > MAX_RECORDS:
        raise SenmlError(f"more than {MAX_RECORDS} records")
    base = {"bn": "", "bt": 0.0, "bu": "", "bv": 0.0}
    out = []
    for row, rec in enumerate(pack, 1):
        if not isinstance(rec, dict):
            raise SenmlError(f"record {row}: not an object")
        for key in ("bn", "bu"):
            if key in rec:
                if not isinstance(rec[key], str):
                    raise SenmlError(f"record {row}: {key} must be a string")
                base[key] = rec[key]
        for key in ("bt", "bv"):
            if key in rec:
                if not isinstance(rec[key], int | float) or isinstance(rec[key], bool):
                    raise SenmlError(f"record {row}: {key} must be a number")
                base[key] = float(rec[key])
        name = base["bn"] + str(rec.get("n", ""))
        if not name:
            raise SenmlError(f"record {row}: no name (n or bn)")
        t = rec.get("t", 0.0)
        if not isinstance(t, int | float) or isinstance(t, bool):
            raise SenmlError(f"record {row}: t must be a number")
        ts = base["bt"] + float(t)
        if ts < RELATIVE_BELOW:
            ts = now + ts
        item = {"row": row, "name": name, "ts": ts, "unit": rec.get("u", base["bu"]) or ""}
        if "v" in rec:
            v = rec["v"]
            if not isinstance(v, int | float) or isinstance(v, bool) or not math.isfinite(v):
                raise SenmlError(f"record {row}: v must be a finite number")
            item["value"] = base["bv"] + float(v)
        elif "vb" in rec:
            item["value"] = bool(rec["vb"])
        elif "vs" in rec:
            item["value"] = rec["vs"]
        elif "s" in rec or base["bv"]:
            item["value"] = base["bv"]
        else:
            continue  # a record that only sets base fields
        out.append(item)
    return out


class SenmlTopic:
    """Decodes packs on one connector's topic (or HTTP posts) into batches of its mapped points."""

    def __init__(self, points: list[PointSpec]):
        self.points = {p.source: p for p in points}

    def message(self, topic: str, payload: bytes, now: float) -> Batch:
        batch = Batch()
        try:
            recs = records(payload, now)
        except SenmlError as error:
            batch.rejected.append((topic, str(error)))
            return batch
        for rec in recs:
            point = self.points.get(rec["name"])
            if point is None:
                continue  # a name this connector does not map (a gateway sends more than we need)
            if point.kind == "value" and rec["unit"]:
                try:
                    unit = canonical_unit(rec["unit"])
                except UnitError as error:
                    batch.rejected.append((rec["name"], f"record {rec['row']}: {error}"))
                    continue
                if unit != point.unit:
                    point = replace(point, unit=unit)
                    try:
                        point.check()
                    except ValueError as error:
                        batch.rejected.append((rec["name"], f"record {rec['row']}: {error}"))
                        continue
            if point.kind == "value" and isinstance(rec["value"], bool | str):
                batch.rejected.append((rec["name"], f"record {rec['row']}: a value point needs a number (v)"))
                continue
            apply(point, rec["value"], rec["ts"], batch)
        return batch
