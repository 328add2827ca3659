"""The methodology page as data (formulas, sources, weights, choices) and as Markdown in kk, ru or en."""

from __future__ import annotations

from typing import Any

from qorgau.core.i18n_markers import N_
from qorgau.index.methodology import (
    AGGREGATIONS,
    DIRECTIONS,
    MISSING_METHODS,
    NORMALISATIONS,
    OUTLIER_METHODS,
    SOURCES,
    TIES,
    WEIGHT_NOISE,
    Indicator,
    Methodology,
    Text,
)
from qorgau.index.uncertainty import CHOICES

STEPS = (
    N_("Enterprises with less than the minimum data coverage are listed as insufficient data and not ranked."),
    N_("Missing values are imputed by each indicator's rule."),
    N_("Outliers are treated by each indicator's rule."),
    N_("Each indicator is normalised onto 0-100, where 100 is the safest."),
    N_("Indicators are averaged into pillars, and pillars into the index, with the weights shown."),
    N_("Enterprises are ranked by score, 1 = safest."),
    N_("A Monte Carlo over the methodological choices gives each enterprise's 5th-95th percentile rank interval."),
)
COVERAGE_BASES = {"all": N_("every indicator of the methodology"),
                  "available": N_("the indicators with data for at least one enterprise in the period")}
HEADINGS = {
    "steps": N_("How the score is made"),
    "pillars": N_("Pillars and weights"),
    "indicators": N_("Indicators"),
    "aggregation": N_("Aggregation"),
    "uncertainty": N_("Uncertainty and sensitivity"),
    "indicator": N_("Indicator"),
    "pillar": N_("Pillar"),
    "weight": N_("Weight"),
    "share": N_("Share of the index"),
    "direction": N_("Direction"),
    "normalisation": N_("Normalisation"),
    "outliers": N_("Outliers"),
    "missing": N_("Missing data"),
    "source": N_("Source"),
    "period": N_("Period"),
    "unit": N_("Unit"),
    "rationale": N_("Rationale"),
    "version": N_("Methodology version"),
    "coverage": N_("Minimum data coverage"),
    "coverage_of": N_("Coverage is counted against"),
    "ties": N_("Ties"),
    "runs": N_("Replications"),
    "choice": N_("Choice"),
    "sensitivity": N_("First-order sensitivity of ranks"),
    "nominal": N_("as the methodology says"),
}


def _msg(msgid: str, **params: Any) -> dict:
    return {"msgid": msgid, "params": params}


def _texts(text: Text) -> dict[str, str]:
    return {"en": text.en, "kk": text.get("kk"), "ru": text.get("ru")}


def normalisation_formula(indicator: Indicator) -> str:
    """The formula in plain mathematical notation with the indicator's parameters filled in."""
    spec, up = indicator.normalisation, indicator.higher_is_better
    if spec.method == "minmax":
        return "y = 100 × (x − min) / (max − min)" if up else "y = 100 × (max − x) / (max − min)"
    if spec.method == "zscore":
        sign = "+" if up else "−"
        return f"y = clip({spec.centre:g} {sign} {spec.scale:g} × (x − mean) / sd, 0, 100)"
    if spec.method == "rank":
        return "y = 100 × (r − 1) / (n − 1), r = rank of x, best = n"
    if spec.method == "distance_to_target":
        worst = "min" if up else "max"
        return f"y = 100 × clip((x − {worst}) / ({spec.target:g} − {worst}), 0, 1)"
    return f"y = 100 × clip((x − {spec.worst:g}) / ({spec.best:g} − {spec.worst:g}), 0, 1)"


def aggregation_formula(methodology: Methodology) -> str:
    if methodology.aggregation.method == "arithmetic":
        return "pillar = Σ wᵢ·yᵢ / Σ wᵢ;  index = Σ W·pillar / Σ W"
    floor = methodology.aggregation.floor
    return (f"gᵢ = {floor:g} + yᵢ × {100 - floor:g} / 100;  pillar = exp(Σ wᵢ·ln gᵢ / Σ wᵢ);  "
            "index = exp(Σ W·ln pillar / Σ W)")


def _outlier_detail(indicator: Indicator) -> dict:
    rule = indicator.outliers
    if rule.method == "skew_kurtosis":
        return _msg(N_("While |skewness| ≥ %(skew)s and kurtosis ≥ %(kurtosis)s, the most extreme value is "
                       "set to the next one, up to %(points)s values; if that is not enough: %(transform)s."),
                    skew=f"{rule.skew:g}", kurtosis=f"{rule.kurtosis:g}", points=rule.max_points,
                    transform=N_("log transform") if rule.transform == "log" else N_("no further change"))
    if rule.method == "quantile":
        return _msg(N_("Values below the %(lower)s quantile or above the %(upper)s quantile are set to it."),
                    lower=f"{rule.lower:g}", upper=f"{rule.upper:g}")
    return _msg(OUTLIER_METHODS["none"])


# Data columns a group median can use, named in the reader's language (another column is shown as written).
GROUP_COLUMNS = {"sector": N_("sector"), "region": N_("region")}


def _missing_detail(indicator: Indicator) -> dict:
    rule = indicator.missing
    if rule.method == "value":
        return _msg(N_("Missing values count as %(value)s."), value=f"{rule.value:g}")
    if rule.method == "group_median":
        return _msg(N_("Median of the enterprises in the same group (column %(group)s); the overall median if "
                       "the group has no data."),
                    group=GROUP_COLUMNS.get(rule.group, rule.group))
    return _msg(MISSING_METHODS[rule.method])


def describe(methodology: Methodology, *, sensitivity: dict[str, float | None] | None = None) -> dict:
    """Everything the methodology page shows, as plain data; texts are English msgids with params."""
    shares = methodology.effective_weights()
    pillar_total = sum(p.weight for p in methodology.pillars)
    spec = methodology.uncertainty
    return {
        "version": methodology.version,
        "title": _texts(methodology.title),
        "description": _texts(methodology.description),
        "steps": list(STEPS),
        "min_coverage": methodology.min_coverage,
        "coverage_of": COVERAGE_BASES[methodology.coverage_of],
        "ties": {"method": methodology.ties, "label": TIES[methodology.ties]},
        "aggregation": {"method": methodology.aggregation.method,
                        "label": AGGREGATIONS[methodology.aggregation.method],
                        "floor": methodology.aggregation.floor,
                        "formula": aggregation_formula(methodology)},
        "pillars": [{"id": p.id, "label": _texts(p.label), "weight": p.weight, "share": p.weight / pillar_total,
                     "rationale": _texts(p.rationale),
                     "indicators": [i.id for i in methodology.indicators if i.pillar == p.id]}
                    for p in methodology.pillars],
        "indicators": [{
            "id": i.id, "label": _texts(i.label), "pillar": i.pillar, "weight": i.weight, "share": shares[i.id],
            "direction": i.direction, "direction_label": DIRECTIONS[i.direction],
            "unit": _texts(i.unit), "period": _texts(i.period), "source": i.source,
            "source_label": SOURCES.get(i.source),
            "valid_range": list(i.valid_range) if i.valid_range else None,
            "normalisation": {"method": i.normalisation.method, "label": NORMALISATIONS[i.normalisation.method],
                              "formula": normalisation_formula(i),
                              "params": {k: v for k, v in (("target", i.normalisation.target),
                                                           ("worst", i.normalisation.worst),
                                                           ("best", i.normalisation.best)) if v is not None}},
            "outliers": {"method": i.outliers.method, "label": OUTLIER_METHODS[i.outliers.method],
                         "detail": _outlier_detail(i)},
            "missing": {"method": i.missing.method, "label": MISSING_METHODS[i.missing.method],
                        "detail": _missing_detail(i)},
            "rationale": _texts(i.rationale)} for i in methodology.indicators],
        "uncertainty": {
            "runs": spec.runs,
            "weights": {"method": spec.weights.method, "label": WEIGHT_NOISE[spec.weights.method],
                        "spread": spec.weights.spread, "concentration": spec.weights.concentration},
            "choices": {"normalisation": list(spec.normalisation), "aggregation": list(spec.aggregation),
                        "imputation": list(spec.imputation)},
            "sensitivity": sensitivity,
        },
    }


def to_markdown(methodology: Methodology, locale: str = "en", *,
                sensitivity: dict[str, float | None] | None = None) -> str:
    """The methodology page as Markdown in kk, ru or en."""
    from babel.numbers import format_percent

    from qorgau.core.i18n import babel_locale, locale_context, translate

    page = describe(methodology, sensitivity=sensitivity)
    with locale_context(locale):
        def t(msgid: str) -> str:
            return translate(msgid)

        def pct(value: float, digits: int = 1) -> str:
            return format_percent(value, "#,##0" + ("." + "0" * digits if digits else "") + "%", locale=babel_locale())

        def m(message: dict) -> str:
            params = {k: t(v) if isinstance(v, str) and k in ("transform", "group") else v for k, v in message["params"].items()}
            return t(message["msgid"]) % params if params else t(message["msgid"])

        pillar_labels = {p["id"]: p["label"][locale] for p in page["pillars"]}
        lines = [f"# {page['title'][locale]}", "",
                 f"{t(HEADINGS['version'])}: **{page['version']}**", ""]
        if page["description"][locale]:
            lines += [page["description"][locale], ""]
        lines += [f"## {t(HEADINGS['steps'])}", ""]
        lines += [f"{n}. {t(step)}" for n, step in enumerate(page["steps"], 1)]
        lines += ["", f"- {t(HEADINGS['coverage'])}: {pct(page['min_coverage'], 0)}",
                  f"- {t(HEADINGS['coverage_of'])}: {t(page['coverage_of'])}",
                  f"- {t(HEADINGS['ties'])}: {t(page['ties']['label'])}", ""]
        lines += [f"## {t(HEADINGS['pillars'])}", "",
                  f"| {t(HEADINGS['pillar'])} | {t(HEADINGS['weight'])} | {t(HEADINGS['share'])} | "
                  f"{t(HEADINGS['rationale'])} |", "|---|---:|---:|---|"]
        lines += [f"| {p['label'][locale]} | {p['weight']:g} | {pct(p['share'])} | {p['rationale'][locale]} |"
                  for p in page["pillars"]]
        lines += ["", f"## {t(HEADINGS['indicators'])}", "",
                  f"| {t(HEADINGS['indicator'])} | {t(HEADINGS['pillar'])} | {t(HEADINGS['direction'])} | "
                  f"{t(HEADINGS['weight'])} | {t(HEADINGS['share'])} | {t(HEADINGS['normalisation'])} | "
                  f"{t(HEADINGS['missing'])} | {t(HEADINGS['source'])} |",
                  "|---|---|---|---:|---:|---|---|---|"]
        for i in page["indicators"]:
            lines.append(f"| {i['label'][locale]} (`{i['id']}`) | {pillar_labels[i['pillar']]} | "
                         f"{t(i['direction_label'])} | {i['weight']:g} | {pct(i['share'])} | "
                         f"{t(i['normalisation']['label'])} | {m(i['missing']['detail'])} | "
                         f"{t(i['source_label']) if i['source_label'] else i['source']} |")
        for i in page["indicators"]:
            lines += ["", f"### {i['label'][locale]} (`{i['id']}`)", ""]
            if i["unit"][locale]:
                lines.append(f"- {t(HEADINGS['unit'])}: {i['unit'][locale]}")
            if i["period"][locale]:
                lines.append(f"- {t(HEADINGS['period'])}: {i['period'][locale]}")
            lines += [f"- {t(HEADINGS['normalisation'])}: {t(i['normalisation']['label'])}, "
                      f"`{i['normalisation']['formula']}`",
                      f"- {t(HEADINGS['outliers'])}: {m(i['outliers']['detail'])}",
                      f"- {t(HEADINGS['missing'])}: {m(i['missing']['detail'])}"]
            if i["rationale"][locale]:
                lines.append(f"- {t(HEADINGS['rationale'])}: {i['rationale'][locale]}")
        lines += ["", f"## {t(HEADINGS['aggregation'])}", "", f"{t(page['aggregation']['label'])}: "
                  f"`{page['aggregation']['formula']}`", ""]
        spec = page["uncertainty"]
        lines += [f"## {t(HEADINGS['uncertainty'])}", "", f"- {t(HEADINGS['runs'])}: {spec['runs']}",
                  f"- {t(CHOICES['weights'])}: {t(spec['weights']['label'])}"]
        for choice, alternatives in spec["choices"].items():
            names = ", ".join(t(HEADINGS["nominal"]) if a == "nominal" else a for a in alternatives)
            lines.append(f"- {t(CHOICES[choice])}: {names}")
        if sensitivity:
            lines += ["", f"| {t(HEADINGS['choice'])} | {t(HEADINGS['sensitivity'])} |", "|---|---:|"]
            lines += [f"| {t(CHOICES[c])} | {'—' if v is None else f'{v:.2f}'} |" for c, v in sensitivity.items()]
    return "\n".join(lines) + "\n"
