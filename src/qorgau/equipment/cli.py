"""`qorgau equipment ...`: import a register, list overdue plan lines and items past their life, escalate."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path

import typer

from qorgau.core.policy import Role

app = typer.Typer(help="Equipment wear and re-equipment plans.", no_args_is_help=True)


def _user(session, username: str):
    from sqlalchemy import select

    from qorgau.core.models import User

    user = session.execute(select(User).where(User.username == username)).scalar()
    if user is None:
        raise typer.BadParameter(f"no user '{username}'", param_hint="--as")
    return user


def _day(value: str) -> date:
    if not value:
        return date.today()
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise typer.BadParameter(f"{value!r} is not an ISO date (YYYY-MM-DD)", param_hint="--day") from None


@app.command("import")
def import_file(path: Path = typer.Argument(..., exists=True, dir_okay=False, help="CSV or XLSX"),
                username: str = typer.Option(..., "--as", help="The employer's safety manager (or administrator)"),
                mapping: list[str] = typer.Option([], "--map", help="field=column, e.g. type='Вид оборудования'"),
                day: str = typer.Option("", "--day", help="ISO date to act as today"),
                lang: str = typer.Option("", help="Language of the problems: kk, ru or en")) -> None:
    """Register equipment from a spreadsheet; any bad row: nothing is written and every problem is listed."""
    from qorgau.core import audit
    from qorgau.core.config import get_settings
    from qorgau.core.db import unit_of_work
    from qorgau.core.imports import FileProblems
    from qorgau.core.imports.problems import summary_line, terminal_locale, translated_lines
    from qorgau.equipment import importer

    given = {k.strip(): v.strip() for k, v in (m.split("=", 1) for m in mapping if "=" in m)}
    try:
        with unit_of_work(get_settings().resolved_database_url(), actor=f"cli:{username}") as session:
            data = path.read_bytes()
            columns = None
            if given:
                columns = {**importer.FORMAT.mapping(importer.read(data, path.name).header), **given}
            result = importer.import_rows(session=session, actor=_user(session, username), data=data,
                                          filename=path.name, mapping=columns, today=_day(day))
            audit.record(session, action="import", object_type=importer.REGISTER.kind, object_id=path.name[:64],
                         after={"filename": path.name, "counts": result})
    except FileProblems as error:
        locale = terminal_locale(lang)
        for line in translated_lines(error.problems, locale):
            typer.echo(line, err=True)
        typer.echo(summary_line(len(error.problems), locale), err=True)
        raise typer.Exit(1)
    typer.echo(json.dumps(result))


@app.command()
def overdue(username: str = typer.Option(str(Role.ADMIN), "--as", help="Whose scope to list"),
            day: str = typer.Option("", "--day", help="ISO date to act as today")) -> None:
    """Overdue open plan lines (JSON lines): enterprise, item, action, deadline, days overdue, escalation step."""
    from qorgau.core.config import get_settings
    from qorgau.core.db import session_factory
    from qorgau.equipment import service

    today = _day(day)
    with session_factory(get_settings().resolved_database_url())() as session:
        for row in service.plan_items(session=session, actor=_user(session, username), overdue_on=today):
            typer.echo(json.dumps({"id": row.id, "enterprise_id": row.enterprise_id, "item_id": row.item_id,
                                   "action": row.action, "due_on": row.due_on.isoformat(),
                                   "days_overdue": (today - row.due_on).days, "status": row.status,
                                   "escalation_level": row.escalation_level, "responsible": row.responsible},
                                  ensure_ascii=False))


@app.command("past-life")
def past_life(username: str = typer.Option(str(Role.ADMIN), "--as", help="Whose scope to count"),
              by: str = typer.Option("region", help="enterprise, sector or region"),
              day: str = typer.Option("", "--day", help="ISO date to act as today")) -> None:
    """Shares of equipment past its service life and with an expired examination (JSON lines)."""
    from qorgau.core.config import get_settings
    from qorgau.core.db import session_factory
    from qorgau.equipment import service

    with session_factory(get_settings().resolved_database_url())() as session:
        for row in service.shares(session=session, actor=_user(session, username), by=by, on=_day(day)):
            typer.echo(json.dumps(row, ensure_ascii=False))


@app.command()
def escalate(day: str = typer.Option("", "--day", help="ISO date to act as today")) -> None:
    """Send the reminders and climb the ladder now (the daily job does this at 00:50)."""
    from qorgau.core.config import get_settings
    from qorgau.core.db import unit_of_work
    from qorgau.equipment import escalation

    with unit_of_work(get_settings().resolved_database_url(), actor="system:equipment-escalation") as session:
        taken = escalation.escalate(session=session, today=_day(day))
        typer.echo(json.dumps({"steps": len(taken)}))
