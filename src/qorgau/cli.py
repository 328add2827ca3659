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


STARTUP_SECONDS = 300


def _url() -> str:
    return get_settings().resolved_database_url()


@db_app.command("upgrade")
def db_upgrade(check: bool = typer.Option(False, "--check", help="Only report pending migrations and what they "
                                           "would lock; exit 10 if one locks a large table")) -> None:
    """Apply all migrations and load the reference data (regions, sectors, ISCO-08)."""
    from qorgau.core.migrate import upgrade

    if check:
        _report_pending()
        return
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
          workers: int = typer.Option(1, min=1, max=64, help="Worker processes"),
          start_timeout: int = typer.Option(STARTUP_SECONDS, min=5, max=3600,
                                            help="Seconds a worker may take to start (and to answer the "
                                                 "supervisor's health check) before it is restarted")) -> None:
    """Apply migrations, then serve the web UI and the API."""
    import uvicorn

    from qorgau.core.migrate import upgrade

    upgrade(_url())  # once, here: the workers start on an up-to-date schema and never race to migrate
    typer.echo(f"Qorgau is running at http://{host}:{port}/ ({workers} worker{'s' if workers > 1 else ''})")
    # No access log from uvicorn: ours records no client address (anonymity of reporters).
    # uvicorn's supervisor restarts a worker that does not answer its health check within 5 s by default;
    # on a busy host importing the application takes longer than that, and workers would be killed in a loop.
    uvicorn.run("qorgau.app.web:create_app", factory=True, host=host, port=port, workers=workers,
                access_log=False, proxy_headers=True, server_header=False,
                timeout_worker_healthcheck=start_timeout, timeout_graceful_shutdown=30)


@app.command()
def demo(seed: int = typer.Option(7, help="Random seed: the same seed gives the same data"),
         enterprises: int = typer.Option(1000, help="How many enterprises")) -> None:
    """Fill the database with a realistic, deterministic national demo dataset."""
    from qorgau.app.demo import run_demo
    from qorgau.core.migrate import upgrade

    upgrade(_url())
    credentials = run_demo(_url(), seed=seed, enterprises=enterprises)
    typer.echo("\nDemo sign-ins:")
    typer.echo(sign_in_table(credentials))


def sign_in_table(credentials: list[tuple[str, str, str]]) -> str:
    """User name, password and role in aligned columns, whatever their lengths."""
    rows = [("User name", "Password", "Role"), *credentials]
    widths = [max(len(str(row[column])) for row in rows) for column in range(3)]
    lines = ["  " + "   ".join(str(cell).ljust(width) for cell, width in zip(row, widths, strict=True)).rstrip()
             for row in rows]
    lines.insert(1, "  " + "   ".join("-" * width for width in widths))
    return "\n".join(lines)


@user_app.command("create")
def user_create(username: str, role: str = typer.Option(..., help="admin, union_officer, ..."),
                password: str = typer.Option(..., prompt=True, hide_input=True, confirmation_prompt=True),
                full_name: str = "", scope_kind: str = "national", scope_id: str = "") -> None:
    """Create a user bound to a role and a scope."""
    from qorgau.core.db import unit_of_work
    from qorgau.core.errors import AppError
    from qorgau.registry import accounts as users

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


def _report_pending() -> None:
    from qorgau.core.migrate import LARGE_TABLE_ROWS, check

    pending = check(_url())
    if not pending:
        typer.echo("No pending migrations.")
        return
    typer.echo(f"{len(pending)} pending migration(s), in the order they run:")
    for revision in pending:
        flag = "  LOCKS A LARGE TABLE" if revision["locks_large_table"] else ""
        typer.echo(f"- {revision['revision']}: {revision['message'].splitlines()[0] if revision['message'] else ''}{flag}")
        for op in revision["operations"]:
            rows = "new" if op["rows"] is None else f"{op['rows']:,} rows"
            typer.echo(f"    {op['op']:<26} {op['table'] or '-':<32} {rows:>14}  {op['lock']}: {op['why']}")
    if any(r["locks_large_table"] for r in pending):
        typer.echo(f"Some operation blocks a table of {LARGE_TABLE_ROWS:,}+ rows: plan a maintenance window "
                   "(docs/operations.md, Upgrade).")
        raise typer.Exit(10)


# --- operations: jobs, backup and restore, retention ---------------------------------------------

jobs_app = typer.Typer(help="Background jobs and their schedules.", no_args_is_help=True)
backup_app = typer.Typer(help="Back up the database and files; export the keys as an encrypted bundle.",
                         invoke_without_command=True)
retention_app = typer.Typer(help="Retention periods by law and policy.", no_args_is_help=True)
app.add_typer(jobs_app, name="jobs")
app.add_typer(backup_app, name="backup")
app.add_typer(retention_app, name="retention")


@jobs_app.command("worker")
def jobs_worker(workers: int = typer.Option(2, help="Worker threads"),
                schedules: bool = typer.Option(True, "--schedules/--no-schedules",
                                               help="Also run the periodic schedules (exactly one worker of an "
                                                    "installation does; others run queued jobs only)")) -> None:
    """Run queued jobs and the periodic schedules (keep one running, e.g. under systemd)."""
    from qorgau.core import jobs, logs

    settings = get_settings()
    logs.configure(settings.log_format)
    where = settings.jobs_url.split("@")[-1] if settings.jobs_url else f"{settings.data_dir / 'jobs.db'}"
    typer.echo(f"Job worker: {workers} thread(s), queue {where}, {len(jobs.discover())} job kinds"
               f"{', schedules' if schedules else ', queued jobs only'}.")
    jobs.consumer(settings, workers=workers, periodic=schedules).run()


@jobs_app.command("schedule")
def jobs_schedule() -> None:
    """List every job kind and when it runs by itself."""
    from qorgau.core import jobs

    for kind, spec in sorted(jobs.discover().items()):
        typer.echo(f"{kind:<28} {spec.schedule_text or 'on demand':<20} {spec.title}")


@jobs_app.command("run")
def jobs_run(kind: str, param: list[str] = typer.Option([], "--param", help="name=value (repeatable)"),
             queue: bool = typer.Option(False, "--queue", help="Put it on the queue instead of running it here")) -> None:
    """Run a job now in this process (or put it on the queue), and print its result."""
    import json

    from qorgau.core import jobs
    from qorgau.core.db import unit_of_work

    params = {}
    for item in param:
        name, _, value = item.partition("=")
        params[name] = int(value) if value.lstrip("-").isdigit() else value
    if queue:
        with unit_of_work(_url(), actor="cli") as session:
            row = jobs.enqueue(session, kind=kind, params=params, requested_by="cli")
        typer.echo(f"Queued job {row.id}.")
        return
    try:
        done = jobs.run_now(_url(), kind, params)
    except LookupError as error:
        typer.echo(str(error), err=True)
        raise typer.Exit(2)
    typer.echo(json.dumps({"id": done.id, "state": done.state, "result": done.result, "error": done.error},
                          ensure_ascii=False))
    if done.state != jobs.JobState.DONE:
        raise typer.Exit(1)


@jobs_app.command("list")
def jobs_list(limit: int = typer.Option(20)) -> None:
    """The latest jobs with state and progress."""
    from qorgau.core import jobs
    from qorgau.core.db import unit_of_work

    with unit_of_work(_url(), actor="cli") as session:
        for row in jobs.recent(session, limit):
            typer.echo(f"{row.id}\t{row.kind}\t{row.state}\t{row.progress}%\t{row.created_at:%Y-%m-%d %H:%M}\t{row.error[:80]}")


@backup_app.callback()
def backup_now(ctx: typer.Context, to: str = typer.Option("", "--to", help="Folder (default: QORGAU_BACKUP_DIR "
                                                                      "or <data dir>/backups)")) -> None:
    """Back up now: database snapshot, files, manifest with checksums. Keys are NOT in it (`backup keys`)."""
    if ctx.invoked_subcommand is not None:
        return
    from pathlib import Path

    from qorgau.core import backup

    path = backup.create_backup(get_settings(), Path(to) if to else None)
    manifest = backup.read_manifest(path)
    typer.echo(f"Backup written to {path} ({len(manifest['tables'])} tables, "
               f"{sum(manifest['tables'].values()):,} rows, schema {', '.join(manifest['schema_revisions'])}).")


@backup_app.command("verify")
def backup_verify(path: str) -> None:
    """Check a backup's files against its manifest."""
    from pathlib import Path

    from qorgau.core import backup

    problems = backup.verify(Path(path))
    for problem in problems:
        typer.echo(problem, err=True)
    if problems:
        raise typer.Exit(1)
    typer.echo("OK: every file matches the manifest.")


@backup_app.command("list")
def backup_list() -> None:
    """Finished backups in the backup folder, oldest first."""
    from qorgau.core import backup

    for at, path in backup.finished_backups(get_settings().resolved_backup_dir()):
        typer.echo(f"{at:%Y-%m-%d %H:%M:%S} UTC\t{path}")


@backup_app.command("keys")
def backup_keys(out: str = typer.Option(..., "--out", help="The bundle file to write"),
                shares: int = typer.Option(0, "--shares", help="Split among this many custodians instead of a passphrase"),
                threshold: int = typer.Option(0, "--threshold", help="How many custodians together open it"),
                shares_dir: str = typer.Option("", "--shares-dir", help="Where to write one share file per custodian"),
                passphrase: str = typer.Option("", envvar="QORGAU_BUNDLE_PASSPHRASE", hidden=True)) -> None:
    """Export every key into an encrypted key bundle (passphrase, or Shamir shares among custodians)."""
    import json
    from pathlib import Path

    from qorgau.core import backup, keybundle

    material = backup.key_material(get_settings())
    if shares:
        folder = Path(shares_dir or Path(out).parent)
        folder.mkdir(parents=True, exist_ok=True)
        bundle, words = keybundle.seal_with_shares(material, threshold=threshold, count=shares)
        for number, share in enumerate(words, 1):
            share_path = folder / f"share-{number}-of-{shares}.txt"
            share_path.write_text(share + "\n")
            share_path.chmod(0o600)
        typer.echo(f"{shares} shares written to {folder}: give one to each custodian, then delete them here. "
                   f"Any {threshold} open the bundle.")
    else:
        passphrase = passphrase or typer.prompt("Passphrase for the key bundle", hide_input=True,
                                                confirmation_prompt=True)
        bundle = keybundle.seal_with_passphrase(material, passphrase)
    Path(out).write_text(json.dumps(bundle, indent=1))
    Path(out).chmod(0o600)
    typer.echo(f"Key bundle with {len(material)} keys written to {out}. Keep it apart from the backups.")


@app.command()
def restore(path: str = typer.Argument(..., help="A backup folder"),
            keys: str = typer.Option(..., "--keys", help="The key bundle file"),
            share: list[str] = typer.Option([], "--share", help="A custodian's share file (repeat)"),
            passphrase: str = typer.Option("", envvar="QORGAU_BUNDLE_PASSPHRASE", hidden=True),
            force: bool = typer.Option(False, "--force", help="Overwrite a database that is not empty")) -> None:
    """Restore a backup into QORGAU_DATABASE_URL and QORGAU_DATA_DIR, with the keys from the bundle."""
    import json
    from pathlib import Path

    from qorgau.core import backup, keybundle

    bundle = json.loads(Path(keys).read_text())
    try:
        if bundle.get("protection", {}).get("kind") == "shares":
            material = keybundle.open_bundle(bundle, shares=[Path(s).read_text() for s in share])
        else:
            material = keybundle.open_bundle(bundle, passphrase=passphrase or typer.prompt(
                "Passphrase of the key bundle", hide_input=True))
        report = backup.restore(Path(path), get_settings(), material, force=force)
    except (keybundle.BundleError, backup.BackupError) as error:
        typer.echo(f"Not restored: {error}", err=True)
        raise typer.Exit(2)
    for difference in report.differences:
        typer.echo(f"DIFFERENT: {difference}", err=True)
    if not report.ok:
        raise typer.Exit(1)
    typer.echo(f"Restored {report.tables} tables ({report.rows:,} rows), equal to the backup's manifest. "
               "Run `qorgau audit verify` next.")


@retention_app.command("show")
def retention_show() -> None:
    """Every retention period with its source."""
    from qorgau.core import retention

    for stated in retention.rules():
        typer.echo(f"{stated.key:<28} {stated.action:<10} {stated.period}  [{stated.source}]")


@retention_app.command("apply")
def retention_apply() -> None:
    """Apply the retention periods now (the `core.retention` job does it daily)."""
    import json

    from qorgau.core import jobs

    done = jobs.run_now(_url(), "core.retention")
    typer.echo(json.dumps({"state": done.state, "result": done.result, "error": done.error}))
    if done.state != jobs.JobState.DONE:
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
        for name, extra in getattr(module, "extra_apps", {}).items():  # top-level commands, e.g. `qorgau edge`
            app.add_typer(extra, name=name)


_mount_packages()


def main() -> None:
    app()


if __name__ == "__main__":
    main()
    sys.exit(0)
