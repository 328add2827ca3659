"""Large exports are background jobs: the same file as the one answered at once, progress on a page, a
download only for the person who asked (and administrators), kept for a bounded time, audited."""

from __future__ import annotations

import csv
import io
import os
import time

import pytest
from openpyxl import load_workbook
from sqlalchemy import func, select

from qorgau.core import exports, jobs
from qorgau.core.models import AuditEntry, Job


def _sheet(content: bytes) -> list[list]:
    sheet = load_workbook(io.BytesIO(content), read_only=True).worksheets[0]
    return [list(row) for row in sheet.iter_rows(values_only=True)]


def _violations(session) -> int:
    from qorgau.deviations.models import Violation

    return session.execute(select(func.count()).select_from(Violation)).scalar_one()


@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
def test_a_job_export_equals_the_immediate_one(sign_in, settings, session, monkeypatch, fmt):
    officer = sign_in("officer")
    officer.cookies.set("lang", "ru")
    at_once = officer.get(f"/deviations/violations?fmt={fmt}&status=open")
    assert at_once.status_code == 200 and "attachment" in at_once.headers["content-disposition"]

    monkeypatch.setattr(exports, "SYNC_ROWS", 0)
    monkeypatch.setattr(exports, "BATCH", 7)  # several batches, several progress reports
    queued = officer.get(f"/deviations/violations?fmt={fmt}&status=open", follow_redirects=False)
    assert queued.status_code == 303 and queued.headers["location"].startswith("/exports/")
    job_id = int(queued.headers["location"].rsplit("/", 1)[1])
    page = officer.get(f"/exports/{job_id}")
    assert page.status_code == 200 and 'id="export-progress"' in page.text and "exports.js" in page.text
    assert officer.get(f"/exports/{job_id}/status").json()["state"] == "queued"
    assert officer.get(f"/exports/{job_id}/download").status_code == 409  # not ready yet

    done = jobs.execute(settings.resolved_database_url(), job_id, settings=settings)
    assert done.state == "done", done.error
    status = officer.get(f"/exports/{job_id}/status").json()
    assert status["progress"] == 100 and status["download"] == f"/exports/{job_id}/download"
    assert status["written"] == status["rows"]
    assert "Скачать" in officer.get(f"/exports/{job_id}").text
    later = officer.get(f"/exports/{job_id}/download")
    assert later.status_code == 200 and later.headers["content-disposition"].endswith(f'violations.{fmt}"')
    if fmt == "csv":
        assert later.content == at_once.content
    else:
        assert _sheet(later.content) == _sheet(at_once.content)
        assert len(_sheet(later.content)) > 1
    entries = session.execute(select(AuditEntry.action).where(AuditEntry.object_type == "core_job",
                                                             AuditEntry.object_id == str(job_id))).scalars().all()
    assert "export.downloaded" in entries and "job.done" in entries


def test_progress_is_visible_while_the_job_writes(sign_in, settings, monkeypatch):
    officer = sign_in("officer")
    monkeypatch.setattr(exports, "SYNC_ROWS", 0)
    monkeypatch.setattr(exports, "BATCH", 5)
    job_id = int(officer.get("/deviations/violations?fmt=csv", follow_redirects=False)
                 .headers["location"].rsplit("/", 1)[1])
    seen: list[int] = []
    reported = jobs.JobContext.progress

    def watch(ctx, percent, message=""):
        reported(ctx, percent, message)
        seen.append(officer.get(f"/exports/{job_id}/status").json()["progress"])

    monkeypatch.setattr(jobs.JobContext, "progress", watch)
    jobs.execute(settings.resolved_database_url(), job_id, settings=settings)
    assert seen and 0 < seen[0] < 100 and seen == sorted(seen)


def test_only_the_requester_and_administrators_download(sign_in, settings, monkeypatch):
    monkeypatch.setattr(exports, "SYNC_ROWS", 0)
    officer = sign_in("officer")
    job_id = int(officer.get("/deviations/violations?fmt=csv", follow_redirects=False)
                 .headers["location"].rsplit("/", 1)[1])
    jobs.execute(settings.resolved_database_url(), job_id, settings=settings)
    inspector = sign_in("inspector")
    for path in (f"/exports/{job_id}", f"/exports/{job_id}/status", f"/exports/{job_id}/download"):
        assert inspector.get(path).status_code == 404
    assert sign_in("admin").get(f"/exports/{job_id}/download").status_code == 200
    assert officer.get("/exports/999999").status_code == 404


def test_an_expired_export_is_deleted_and_says_so(sign_in, settings, session, monkeypatch):
    monkeypatch.setattr(exports, "SYNC_ROWS", 0)
    officer = sign_in("officer")
    job_id = int(officer.get("/deviations/violations?fmt=xlsx", follow_redirects=False)
                 .headers["location"].rsplit("/", 1)[1])
    url = settings.resolved_database_url()
    jobs.execute(url, job_id, settings=settings)
    path = settings.data_dir / "exports" / f"{job_id}.xlsx"
    assert path.is_file()
    old = time.time() - exports.KEEP.total_seconds() - 60
    os.utime(path, (old, old))
    pruned = jobs.run_now(url, "core.export_prune", settings=settings)
    assert pruned.result == {"deleted": 1} and not path.exists()
    gone = officer.get(f"/exports/{job_id}/download")
    assert gone.status_code == 410


def test_every_row_is_exported_without_a_silent_limit(sign_in, session):
    officer = sign_in("officer")
    # A slice under the inline limit is answered at once, whole (larger lists are the job tests' case).
    rows = list(csv.reader(io.StringIO(officer.get("/deviations/violations?fmt=csv&severity=gross")
                                       .content.decode("utf-8-sig"))))
    from qorgau.core.exports import SYNC_ROWS
    from qorgau.core.models import User
    from qorgau.deviations import service

    user = session.execute(select(User).where(User.username == "officer")).scalar_one()
    in_scope = session.execute(select(func.count()).select_from(
        service.violations_query(session=session, actor=user, severity="gross").order_by(None).subquery())).scalar_one()
    assert 0 < len(rows) - 1 == in_scope <= min(SYNC_ROWS, _violations(session))
    assert session.execute(select(func.count()).select_from(Job).where(Job.kind == "core.export")).scalar_one() == 0
