"""Demo: train the risk model on the demo's own records (few trees, so the step stays quick).

The model is not invented: when the demo dataset has too few serious or fatal cases to learn from (the
40-enterprise test demo has about ten in four years), the run is recorded as `insufficient_data` with
the reason, and the pages say so instead of showing scores. When a model is trained, the state inspector
and the union officer each draw a plan, and the first visits of the state plan record outcomes: these
outcomes are invented (drawn from each enterprise's own violations record, the same way for the model's
picks and the random audit slots) so that the plan page and the model card have something to compare.
"""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy.orm import Session

from qorgau.core.db import utcnow
from qorgau.deviations import service as deviations
from qorgau.risk import service, visits
from qorgau.risk.states import PickStatus, RunStatus

DEMO_ROUNDS = 40
DEMO_TEST_PERIODS = 4


def generate(session: Session, ctx) -> None:
    run = service.train(session=session, actor=None, rounds=DEMO_ROUNDS, seed=ctx.seed,
                        test_periods=DEMO_TEST_PERIODS, trained_by="system:demo")
    if run.status == RunStatus.TRAINED:
        _plans_with_outcomes(session, ctx)


FINDINGS = [("electrical", "Открытые токоведущие части в распределительном щите"),
            ("machinery_equipment", "Снято защитное ограждение вращающихся частей"),
            ("falls_heights", "Работа на высоте без страховочной привязи"),
            ("ppe", "Работникам не выданы средства защиты органов дыхания")]


def _plans_with_outcomes(session: Session, ctx) -> None:
    rng = ctx.rng("risk-visits")
    state, officer = ctx.users["state"], ctx.users["officer"]
    today = utcnow().date()
    session.info["actor"] = f"user:{state.username}"
    plan = service.create_plan(session=session, actor=state, inspectors=3, days=10, random_share=0.3, seed=ctx.seed,
                               title="Плановые проверки (демо)")
    session.info["actor"] = f"user:{officer.username}"
    service.create_plan(session=session, actor=officer, inspectors=1, days=10, seed=ctx.seed,
                        title="Проверки технических инспекторов отраслевого профсоюза (демо)")
    record = {r["enterprise_id"]: r.get("violations") or 0 for r in deviations.counts_for_enterprises(
        session=session, start=today - timedelta(days=365), end=today)}
    session.info["actor"] = f"user:{state.username}"
    slots = [i for i in plan.items if i.status == PickStatus.PROPOSED]
    picks = [i for i in slots if i.kind != "random_audit"]
    randoms = [i for i in slots if i.kind == "random_audit"]
    visited = picks[: max(2, len(picks) * 2 // 3)] + randoms[: max(2, len(randoms) * 2 // 3)]
    for number, item in enumerate(visited):
        past = record.get(item.enterprise_id, 0)
        found = [visits.FoundViolation(category=category, description=text, work_stopped=rng.random() < 0.1,
                                       severity="gross" if rng.random() < 0.3 + 0.4 * past / (1 + past)
                                       else rng.choice(["significant", "minor"]))
                 for category, text in rng.sample(FINDINGS, rng.randint(0, 3))]
        visits.record_visit(session=session, actor=state, item_id=item.id, violations=found,
                            visited_on=today - timedelta(days=1 + number % 20), nothing_found=not found)
    session.info["actor"] = "system:demo"
