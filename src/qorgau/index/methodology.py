"""The index methodology as data: load and validate a versioned YAML file into dataclasses.

The minimal form is accepted with defaults for everything else: one implicit
pillar, min-max onto 0-100, no outlier treatment, no imputation (missing indicators are left out
and the weights of the rest are rescaled), weights of any positive total, arithmetic aggregation.
A file without ``version`` is named by the hash of its text, so every score still names its method.
docs/index/methodology.md documents every field and formula.
"""

from __future__ import annotations

import hashlib
import math
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from qorgau.core.i18n_markers import N_

LOCALES = ("en", "kk", "ru")
DIRECTIONS = {"lower_is_better": N_("lower is better"), "higher_is_better": N_("higher is better")}
NORMALISATIONS = {
    "minmax": N_("min-max scaling"),
    "zscore": N_("z-score"),
    "rank": N_("percentile rank"),
    "distance_to_target": N_("distance to target"),
    "goalposts": N_("goalposts"),
}
OUTLIER_METHODS = {
    "none": N_("no outlier treatment"),
    "skew_kurtosis": N_("winsorise while skewness and kurtosis are high (COINr rule), else log transform"),
    "quantile": N_("winsorise at fixed quantiles"),
}
MISSING_METHODS = {
    "exclude": N_("left out; the weights of the other indicators are rescaled"),
    "mean": N_("mean of the other enterprises"),
    "median": N_("median of the other enterprises"),
    "group_median": N_("median of the enterprise's group (sector)"),
    "pillar_mean": N_("mean of the enterprise's other normalised values in the same pillar"),
    "worst": N_("worst observed value"),
    "value": N_("a fixed value"),
}
SOURCES = {
    "incidents": N_("accident registry"),
    "deviations": N_("violations and corrective actions"),
    "speaks": N_("Worker Speaks"),
    "monitoring": N_("hazardous-zone monitoring"),
    "registry": N_("registry of enterprises and trade unions"),
    "training": N_("training centre"),
    "audits": N_("social audits"),
    "equipment": N_("equipment register"),
    "agreements": N_("collective agreements"),
    # Versions 1.0 and 1.1 name this placeholder, which never provided a value.
    "knowledge": N_("training and social audits"),
}
AGGREGATIONS = {"arithmetic": N_("weighted arithmetic mean"), "geometric": N_("weighted geometric mean")}
TIES = {"min": N_("tied scores share the best rank (1, 2, 2, 4)"),
        "average": N_("tied scores share the average rank (1, 2.5, 2.5, 4)")}
WEIGHT_NOISE = {"none": N_("weights fixed"),
                "uniform": N_("each weight multiplied by a uniform factor"),
                "dirichlet": N_("weights drawn from a Dirichlet distribution around the nominal shares")}
# Alternatives the Monte Carlo may draw; "nominal" is the choice the methodology itself makes.
NORMALISATION_CHOICES = ("nominal", "minmax", "zscore", "rank")
AGGREGATION_CHOICES = ("nominal", "arithmetic", "geometric")
IMPUTATION_CHOICES = ("nominal", "exclude", "mean", "median", "group_median", "pillar_mean", "worst")


class MethodologyError(ValueError):
    """The methodology file is invalid; lists every problem with the indicator and field it concerns."""

    def __init__(self, problems: list[tuple[str, str]]):
        self.problems = problems
        super().__init__("; ".join(f"{where}: {message}" for where, message in problems))


@dataclass(frozen=True)
class Text:
    """A label or explanation in English with optional Kazakh and Russian versions."""

    en: str
    kk: str = ""
    ru: str = ""

    def get(self, locale: str = "en") -> str:
        return getattr(self, locale, "") or self.en if locale in LOCALES else self.en


@dataclass(frozen=True)
class Normalisation:
    """How raw values become 0-100 (100 = safest)."""

    method: str = "minmax"
    target: float | None = None  # distance_to_target, in raw units
    worst: float | None = None  # goalposts, in raw units
    best: float | None = None
    centre: float = 50.0  # zscore: 50 + scale * z, clipped to 0-100
    scale: float = 15.0


@dataclass(frozen=True)
class Outliers:
    """Outlier treatment of raw values before normalisation."""

    method: str = "none"
    skew: float = 2.0  # skew_kurtosis: treated while |skew| >= skew AND kurtosis >= kurtosis
    kurtosis: float = 3.5
    max_points: int = 5
    transform: str = "log"  # what to do when winsorising max_points is not enough: log or none
    lower: float = 0.0  # quantile: clip below this quantile ...
    upper: float = 1.0  # ... and above this one


@dataclass(frozen=True)
class Missing:
    """What happens to an enterprise's missing value of an indicator."""

    method: str = "exclude"
    value: float | None = None  # for method "value", in raw units
    group: str = "sector"  # column of the data that names the group, for group_median


@dataclass(frozen=True)
class Indicator:
    id: str
    label: Text
    pillar: str
    direction: str
    weight: float
    normalisation: Normalisation = field(default_factory=Normalisation)
    outliers: Outliers = field(default_factory=Outliers)
    missing: Missing = field(default_factory=Missing)
    source: str = ""  # the package (or outside system) the values come from
    period: Text = field(default_factory=lambda: Text(""))
    unit: Text = field(default_factory=lambda: Text(""))
    valid_range: tuple[float, float] | None = None
    rationale: Text = field(default_factory=lambda: Text(""))

    @property
    def higher_is_better(self) -> bool:
        return self.direction == "higher_is_better"


@dataclass(frozen=True)
class Pillar:
    id: str
    label: Text
    weight: float = 1.0
    rationale: Text = field(default_factory=lambda: Text(""))


@dataclass(frozen=True)
class Aggregation:
    """Arithmetic or geometric; geometric first maps 0-100 onto floor-100 so a zero cannot zero the score."""

    method: str = "arithmetic"
    floor: float = 1.0


@dataclass(frozen=True)
class WeightNoise:
    method: str = "uniform"
    spread: float = 0.25  # uniform: factor drawn from [1 - spread, 1 + spread]
    concentration: float = 50.0  # dirichlet: alpha = concentration * nominal share


@dataclass(frozen=True)
class Uncertainty:
    """The choices the Monte Carlo varies, each drawn uniformly from its alternatives."""

    weights: WeightNoise = field(default_factory=WeightNoise)
    normalisation: tuple[str, ...] = ("nominal",)
    aggregation: tuple[str, ...] = ("arithmetic", "geometric")
    imputation: tuple[str, ...] = ("nominal",)
    runs: int = 1000


@dataclass(frozen=True)
class Methodology:
    version: str
    pillars: tuple[Pillar, ...]
    indicators: tuple[Indicator, ...]
    aggregation: Aggregation = field(default_factory=Aggregation)
    min_coverage: float = 0.5
    # What coverage is counted against: every indicator ("all"), or only those with a value for at least
    # one enterprise in the run ("available": an indicator no source provides yet counts against nobody).
    coverage_of: str = "all"
    ties: str = "min"
    uncertainty: Uncertainty = field(default_factory=Uncertainty)
    title: Text = field(default_factory=lambda: Text("Trade Union Safety Index"))
    description: Text = field(default_factory=lambda: Text(""))

    @property
    def indicator_ids(self) -> list[str]:
        return [indicator.id for indicator in self.indicators]

    def indicator(self, indicator_id: str) -> Indicator:
        return next(i for i in self.indicators if i.id == indicator_id)

    def pillar_index(self) -> list[int]:
        """For each indicator, the position of its pillar."""
        positions = {pillar.id: n for n, pillar in enumerate(self.pillars)}
        return [positions[indicator.pillar] for indicator in self.indicators]

    def effective_weights(self) -> dict[str, float]:
        """Each indicator's share of the index when all data are present (sums to 1)."""
        pillar_total = sum(p.weight for p in self.pillars)
        within = {p.id: sum(i.weight for i in self.indicators if i.pillar == p.id) for p in self.pillars}
        pillar_weight = {p.id: p.weight for p in self.pillars}
        return {i.id: pillar_weight[i.pillar] / pillar_total * i.weight / within[i.pillar] for i in self.indicators}


# ---------------------------------------------------------------- parsing


class _Reader:
    """Collects problems as (where, message) while reading a mapping."""

    def __init__(self) -> None:
        self.problems: list[tuple[str, str]] = []

    def fail(self, where: str, message: str) -> None:
        self.problems.append((where, message))

    def mapping(self, value: Any, where: str, allowed: set[str]) -> dict:
        if value is None:
            return {}
        if not isinstance(value, dict):
            self.fail(where, "must be a mapping of keys to values")
            return {}
        for key in value:
            if key not in allowed:
                self.fail(where, f"unknown key {key!r} (allowed: {', '.join(sorted(allowed))})")
        return value

    def number(self, data: dict, key: str, where: str, default: float | None = None, *,
               positive: bool = False, low: float | None = None, high: float | None = None) -> float | None:
        value = data.get(key, default)
        if value is None:
            return None
        if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
            self.fail(f"{where}.{key}", f"must be a finite number, not {value!r}")
            return default
        if positive and value <= 0:
            self.fail(f"{where}.{key}", f"must be a positive number, not {value!r}")
            return default
        if (low is not None and value < low) or (high is not None and value > high):
            self.fail(f"{where}.{key}", f"must be between {low} and {high}, not {value!r}")
            return default
        return float(value)

    def real(self, data: dict, key: str, where: str, default: float, **limits: Any) -> float:
        """Like number, for fields that always have a value."""
        value = self.number(data, key, where, default, **limits)
        return default if value is None else value

    def choice(self, data: dict, key: str, where: str, options: dict | tuple, default: str) -> str:
        value = data.get(key, default)
        if value not in options:
            self.fail(f"{where}.{key}", f"{value!r} is not one of: {', '.join(options)}")
            return default
        return value

    def text(self, value: Any, where: str, default: str = "") -> Text:
        if value is None:
            return Text(default)
        if isinstance(value, str):
            return Text(value)
        if isinstance(value, dict):
            self.mapping(value, where, set(LOCALES))
            if not isinstance(value.get("en"), str) or not value.get("en"):
                self.fail(f"{where}.en", "an English text is required")
            return Text(**{k: str(v) for k, v in value.items() if k in LOCALES and v is not None}) \
                if isinstance(value.get("en"), str) else Text(default)
        self.fail(where, "must be a text or a mapping of en/kk/ru texts")
        return Text(default)

    def method_block(self, value: Any, where: str, allowed: set[str]) -> dict:
        """A block given as a bare method name or as a mapping with ``method`` and parameters."""
        if isinstance(value, str):
            return {"method": value}
        return self.mapping(value, where, allowed | {"method"})


def _normalisation(reader: _Reader, value: Any, where: str, direction: str) -> Normalisation:
    data = reader.method_block(value, where, {"target", "worst", "best", "centre", "scale"})
    method = reader.choice(data, "method", where, NORMALISATIONS, "minmax")
    result = Normalisation(method=method,
                           target=reader.number(data, "target", where),
                           worst=reader.number(data, "worst", where),
                           best=reader.number(data, "best", where),
                           centre=reader.real(data, "centre", where, 50.0, low=0, high=100),
                           scale=reader.real(data, "scale", where, 15.0, positive=True))
    if method == "distance_to_target" and result.target is None:
        reader.fail(f"{where}.target", "distance_to_target needs a target (in the indicator's units)")
    if method == "goalposts":
        if result.worst is None or result.best is None:
            reader.fail(where, "goalposts need both worst and best (in the indicator's units)")
        elif result.worst == result.best:
            reader.fail(where, "goalposts worst and best must differ")
        elif (result.best > result.worst) != (direction == "higher_is_better"):
            expected = "best > worst" if direction == "higher_is_better" else "best < worst"
            reader.fail(where, f"goalposts contradict the direction {direction}: expected {expected}")
    return result


def _outliers(reader: _Reader, value: Any, where: str) -> Outliers:
    data = reader.method_block(value, where, {"skew", "kurtosis", "max_points", "transform", "lower", "upper"})
    method = reader.choice(data, "method", where, OUTLIER_METHODS, "none")
    max_points = data.get("max_points", 5)
    if isinstance(max_points, bool) or not isinstance(max_points, int) or max_points < 0:
        reader.fail(f"{where}.max_points", f"must be a whole number >= 0, not {max_points!r}")
        max_points = 5
    result = Outliers(method=method,
                      skew=reader.real(data, "skew", where, 2.0, positive=True),
                      kurtosis=reader.real(data, "kurtosis", where, 3.5),
                      max_points=max_points,
                      transform=reader.choice(data, "transform", where, ("log", "none"), "log"),
                      lower=reader.real(data, "lower", where, 0.0, low=0, high=1),
                      upper=reader.real(data, "upper", where, 1.0, low=0, high=1))
    if method == "quantile" and not result.lower < result.upper:
        reader.fail(where, "quantile limits need lower < upper")
    return result


def _missing(reader: _Reader, value: Any, where: str) -> Missing:
    data = reader.method_block(value, where, {"value", "group"})
    method = reader.choice(data, "method", where, MISSING_METHODS, "exclude")
    group = data.get("group", "sector")
    if not isinstance(group, str) or not group:
        reader.fail(f"{where}.group", "must name a column of the data")
        group = "sector"
    result = Missing(method=method, value=reader.number(data, "value", where), group=group.strip().lower())
    if method == "value" and result.value is None:
        reader.fail(f"{where}.value", "the 'value' rule needs a value (in the indicator's units)")
    return result


INDICATOR_KEYS = {"id", "label", "pillar", "direction", "weight", "normalisation", "outliers", "missing",
                  "source", "period", "unit", "valid_range", "rationale"}
COVERAGE_BASES = ("all", "available")
TOP_KEYS = {"version", "title", "description", "aggregation", "min_coverage", "coverage_of", "ties", "defaults", "pillars",
            "indicators", "uncertainty"}


def _indicator(reader: _Reader, raw: Any, n: int, defaults: dict, pillar_ids: set[str] | None) -> Indicator | None:
    ident = raw.get("id") if isinstance(raw, dict) else None
    where = f"indicator {ident!r} (#{n + 1})" if isinstance(ident, str) else f"indicators[{n}]"
    data = reader.mapping(raw, where, INDICATOR_KEYS)
    if not isinstance(ident, str) or not ident.strip():
        reader.fail(f"{where}.id", "every indicator needs an id (the column name in the data)")
        return None
    ident = ident.strip().lower()
    direction = reader.choice(data, "direction", where, DIRECTIONS, defaults.get("direction", "higher_is_better"))
    if "direction" not in data and "direction" not in defaults:
        reader.fail(f"{where}.direction", "is required: lower_is_better or higher_is_better")
    weight = reader.real(data, "weight", where, 1.0, positive=True)
    pillar = data.get("pillar")
    if pillar_ids is None:
        if pillar is not None:
            reader.fail(f"{where}.pillar", f"pillar {pillar!r} is not declared under 'pillars'")
        pillar = "index"
    elif pillar not in pillar_ids:
        reader.fail(f"{where}.pillar", f"{pillar!r} is not one of the declared pillars: {', '.join(sorted(pillar_ids))}")
    valid_range = data.get("valid_range")
    if valid_range is not None:
        if (not isinstance(valid_range, list) or len(valid_range) != 2
                or not all(isinstance(v, int | float) and not isinstance(v, bool) for v in valid_range)
                or valid_range[0] >= valid_range[1]):
            reader.fail(f"{where}.valid_range", "must be [low, high] with low < high")
            valid_range = None
        else:
            valid_range = (float(valid_range[0]), float(valid_range[1]))
    source = data.get("source", "")
    if not isinstance(source, str):
        reader.fail(f"{where}.source", "must name the package or system the data come from")
        source = ""
    normalisation = _normalisation(reader, data.get("normalisation", defaults.get("normalisation")),
                                   f"{where}.normalisation", direction)
    outliers = _outliers(reader, data.get("outliers", defaults.get("outliers")), f"{where}.outliers")
    if (outliers.method == "skew_kurtosis" and outliers.transform == "log"
            and normalisation.method in ("goalposts", "distance_to_target")):
        reader.fail(f"{where}.outliers.transform", f"a log transform would break the raw-unit parameters of "
                    f"{normalisation.method}; set transform: none")
    return Indicator(
        id=ident, label=reader.text(data.get("label"), f"{where}.label", default=ident), pillar=str(pillar),
        direction=direction, weight=weight,
        normalisation=normalisation, outliers=outliers,
        missing=_missing(reader, data.get("missing", defaults.get("missing")), f"{where}.missing"),
        valid_range=valid_range, rationale=reader.text(data.get("rationale"), f"{where}.rationale"), source=source,
        period=reader.text(data.get("period"), f"{where}.period"), unit=reader.text(data.get("unit"), f"{where}.unit"))


def _choices(reader: _Reader, data: dict, key: str, options: tuple[str, ...], default: tuple[str, ...]) -> tuple:
    value = data.get(key, list(default))
    if isinstance(value, str):
        value = [value]
    if not isinstance(value, list) or not value:
        reader.fail(f"uncertainty.{key}", f"must be a list of alternatives from: {', '.join(options)}")
        return default
    bad = [v for v in value if v not in options]
    if bad:
        reader.fail(f"uncertainty.{key}", f"{', '.join(map(repr, bad))} not among: {', '.join(options)}")
        return default
    return tuple(dict.fromkeys(value))


def _uncertainty(reader: _Reader, raw: Any) -> Uncertainty:
    data = reader.mapping(raw, "uncertainty", {"weights", "normalisation", "aggregation", "imputation", "runs"})
    weights = reader.method_block(data.get("weights", "uniform"), "uncertainty.weights", {"spread", "concentration"})
    noise = WeightNoise(method=reader.choice(weights, "method", "uncertainty.weights", WEIGHT_NOISE, "uniform"),
                        spread=reader.real(weights, "spread", "uncertainty.weights", 0.25, low=0, high=0.99),
                        concentration=reader.real(weights, "concentration", "uncertainty.weights", 50.0,
                                                  positive=True))
    runs = data.get("runs", 1000)
    if isinstance(runs, bool) or not isinstance(runs, int) or runs < 1:
        reader.fail("uncertainty.runs", f"must be a whole number >= 1, not {runs!r}")
        runs = 1000
    return Uncertainty(weights=noise,
                       normalisation=_choices(reader, data, "normalisation", NORMALISATION_CHOICES, ("nominal",)),
                       aggregation=_choices(reader, data, "aggregation", AGGREGATION_CHOICES,
                                            ("arithmetic", "geometric")),
                       imputation=_choices(reader, data, "imputation", IMPUTATION_CHOICES, ("nominal",)),
                       runs=runs)


def from_dict(data: Any, *, fallback_version: str = "unversioned") -> Methodology:
    """Validate a parsed YAML document; raises MethodologyError listing every problem."""
    reader = _Reader()
    if not isinstance(data, dict):
        raise MethodologyError([("file", "must be a YAML mapping with at least 'indicators'")])
    reader.mapping(data, "methodology", TOP_KEYS)
    version = data.get("version", fallback_version)
    if not isinstance(version, str | int | float) or isinstance(version, bool) or not str(version).strip():
        reader.fail("version", "must be a text such as '1.0'")
        version = fallback_version
    aggregation_raw = reader.method_block(data.get("aggregation", "arithmetic"), "aggregation", {"floor"})
    aggregation = Aggregation(
        method=reader.choice(aggregation_raw, "method", "aggregation", AGGREGATIONS, "arithmetic"),
        floor=reader.real(aggregation_raw, "floor", "aggregation", 1.0, low=1.0, high=99.0))
    defaults = reader.mapping(data.get("defaults"), "defaults", {"normalisation", "outliers", "missing", "direction"})

    pillars: list[Pillar] = []
    pillar_ids: set[str] | None = None
    if data.get("pillars") is not None:
        if not isinstance(data["pillars"], list) or not data["pillars"]:
            reader.fail("pillars", "must be a non-empty list")
        else:
            pillar_ids = set()
            for n, raw in enumerate(data["pillars"]):
                ident = raw.get("id") if isinstance(raw, dict) else None
                where = f"pillar {ident!r} (#{n + 1})" if isinstance(ident, str) else f"pillars[{n}]"
                block = reader.mapping(raw, where, {"id", "label", "weight", "rationale"})
                if not isinstance(ident, str) or not ident.strip():
                    reader.fail(f"{where}.id", "every pillar needs an id")
                    continue
                if ident in pillar_ids:
                    reader.fail(f"{where}.id", f"duplicate pillar id {ident!r}")
                pillar_ids.add(ident)
                pillars.append(Pillar(id=ident, label=reader.text(block.get("label"), f"{where}.label", ident),
                                      weight=reader.real(block, "weight", where, 1.0, positive=True),
                                      rationale=reader.text(block.get("rationale"), f"{where}.rationale")))
    else:
        pillars.append(Pillar(id="index", label=Text("Index")))

    indicators: list[Indicator] = []
    raw_indicators = data.get("indicators")
    if not isinstance(raw_indicators, list) or not raw_indicators:
        reader.fail("indicators", "must be a non-empty list of indicators")
        raw_indicators = []
    seen: set[str] = set()
    for n, raw in enumerate(raw_indicators):
        indicator = _indicator(reader, raw, n, defaults, pillar_ids)
        if indicator is None:
            continue
        if indicator.id in seen:
            reader.fail(f"indicator {indicator.id!r} (#{n + 1}).id", "duplicate indicator id")
        if indicator.id in ("entity_id",):
            reader.fail(f"indicator {indicator.id!r} (#{n + 1}).id", "'entity_id' names the enterprise column")
        seen.add(indicator.id)
        indicators.append(indicator)
    for pillar in pillars:
        if pillar_ids is not None and not any(i.pillar == pillar.id for i in indicators):
            reader.fail(f"pillar {pillar.id!r}", "has no indicators")

    min_coverage = reader.real(data, "min_coverage", "methodology", 0.5, low=0.0, high=1.0)
    coverage_of = reader.choice(data, "coverage_of", "methodology", COVERAGE_BASES, "all")
    ties = reader.choice(data, "ties", "methodology", TIES, "min")
    uncertainty = _uncertainty(reader, data.get("uncertainty"))
    if reader.problems:
        raise MethodologyError(reader.problems)
    return Methodology(version=str(version).strip(), pillars=tuple(pillars), indicators=tuple(indicators),
                       aggregation=aggregation, min_coverage=min_coverage, coverage_of=coverage_of,
                       ties=ties, uncertainty=uncertainty,
                       title=reader.text(data.get("title"), "title", "Trade Union Safety Index"),
                       description=reader.text(data.get("description"), "description"))


def parse_methodology(text: str) -> Methodology:
    """Parse YAML text; a file without a version is named by the hash of its text."""
    try:
        data = yaml.safe_load(text)
    except yaml.YAMLError as error:
        mark = getattr(error, "problem_mark", None)
        where = f"line {mark.line + 1}, column {mark.column + 1}" if mark else "file"
        raise MethodologyError([(where, f"not valid YAML ({getattr(error, 'problem', error)})")])
    digest = hashlib.sha256(text.encode("utf-8")).hexdigest()[:12]
    return from_dict(data, fallback_version=f"sha256:{digest}")


def load_methodology(path: str | Path) -> Methodology:
    """Read and validate a methodology YAML file."""
    return parse_methodology(Path(path).read_text(encoding="utf-8"))


def default_methodology() -> Methodology:
    """The platform's published methodology, methodology/v1.yaml."""
    return load_methodology(Path(__file__).with_name("methodology") / "v1.yaml")
