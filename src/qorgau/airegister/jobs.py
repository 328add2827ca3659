"""AI deployment register's periodic work, run by `qorgau jobs worker` (see core.jobs)."""

from __future__ import annotations

from datetime import UTC, datetime

from qorgau.core.i18n_markers import N_
from qorgau.core.jobs import JobContext, daily, job


@job("airegister.escalate", title=N_("Escalate overdue AI register decisions and conditions"),
     **daily(hour=0, minute=50))
def escalate(ctx: JobContext) -> dict:
    from qorgau.airegister import service

    done = service.escalate(ctx.session, datetime.now(UTC))
    return {"steps": len(done)}
