"""Background jobs: huey on SQLite in the data folder by default, on Redis when QORGAU_JOBS_URL says so.

A job is a row in `core_job` (state, progress, result) and a queue message carrying only that row's
id, so the database is the one record of what ran and the queue can be lost without losing it.

    from qorgau.core.jobs import JobContext, daily, job

    @job("monitoring.prune", schedule=daily(hour=2), title=N_("Prune raw readings"))
    def prune(ctx: JobContext, keep_days: int = 90) -> dict:
        ctx.progress(50, "half way")
        return {"deleted": ...}          # kept as the job's result

Packages declare their jobs in `<package>/jobs.py` (found like their views and CLI). Enqueue from a
service with `enqueue(session, kind=..., params=...)`: the job is queued only when that session
commits. `qorgau jobs worker` runs the consumer and the periodic schedules.
"""

from __future__ import annotations

import hashlib
import logging
import traceback
from collections.abc import Callable
from datetime import UTC, datetime
from enum import StrEnum
from typing import Any

from huey import Huey, RedisHuey, SqliteHuey
from sqlalchemy import event, func, select
from sqlalchemy.orm import Session

from qorgau.core import audit
from qorgau.core.config import Settings, get_settings
from qorgau.core.db import unit_of_work, utcnow
from qorgau.core.job_kinds import REGISTRY, JobContext, JobSpec, daily, every_minutes, job, monthly
from qorgau.core.models import Job
from qorgau.core.plugins import load_all_models, modules
from qorgau.core.states import Transitions

__all__ = ["REGISTRY", "JobContext", "JobSpec", "daily", "discover", "enqueue", "every_minutes", "job", "monthly"]

log = logging.getLogger("qorgau.jobs")
_OUTBOX = "jobs_outbox"


class JobState(StrEnum):
    QUEUED = "queued"
    RUNNING = "running"
    DONE = "done"
    FAILED = "failed"


JOB_MOVES = Transitions(JobState, {
    JobState.QUEUED: {JobState.RUNNING, JobState.FAILED},
    JobState.RUNNING: {JobState.DONE, JobState.FAILED},
    JobState.FAILED: {JobState.QUEUED},  # retried by hand
})


def discover() -> dict[str, JobSpec]:
    """Import core's and every package's job declarations. Core's are imported here, when the queue first needs
    them, because two of them (exports, retention) use the queue themselves: the one circle left in core,
    named in the import contracts."""
    from qorgau.core import audit_jobs, backup, delivery, exports, retention  # noqa: F401

    load_all_models()
    modules("jobs")
    return REGISTRY


# --- the queue -----------------------------------------------------------------------------------

_QUEUES: dict[tuple[str, str, str], Huey] = {}
_RUNNERS: dict[int, Callable[[int], Any]] = {}  # id(huey) -> its task that runs a job by id


def queue_for(settings: Settings | None = None, *, immediate: bool = False) -> Huey:
    """The huey instance for these settings: Redis if QORGAU_JOBS_URL is redis://, else SQLite."""
    settings = settings or get_settings()
    database_url = settings.resolved_database_url()
    key = (settings.jobs_url, str(settings.data_dir), database_url)
    if key in _QUEUES:
        return _QUEUES[key]
    if settings.jobs_url.startswith(("redis://", "rediss://", "unix://")):
        # One queue per installation (its database), so several can share one Redis.
        name = "qorgau-" + hashlib.sha256(database_url.encode()).hexdigest()[:12]
        huey: Huey = RedisHuey(name, url=settings.jobs_url, immediate=immediate)
    elif settings.jobs_url:
        raise ValueError(f"QORGAU_JOBS_URL must be redis://...; got {settings.jobs_url.split(':')[0]}:")
    else:
        settings.data_dir.mkdir(parents=True, exist_ok=True)
        huey = SqliteHuey("qorgau", filename=str(settings.data_dir / "jobs.db"), immediate=immediate)
    _register_tasks(huey, settings)
    _QUEUES[key] = huey
    return huey


def _register_tasks(huey: Huey, settings: Settings) -> None:
    database_url = settings.resolved_database_url()

    @huey.task(name="qorgau.run_job")
    def run_queued(job_id: int) -> None:
        execute(database_url, job_id, settings=settings)

    _RUNNERS[id(huey)] = run_queued
    for spec in discover().values():
        if spec.schedule is None:
            continue

        def periodic(kind: str = spec.kind) -> None:
            job_id = create(database_url, kind=kind, params={}, requested_by="system:schedule")
            execute(database_url, job_id, settings=settings)

        huey.periodic_task(spec.schedule, name=f"qorgau.schedule.{spec.kind}")(periodic)


def enqueue(session: Session, *, kind: str, params: dict | None = None, requested_by: str = "",
            settings: Settings | None = None) -> Job:
    """Add a job; it is put on the queue when `session` commits (never for rolled-back work)."""
    if kind not in discover():
        raise ValueError(f"unknown job kind {kind!r}")
    row = Job(kind=kind, params=params or {}, state=JobState.QUEUED,
              requested_by=requested_by or session.info.get("actor", "system"))
    session.add(row)
    session.flush()
    session.info.setdefault(_OUTBOX, []).append((row.id, settings))
    if not event.contains(session, "after_commit", _send_outbox):
        event.listen(session, "after_commit", _send_outbox)
        event.listen(session, "after_rollback", _drop_outbox)
    return row


def _drop_outbox(session: Session) -> None:
    session.info.pop(_OUTBOX, None)


def _send_outbox(session: Session) -> None:
    for job_id, settings in session.info.pop(_OUTBOX, []):
        _RUNNERS[id(queue_for(settings))](job_id)


def create(database_url: str, *, kind: str, params: dict, requested_by: str) -> int:
    with unit_of_work(database_url, actor=requested_by) as session:
        row = Job(kind=kind, params=params, state=JobState.QUEUED, requested_by=requested_by)
        session.add(row)
        session.flush()
        return row.id


def execute(database_url: str, job_id: int, *, settings: Settings | None = None) -> Job:
    """Run one job now, in this process: mark it running, run it in one unit of work, record the end."""
    settings = settings or get_settings()
    with unit_of_work(database_url, actor="system:jobs") as session:
        row = session.get(Job, job_id)
        if row is None:
            raise LookupError(f"no job {job_id}")
        row.state = JOB_MOVES.move(row.state, JobState.RUNNING)
        row.started_at, kind, params = utcnow(), row.kind, dict(row.params or {})
    spec = discover().get(kind)
    result: dict | None = None
    error = ""
    try:
        if spec is None:
            raise LookupError(f"unknown job kind {kind!r}")
        with unit_of_work(database_url, actor=f"system:job:{kind}") as session:
            result = spec.func(JobContext(session, job_id, database_url, settings), **params) or {}
            audit.record(session, action="job.done", object_type="core_job", object_id=job_id,
                         after={"kind": kind, "result": result})
    except Exception as failure:  # the job's failure is its result: recorded, shown, counted
        error = "".join(traceback.format_exception_only(type(failure), failure)).strip()[:2000]
        log.exception("job %s (%s) failed", job_id, kind)
    with unit_of_work(database_url, actor="system:jobs") as session:
        row = session.get(Job, job_id)
        assert row is not None
        row.state = JOB_MOVES.move(row.state, JobState.FAILED if error else JobState.DONE)
        row.finished_at, row.result, row.error = utcnow(), result, error
        if not error:
            row.progress = 100
        if error:
            audit.record(session, action="job.failed", object_type="core_job", object_id=job_id,
                         after={"kind": kind, "error": error[:300]})
    with unit_of_work(database_url) as session:
        done = session.get(Job, job_id)
        assert done is not None
        session.expunge(done)
        return done


def run_now(database_url: str, kind: str, params: dict | None = None, *, requested_by: str = "cli",
            settings: Settings | None = None) -> Job:
    """Create and run a job in this process (the CLI's `qorgau jobs run`, tests)."""
    if kind not in discover():
        raise LookupError(f"unknown job kind {kind!r}; known: {', '.join(sorted(REGISTRY))}")
    return execute(database_url, create(database_url, kind=kind, params=params or {},
                                        requested_by=requested_by), settings=settings)


def consumer(settings: Settings | None = None, *, workers: int = 1, periodic: bool = True):
    """The huey consumer (with the periodic scheduler unless `periodic=False`) for these settings."""
    return queue_for(settings).create_consumer(workers=workers, worker_type="thread", periodic=periodic,
                                               check_worker_health=True)


# --- what pages and metrics show ---------------------------------------------------------------

def counts_by_state(session: Session) -> dict[str, int]:
    rows = session.execute(select(Job.state, func.count()).group_by(Job.state)).all()
    return {state.value: 0 for state in JobState} | {state: n for state, n in rows}


def recent(session: Session, limit: int = 50) -> list[Job]:
    return list(session.execute(select(Job).order_by(Job.id.desc()).limit(limit)).scalars())


def last_success(session: Session, kind: str) -> Job | None:
    return session.execute(select(Job).where(Job.kind == kind, Job.state == JobState.DONE)
                           .order_by(Job.finished_at.desc()).limit(1)).scalar()


def queue_depth(settings: Settings | None = None) -> int | None:
    """Messages waiting on the queue; None when the queue cannot be reached."""
    try:
        return int(queue_for(settings).pending_count())
    except Exception:
        return None


def as_of(moment: datetime | None) -> datetime:
    return moment.astimezone(UTC) if moment else datetime.now(UTC)
