"""`qorgau agreements ...`: the list of agreements, coverage by region, sector or union, and the export."""

from __future__ import annotations

import json
import sys
from datetime import date

import typer

app = typer.Typer(help="Collective agreements and their safety clauses.", no_args_is_help=True)


def _user(session, username: str):
    from sqlalchemy import select

    from qorgau.core.models import User

    user = session.execute(select(User).where(User.username == username)).scalar()
    if user is None:
        typer.echo(f"no user {username!r}", err=True)
        raise typer.Exit(1)
    return user


def _day(value: str) -> date:
    try:
        return date.fromisoformat(value) if value else date.today()
    except ValueError:
        typer.echo(f"--on: {value!r} is not an ISO date (YYYY-MM-DD)", err=True)
        raise typer.Exit(2) from None


@app.command("list")
def list_agreements(username: str = typer.Option(..., "--as", help="Whose scope to list in (a user name)"),
                    status: str = typer.Option("", help="draft, in_force, expired or terminated")) -> None:
    """Agreements in the user's scope, one JSON object a line."""
    from qorgau.agreements import service
    from qorgau.core.config import get_settings
    from qorgau.core.db import unit_of_work
    from qorgau.core.errors import AppError

    with unit_of_work(get_settings().resolved_database_url(), actor=f"cli:{username}") as session:
        try:
            query = service.list_query(session=session, actor=_user(session, username), status=status)
        except AppError as error:
            typer.echo(f"{error.field or 'error'}: {error.message}", err=True)
            raise typer.Exit(2) from None
        for agreement in session.execute(query).scalars():
            out = service.agreement_out(agreement)
            out.pop("clauses")
            typer.echo(json.dumps(out, ensure_ascii=False))


@app.command()
def coverage(username: str = typer.Option(..., "--as", help="Whose scope to count in (a user name)"),
             by: str = typer.Option("region", help="region, sector or union"),
             on: str = typer.Option("", help="ISO date (default: today)")) -> None:
    """Share of enterprises and of workers whose agreement in force holds each clause kind, as JSON."""
    from qorgau.agreements import service
    from qorgau.core.config import get_settings
    from qorgau.core.db import unit_of_work
    from qorgau.core.errors import AppError

    day = _day(on)
    with unit_of_work(get_settings().resolved_database_url(), actor=f"cli:{username}") as session:
        try:
            rows = service.coverage(session=session, actor=_user(session, username), on=day, by=by)
        except AppError as error:
            typer.echo(f"{error.field or 'error'}: {error.message}", err=True)
            raise typer.Exit(2) from None
    typer.echo(json.dumps({"on": day.isoformat(), "by": by, "rows": [
        {"key": r.key, "enterprises": r.enterprises, "workers": r.workers, "covered": r.covered,
         "covered_workers": r.covered_workers, "kinds": {k: {"enterprises": v[0], "workers": v[1]}
                                                         for k, v in r.kinds.items()}} for r in rows]},
        ensure_ascii=False))


@app.command()
def export(username: str = typer.Option(..., "--as", help="Whose scope to export (a user name)"),
           fmt: str = typer.Option("csv", "--format", help="csv or xlsx"),
           output: str = typer.Option("-", "--output", "-o", help="File to write (- for standard output)")) -> None:
    """The agreements with a yes/no column per clause kind, as CSV or XLSX."""
    from qorgau.agreements import service
    from qorgau.core.config import get_settings
    from qorgau.core.db import unit_of_work
    from qorgau.core.tabular import to_csv, to_xlsx

    if fmt not in ("csv", "xlsx"):
        typer.echo("--format: csv or xlsx", err=True)
        raise typer.Exit(2)
    with unit_of_work(get_settings().resolved_database_url(), actor=f"cli:{username}") as session:
        rows = list(service.export_rows(session=session, actor=_user(session, username)))
    data = to_csv(service.EXPORT_COLUMNS, rows) if fmt == "csv" else to_xlsx(service.EXPORT_COLUMNS, rows,
                                                                              "Agreements")
    if output == "-":
        sys.stdout.buffer.write(data)
    else:
        with open(output, "wb") as handle:
            handle.write(data)
