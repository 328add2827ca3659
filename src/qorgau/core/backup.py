"""Backups and restores: the database, the data folder's files, a manifest with checksums and the schema.

A backup is one folder `qorgau-<UTC time>/`:

    database.sqlite       SQLite through the online-backup API (consistent while the platform runs), or
    database.pgdump/      PostgreSQL through `pg_dump -Fd` (directory format, one snapshot)
    files.tar.gz          the data folder's other files (never its keys or secrets)
    manifest.json         written last: checksums of every file, the schema revisions, row counts per
                          table and fingerprints of the keys the data needs

The keys are never in a backup: they go into a separate, encrypted key bundle (core.keybundle).
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import sqlite3
import subprocess
import tarfile
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path

from sqlalchemy import inspect, make_url, select, text

from qorgau.core import i18n, policy
from qorgau.core.config import Settings, get_settings
from qorgau.core.db import engine_for
from qorgau.core.i18n_markers import N_
from qorgau.core.job_kinds import JobContext, daily, every_minutes, job
from qorgau.core.models import Notification, User
from qorgau.core.notify import notify

FORMAT = 1
# Never copied into a backup: secrets go in the key bundle, the rest is rebuilt or is the database.
_NOT_FILES = {"keys", "secret_key", "backups", "jobs.db", "jobs.db-wal", "jobs.db-shm"}


_KEYS_AS_FILES = {"QORGAU_SECRET_KEY", "QORGAU_DATA_KEY"}  # restored as files at their usual places


class BackupError(RuntimeError):
    pass


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for chunk in iter(lambda: handle.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def key_fingerprints(material: dict[str, str]) -> dict[str, str]:
    """A short, one-way fingerprint per key (shows a bundle fits a backup, reveals nothing of the key)."""
    return {name: hashlib.sha256(("qorgau-key-check:" + value).encode()).hexdigest()[:16]
            for name, value in sorted(material.items())}


def key_material(settings: Settings) -> dict[str, str]:
    """Every secret the data needs, by its place in the data folder: files under keys/, the session
    secret, and keys given in QORGAU_* variables (which take precedence, as in config)."""
    found: dict[str, str] = {}
    keys_dir = settings.data_dir / "keys"
    if keys_dir.is_dir():
        for path in sorted(p for p in keys_dir.rglob("*") if p.is_file()):
            found[path.relative_to(settings.data_dir).as_posix()] = path.read_text().strip()
    found["secret_key"] = settings.resolved_secret_key()
    found["keys/data_key"] = settings.resolved_data_key()
    for name, value in sorted(os.environ.items()):  # other keys given only as variables
        if name.startswith("QORGAU_") and name.endswith(("_KEY", "_KEYS")) and name not in _KEYS_AS_FILES:
            found[f"env:{name}"] = value
    return found


def table_counts(url: str) -> dict[str, int]:
    engine = engine_for(url)
    with engine.connect() as conn:
        names = sorted(inspect(conn).get_table_names())
        return {name: int(conn.execute(text(f'SELECT count(*) FROM "{name}"')).scalar_one()) for name in names}


def schema_revisions(url: str) -> list[str]:
    with engine_for(url).connect() as conn:
        if "alembic_version" not in inspect(conn).get_table_names():
            return []
        return sorted(conn.execute(text("SELECT version_num FROM alembic_version")).scalars())


def _pg_args(url: str) -> tuple[list[str], dict[str, str]]:
    parsed = make_url(url)
    args = ["-h", parsed.host or "127.0.0.1", "-p", str(parsed.port or 5432), "-U", parsed.username or "postgres"]
    env = dict(os.environ)
    if parsed.password:
        env["PGPASSWORD"] = parsed.password
    return args + ["-d", parsed.database or ""], env


def _database_files(url: str, settings: Settings) -> set[str]:
    if url.startswith("sqlite:///"):
        path = Path(url.removeprefix("sqlite:///")).resolve()
        return {path.name, path.name + "-wal", path.name + "-shm"} if path.parent == settings.data_dir.resolve() else set()
    return set()


def _copy_database(url: str, target: Path) -> str:
    if url.startswith("sqlite:///"):
        source = sqlite3.connect(url.removeprefix("sqlite:///"))
        copy = sqlite3.connect(target / "database.sqlite")
        with copy:
            source.backup(copy)  # the online-backup API: a consistent copy while others write
        copy.close()
        source.close()
        return "sqlite"
    if url.startswith("postgresql"):
        args, env = _pg_args(url)
        done = subprocess.run(["pg_dump", "-Fd", "-Z", "6", "--no-owner", "--no-privileges",
                               "-f", str(target / "database.pgdump"), *args], env=env,
                              capture_output=True, text=True)
        if done.returncode:
            raise BackupError(f"pg_dump failed: {done.stderr.strip()[:500]}")
        return "postgresql"
    raise BackupError(f"cannot back up a {url.split(':')[0]} database")


def _copy_files(settings: Settings, url: str, target: Path) -> None:
    skip = _NOT_FILES | _database_files(url, settings)
    backup_root = settings.resolved_backup_dir().resolve()
    with tarfile.open(target / "files.tar.gz", "w:gz") as archive:
        if settings.data_dir.is_dir():
            for entry in sorted(settings.data_dir.iterdir()):
                if entry.name in skip or entry.resolve() == backup_root:
                    continue
                archive.add(entry, arcname=entry.name)


def create_backup(settings: Settings | None = None, destination: Path | None = None,
                  now: datetime | None = None) -> Path:
    """Back up the database and files into a new folder under `destination`; returns that folder."""
    settings = settings or get_settings()
    url = settings.resolved_database_url()
    now = now or datetime.now(UTC)
    destination = destination or settings.resolved_backup_dir()
    target = destination / f"qorgau-{now:%Y%m%dT%H%M%S%fZ}"
    target.mkdir(parents=True)
    backend = _copy_database(url, target)
    _copy_files(settings, url, target)
    from importlib.metadata import version

    files = {p.relative_to(target).as_posix(): {"sha256": _sha256(p), "size": p.stat().st_size}
             for p in sorted(target.rglob("*")) if p.is_file()}
    manifest = {"format": FORMAT, "created_at": now.isoformat(), "backend": backend,
                "platform_version": version("qorgau"), "schema_revisions": schema_revisions(url),
                "tables": table_counts(url), "files": files,
                "keys": key_fingerprints(key_material(settings)), "complete": True}
    partial = target / "manifest.json.partial"
    partial.write_text(json.dumps(manifest, indent=1, sort_keys=True))
    partial.rename(target / "manifest.json")  # a backup without manifest.json is unfinished: never used
    return target


def read_manifest(backup: Path) -> dict:
    path = backup / "manifest.json"
    if not path.is_file():
        raise BackupError(f"{backup} has no manifest.json: not a finished backup")
    return json.loads(path.read_text())


def verify(backup: Path) -> list[str]:
    """Problems found (missing, changed or unexpected files); empty when the backup is intact."""
    manifest = read_manifest(backup)
    problems = []
    for name, expected in manifest["files"].items():
        path = backup / name
        if not path.is_file():
            problems.append(f"{name}: missing")
        elif _sha256(path) != expected["sha256"]:
            problems.append(f"{name}: checksum differs (damaged or altered)")
    present = {p.relative_to(backup).as_posix() for p in backup.rglob("*") if p.is_file()} - {"manifest.json"}
    problems += [f"{name}: not in the manifest" for name in sorted(present - set(manifest["files"]))]
    return problems


@dataclass
class RestoreReport:
    backup: str
    tables: int = 0
    rows: int = 0
    differences: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.differences


def _database_is_empty(url: str) -> bool:
    try:
        with engine_for(url).connect() as conn:
            return not inspect(conn).get_table_names()
    except Exception:
        return True


def restore(backup: Path, settings: Settings, keys: dict[str, str], *, force: bool = False) -> RestoreReport:
    """Restore a backup into the database and data folder of `settings`, writing `keys` (from the key
    bundle) into the data folder; then compare schema and row counts with the manifest."""
    problems = verify(backup)
    if problems:
        raise BackupError("the backup is damaged: " + "; ".join(problems[:5]))
    manifest = read_manifest(backup)
    # The session secret may have been rotated since: only a missing or different data key stops a restore.
    missing = {name for name, fp in manifest.get("keys", {}).items()
               if name not in keys or key_fingerprints({name: keys[name]})[name] != fp}
    if missing - {"secret_key"}:
        raise BackupError("the key bundle does not hold the keys this backup was made with: " + ", ".join(sorted(missing)))
    url = settings.resolved_database_url()
    if not force and not _database_is_empty(url):
        raise BackupError("the target database is not empty; restore into a new one (or pass --force)")
    engine_for(url).dispose()
    if manifest["backend"] == "sqlite":
        if not url.startswith("sqlite:///"):
            raise BackupError("this backup is of SQLite; set QORGAU_DATABASE_URL to a sqlite:/// file")
        path = Path(url.removeprefix("sqlite:///"))
        path.parent.mkdir(parents=True, exist_ok=True)
        for suffix in ("-wal", "-shm"):
            Path(str(path) + suffix).unlink(missing_ok=True)
        shutil.copyfile(backup / "database.sqlite", path)
    else:
        if not url.startswith("postgresql"):
            raise BackupError("this backup is of PostgreSQL; set QORGAU_DATABASE_URL to a postgresql:// database")
        args, env = _pg_args(url)
        cleaning = ["--clean", "--if-exists"] if force else []
        jobs = ["-j", str(min(4, os.cpu_count() or 1))]  # the directory format restores tables in parallel
        done = subprocess.run(["pg_restore", "--no-owner", "--no-privileges", "--exit-on-error", *jobs, *cleaning,
                               *args, str(backup / "database.pgdump")], env=env, capture_output=True, text=True)
        if done.returncode:
            raise BackupError(f"pg_restore failed: {done.stderr.strip()[:500]}")
    settings.data_dir.mkdir(parents=True, exist_ok=True)
    with tarfile.open(backup / "files.tar.gz") as archive:
        archive.extractall(settings.data_dir, filter="data")
    variables = {name.removeprefix("env:"): value for name, value in keys.items() if name.startswith("env:")}
    if variables:  # keys that were given as variables: written for the administrator to set again
        keys = {name: value for name, value in keys.items() if not name.startswith("env:")}
        keys["keys/restored.env"] = "".join(f"{name}={value}\n" for name, value in sorted(variables.items()))
    for name, value in keys.items():
        target = (settings.data_dir / name).resolve()
        if settings.data_dir.resolve() not in target.parents:
            raise BackupError(f"key bundle entry {name!r} points outside the data folder")
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(value)
        target.chmod(0o600)
    return compare(manifest, url, backup)


def compare(manifest: dict, url: str, backup: Path) -> RestoreReport:
    report = RestoreReport(backup=str(backup))
    if schema_revisions(url) != manifest["schema_revisions"]:
        report.differences.append(f"schema {schema_revisions(url)} != {manifest['schema_revisions']}")
    counts = table_counts(url)
    for name, expected in manifest["tables"].items():
        if counts.get(name) != expected:
            report.differences.append(f"{name}: {counts.get(name)} rows, backup had {expected}")
    report.tables, report.rows = len(counts), sum(counts.values())
    return report


# --- scheduled backups, retention of backups, alert when the last good one is old ---------------

def finished_backups(folder: Path) -> list[tuple[datetime, Path]]:
    found = []
    if folder.is_dir():
        for path in folder.glob("qorgau-*"):
            try:
                manifest = read_manifest(path)
            except (BackupError, ValueError):
                continue
            if manifest.get("complete"):
                found.append((datetime.fromisoformat(manifest["created_at"]), path))
    return sorted(found)


def last_good_backup(settings: Settings | None = None) -> datetime | None:
    backups = finished_backups((settings or get_settings()).resolved_backup_dir())
    return backups[-1][0] if backups else None


def prune_backups(folder: Path, keep: int, now: datetime | None = None) -> list[Path]:
    """Keep the newest `keep` finished backups; remove older ones and unfinished ones over a day old."""
    now = now or datetime.now(UTC)
    finished = finished_backups(folder)
    removed = [path for _at, path in finished[:-keep]] if keep > 0 else []
    finished_paths = {path for _at, path in finished}
    for path in folder.glob("qorgau-*") if folder.is_dir() else []:
        age = now - datetime.fromtimestamp(path.stat().st_mtime, UTC)
        if path not in finished_paths and age > timedelta(days=1):
            removed.append(path)
    for path in removed:
        shutil.rmtree(path, ignore_errors=True)
    return removed


@job("core.backup", title=N_("Back up the database and files"), **daily(hour=23))
def scheduled_backup(ctx: JobContext) -> dict:
    ctx.progress(5, "backing up")
    path = create_backup(ctx.settings)
    ctx.progress(90, "pruning old backups")
    removed = prune_backups(ctx.settings.resolved_backup_dir(), ctx.settings.backup_keep)
    return {"backup": path.name, "removed": [p.name for p in removed]}


@job("core.backup_check", title=N_("Alert when the last good backup is too old"), **every_minutes(60))
def backup_check(ctx: JobContext) -> dict:
    last = last_good_backup(ctx.settings)
    now = datetime.now(UTC)
    limit = timedelta(hours=ctx.settings.backup_max_age_hours)
    if last is not None and now - last <= limit:
        return {"last_good": last.isoformat(), "overdue": False}
    recently = select(Notification.id).where(Notification.kind == "backup_overdue",
                                             Notification.created_at > now - timedelta(hours=24))
    told = 0
    if ctx.session.execute(recently.limit(1)).first() is None:
        admins = ctx.session.execute(select(User).where(User.role == policy.Role.ADMIN, User.is_active)).scalars()
        for admin in admins:
            with i18n.locale_context(admin.locale or ctx.settings.default_locale):
                title = i18n.gettext(N_("No good backup for more than %(hours)s hours."),
                                     hours=ctx.settings.backup_max_age_hours)
            notify(ctx.session, user=admin, kind="backup_overdue", urgent=True, link="/admin/health", title=title)
            told += 1
    return {"last_good": last.isoformat() if last else None, "overdue": True, "told": told}
