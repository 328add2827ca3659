"""`qorgau support ...`: escalation of overdue steps, statistics and the export of cases."""

from __future__ import annotations

import json
from datetime import datetime

import typer

app = typer.Typer(help="Support cases for displaced and injured workers.", no_args_is_help=True)


@app.command()
def escalate(now: str = typer.Option("", "--now", help="ISO date to act as today (default: today)")) -> None:
    """Escalate missed follow-ups and services past their deadline."""
    from qorgau.core.config import get_settings
    from qorgau.core.db import unit_of_work, utcnow
    from qorgau.support import service

    try:
        moment = datetime.fromisoformat(now) if now else utcnow()
    except ValueError:
        typer.echo(f"--now: {now!r} is not an ISO date (YYYY-MM-DD)", err=True)
        raise typer.Exit(2) from None
    with unit_of_work(get_settings().resolved_database_url(), actor="system:support-escalation") as session:
        done = service.escalate(session, moment)
    typer.echo(json.dumps({"now": moment.isoformat(), "steps": done}, ensure_ascii=False))


@app.command()
def statistics(username: str = typer.Option(..., "--as", help="Whose scope to count in (a user name)")) -> None:
    """Cases by cause, level, region, sector and outcome as JSON (small cells suppressed)."""
    from sqlalchemy import select

    from qorgau.core.config import get_settings
    from qorgau.core.db import unit_of_work
    from qorgau.core.models import User
    from qorgau.support import service

    with unit_of_work(get_settings().resolved_database_url(), actor=f"cli:{username}") as session:
        user = session.execute(select(User).where(User.username == username)).scalar()
        if user is None:
            typer.echo(f"no user {username!r}", err=True)
            raise typer.Exit(1)
        result = service.statistics(session=session, actor=user)
    tables = {k: v for k, v in result.items() if k not in ("regions", "sectors")}
    typer.echo(json.dumps(tables, ensure_ascii=False, default=str))
