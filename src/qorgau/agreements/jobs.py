"""Collective agreements' daily work, run by `qorgau jobs worker` (see core.jobs)."""

from __future__ import annotations

from qorgau.core.i18n_markers import N_
from qorgau.core.jobs import JobContext, daily, job


@job("agreements.expire", title=N_("Mark collective agreements whose term has ended as expired"),
     **daily(hour=1, minute=20))
def expire(ctx: JobContext) -> dict:
    from qorgau.agreements import service

    return {"expired": service.expire_due(session=ctx.session)}
