"""`qorgau risk ...`: backtest the model on a panel file, plan inspections, write a synthetic panel."""

from __future__ import annotations

import json
from enum import StrEnum
from pathlib import Path

import typer

from qorgau.risk.states import RunStatus

app = typer.Typer(help="AI accident-risk forecasting and inspection targeting: backtest, plan, synthetic panel.",
                  no_args_is_help=True)


class Format(StrEnum):
    json = "json"
    table = "table"


def _fail(message: str) -> None:
    typer.echo(message, err=True)
    raise typer.Exit(1)


def _panel(path: Path | None, months: int = 48):
    from qorgau.risk.panel import PanelError, read_panel

    if path is None:
        return _database_panel(months)
    try:
        return read_panel(path)
    except PanelError as error:
        _fail("\n".join(f"{path.name}: {line}" for line in str(error).splitlines()))


def _database_panel(months: int):
    """The platform's monthly panel, built from the database through the packages' services."""
    from qorgau.core.config import get_settings
    from qorgau.core.db import unit_of_work
    from qorgau.core.errors import AppError
    from qorgau.risk import service
    from qorgau.risk.panel import PanelError

    try:
        with unit_of_work(get_settings().resolved_database_url(), actor="cli:risk") as session:
            return service.build_db_panel(session=session, months=months).panel
    except (AppError, PanelError) as error:
        _fail(f"database: {getattr(error, 'field', '') or ''} {getattr(error, 'message', error)}".strip())


PANEL_HELP = ("CSV or XLSX: entity_id, period, workers, cases, optional sector/region, numeric features; "
              "without it, the platform's database")


@app.command()
def train(months: int = typer.Option(48, "--months", min=3, max=240, help="Months of history to use"),
          rounds: int = typer.Option(60, "--trees", min=1, max=5000, help="Boosting rounds"),
          min_cases: int = typer.Option(30, "--min-cases", min=1,
                                        help="Fewer serious or fatal cases than this: no model, and the pages say so"),
          test_periods: int = typer.Option(6, "--test-periods", min=1, help="Backtest origins"),
          threads: int = typer.Option(1, "--threads", min=0, help="LightGBM threads (0: all cores)"),
          seed: int = typer.Option(0, "--seed")) -> None:
    """Retrain on the database: panel from the packages' services, fit, backtest, score every enterprise."""
    from qorgau.core.config import get_settings
    from qorgau.core.db import unit_of_work
    from qorgau.core.errors import AppError
    from qorgau.risk import service

    try:
        with unit_of_work(get_settings().resolved_database_url(), actor="cli:risk") as session:
            run = service.train(session=session, actor=None, months=months, rounds=rounds, min_cases=min_cases,
                                test_periods=test_periods, threads=threads, seed=seed, trained_by="cli")
            summary = {"run": run.id, "status": run.status, "version": run.version, "period": run.period,
                       "enterprises": run.enterprises, "cases": run.cases, "training_cases": run.training_cases,
                       "seconds": round(run.seconds, 2)}
            if run.status != RunStatus.TRAINED:
                summary["message"] = run.message % run.message_params
            model = run.metrics.get("methods", {})
            summary["capture_10"] = {name: m["capture"].get("0.1") for name, m in model.items()}
    except AppError as error:
        _fail(f"{error.field or 'database'}: {error.message % error.params if error.params else error.message}")
    typer.echo(json.dumps(summary, ensure_ascii=False))


@app.command()
def backtest(panel: Path | None = typer.Option(None, "--panel", exists=True, dir_okay=False, help=PANEL_HELP),
             output: Format = typer.Option(Format.json, "--format", help="json or table"),
             test_periods: int = typer.Option(12, "--test-periods", min=1, help="How many last origins to test"),
             min_train: int = typer.Option(6, "--min-train", min=1, help="Training periods before the first origin"),
             rounds: int = typer.Option(100, "--trees", min=1, help="Boosting rounds per fit"),
             threads: int = typer.Option(0, "--threads", min=0, help="LightGBM threads (0: all cores)"),
             seed: int = typer.Option(0, "--seed", help="Seed of the model and of the random baseline"),
             months: int = typer.Option(48, "--months", min=3, max=240,
                                        help="Without --panel: months of the database to use")) -> None:
    """Rolling-origin backtest: model vs last-rate, headcount and random baselines (features at t → cases at t+1)."""
    from qorgau.risk.backtest import BacktestConfig, run_backtest
    from qorgau.risk.panel import PanelError

    data = _panel(panel, months)
    config = BacktestConfig(test_periods=test_periods, min_train_periods=min_train, rounds=rounds, seed=seed,
                            params={"num_threads": threads})
    try:
        result = run_backtest(data, config)
    except (PanelError, ValueError) as error:  # a bad cell, or nothing to train on
        _fail(f"{panel.name if panel else 'database'}: {error}")
    if output == Format.json:
        typer.echo(json.dumps(result.to_cli_dict()))
    else:
        typer.echo(result.table())


@app.command()
def plan(panel: Path | None = typer.Option(None, "--panel", exists=True, dir_okay=False, help=PANEL_HELP),
         inspectors: int = typer.Option(..., "--inspectors", min=0, help="Inspectors available"),
         days: int = typer.Option(..., "--days", min=0, help="Working days in the planning period"),
         per_day: float = typer.Option(0.5, "--per-day", min=0.001, help="Inspections per inspector-day"),
         random_share: float = typer.Option(0.1, "--random-share", min=0.0, max=1.0, help="Share of random audit slots"),
         effectiveness: float = typer.Option(0.09, "--effectiveness", min=0.0, max=1.0,
                                             help="Share of expected serious cases an inspection prevents"),
         horizon: int = typer.Option(60, "--horizon", min=1, help="Periods over which the effect lasts"),
         rounds: int = typer.Option(200, "--trees", min=1, help="Boosting rounds"),
         threads: int = typer.Option(0, "--threads", min=0, help="LightGBM threads (0: all cores)"),
         seed: int = typer.Option(0, "--seed", help="Seed of the model and of the random audit draw"),
         output: Format = typer.Option(Format.json, "--format", help="json or table"),
         months: int = typer.Option(48, "--months", min=3, max=240,
                                    help="Without --panel: months of the database to use"),
         min_cases: int = typer.Option(30, "--min-cases", min=1,
                                       help="Without --panel: fewer serious or fatal cases than this, no plan")) -> None:
    """Inspection plan for the period after the panel's last: risk picks, random audits, reasons, reserve."""
    from qorgau.risk.features import model_frame
    from qorgau.risk.panel import PanelError
    from qorgau.risk.plan import Capacity, PlanError, forecast, make_plan

    data = _panel(panel, months)
    if panel is None:
        known = model_frame(data)["target"]
        cases = int(known[known.notna()].sum())
        if cases < min_cases:
            _fail(f"database: only {cases} serious or fatal cases with a known next month; the model needs at "
                  f"least {min_cases} (--min-cases), so no plan is drawn from it.")
    try:
        result = forecast(data, rounds=rounds, params={"num_threads": threads}, seed=seed)
        chosen = make_plan(result.scored, Capacity(inspectors, days, per_day), result.model.explain,
                           period=result.period, model_version=result.model.version, random_share=random_share,
                           effectiveness=effectiveness, horizon=horizon, seed=seed)
    except (PanelError, PlanError, ValueError) as error:  # ValueError: nothing to train on
        _fail(f"{panel.name if panel else 'database'}: {error}")
    if output == Format.json:
        typer.echo(json.dumps(chosen.to_dict(), ensure_ascii=False))
    else:
        typer.echo(chosen.table())


@app.command()
def synthetic(out: Path = typer.Option(..., "--out", dir_okay=False, help="CSV file to write"),
              enterprises: int = typer.Option(500, "--enterprises", min=1),
              months: int = typer.Option(36, "--months", min=2),
              seed: int = typer.Option(0, "--seed")) -> None:
    """Write a SYNTHETIC enterprise-month panel whose accidents follow leading indicators (for demos)."""
    from qorgau.risk.synthetic import SYNTHETIC_LABEL, generate_panel

    frame = generate_panel(enterprises, months, seed=seed)
    frame.to_csv(out, index=False)
    typer.echo(f"{SYNTHETIC_LABEL} {len(frame)} rows, {int(frame['cases'].sum())} cases → {out}", err=True)


@app.command()
def features(output: Format = typer.Option(Format.table, "--format", help="json or table")) -> None:
    """The feature catalogue: id, label, source, direction and how each feature is computed."""
    from qorgau.risk.features import catalogue_records

    records = catalogue_records()
    if output == Format.json:
        typer.echo(json.dumps(records, ensure_ascii=False, indent=2))
        return
    for r in records:
        typer.echo(f"{r['id']:<26} {r['label']}\n{'':<26} {r['source']}; {r['direction']}\n{'':<26} {r['computation']}")
