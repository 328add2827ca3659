"""Overdue re-equipment plan lines climb the same escalation ladder as corrective actions (its steps and days
overdue from `QORGAU_DEVIATIONS_LADDER`, its recipients: the employer's safety managers, then the management
through them and the primary union, then the sectoral union, then the state labour inspectors). Each step is a
row shown on the plan line, an audit entry and notifications (in-app, and outside channels by the person's
delivery preferences)."""

from __future__ import annotations

from datetime import date, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from qorgau.core import audit
from qorgau.core.config import get_settings
from qorgau.core.i18n_markers import N_
from qorgau.core.models import User
from qorgau.core.notify import notify
from qorgau.deviations import service as deviations
from qorgau.equipment.models import OPEN_PLAN, RenewalEscalation, RenewalItem
from qorgau.registry.models import Enterprise

STEP_LABELS = {
    "reminder": N_("Reminder before the due date"),
    "safety_manager": N_("Employer's safety manager"),
    "management": N_("Enterprise management"),
    "sectoral_union": N_("Sectoral union"),
    "state_inspectorate": N_("State labour inspectorate"),
}


def _tell(session: Session, people: list[User], row: RenewalItem, title: str, urgent: bool, **params) -> list[str]:
    told = []
    for user in {u.id: u for u in people}.values():
        notify(session, user=user, kind="equipment.plan", title=title, params={**params, "_tail": f" · #{row.id}"},
               link=f"/equipment/enterprises/{row.enterprise_id}#plan-{row.id}", urgent=urgent)
        told.append(user.username)
    return told


def _step(session: Session, row: RenewalItem, step: str, level: int, today: date, by: User | None = None
          ) -> RenewalEscalation:
    enterprise = session.get(Enterprise, row.enterprise_id)
    people = deviations.escalation_recipients(session, step, enterprise) + ([by] if by else [])
    overdue = (today - row.due_on).days
    if step == "reminder":
        title = N_("Re-equipment plan line due on %(date)s")
    else:
        title = N_("Overdue re-equipment plan line escalated to: %(step)s")
    params = {"date": {"date": row.due_on.isoformat()}, "step": {"msg": STEP_LABELS.get(step, step)}}
    told = _tell(session, people, row, title, urgent=level >= 3, **params)
    escalation = RenewalEscalation(plan_item_id=row.id, step=step, level=level, on=today,
                                   days_overdue=max(overdue, 0), notified=told, by_user_id=by.id if by else None)
    row.escalations.append(escalation)
    audit.record(session, action=f"equipment.{'remind' if step == 'reminder' else 'escalate'}",
                 object_type="equipment_plan_item", object_id=row.id,
                 after={"step": step, "level": level, "days_overdue": max(overdue, 0), "notified": told,
                        "by": by.username if by else "schedule"})
    return escalation


def climb(*, session: Session, row: RenewalItem, today: date, by: User | None = None) -> RenewalEscalation | None:
    """One step up the ladder (asked for by a person), or None at the top."""
    steps = deviations.escalation_steps()
    if row.escalation_level >= len(steps):
        return None
    row.escalation_level += 1
    taken = _step(session, row, steps[row.escalation_level - 1][0], row.escalation_level, today, by)
    session.flush()
    return taken


def escalate(*, session: Session, today: date) -> list[RenewalEscalation]:
    """Remind before the due date and climb the ladder for every overdue open plan line."""
    steps = deviations.escalation_steps()
    reminder_days = get_settings().deviations_reminder_days
    taken: list[RenewalEscalation] = []
    query = (select(RenewalItem).where(RenewalItem.status.in_(OPEN_PLAN),
                                       RenewalItem.due_on <= today + timedelta(days=reminder_days))
             .order_by(RenewalItem.due_on, RenewalItem.id))
    for row in session.execute(query).scalars().all():
        overdue = (today - row.due_on).days
        if overdue <= 0:
            if row.reminded_on is None:
                row.reminded_on = today
                taken.append(_step(session, row, "reminder", 0, today))
            continue
        for level, (name, days) in enumerate(steps, start=1):
            if overdue >= max(days, 1) and level > row.escalation_level:
                taken.append(_step(session, row, name, level, today))
                row.escalation_level = level
    session.flush()
    return taken
