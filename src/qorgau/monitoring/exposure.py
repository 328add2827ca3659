"""Exposure from irregularly spaced readings: TWA-8h, rolling STEL (15-min TWA) and ceiling.

Method (docs/monitoring/exposure.md has the worked examples):

* Weighting. A reading stands for the interval up to the next reading. ``step`` (default) holds
  each value until the next sample (zero-order hold, what a logger that reports the current value
  implies); ``trapezoid`` interpolates linearly between consecutive samples.
* Gaps. An interval longer than ``max_gap_s`` is *unmeasured*: nothing is interpolated across it.
  The last sample of a series stands for no time.
* Unmeasured time. ``zero`` (default) counts it as zero exposure, so an average always divides by
  the full period (8 h, 15 min), as the OSHA/EN 689 formula sum(C_i*T_i)/8h does. ``measured``
  divides by the measured time inside the window instead (the average while the sensor was working).
* Windows. A window of length T ends at every moment e of the series. With ``zero`` the ends run
  from the first to the last sample (an instrument switched on at the first sample starts with zero
  history); with ``measured`` only complete windows count, e in [t0 + T, t_last], or the single
  window ending at t_last when the series is shorter than T. ``twa_8h`` and ``stel_max`` are the
  largest window averages; ``minutes_over_stel`` is the time during which the 15-min average was
  above the STEL. For step weighting the window integral is piecewise linear between the
  breakpoints {t_i, t_i + T}, so evaluating there is exact; for trapezoids the breakpoints plus each
  piece's turning point are evaluated.
* Noise (``energy_db``): levels are averaged as energy, 10*log10(mean(10^(L/10))), i.e. LEX,8h.
* Real loggers (``summarize``). The sampling interval of each sensor is inferred (the median step) and
  reported; with ``max_gap_s=None`` a step longer than 1.5 intervals is a gap. A missing reading (blank,
  a declared marker such as -200, "n/a", ":", "x", "–", or a negative concentration) ends the previous
  reading's interval and is unmeasured itself: it is never a zero. Every window's measured share is
  reported, and a TWA or STEL whose best window rests on less than ``min_measured`` of measured time is
  ``null`` with a warning, never 0.
* Units. Readings carry a unit (a ``unit`` column or the caller's option); the limit is converted to it
  (ppm, ppb, mg/m3, ug/m3 with the molar volume 24.45 L/mol at 25 degC and 101.325 kPa; %LEL, degC WBGT
  and dB(A) only to themselves). A unit is never inferred from a sensor's name: without one no limit applies.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import numpy as np

from qorgau.core.imports.cells import CellError, is_missing, parse_number
from qorgau.monitoring.substances import Catalogue, Substance

EIGHT_HOURS = 8 * 3600.0
FIFTEEN_MINUTES = 15 * 60.0
METHODS = ("step", "trapezoid")
UNMEASURED = ("zero", "measured")
AVERAGING = ("arithmetic", "energy_db")


class ReadingsError(ValueError):
    """Bad readings input; names the row (1-based, header = row 1) and the column."""

    def __init__(self, row: int, column: str, message: str):
        super().__init__(f"row {row}, column {column!r}: {message}")
        self.row, self.column = row, column


@dataclass(frozen=True)
class ExposureOptions:
    """How samples are weighted and how gaps and unmeasured time count."""

    method: str = "step"
    max_gap_s: float | None = 300.0  # None: 1.5 x the sensor's inferred sampling interval
    unmeasured: str = "zero"
    averaging: str = "arithmetic"
    min_measured: float = 0.0  # share of a window that must be measured for its average to count

    def __post_init__(self) -> None:
        if self.method not in METHODS:
            raise ValueError(f"method must be one of {METHODS}, not {self.method!r}")
        if self.unmeasured not in UNMEASURED:
            raise ValueError(f"unmeasured must be one of {UNMEASURED}, not {self.unmeasured!r}")
        if self.averaging not in AVERAGING:
            raise ValueError(f"averaging must be one of {AVERAGING}, not {self.averaging!r}")
        if self.max_gap_s is not None and not self.max_gap_s > 0:
            raise ValueError("max_gap_s must be positive")
        if not 0.0 <= self.min_measured <= 1.0:
            raise ValueError("min_measured must be a share between 0 and 1")


class Series:
    """One sensor's readings with cumulative exposure C(t) and measured time M(t), both piecewise."""

    def __init__(self, ts: np.ndarray, values: np.ndarray, options: ExposureOptions = ExposureOptions(),
                 missing: np.ndarray | None = None):
        ts = np.asarray(ts, dtype=np.float64)
        values = np.asarray(values, dtype=np.float64)
        if ts.ndim != 1 or ts.shape != values.shape or ts.size == 0:
            raise ValueError("ts and values must be equal-length, non-empty 1-D arrays")
        absent = np.zeros(ts.shape, dtype=bool) if missing is None else np.asarray(missing, dtype=bool)
        if not (np.all(np.isfinite(ts)) and np.all(np.isfinite(values[~absent]))):
            raise ValueError("ts and values must be finite")
        if np.any(np.diff(ts) <= 0):
            raise ValueError("ts must be strictly increasing")
        self.options = options
        self.missing = absent
        values = np.where(absent, 0.0, values)
        self.ts, self.raw = ts, values
        self.x = np.where(absent, 0.0, np.power(10.0, values / 10.0)) if options.averaging == "energy_db" else values
        dt = np.diff(ts)
        self.dt = dt
        self.interval_s = sampling_interval(ts)
        self.max_gap_s = options.max_gap_s if options.max_gap_s is not None else 1.5 * (self.interval_s or 0.0)
        self.measured = (dt <= self.max_gap_s) & ~absent[:-1]
        if options.method == "trapezoid":
            self.measured &= ~absent[1:]
        x = self.x
        if options.method == "step":
            piece = x[:-1] * dt
        else:
            piece = 0.5 * (x[:-1] + x[1:]) * dt
        piece = np.where(self.measured, piece, 0.0)
        self.C = np.concatenate(([0.0], np.cumsum(piece)))
        self.M = np.concatenate(([0.0], np.cumsum(np.where(self.measured, dt, 0.0))))

    def cumulative(self, t: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """C(t) and M(t) at arbitrary times (constant before the first and after the last sample)."""
        t = np.asarray(t, dtype=np.float64)
        n = self.ts.size
        j = np.clip(np.searchsorted(self.ts, t, side="right") - 1, 0, n - 1)
        tau = np.clip(t - self.ts[j], 0.0, None)
        inside = (j < n - 1) & (t >= self.ts[0])
        jj = np.minimum(j, n - 2) if n > 1 else j
        live = inside & (self.measured[jj] if n > 1 else False)
        tau = np.where(live, tau, 0.0)
        c = self.C[j] + self.x[j] * tau
        if self.options.method == "trapezoid" and n > 1:
            slope = (self.x[jj + 1] - self.x[jj]) / self.dt[jj]
            c = c + np.where(live, 0.5 * slope * tau * tau, 0.0)
        c = np.where(t < self.ts[0], 0.0, c)
        m = np.where(t < self.ts[0], 0.0, self.M[j] + tau)
        return c, m

    def rate(self, t: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Exposure rate c(t) and its slope (0 outside measured intervals); used for turning points."""
        n = self.ts.size
        t = np.asarray(t, dtype=np.float64)
        if n < 2:
            return np.zeros_like(t), np.zeros_like(t)
        j = np.clip(np.searchsorted(self.ts, t, side="right") - 1, 0, n - 2)
        live = (t >= self.ts[0]) & (t < self.ts[-1]) & self.measured[j]
        slope = (self.x[j + 1] - self.x[j]) / self.dt[j] if self.options.method == "trapezoid" else 0.0 * t
        value = self.x[j] + slope * (t - self.ts[j])
        return np.where(live, value, 0.0), np.where(live, slope, 0.0)

    def window_ends(self, period: float) -> np.ndarray:
        """The candidate window ends: breakpoints inside the domain (see module docstring)."""
        t0, t1 = self.ts[0], self.ts[-1]
        lo = t0 if self.options.unmeasured == "zero" else min(t0 + period, t1)
        cand = np.concatenate((self.ts, self.ts + period, [lo, t1]))
        cand = np.unique(cand[(cand >= lo) & (cand <= t1)])
        if self.options.method == "trapezoid" and cand.size > 1:
            cand = np.unique(np.concatenate((cand, self._turning_points(cand, period))))
        return cand

    def _turning_points(self, cand: np.ndarray, period: float) -> np.ndarray:
        # W'(e) = c(e) - c(e - T) is linear between breakpoints; its root is where W peaks.
        mid = 0.5 * (cand[:-1] + cand[1:])
        c1, s1 = self.rate(mid)
        c2, s2 = self.rate(mid - period)
        ds = s1 - s2
        with np.errstate(divide="ignore", invalid="ignore"):
            root = mid - (c1 - c2) / ds
        ok = (ds != 0) & np.isfinite(root) & (root > cand[:-1]) & (root < cand[1:])
        return root[ok]

    def window_averages(self, ends: np.ndarray, period: float) -> np.ndarray:
        """Average exposure (in x units) over windows (e - period, e]; NaN where nothing was measured, or where
        less than `min_measured` of the window was."""
        c1, m1 = self.cumulative(ends)
        c0, m0 = self.cumulative(ends - period)
        w, mw = c1 - c0, m1 - m0
        if self.options.unmeasured == "zero":
            average = w / period
        else:
            with np.errstate(divide="ignore", invalid="ignore"):
                average = np.where(mw > 0, w / mw, np.nan)
        if self.options.min_measured > 0:
            average = np.where(mw / period >= self.options.min_measured - 1e-12, average, np.nan)
        return average

    def measured_shares(self, ends: np.ndarray, period: float) -> np.ndarray:
        """The share of each window (e - period, e] that was measured."""
        return (self.cumulative(ends)[1] - self.cumulative(ends - period)[1]) / period

    def to_level(self, x: float) -> float | None:
        """Convert an average back to the reading's scale (dB for energy averaging)."""
        if not math.isfinite(x):
            return None
        if self.options.averaging == "energy_db":
            return 10.0 * math.log10(x) if x > 0 else None
        return float(x)

    def to_x(self, level: float) -> float:
        return 10.0 ** (level / 10.0) if self.options.averaging == "energy_db" else level


def sampling_interval(ts: np.ndarray) -> float | None:
    """A sensor's sampling interval: the median step between its readings (None for a single reading)."""
    steps = np.diff(np.asarray(ts, dtype=np.float64))
    return float(np.median(steps)) if steps.size else None


@dataclass(frozen=True)
class WindowStats:
    """The largest window average, when its window ended, the time spent above a limit, and how much of the
    best window was measured (None when no window qualified)."""

    max_value: float | None
    max_at: float | None
    seconds_over: float | None
    measured_share: float | None = None
    best_share: float | None = None  # the best measured share of any window, to explain a None


def rolling(series: Series, period: float, limit: float | None = None) -> WindowStats:
    """Max of the rolling `period` average, its end time, and the time above `limit` (if given)."""
    ends = series.window_ends(period)
    avg = series.window_averages(ends, period)
    shares = series.measured_shares(ends, period)
    best = float(np.max(shares)) if shares.size else 0.0
    if not np.any(np.isfinite(avg)):
        return WindowStats(None, None, 0.0 if limit is not None else None, None, best)
    k = int(np.nanargmax(avg))
    over = None
    if limit is not None:
        over = time_above(ends, avg, series.to_x(limit))
    level = series.to_level(float(avg[k]))
    return WindowStats(level, None if level is None else float(ends[k]), over, float(shares[k]), best)


def time_above(t: np.ndarray, y: np.ndarray, limit: float) -> float:
    """Length of time where the piecewise-linear y(t) is strictly above `limit` (NaN counts as not)."""
    if t.size < 2:
        return 0.0
    a, b = y[:-1] - limit, y[1:] - limit
    length = np.diff(t)
    a_ok, b_ok = np.nan_to_num(a, nan=-1.0), np.nan_to_num(b, nan=-1.0)
    both = (a_ok > 0) & (b_ok > 0)
    with np.errstate(divide="ignore", invalid="ignore"):
        frac_up = np.where((a_ok <= 0) & (b_ok > 0), b_ok / (b_ok - a_ok), 0.0)
        frac_down = np.where((a_ok > 0) & (b_ok <= 0), a_ok / (a_ok - b_ok), 0.0)
    frac = np.where(both, 1.0, frac_up + frac_down)
    return float(np.sum(length * frac))


def twa(ts: np.ndarray, values: np.ndarray, period: float = EIGHT_HOURS,
        options: ExposureOptions = ExposureOptions()) -> float | None:
    """The largest `period` time-weighted average (TWA-8h by default)."""
    return rolling(Series(ts, values, options), period).max_value


def stel(ts: np.ndarray, values: np.ndarray, limit: float | None = None,
         options: ExposureOptions = ExposureOptions()) -> WindowStats:
    """Rolling 15-min TWA: its maximum, when, and seconds above `limit`."""
    return rolling(Series(ts, values, options), FIFTEEN_MINUTES, limit)


def summarize(sensor_id: str, ts: np.ndarray, values: np.ndarray, stel_limit: float | None = None,
              options: ExposureOptions = ExposureOptions(), missing: np.ndarray | None = None) -> dict:
    """The CLI's per-sensor record: twa_8h, stel_max, stel_max_at, ceiling_max, minutes_over_stel, with the
    sampling interval, the gap used, the measured share overall and of each reported window, and warnings."""
    series = Series(ts, values, options, missing)
    eight = rolling(series, EIGHT_HOURS)
    short = rolling(series, FIFTEEN_MINUTES, stel_limit)
    present = ~series.missing
    span = float(series.ts[-1] - series.ts[0])
    warnings = []
    for name, stats in (("twa_8h", eight), ("stel_max", short)):
        if stats.max_value is None:
            warnings.append(f"{name} is null: no window had at least {options.min_measured:.0%} of its time measured "
                            f"(best {stats.best_share or 0:.1%})")
    return {
        "sensor_id": sensor_id,
        "twa_8h": _round(eight.max_value),
        "twa_8h_measured_share": _round(eight.measured_share),
        "stel_max": _round(short.max_value),
        "stel_max_at": iso(short.max_at) if short.max_at is not None else None,
        "stel_measured_share": _round(short.measured_share),
        "ceiling_max": _round(float(np.max(series.raw[present]))) if present.any() else None,
        "minutes_over_stel": None if short.seconds_over is None else round(short.seconds_over / 60.0, 3),
        "interval_s": _round(series.interval_s),
        "max_gap_s": _round(series.max_gap_s),
        "readings": int(series.ts.size),
        "missing_readings": int(series.missing.sum()),
        "measured_share": _round(float(series.M[-1]) / span) if span > 0 else None,
        "min_measured": options.min_measured,
        "warnings": warnings,
    }


def _round(x: float | None) -> float | None:
    return None if x is None else float(f"{x:.6g}")


def iso(ts: float) -> str:
    """Epoch seconds as ISO-8601 UTC with a Z, to the millisecond when needed."""
    dt = datetime.fromtimestamp(ts, tz=UTC)
    text = dt.isoformat(timespec="milliseconds" if dt.microsecond else "seconds")
    return text.replace("+00:00", "Z")


def parse_ts(text: str) -> float:
    """ISO-8601 (a naive time is UTC) or epoch seconds, as epoch seconds."""
    text = text.strip()
    try:
        return float(text) if text and (text[0].isdigit() and "-" not in text and ":" not in text) else _iso(text)
    except ValueError:
        raise ValueError(f"not an ISO-8601 timestamp: {text!r}")


def _iso(text: str) -> float:
    dt = datetime.fromisoformat(text.replace("Z", "+00:00").replace("z", "+00:00"))
    if dt.tzinfo is None:
        dt = dt.replace(tzinfo=UTC)
    return dt.timestamp()



def read_readings_csv(path: Path | str, units: dict[str, str] | None = None,
                      substances: dict[str, str] | None = None) -> dict[str, tuple[np.ndarray, np.ndarray]]:
    """Read `sensor_id,ts,value[,unit][,substance]` rows; per sensor sorted (ts, value), NaN where missing."""
    from qorgau.core.imports import read_table

    table = read_table(Path(path).read_bytes(), Path(path).name)
    return read_readings([table.header, *table.rows], units, substances)


def read_readings(rows: Iterable[Sequence[str]], units: dict[str, str] | None = None,
                  substances: dict[str, str] | None = None) -> dict[str, tuple[np.ndarray, np.ndarray]]:
    """Parse rows (the first is the header) into per-sensor sorted arrays; a missing marker is NaN.

    A `unit` column fills `units` (sensor -> canonical unit; one unit per sensor), a `substance` column
    fills `substances` (sensor -> catalogue code).
    """
    from qorgau.monitoring.units import UnitError, canonical_unit

    it = iter(rows)
    header = [h.strip().lower() for h in next(it, [])]
    need = ("sensor_id", "ts", "value")
    missing = [c for c in need if c not in header]
    if missing:
        raise ReadingsError(1, missing[0], f"header must name the columns {', '.join(need)}")
    col = {c: header.index(c) for c in need}
    unit_col = header.index("unit") if "unit" in header else None
    substance_col = header.index("substance") if "substance" in header else None
    seen: dict[str, dict[float, int]] = {}
    data: dict[str, tuple[list[float], list[float]]] = {}
    for row_no, row in enumerate(it, start=2):
        if not row or all(not c.strip() for c in row):
            continue
        if len(row) < 3:
            raise ReadingsError(row_no, need[len(row)] if len(row) < 3 else "value", "missing column")
        sensor = row[col["sensor_id"]].strip()
        if not sensor:
            raise ReadingsError(row_no, "sensor_id", "empty sensor id")
        try:
            ts = parse_ts(row[col["ts"]])
        except ValueError as error:
            raise ReadingsError(row_no, "ts", str(error))
        text = row[col["value"]].strip() if col["value"] < len(row) else ""
        value = float("nan")
        if not is_missing(text):
            try:  # the core's number parser: '1,5' and '1 234,5' read, an ambiguous '1,500' is refused
                value = float(parse_number(text, minimum=None))
            except CellError as error:
                raise ReadingsError(row_no, "value", str(error))
            if value == -200:  # the UCI marker written as a decimal (-200.0)
                value = float("nan")
        if unit_col is not None and units is not None and unit_col < len(row) and row[unit_col].strip():
            try:
                unit = canonical_unit(row[unit_col])
            except UnitError as error:
                raise ReadingsError(row_no, "unit", str(error))
            if units.setdefault(sensor, unit) != unit:
                raise ReadingsError(row_no, "unit", f"sensor {sensor!r} is in {units[sensor]} on an earlier row")
        code = row[substance_col].strip().lower() if substance_col is not None and substance_col < len(row) else ""
        if code and substances is not None:
            substances.setdefault(sensor, code)
        first = seen.setdefault(sensor, {}).setdefault(ts, row_no)
        if first != row_no:
            raise ReadingsError(row_no, "ts", f"duplicate timestamp for sensor {sensor!r} (also row {first})")
        data.setdefault(sensor, ([], []))
        data[sensor][0].append(ts)
        data[sensor][1].append(value)
    out = {}
    for sensor, (ts_list, v_list) in data.items():
        ts_arr, v_arr = np.asarray(ts_list), np.asarray(v_list)
        order = np.argsort(ts_arr, kind="stable")
        out[sensor] = (ts_arr[order], v_arr[order])
    return out


def stel_limit_for(sensor_id: str, catalogue: Catalogue, stel_limit: float | None = None,
                   substance: str | None = None) -> tuple[float | None, Substance | None]:
    """The STEL to count minutes against: --stel-limit, else --substance, else a code in the sensor id.

    The limit is in the substance's catalogue unit; `summarize_all` converts it to the readings' unit.
    """
    sub = catalogue[substance] if substance else catalogue.match_sensor(sensor_id)
    if stel_limit is not None:
        return stel_limit, sub
    if sub is None:
        return None, None
    lim = sub.short_term_limit()
    return (lim.value if lim else None), sub


def _limit_in_unit(sub: Substance, unit: str | None, record: dict) -> float | None:
    """The substance's short-term limit converted to the readings' unit; None with a warning when impossible."""
    from qorgau.monitoring.units import UnitError, convert, needs_molar_volume

    lim = sub.short_term_limit()
    if lim is None:
        return None
    if unit is None:
        record["warnings"].append(f"no unit for the readings (a unit column or --unit): the {sub.code} limit "
                                  f"({lim.value:g} {sub.unit}) is not applied")
        return None
    try:
        value = convert(lim.value, sub.unit, unit, sub.mw)
    except UnitError as error:
        record["warnings"].append(f"the {sub.code} limit is not applied: {error}")
        return None
    if needs_molar_volume(sub.unit, unit):
        record["molar_volume_l_per_mol"] = 24.45
    record["stel_limit_source"] = f"{lim.source} {lim.value:g} {sub.unit}"
    return value


def summarize_all(readings: dict[str, tuple[np.ndarray, np.ndarray]], catalogue: Catalogue,
                  options: ExposureOptions = ExposureOptions(), stel_limit: float | None = None,
                  substance: str | None = None, units: dict[str, str] | None = None,
                  unit: str | None = None, substances: dict[str, str] | None = None) -> list[dict]:
    """Summaries for every sensor, sorted by sensor id; noise sensors are energy-averaged.

    The readings' unit is the sensor's `units` entry, else `unit`; a negative concentration is missing data.
    """
    from qorgau.monitoring.units import canonical_unit

    out = []
    for sensor in sorted(readings):
        ts, values = readings[sensor]
        sensor_unit = (units or {}).get(sensor) or (canonical_unit(unit) if unit else None)
        code = substance or (substances or {}).get(sensor)
        sub = catalogue[code] if code else catalogue.match_sensor(sensor)
        missing = np.isnan(values)
        negative = ~missing & (values < 0) & (sensor_unit != "degC WBGT")
        opts = options
        averaging = sub.averaging if sub is not None else ("energy_db" if sensor_unit == "dBA" else None)
        if averaging and averaging != options.averaging:
            opts = ExposureOptions(options.method, options.max_gap_s, options.unmeasured, averaging,
                                   options.min_measured)
        record = {"warnings": []}
        limit = stel_limit if stel_limit is not None else (_limit_in_unit(sub, sensor_unit, record) if sub else None)
        summary = summarize(sensor, ts, values, limit, opts, missing | negative)
        summary.update(unit=sensor_unit, substance=sub.code if sub else None, stel_limit=limit,
                       negative_readings=int(negative.sum()))
        summary["warnings"] = record.pop("warnings") + summary["warnings"]
        if negative.any():
            summary["warnings"].append(f"{int(negative.sum())} negative reading(s) counted as missing")
        summary.update(record)
        out.append(summary)
    return out
