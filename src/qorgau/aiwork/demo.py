"""Demo data of AI at work: a SYNTHETIC Kazakhstan employment table, a retraining plan agreed with the employer
and under way (workers enrolled under personnel numbers), and a plan the union is still drafting.

The table comes from the engine's synthetic generator (`synthetic.generate`): a multinomial sample of
DEMO_SAMPLE workers over region x OKED section x ISCO-08 unit group x sex, each count scaled up to a
national total of about 9 million employed. Sampling fewer workers keeps the table at about 18,000 rows
(fast to load) while its shares stay within a few tenths of a point of the full model. It is flagged
synthetic in the database and labelled so on every page that shows it.
"""

from __future__ import annotations

from datetime import date, timedelta

from sqlalchemy.orm import Session

from qorgau.aiwork import reskilling, service, synthetic
from qorgau.aiwork.reskilling import SKILL_LABELS
from qorgau.aiwork.schemas import PlanIn, PlanItemIn, TableMeta
from qorgau.aiwork.states import PlanStatus, WorkerProgress
from qorgau.core.db import utcnow
from qorgau.core.i18n import locale_context, translate
from qorgau.core.policy import Role

NATIONAL_EMPLOYED = 9_000_000
DEMO_SAMPLE = 30_000
# The demo's users write in Russian: the table's title and source, like the plans, are theirs, not interface text.
SOURCE = ("Синтетический генератор Qorgau (aiwork.synthetic, начальное значение %(seed)s): выборка %(sample)s "
          "работников, пересчитанная на %(total)s занятых. Не официальная статистика.")
# Occupations the demo plan retrains: office clerks and bookkeeping clerks (both ILO 2025 gradient 4 or 3).
PLAN_SOURCES = (("4110", 40), ("4311", 25))


def _table(session: Session, ctx, seed: int):
    frame = synthetic.generate(synthetic.SyntheticSpec(employed=DEMO_SAMPLE, seed=seed, by_sex=True))
    factor = NATIONAL_EMPLOYED // DEMO_SAMPLE
    frame["employed"] = frame["employed"] * factor
    dims = ["region", "sector", "sex"]
    table = service.employment.validate(frame, dims=dims)
    parsed = service.ParsedTable(table, dims, ["employees", "data_label"], frame.index.to_numpy() + 2,
                                 synthetic_rows=len(frame))
    meta = TableMeta(title="Синтетическая занятость Казахстана по регионам, отраслям, занятиям и полу",
                     source=SOURCE % {"seed": seed, "sample": f"{DEMO_SAMPLE:,}".replace(",", "\u00a0"),
                                     "total": f"{NATIONAL_EMPLOYED:,}".replace(",", "\u00a0")},
                     year=2025, synthetic=True)
    return service.store_table(session=session, actor=next((u for u in ctx.users.values() if u.role == Role.ANALYST), None), parsed=parsed, meta=meta,
                               filename="synthetic_kz_employment.csv")


def _plan_in(ctx, rng, enterprise, table, title: str, sources) -> PlanIn:
    items = []
    for code, people in sources:
        best = reskilling.rank_targets(code, top=3).pathways
        target = best[rng.randrange(len(best))]
        with locale_context("ru"):
            gaps = ", ".join(translate(SKILL_LABELS.get(g.skill, g.skill), "aiwork") for g in target.gaps[:4])
        gaps = gaps or "вводное обучение на рабочем месте"
        items.append(PlanItemIn(source_isco=code, target_isco=target.isco08, people=people,
                                training=f"Курс: {gaps}", start_on=date(2026, 9, 1), end_on=date(2027, 2, 28)))
    return PlanIn(title=f"{title} {enterprise.name_en or enterprise.name_ru}"[:200], enterprise_id=enterprise.id,
                  union_id=enterprise.primary_union_id, table_id=table.id,
                  notes="Демонстрационный план для переговоров; составлен по синтетической таблице занятости.",
                  items=items)


def generate(session: Session, ctx) -> None:
    rng = ctx.rng("aiwork")
    table = _table(session, ctx, seed=7)
    enterprise = ctx.enterprises[0]
    officer, employer = ctx.users["officer"], ctx.users["employer"]
    today = utcnow().date()
    # One plan agreed with the employer and under way (workers enrolled), one still the union's draft.
    session.info["actor"] = f"user:{officer.username}"
    agreed = service.create_plan(session=session, actor=officer,
                                 plan_in=_plan_in(ctx, rng, enterprise, table, "План переподготовки", PLAN_SOURCES))
    service.move_plan(session=session, actor=officer, plan_id=agreed.id, status=PlanStatus.PROPOSED,
                      note="Направляем проект плана на согласование работодателю.")
    session.info["actor"] = f"user:{employer.username}"
    service.move_plan(session=session, actor=employer, plan_id=agreed.id, status=PlanStatus.AGREED,
                      signatory="Нурпеисов А. К., директор по персоналу", signed_on=today - timedelta(days=20))
    session.info["actor"] = f"user:{officer.username}"
    service.move_plan(session=session, actor=officer, plan_id=agreed.id, status=PlanStatus.IN_PROGRESS,
                      note="Первая группа приступила к обучению.")
    session.info["actor"] = f"user:{employer.username}"
    first = agreed.items[0]
    for number in range(12):
        reference = f"ТН-{4100 + number}"
        service.record_worker_progress(session=session, actor=employer, plan_id=agreed.id, item_id=first.id,
                                       reference=reference, progress=WorkerProgress.ENROLLED)
        for step in (WorkerProgress.TRAINING, WorkerProgress.COMPLETED, WorkerProgress.PLACED)[:number % 4]:
            service.record_worker_progress(session=session, actor=employer, plan_id=agreed.id, item_id=first.id,
                                           reference=reference, progress=step)
    session.info["actor"] = f"user:{officer.username}"
    service.create_plan(session=session, actor=officer, plan_in=_plan_in(
        ctx, rng, enterprise, table, "Проект плана переподготовки", (("4311", 15),)))
    session.info["actor"] = "system:demo"
    session.flush()
