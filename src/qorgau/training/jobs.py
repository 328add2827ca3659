"""Training centre's periodic work, run by `qorgau jobs worker` (see core.jobs)."""

from __future__ import annotations

from qorgau.core.i18n_markers import N_
from qorgau.core.jobs import JobContext, daily, job


@job("training.remind", title=N_("Remind inspectors of periodic training and learners of due courses"),
     **daily(hour=7, minute=10))
def remind(ctx: JobContext) -> dict:
    from qorgau.training import service

    return service.remind(ctx.session)
