"""Sensors and their rule parameters, compiled into numpy arrays indexed by a dense sensor index."""

from __future__ import annotations

import csv
import math
import zlib
from collections.abc import Iterable
from dataclasses import asdict, dataclass, fields, replace
from pathlib import Path

import numpy as np

from qorgau.core.imports.cells import parse_number, parse_yes_no
from qorgau.monitoring.substances import DEFAULT_PRIORITY, Catalogue, Substance, default_catalogue

NAN = float("nan")


class SensorConfigError(ValueError):
    """A bad sensor definition; names the sensor (and the row of a sensors file)."""


@dataclass(frozen=True)
class SensorConfig:
    """One sensor in one zone: what it measures and the rule parameters applied to it.

    Levels are in the sensor's unit; NaN disables a rule. `direction` 'falling' (oxygen) alarms when
    the value drops *below* A1/A2. `hysteresis` is the band an alarm must fall back through to clear.
    """

    sensor_id: str
    enterprise_bin: str
    zone: str
    quantity: str
    unit: str
    a1: float = NAN
    a2: float = NAN
    direction: str = "rising"
    hysteresis: float = NAN
    range_lo: float = -math.inf
    range_hi: float = math.inf
    roc_limit: float = NAN
    stel_limit: float = NAN
    twa_limit: float = NAN
    averaging: str = "arithmetic"
    max_gap_s: float = 300.0
    silent_after_s: float = 300.0
    stuck_readings: int = 60
    stuck_seconds: float = 1800.0
    stuck_eps: float = 0.0
    stuck_skip_zero: bool = True
    latching: bool = False

    def __post_init__(self) -> None:
        sid = self.sensor_id
        if not sid or any(c in "/+#" or c.isspace() for c in sid) or len(sid.encode()) > 200:
            raise SensorConfigError(f"sensor {sid!r}: id must be 1-200 bytes without '/', '+', '#' or spaces")
        if self.direction not in ("rising", "falling"):
            raise SensorConfigError(f"sensor {self.sensor_id!r}: direction must be 'rising' or 'falling'")
        if self.averaging not in ("arithmetic", "energy_db"):
            raise SensorConfigError(f"sensor {self.sensor_id!r}: averaging must be 'arithmetic' or 'energy_db'")
        if not (self.max_gap_s > 0 and self.silent_after_s > 0):
            raise SensorConfigError(f"sensor {self.sensor_id!r}: max_gap_s and silent_after_s must be positive")
        if self.range_lo >= self.range_hi:
            raise SensorConfigError(f"sensor {self.sensor_id!r}: range_lo must be below range_hi")

    @classmethod
    def for_substance(cls, sensor_id: str, enterprise_bin: str, zone: str, substance: Substance,
                      policy: str | tuple[str, ...] = DEFAULT_PRIORITY, **overrides: object) -> SensorConfig:
        """Defaults from the catalogue: A1/A2, STEL/TWA limits, range, 10 % (falling: 2 %) hysteresis."""
        levels = substance.alarm_levels(policy)
        a1, a2 = (levels.a1, levels.a2) if levels else (NAN, NAN)
        short, twa = substance.short_term_limit(policy), substance.limit("twa_8h", policy)
        hyst = abs(a1) * (0.02 if substance.direction == "falling" else 0.1) if levels else NAN
        values: dict[str, object] = dict(
            sensor_id=sensor_id, enterprise_bin=enterprise_bin, zone=zone, quantity=substance.code,
            unit=substance.unit, a1=a1, a2=a2, direction=substance.direction, hysteresis=hyst,
            range_lo=substance.range_lo, range_hi=substance.range_hi,
            roc_limit=abs(a2) if levels and substance.direction == "rising" else NAN,
            stel_limit=short.value if short else NAN, twa_limit=twa.value if twa else NAN,
            averaging=substance.averaging)
        values.update(overrides)
        return cls(**values)  # type: ignore[arg-type]


class SensorRegistry:
    """Known sensors: id -> dense index, plus each rule parameter as a numpy array by index."""

    def __init__(self, configs: Iterable[SensorConfig] = ()):
        self.configs: list[SensorConfig] = []
        self._index: dict[str, int] = {}
        self.version = 0
        for cfg in configs:
            self._put(cfg)
        self._compile()

    def __len__(self) -> int:
        return len(self.configs)

    def __contains__(self, sensor_id: object) -> bool:
        return sensor_id in self._index

    def index(self, sensor_id: str) -> int | None:
        return self._index.get(sensor_id)

    def indices(self, sensor_ids: list, distinct: Iterable[str] | None = None) -> np.ndarray:
        """Indices for ids, -1 where unknown (a lookup table over the distinct ids keeps it in C)."""
        get = self._index.get
        lut = {s: get(s, -1) for s in (dict.fromkeys(sensor_ids) if distinct is None else distinct)}
        return np.fromiter(map(lut.__getitem__, sensor_ids), dtype=np.int64, count=len(sensor_ids))

    def add(self, cfg: SensorConfig) -> int:
        """Register or update a sensor; returns its index (stable for the registry's life)."""
        idx = self._put(cfg)
        self._compile()
        return idx

    def add_many(self, cfgs: Iterable[SensorConfig]) -> None:
        for cfg in cfgs:
            self._put(cfg)
        self._compile()

    def _put(self, cfg: SensorConfig) -> int:
        idx = self._index.get(cfg.sensor_id)
        if idx is None:
            idx = len(self.configs)
            self._index[cfg.sensor_id] = idx
            self.configs.append(cfg)
        else:
            self.configs[idx] = cfg
        return idx

    def _compile(self) -> None:
        cs = self.configs
        self.version += 1
        self.ids = np.array([c.sensor_id for c in cs], dtype=object)
        sign = np.array([1.0 if c.direction == "rising" else -1.0 for c in cs])
        arr = {f.name: np.array([getattr(c, f.name) for c in cs], dtype=float)
               for f in fields(SensorConfig) if f.type in ("float", "int", "bool")}
        hyst = np.nan_to_num(arr["hysteresis"], nan=0.0)
        self.sign = sign
        # Thresholds in "x = sign * value" space, so one comparison serves rising and falling.
        self.set1, self.set2 = sign * arr["a1"], sign * arr["a2"]
        self.clear1, self.clear2 = self.set1 - hyst, self.set2 - hyst
        self.range_lo, self.range_hi = arr["range_lo"], arr["range_hi"]
        self.roc = arr["roc_limit"]
        self.energy = np.array([c.averaging == "energy_db" for c in cs], dtype=bool)
        self.stel_x = np.where(self.energy, 10 ** (arr["stel_limit"] / 10), arr["stel_limit"])
        self.twa_x = np.where(self.energy, 10 ** (arr["twa_limit"] / 10), arr["twa_limit"])
        self.max_gap, self.silent_after = arr["max_gap_s"], arr["silent_after_s"]
        self.stuck_n, self.stuck_s, self.stuck_eps = arr["stuck_readings"], arr["stuck_seconds"], arr["stuck_eps"]
        self.stuck_skip_zero = arr["stuck_skip_zero"].astype(bool)
        self.latching = arr["latching"].astype(bool)
        zones: dict[tuple[str, str], int] = {}
        self.zone_key = np.array([zones.setdefault((c.enterprise_bin, c.zone), len(zones)) for c in cs],
                                 dtype=np.int64)
        self._zones = zones
        self._owners: dict[int, np.ndarray] = {}

    def zone_of(self, enterprise_bin: str, zone: str) -> int:
        """The zone key used in `zone_key`, or -1 when no sensor is registered there."""
        return self._zones.get((enterprise_bin, zone), -1)

    def owners(self, workers: int) -> np.ndarray:
        """Which of `workers` ingest workers owns each sensor's rule state: crc32(sensor_id) mod workers."""
        if workers not in self._owners:
            self._owners[workers] = np.array([zlib.crc32(c.sensor_id.encode()) % workers for c in self.configs],
                                             dtype=np.int64)
        return self._owners[workers]

    def with_config(self, sensor_id: str, **changes: object) -> SensorConfig:
        """A copy of one sensor's config with some fields changed (for `add`)."""
        return replace(self.configs[self._index[sensor_id]], **changes)  # type: ignore[arg-type]


CSV_FIELDS = [f.name for f in fields(SensorConfig)]


def read_sensors_csv(path: Path | str, catalogue: Catalogue | None = None) -> list[SensorConfig]:
    """Sensors from CSV: sensor_id, enterprise_bin, zone, quantity are required; blank cells take
    the catalogue defaults for the quantity."""
    from qorgau.core.imports import read_table

    catalogue = catalogue or default_catalogue()
    out = []
    table = read_table(Path(path).read_bytes(), Path(path).name)  # the one reader; FileProblems if unreadable
    for row_no, row in table.numbered():
        try:
            out.append(_sensor_from_row(row, catalogue))
        except (SensorConfigError, ValueError, KeyError) as error:
            raise SensorConfigError(f"{Path(path).name}, row {row_no}: {error}")
    return out


def _sensor_from_row(row: dict[str, str], catalogue: Catalogue) -> SensorConfig:
    for need in ("sensor_id", "enterprise_bin", "zone", "quantity"):
        if not (row.get(need) or "").strip():
            raise SensorConfigError(f"column {need!r} is empty")
    quantity = row["quantity"].strip().lower()
    if quantity not in catalogue:
        raise SensorConfigError(f"column 'quantity': unknown substance {quantity!r}")
    overrides: dict[str, object] = {}
    types = {f.name: f.type for f in fields(SensorConfig)}
    for name, text in row.items():
        if name in ("sensor_id", "enterprise_bin", "zone", "quantity") or name not in types:
            continue
        text = (text or "").strip()
        if not text:
            continue
        kind = types[name]
        try:
            if kind == "bool":
                overrides[name] = parse_yes_no(text)  # the core yes/no words; anything else is refused
            elif kind == "int":  # numbers by the core's parser, as in every file
                overrides[name] = parse_number(text, integer=True, minimum=None)
            elif kind == "float":  # 'nan' is how write_sensors_csv writes "no limit"
                overrides[name] = NAN if text.lower() == "nan" else float(parse_number(text, minimum=None))
            else:
                overrides[name] = text
        except ValueError as error:
            raise SensorConfigError(f"column {name!r}: {text!r} is not accepted: {error}")
    return SensorConfig.for_substance(row["sensor_id"].strip(), row["enterprise_bin"].strip(),
                                      row["zone"].strip(), catalogue[quantity], **overrides)  # type: ignore[arg-type]


def write_sensors_csv(path: Path | str, configs: Iterable[SensorConfig]) -> None:
    """Write sensors with every parameter spelled out (the inverse of read_sensors_csv)."""
    with open(path, "w", encoding="utf-8", newline="") as fh:
        writer = csv.DictWriter(fh, fieldnames=CSV_FIELDS)
        writer.writeheader()
        for cfg in configs:
            writer.writerow(asdict(cfg))
