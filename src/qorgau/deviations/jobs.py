"""Violations' periodic work, run by `qorgau jobs worker` (see core.jobs)."""

from __future__ import annotations

from datetime import date

from qorgau.core.i18n_markers import N_
from qorgau.core.jobs import JobContext, daily, job


@job("deviations.escalate", title=N_("Remind and escalate overdue corrective actions"), **daily(hour=0, minute=40))
def escalate(ctx: JobContext) -> dict:
    from qorgau.deviations import ladder

    taken = ladder.escalate(session=ctx.session, today=date.today())
    return {"steps": len(taken)}
