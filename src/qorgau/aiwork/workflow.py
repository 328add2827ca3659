"""Retraining plans agreed with the employer, not just drafted.

draft → proposed to the employer → agreed (the employer's signatory and the date of signature) → in progress
→ done, or abandoned with a reason at any point before done; a proposal can go back to draft (withdrawn by the
union or returned by the employer, with the reason). Each move is checked against PLAN_MOVES, kept as a step
of the plan, audited and notified to the other side. Progress is recorded per affected worker under a
reference the employer keeps (a personnel number), never a name; each worker's support case follows it.
The states and their legal moves are in states.py.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date

from sqlalchemy import select
from sqlalchemy.orm import Session

from qorgau.aiwork.models import Plan, PlanItem, PlanStep, PlanWorker
from qorgau.aiwork.states import (
    AGREED_OR_LATER,
    PLAN_MOVES,
    SHOWN_TO_EMPLOYER,
    WITH_WORKERS,
    WORKER_MOVES,
    PlanStatus,
    WorkerProgress,
)
from qorgau.core import audit, i18n, policy
from qorgau.core.config import get_settings
from qorgau.core.db import utcnow
from qorgau.core.errors import Forbidden, NotFound, ValidationFailed
from qorgau.core.i18n_markers import N_
from qorgau.core.models import User
from qorgau.core.notify import notify
from qorgau.registry import access

# What is called with each worker's recorded progress (session=, plan=, worker=, today=): the packages that follow
# the plans (support cases) register it through service.follow_plan_progress, so this package does not import them.
PROGRESS_FOLLOWERS: list[Callable[..., object]] = []

STATUS_LABELS = {
    PlanStatus.DRAFT: N_("draft"), PlanStatus.PROPOSED: N_("proposed to the employer"),
    PlanStatus.AGREED: N_("agreed"), PlanStatus.IN_PROGRESS: N_("in progress"), PlanStatus.DONE: N_("done"),
    PlanStatus.ABANDONED: N_("abandoned"),
}
MOVE_LABELS = {
    PlanStatus.DRAFT: N_("Back to draft"), PlanStatus.PROPOSED: N_("Propose to the employer"),
    PlanStatus.AGREED: N_("Record the employer's agreement"), PlanStatus.IN_PROGRESS: N_("Start the retraining"),
    PlanStatus.DONE: N_("Mark as done"), PlanStatus.ABANDONED: N_("Abandon the plan"),
}
# Who may make a move: any one of these permissions (the union side proposes, the employer agrees).
MOVE_PERMISSIONS = {
    PlanStatus.DRAFT: {"aiwork.plan_propose", "aiwork.plan_agree"},
    PlanStatus.PROPOSED: {"aiwork.plan_propose"},
    PlanStatus.AGREED: {"aiwork.plan_agree"},
    PlanStatus.IN_PROGRESS: {"aiwork.plan_progress"},
    PlanStatus.DONE: {"aiwork.plan_progress"},
    PlanStatus.ABANDONED: {"aiwork.plan_propose", "aiwork.plan_agree"},
}
# Who may act on plans, and so is told when one moves.
PLAN_PERMISSIONS = ("aiwork.plan_propose", "aiwork.plan_agree", "aiwork.plan_progress")

PROGRESS_LABELS = {
    WorkerProgress.ENROLLED: N_("enrolled"), WorkerProgress.TRAINING: N_("in training"),
    WorkerProgress.COMPLETED: N_("training completed"), WorkerProgress.PLACED: N_("working in the new occupation"),
    WorkerProgress.LEFT: N_("left the programme"),
}


def moves_for(actor: User | None, plan: Plan) -> list[PlanStatus]:
    """The moves this user may make on this plan now (for the buttons)."""
    return [target for target in PLAN_MOVES.next_states(plan.status) if _may(actor, plan, target)]


def _may(actor: User | None, plan: Plan, target: PlanStatus) -> bool:
    wanted = MOVE_PERMISSIONS[target]
    if target == PlanStatus.PROPOSED and plan.drafted_by == "employer":
        wanted = {"aiwork.plan_agree"}  # the employer's own draft is put forward by the employer
    return any(policy.allowed(actor, permission) for permission in wanted)


def _for(user: User, message: str, **params) -> str:
    with i18n.locale_context(user.locale or get_settings().default_locale):
        return i18n.gettext(message, **params)


def _people_to_tell(session: Session, plan: Plan, actor: User) -> list[User]:
    """The plan's author and the users of its enterprise and union who may act on plans, except the actor; a
    union's draft only to the union side."""
    shown = plan.status != PlanStatus.DRAFT or plan.drafted_by == "employer"
    permissions = PLAN_PERMISSIONS if shown else ("aiwork.plan_propose",)
    found: dict[int, User] = {}
    author = session.get(User, plan.created_by_id) if plan.created_by_id else None
    if author is not None and author.is_active and any(policy.allowed(author, p) for p in permissions):
        found[author.id] = author
    for scope in ({"enterprise": plan.enterprise_id}, {"union": plan.union_id}):
        if None in scope.values():
            continue
        people = {u.id: u for permission in permissions for u in access.users_with(session, permission, **scope)}
        found.update(sorted(people.items()))
    return [user for user in found.values() if user.id != actor.id]


def move(*, session: Session, actor: User, plan: Plan, target: str, note: str = "", signatory: str = "",
         signed_on: date | None = None, today: date | None = None) -> Plan:
    """Move a plan (read through service.get_plan, so in the actor's view) to `target`."""
    wanted = PLAN_MOVES.parse(target)
    if not _may(actor, plan, wanted):
        raise Forbidden(N_("You do not have permission to do this."))
    PLAN_MOVES.move(plan.status, wanted)
    if plan.enterprise_id is not None and not access.can_reach_enterprise(session, actor, plan.enterprise_id):
        raise NotFound(N_("Not found."))
    today = today or utcnow().date()
    note = note.strip()
    if wanted == PlanStatus.AGREED:
        if len(signatory.strip()) < 3:
            raise ValidationFailed(N_("Name the employer's signatory and their position."), field="signatory")
        if signed_on is None:
            raise ValidationFailed(N_("Give the date the employer signed the plan."), field="signed_on")
        if signed_on > today:
            raise ValidationFailed(N_("The date of signature cannot be in the future."), field="signed_on")
        plan.employer_signatory, plan.agreed_on = signatory.strip(), signed_on
    if wanted in (PlanStatus.ABANDONED, PlanStatus.DRAFT) and len(note) < 10:
        raise ValidationFailed(N_("Say why (at least 10 characters)."), field="note")
    if wanted == PlanStatus.ABANDONED:
        plan.abandoned_reason = note
    before = plan.status
    plan.status = wanted
    plan.steps.append(PlanStep(from_status=str(before), to_status=str(wanted), note=note, by_id=actor.id))
    audit.record(session, action=f"aiwork.plan.{wanted}", object_type="aiwork_plan", object_id=plan.id,
                 before={"status": str(before)},
                 after={"status": str(wanted), "signatory": plan.employer_signatory,
                        "agreed_on": plan.agreed_on.isoformat() if plan.agreed_on else None},
                 reason=note)
    for user in _people_to_tell(session, plan, actor):
        notify(session, user=user, kind=f"aiwork.plan.{wanted}", link=f"/aiwork/plans/{plan.id}",
               title=_for(user, N_("Retraining plan “%(title)s”: %(status)s"), title=plan.title[:120],
                          status=_for(user, STATUS_LABELS[wanted])), body=note)
    session.flush()
    return plan


def record_progress(*, session: Session, actor: User, plan: Plan, item_id: int, reference: str, progress: str,
                    note: str = "", today: date | None = None) -> PlanWorker:
    """Enrol an affected worker on a plan item, or move them on (enrolled → in training → completed → placed,
    or left). Only an agreed plan or one in progress has workers."""
    if not policy.allowed(actor, "aiwork.plan_progress"):
        raise Forbidden(N_("You do not have permission to do this."))
    if plan.enterprise_id is not None and not access.can_reach_enterprise(session, actor, plan.enterprise_id):
        raise NotFound(N_("Not found."))
    if plan.status not in WITH_WORKERS:
        raise ValidationFailed(N_("Progress is recorded once the plan is agreed and until it is done."),
                               field="progress")
    item = session.get(PlanItem, item_id)
    if item is None or item.plan_id != plan.id:
        raise ValidationFailed(N_("Choose an item of this plan."), field="item_id")
    reference = reference.strip()
    if not 1 <= len(reference) <= 40:
        raise ValidationFailed(N_("Give the worker's reference (a personnel number, at most 40 characters), "
                                  "not a name."), field="reference")
    today = today or utcnow().date()
    worker = session.execute(select(PlanWorker).where(PlanWorker.item_id == item.id,
                                                      PlanWorker.reference == reference)).scalar()
    if worker is None:
        enrolled = session.execute(select(PlanWorker.id).where(PlanWorker.item_id == item.id)).all()
        if len(enrolled) >= item.people:
            raise ValidationFailed(N_("This item plans for %(n)s people, and all of them are enrolled."),
                                   field="reference", params={"n": item.people})
        state = WORKER_MOVES.parse(progress, field="progress")
        if state != WorkerProgress.ENROLLED:
            raise ValidationFailed(N_("A worker is enrolled first."), field="progress")
        worker = PlanWorker(item_id=item.id, reference=reference, progress=state, note=note.strip(),
                            updated_on=today, updated_by_id=actor.id)
        session.add(worker)
    else:
        worker.progress = WORKER_MOVES.move(worker.progress, progress, field="progress")
        worker.note, worker.updated_on, worker.updated_by_id = note.strip(), today, actor.id
    session.flush()
    for follower in PROGRESS_FOLLOWERS:  # the worker's support case follows
        follower(session=session, plan=plan, worker=worker, today=today)
    return worker


def workers(*, session: Session, plan: Plan) -> list[PlanWorker]:
    """The affected workers of a plan (read through service.get_plan), by item and reference."""
    return list(session.execute(select(PlanWorker).join(PlanItem).where(PlanItem.plan_id == plan.id)
                                .order_by(PlanWorker.item_id, PlanWorker.reference)).scalars())


def step_authors(*, session: Session, plan: Plan) -> dict[int, str]:
    """Full names of the people who moved the plan (read through service.get_plan)."""
    ids = {step.by_id for step in plan.steps if step.by_id}
    if not ids:
        return {}
    return dict(session.execute(select(User.id, User.full_name).where(User.id.in_(ids))).all())


def progress_summary(rows: list[PlanWorker]) -> dict[str, int]:
    """Workers per progress state, in the states' order."""
    return {str(state): sum(1 for r in rows if r.progress == state) for state in WorkerProgress}


__all__ = ["AGREED_OR_LATER", "PLAN_MOVES", "SHOWN_TO_EMPLOYER", "WITH_WORKERS", "WORKER_MOVES", "PlanStatus",
           "WorkerProgress", "move", "moves_for", "progress_summary", "record_progress", "step_authors", "workers"]
