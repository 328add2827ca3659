"""Cluster detection as a background job (CPU work off the request), on demand and every night."""

from __future__ import annotations

from datetime import date

from qorgau.core.i18n_markers import N_
from qorgau.core.jobs import JobContext, daily, job


@job("biosafety.detect", title=N_("Detect clusters of occupational and zoonotic infections"), **daily(hour=2, minute=40))
def detect(ctx: JobContext, as_of: str = "") -> dict:
    from qorgau.biosafety import service
    from qorgau.core.db import utcnow

    day = date.fromisoformat(as_of) if as_of else utcnow().date()
    run = service.detect(session=ctx.session, as_of=day, requested_by=f"job:{ctx.job_id}",
                         progress=lambda share: ctx.progress(100 * share))
    return {"run": run.id, "cases": run.cases_read, "clusters": run.clusters}
