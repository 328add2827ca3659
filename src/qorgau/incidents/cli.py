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

from qorgau.core.imports import FileProblems
from qorgau.core.policy import Role
from qorgau.incidents.engine.rates import BASES, SEVERITIES

app = typer.Typer(help="Accidents and occupational diseases: rates with named bases, under-reporting, deadlines.",
                  no_args_is_help=True)

CASE_LAYOUT = ("accident_id", "date", "enterprise_id", "outcome")


class OutputFormat(StrEnum):
    json = "json"
    csv = "csv"


def _fail(message: str) -> None:
    typer.echo(message, err=True)
    raise typer.Exit(1)


def _pattern_table(header: list[str], rows: list[tuple[int, dict[str, str]]], filename: str) -> pd.DataFrame:
    """A capture-history table (0/1 per source, and count), each cell a whole number by the core's parser; every
    cell that is not is refused with its row and column (a blank count is not zero)."""
    from qorgau.core.imports import CellError, Problem, parse_number

    values: dict[str, list[int]] = {column: [] for column in header}
    problems = []
    for number, row in rows:
        for column in header:
            try:
                values[column].append(int(parse_number(row.get(column, ""), integer=True)))
            except CellError as error:
                problems.append(Problem(number, column, error.message, error.params))
    if problems:
        _fail_file(FileProblems(problems, filename))
    return pd.DataFrame(values)


def _fail_file(error: FileProblems) -> None:
    """Every problem of a refused file, in the reader's language (QORGAU_LANG or LANG: kk, ru or en)."""
    from qorgau.core.imports.problems import summary_line, terminal_locale, translated_lines

    locale = terminal_locale()
    head = f"{error.source}: " if error.source else ""
    _fail(head + summary_line(len(error.problems), locale) + "\n"
          + "\n".join(translated_lines(error.problems, locale)))


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


class Missing(StrEnum):
    refuse = "refuse"
    drop = "drop"
    zero = "zero"


class ZeroHours(StrEnum):
    drop = "drop"
    estimate = "estimate"
    refuse = "refuse"


def read_cases(path: Path, missing: str = "refuse", notes: list | None = None) -> pd.DataFrame:
    """Cases from the generic accident layout, or a table of counts (`formats.CASE_COUNTS`): enterprise_id, year
    [, outcome, cases, days_lost, other columns kept for slicing].

    A blank count is refused (row and column named) unless `missing` is drop (the row is left out) or zero
    (read as 0); each row handled so is appended to `notes`. Missing is never silently zero.
    """
    from qorgau.core.i18n_markers import N_
    from qorgau.core.imports import Problem, read_table
    from qorgau.incidents.engine.accident_file import parse_accidents
    from qorgau.incidents.engine.formats import CASE_COUNTS

    table = read_table(path.read_bytes(), path.name)
    if all(c in table.header for c in CASE_LAYOUT):
        return parse_accidents(path)
    parsed = CASE_COUNTS.read(table)
    problems = list(parsed.problems)
    rows = dict(table.numbered())
    records = []
    for number, record in parsed.records:
        values = {**rows[number], **{k: v for k, v in record.model_dump().items() if k in parsed.mapping}}
        if "outcome" in parsed.mapping and record.outcome is None:
            problems.append(Problem(number, parsed.mapping["outcome"], N_("blank: write fatal, serious or light")))
            continue
        if "cases" in parsed.mapping and record.cases is None:
            if missing == "refuse":
                problems.append(Problem(number, parsed.mapping["cases"],
                                        N_("blank; write the number (0 if none), or use --missing drop|zero")))
                continue
            if notes is not None:
                notes.append(Problem(number, parsed.mapping["cases"], N_("blank: row left out") if missing == "drop"
                                     else N_("blank: read as 0 as asked")))
            if missing == "drop":
                continue
            values["cases"] = 0
        if "days_lost" in parsed.mapping and values.get("days_lost") is None:
            values["days_lost"] = None  # unknown, not zero: severity figures leave it out and count it
        records.append(values)
    if problems:
        raise FileProblems(problems, path.name)
    columns = [*parsed.mapping, *[c for c in table.header if c and c not in parsed.mapping.values()]]
    return pd.DataFrame(records, columns=columns)


def _summary(notes: list, what: str) -> dict:
    """What was dropped, estimated or assumed; each reason in the reader's language (QORGAU_LANG or LANG)."""
    from qorgau.core import i18n
    from qorgau.core.imports.problems import terminal_locale

    with i18n.locale_context(terminal_locale()):
        return {"rows": len(notes), "what": what,
                "list": [{**n.as_dict(), "reason": n.text(i18n.translate)} for n in notes]}


def _estimated_shares(exposure_df: pd.DataFrame, rows: list[dict], keys: list[str], denominator: str) -> None:
    """Add to each rate row the share of its denominator estimated (hours from headcount, or workers from hours)."""
    flag = "hours_estimated" if denominator == "hours" else "workers_estimated"
    if flag not in exposure_df.columns:
        return
    frame = exposure_df.assign(_est=exposure_df[denominator].where(exposure_df[flag].astype(bool), 0.0))
    usable = [k for k in keys if k in frame.columns]
    sums = frame.groupby(usable, dropna=False)[["_est", denominator]].sum() if usable else None
    total = float(frame[denominator].sum())
    for row in rows:
        if sums is None or len(usable) < len(keys):
            estimated, exposure = float(frame["_est"].sum()), total
        else:
            group = row["group"]
            label = tuple(group[k] for k in usable) if isinstance(group, dict) else group
            try:
                estimated, exposure = (float(v) for v in sums.loc[label])
            except KeyError:
                estimated, exposure = 0.0, 0.0
        row[f"{flag}_share"] = estimated / exposure if exposure else None


def _flat(row: dict) -> dict:
    out: dict = {}
    for key, value in row.items():
        if key == "group":
            continue
        if isinstance(value, dict):
            out.update({f"{key}_{k}" if k != "rate" else key: v for k, v in value.items()})
        else:
            out[key] = value
    return out


def _rows_to_csv(rows: list[dict]) -> str:
    buffer = io.StringIO()
    group_keys: list[str] = []
    columns: list[str] = []
    for row in rows:
        if isinstance(row["group"], dict):
            group_keys += [k for k in row["group"] if k not in group_keys]
        columns += [k for k in _flat(row) if k not in columns]
    writer = csv.writer(buffer)
    writer.writerow((group_keys or ["group"]) + columns)
    for row in rows:
        group = [row["group"].get(k) for k in group_keys] if group_keys else [row["group"]]
        flat = _flat(row)
        writer.writerow(group + [flat.get(c) for c in columns])
    return buffer.getvalue()


@app.command("rates-file")
def rates_file(exposure: Path = typer.Option(..., "--exposure", exists=True, dir_okay=False,
                                             help="CSV/XLSX of workers and hours per enterprise and year; an OSHA "
                                                  "Form 300A file gives its own case totals"),
               cases: Path | None = typer.Option(None, "--cases", exists=True, dir_okay=False,
                                                 help="CSV/XLSX of cases: the accident layout, or enterprise_id, "
                                                      "year, outcome[, cases]; leave out for a Form 300A file"),
               by: list[str] = typer.Option([], "--by", help="Slice column(s): region (or state), industry (NAICS "
                                            "or OKED), size, year, union, enterprise, or a case column such as "
                                            "cause; repeat to cross"),
               base: str = typer.Option("", "--base", help=f"One of: {', '.join(BASES)} (default per_1000_workers; "
                                        "per_200k_hours for Form 300A totals)"),
               severity: str = typer.Option("all", "--severity", help=f"One of: {', '.join(SEVERITIES)}"),
               hours_per_worker: float = typer.Option(1800.0, help="Hours a worker when hours must be estimated"),
               missing: Missing = typer.Option(Missing.refuse, "--missing",
                                               help="A blank case count: refuse the file, drop the row, or read 0"),
               zero_hours: ZeroHours = typer.Option(ZeroHours.drop, "--zero-hours",
                                                    help="Zero hours with workers present: drop the row, estimate "
                                                         "hours from workers, or refuse the file"),
               output: OutputFormat = typer.Option(OutputFormat.json, "--format")) -> None:
    """Rates with exact Poisson 95% intervals for any slice, computed from files (no database).

    JSON: {"rows": [...], "base", "notes": what was dropped, estimated or assumed, "warnings"}.
    """
    from qorgau.incidents.engine.form300a import (
        denominators_frame,
        has_case_totals,
        osha_rates,
        parse_denominators,
        slice_columns,
    )
    from qorgau.incidents.engine.rates import RateError, rates_table

    base = base or ("per_1000_workers" if cases else "per_200k_hours")
    if base not in BASES:
        _fail(f"--base: unknown base {base!r}; use one of: {', '.join(BASES)}")
    if severity not in SEVERITIES:
        _fail(f"--severity: unknown severity {severity!r}; use one of: {', '.join(SEVERITIES)}")
    exposure_notes: list = []
    case_notes: list = []
    try:
        exposure_df = denominators_frame(parse_denominators(exposure, hours_per_worker=hours_per_worker,
                                                            zero_hours=zero_hours.value, notes=exposure_notes),
                                         hours_per_worker)
        keys = slice_columns(exposure_df, list(by))
        if cases is None:
            if not has_case_totals(exposure_df):
                _fail(f"{exposure.name}: no cases: give --cases, or a Form 300A file with its case totals")
            rows = osha_rates(exposure_df, list(by), base)
        else:
            rows = rates_table(read_cases(cases, missing.value, case_notes), exposure_df, keys, base, severity)
            _estimated_shares(exposure_df, rows, ["enterprise_id" if k == "enterprise" else k for k in keys],
                              BASES[base].denominator)
    except FileProblems as error:
        _fail_file(error)
    except RateError as error:
        _fail(f"error: {error}")
    if output == OutputFormat.csv:
        typer.echo(_rows_to_csv(rows).rstrip("\n"))
        return
    warnings = []
    estimated = [r for r in rows if (r.get("hours_estimated_share") or r.get("workers_estimated_share"))]
    if estimated:
        warnings.append(f"{len(estimated)} of {len(rows)} group(s) rest partly on estimated "
                        f"{'hours' if BASES[base].denominator == 'hours' else 'workers'} "
                        f"({hours_per_worker:g} hours a worker)")
    if case_notes:
        warnings.append(f"{len(case_notes)} blank case count(s) handled as --missing {missing.value}")
    if exposure_notes:
        warnings.append(f"{len(exposure_notes)} row(s) with zero hours and workers present: --zero-hours "
                        f"{zero_hours.value}")
    typer.echo(_dump({"base": base, "rows": rows, "notes": {
        "missing_cases": _summary(case_notes, f"--missing {missing.value}"),
        "zero_hours": _summary(exposure_notes, f"--zero-hours {zero_hours.value}"),
        "hours_estimated_rows": int(exposure_df["hours_estimated"].sum()) if len(exposure_df) else 0,
        "hours_per_worker": hours_per_worker}, "warnings": warnings}))


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
                                              help="Fix the model: two-way interaction a:b (repeat); default: "
                                                   "lowest AIC among testable models (df >= 1)"),
        disagreement: float = typer.Option(1.5, "--disagreement",
                                           help="Warn when plausible models' estimates differ by more than this "
                                                "factor")) -> None:
    """Estimate the true number of cases from overlapping sources (Chapman or log-linear), as JSON."""
    from qorgau.incidents.engine import capture_recapture as cr
    from qorgau.incidents.engine.linkage import LinkageError, LinkageRules
    from qorgau.incidents.engine.tables import read_rows

    try:
        header, rows = read_rows(file)
    except FileProblems as error:
        _fail_file(error)
    frame = pd.DataFrame([r for _n, r in rows], columns=header)
    result: dict = {}
    try:
        if "source" in header:
            linked = cr.link_records(frame, LinkageRules(date_window_days=window))
            table = cr.pattern_counts(linked)
            result["records"] = len(linked)
            result["linked"] = {k: int(v) for k, v in linked["link"].value_counts().items()}
        else:
            table = _pattern_table(header, rows, file.name)
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
                                 "aic": f.aic, "testable": (f.df or 0) >= 1} for f in sorted(fits, key=cr.aic_of)]
            result["selection"] = "lowest AIC among models with df >= 1 (the saturated model cannot be tested)"
            result["spread"] = cr.model_spread(fits, estimate, disagreement)
            result["warnings"] = result["spread"]["warnings"]
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
    from qorgau.incidents.engine.calendar_kz import HOLIDAY_NAMES, KNOWN_YEARS, Calendar, holidays

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
             as_user: str = typer.Option(str(Role.ANALYST), "--as",
                                         help="whose scope to compute in (a username; the demo names its users "
                                              "after their roles)")) -> None:
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
              as_user: str = typer.Option(str(Role.ADMIN), "--as", help="the importing user's username")) -> None:
    """Import accidents (one row per victim) or denominators into the database; any error and nothing is written."""
    from qorgau.core.config import get_settings
    from qorgau.core.db import unit_of_work
    from qorgau.core.imports import FileProblems
    from qorgau.incidents import file_import

    try:
        with unit_of_work(get_settings().resolved_database_url(), actor=f"cli:{as_user}") as session:
            actor = _database_actor(session, as_user)
            counts = file_import.import_file(session=session, actor=actor, data=file.read_bytes(), filename=file.name,
                                          kind=kind)
    except FileProblems as problems:
        _fail_file(problems)
    typer.echo(_dump(counts))
