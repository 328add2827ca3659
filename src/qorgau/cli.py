"""The `qorgau` command: serve, migrate, demo data, users, tokens, audit, and each package's commands."""

from __future__ import annotations

import sys

import typer
from sqlalchemy import select

from qorgau.core.config import get_settings
from qorgau.core.plugins import modules

app = typer.Typer(help="Qorgau: occupational safety and health and AI at work, for Kazakhstan's trade unions.",
                  no_args_is_help=True, pretty_exceptions_enable=False)
db_app = typer.Typer(help="Database schema.", no_args_is_help=True)
token_app = typer.Typer(help="API tokens for integrations and sensor gateways.", no_args_is_help=True)
user_app = typer.Typer(help="User accounts.", no_args_is_help=True)
audit_app = typer.Typer(help="The hash-chained audit log.", no_args_is_help=True)
keys_app = typer.Typer(help="Key rotation: data key, session secret, audit key.", no_args_is_help=True)
app.add_typer(db_app, name="db")
app.add_typer(token_app, name="token")
app.add_typer(user_app, name="user")
app.add_typer(audit_app, name="audit")
app.add_typer(keys_app, name="keys")


def _url() -> str:
    return get_settings().resolved_database_url()


@db_app.command("upgrade")
def db_upgrade() -> None:
    """Apply all migrations and load the reference data (regions, sectors, ISCO-08)."""
    from qorgau.core.migrate import upgrade

    counts = upgrade(_url())
    typer.echo(f"Database is up to date ({counts['regions']} regions, {counts['occupations']} occupations).")


@db_app.command("revision")
def db_revision(package: str = typer.Argument(..., help="Package whose tables changed"),
                message: str = typer.Option(..., "-m", "--message")) -> None:
    """Autogenerate a migration for one package (for developers)."""
    from qorgau.core.migrate import revision

    revision(_url(), package, message)


@app.command()
def serve(host: str = typer.Option("127.0.0.1", help="Interface to listen on"),
          port: int = typer.Option(8000, help="Port"),
          workers: int = typer.Option(1, help="Worker processes")) -> None:
    """Apply migrations, then serve the web UI and the API."""
    import uvicorn

    from qorgau.core.migrate import upgrade

    upgrade(_url())
    typer.echo(f"Qorgau is running at http://{host}:{port}/")
    # No access log from uvicorn: ours records no client address (anonymity of reporters).
    uvicorn.run("qorgau.core.web:create_app", factory=True, host=host, port=port, workers=workers,
                access_log=False, proxy_headers=True, server_header=False)


@app.command()
def demo(seed: int = typer.Option(7, help="Random seed: the same seed gives the same data"),
         enterprises: int = typer.Option(1000, help="How many enterprises")) -> None:
    """Fill the database with a realistic, deterministic national demo dataset."""
    from qorgau.core.demo import run_demo
    from qorgau.core.migrate import upgrade

    upgrade(_url())
    credentials = run_demo(_url(), seed=seed, enterprises=enterprises)
    typer.echo("\nDemo sign-ins (user name / password):")
    for username, password, role in credentials:
        typer.echo(f"  {username:<14} {password:<18} {role}")


@user_app.command("create")
def user_create(username: str, role: str = typer.Option(..., help="admin, union_officer, ..."),
                password: str = typer.Option(..., prompt=True, hide_input=True, confirmation_prompt=True),
                full_name: str = "", scope_kind: str = "national", scope_id: str = "") -> None:
    """Create a user bound to a role and a scope."""
    from qorgau.core import users
    from qorgau.core.db import unit_of_work
    from qorgau.core.errors import AppError

    try:
        with unit_of_work(_url(), actor="cli") as session:
            users.create(session, username=username, role=role, password=password, full_name=full_name,
                         scope_kind=scope_kind, scope_id=scope_id)
    except AppError as error:
        typer.echo(f"Error ({error.field}): {error.message % error.params if error.params else error.message}",
                   err=True)
        raise typer.Exit(2)
    typer.echo(f"User {username} created.")


@token_app.command("create")
def token_create(user: str = typer.Option(..., "--user", help="User name the token acts for"),
                 expires_days: int = typer.Option(90, min=1, help="Days until it expires (at least 1)"),
                 scope: list[str] = typer.Option(["read"], help="read, write, telemetry (repeatable)"),
                 name: str = typer.Option("", help="What the token is for")) -> None:
    """Print a new API token (shown once; stored only as a hash)."""
    from qorgau.core import security
    from qorgau.core.db import unit_of_work
    from qorgau.core.models import User

    with unit_of_work(_url(), actor="cli") as session:
        owner = session.execute(select(User).where(User.username == user.lower())).scalar()
        if owner is None:
            typer.echo(f"No user named {user}.", err=True)
            raise typer.Exit(2)
        try:
            _token, plain = security.create_api_token(session, user=owner, name=name, scopes=scope,
                                                      expires_days=expires_days)
        except ValueError as error:
            typer.echo(str(error), err=True)
            raise typer.Exit(2)
    typer.echo(plain)


@token_app.command("list")
def token_list(user: str = typer.Option("", "--user")) -> None:
    """List tokens (prefix, owner, scopes, expiry, state), never their values."""
    from qorgau.core import security
    from qorgau.core.db import unit_of_work
    from qorgau.core.models import ApiToken, User

    with unit_of_work(_url(), actor="cli") as session:
        query = select(ApiToken, User.username).join(User).order_by(ApiToken.id)
        if user:
            query = query.where(User.username == user.lower())
        for token, owner in session.execute(query):
            state = security.token_state(token)
            typer.echo(f"{token.id}\t{token.prefix}…\t{owner}\t{token.scopes}\t{token.expires_at or '-'}\t{state}")


@token_app.command("revoke")
def token_revoke(token_id: int) -> None:
    """Revoke a token by id."""
    from qorgau.core import security
    from qorgau.core.db import unit_of_work

    with unit_of_work(_url(), actor="cli") as session:
        if security.revoke_api_token(session, token_id=token_id) is None:
            typer.echo("No such token.", err=True)
            raise typer.Exit(2)
    typer.echo("Revoked.")


@audit_app.command("checkpoint")
def audit_checkpoint() -> None:
    """Release held anonymous entries of past days, then write a signed checkpoint (run it from a scheduler)."""
    from qorgau.core import audit, audit_anchor
    from qorgau.core.db import engine_for, unit_of_work

    with unit_of_work(_url(), actor="system:audit") as session:
        released = audit.release_held(session)
    with engine_for(_url()).connect() as connection:
        body = audit_anchor.write_checkpoint(connection)
    typer.echo(f"Checkpoint: {body['count']} entries, head {body['head_id']} ({released} held entries released) "
               f"-> {get_settings().audit_checkpoint_file()}")


@audit_app.command("verify")
def audit_verify() -> None:
    """Check the keyed chain and the checkpoints kept outside the database; report the first problem."""
    from qorgau.core import audit
    from qorgau.core.db import unit_of_work

    with unit_of_work(_url(), actor="cli") as session:
        result = audit.verify(session)
    if result.ok:
        typer.echo(f"OK: {result.checked} entries, chain intact.")
        return
    typer.echo(f"BROKEN at entry {result.broken_id}: {result.reason} ({result.checked} entries before it are intact).")
    raise typer.Exit(1)


@keys_app.command("rotate-data-key")
def keys_rotate_data_key(batch_size: int = typer.Option(200, min=1, help="Rows per transaction")) -> None:
    """New data key; re-encrypt every ciphertext (resumable: run it again after an interruption); retire the old key."""
    from qorgau.core import audit, keys
    from qorgau.core.db import engine_for, unit_of_work

    try:
        key_id = keys.start_data_key_rotation()
    except keys.KeyFromEnvironment as error:
        typer.echo(str(error), err=True)
        raise typer.Exit(2)
    engine = engine_for(_url())

    def report(table: str, scanned: int, rewritten: int) -> None:
        typer.echo(f"  {table}: {scanned} rows scanned, {rewritten} rewritten so far")

    progress = keys.reencrypt(engine.connect, batch_size=batch_size, on_batch=report)
    with engine.connect() as connection:
        left = keys.remaining(connection)
    if left:
        typer.echo(f"{left} ciphertexts still use an old key; run the command again.", err=True)
        raise typer.Exit(1)
    retired = keys.retire_previous_data_keys()
    with unit_of_work(_url(), actor="cli") as session:
        audit.record(session, action="keys.rotate_data_key", object_type="core_key", object_id=key_id,
                     after={"rewritten": progress.rewritten, "retired": retired})
    typer.echo(f"Data key {key_id} in use; {progress.total_rewritten} rows re-encrypted; retired: "
               f"{', '.join(retired) or 'none'} (in <data dir>/keys/retired: destroy once no backup needs them).")


@keys_app.command("rotate-session-secret")
def keys_rotate_session_secret() -> None:
    """New session secret: everyone is signed out (receipts keep working)."""
    from qorgau.core import keys

    try:
        keys.rotate_session_secret()
    except keys.KeyFromEnvironment as error:
        typer.echo(str(error), err=True)
        raise typer.Exit(2)
    typer.echo("Session secret replaced: restart the server; every session has ended.")


@keys_app.command("rotate-audit-key")
def keys_rotate_audit_key() -> None:
    """New audit key for new entries; the old one is kept (keys/audit_previous) to verify older entries."""
    from qorgau.core import audit, audit_anchor, keys
    from qorgau.core.db import engine_for, unit_of_work

    try:
        key_id = keys.start_audit_key_rotation()
    except keys.KeyFromEnvironment as error:
        typer.echo(str(error), err=True)
        raise typer.Exit(2)
    with unit_of_work(_url(), actor="cli") as session:
        audit.record(session, action="keys.rotate_audit_key", object_type="core_key", object_id=key_id)
    with engine_for(_url()).connect() as connection:
        audit_anchor.write_checkpoint(connection)
    typer.echo(f"Audit key {key_id} in use from now on; restart the server.")


def _mount_packages() -> None:
    for package, module in modules("cli"):
        sub = getattr(module, "app", None)
        if sub is not None:
            app.add_typer(sub, name=package)


_mount_packages()


def main() -> None:
    app()


if __name__ == "__main__":
    main()
    sys.exit(0)
