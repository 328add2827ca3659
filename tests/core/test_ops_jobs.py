"""Background jobs: run in this process, on the embedded SQLite queue and on Redis, with progress."""

from __future__ import annotations

import time

import pytest
from sqlalchemy import select

from qorgau.core import jobs
from qorgau.core.config import Settings
from qorgau.core.db import session_factory, unit_of_work
from qorgau.core.models import AuditEntry, Job
from tests.conftest import PASSWORDS

REDIS_URL = "redis://127.0.0.1:6379/0"


@jobs.job("tests.count_users", title="Count users, reporting progress")
def _count_users(ctx: jobs.JobContext, fail: int = 0) -> dict:
    from sqlalchemy import func

    from qorgau.core.models import User

    ctx.progress(40, "counting")
    with session_factory(ctx.database_url)() as other:  # progress is visible to others while the job runs
        seen = other.get(Job, ctx.job_id)
        assert seen is not None and seen.progress == 40 and seen.state == "running"
    if fail:
        raise ValueError("asked to fail")
    return {"users": ctx.session.execute(select(func.count()).select_from(User)).scalar_one()}


def _queued_jobs(huey) -> int:
    return sum(1 for message in huey.pending() if message.name.endswith("run_job"))


def _wait_for(url: str, job_id: int, timeout: float = 60.0) -> Job:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        with session_factory(url)() as session:
            row = session.get(Job, job_id)
            if row is not None and row.state in ("done", "failed"):
                return row
        time.sleep(0.1)
    raise AssertionError(f"job {job_id} did not finish in {timeout} s")


def test_run_now_records_result_progress_and_failure(demo_url):
    done = jobs.run_now(demo_url, "tests.count_users")
    assert done.state == "done" and done.progress == 100 and done.result == {"users": len(PASSWORDS)}  # one demo user per sign-in
    failed = jobs.run_now(demo_url, "tests.count_users", {"fail": 1})
    assert failed.state == "failed" and "asked to fail" in failed.error and failed.result is None
    with session_factory(demo_url)() as session:
        actions = {(e.action, e.object_id) for e in session.execute(
            select(AuditEntry).where(AuditEntry.object_type == "core_job")).scalars()}
        assert ("job.done", str(done.id)) in actions and ("job.failed", str(failed.id)) in actions
        assert jobs.counts_by_state(session)["failed"] == 1
    with pytest.raises(LookupError, match="unknown job kind"):
        jobs.run_now(demo_url, "tests.nothing_like_this")


def test_every_package_schedule_is_declared():
    schedules = {kind for kind, spec in jobs.discover().items() if spec.schedule is not None}
    assert {"speaks.escalate", "deviations.escalate", "airegister.escalate", "monitoring.lone_workers",
            "core.backup", "core.backup_check", "core.retention"} <= schedules


@pytest.mark.parametrize("queue", ["sqlite", "redis"])
def test_enqueued_job_runs_on_the_worker_after_commit(db_url, tmp_path, queue):
    if queue == "redis":
        redis = pytest.importorskip("redis")
        try:
            redis.Redis.from_url(REDIS_URL).ping()
        except redis.exceptions.ConnectionError:
            pytest.skip("Redis is not running on 127.0.0.1:6379")
    settings = Settings(database_url=db_url, data_dir=tmp_path / "var", secret_key="s", data_key="k",
                        jobs_url=REDIS_URL if queue == "redis" else "")
    huey = jobs.queue_for(settings)
    huey.flush()
    with pytest.raises(RuntimeError), unit_of_work(db_url) as session:  # rolled back: never queued
        jobs.enqueue(session, kind="tests.count_users", settings=settings)
        raise RuntimeError("roll back")
    assert _queued_jobs(huey) == 0
    with unit_of_work(db_url, actor="test") as session:
        job_id = jobs.enqueue(session, kind="tests.count_users", settings=settings).id
        assert _queued_jobs(huey) == 0  # not before the commit
    assert _queued_jobs(huey) == 1 and jobs.queue_depth(settings) >= 1
    worker = jobs.consumer(settings, workers=1, periodic=False)
    worker.start()
    try:
        finished = _wait_for(db_url, job_id)
    finally:
        worker.stop(graceful=True)
    assert finished.state == "done" and finished.result == {"users": 0} and finished.requested_by == "test"
    assert _queued_jobs(huey) == 0
    huey.flush()


@jobs.job("tests.write_then_report", title="Write, then report progress")
def _write_then_report(ctx: jobs.JobContext) -> dict:
    from qorgau.core.models import LoginFailure

    ctx.session.add(LoginFailure(username="probe"))
    ctx.session.flush()
    ctx.progress(50, "half way")  # never waits on its own transaction (SQLite has one writer)
    return {"ok": True}


def test_progress_after_a_write_does_not_wait_on_the_job_itself(db_url):
    done = jobs.run_now(db_url, "tests.write_then_report")  # a wait on itself would end "database is locked"
    assert done.state == "done", done.error
    assert done.progress == 100


def test_the_audit_checkpoint_runs_as_a_scheduled_job(demo_url, tmp_path, monkeypatch):
    """The hourly job writes a signed checkpoint outside the database, and `audit verify` accepts it."""
    from qorgau.core import audit
    from qorgau.core.config import get_settings

    target = tmp_path / "checkpoints.jsonl"
    monkeypatch.setenv("QORGAU_AUDIT_CHECKPOINT_PATH", str(target))
    get_settings.cache_clear()
    try:
        assert "core.audit_checkpoint" in jobs.discover()
        done = jobs.run_now(demo_url, "core.audit_checkpoint")
        assert done.state == "done", done.error
        assert target.exists() and done.result["count"] > 0
        with session_factory(demo_url)() as session:
            assert audit.verify(session).ok
    finally:
        get_settings.cache_clear()


def test_risk_training_is_a_monthly_job(demo_url):
    """Training runs as a job; with the small demo's few serious cases it stores an honest 'insufficient data'
    run (or a model), and the job says which."""
    spec = jobs.discover()["risk.train"]
    assert spec.schedule is not None and "monthly" in spec.schedule_text
    done = jobs.run_now(demo_url, "risk.train", {"rounds": 5})
    assert done.state == "done", done.error
    assert done.result["status"] in ("trained", "insufficient_data") and done.result["run"] > 0
