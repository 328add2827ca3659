"""The technical inspectors' periodic training cycle: the one source the inspectors' registry reads.

A union technical inspector retakes occupational safety training at least every three years. Every
such training is a `Completion` with `inspector_cycle=True` (finished on the platform or recorded from a
paper certificate) tied to the inspector's registry row; `deviations` asks here, through
`training.service`, when an inspector was last trained and whether that is still in date.
"""

from __future__ import annotations

from datetime import date

from sqlalchemy import ColumnElement, Select, and_, func, select
from sqlalchemy.orm import Session

from qorgau.training.models import Completion

CYCLE_YEARS = 3  # inspectors' safety training is refreshed at least every three years


def add_years(day: date, years: int) -> date:
    try:
        return day.replace(year=day.year + years)
    except ValueError:  # 29 February
        return day.replace(year=day.year + years, day=28)


def cycle_end(trained_on: date) -> date:
    return add_years(trained_on, CYCLE_YEARS)


def last_trained(session: Session, inspector_ids: list[int]) -> dict[int, date]:
    """Inspector id -> the day of their latest training that counts for the cycle."""
    if not inspector_ids:
        return {}
    found: dict[int, date] = {}
    for start in range(0, len(inspector_ids), 500):
        chunk = inspector_ids[start:start + 500]
        found.update(session.execute(
            select(Completion.inspector_id, func.max(Completion.completed_on))
            .where(Completion.inspector_id.in_(chunk), Completion.inspector_cycle.is_(True))
            .group_by(Completion.inspector_id)).tuples().all())
    return found


def latest_by_inspector() -> Select:
    """A subquery (inspector_id, trained_on, valid_until) of each inspector's latest cycle training."""
    return (select(Completion.inspector_id.label("inspector_id"),
                   func.max(Completion.completed_on).label("trained_on"),
                   func.max(Completion.valid_until).label("valid_until"))
            .where(Completion.inspector_id.is_not(None), Completion.inspector_cycle.is_(True))
            .group_by(Completion.inspector_id))


def in_date(valid_until_column, today: date) -> ColumnElement[bool]:
    return and_(valid_until_column.is_not(None), valid_until_column >= today)


def due(trained_on: date | None, today: date) -> bool:
    """True when the inspector has no training on record or the last one is past its three years."""
    return trained_on is None or cycle_end(trained_on) < today


def record(session: Session, *, inspector_id: int, enterprise_id: int, person_name: str, trained_on: date,
           title: str = "", user_id: int | None = None) -> Completion:
    """A training done outside the platform (a paper certificate), entered in the inspectors' registry."""
    completion = Completion(inspector_id=inspector_id, enterprise_id=enterprise_id, person_name=person_name[:200],
                            title=title[:300], completed_on=trained_on, valid_until=cycle_end(trained_on),
                            inspector_cycle=True, source="recorded", user_id=user_id)
    session.add(completion)
    session.flush()
    return completion


def record_many(session: Session, rows: list[dict]) -> None:
    """Bulk form of `record` (demo data, imports): rows with inspector_id, enterprise_id, person_name,
    trained_on and title."""
    from sqlalchemy import insert

    values = [{"inspector_id": r["inspector_id"], "enterprise_id": r["enterprise_id"],
               "person_name": r["person_name"][:200], "title": r.get("title", "")[:300],
               "completed_on": r["trained_on"], "valid_until": cycle_end(r["trained_on"]), "inspector_cycle": True,
               "source": "recorded"} for r in rows]
    if values:
        session.execute(insert(Completion), values)
