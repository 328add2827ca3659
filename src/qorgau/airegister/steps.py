"""One step of the register's procedure: the entry in the filing's event log (and the audit log), and
the notice to the people who must be told."""

from __future__ import annotations

from datetime import date

from sqlalchemy.orm import Session

from qorgau.airegister.models import Event, Filing
from qorgau.core import audit
from qorgau.core.db import utcnow
from qorgau.core.models import User
from qorgau.core.notify import notify
from qorgau.registry import access


def today(given: date | None) -> date:
    """The day a step happens on: the given one (tests, the demo, the command line), else today."""
    return given or utcnow().date()


def add_months(day: date, months: int) -> date:
    month = day.month - 1 + months
    year, month = day.year + month // 12, month % 12 + 1
    for last in (31, 30, 29, 28):
        try:
            return date(year, month, min(day.day, last))
        except ValueError:
            continue
    raise ValueError(day)


def log(session: Session, filing: Filing, actor: User | None, kind: str, /, **detail) -> None:
    session.add(Event(filing_id=filing.id, actor_id=actor.id if actor else None, kind=kind, detail=detail))
    session.expire(filing, ["events"])
    audit.record(session, action=f"airegister.{kind}", object_type="airegister_filing", object_id=filing.id,
                 after=detail or None, actor=None if actor else "system:airegister")


def officers(session: Session, union_org_id: int | None) -> list[User]:
    """Officers of the union or, failing that, of the nearest union above it."""
    return access.nearest_union_users(session, "aiwork.review", union_org_id)


def employers(session: Session, enterprise_id: int) -> list[User]:
    """The enterprise's own people who answer for the system (the union's questions, decisions, suspensions)."""
    return access.users_with(session, "aiwork.employer_told", enterprise=enterprise_id)


def tell(session: Session, users: list[User], filing: Filing, kind: str, message: str, **params) -> None:
    for user in users:
        notify(session, user=user, kind=f"airegister.{kind}", link=f"/airegister/filings/{filing.id}",
               title=message, params={"ref": filing.reference, "name": filing.name, **params})
