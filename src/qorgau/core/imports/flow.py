"""The staged import every upload page uses: upload -> dry-run preview with every problem -> commit all-or-nothing
-> audit event.

An `Importer` gives a package's two steps: `check` reads the file and returns what it would write (and every
problem, by row, column and reason) without writing; `write` writes it. `stage` keeps the uploaded bytes for the
user under the data folder (named by their SHA-256), `preview` runs `check` on them, and `commit` runs `check`
again, refuses on any problem, writes, records one audit event (kind, file name, hash, counts) and forgets the
file. The caller commits the unit of work once.
"""

from __future__ import annotations

import hashlib
import json
import re
import secrets
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from sqlalchemy.orm import Session

from qorgau.core import audit, policy
from qorgau.core.config import get_settings
from qorgau.core.errors import NotFound, ValidationFailed
from qorgau.core.i18n_markers import N_
from qorgau.core.imports.problems import FileProblems, Problem
from qorgau.core.imports.reader import check_size
from qorgau.core.models import User

_TOKEN = re.compile(r"^[0-9a-f]{64}$")
KEEP_STAGED_S = 24 * 3600  # a file uploaded and never imported is forgotten after a day


@dataclass
class Checked:
    """A dry run: the rows as they would be stored (first few), the file's columns and the mapping used, counts,
    notes on what was assumed, problems."""

    rows: list[dict] = field(default_factory=list)
    columns: list[str] = field(default_factory=list)  # the file's columns, for the mapping step
    mapping: dict[str, str] = field(default_factory=dict)  # field -> column used
    counts: dict[str, int] = field(default_factory=dict)
    notes: list[Problem] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)


@dataclass(frozen=True)
class Importer:
    """One kind of upload: its permission, its dry run and its write (both take session, actor, data, filename,
    options)."""

    kind: str
    permission: str
    check: Callable[..., Checked]
    write: Callable[..., dict]


def _folder(actor: User, data_dir: Path | None = None) -> Path:
    """The user's staging folder under the data folder (the app's, when the caller passes it)."""
    return (data_dir or get_settings().data_dir) / "imports" / str(actor.id)


def stage(*, actor: User, importer: Importer, data: bytes, filename: str, data_dir: Path | None = None) -> str:
    """Keep the uploaded file for the preview and commit steps; its token is its SHA-256."""
    policy.require(actor, importer.permission)
    check_size(data, filename)
    token = hashlib.sha256(data).hexdigest()
    folder = _folder(actor, data_dir)
    folder.mkdir(parents=True, exist_ok=True)
    _forget_old(folder)
    (folder / f"{token}.bin").write_bytes(data)
    (folder / f"{token}.json").write_text(json.dumps({"filename": filename[:200], "kind": importer.kind}))
    return token


def _forget_old(folder: Path) -> None:
    cutoff = time.time() - KEEP_STAGED_S
    for path in folder.iterdir():
        try:
            if path.stat().st_mtime < cutoff:
                path.unlink(missing_ok=True)
        except OSError:
            continue


def _load(actor: User, importer: Importer, token: str, data_dir: Path | None,
          staged: Path | None = None) -> tuple[bytes, str]:
    if not _TOKEN.match(token or ""):
        raise NotFound(N_("Not found."))
    folder = _folder(actor, data_dir)
    try:
        meta = json.loads((folder / f"{token}.json").read_text())
        data = (staged or folder / f"{token}.bin").read_bytes()
    except (OSError, ValueError):
        raise NotFound(N_("The uploaded file is no longer here; upload it again."))
    if meta.get("kind") != importer.kind or hashlib.sha256(data).hexdigest() != token:
        raise NotFound(N_("Not found."))
    return data, meta.get("filename", "upload.csv")


def preview(*, session: Session, actor: User, importer: Importer, token: str, options: dict | None = None,
            data_dir: Path | None = None) -> Checked:
    """The dry run on the staged file: nothing is written."""
    policy.require(actor, importer.permission)
    data, filename = _load(actor, importer, token, data_dir)
    try:
        return importer.check(session=session, actor=actor, data=data, filename=filename, options=options or {})
    except FileProblems as error:
        return Checked(problems=error.problems)


def _claim(actor: User, token: str, data_dir: Path | None) -> tuple[Path, Path]:
    """Take the staged file for one commit (an atomic rename): the same file committed twice at once, or again
    after it was imported, is refused instead of written twice."""
    if not _TOKEN.match(token or ""):
        raise NotFound(N_("Not found."))
    staged = _folder(actor, data_dir) / f"{token}.bin"
    claimed = staged.with_name(f"{token}.{secrets.token_hex(8)}.claim")
    try:
        staged.rename(claimed)
    except OSError:
        raise ValidationFailed(N_("This file was already imported, or it is no longer here; upload it again."))
    return staged, claimed


def commit(*, session: Session, actor: User, importer: Importer, token: str, options: dict | None = None,
           data_dir: Path | None = None) -> dict:
    """Check again, and on no problem write everything and record the import; any problem and nothing is written."""
    policy.require(actor, importer.permission)
    staged, claimed = _claim(actor, token, data_dir)
    try:
        data, filename = _load(actor, importer, token, data_dir, staged=claimed)
        try:
            checked = importer.check(session=session, actor=actor, data=data, filename=filename,
                                     options=options or {})
        except FileProblems as error:
            checked = Checked(problems=error.problems)
        if checked.problems:
            raise ValidationFailed(N_("The file has %(n)s error(s); nothing was imported."),
                                   params={"n": len(checked.problems)})
        counts = importer.write(session=session, actor=actor, data=data, filename=filename, options=options or {})
        audit.record(session, action="import", object_type=importer.kind, object_id=token[:16],
                     after={"filename": filename, "sha256": token, "counts": counts, "options": options or {},
                            "notes": len(checked.notes)})
        session.flush()
    except BaseException:
        claimed.replace(staged)  # the file stays staged: the user fixes the mapping or the options and retries
        raise
    claimed.unlink(missing_ok=True)
    staged.with_suffix(".json").unlink(missing_ok=True)
    return counts
