"""`qorgau airegister ...`: escalation of overdue steps, offline classification, the open feed."""

from __future__ import annotations

import json
from datetime import datetime
from pathlib import Path

import typer

app = typer.Typer(help="AI at work: the register of employers' AI deployments.", no_args_is_help=True)


def _now(value: str) -> datetime:
    from qorgau.core.db import utcnow

    if not value:
        return utcnow()
    try:
        return datetime.fromisoformat(value)
    except ValueError:
        typer.echo(f"--now: {value!r} is not an ISO date or date-time (YYYY-MM-DD or YYYY-MM-DDTHH:MM)", err=True)
        raise typer.Exit(2) from None


@app.command()
def escalate(now: str = typer.Option("", "--now", help="ISO date or date-time to act as now (default: now)")) -> None:
    """Escalate overdue decisions and conditions (suspension recommended), announce reviews that fall due."""
    from qorgau.airegister import service
    from qorgau.core.config import get_settings
    from qorgau.core.db import unit_of_work

    moment = _now(now)
    with unit_of_work(get_settings().resolved_database_url(), actor="system:airegister-escalation") as session:
        done = service.escalate(session, moment)
    typer.echo(json.dumps({"now": moment.isoformat(), "steps": done}, ensure_ascii=False))


@app.command()
def classify(infile: Path = typer.Argument(..., exists=True, dir_okay=False, help="A filing as JSON (FilingIn)")) -> None:
    """Classify a filing described in a JSON file, printing every rule that fired."""
    from pydantic import ValidationError

    from qorgau.airegister import classify as rules
    from qorgau.airegister.schemas import FilingIn

    try:
        filing = FilingIn.model_validate_json(infile.read_text(encoding="utf-8"))
    except ValidationError as error:
        for problem in error.errors():
            typer.echo(f"{'.'.join(str(p) for p in problem['loc'])}: {problem['msg']}", err=True)
        raise typer.Exit(1) from None
    typer.echo(json.dumps(rules.classify(filing.model_dump(mode="json")).as_dict(), ensure_ascii=False, indent=2))


@app.command()
def feed(out: Path = typer.Option(..., "--out", help="Where to write the JSON feed")) -> None:
    """Write the open feed of approved registrations (schema docs/airegister/feed-schema.md)."""
    from qorgau.airegister import service
    from qorgau.airegister.schemas import Feed
    from qorgau.core.config import get_settings
    from qorgau.core.db import unit_of_work

    with unit_of_work(get_settings().resolved_database_url(), actor="cli:airegister-feed") as session:
        data = Feed.model_validate(service.feed(session=session)).model_dump(mode="json", by_alias=True)
    out.write_text(json.dumps(data, ensure_ascii=False, indent=2), encoding="utf-8")
    typer.echo(f"{len(data['items'])} approved registration(s) -> {out}")
