"""Substance catalogue: occupational exposure limits (TWA-8h, STEL-15, ceiling) with named sources.

Each limit comes from one source (EU IOELV, ACGIH TLV, NIOSH REL, OSHA PEL; Kazakhstan's hygienic
standards when entered). An *effective* limit is picked by a policy: a source priority list (default
KZ > EU > ACGIH > NIOSH > OSHA, so a TWA/STEL pair usually comes from one source) or
"most_protective" (the lowest value of each kind across sources). Default A1/A2 alarm levels follow
one stated rule (see `Substance.alarm_levels`) unless the catalogue overrides them.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field, replace
from functools import lru_cache
from pathlib import Path

from qorgau.core.i18n_markers import N_

DATA_DIR = Path(__file__).resolve().parent / "data"
KINDS = ("twa_8h", "stel_15", "ceiling")
KIND_LABELS = {"twa_8h": N_("8-hour time-weighted average (TWA-8h)"),
               "stel_15": N_("Short-term exposure limit (STEL, 15 min)"),
               "ceiling": N_("Ceiling limit")}
SOURCES = {"KZ": N_("Kazakhstan hygienic standards"), "EU": N_("EU occupational exposure limit value"),
           "ACGIH": N_("ACGIH threshold limit value (TLV)"), "NIOSH": N_("NIOSH recommended exposure limit (REL)"),
           "OSHA": N_("OSHA permissible exposure limit (PEL)")}
DEFAULT_PRIORITY = ("KZ", "EU", "ACGIH", "NIOSH", "OSHA")
MOST_PROTECTIVE = "most_protective"
MOLAR_VOLUME_L = 24.45  # litres per mole at 25 degC and 101.325 kPa, the ACGIH/NIOSH conversion basis
DIRECTIONS = ("rising", "falling")
AVERAGING = ("arithmetic", "energy_db")


class CatalogueError(ValueError):
    """A catalogue file has a bad row; says file, row and column."""

    def __init__(self, path: str, row: int, column: str, message: str):
        super().__init__(f"{path}, row {row}, column {column!r}: {message}")
        self.path, self.row, self.column = path, row, column


@dataclass(frozen=True)
class Limit:
    """One exposure limit value from one source."""

    code: str
    source: str
    kind: str
    value: float
    unit: str
    reference: str


@dataclass(frozen=True)
class AlarmLevels:
    """Default A1 (warning) and A2 (alarm) levels and how they were derived."""

    a1: float
    a2: float
    basis: str


@dataclass(frozen=True)
class Substance:
    """A measured quantity: a gas, dust, noise or heat, with its unit and limits."""

    code: str
    name: str
    formula: str
    cas: str
    quantity: str
    unit: str
    mw: float | None
    direction: str
    averaging: str
    a1: float | None
    a2: float | None
    alarm_basis: str
    range_lo: float
    range_hi: float
    note: str
    limits: tuple[Limit, ...] = field(default=())

    def convert(self, value: float, from_unit: str, to_unit: str) -> float:
        """Convert between ppm, ppb and mg/m3 (25 degC, 1 atm) for this substance."""
        if from_unit == to_unit:
            return value
        ppm = _to_ppm(value, from_unit, self.mw, self.code)
        return _from_ppm(ppm, to_unit, self.mw, self.code)

    def limit(self, kind: str, policy: str | Sequence[str] = DEFAULT_PRIORITY) -> Limit | None:
        """The effective limit of one kind, in this substance's unit, or None."""
        if kind not in KINDS:
            raise ValueError(f"unknown limit kind {kind!r}; expected one of {', '.join(KINDS)}")
        found = [replace(lim, value=self.convert(lim.value, lim.unit, self.unit), unit=self.unit)
                 for lim in self.limits if lim.kind == kind]
        if not found:
            return None
        if policy == MOST_PROTECTIVE:
            return min(found, key=lambda lim: lim.value)
        order = {source: i for i, source in enumerate(policy)}
        ranked = [lim for lim in found if lim.source in order]
        return min(ranked, key=lambda lim: order[lim.source]) if ranked else None

    def short_term_limit(self, policy: str | Sequence[str] = DEFAULT_PRIORITY) -> Limit | None:
        """The STEL if there is one, otherwise the ceiling (what a 15-min average is held to)."""
        return self.limit("stel_15", policy) or self.limit("ceiling", policy)

    def alarm_levels(self, policy: str | Sequence[str] = DEFAULT_PRIORITY) -> AlarmLevels | None:
        """A1/A2: the catalogue's own values, else A1 = TWA-8h and A2 = STEL (or ceiling, or 2 x A1)."""
        if self.a1 is not None and self.a2 is not None:
            return AlarmLevels(self.a1, self.a2, self.alarm_basis)
        twa, short = self.limit("twa_8h", policy), self.short_term_limit(policy)
        if twa is None and short is None:
            return None
        a1 = twa.value if twa is not None else short.value / 2  # type: ignore[union-attr]
        a2 = short.value if short is not None else 2 * a1
        parts = [f"A1 = TWA-8h ({twa.source})" if twa else f"A1 = half the short-term limit ({short.source})",  # type: ignore[union-attr]
                 f"A2 = {short.kind} ({short.source})" if short else "A2 = 2 x A1"]
        if a2 <= a1:  # limits from different sources can disagree; keep A1 below A2
            a1, parts[0] = a2 / 2, "A1 = half of A2"
        return AlarmLevels(a1, a2, "; ".join(parts))


def _to_ppm(value: float, unit: str, mw: float | None, code: str) -> float:
    if unit == "ppm":
        return value
    if unit == "ppb":
        return value / 1000
    if unit == "mg/m3" and mw:
        return value * MOLAR_VOLUME_L / mw
    raise ValueError(f"{code}: cannot convert from {unit!r}")


def _from_ppm(ppm: float, unit: str, mw: float | None, code: str) -> float:
    if unit == "ppm":
        return ppm
    if unit == "ppb":
        return ppm * 1000
    if unit == "mg/m3" and mw:
        return ppm * mw / MOLAR_VOLUME_L
    raise ValueError(f"{code}: cannot convert to {unit!r}")


class Catalogue(Mapping[str, Substance]):
    """Substances by code (lower-case), e.g. catalogue['so2']."""

    def __init__(self, substances: Iterable[Substance]):
        self._by_code = {s.code: s for s in substances}

    def __getitem__(self, code: str) -> Substance:
        return self._by_code[code.lower()]

    def __iter__(self) -> Iterator[str]:
        return iter(self._by_code)

    def __len__(self) -> int:
        return len(self._by_code)

    def match_sensor(self, sensor_id: str) -> Substance | None:
        """The substance named by a token of a sensor id, e.g. 'roast-1.so2' -> so2; None if none or ambiguous."""
        tokens = {t for t in _tokens(sensor_id.lower())}
        hits = [s for code, s in self._by_code.items() if code in tokens]
        return hits[0] if len(hits) == 1 else None


def _tokens(text: str) -> list[str]:
    out, current = [], []
    for ch in text:
        if ch.isalnum() or ch == "_":
            current.append(ch)
        elif current:
            out.append("".join(current))
            current = []
    if current:
        out.append("".join(current))
    return out


def _float(path: str, row: int, column: str, text: str, *, optional: bool = False) -> float | None:
    text = text.strip()
    if not text and optional:
        return None
    from qorgau.core.imports.cells import CellError, parse_number

    try:  # the core's number parser, as in every file: a finite number, '1,5' or '1.5'
        return float(parse_number(text, minimum=None))
    except CellError as error:
        raise CatalogueError(path, row, column, str(error))


def read_substances(rows: Iterable[dict[str, str]], path: str = "substances.csv") -> list[Substance]:
    """Parse substance rows (the CSV's columns); raises CatalogueError naming row and column."""
    out = []
    for i, r in enumerate(rows, start=2):
        code = (r.get("code") or "").strip().lower()
        if not code:
            raise CatalogueError(path, i, "code", "empty")
        if r.get("direction") not in DIRECTIONS:
            raise CatalogueError(path, i, "direction", f"expected one of {DIRECTIONS}")
        if r.get("averaging") not in AVERAGING:
            raise CatalogueError(path, i, "averaging", f"expected one of {AVERAGING}")
        a1 = _float(path, i, "a1", r.get("a1", ""), optional=True)
        a2 = _float(path, i, "a2", r.get("a2", ""), optional=True)
        if (a1 is None) != (a2 is None):
            raise CatalogueError(path, i, "a2", "give both A1 and A2 or neither")
        out.append(Substance(
            code=code, name=r["name_en"].strip(), formula=r.get("formula", "").strip(),
            cas=r.get("cas", "").strip(), quantity=r["quantity"].strip(), unit=r["unit"].strip(),
            mw=_float(path, i, "mw", r.get("mw", ""), optional=True), direction=r["direction"],
            averaging=r["averaging"], a1=a1, a2=a2, alarm_basis=r.get("alarm_basis", "").strip(),
            range_lo=_float(path, i, "range_lo", r["range_lo"]),  # type: ignore[arg-type]
            range_hi=_float(path, i, "range_hi", r["range_hi"]),  # type: ignore[arg-type]
            note=r.get("note", "").strip()))
    return out


def read_limits(rows: Iterable[dict[str, str]], path: str = "substance_limits.csv") -> list[Limit]:
    """Parse limit rows (code, source, kind, value, unit, reference)."""
    out = []
    for i, r in enumerate(rows, start=2):
        if r.get("kind") not in KINDS:
            raise CatalogueError(path, i, "kind", f"expected one of {KINDS}")
        if r.get("source") not in SOURCES:
            raise CatalogueError(path, i, "source", f"expected one of {tuple(SOURCES)}")
        value = _float(path, i, "value", r.get("value", ""))
        if value is None or value <= 0:
            raise CatalogueError(path, i, "value", "a limit must be positive")
        out.append(Limit(code=r["code"].strip().lower(), source=r["source"], kind=r["kind"], value=value,
                         unit=r["unit"].strip(), reference=r.get("reference", "").strip()))
    return out


def build_catalogue(substances: Iterable[Substance], limits: Iterable[Limit]) -> Catalogue:
    """Attach limits to substances; an unknown code is an error."""
    subs = {s.code: s for s in substances}
    grouped: dict[str, list[Limit]] = {code: [] for code in subs}
    for lim in limits:
        if lim.code not in subs:
            raise ValueError(f"limit for unknown substance {lim.code!r}")
        grouped[lim.code].append(lim)
    return Catalogue(replace(s, limits=tuple(grouped[s.code])) for s in subs.values())


def load_catalogue(substances_csv: Path | None = None, limits_csv: Path | None = None) -> Catalogue:
    """Read a catalogue from CSV files (the shipped ones by default)."""
    if substances_csv is None and limits_csv is None:
        return default_catalogue()
    return _load(substances_csv or DATA_DIR / "substances.csv", limits_csv or DATA_DIR / "substance_limits.csv")


@lru_cache(maxsize=1)
def default_catalogue() -> Catalogue:
    """The catalogue shipped in data/ (cached)."""
    return _load(DATA_DIR / "substances.csv", DATA_DIR / "substance_limits.csv")


def _rows(path: Path) -> list[dict[str, str]]:
    """The rows of a catalogue file, by the platform's one reader."""
    from qorgau.core.imports import read_table

    return [row for _number, row in read_table(path.read_bytes(), path.name).numbered()]


def _load(substances_csv: Path, limits_csv: Path) -> Catalogue:
    subs = read_substances(_rows(substances_csv), str(substances_csv.name))
    lims = read_limits(_rows(limits_csv), str(limits_csv.name))
    return build_catalogue(subs, lims)


SUBSTANCE_LABELS = [N_("Sulphur dioxide"), N_("Carbon monoxide"), N_("Hydrogen sulphide"), N_("Arsine"),
                    N_("Nitrogen dioxide"), N_("Ammonia"), N_("Chlorine"), N_("Hydrogen cyanide"),
                    N_("Carbon dioxide"), N_("Methane (flammable gas)"), N_("Oxygen (deficiency)"),
                    N_("Respirable dust (particles not otherwise specified)"),
                    N_("Respirable crystalline silica"), N_("Noise (A-weighted sound level)"),
                    N_("Heat stress (WBGT)")]
