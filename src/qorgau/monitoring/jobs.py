"""Monitoring's periodic work and retention rules, run by `qorgau jobs worker` (see core.jobs)."""

from __future__ import annotations

from qorgau.core.i18n_markers import N_
from qorgau.core.job_kinds import daily
from qorgau.core.jobs import JobContext, every_minutes, job
from qorgau.core.retention import Action, rule


@job("monitoring.lone_workers", title=N_("Tell about anyone alone in a zone too long"), **every_minutes(5))
def lone_workers(ctx: JobContext, minutes: int = 60) -> dict:
    from qorgau.monitoring import service

    told = service.watch_lone_workers(session=ctx.session, now=None, minutes=minutes)
    return {"told": len(told)}


@job("monitoring.reading_partitions", title=N_("Create the coming months' partitions of raw readings"),
     **daily(hour=0, minute=10))
def reading_partitions(ctx: JobContext, ahead: int = 2) -> dict:
    """PostgreSQL: this month's and the next `ahead` months' partitions of monitoring_reading exist (timeparts.py).
    SQLite keeps one table and has nothing to do."""
    import time

    from qorgau.monitoring import timeparts

    return {"created": timeparts.ensure_months(ctx.session.connection(), time.time(), ahead)}


def _prune_raw(session, cutoff) -> int:
    from datetime import UTC, datetime

    from qorgau.monitoring import service, timeparts

    # PostgreSQL: whole months before the cutoff go at once (their alarm evidence copied out first);
    # what is left of the cutoff's own month is deleted row by row, as on SQLite.
    dropped = timeparts.drop_months_before(session.connection(), cutoff.timestamp(), around_alarms_s=3600.0)
    days = max(1, round((datetime.now(UTC) - cutoff).total_seconds() / 86400))
    deleted = int(service.prune_readings(session=session, keep_days=days, around_alarms_s=3600.0)["deleted"])
    return deleted + int(dropped["rows"])


def _delete_rollups(session, cutoff) -> int:
    from sqlalchemy import delete

    from qorgau.monitoring.models import Rollup

    return session.execute(delete(Rollup).where(Rollup.minute < int(cutoff.timestamp() // 60))).rowcount or 0


def _delete_dead_letters(session, cutoff) -> int:
    from sqlalchemy import delete

    from qorgau.monitoring.models import DeadLetter

    return session.execute(delete(DeadLetter).where(DeadLetter.received_at < cutoff)).rowcount or 0


rule(key="monitoring.raw_readings", package="monitoring", days=90, action=Action.DELETE,
     record=N_("Raw sensor readings"), period=N_("90 days; readings within an hour of an alarm are kept with it"),
     source=N_("Platform policy: minute rollups and alarms keep the exposure history"), enforce=_prune_raw)
rule(key="monitoring.rollups", package="monitoring", days=3653, action=Action.DELETE,
     record=N_("Minute rollups of readings (minimum, maximum, mean)"), period=N_("10 years"),
     source=N_("Platform policy: exposure history for occupational-disease investigations"), enforce=_delete_rollups)
rule(key="monitoring.dead_letters", package="monitoring", days=90, action=Action.DELETE,
     record=N_("Rejected sensor messages (dead letters)"), period=N_("90 days"), source=N_("Platform policy"),
     enforce=_delete_dead_letters)
