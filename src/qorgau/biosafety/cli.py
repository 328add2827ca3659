"""`qorgau biosafety ...`: cluster detection, import of a case list, export in the exchange format."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path

import typer

app = typer.Typer(help="Bio-safety: exposure register, disease surveillance and cluster alerts.", no_args_is_help=True)


def _user(session, username: str):
    from sqlalchemy import select

    from qorgau.core.models import User

    user = session.execute(select(User).where(User.username == username)).scalar()
    if user is None:
        typer.echo(f"no user {username!r}", err=True)
        raise typer.Exit(1)
    return user


@app.command()
def detect(as_of: str = typer.Option("", "--as-of", help="ISO date the study period ends on (default: today)"),
           replications: int = typer.Option(999, min=99, max=9999, help="Monte Carlo replications"),
           seed: int = typer.Option(20051, help="Random seed of the Monte Carlo test")) -> None:
    """Scan the case lists and the incidents registry for clusters; alert on the significant ones."""
    from qorgau.biosafety import service
    from qorgau.biosafety.engine.scan import Parameters
    from qorgau.core.config import get_settings
    from qorgau.core.db import unit_of_work, utcnow

    try:
        day = date.fromisoformat(as_of) if as_of else utcnow().date()
    except ValueError:
        typer.echo(f"--as-of: {as_of!r} is not an ISO date (YYYY-MM-DD)", err=True)
        raise typer.Exit(2) from None
    with unit_of_work(get_settings().resolved_database_url(), actor="cli:biosafety-detect") as session:
        run = service.detect(session=session, as_of=day, params=Parameters(replications=replications, seed=seed),
                             requested_by="cli")
        result = {"run": run.id, "as_of": day.isoformat(), "cases": run.cases_read, "clusters": run.clusters}
    typer.echo(json.dumps(result))


@app.command("import")
def import_cases(path: Path = typer.Argument(..., exists=True, dir_okay=False, readable=True),
                 username: str = typer.Option(..., "--as", help="Who imports (a user name; their scope applies)"),
                 source: str = typer.Option("ncod", help="Who sent the list (lower-case letters, digits, - and _)"),
                 ) -> None:
    """Import a case list (CSV, XLSX or JSON of the exchange format): all rows or none."""
    from qorgau.biosafety import exchange
    from qorgau.core.config import get_settings
    from qorgau.core.db import unit_of_work
    from qorgau.core.imports import FileProblems
    from qorgau.core.imports.problems import translated_lines

    data = path.read_bytes()
    with unit_of_work(get_settings().resolved_database_url(), actor=f"cli:{username}") as session:
        user = _user(session, username)
        try:
            checked = exchange.check(session=session, actor=user, data=data, filename=path.name,
                                     options={"source": source})
        except FileProblems as error:
            problems = error.problems
        else:
            problems = checked.problems
        if problems:
            for line in translated_lines(problems, "en"):
                typer.echo(line, err=True)
            raise typer.Exit(1)
        result = exchange.write(session=session, actor=user, data=data, filename=path.name,
                                options={"source": source})
    typer.echo(json.dumps(result))


@app.command()
def export(username: str = typer.Option(..., "--as", help="Whose scope to export (a user name)"),
           what: str = typer.Option("all", help="all (JSON), cases or clusters (CSV)")) -> None:
    """Cases and clusters in the exchange format, to standard output."""
    import sys

    from qorgau.biosafety import exchange
    from qorgau.core.config import get_settings
    from qorgau.core.db import unit_of_work
    from qorgau.core.tabular import to_csv

    if what not in ("all", "cases", "clusters"):
        typer.echo("--what: all, cases or clusters", err=True)
        raise typer.Exit(2)
    with unit_of_work(get_settings().resolved_database_url(), actor=f"cli:{username}") as session:
        user = _user(session, username)
        if what == "all":
            typer.echo(json.dumps(exchange.export_json(session=session, actor=user), ensure_ascii=False))
            return
        rows = (exchange.export_cases if what == "cases" else exchange.export_clusters)(session=session, actor=user)
        fields = exchange.CASE_FIELDS if what == "cases" else exchange.CLUSTER_FIELDS
        sys.stdout.buffer.write(to_csv(fields, ([r.get(f) for f in fields] for r in rows)))
