"""Support cases' periodic work, run by `qorgau jobs worker` (see core.jobs)."""

from __future__ import annotations

from datetime import UTC, datetime

from qorgau.core.i18n_markers import N_
from qorgau.core.jobs import JobContext, daily, job


@job("support.escalate", title=N_("Escalate missed follow-ups and overdue services of support cases"),
     **daily(hour=1, minute=10))
def escalate(ctx: JobContext) -> dict:
    from qorgau.support import service

    done = service.escalate(ctx.session, datetime.now(UTC))
    return {"steps": len(done)}
