"""The investigation of one accident on the database (Labour Code art. 187-190): notification, commission with
the workers' representative, the 10-working-day clock with logged extensions, the act with the fault split and
each member's dissenting opinion; overdue steps for the accident page, the list and the home panel.

Dates are recorded by day: the one-day notification term (art. 187 p.2) is met when the notice is dated the day
of the accident or the next day. The investigation term runs 10 working days (Kazakhstan holidays,
`calendar_kz`) from the day the commission is formed; until then it is counted from the day after the accident
(the commission is due within a day). Each extension (at most two, art. 189 p.1) moves the term to a date the
commission gives, at most 10 working days later, with its reason.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from sqlalchemy import and_, or_
from sqlalchemy.orm import Session

from qorgau.core.db import utcnow
from qorgau.core.errors import ValidationFailed
from qorgau.core.i18n_markers import N_
from qorgau.core.models import User
from qorgau.incidents.engine import deadlines
from qorgau.incidents.engine.calendar_kz import Calendar
from qorgau.incidents.lookup import get
from qorgau.incidents.models import Accident, ActMeasure, CommissionMember, Extension
from qorgau.incidents.states import StepStatus
from qorgau.registry import access

NOTIFY_DAYS = 1
TRACKED_STEPS = ("notify_authorities", "form_commission", "investigation", "dissent")


@dataclass
class MemberIn:
    name: str
    role: str
    workers_representative: bool = False


@dataclass
class MeasureIn:
    measure: str
    due_on: date
    responsible: str = ""


@dataclass
class ActContents:
    """What the act states beyond the fault split: when and where, the causes the commission established, the
    persons who violated safety requirements, and the measures against a recurrence (art. 189 p.5)."""

    occurred_time: time | None = None
    place: str = ""
    causes_found: str = ""
    responsible_persons: str = ""
    measures: list[MeasureIn] | None = None


def provisional_due(occurred_on: date, calendar: Calendar | None = None) -> date:
    """The investigation term before the commission is formed: formed the next day, then 10 working days."""
    return (calendar or Calendar()).add_working_days(occurred_on, deadlines.INVESTIGATION_DAYS + 1)


def notification_due(accident: Accident) -> date:
    return accident.occurred_on + timedelta(days=NOTIFY_DAYS)


def _at(day: date | None) -> datetime | None:
    return None if day is None else datetime.combine(day, time(0))


def steps(accident: Accident, today: date) -> list[dict]:
    """The tracked steps with due date, done date and status (done, done_late, pending, overdue, waiting)."""
    outcomes = [v.outcome for v in accident.victims] or ["light"]
    classification = deadlines.classify(len(outcomes), outcomes.count("fatal"), outcomes.count("serious"))
    dissents = [m.dissent_on for m in accident.members if m.dissent and m.dissent_on]
    clock = deadlines.investigation_clock(classification, deadlines.InvestigationDates(
        occurred_at=_at(accident.occurred_on), notified_at=_at(accident.notified_on),
        commission_formed_at=_at(accident.commission_formed_on), extensions=min(len(accident.extensions), 2),
        completed_on=accident.act_on, dissent_filed_on=max(dissents) if dissents else None),
        now=_at(today) + timedelta(hours=23, minutes=59))
    out = []
    for step in clock.steps:
        if step.code not in TRACKED_STEPS:
            continue
        due, status = step.due, step.status
        if step.code == "investigation":  # the stored term: it carries the extensions' dates
            due = accident.investigation_due
            status = deadlines.step_status(due, accident.act_on, today)
        due = due.date() if isinstance(due, datetime) else due
        done = step.done.date() if isinstance(step.done, datetime) else step.done
        out.append({"code": step.code, "label": step.label, "due": due, "done": done, "status": status,
                    "basis": step.basis})
    return out


def overdue_codes(accident: Accident, today: date) -> list[str]:
    return [s["code"] for s in steps(accident, today) if s["status"] == StepStatus.OVERDUE]


def overdue_condition(today: date):
    """SQL: an open investigation with a step past its term (notification, or the investigation itself)."""
    return and_(Accident.act_on.is_(None),
                or_(Accident.investigation_due < today,
                    and_(Accident.notified_on.is_(None), Accident.occurred_on < today - timedelta(days=NOTIFY_DAYS))))


def _writable(session: Session, actor: User, accident_id: int) -> Accident:
    accident = get(session=session, actor=actor, accident_id=accident_id)
    access.require_enterprise(session, actor, "incidents.write", accident.enterprise_id)
    return accident


def _check_day(day: date, accident: Accident, field: str) -> None:
    if day < accident.occurred_on:
        raise ValidationFailed(N_("The date cannot be before the accident."), field=field)
    if day > utcnow().date():
        raise ValidationFailed(N_("The date cannot be in the future."), field=field)


def record_notification(*, session: Session, actor: User, accident_id: int, notified_on: date) -> Accident:
    """When the inspectorate and workers' representatives were notified (art. 187 p.2)."""
    accident = _writable(session, actor, accident_id)
    _check_day(notified_on, accident, "notified_on")
    accident.notified_on = notified_on
    session.flush()
    return accident


def form_commission(*, session: Session, actor: User, accident_id: int, formed_on: date,
                    members: list[MemberIn]) -> Accident:
    """The commission (art. 188) with its members; one of them must represent the workers. The investigation
    term restarts: 10 working days from the day the commission is formed (later extensions kept)."""
    accident = _writable(session, actor, accident_id)
    if accident.act_on is not None:
        raise ValidationFailed(N_("The act is already recorded."), field="formed_on")
    _check_day(formed_on, accident, "formed_on")
    members = [MemberIn(m.name.strip(), m.role.strip(), m.workers_representative) for m in members
               if m.name.strip() or m.role.strip()]
    for index, member in enumerate(members, start=1):
        if not member.name or not member.role:
            raise ValidationFailed(N_("Each member needs a name and a role."), field=f"member_{index}")
        if len(member.name) > 200 or len(member.role) > 200:
            raise ValidationFailed(N_("A name or role is too long."), field=f"member_{index}")
    if len(members) < 2:
        raise ValidationFailed(N_("A commission has at least two members."), field="members")
    if not any(m.workers_representative for m in members):
        raise ValidationFailed(N_("Mark the member who represents the workers: the Labour Code requires one."),
                               field="workers_representative")
    accident.members = [CommissionMember(name=m.name, role=m.role, workers_representative=m.workers_representative)
                        for m in members]
    accident.commission_formed_on = formed_on
    due = Calendar().add_working_days(formed_on, deadlines.INVESTIGATION_DAYS)
    if accident.extensions:
        due = max(due, accident.extensions[-1].new_due)
    accident.investigation_due = due
    session.flush()
    return accident


def extend(*, session: Session, actor: User, accident_id: int, new_due: date, reason: str) -> Extension:
    """Extend the investigation by the commission's protocol: at most twice, each by up to 10 working days."""
    accident = _writable(session, actor, accident_id)
    if accident.act_on is not None:
        raise ValidationFailed(N_("The act is already recorded."), field="new_due")
    if len(accident.extensions) >= deadlines.MAX_EXTENSIONS:
        raise ValidationFailed(N_("The investigation can be extended at most twice (art. 189)."), field="new_due")
    reason = reason.strip()
    if not reason:
        raise ValidationFailed(N_("Give the reason for the extension."), field="reason")
    current = accident.investigation_due
    latest = Calendar().add_working_days(current, deadlines.INVESTIGATION_DAYS)
    if new_due <= current:
        raise ValidationFailed(N_("The new date must be after the current term."), field="new_due")
    if new_due > latest:
        raise ValidationFailed(N_("An extension adds at most 10 working days (until %(date)s)."), field="new_due",
                               params={"date": latest.isoformat()})
    extension = Extension(previous_due=current, new_due=new_due, reason=reason[:5000], created_by_id=actor.id)
    accident.extensions.append(extension)
    accident.investigation_due = new_due
    session.flush()
    return extension


def close(*, session: Session, actor: User, accident_id: int, act_on: date, employer_fault_percent: int,
          worker_fault_percent: int, dissents: dict[int, str] | None = None,
          contents: ActContents | None = None) -> Accident:
    """The act (art. 190): fault split in percent, and the dissenting opinion of each member who disagrees;
    with `contents`, the time, place, causes, responsible persons and measures it states."""
    accident = _writable(session, actor, accident_id)
    if not any(m.workers_representative for m in accident.members):
        raise ValidationFailed(N_("Form the commission with the workers' representative before the act."),
                               field="commission")
    for name, value in (("employer_fault_percent", employer_fault_percent),
                        ("worker_fault_percent", worker_fault_percent)):
        if not 0 <= value <= 100:
            raise ValidationFailed(N_("A percentage is between 0 and 100."), field=name)
    if employer_fault_percent + worker_fault_percent > 100:
        raise ValidationFailed(N_("The fault split cannot exceed 100%."), field="worker_fault_percent")
    _check_day(act_on, accident, "act_on")
    if contents is not None:
        _set_contents(accident, contents, act_on)
    members = {m.id: m for m in accident.members}
    for member_id, text in (dissents or {}).items():
        if member_id not in members:
            raise ValidationFailed(N_("Not a member of this commission."), field=f"dissent_{member_id}")
        members[member_id].dissent = text.strip()[:5000]
        members[member_id].dissent_on = act_on if text.strip() else None
    accident.act_on = act_on
    accident.employer_fault_percent, accident.worker_fault_percent = employer_fault_percent, worker_fault_percent
    session.flush()
    return accident


def _set_contents(accident: Accident, contents: ActContents, act_on: date) -> None:
    for name, text, limit in (("place", contents.place, 300), ("causes_found", contents.causes_found, 10_000),
                              ("responsible_persons", contents.responsible_persons, 10_000)):
        if len(text.strip()) > limit:
            raise ValidationFailed(N_("The text is too long (at most %(n)s characters)."), field=name,
                                   params={"n": limit})
    measures = []
    for index, m in enumerate(contents.measures or [], start=1):
        if not m.measure.strip():
            continue
        if len(m.measure.strip()) > 2000 or len(m.responsible.strip()) > 200:
            raise ValidationFailed(N_("The text is too long (at most %(n)s characters)."), field=f"measure_{index}",
                                   params={"n": 2000})
        if m.due_on < act_on:
            raise ValidationFailed(N_("A measure's term cannot be before the act."), field=f"measure_{index}")
        measures.append(ActMeasure(measure=m.measure.strip(), due_on=m.due_on, responsible=m.responsible.strip()))
    accident.occurred_time = contents.occurred_time
    accident.place = contents.place.strip()
    accident.causes_found = contents.causes_found.strip()
    accident.responsible_persons = contents.responsible_persons.strip()
    accident.measures = measures
