"""List exports (CSV, XLSX): small ones answered at once, large ones written by a background job.

Every export link goes through `respond`. A package declares what a list exports with `@exporter(name)`:
a function `(session, actor, params) -> Table` that checks permissions, counts the rows exactly and returns
them as a lazy iterable (fetched from the database in batches, never all at once). Then:

- up to `SYNC_ROWS` rows: the file is the response, written as it is read;
- more: a `core.export` job is queued and the reader goes to the job's page (`/exports/<id>`), which shows
  its progress and, when done, a download link. The job writes the file in bounded memory (a streaming CSV
  writer, openpyxl's write-only workbook) under `<data dir>/exports/`, keeps it `KEEP` and then deletes it.
  Only the person who asked (and administrators) may download it; each download is audited.

Nothing is ever cut at a limit: a list is either whole in the file, or the file is made by a job.
"""

from __future__ import annotations

import csv
import importlib
import logging
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path

from sqlalchemy import Select
from sqlalchemy.orm import Session

from qorgau.core import audit, i18n, jobs, policy
from qorgau.core.db import utcnow
from qorgau.core.errors import AppError, Conflict, NotFound, ValidationFailed
from qorgau.core.i18n_markers import N_
from qorgau.core.models import Job, User
from qorgau.core.tabular import XLSX_MEDIA_TYPE, download, neutralise, xlsx_cell

log = logging.getLogger("qorgau.exports")

SYNC_ROWS = 5_000  # at most this many rows: answered at once; more: written by a job
BATCH = 1_000  # rows fetched from the database at a time
KEEP = timedelta(hours=24)  # how long a finished export's file is kept
FORMATS = ("csv", "xlsx")
MEDIA_TYPES = {"csv": "text/csv", "xlsx": XLSX_MEDIA_TYPE}


class Gone(AppError):
    status = 410
    code = "gone"


@dataclass
class Table:
    """An export: header (in the reader's language), rows (lazy), their exact number and the file name."""

    header: Sequence[str]
    rows: Iterable[Sequence] | Callable[[], Iterable[Sequence]]  # a callable: computed only when written
    count: int
    name: str
    sheet: str = ""


EXPORTERS: dict[str, Callable[[Session, User, dict], Table]] = {}


def exporter(name: str):
    """Declare an export `<package>.<list>`; the worker imports `<package>.views` to find it."""

    def register(func: Callable[[Session, User, dict], Table]) -> Callable[[Session, User, dict], Table]:
        EXPORTERS[name] = func
        return func

    return register


def _find(name: str) -> Callable[[Session, User, dict], Table]:
    if name not in EXPORTERS:
        package = name.split(".", 1)[0]
        if package.isidentifier():
            importlib.import_module(f"qorgau.{package}.views")
    if name not in EXPORTERS:
        raise LookupError(f"unknown export {name!r}")
    return EXPORTERS[name]


def batched(session: Session, query: Select, *, scalars: bool = True, size: int = BATCH) -> Iterator[Sequence]:
    """The query's rows in lists of `size`, read with a server-side cursor where the database has one."""
    result = session.execute(query.execution_options(yield_per=size))
    source = result.scalars() if scalars else result
    yield from source.partitions(size)


def _rows(table: Table) -> Iterable[Sequence]:
    return table.rows() if callable(table.rows) else table.rows


# --- the request's side -------------------------------------------------------------------------------

def respond(db: Session, user: User, *, name: str, params: dict, fmt: str):
    """The export answer: the file itself when small, else a queued job and a redirect to its page."""
    from fastapi.responses import RedirectResponse

    if fmt not in FORMATS:
        raise ValidationFailed(N_("Unknown export format."), field="fmt")
    table = _find(name)(db, user, params)
    if table.count <= SYNC_ROWS:
        return download(table.header, _rows(table), fmt, table.name, table.sheet)
    row = jobs.enqueue(db, kind="core.export", requested_by=f"user:{user.username}",
                       params={"export": name, "params": params, "fmt": fmt, "user_id": user.id,
                               "locale": i18n.get_locale(), "rows": table.count})
    db.commit()
    return RedirectResponse(f"/exports/{row.id}", status_code=303)


def job_for(db: Session, user: User, job_id: int) -> Job:
    """An export job its requester (or an administrator) may see; anyone else gets 'not found'."""
    row = db.get(Job, job_id)
    if row is None or row.kind != "core.export":
        raise NotFound(N_("Not found."))
    if (row.params or {}).get("user_id") != user.id and not policy.allowed(user, "operations.read"):
        raise NotFound(N_("Not found."))
    return row


def status(row: Job) -> dict:
    result = row.result or {}
    expires = result.get("expires_at")
    return {"id": row.id, "state": row.state, "progress": row.progress, "rows": (row.params or {}).get("rows"),
            "written": result.get("rows"), "error": bool(row.error), "expires_at": expires,
            "expired": expires is not None and str(expires) < utcnow().isoformat(),
            "download": f"/exports/{row.id}/download" if row.state == jobs.JobState.DONE else None}


def file_of(db: Session, user: User, job_id: int, data_dir: Path) -> tuple[Path, str, str]:
    """(path, media type, download name) of a finished export; the download is audited."""
    row = job_for(db, user, job_id)
    facts = status(row)
    path = data_dir / "exports" / str((row.result or {}).get("file", ""))
    if row.state != jobs.JobState.DONE:
        raise Conflict(N_("The export is not ready yet."))
    if facts["expired"] or not path.is_file():
        raise Gone(N_("The export file was deleted after %(hours)s hours; export the list again."),
                   params={"hours": int(KEEP.total_seconds() // 3600)})
    result = row.result or {}
    audit.record(db, action="export.downloaded", object_type="core_job", object_id=row.id,
                 after={"export": (row.params or {}).get("export"), "rows": result.get("rows")})
    db.commit()
    fmt = result["fmt"]
    return path, MEDIA_TYPES[fmt], f"{result['name']}.{fmt}"


# --- the job's side -----------------------------------------------------------------------------------

def _counted(rows: Iterable[Sequence], count: int, ctx: jobs.JobContext, written: list[int],
             cell=neutralise) -> Iterator[list]:
    step = max(BATCH, count // 50)
    for row in rows:
        yield [cell(value) for value in row]
        written[0] += 1
        if written[0] % step == 0:
            ctx.progress(95 * written[0] / max(count, 1), f"{written[0]} / {count}")


def write(table: Table, fmt: str, path: Path, ctx: jobs.JobContext) -> int:
    """Write the table to `path` in bounded memory; the number of rows written."""
    written = [0]
    rows = _counted(_rows(table), table.count, ctx, written, neutralise if fmt == "csv" else xlsx_cell)
    temporary = path.with_suffix(path.suffix + ".part")
    if fmt == "csv":
        with temporary.open("w", encoding="utf-8", newline="") as out:
            out.write("\ufeff")
            writer = csv.writer(out)
            writer.writerow([neutralise(h) for h in table.header])
            writer.writerows(rows)
    else:
        from openpyxl import Workbook

        workbook = Workbook(write_only=True)  # rows go to a temporary file as they are appended
        sheet = workbook.create_sheet((table.sheet or table.name)[:31])
        sheet.append([xlsx_cell(h) for h in table.header])
        for row in rows:
            sheet.append(row)
        workbook.save(temporary)
    temporary.replace(path)
    return written[0]


@jobs.job("core.export", title=N_("Export a list"))
def run_export(ctx: jobs.JobContext, export: str, params: dict, fmt: str, user_id: int, locale: str = "en",
               rows: int = 0) -> dict:
    user = ctx.session.get(User, user_id)
    if user is None or not user.is_active:
        raise PermissionError("the person who asked for the export is no longer an active user")
    folder = ctx.settings.data_dir / "exports"
    folder.mkdir(parents=True, exist_ok=True)
    with i18n.locale_context(locale):
        table = _find(export)(ctx.session, user, params)
        path = folder / f"{ctx.job_id}.{fmt}"
        written = write(table, fmt, path, ctx)
    if written != table.count:  # rows added or removed while the file was written: say so, cut nothing
        log.info("export %s: %s rows counted, %s written", ctx.job_id, table.count, written)
    return {"file": path.name, "fmt": fmt, "name": table.name, "rows": written, "bytes": path.stat().st_size,
            "expires_at": (utcnow() + KEEP).isoformat()}


@jobs.job("core.export_prune", title=N_("Delete expired export files"), **jobs.every_minutes(30))
def prune(ctx: jobs.JobContext) -> dict:
    """Delete export files older than KEEP (and pieces of files left by an interrupted job)."""
    folder = ctx.settings.data_dir / "exports"
    deleted = 0
    if folder.is_dir():
        oldest = (utcnow() - KEEP).timestamp()
        for path in folder.iterdir():
            if path.is_file() and path.stat().st_mtime < oldest:
                path.unlink(missing_ok=True)
                deleted += 1
    return {"deleted": deleted}
