"""Demo: train the risk model on the demo's own records (few trees, so the step stays quick).

Nothing is invented here. When the demo dataset has too few serious or fatal cases to learn from (the
40-enterprise test demo has about ten in four years), the run is recorded as `insufficient_data` with
the reason, and the pages say so instead of showing scores.
"""

from __future__ import annotations

from sqlalchemy.orm import Session

from qorgau.risk import service

DEMO_ROUNDS = 40
DEMO_TEST_PERIODS = 4


def generate(session: Session, ctx) -> None:
    service.train(session=session, actor=None, rounds=DEMO_ROUNDS, seed=ctx.seed, test_periods=DEMO_TEST_PERIODS,
                  trained_by="system:demo")
