"""Declaring a job kind: the decorator, its schedule helpers and what a running job gets. Kept apart from the
queue (core.jobs), which imports every declaration to find them."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from huey import crontab
from sqlalchemy.orm import Session

from qorgau.core import i18n
from qorgau.core.config import Settings
from qorgau.core.db import unit_of_work
from qorgau.core.i18n_markers import N_
from qorgau.core.models import Job


@dataclass
class JobSpec:
    kind: str
    func: Callable[..., dict | None]
    schedule: crontab | None = None
    schedule_text: str = ""
    title: str = ""
    schedule_words: tuple[str, dict] | None = None  # (message id, params): the schedule in the reader's language

    def when(self) -> str:
        """The schedule in the current locale (empty when the job runs only on demand)."""
        if self.schedule_words is None:
            return ""
        msgid, params = self.schedule_words
        return i18n.gettext(msgid) % params


@dataclass
class JobContext:
    """What a running job gets: its own unit of work, its id, and a way to report progress."""

    session: Session
    job_id: int
    database_url: str
    settings: Settings
    _last: dict = field(default_factory=dict)

    def progress(self, percent: float, message: str = "") -> None:
        """Record progress in its own short transaction, so pages see it while the job runs."""
        percent = max(0, min(100, int(percent)))
        if _holds_sqlite_write_lock(self.session):
            # SQLite has one writer: a second transaction would wait for this job's own. The progress
            # goes into the job's transaction instead, and shows when it commits.
            row = self.session.get(Job, self.job_id)
            if row is not None:
                row.progress, row.message = percent, message[:300]
            return
        with unit_of_work(self.database_url, actor="system:jobs") as session:
            row = session.get(Job, self.job_id)
            if row is not None:
                row.progress, row.message = percent, message[:300]


def _holds_sqlite_write_lock(session: Session) -> bool:
    if not session.in_transaction() or session.get_bind().dialect.name != "sqlite":
        return False
    session.flush()
    raw = session.connection().connection.dbapi_connection
    return bool(getattr(raw, "in_transaction", False))


REGISTRY: dict[str, JobSpec] = {}


def job(kind: str, *, schedule: crontab | None = None, schedule_text: str = "", title: str = "",
        schedule_words: tuple[str, dict] | None = None):
    """Declare a job kind (and optionally its periodic schedule)."""

    def register(func: Callable[..., dict | None]) -> Callable[..., dict | None]:
        REGISTRY[kind] = JobSpec(kind, func, schedule, schedule_text, title or kind, schedule_words)
        return func

    return register


def daily(hour: int, minute: int = 0) -> dict[str, Any]:
    """`schedule=` and `schedule_text=` for a job run once a day (times in UTC)."""
    return {"schedule": crontab(minute=str(minute), hour=str(hour)),
            "schedule_text": f"daily {hour:02d}:{minute:02d} UTC",
            "schedule_words": (N_("daily at %(time)s UTC"), {"time": f"{hour:02d}:{minute:02d}"})}


def monthly(day: int, hour: int, minute: int = 0) -> dict[str, Any]:
    """`schedule=` and `schedule_text=` for a job run once a month (times in UTC)."""
    return {"schedule": crontab(minute=str(minute), hour=str(hour), day=str(day)),
            "schedule_text": f"monthly, day {day} {hour:02d}:{minute:02d} UTC",
            "schedule_words": (N_("monthly on day %(day)s at %(time)s UTC"),
                               {"day": day, "time": f"{hour:02d}:{minute:02d}"})}


def every_minutes(minutes: int) -> dict[str, Any]:
    return {"schedule": crontab(minute=f"*/{minutes}"), "schedule_text": f"every {minutes} min",
            "schedule_words": (N_("every %(minutes)s min"), {"minutes": minutes})}
