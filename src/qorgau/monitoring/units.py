"""Measurement units of readings and limits: names as users write them, and conversion against a limit.

Gas concentrations convert through ppm with the molar volume 24.45 L/mol (25 degC, 101.325 kPa, the
ACGIH/NIOSH basis): mg/m3 = ppm x M / 24.45. %LEL, %vol, degC WBGT and dB(A) convert only to themselves.
A unit is never guessed: an unknown name is an error, and no unit means no limit is applied.
"""

from __future__ import annotations

from qorgau.monitoring.substances import MOLAR_VOLUME_L

CONCENTRATION = ("ppm", "ppb", "mg/m3", "ug/m3")
UNITS = (*CONCENTRATION, "%LEL", "%vol", "degC WBGT", "dBA")
_ALIASES = {
    "ppm": "ppm", "млн-1": "ppm", "ppb": "ppb",
    "mg/m3": "mg/m3", "mg/m³": "mg/m3", "mg m-3": "mg/m3", "мг/м3": "mg/m3", "мг/м³": "mg/m3",
    "ug/m3": "ug/m3", "µg/m3": "ug/m3", "μg/m3": "ug/m3", "ug/m³": "ug/m3", "µg/m³": "ug/m3", "μg/m³": "ug/m3",
    "mcg/m3": "ug/m3", "мкг/м3": "ug/m3", "мкг/м³": "ug/m3",
    "%lel": "%LEL", "% lel": "%LEL", "%нкпр": "%LEL", "% нкпр": "%LEL",
    "%vol": "%vol", "% vol": "%vol", "%об": "%vol", "%": "%vol",
    "degc wbgt": "degC WBGT", "°c wbgt": "degC WBGT", "wbgt": "degC WBGT", "°c": "degC WBGT", "degc": "degC WBGT",
    "dba": "dBA", "db(a)": "dBA", "db a": "dBA", "дба": "dBA", "дб(а)": "dBA",
}


class UnitError(ValueError):
    """An unknown unit name, or two units that cannot be compared."""


def canonical_unit(text: str) -> str:
    """The platform's name for a unit as written ('µg/m³' -> 'ug/m3'); UnitError when it is not known."""
    key = " ".join(str(text).strip().lower().split())
    if key in _ALIASES:
        return _ALIASES[key]
    raise UnitError(f"unknown unit {text!r}; use one of: ppm, ppb, mg/m3, ug/m3, %LEL, %vol, degC WBGT, dB(A)")


def _to_ppm(value: float, unit: str, mw: float | None) -> float:
    if unit == "ppm":
        return value
    if unit == "ppb":
        return value / 1000.0
    if not mw:
        raise UnitError(f"{unit} needs the molar mass of the substance to convert to ppm")
    return (value if unit == "mg/m3" else value / 1000.0) * MOLAR_VOLUME_L / mw


def _from_ppm(ppm: float, unit: str, mw: float | None) -> float:
    if unit == "ppm":
        return ppm
    if unit == "ppb":
        return ppm * 1000.0
    if not mw:
        raise UnitError(f"{unit} needs the molar mass of the substance to convert from ppm")
    mg = ppm * mw / MOLAR_VOLUME_L
    return mg if unit == "mg/m3" else mg * 1000.0


def convert(value: float, from_unit: str, to_unit: str, mw: float | None = None) -> float:
    """`value` in `from_unit` expressed in `to_unit`; UnitError when they measure different things."""
    a, b = canonical_unit(from_unit), canonical_unit(to_unit)
    if a == b:
        return value
    if a in CONCENTRATION and b in CONCENTRATION:
        return _from_ppm(_to_ppm(value, a, mw), b, mw)
    raise UnitError(f"{from_unit} cannot be compared with {to_unit}")


def needs_molar_volume(from_unit: str, to_unit: str) -> bool:
    """Whether converting between the two goes through the molar volume (ppm/ppb against mg/m3 or ug/m3)."""
    a, b = canonical_unit(from_unit), canonical_unit(to_unit)
    volumetric = {"ppm", "ppb"}
    return a != b and (a in volumetric) != (b in volumetric)
