"""`qorgau aiwork ...`: AI exposure of employment tables, reskilling pathways, scenarios, synthetic data."""

from __future__ import annotations

import json
import math
from pathlib import Path

import pandas as pd
import typer

from qorgau.aiwork import employment, exposure, reference, reskilling, scenarios, synthetic
from qorgau.aiwork.gradients import CLASS_LABELS, CLASSES, UNSCORED, explain, occupation_classes

app = typer.Typer(help="AI at work: exposure of jobs to generative AI (ILO 2025 index), reskilling pathways.",
                  no_args_is_help=True)

FORMATS = ("json", "table")


def _clean(value):
    """JSON-safe: NaN and infinities become null."""
    if isinstance(value, float) and not math.isfinite(value):
        return None
    if isinstance(value, dict):
        return {k: _clean(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_clean(v) for v in value]
    return value


def _emit(data) -> None:
    typer.echo(json.dumps(_clean(data), ensure_ascii=False))


def _check_format(fmt: str) -> None:
    if fmt not in FORMATS:
        typer.echo(f"Error: --format must be one of {', '.join(FORMATS)}", err=True)
        raise typer.Exit(2)


def _load(path: Path, dims: list[str], unmatched: str = "refuse") -> pd.DataFrame:
    try:
        raw = employment.read_table(path)
    except (OSError, ValueError) as error:
        typer.echo(f"Error: cannot read {path}: {error}", err=True)
        raise typer.Exit(2)
    raw, soc = employment.from_soc(raw, unmatched)
    if soc:
        share = soc["employment_split_share"]
        typer.echo(f"Note: {path.name}: occupations in {soc['classification']}, column {soc['column']}, converted to "
                   f"ISCO-08 through the {soc['crosswalk']} crosswalk; {soc['rows_split']} of {soc['soc_rows']} "
                   f"codes ({share:.1%} of employment) split equally across several ISCO-08 codes"
                   + (f"; {soc['subtotal_rows_left_out']} subtotal rows left out" if "subtotal_rows_left_out" in soc
                      else "")
                   + (f"; {soc['unmatched_rows_dropped']} SOC codes with no ISCO-08 match left out "
                      f"({soc['unmatched_employment_share']:.1%} of employment)" if "unmatched_rows_dropped" in soc
                      else ""), err=True)
    try:
        return employment.validate(raw, dims=dims)
    except employment.EmploymentInputError as error:
        for problem in error.problems:
            where = "header" if problem.row == "header" else f"line {problem.row}"
            text = problem.message % problem.params if problem.params else problem.message
            typer.echo(f"Error: {path.name}, {where}, column {problem.column}: {text}", err=True)
        if error.total > len(error.problems):
            typer.echo(f"... and {error.total - len(error.problems)} more problems", err=True)
        raise typer.Exit(2)


@app.command("exposure")
def exposure_command(
    path: Path = typer.Argument(..., help="CSV or XLSX with columns isco08, employed and any dimension columns"),
    by: str = typer.Option("", "--by", help="Comma-separated dimension columns, e.g. region,sector,sex"),
    fmt: str = typer.Option("table", "--format", help="json or table"),
    split: str = typer.Option("equal", "--split", help="How codes above unit-group level are split: equal or table"),
    unmatched: str = typer.Option("refuse", "--unmatched", help="SOC codes with no ISCO-08 match in the "
                                  "crosswalk: refuse the file, or drop them (counted)"),
) -> None:
    """Jobs by ILO 2025 exposure class (Not Exposed, Minimal, Gradients 1-4, unscored) per group."""
    _check_format(fmt)
    if split not in ("equal", "table"):
        typer.echo("Error: --split must be equal or table", err=True)
        raise typer.Exit(2)
    if unmatched not in ("refuse", "drop"):
        typer.echo("Error: --unmatched must be refuse or drop", err=True)
        raise typer.Exit(2)
    dims = [d.strip() for d in by.split(",") if d.strip()]
    table = _load(path, dims, unmatched)
    result = exposure.aggregate(table, by=dims, split=split)
    records = exposure.to_records(result, dims)
    if fmt == "json":
        _emit(records)
        return
    typer.echo(f"Source: {exposure.SOURCE}. Split of codes above unit-group level: {split}.")
    header = ["group", "employed", *CLASSES, UNSCORED]
    typer.echo("\t".join(header))
    for record in records:
        group = ",".join(f"{k}={v}" for k, v in record["group"].items()) or "all"
        cells = [f"{record['by_gradient'][c]:.1f}" for c in CLASSES]
        typer.echo("\t".join([group, f"{record['employed']:.1f}", *cells, f"{record['unscored']:.1f}"]))


@app.command("reskill")
def reskill_command(
    isco_code: str = typer.Argument(..., help="ISCO-08 unit group (4 digits) of the workers to retrain"),
    top: int = typer.Option(10, "--top", min=1, help="How many target occupations"),
    fmt: str = typer.Option("table", "--format", help="json or table"),
    method: str = typer.Option("cosine", "--method", help="Skill similarity: cosine or dawson"),
    employment_path: Path | None = typer.Option(None, "--employment", help="Employment CSV/XLSX for demand"),
    gap_margin: float = typer.Option(0.5, "--gap-margin", help="Importance points (1-5 scale) that make a gap"),
    locale: str = typer.Option("en", "--locale", help="Title language: en, kk or ru"),
) -> None:
    """Target occupations ranked by skill similarity, lower exposure and demand, with skill gaps."""
    _check_format(fmt)
    demand = None
    if employment_path is not None:
        table = _load(employment_path, [])
        units = exposure.occupations(table)
        demand = units.set_index("isco08")["employed"]
    try:
        result = reskilling.rank_targets(isco_code.strip(), top=top, method=method, employment_by_unit=demand,
                                         gap_margin=gap_margin, locale=locale)
    except reskilling.ReskillingError as error:
        typer.echo(f"Error: {error}", err=True)
        raise typer.Exit(2)
    if fmt == "json":
        _emit(result.to_dict())
        return
    src = result.source
    typer.echo(f"From {src['isco08']} {src['title']} ({CLASS_LABELS[src['exposure_class']]}); method {result.method}, "
               f"weights {result.weights}")
    for rank, p in enumerate(result.pathways, 1):
        gaps = ", ".join(f"{g.skill} +{g.gap:.2f}" for g in p.gaps) or "none"
        typer.echo(f"{rank:>2}. {p.isco08} {p.title}  score {p.score:.3f}  similarity {p.similarity:.3f}  "
                   f"{CLASS_LABELS[p.exposure_class]}  gaps: {gaps}")


@app.command("occupation")
def occupation_command(
    isco_code: str = typer.Argument(..., help="ISCO-08 unit group (4 digits)"),
    fmt: str = typer.Option("table", "--format", help="json or table"),
) -> None:
    """One occupation: ILO 2025 and 2023 scores, its class and why, its tasks, and the US-based lenses."""
    _check_format(fmt)
    code = isco_code.strip()
    if code not in reference.unit_groups():
        typer.echo(f"Error: {code!r} is not an ISCO-08 unit group (4 digits)", err=True)
        raise typer.Exit(2)
    scores = reference.ilo_scores()
    cls = occupation_classes()[code]
    data = {"isco08": code, "title": {loc: reference.title(code, loc) for loc in reference.LOCALES},
            "class": cls, "class_label": CLASS_LABELS[cls], "source": exposure.SOURCE}
    if code in scores.index:
        row = scores.loc[code]
        data.update(mean_2025=float(row["mean_2025"]), sd_2025=float(row["sd_2025"]),
                    why=explain(float(row["mean_2025"]), float(row["sd_2025"])),
                    mean_2023=float(row["mean_2023"]), sd_2023=float(row["sd_2023"]), label_2023=row["label_2023"],
                    tasks=reference.ilo_tasks(code).to_dict(orient="records"))
    lenses = {}
    if code in reference.eloundou().index:
        lenses["eloundou_2024_us"] = reference.eloundou().loc[code, ["gpt4_beta", "human_beta"]].astype(float).to_dict()
    if code in reference.nesta().index:
        lenses["nesta_mcc_2021"] = reference.nesta().loc[code, ["nesta_risk", "nesta_risk_category"]].to_dict()
    data["alternative_lenses_us_based"] = lenses
    if fmt == "json":
        _emit(data)
        return
    typer.echo(f"{code} {data['title']['en']}: {data['class_label']}")
    if "why" in data:
        typer.echo(f"  {data['why']}")
        for task in data["tasks"]:
            typer.echo(f"  - {task['score_2025']:.2f}  {task['task']}")
    else:
        typer.echo("  The ILO index has no score for this occupation; it is reported as unscored.")


@app.command("scenario")
def scenario_command(
    path: Path = typer.Argument(..., help="Employment CSV/XLSX; a sector column (OKED) is used when present"),
    scenario: str = typer.Option("central", "--scenario", help="slow, central or fast"),
    start_year: int = typer.Option(2025, "--start"),
    end_year: int = typer.Option(2035, "--end"),
    fmt: str = typer.Option("table", "--format", help="json or table"),
) -> None:
    """Jobs transformed vs at risk of displacement by year, under an adoption scenario (assumptions shown)."""
    _check_format(fmt)
    header = employment.read_table(path).columns
    table = _load(path, ["sector"] if "sector" in header else [])
    try:
        assumptions = scenarios.load_assumptions(scenario, start_year=start_year, end_year=end_year)
        result = scenarios.run(table, assumptions)
    except scenarios.ScenarioError as error:
        typer.echo(f"Error: {error}", err=True)
        raise typer.Exit(2)
    if fmt == "json":
        _emit(result.to_dict())
        return
    typer.echo(f"Scenario {scenario}: {scenarios.ASSUMPTION_NOTE}")
    for row in result.totals.itertuples():
        typer.echo(f"{row.year}: transformed {row.transformed:,.0f}, at risk of displacement {row.at_risk:,.0f}")


@app.command("synthetic")
def synthetic_command(
    out: Path = typer.Argument(..., help="Where to write the CSV"),
    seed: int = typer.Option(7, "--seed"),
    employed: int = typer.Option(9_000_000, "--employed", help="Total employed"),
) -> None:
    """Write a SYNTHETIC Kazakhstan employment table (labelled synthetic in every row)."""
    frame = synthetic.generate(synthetic.SyntheticSpec(employed=employed, seed=seed))
    frame.to_csv(out, index=False)
    _emit(synthetic.summary(frame))
