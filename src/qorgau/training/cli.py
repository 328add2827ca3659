"""`qorgau training ...`: reminders, gaps, and the check of a document code."""

from __future__ import annotations

import json
from datetime import date

import typer

app = typer.Typer(help="Training centre: courses, certificates and the inspectors' training cycle.",
                  no_args_is_help=True)


def _day(value: str) -> date | None:
    if not value:
        return None
    try:
        return date.fromisoformat(value)
    except ValueError:
        typer.echo(f"--day: {value!r} is not an ISO date (YYYY-MM-DD)", err=True)
        raise typer.Exit(2) from None


@app.command()
def remind(day: str = typer.Option("", "--day", help="ISO date to act as today (default: today)")) -> None:
    """Send the reminders now (the daily job does this at 07:10)."""
    from qorgau.core.config import get_settings
    from qorgau.core.db import unit_of_work
    from qorgau.training import service

    with unit_of_work(get_settings().resolved_database_url(), actor="system:training-reminders") as session:
        sent = service.remind(session, _day(day))
    typer.echo(json.dumps(sent))


@app.command()
def verify(code: str = typer.Argument(..., help="A document code as printed, e.g. ABCD-EFGH-JKMN")) -> None:
    """Whether a document code is genuine and current."""
    from qorgau.core import documents
    from qorgau.core.config import get_settings
    from qorgau.core.db import session_factory

    with session_factory(get_settings().resolved_database_url())() as session:
        result = documents.check(session, code)
    typer.echo(json.dumps(result, default=str, ensure_ascii=False))
    raise typer.Exit(0 if result["found"] else 1)


@app.command("load-courses")
def load_courses() -> None:
    """Load the course catalogue (content/courses.yaml); courses already there are kept."""
    from qorgau.core.config import get_settings
    from qorgau.core.db import unit_of_work
    from qorgau.training import catalogue

    with unit_of_work(get_settings().resolved_database_url(), actor="system:training-catalogue") as session:
        courses = catalogue.load(session)
    typer.echo(json.dumps({"courses": [c.key for c in courses]}))
