"""Demo data of AI at work: a SYNTHETIC Kazakhstan employment table and one retraining plan draft.

The table comes from the engine's synthetic generator (`synthetic.generate`): a multinomial sample of
DEMO_SAMPLE workers over region x OKED section x ISCO-08 unit group x sex, each count scaled up to a
national total of about 9 million employed. Sampling fewer workers keeps the table at about 18,000 rows
(fast to load) while its shares stay within a few tenths of a point of the full model. It is flagged
synthetic in the database and labelled so on every page that shows it.
"""

from __future__ import annotations

from datetime import date

from sqlalchemy.orm import Session

from qorgau.aiwork import reskilling, service, synthetic
from qorgau.aiwork.schemas import PlanIn, PlanItemIn, TableMeta

NATIONAL_EMPLOYED = 9_000_000
DEMO_SAMPLE = 30_000
SOURCE = ("Qorgau synthetic generator (aiwork.synthetic, seed %(seed)s): a sample of %(sample)s workers scaled "
          "to %(total)s employed. Not official statistics.")
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
    meta = TableMeta(title="Synthetic employment of Kazakhstan by region, sector, occupation and sex",
                     source=SOURCE % {"seed": seed, "sample": f"{DEMO_SAMPLE:,}", "total": f"{NATIONAL_EMPLOYED:,}"},
                     year=2025, synthetic=True)
    return service.store_table(session=session, actor=ctx.users.get("analyst"), parsed=parsed, meta=meta,
                               filename="synthetic_kz_employment.csv")


def generate(session: Session, ctx) -> None:
    rng = ctx.rng("aiwork")
    table = _table(session, ctx, seed=7)
    enterprise = ctx.enterprises[0]
    officer = ctx.users["officer"]
    items = []
    for code, people in PLAN_SOURCES:
        best = reskilling.rank_targets(code, top=3).pathways
        target = best[rng.randrange(len(best))]
        gaps = ", ".join(g.skill for g in target.gaps[:4]) or "on-the-job induction"
        items.append(PlanItemIn(source_isco=code, target_isco=target.isco08, people=people,
                                training=f"Course: {gaps}", start_on=date(2026, 9, 1), end_on=date(2027, 2, 28)))
    plan_in = PlanIn(title=f"Retraining plan draft {enterprise.name_en or enterprise.name_ru}"[:200],
                     enterprise_id=enterprise.id, union_id=enterprise.primary_union_id, table_id=table.id,
                     notes="Demo draft for negotiation; built from the synthetic employment table.", items=items)
    service.create_plan(session=session, actor=officer, plan_in=plan_in)
