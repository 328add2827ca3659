"""`qorgau registry ...`: import enterprises, list regions."""

from __future__ import annotations

import json
from pathlib import Path

import typer
from sqlalchemy import select

app = typer.Typer(help="Regions, sectors, occupations, unions and enterprises.", no_args_is_help=True)


@app.command("import-enterprises")
def import_enterprises(file: Path = typer.Argument(..., exists=True, dir_okay=False),
                       as_user: str = typer.Option("admin", "--as", help="Administrator to record as the actor")) -> None:
    """Create or update enterprises from CSV/XLSX; any bad row and nothing is written."""
    from qorgau.core.config import get_settings
    from qorgau.core.db import unit_of_work
    from qorgau.core.models import User
    from qorgau.core.tabular import ImportFailed
    from qorgau.registry import service

    url = get_settings().resolved_database_url()
    try:
        with unit_of_work(url, actor=f"cli:{as_user}") as session:
            actor = session.execute(select(User).where(User.username == as_user)).scalar()
            if actor is None:
                typer.echo(f"No user named {as_user}.", err=True)
                raise typer.Exit(2)
            counts = service.import_enterprises(session=session, actor=actor, data=file.read_bytes(),
                                                filename=file.name)
    except ImportFailed as failed:
        from qorgau.core.imports.problems import summary_line, terminal_locale, translated_lines

        locale = terminal_locale()
        for line in translated_lines(failed.problems, locale, limit=len(failed.problems)):
            typer.echo(line, err=True)
        typer.echo(summary_line(len(failed.problems), locale), err=True)
        raise typer.Exit(1)
    typer.echo(json.dumps(counts))


@app.command("regions")
def regions() -> None:
    """Print the regions with KATO codes."""
    from qorgau.core.config import get_settings
    from qorgau.core.db import unit_of_work
    from qorgau.registry import service

    with unit_of_work(get_settings().resolved_database_url(), actor="cli") as session:
        for region in service.regions(session=session):
            typer.echo(f"{region.kato}\t{region.iso_3166_2}\t{region.name_en}\t{region.name_kk}\t{region.name_ru}")
