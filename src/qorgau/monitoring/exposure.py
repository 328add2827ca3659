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
"""

from __future__ import annotations

import csv
import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import numpy as np

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
    max_gap_s: float = 300.0
    unmeasured: str = "zero"
    averaging: str = "arithmetic"

    def __post_init__(self) -> None:
        if self.method not in METHODS:
            raise ValueError(f"method must be one of {METHODS}, not {self.method!r}")
        if self.unmeasured not in UNMEASURED:
            raise ValueError(f"unmeasured must be one of {UNMEASURED}, not {self.unmeasured!r}")
        if self.averaging not in AVERAGING:
            raise ValueError(f"averaging must be one of {AVERAGING}, not {self.averaging!r}")
        if not self.max_gap_s > 0:
            raise ValueError("max_gap_s must be positive")


class Series:
    """One sensor's readings with cumulative exposure C(t) and measured time M(t), both piecewise."""

    def __init__(self, ts: np.ndarray, values: np.ndarray, options: ExposureOptions = ExposureOptions()):
        ts = np.asarray(ts, dtype=np.float64)
        values = np.asarray(values, dtype=np.float64)
        if ts.ndim != 1 or ts.shape != values.shape or ts.size == 0:
            raise ValueError("ts and values must be equal-length, non-empty 1-D arrays")
        if not (np.all(np.isfinite(ts)) and np.all(np.isfinite(values))):
            raise ValueError("ts and values must be finite")
        if np.any(np.diff(ts) <= 0):
            raise ValueError("ts must be strictly increasing")
        self.options = options
        self.ts, self.raw = ts, values
        self.x = np.power(10.0, values / 10.0) if options.averaging == "energy_db" else values
        dt = np.diff(ts)
        self.dt = dt
        self.measured = dt <= options.max_gap_s
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
        """Average exposure (in x units) over windows (e - period, e]; NaN where nothing was measured."""
        c1, m1 = self.cumulative(ends)
        c0, m0 = self.cumulative(ends - period)
        w, mw = c1 - c0, m1 - m0
        if self.options.unmeasured == "zero":
            return w / period
        with np.errstate(divide="ignore", invalid="ignore"):
            return np.where(mw > 0, w / mw, np.nan)

    def to_level(self, x: float) -> float | None:
        """Convert an average back to the reading's scale (dB for energy averaging)."""
        if not math.isfinite(x):
            return None
        if self.options.averaging == "energy_db":
            return 10.0 * math.log10(x) if x > 0 else None
        return float(x)

    def to_x(self, level: float) -> float:
        return 10.0 ** (level / 10.0) if self.options.averaging == "energy_db" else level


@dataclass(frozen=True)
class WindowStats:
    """The largest window average, when its window ended, and the time spent above a limit."""

    max_value: float | None
    max_at: float | None
    seconds_over: float | None


def rolling(series: Series, period: float, limit: float | None = None) -> WindowStats:
    """Max of the rolling `period` average, its end time, and the time above `limit` (if given)."""
    ends = series.window_ends(period)
    avg = series.window_averages(ends, period)
    if not np.any(np.isfinite(avg)):
        return WindowStats(None, None, 0.0 if limit is not None else None)
    k = int(np.nanargmax(avg))
    over = None
    if limit is not None:
        over = time_above(ends, avg, series.to_x(limit))
    level = series.to_level(float(avg[k]))
    return WindowStats(level, None if level is None else float(ends[k]), over)


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
              options: ExposureOptions = ExposureOptions()) -> dict:
    """The CLI's per-sensor record: twa_8h, stel_max, stel_max_at, ceiling_max, minutes_over_stel."""
    series = Series(ts, values, options)
    eight = rolling(series, EIGHT_HOURS)
    short = rolling(series, FIFTEEN_MINUTES, stel_limit)
    return {
        "sensor_id": sensor_id,
        "twa_8h": _round(eight.max_value),
        "stel_max": _round(short.max_value),
        "stel_max_at": iso(short.max_at) if short.max_at is not None else None,
        "ceiling_max": _round(float(np.max(series.raw))),
        "minutes_over_stel": None if short.seconds_over is None else round(short.seconds_over / 60.0, 3),
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


def read_readings_csv(path: Path | str) -> dict[str, tuple[np.ndarray, np.ndarray]]:
    """Read `sensor_id,ts,value` rows; per sensor sorted (ts, value). Bad rows raise ReadingsError."""
    with open(path, encoding="utf-8-sig", newline="") as fh:
        return read_readings(csv.reader(fh))


def read_readings(rows: Iterable[Sequence[str]]) -> dict[str, tuple[np.ndarray, np.ndarray]]:
    """Parse rows (the first is the header) into per-sensor sorted arrays."""
    it = iter(rows)
    header = [h.strip().lower() for h in next(it, [])]
    need = ("sensor_id", "ts", "value")
    missing = [c for c in need if c not in header]
    if missing:
        raise ReadingsError(1, missing[0], f"header must name the columns {', '.join(need)}")
    col = {c: header.index(c) for c in need}
    seen: dict[str, dict[float, int]] = {}
    data: dict[str, tuple[list[float], list[float]]] = {}
    for row_no, row in enumerate(it, start=2):
        if not row or all(not c.strip() for c in row):
            continue
        if len(row) < len(header):
            raise ReadingsError(row_no, need[len(row)] if len(row) < 3 else "value", "missing column")
        sensor = row[col["sensor_id"]].strip()
        if not sensor:
            raise ReadingsError(row_no, "sensor_id", "empty sensor id")
        try:
            ts = parse_ts(row[col["ts"]])
        except ValueError as error:
            raise ReadingsError(row_no, "ts", str(error))
        try:
            value = float(row[col["value"]])
        except ValueError:
            raise ReadingsError(row_no, "value", f"not a number: {row[col['value']]!r}")
        if not math.isfinite(value):
            raise ReadingsError(row_no, "value", f"not a finite number: {row[col['value']]!r}")
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
    """The STEL to count minutes against: --stel-limit, else --substance, else a code in the sensor id."""
    sub = catalogue[substance] if substance else catalogue.match_sensor(sensor_id)
    if stel_limit is not None:
        return stel_limit, sub
    if sub is None:
        return None, None
    lim = sub.short_term_limit()
    return (lim.value if lim else None), sub


def summarize_all(readings: dict[str, tuple[np.ndarray, np.ndarray]], catalogue: Catalogue,
                  options: ExposureOptions = ExposureOptions(), stel_limit: float | None = None,
                  substance: str | None = None) -> list[dict]:
    """Summaries for every sensor, sorted by sensor id; noise sensors are energy-averaged."""
    out = []
    for sensor in sorted(readings):
        ts, values = readings[sensor]
        limit, sub = stel_limit_for(sensor, catalogue, stel_limit, substance)
        opts = options
        if sub is not None and sub.averaging != options.averaging:
            opts = ExposureOptions(options.method, options.max_gap_s, options.unmeasured, sub.averaging)
        out.append(summarize(sensor, ts, values, limit, opts))
    return out
