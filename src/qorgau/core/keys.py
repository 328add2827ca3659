"""Key custody on disk and rotation: the data key (re-encryption job), the session secret, the audit key.

The keys folder of the data directory holds:

    keys/data_key              the current data key
    keys/previous/<id>.key     data keys being rotated out: still read, never written with
    keys/retired/<id>.key      data keys no ciphertext uses any more (destroy once no backup needs them)
    keys/audit_key             the current audit key; keys/audit_previous/<id>.key verify older entries
    keys/receipt_pepper        salts receipt digests (never rotated: a receipt must keep working)
    secret_key                 signs sessions (rotation signs everyone out)

Re-encryption runs in batches of rows in primary-key order, each batch its own transaction; a row is
rewritten only when its ciphertext is legacy or of another key, so a restart simply carries on.
"""

from __future__ import annotations

import secrets
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

from sqlalchemy import Connection, LargeBinary, Table, select, update

from qorgau.core import crypto
from qorgau.core.audit import audit_key_id
from qorgau.core.config import Settings, get_settings
from qorgau.core.db import Base
from qorgau.core.plugins import modules

ENCRYPTED_SUFFIX = "_encrypted"


def encrypted_columns(tables: list[Table]) -> Iterator[tuple[Table, list[str]]]:
    """Every binary column named *_encrypted, by table: the whole of what the data key protects."""
    for table in tables:
        names = [c.name for c in table.columns
                 if c.name.endswith(ENCRYPTED_SUFFIX) and isinstance(c.type, LargeBinary)]
        if names:
            yield table, names


def _all_tables() -> list[Table]:
    modules("models")  # every package's tables registered on Base
    return list(Base.metadata.sorted_tables)


@dataclass
class Progress:
    rewritten: dict[str, int] = field(default_factory=dict)
    scanned: int = 0

    @property
    def total_rewritten(self) -> int:
        return sum(self.rewritten.values())


def reencrypt(connect: Callable[[], Connection], *, tables: list[Table] | None = None, batch_size: int = 200,
              on_batch: Callable[[str, int, int], None] | None = None) -> Progress:
    """Rewrite every ciphertext that is legacy or of another key with the current key.

    `connect` opens a connection; each batch is committed on its own, so an interruption loses at most
    one batch of work and a rerun skips what is done (idempotent).
    """
    progress = Progress()
    for table, names in encrypted_columns(tables if tables is not None else _all_tables()):
        after = None
        while True:
            with connect() as connection:
                if not connection.dialect.has_table(connection, table.name):
                    break
                after = _batch(connection, table, names, after, batch_size, progress)
                connection.commit()
            if after is None:
                break
            if on_batch:
                on_batch(table.name, progress.scanned, progress.total_rewritten)
    return progress


def reencrypt_in(connection: Connection, tables: list[Table]) -> Progress:
    """The same pass inside one transaction the caller owns (the upgrade migration)."""
    progress = Progress()
    for table, names in encrypted_columns(tables):
        after = None
        while (after := _batch(connection, table, names, after, 500, progress)) is not None:
            pass
    return progress


def _batch(connection: Connection, table: Table, names: list[str], after, size: int, progress: Progress):
    """Rewrite one batch after primary key `after`; returns the last key seen, None when done."""
    current = crypto.current_key_id()
    pk = list(table.primary_key.columns)[0]
    query = select(pk, *(table.c[n] for n in names)).order_by(pk).limit(size)
    if after is not None:
        query = query.where(pk > after)
    rows = connection.execute(query).all()
    for row in rows:
        stale = {n: row._mapping[n] for n in names if crypto.needs_rewrite(row._mapping[n], current)}
        if stale:
            fresh = {n: crypto.encrypt_bytes(crypto.decrypt_bytes(v)) for n, v in stale.items()}
            connection.execute(update(table).where(pk == row[0]).values(**fresh))
            progress.rewritten[table.name] = progress.rewritten.get(table.name, 0) + 1
    progress.scanned += len(rows)
    return rows[-1][0] if rows else None


def remaining(connection: Connection, tables: list[Table] | None = None) -> int:
    """How many ciphertexts are not yet under the current key."""
    current = crypto.current_key_id()
    count = 0
    for table, names in encrypted_columns(tables if tables is not None else _all_tables()):
        if not connection.dialect.has_table(connection, table.name):
            continue
        for row in connection.execute(select(*(table.c[n] for n in names))):
            count += sum(1 for value in row if crypto.needs_rewrite(value, current))
    return count


def _keys_dir(settings: Settings) -> Path:
    return settings.data_dir / "keys"


def _write_secret(path: Path, value: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(value)
    path.chmod(0o600)


class KeyFromEnvironment(RuntimeError):
    pass


def start_data_key_rotation(settings: Settings | None = None) -> str:
    """Make a new data key the current one; the old one moves to keys/previous (still read).

    Returns the new key's id. If a rotation is already under way (keys/previous not empty), nothing
    changes: the caller just resumes the re-encryption.
    """
    settings = settings or get_settings()
    if settings.previous_data_keys():
        return crypto.key_id(settings.resolved_data_key()).hex()
    if settings.data_key:
        raise KeyFromEnvironment("QORGAU_DATA_KEY is set: put the old key in <data dir>/keys/previous/<any name>.key "
                                 "and set the new one, then run the command again")
    old = settings.resolved_data_key()
    _write_secret(_keys_dir(settings) / "previous" / f"{crypto.key_id(old).hex()}.key", old)
    new = secrets.token_urlsafe(48)
    _write_secret(_keys_dir(settings) / "data_key", new)
    return crypto.key_id(new).hex()


def retire_previous_data_keys(settings: Settings | None = None) -> list[str]:
    """Move the rotated-out keys to keys/retired (no longer read). Only call when nothing remains."""
    settings = settings or get_settings()
    folder = _keys_dir(settings) / "previous"
    moved = []
    for path in sorted(folder.glob("*.key")) if folder.is_dir() else []:
        target = _keys_dir(settings) / "retired" / path.name
        target.parent.mkdir(parents=True, exist_ok=True)
        path.replace(target)
        moved.append(path.stem)
    return moved


def rotate_session_secret(settings: Settings | None = None) -> None:
    """A new session secret: every session cookie stops working (everyone signs in again)."""
    settings = settings or get_settings()
    if settings.secret_key:
        raise KeyFromEnvironment("QORGAU_SECRET_KEY is set: change the variable instead")
    settings.resolved_receipt_pepper()  # receipts keep the salt they were made with
    _write_secret(settings.data_dir / "secret_key", secrets.token_urlsafe(48))


def start_audit_key_rotation(settings: Settings | None = None) -> str:
    """A new audit key for new entries; the old one stays in keys/audit_previous to verify old entries."""
    settings = settings or get_settings()
    if settings.audit_key:
        raise KeyFromEnvironment("QORGAU_AUDIT_KEY is set: change the variable instead")
    old = settings.resolved_audit_key()
    _write_secret(_keys_dir(settings) / "audit_previous" / f"{audit_key_id(old)}.key", old)
    new = secrets.token_urlsafe(48)
    _write_secret(_keys_dir(settings) / "audit_key", new)
    return audit_key_id(new)
