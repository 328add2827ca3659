"""`qorgau index ...`: compute the Safety Index from your own table, print a methodology."""

from __future__ import annotations

import json
import math
from enum import StrEnum
from pathlib import Path

import pandas as pd
import typer

from qorgau.index.states import ScoreStatus

app = typer.Typer(help="The Trade Union Safety Index: scores, rank intervals and the open methodology.",
                  no_args_is_help=True)


class OutputFormat(StrEnum):
    json = "json"
    csv = "csv"


class PageFormat(StrEnum):
    markdown = "markdown"
    json = "json"


def _fail(message: str) -> None:
    typer.echo(message, err=True)
    raise typer.Exit(1)


def _load_method(path: Path):
    from qorgau.index.methodology import MethodologyError, load_methodology

    try:
        return load_methodology(path)
    except MethodologyError as error:
        _fail(f"{path.name}: " + "\n".join(f"{where}: {message}" for where, message in error.problems))


def _read_table(path: Path) -> pd.DataFrame:
    from qorgau.core.tabular import ImportFailed, read_table

    try:
        header, rows = read_table(path.read_bytes(), path.name)
    except ImportFailed as failed:
        from qorgau.core.imports.problems import terminal_locale, translated_lines

        _fail("\n".join(f"{path.name}: {line}" for line in translated_lines(failed.problems, terminal_locale())))
    return pd.DataFrame(rows, columns=header, dtype=object)


def _number(value: float) -> float | int | None:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return None
    value = round(float(value), 6)
    return int(value) if value.is_integer() else value


@app.command()
def compute(indicators: Path = typer.Option(..., "--indicators", exists=True, dir_okay=False,
                                            help="CSV or XLSX: entity_id and one column per indicator"),
            method: Path = typer.Option(..., "--method", exists=True, dir_okay=False, help="Methodology YAML"),
            output: OutputFormat = typer.Option(OutputFormat.json, "--format", help="json or csv"),
            runs: int = typer.Option(0, "--runs", min=0, help="Monte Carlo replications for rank intervals"),
            seed: int = typer.Option(0, "--seed", help="Random seed of the Monte Carlo")) -> None:
    """Scores, ranks, rank intervals and contributions; insufficient-data entities get null score and rank."""
    from qorgau.index import engine, uncertainty

    methodology = _load_method(method)
    table = _read_table(indicators)
    try:
        prepared = engine.prepare(table, methodology, imputations=methodology.uncertainty.imputation if runs else ())
    except engine.DataError as error:
        _fail("\n".join(f"{indicators.name}: row {row}, column {column}: {message}" if row
                        else f"{indicators.name}: column {column}: {message}"
                        for row, column, message in error.problems))
    result = engine.compute(prepared)
    intervals = None
    if runs:
        intervals = uncertainty.monte_carlo(prepared, runs=runs, seed=seed, sensitivity=False).table()
    records = []
    for row in result.records():
        ident, ranked = row["entity_id"], row["status"] == ScoreStatus.RANKED
        low = high = row["rank"]
        if ranked and intervals is not None:
            low, high = intervals.at[ident, "rank_p05"], intervals.at[ident, "rank_p95"]
        records.append({"entity_id": ident, "score": _number(row["score"]) if ranked else None,
                        "rank": _number(row["rank"]) if ranked else None,
                        "rank_p05": _number(low) if ranked else None, "rank_p95": _number(high) if ranked else None,
                        "contributions": {i: _number(v["contribution"]) if ranked else None
                                          for i, v in row["indicators"].items()},
                        # what the score assumed: the share of indicators observed, and those filled in by the
                        # methodology's missing-value rule (never silently: a blank is not a zero)
                        "coverage": _number(row["coverage"]),
                        "imputed": [i for i, v in row["indicators"].items() if v["imputed"]]})
    if output == OutputFormat.json:
        typer.echo(json.dumps(records, ensure_ascii=False))
        return
    flat = pd.DataFrame([{k: (";".join(v) if isinstance(v, list) else v) for k, v in r.items() if k != "contributions"}
                         | {f"contribution_{i}": v for i, v in r["contributions"].items()} for r in records], dtype=object)
    typer.echo(flat.to_csv(index=False), nl=False)


@app.command("methodology")
def methodology_page(method: Path = typer.Argument(..., exists=True, dir_okay=False, help="Methodology YAML"),
                     locale: str = typer.Option("en", "--locale", help="kk, ru or en"),
                     output: PageFormat = typer.Option(PageFormat.markdown, "--format", help="markdown or json")) -> None:
    """Validate a methodology and print its page: formulas, sources, weights and choices."""
    from qorgau.index.describe import describe, to_markdown

    if locale not in ("kk", "ru", "en"):
        _fail(f"--locale must be kk, ru or en, not {locale!r}")
    methodology = _load_method(method)
    if output == PageFormat.json:
        typer.echo(json.dumps(describe(methodology), ensure_ascii=False, indent=2))
    else:
        typer.echo(to_markdown(methodology, locale), nl=False)


def _database_user(session, username: str):
    from sqlalchemy import select

    from qorgau.core.models import User

    user = session.execute(select(User).where(User.username == username.lower())).scalar()
    if user is None:
        _fail(f"No user named {username}.")
    return user


@app.command("run")
def run(period: int = typer.Option(..., "--period", min=2000, max=2100, help="The index year, e.g. 2025"),
        publish: bool = typer.Option(False, "--publish", help="Publish the result as the period's index, dated today"),
        seed: int | None = typer.Option(None, "--seed", min=0, help="Monte Carlo seed (default: the year)"),
        runs: int | None = typer.Option(None, "--runs", min=1, max=20000, help="Replications (default: the methodology's)"),
        statement: str = typer.Option("", "--statement", help="Note published with the index"),
        as_user: str = typer.Option("admin", "--as", help="User recorded as the actor (needs index.publish)")) -> None:
    """Compute the index of a period from the platform's database, with rank intervals; optionally publish it."""
    from qorgau.core.config import get_settings
    from qorgau.core.db import unit_of_work
    from qorgau.core.errors import AppError
    from qorgau.index import service

    try:
        with unit_of_work(get_settings().resolved_database_url(), actor=f"cli:{as_user}") as session:
            actor = _database_user(session, as_user)
            result = service.run_period(session=session, actor=actor, period=period, seed=seed, runs=runs)
            published = service.publish(session=session, actor=actor, run_id=result.id, statement=statement) \
                if publish else None
            summary = {"run_id": result.id, "period": result.period, "methodology_version": result.methodology_version,
                       "seed": result.seed, "runs": result.runs, "enterprises": result.enterprises,
                       "ranked": result.ranked, "insufficient": result.insufficient,
                       "sources": {name: info["status"] for name, info in result.sources.items()
                                   if not name.startswith("_")},
                       "results_sha256": result.results_sha256,
                       "published_on": published.published_on.isoformat() if published else None}
    except AppError as error:
        _fail(error.message % error.params if error.params else error.message)
    typer.echo(json.dumps(summary, ensure_ascii=False))


@app.command("propose")
def propose(method: Path = typer.Argument(..., exists=True, dir_okay=False, help="Methodology YAML with a new version"),
            note: str = typer.Option(..., "--note", help="What changes and why"),
            as_user: str = typer.Option(..., "--as", help="The proposer (needs index.publish)")) -> None:
    """Step one of a methodology change: store a validated proposal; someone else must approve it."""
    from qorgau.core.config import get_settings
    from qorgau.core.db import unit_of_work
    from qorgau.core.errors import AppError
    from qorgau.index import service

    try:
        with unit_of_work(get_settings().resolved_database_url(), actor=f"cli:{as_user}") as session:
            row = service.propose_methodology(session=session, actor=_database_user(session, as_user),
                                              yaml_text=method.read_text(encoding="utf-8"), note=note)
            summary = {"id": row.id, "version": row.version, "status": row.status, "sha256": row.sha256}
    except AppError as error:
        _fail(error.message % error.params if error.params else error.message)
    typer.echo(json.dumps(summary, ensure_ascii=False))


@app.command("review")
def review(methodology_id: int = typer.Argument(..., min=1, help="The proposal's id"),
           approve: bool = typer.Option(..., "--approve/--reject", help="Approve or reject the proposal"),
           note: str = typer.Option("", "--note", help="Review note (required to reject)"),
           as_user: str = typer.Option(..., "--as", help="The reviewer: not the proposer (needs index.publish)")) -> None:
    """Step two: approve (the version comes into force) or reject a proposed methodology version."""
    from qorgau.core.config import get_settings
    from qorgau.core.db import unit_of_work
    from qorgau.core.errors import AppError
    from qorgau.index import service

    try:
        with unit_of_work(get_settings().resolved_database_url(), actor=f"cli:{as_user}") as session:
            row = service.review_methodology(session=session, actor=_database_user(session, as_user),
                                             methodology_id=methodology_id, approve=approve, note=note)
            summary = {"id": row.id, "version": row.version, "status": row.status}
    except AppError as error:
        _fail(error.message % error.params if error.params else error.message)
    typer.echo(json.dumps(summary, ensure_ascii=False))
