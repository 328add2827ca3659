"""What the administrator's health page shows: database, migrations, jobs, backups, retention, disk."""

from __future__ import annotations

import shutil
from datetime import UTC, datetime, timedelta

from sqlalchemy import text
from sqlalchemy.orm import Session

from qorgau.core import backup, delivery, jobs, policy
from qorgau.core.config import Settings
from qorgau.core.models import User


def health(session: Session, *, actor: User, settings: Settings) -> dict:
    from qorgau.core import migrate  # alembic: imported when the health page is asked for, not at start-up

    policy.require(actor, "operations.read")
    url = settings.resolved_database_url()
    session.execute(text("SELECT 1"))
    pending = migrate.check(url)
    last = backup.last_good_backup(settings)
    now = datetime.now(UTC)
    overdue = last is None or now - last > timedelta(hours=settings.backup_max_age_hours)
    usage = shutil.disk_usage(settings.data_dir if settings.data_dir.exists() else ".")
    specs = jobs.discover()
    scheduled = []
    for kind, spec in sorted(specs.items()):
        if spec.schedule is not None:
            success = jobs.last_success(session, kind)
            scheduled.append({"kind": kind, "title": spec.title, "when": spec.when(),
                              "last_success": success.finished_at if success else None,
                              "result": success.result if success else None})
    return {
        "backend": url.split(":", 1)[0].split("+", 1)[0],
        "pending": pending,
        "jobs": jobs.counts_by_state(session),
        "deliveries": delivery.counts_by_state(session),
        "queue_depth": jobs.queue_depth(settings),
        "queue": "redis" if settings.jobs_url else "sqlite",
        "recent_jobs": jobs.recent(session, 20),
        "scheduled": scheduled,
        "last_backup": last,
        "backup_overdue": overdue,
        "backup_max_age_hours": settings.backup_max_age_hours,
        "disk_free_gb": usage.free / 1e9,
        "disk_free_share": usage.free / usage.total if usage.total else 0.0,
        "metrics_on": bool(settings.metrics_token),
    }
