"""Re-equipment plans' periodic work, run by `qorgau jobs worker` (see core.jobs)."""

from __future__ import annotations

from datetime import date

from qorgau.core.i18n_markers import N_
from qorgau.core.jobs import JobContext, daily, job


@job("equipment.escalate", title=N_("Remind and escalate overdue re-equipment plan lines"), **daily(hour=0, minute=50))
def escalate(ctx: JobContext) -> dict:
    from qorgau.equipment import escalation

    taken = escalation.escalate(session=ctx.session, today=date.today())
    return {"steps": len(taken)}
