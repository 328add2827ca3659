"""The risk model's periodic work, run by `qorgau jobs worker` (see core.jobs)."""

from __future__ import annotations

from qorgau.core.i18n_markers import N_
from qorgau.core.jobs import JobContext, job, monthly


@job("risk.train", title=N_("Retrain the risk model and score every enterprise"), **monthly(day=2, hour=3))
def train(ctx: JobContext, months: int = 48, rounds: int = 60, min_cases: int = 30) -> dict:
    from qorgau.risk import service

    ctx.progress(5, "training")
    run = service.train(session=ctx.session, actor=None, months=months, rounds=rounds, min_cases=min_cases,
                        test_periods=6, threads=1, seed=0, trained_by="job")
    return {"run": run.id, "status": run.status, "version": run.version, "period": run.period}
