"""`qorgau audits ...`: list audits, export findings, show an audit's scores, propose and review questionnaire
versions."""

from __future__ import annotations

from pathlib import Path

import typer
from sqlalchemy import select

from qorgau.core.config import get_settings
from qorgau.core.db import unit_of_work
from qorgau.core.models import User

app = typer.Typer(help="Social audits of working conditions.", no_args_is_help=True)


def _user(session, username: str) -> User:
    user = session.execute(select(User).where(User.username == username)).scalar()
    if user is None:
        raise typer.BadParameter(f"no user named {username!r}", param_hint="--user")
    session.info["actor"] = f"user:{user.username}"
    return user


@app.command("list")
def list_audits(user: str = typer.Option(..., "--user", help="Act as this user (their scope applies)"),
                status: str = typer.Option("", help="Only audits in this status")) -> None:
    """Audits in the user's scope: id, enterprise, status, fieldwork end, overall score."""
    from qorgau.audits import service

    with unit_of_work(get_settings().resolved_database_url(), actor="cli") as session:
        actor = _user(session, user)
        for row in service.list_audits(session=session, actor=actor, status=status):
            score = "-" if row.overall is None else f"{row.overall:.1f}"
            typer.echo(f"{row.id}\t{row.enterprise_id}\t{row.status}\t{row.fieldwork_ended_on or '-'}\t{score}"
                       + ("\tsynthetic" if row.synthetic else ""))


@app.command("export")
def export(output: Path = typer.Argument(..., help="File to write: .csv or .xlsx"),
           user: str = typer.Option(..., "--user", help="Act as this user (their scope applies)"),
           language: str = typer.Option("ru", help="kk, ru or en")) -> None:
    """Findings of the audits in the user's scope as CSV or XLSX."""
    from qorgau.audits import service
    from qorgau.audits.api import EXPORT_HEADER
    from qorgau.core.tabular import to_csv, to_xlsx

    if output.suffix not in (".csv", ".xlsx"):
        raise typer.BadParameter("the file must end in .csv or .xlsx", param_hint="OUTPUT")
    with unit_of_work(get_settings().resolved_database_url(), actor="cli") as session:
        actor = _user(session, user)
        rows = service.findings_rows(session=session, actor=actor, locale=language)
    output.write_bytes(to_csv(EXPORT_HEADER, rows) if output.suffix == ".csv" else to_xlsx(EXPORT_HEADER, rows, "Findings"))
    typer.echo(f"{len(rows)} findings written to {output}")


@app.command("scores")
def scores(audit_id: int, user: str = typer.Option(..., "--user")) -> None:
    """An audit's scores by area, with the points that passed, failed or did not apply."""
    from qorgau.audits import service

    with unit_of_work(get_settings().resolved_database_url(), actor="cli") as session:
        actor = _user(session, user)
        row = service.get_audit(session=session, actor=actor, audit_id=audit_id)
        typer.echo(f"overall\t{row.overall if row.overall is not None else '-'}")
        for area, data in (row.scores or {}).get("areas", {}).items():
            typer.echo(f"{area}\t{data['score'] if data['score'] is not None else 'n/a'}\tpassed {len(data['passed'])}"
                       f"\tfailed {','.join(data['failed']) or '-'}\tn/a {len(data['na'])}")


@app.command("questionnaire-propose")
def propose(path: Path, user: str = typer.Option(..., "--user"), note: str = typer.Option(..., help="What changes")) -> None:
    """Propose a new questionnaire version from a YAML file (a different federation user must approve it)."""
    from qorgau.audits import service

    with unit_of_work(get_settings().resolved_database_url(), actor="cli") as session:
        row = service.propose_questionnaire(session=session, actor=_user(session, user),
                                            yaml_text=path.read_text(encoding="utf-8"), note=note)
        typer.echo(f"proposed version {row.version} as #{row.id}")


@app.command("questionnaire-review")
def review(questionnaire_id: int, user: str = typer.Option(..., "--user"),
           approve: bool = typer.Option(..., "--approve/--reject"), note: str = typer.Option("")) -> None:
    """Approve or reject a proposed questionnaire version."""
    from qorgau.audits import service

    with unit_of_work(get_settings().resolved_database_url(), actor="cli") as session:
        row = service.review_questionnaire(session=session, actor=_user(session, user),
                                           questionnaire_id=questionnaire_id, approve=approve, note=note)
        typer.echo(f"version {row.version}: {row.status}")
