"""`qorgau incidents ...`: injury rates from files, capture-recapture, the holiday calendar."""

from __future__ import annotations

import csv
import io
import json
import math
from datetime import date
from enum import StrEnum
from pathlib import Path

import pandas as pd
import typer

from qorgau.incidents.rates import BASES, SEVERITIES
from qorgau.incidents.tables import ImportProblems

app = typer.Typer(help="Accidents and occupational diseases: rates with named bases, under-reporting, deadlines.",
                  no_args_is_help=True)

CASE_LAYOUT = ("accident_id", "date", "enterprise_id", "outcome")


class OutputFormat(StrEnum):
    json = "json"
    csv = "csv"


def _fail(message: str) -> None:
    typer.echo(message, err=True)
    raise typer.Exit(1)


def _clean(value):
    if isinstance(value, float) and (math.isnan(value) or math.isinf(value)):
        return None
    if isinstance(value, dict):
        return {k: _clean(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_clean(v) for v in value]
    return value


def _dump(rows: list[dict] | dict) -> str:
    return json.dumps(_clean(rows), ensure_ascii=False)


def read_cases(path: Path) -> pd.DataFrame:
    """Cases from the generic accident layout, or a plain table: enterprise_id, year[, outcome, cases, days_lost, ...]."""
    from qorgau.incidents.accident_import import parse_accidents
    from qorgau.incidents.tables import RowProblem, parse_number, read_rows

    header, rows = read_rows(path)
    if all(c in header for c in CASE_LAYOUT):
        return parse_accidents(path)
    problems = [RowProblem(1, c, "required column is missing") for c in ("enterprise_id", "year") if c not in header]
    if problems:
        raise ImportProblems(problems, path.name)
    records = []
    for number, row in rows:
        record: dict = dict(row)
        for column, integer in (("year", True), ("cases", True), ("days_lost", False)):
            if column not in header:
                continue
            text = row.get(column, "")
            if not text and column != "year":
                record[column] = 0
                continue
            try:
                record[column] = parse_number(text, integer=integer)
            except ValueError as error:
                problems.append(RowProblem(number, column, str(error) if text else "blank"))
        outcome = row.get("outcome", "").lower()
        if "outcome" in header and outcome not in ("fatal", "serious", "light"):
            problems.append(RowProblem(number, "outcome", f"{outcome!r} is not fatal, serious or light"))
        if not row.get("enterprise_id"):
            problems.append(RowProblem(number, "enterprise_id", "blank"))
        records.append(record)
    if problems:
        raise ImportProblems(problems, path.name)
    return pd.DataFrame(records, columns=header)


def _rows_to_csv(rows: list[dict]) -> str:
    buffer = io.StringIO()
    group_keys: list[str] = []
    for row in rows:
        if isinstance(row["group"], dict):
            group_keys += [k for k in row["group"] if k not in group_keys]
    header = (group_keys or ["group"]) + ["cases", "exposure", "rate", "ci_low", "ci_high", "base"]
    writer = csv.writer(buffer)
    writer.writerow(header)
    for row in rows:
        group = [row["group"].get(k) for k in group_keys] if group_keys else [row["group"]]
        writer.writerow(group + [row[c] for c in header[len(group):]])
    return buffer.getvalue()


@app.command("rates-file")
def rates_file(cases: Path = typer.Option(..., "--cases", exists=True, dir_okay=False,
                                          help="CSV/XLSX of cases: the accident layout, or enterprise_id, year, outcome"),
               exposure: Path = typer.Option(..., "--exposure", exists=True, dir_okay=False,
                                             help="CSV/XLSX of workers and hours per enterprise and year (Form 300A too)"),
               by: list[str] = typer.Option([], "--by", help="Slice column(s): region, sector, size_band, union, "
                                            "year, enterprise, or a case column such as cause; repeat to cross"),
               base: str = typer.Option("per_1000_workers", "--base", help=f"One of: {', '.join(BASES)}"),
               severity: str = typer.Option("all", "--severity", help=f"One of: {', '.join(SEVERITIES)}"),
               hours_per_worker: float = typer.Option(1800.0, help="Hours a worker when hours must be estimated"),
               output: OutputFormat = typer.Option(OutputFormat.json, "--format")) -> None:
    """Rates with exact Poisson 95% intervals for any slice, computed from files (no database)."""
    from qorgau.incidents.form300a import denominators_frame, parse_denominators
    from qorgau.incidents.rates import RateError, rates_table

    if base not in BASES:
        _fail(f"--base: unknown base {base!r}; use one of: {', '.join(BASES)}")
    if severity not in SEVERITIES:
        _fail(f"--severity: unknown severity {severity!r}; use one of: {', '.join(SEVERITIES)}")
    try:
        cases_df = read_cases(cases)
        exposure_df = denominators_frame(parse_denominators(exposure, hours_per_worker=hours_per_worker),
                                         hours_per_worker)
        rows = rates_table(cases_df, exposure_df, by or None, base, severity)
    except ImportProblems as error:
        _fail(str(error))
    except RateError as error:
        _fail(f"error: {error}")
    typer.echo(_dump(rows) if output == OutputFormat.json else _rows_to_csv(rows).rstrip("\n"))


@app.command("capture-recapture")
def capture_recapture_cmd(
        file: Path = typer.Argument(..., exists=True, dir_okay=False,
                                    help="CSV/XLSX: one row per record (source, enterprise_id, event_date, sex, "
                                         "age_band, severity) or a table of 0/1 source columns and count"),
        window: int = typer.Option(3, "--window", help="Days apart that two records of one event may be"),
        registered: str = typer.Option("", "--registered",
                                       help="Source holding the registered (official) cases, for the concealment ratio"),
        target: float = typer.Option(None, "--target", help="Target concealment ratio (estimated true / registered)"),
        interaction: list[str] = typer.Option([], "--interaction",
                                              help="Fix the model: two-way interaction a:b (repeat); default AIC")) -> None:
    """Estimate the true number of cases from overlapping sources (Chapman or log-linear), as JSON."""
    from qorgau.incidents import capture_recapture as cr
    from qorgau.incidents.linkage import LinkageError, LinkageRules
    from qorgau.incidents.tables import read_rows

    try:
        header, rows = read_rows(file)
    except ImportProblems as error:
        _fail(str(error))
    frame = pd.DataFrame([r for _n, r in rows], columns=header)
    result: dict = {}
    try:
        if "source" in header:
            linked = cr.link_records(frame, LinkageRules(date_window_days=window))
            table = cr.pattern_counts(linked)
            result["records"] = len(linked)
            result["linked"] = {k: int(v) for k, v in linked["link"].value_counts().items()}
        else:
            table = frame.copy()
            for column in table.columns:
                table[column] = pd.to_numeric(table[column], errors="coerce")
            if table.isna().any().any():
                _fail("every cell of a pattern table must be a number (0/1 per source, and count)")
        sources = [c for c in table.columns if c != "count"]
        result["patterns"] = table.to_dict("records")
        if len(sources) == 2 and not interaction:
            a, b = sources
            n1 = int(table.loc[table[a] == 1, "count"].sum())
            n2 = int(table.loc[table[b] == 1, "count"].sum())
            m = int(table.loc[(table[a] == 1) & (table[b] == 1), "count"].sum())
            estimate = cr.chapman(n1, n2, m)
        elif interaction:
            estimate = cr.loglinear(table, sources, [i.split(":") for i in interaction])
        else:
            estimate, fits = cr.select_loglinear(table, sources)
            result["models"] = [{"model": f.model, "estimate": f.estimate, "deviance": f.deviance, "df": f.df,
                                 "aic": f.aic} for f in sorted(fits, key=cr.aic_of)]
        result["estimate"] = estimate.as_dict()
        if registered:
            if registered not in sources:
                _fail(f"--registered: no source {registered!r}; sources are {', '.join(sources)}")
            count = int(table.loc[table[registered] == 1, "count"].sum())
            result["concealment"] = cr.concealment(estimate, count, target)
    except (cr.CaptureRecaptureError, LinkageError) as error:
        _fail(f"{file.name}: {error}")
    typer.echo(_dump(result))


@app.command("holidays")
def holidays_cmd(year: int = typer.Argument(..., help="Calendar year")) -> None:
    """Non-working days used by the investigation clock (five-day week), as JSON."""
    from qorgau.incidents.calendar_kz import HOLIDAY_NAMES, KNOWN_YEARS, Calendar, holidays

    calendar = Calendar()
    days = [{"date": d.isoformat(), "code": code, "name": HOLIDAY_NAMES[code]} for d, code in holidays(year).items()]
    typer.echo(_dump({"year": year, "complete": year in KNOWN_YEARS, "days_off": days,
                      "working_days": calendar.working_days_between(date(year - 1, 12, 31), date(year, 12, 31))}))


def _database_actor(session, username: str):
    from sqlalchemy import select

    from qorgau.core.models import User

    user = session.execute(select(User).where(User.username == username)).scalar()
    if user is None:
        _fail(f"no user named {username}")
    return user


@app.command("rates")
def rates_db(by: str = typer.Option("region", help="region, sector, union, year, enterprise, size_band, cause"),
             base: str = typer.Option("per_1000_workers", help="per_1m_hours, per_1000_workers, per_100k_workers, "
                                                               "per_200k_hours"),
             severity: str = typer.Option("all", help="all or fatal (also serious, serious_or_fatal, nonfatal)"),
             years: str = typer.Option("", help="e.g. 2021-2025; default the last five full years"),
             fmt: str = typer.Option("json", "--format", help="json or csv"),
             as_user: str = typer.Option("analyst", "--as", help="whose scope to compute in")) -> None:
    """Rates from the platform's database, each with its base and an exact Poisson 95% interval."""
    from qorgau.core.config import get_settings
    from qorgau.core.db import unit_of_work
    from qorgau.core.errors import AppError
    from qorgau.incidents import service

    span = None
    if years:
        first, _, last = years.partition("-")
        span = list(range(int(first), int(last or first) + 1))
    with unit_of_work(get_settings().resolved_database_url(), actor="cli") as session:
        try:
            rows = service.rates_for(session=session, actor=_database_actor(session, as_user),
                                     by=[b for b in by.split(",") if b], base=base, severity=severity, years=span)
        except AppError as error:
            _fail(f"{error.field}: {error.message}")
    typer.echo(_dump(rows) if fmt == "json" else _rows_to_csv(rows))


@app.command("import")
def import_db(file: Path = typer.Argument(..., exists=True, dir_okay=False),
              kind: str = typer.Option("accidents", help="accidents or denominators (Form 300A layout accepted)"),
              as_user: str = typer.Option("admin", "--as")) -> None:
    """Import accidents (one row per victim) or denominators into the database; any error and nothing is written."""
    from qorgau.core.config import get_settings
    from qorgau.core.db import unit_of_work
    from qorgau.incidents import importer
    from qorgau.incidents.tables import ImportProblems

    try:
        with unit_of_work(get_settings().resolved_database_url(), actor=f"cli:{as_user}") as session:
            actor = _database_actor(session, as_user)
            counts = importer.import_file(session=session, actor=actor, data=file.read_bytes(), filename=file.name,
                                          kind=kind)
    except ImportProblems as problems:
        _fail(str(problems))
    typer.echo(_dump(counts))
