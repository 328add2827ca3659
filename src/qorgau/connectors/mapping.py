"""Points as the connectors use them (plain data, no database): raw value -> reading in the sensor's unit,
Modbus registers -> numbers, and a gas detector's status flags.

The same `PointSpec` list drives the platform's connectors and the edge agent (which gets it as JSON).
A unit is never guessed: a value point names the unit its source reports in; it is converted to the
sensor's unit with monitoring's unit rules, and a point whose unit cannot be converted is refused when
it is saved (and again when a configuration is loaded).
"""

from __future__ import annotations

import math
import struct
from dataclasses import asdict, dataclass, field

from qorgau.core.i18n_markers import N_
from qorgau.monitoring.service import UnitError, canonical_unit, convert_unit

DATA_TYPES = {"int16": ("h", 1), "uint16": ("H", 1), "int32": ("i", 2), "uint32": ("I", 2),
              "float32": ("f", 2), "int64": ("q", 4), "uint64": ("Q", 4), "float64": ("d", 4)}
ORDERS = ("big", "little")
FLAGS = ("a1", "a2", "fault", "calibration_due", "bump_failed")
KINDS = ("value", "status")


class MappingError(ValueError):
    """A point or option that cannot be used as configured: an English message id (translated where it is
    shown), the field it concerns and the message's parameters."""

    def __init__(self, message: str, field: str, **params):
        super().__init__(message % params if params else message)
        self.message, self.field, self.params = message, field, params


@dataclass
class PointSpec:
    source: str
    sensor: str  # the monitoring sensor's code
    kind: str = "value"
    unit: str = ""
    scale: float = 1.0
    offset: float = 0.0
    data_type: str = ""
    byte_order: str = "big"
    word_order: str = "big"
    flag: str = ""
    bit: int | None = None
    sensor_unit: str = ""  # filled from the registry sensor
    molar_mass: float | None = None

    def check(self) -> None:
        """Refuse what cannot be read right (field-named MappingError)."""
        if not self.source.strip():
            raise MappingError(N_("The source (tag, register, metric) is empty."), "source")
        if self.kind not in KINDS:
            raise MappingError(N_("The kind is value or status."), "kind")
        if not (math.isfinite(self.scale) and math.isfinite(self.offset)) or self.scale == 0:
            raise MappingError(N_("The scale must be a non-zero number and the offset a number."), "scale")
        if self.data_type and self.data_type not in DATA_TYPES:
            raise MappingError(N_("The data type is one of: %(types)s."), "data_type", types=", ".join(DATA_TYPES))
        if self.byte_order not in ORDERS or self.word_order not in ORDERS:
            raise MappingError(N_("Byte and word order are big or little."), "byte_order")
        if self.kind == "status":
            if self.flag not in FLAGS:
                raise MappingError(N_("A status point names its flag: %(flags)s."), "flag", flags=", ".join(FLAGS))
            if self.bit is not None and not 0 <= self.bit < 64:
                raise MappingError(N_("The bit is 0 to 63."), "bit")
            return
        if not self.unit.strip():
            raise MappingError(N_("A value point must name the unit its source reports in."), "unit")
        try:
            self.unit = canonical_unit(self.unit)
            if self.sensor_unit:
                convert_unit(1.0, self.unit, self.sensor_unit, self.molar_mass)
        except UnitError as error:
            raise MappingError(N_("The unit %(unit)s cannot be read as the sensor's unit %(sensor_unit)s."), "unit",
                               unit=self.unit, sensor_unit=self.sensor_unit or "-") from error

    def reading(self, raw: float) -> float:
        """The raw value as a reading in the sensor's unit (scale and offset first, then the unit)."""
        value = float(raw) * self.scale + self.offset
        if self.sensor_unit and self.unit != self.sensor_unit:
            value = convert_unit(value, self.unit, self.sensor_unit, self.molar_mass)
        return value

    def flag_set(self, raw: float | bool | int) -> bool:
        if self.bit is not None:
            return bool((int(raw) >> self.bit) & 1)
        return bool(raw)

    @property
    def registers(self) -> int:
        return DATA_TYPES[self.data_type or "uint16"][1]

    def address(self) -> tuple[str, int]:
        """Modbus: ("hr"|"ir"|"co"|"di", address) from "hr:100", "ir:3" or "40101"-style numbers."""
        text = self.source.strip().lower()
        if ":" in text:
            table, _, number = text.partition(":")
        elif text.isdigit() and len(text) == 5 and text[0] in "34":
            table, number = ("hr" if text[0] == "4" else "ir"), str(int(text[1:]) - 1)
        else:
            table, number = "hr", text
        if table not in ("hr", "ir", "co", "di") or not number.isdigit() or int(number) > 65535:
            raise MappingError(N_("A Modbus source is hr:N, ir:N, co:N or di:N (N from 0 to 65535)."), "source")
        return table, int(number)

    def as_dict(self) -> dict:
        return asdict(self)


def decode_registers(registers: list[int], data_type: str, byte_order: str = "big", word_order: str = "big") -> float:
    """16-bit registers -> number. Word order: which register holds the high word; byte order: within each."""
    code, count = DATA_TYPES[data_type or "uint16"]
    if len(registers) != count:
        raise ValueError(f"{data_type} needs {count} registers, got {len(registers)}")
    words = list(registers) if word_order == "big" else list(reversed(registers))
    raw = b"".join(int(w & 0xFFFF).to_bytes(2, "big" if byte_order == "big" else "little") for w in words)
    return float(struct.unpack(">" + code, raw)[0])


def encode_registers(value: float, data_type: str, byte_order: str = "big", word_order: str = "big") -> list[int]:
    """The inverse of decode_registers (tests, the simulator, the benchmark)."""
    code, count = DATA_TYPES[data_type or "uint16"]
    raw = struct.pack(">" + code, int(value) if code not in "fd" else value)
    words = [int.from_bytes(raw[i:i + 2], "big" if byte_order == "big" else "little") for i in range(0, len(raw), 2)]
    return words if word_order == "big" else list(reversed(words))


@dataclass
class Reading:
    sensor: str
    ts: float
    value: float


@dataclass
class StatusChange:
    sensor: str
    ts: float
    flag: str
    active: bool


@dataclass
class LinkChange:
    sensor: str
    ts: float
    online: bool
    reason: str = ""


@dataclass
class Batch:
    """What a connector read in one go."""

    readings: list[Reading] = field(default_factory=list)
    statuses: list[StatusChange] = field(default_factory=list)
    links: list[LinkChange] = field(default_factory=list)
    rejected: list[tuple[str, str]] = field(default_factory=list)  # (source, why): kept as dead letters

    def __len__(self) -> int:
        return len(self.readings) + len(self.statuses) + len(self.links)

    def extend(self, other: Batch) -> None:
        self.readings += other.readings
        self.statuses += other.statuses
        self.links += other.links
        self.rejected += other.rejected


def apply(point: PointSpec, raw, ts: float, batch: Batch) -> None:
    """One raw value of a point into the batch: a reading, or a status flag's state."""
    if point.kind == "status":
        batch.statuses.append(StatusChange(point.sensor, ts, point.flag, point.flag_set(raw)))
        return
    try:
        value = point.reading(float(raw))
    except (TypeError, ValueError) as error:
        batch.rejected.append((point.source, f"not a number: {raw!r} ({error})"))
        return
    if not math.isfinite(value):
        batch.rejected.append((point.source, f"not a finite number: {raw!r}"))
        return
    batch.readings.append(Reading(point.sensor, ts, value))
