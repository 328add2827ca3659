"""Reminders before an action is due, and escalation up the ladder once it is overdue.

The ladder is configurable (`QORGAU_DEVIATIONS_LADDER`, step=days overdue). Each step reached is a row
(`ActionEscalation`) shown on the violation, an audit entry, and in-app notifications to the people of that
step: the employer's safety managers, then also the enterprise management (through the same employer
accounts and the primary union's officers, who take it to the director), then the sectoral union's
officers, then the state labour inspectors of the region. The inspector who raised it is told each time.
"""

from __future__ import annotations

from datetime import date, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from qorgau.core import audit
from qorgau.core.config import get_settings
from qorgau.core.i18n_markers import N_
from qorgau.core.models import User
from qorgau.core.notify import notify
from qorgau.deviations.days import parse_days
from qorgau.deviations.models import ActionEscalation, ActionStatus, CorrectiveAction, Violation
from qorgau.registry import access, routing
from qorgau.registry.models import Enterprise

STEP_LABELS = {
    "reminder": N_("Reminder before the due date"),
    "safety_manager": N_("Employer's safety manager"),
    "management": N_("Enterprise management"),
    "sectoral_union": N_("Sectoral union"),
    "state_inspectorate": N_("State labour inspectorate"),
}


def steps() -> list[tuple[str, int]]:
    ladder = parse_days(get_settings().deviations_ladder, "QORGAU_DEVIATIONS_LADDER")
    return sorted(ladder.items(), key=lambda item: item[1])


def employer_users(session: Session, enterprise_id: int) -> list[User]:
    """The employer's accounts at this enterprise: those who answer for its corrective actions."""
    return access.users_with(session, "deviations.respond", enterprise=enterprise_id)


def _union_officers(session: Session, union_ids: list[int]) -> list[User]:
    return [user for union_id in union_ids
            for user in access.users_with(session, "deviations.escalated_union", union=union_id)]


def recipients(session: Session, step: str, enterprise: Enterprise) -> list[User]:
    people = employer_users(session, enterprise.id)
    if step in ("reminder", "safety_manager"):
        return people
    if step == "management":
        return people + _union_officers(session, [enterprise.primary_union_id] if enterprise.primary_union_id else [])
    if step == "sectoral_union":
        return _union_officers(session, routing.sectoral_union_ids(session, enterprise.sector_code))
    if step == "state_inspectorate":
        return access.users_with(session, "deviations.escalated_state", region=enterprise.region_kato)
    return []


def tell(session: Session, users: list[User], violation: Violation, title: str, urgent: bool = False,
         **params) -> list[str]:
    told = []
    for user in users:
        notify(session, user=user, kind="deviations", title=title, params={**params, "_tail": f" · #{violation.id}"},
               link=f"/deviations/violations/{violation.id}", urgent=urgent)
        told.append(user.username)
    return told


def escalate(*, session: Session, today: date) -> list[ActionEscalation]:
    """Send due reminders and climb the ladder for every overdue open action; returns the steps taken."""
    ladder = steps()
    reminder_days = get_settings().deviations_reminder_days
    taken: list[ActionEscalation] = []
    query = (select(CorrectiveAction, Violation, Enterprise).join(Violation, CorrectiveAction.violation_id == Violation.id)
             .join(Enterprise, Violation.enterprise_id == Enterprise.id)
             .where(CorrectiveAction.status == ActionStatus.OPEN, CorrectiveAction.due_on <= today + timedelta(days=reminder_days))
             .order_by(CorrectiveAction.due_on, CorrectiveAction.id))
    for action, violation, enterprise in session.execute(query).all():
        inspector = session.get(User, violation.inspector_id) if violation.inspector_id else None
        overdue = (today - action.due_on).days
        if overdue <= 0:
            if action.reminded_on is None:
                action.reminded_on = today
                taken.append(_step(session, action, violation, enterprise, "reminder", 0, today, overdue, None))
            continue
        reached = [i for i, (_name, days) in enumerate(ladder, start=1) if overdue >= max(days, 1)]
        for level in reached:
            if level > action.escalation_level:
                name = ladder[level - 1][0]
                taken.append(_step(session, action, violation, enterprise, name, level, today, overdue, inspector))
                action.escalation_level = level
    session.flush()
    return taken


def _step(session: Session, action: CorrectiveAction, violation: Violation, enterprise: Enterprise, step: str, level: int,
          today: date, overdue: int, inspector: User | None) -> ActionEscalation:
    people = recipients(session, step, enterprise) + ([inspector] if inspector else [])
    if step == "reminder":
        title = N_("Corrective action due on %(date)s")
    else:
        title = N_("Overdue corrective action escalated to: %(step)s")
    params = {"date": {"date": action.due_on.isoformat()}, "step": {"msg": STEP_LABELS.get(step, step)}}
    told = tell(session, list({u.id: u for u in people}.values()), violation, title, urgent=level >= 3, **params)
    row = ActionEscalation(violation_id=violation.id, action_id=action.id, step=step, level=level, on=today,
                     days_overdue=max(overdue, 0), notified=told)
    session.add(row)
    audit.record(session, action=f"deviations.{'remind' if step == 'reminder' else 'escalate'}",
                 object_type="deviations_action", object_id=action.id,
                 after={"step": step, "level": level, "days_overdue": max(overdue, 0), "notified": told})
    return row
