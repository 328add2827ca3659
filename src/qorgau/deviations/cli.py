"""`qorgau deviations ...`: escalation run, spreadsheet import, statistics."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path

import typer

app = typer.Typer(help="Violations and corrective actions: escalation, import, statistics.", no_args_is_help=True)


def _today(now: str) -> date:
    try:
        return date.fromisoformat(now) if now else date.today()
    except ValueError:
        raise typer.BadParameter(f"'{now}' is not a date (YYYY-MM-DD)", param_hint="--now")


def _user(session, username: str):
    from sqlalchemy import select

    from qorgau.core.models import User

    user = session.execute(select(User).where(User.username == username)).scalar()
    if user is None:
        raise typer.BadParameter(f"no user '{username}'", param_hint="--as")
    return user


@app.command()
def escalate(now: str = typer.Option("", help="ISO date to act as today (default: today)")) -> None:
    """Send reminders before due dates and move overdue corrective actions up the escalation ladder."""
    from qorgau.core.config import get_settings
    from qorgau.core.db import unit_of_work
    from qorgau.deviations import ladder

    with unit_of_work(get_settings().resolved_database_url(), actor="system:escalation") as session:
        taken = ladder.escalate(session=session, today=_today(now))
        typer.echo(json.dumps({"steps": len(taken),
                               "by_step": {s: sum(1 for t in taken if t.step == s) for s in {t.step for t in taken}}}))


@app.command("import")
def import_file(path: Path = typer.Argument(..., exists=True, dir_okay=False, help="CSV or XLSX"),
                username: str = typer.Option(..., "--as", help="The inspector or officer importing"),
                mapping: list[str] = typer.Option([], "--map", help="field=column, e.g. found_on='Дата выявления'"),
                now: str = typer.Option("", help="ISO date to act as today"),
                lang: str = typer.Option("", help="Language of the problems: kk, ru or en (default: QORGAU_LANG, "
                                                  "LANG)")) -> None:
    """Import violations; any bad row: nothing is written and every problem is listed (row, column, reason)."""
    from qorgau.core.config import get_settings
    from qorgau.core.db import unit_of_work
    from qorgau.core.imports import FileProblems
    from qorgau.core.imports.problems import summary_line, terminal_locale, translated_lines
    from qorgau.deviations import importer

    given = dict(m.split("=", 1) for m in mapping if "=" in m)
    try:
        with unit_of_work(get_settings().resolved_database_url(), actor=f"cli:{username}") as session:
            data = path.read_bytes()
            table = importer.read(data, path.name)
            columns = {**importer.proposed_mapping(table.header), **{k: v.strip().lower() for k, v in given.items()}}
            result = importer.import_rows(session=session, actor=_user(session, username), data=data,
                                          filename=path.name, mapping=columns, today=_today(now))
    except FileProblems as error:
        locale = terminal_locale(lang)
        for line in translated_lines(error.problems, locale):
            typer.echo(line, err=True)
        typer.echo(summary_line(len(error.problems), locale), err=True)
        raise typer.Exit(1)
    typer.echo(json.dumps(result))


@app.command()
def stats(by: str = typer.Option("category", help="enterprise, site, category, month, severity"),
          year: int = typer.Option(0, help="Violations found in this year (default: this year)"),
          username: str = typer.Option("admin", "--as", help="Whose scope to use")) -> None:
    """Closure rate and days to close per group, as JSON lines."""
    from qorgau.core.config import get_settings
    from qorgau.core.db import unit_of_work
    from qorgau.deviations import service

    year = year or date.today().year
    with unit_of_work(get_settings().resolved_database_url(), actor=f"cli:{username}") as session:
        rows = service.closure_statistics(session=session, actor=_user(session, username), by=by,
                                          start=date(year, 1, 1), end=date(year + 1, 1, 1))
    for row in rows:
        typer.echo(json.dumps(row, default=str, ensure_ascii=False))
