"""Violations: capture, corrective actions, evidence, verification and closure, lists and statistics.

ActionEscalation lives in `ladder.py`, spreadsheet import in `importer.py`, the inspectors' and committees'
registry in `people.py`; the functions other packages call are here (`create_from_report`,
`counts_for_enterprises`, `open_for_enterprises`).
"""

from __future__ import annotations

import statistics
from collections import defaultdict
from datetime import date, timedelta
from enum import StrEnum

from sqlalchemy import Integer, Select, and_, case, false, func, or_, select, true
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, defer, selectinload

from qorgau.core import audit, policy
from qorgau.core.config import get_settings
from qorgau.core.db import utcnow
from qorgau.core.errors import Forbidden, NotFound, ValidationFailed
from qorgau.core.i18n_markers import N_
from qorgau.core.media import clean_photo
from qorgau.core.models import User
from qorgau.core.states import Transitions
from qorgau.deviations import labels, ladder
from qorgau.deviations.days import parse_days
from qorgau.deviations.models import (
    ACTION_MOVES,
    VERDICT_MOVES,
    VIOLATION_MOVES,
    ActionEvidence,
    ActionStatus,
    CorrectiveAction,
    Verdict,
    Violation,
    ViolationPhoto,
    ViolationStatus,
)
from qorgau.deviations.schemas import ActionIn, ViolationIn
from qorgau.registry import access
from qorgau.registry.models import Enterprise, Site, TechnicalInspector, Zone

MAX_PHOTOS = 5
DRAFT = ViolationStatus.DRAFT
NOT_DRAFT = Violation.status != DRAFT


def _move(record: Violation | CorrectiveAction, moves: Transitions, target: StrEnum) -> None:
    """Set the record's status through its transition table; staying where it is is no move."""
    if record.status != target:
        record.status = moves.move(record.status, target)


def due_date(severity: str, kind: str, found_on: date) -> date:
    settings = get_settings()
    if kind == "immediate":
        return found_on + timedelta(days=settings.deviations_immediate_days)
    days = parse_days(settings.deviations_due_days, "QORGAU_DEVIATIONS_DUE_DAYS")
    return found_on + timedelta(days=days.get(severity, 30))


def _check_place(session: Session, enterprise_id: int, site_id: int | None, zone_id: int | None) -> tuple:
    """The site and zone must belong to the enterprise; a zone implies its site."""
    if zone_id is not None:
        zone = session.get(Zone, zone_id)
        if zone is None or zone.site.enterprise_id != enterprise_id:
            raise ValidationFailed(N_("This zone is not at the chosen enterprise."), field="zone_id")
        if site_id is not None and site_id != zone.site_id:
            raise ValidationFailed(N_("This zone is not at the chosen site."), field="zone_id")
        return zone.site_id, zone_id
    if site_id is not None:
        site = session.get(Site, site_id)
        if site is None or site.enterprise_id != enterprise_id:
            raise ValidationFailed(N_("This site is not at the chosen enterprise."), field="site_id")
    return site_id, None


def earlier_same_place(session: Session, violation: Violation) -> Violation | None:
    """The latest earlier violation in the same zone (or site, when no zone) and category within the window."""
    if violation.zone_id is None and violation.site_id is None:
        return None
    window = timedelta(days=get_settings().deviations_repeat_days)
    place = (Violation.zone_id == violation.zone_id) if violation.zone_id is not None else \
        (Violation.site_id == violation.site_id)
    query = (select(Violation).where(place, NOT_DRAFT, Violation.category == violation.category,
                                     Violation.found_on <= violation.found_on,
                                     Violation.found_on >= violation.found_on - window)
             .order_by(Violation.found_on.desc(), Violation.id.desc()).limit(1))
    if violation.id is not None:
        query = query.where(Violation.id != violation.id)
    return session.execute(query).scalar()


def record(*, session: Session, actor: User, violation_in: ViolationIn, photos: list[bytes] | None = None,
           source: str = "field", source_reference: str = "", today: date | None = None) -> tuple[Violation, bool]:
    """Record a violation (and its actions); returns (violation, created). A resent entry with the same
    client key returns the stored one instead of a second copy."""
    access.require_enterprise(session, actor, "deviations.write", violation_in.enterprise_id)
    if violation_in.client_key:
        existing = session.execute(select(Violation).where(Violation.client_key == violation_in.client_key)).scalar()
        if existing is not None:
            if existing.inspector_id != actor.id:
                raise ValidationFailed(N_("This entry key is already used."), field="client_key")
            return existing, False
    today = today or utcnow().date()
    found_on = violation_in.found_on or today
    if found_on > today:
        raise ValidationFailed(N_("The date cannot be in the future."), field="found_on")
    site_id, zone_id = _check_place(session, violation_in.enterprise_id, violation_in.site_id, violation_in.zone_id)
    if len(photos or []) > MAX_PHOTOS:
        raise ValidationFailed(N_("At most %(n)s photos."), field="photos", params={"n": MAX_PHOTOS})
    cleaned = [clean_photo(p) for p in photos or [] if p]
    violation = Violation(
        enterprise_id=violation_in.enterprise_id, site_id=site_id, zone_id=zone_id, category=violation_in.category,
        severity=violation_in.severity, description=violation_in.description.strip(),
        rule_reference=violation_in.rule_reference.strip(), work_stopped=violation_in.work_stopped,
        found_on=found_on, inspector_id=actor.id, inspector_name=actor.full_name or actor.username,
        source=source, source_reference=source_reference, client_key=violation_in.client_key)
    earlier = earlier_same_place(session, violation)
    if earlier is not None:
        violation.is_repeat, violation.repeat_of_id = True, earlier.id
    try:
        with session.begin_nested():  # the same entry sent twice at once meets on the client key
            session.add(violation)
            session.flush()
    except IntegrityError:
        existing = session.execute(select(Violation).where(Violation.client_key == violation_in.client_key)).scalar() \
            if violation_in.client_key else None
        if existing is None:
            raise
        if existing.inspector_id != actor.id:
            raise ValidationFailed(N_("This entry key is already used."), field="client_key")
        return existing, False
    for content, media_type in cleaned:
        violation.photos.append(ViolationPhoto(media_type=media_type, content=content))
    for action_in in violation_in.actions:
        _new_action(session, violation, action_in, today)
    if violation.work_stopped:
        _tell_employer(session, violation, N_("Work stopped: imminent danger recorded by an inspector"), urgent=True)
    session.flush()
    return violation, True


def _new_action(session: Session, violation: Violation, action_in: ActionIn, today: date) -> CorrectiveAction:
    due_on = action_in.due_on or due_date(violation.severity, action_in.kind, max(violation.found_on, today))
    if due_on < violation.found_on:
        raise ValidationFailed(N_("The due date is before the violation was found."), field="due_on")
    if violation.status == ViolationStatus.CLOSED:
        raise ValidationFailed(N_("This violation is closed."), field="violation_id")
    action = CorrectiveAction(kind=action_in.kind, description=action_in.description.strip(),
                              responsible=action_in.responsible.strip(), due_on=due_on)
    violation.actions.append(action)
    _move(violation, VIOLATION_MOVES, ViolationStatus.OPEN)
    session.flush()
    return action


def _tell_employer(session: Session, violation: Violation, title: str, urgent: bool = False) -> list[str]:
    return ladder.tell(session, ladder.employer_users(session, violation.enterprise_id), violation, title, urgent)


def create_from_report(*, session: Session, actor: User, enterprise_id: int, category: str, description: str,
                       source_reference: str, imminent: bool, source: str | None = None) -> Violation:
    """A violation from a Worker Speaks report (redacted text only) or from monitoring, with the link kept."""
    if source is None:
        source = "worker_report" if source_reference.startswith("WS-") else "monitoring"
    violation, _created = record(session=session, actor=actor, source=source, source_reference=source_reference,
                                 violation_in=ViolationIn(enterprise_id=enterprise_id, category=category,
                                                          severity="gross" if imminent else "significant",
                                                          description=description[:2000] or "-"))
    return violation


def get(*, session: Session, actor: User, violation_id: int, drafts: bool = False) -> Violation:
    """A violation in the actor's scope; a draft from the chat only with `drafts`, and only to its inspector."""
    violation = session.get(Violation, violation_id)
    if violation is None or (violation.status == DRAFT and (not drafts or violation.inspector_id != actor.id)):
        raise NotFound(N_("Not found."))
    access.require_enterprise(session, actor, "deviations.read", violation.enterprise_id)
    return violation


def get_action(*, session: Session, actor: User, action_id: int) -> CorrectiveAction:
    action = session.get(CorrectiveAction, action_id)
    if action is None:
        raise NotFound(N_("Not found."))
    get(session=session, actor=actor, violation_id=action.violation_id)
    return action


def get_photo(*, session: Session, actor: User, photo_id: int) -> ViolationPhoto:
    photo = session.get(ViolationPhoto, photo_id)
    if photo is None:
        raise NotFound(N_("Not found."))
    get(session=session, actor=actor, violation_id=photo.violation_id, drafts=True)
    return photo


def get_evidence(*, session: Session, actor: User, evidence_id: int) -> ActionEvidence:
    evidence = session.get(ActionEvidence, evidence_id)
    if evidence is None or evidence.content is None:
        raise NotFound(N_("Not found."))
    get_action(session=session, actor=actor, action_id=evidence.action_id)
    return evidence


def add_action(*, session: Session, actor: User, violation_id: int, action_in: ActionIn,
               today: date | None = None) -> CorrectiveAction:
    violation = get(session=session, actor=actor, violation_id=violation_id)
    policy.require(actor, "deviations.write")
    return _new_action(session, violation, action_in, today or utcnow().date())


def submit_evidence(*, session: Session, actor: User, action_id: int, note: str, photo: bytes | None = None,
                    today: date | None = None) -> ActionEvidence:
    """The employer (or the inspector on its behalf) shows the action is done; the inspector then verifies."""
    action = get_action(session=session, actor=actor, action_id=action_id)
    if not (policy.allowed(actor, "deviations.respond") or policy.allowed(actor, "deviations.write")):
        raise Forbidden(N_("You do not have permission to do this."))
    if action.status == ActionStatus.VERIFIED:
        raise ValidationFailed(N_("This action is already verified."), field="action_id")
    note = note.strip()
    if len(note) < 3:
        raise ValidationFailed(N_("Describe what was done."), field="note")
    content, media_type = clean_photo(photo) if photo else (None, "")
    evidence = ActionEvidence(action_id=action.id, note=note, content=content, media_type=media_type,
                        submitted_by_id=actor.id, submitted_on=today or utcnow().date())
    action.evidence.append(evidence)
    _move(action, ACTION_MOVES, ActionStatus.DONE)
    action.done_on = evidence.submitted_on
    violation = action.violation
    if all(a.status != ActionStatus.OPEN for a in violation.actions):
        _move(violation, VIOLATION_MOVES, ViolationStatus.AWAITING_VERIFICATION)
    session.flush()
    return evidence


def can_verify(session: Session, actor: User, violation: Violation) -> bool:
    """The inspector who raised it, or a union officer (or administrator) whose scope covers it."""
    if not policy.allowed(actor, "deviations.verify"):
        return False
    if violation.inspector_id == actor.id:
        return True
    return policy.allowed(actor, "deviations.verify_any") and \
        access.can_reach_enterprise(session, actor, violation.enterprise_id)


def verify(*, session: Session, actor: User, action_id: int, accept: bool, note: str = "",
           new_due_on: date | None = None, today: date | None = None) -> CorrectiveAction:
    """Accept the evidence (the action is verified; the last one closes the violation) or reject it
    (the action reopens, with a reason and optionally a new due date)."""
    action = get_action(session=session, actor=actor, action_id=action_id)
    violation = action.violation
    if not can_verify(session, actor, violation):
        raise Forbidden(N_("Only the inspector who recorded the violation or a union officer can verify it."))
    pending = [e for e in action.evidence if e.verdict == Verdict.PENDING]
    if action.status != ActionStatus.DONE or not pending:
        raise ValidationFailed(N_("There is no evidence to verify for this action."), field="action_id")
    today = today or utcnow().date()
    if not accept and len(note.strip()) < 3:
        raise ValidationFailed(N_("Say why the fix is rejected."), field="note")
    if not accept and new_due_on is not None and new_due_on < today:
        raise ValidationFailed(N_("The new due date is in the past."), field="new_due_on")
    evidence = pending[-1]
    evidence.verdict = VERDICT_MOVES.move(evidence.verdict, Verdict.ACCEPTED if accept else Verdict.REJECTED)
    evidence.verdict_note = note.strip()
    evidence.verdict_by_id, evidence.verdict_on = actor.id, today
    if accept:
        _move(action, ACTION_MOVES, ActionStatus.VERIFIED)
        action.verified_on, action.verified_by_id = today, actor.id
        if all(a.status == ActionStatus.VERIFIED for a in violation.actions):
            _move(violation, VIOLATION_MOVES, ViolationStatus.CLOSED)
            violation.closed_on = today
            audit.record(session, action="deviations.close", object_type="deviations_violation",
                         object_id=violation.id, after={"closed_on": today.isoformat()})
    else:
        _move(action, ACTION_MOVES, ActionStatus.OPEN)
        action.done_on = None
        if new_due_on is not None:
            action.due_on, action.reminded_on = new_due_on, None
        _move(violation, VIOLATION_MOVES, ViolationStatus.OPEN)
    session.flush()
    return action


# Lists -------------------------------------------------------------------------------------------

def violations_query(*, session: Session, actor: User, status: str = "", severity: str = "", category: str = "",
                     enterprise_id: int | None = None, repeat: bool = False, overdue: bool = False,
                     today: date | None = None, children: bool = False) -> Select:
    """Violations in the actor's scope, newest first; `children` loads each one's actions and escalations
    in one statement per kind for the whole page (no statement per row)."""
    policy.require(actor, "deviations.read")
    query = select(Violation).where(access.scoped(session, actor, Violation.enterprise_id), NOT_DRAFT)
    if children:
        query = query.options(selectinload(Violation.actions), selectinload(Violation.escalations))
    if status:
        query = query.where(Violation.status == status)
    if severity:
        query = query.where(Violation.severity == severity)
    if category:
        query = query.where(Violation.category == category)
    if enterprise_id:
        query = query.where(Violation.enterprise_id == enterprise_id)
    if repeat:
        query = query.where(Violation.is_repeat.is_(True))
    if overdue:
        late = select(CorrectiveAction.violation_id).where(CorrectiveAction.status == ActionStatus.OPEN, CorrectiveAction.due_on < (today or utcnow().date()))
        query = query.where(Violation.id.in_(late))
    return query.order_by(Violation.found_on.desc(), Violation.id.desc())


def open_actions_query(*, session: Session, actor: User, enterprise_id: int | None = None) -> Select:
    """Open and done-but-unverified actions, oldest violation first, gross first."""
    policy.require(actor, "deviations.read")
    query = (select(CorrectiveAction, Violation).join(Violation)
             .where(CorrectiveAction.status != ActionStatus.VERIFIED, access.scoped(session, actor, Violation.enterprise_id))
             .order_by(CorrectiveAction.due_on, CorrectiveAction.id))
    if enterprise_id:
        query = query.where(Violation.enterprise_id == enterprise_id)
    return query


SEVERITY_RANK = {"gross": 0, "significant": 1, "minor": 2}


def open_actions_ranked_query(*, session: Session, actor: User, enterprise_id: int | None = None) -> Select:
    """`open_actions_query` ordered as the page lists it (gross first, then the oldest violation), for
    downloads that read every row in batches."""
    rank = case(SEVERITY_RANK, value=Violation.severity, else_=9)
    return (open_actions_query(session=session, actor=actor, enterprise_id=enterprise_id).order_by(None)
            .order_by(rank, Violation.found_on, CorrectiveAction.due_on, CorrectiveAction.id))


def count(*, session: Session, query: Select) -> int:
    """How many rows a list query selects (for downloads that announce their size)."""
    return session.execute(select(func.count()).select_from(query.order_by(None).subquery())).scalar_one()


def open_actions(*, session: Session, actor: User, enterprise_id: int | None = None,
                 today: date | None = None, limit: int = 500) -> list[dict]:
    today = today or utcnow().date()
    rows = session.execute(open_actions_query(session=session, actor=actor, enterprise_id=enterprise_id)
                           .limit(limit)).all()
    items = [{"action": a, "violation": v, "age_days": (today - v.found_on).days,
              "overdue_days": max(0, (today - a.due_on).days) if a.status == ActionStatus.OPEN else 0} for a, v in rows]
    return sorted(items, key=lambda i: (SEVERITY_RANK.get(i["violation"].severity, 9), -i["age_days"]))


TODO_SHOWN = 50  # items listed per section of the to-do list; the counts are exact whatever the number


def verifiable(actor: User):
    """`can_verify` as a condition on Violation rows already filtered by the actor's scope (one query for a
    whole list instead of one check per row)."""
    if not policy.allowed(actor, "deviations.verify"):
        return false()
    if policy.allowed(actor, "deviations.verify_any"):
        return true()
    return Violation.inspector_id == actor.id


def todo(*, session: Session, actor: User, today: date | None = None, shown: int = TODO_SHOWN) -> dict:
    """What this person has to act on: evidence to verify, stopped work, overdue actions, due this week.
    Each section lists its first `shown` items; `counts` are exact totals counted by the database."""
    today = today or utcnow().date()
    policy.require(actor, "deviations.read")
    scope = and_(access.scoped(session, actor, Violation.enterprise_id), NOT_DRAFT)
    waiting = (and_(scope, ActionEvidence.verdict == Verdict.PENDING, CorrectiveAction.status == ActionStatus.DONE, verifiable(actor)))
    overdue_where = and_(scope, CorrectiveAction.status == ActionStatus.OPEN, CorrectiveAction.due_on < today)
    soon_where = and_(scope, CorrectiveAction.status == ActionStatus.OPEN, CorrectiveAction.due_on >= today,
                      CorrectiveAction.due_on <= today + timedelta(days=7))
    stopped_where = and_(scope, Violation.work_stopped.is_(True), Violation.status != ViolationStatus.CLOSED)
    evidence_join = (select(func.count()).select_from(ActionEvidence)
                     .join(CorrectiveAction, ActionEvidence.action_id == CorrectiveAction.id).join(Violation))
    action_join = select(func.count()).select_from(CorrectiveAction).join(Violation)
    counts = session.execute(select(
        evidence_join.where(waiting).scalar_subquery().label("to_verify"),
        action_join.where(overdue_where).scalar_subquery().label("overdue"),
        action_join.where(soon_where).scalar_subquery().label("due_soon"),
        select(func.count()).select_from(Violation).where(stopped_where).scalar_subquery().label("stopped"),
    )).one()
    to_verify = session.execute(
        select(ActionEvidence, CorrectiveAction, Violation).join(CorrectiveAction, ActionEvidence.action_id == CorrectiveAction.id)
        .join(Violation).options(defer(ActionEvidence.content))
        .where(waiting).order_by(ActionEvidence.submitted_on, ActionEvidence.id).limit(shown)).all()
    overdue = session.execute(select(CorrectiveAction, Violation).join(Violation).where(overdue_where)
                              .order_by(CorrectiveAction.due_on, CorrectiveAction.id).limit(shown)).all()
    due_soon = session.execute(select(CorrectiveAction, Violation).join(Violation).where(soon_where)
                               .order_by(CorrectiveAction.due_on, CorrectiveAction.id).limit(shown)).all()
    stopped = session.execute(select(Violation).where(stopped_where)
                              .order_by(Violation.found_on, Violation.id).limit(shown)).scalars().all()
    return {"to_verify": [tuple(row) for row in to_verify], "overdue": overdue, "due_soon": due_soon,
            "stopped": stopped, "counts": dict(counts._mapping), "shown": shown}


def violation_detail(*, session: Session, actor: User, violation_id: int) -> Violation:
    violation = get(session=session, actor=actor, violation_id=violation_id)
    session.execute(select(Violation).where(Violation.id == violation.id)
                    .options(selectinload(Violation.actions).selectinload(CorrectiveAction.evidence),
                             selectinload(Violation.escalations))).scalar()
    return violation


def last_place(*, session: Session, actor: User) -> dict:
    """Enterprise, site and zone of this inspector's last entry, to prefill the next one."""
    last = session.execute(select(Violation).where(Violation.inspector_id == actor.id, NOT_DRAFT)
                           .order_by(Violation.id.desc()).limit(1)).scalar()
    if last is None:
        return {"enterprise_id": actor.scope_enterprise_id}
    return {"enterprise_id": last.enterprise_id, "site_id": last.site_id, "zone_id": last.zone_id}


# Drafts from the chat --------------------------------------------------------------------------------

def create_draft_from_chat(*, session: Session, actor: User, enterprise_id: int, description: str,
                           photos: list[bytes] | None = None, today: date | None = None) -> Violation:
    """A draft violation sent by an inspector from the messenger: the enterprise, what they wrote, the photos
    (re-encoded from pixels like any upload: no EXIF, GPS or camera data). Category and severity are left
    empty for the inspector to choose on the phone page; until then only they see it."""
    access.require_enterprise(session, actor, "deviations.write", enterprise_id)
    description = " ".join(description.split())[:2000]
    if len(photos or []) > MAX_PHOTOS:
        raise ValidationFailed(N_("At most %(n)s photos."), field="photos", params={"n": MAX_PHOTOS})
    cleaned = [clean_photo(p) for p in photos or [] if p]
    if not description and not cleaned:
        raise ValidationFailed(N_("Send a photo or a few words about what is wrong."), field="description")
    violation = Violation(enterprise_id=enterprise_id, category="", severity="", description=description,
                          found_on=today or utcnow().date(), status=DRAFT, inspector_id=actor.id,
                          inspector_name=actor.full_name or actor.username, source="field", source_reference="chat")
    session.add(violation)
    session.flush()
    for content, media_type in cleaned:
        violation.photos.append(ViolationPhoto(media_type=media_type, content=content))
    session.flush()
    audit.record(session, action="violation_drafted_from_chat", object_type="deviations_violation",
                 object_id=violation.id, after={"enterprise_id": enterprise_id, "photos": len(cleaned)})
    return violation


def own_draft(*, session: Session, actor: User, violation_id: int) -> Violation | None:
    """The actor's own draft with this id, or None (not a draft, or someone else's)."""
    violation = session.get(Violation, violation_id)
    if violation is None or violation.status != DRAFT or violation.inspector_id != actor.id:
        return None
    return get(session=session, actor=actor, violation_id=violation_id, drafts=True)


def drafts(*, session: Session, actor: User) -> list[Violation]:
    """This inspector's drafts from the chat, newest first."""
    policy.require(actor, "deviations.write")
    return list(session.execute(select(Violation).where(Violation.status == DRAFT, Violation.inspector_id == actor.id)
                                .order_by(Violation.id.desc()).limit(50)).scalars())


def complete_draft(*, session: Session, actor: User, violation_id: int, violation_in: ViolationIn,
                   photos: list[bytes] | None = None, today: date | None = None) -> Violation:
    """Complete a draft on the phone page: it takes the form's place, category, severity and text, keeps its
    photos (and any added), and enters the normal flow as an open violation."""
    violation = get(session=session, actor=actor, violation_id=violation_id, drafts=True)
    if violation.status != DRAFT:
        raise ValidationFailed(N_("This violation is already recorded."), field="draft_id")
    access.require_enterprise(session, actor, "deviations.write", violation_in.enterprise_id)
    today = today or utcnow().date()
    found_on = violation_in.found_on or violation.found_on
    if found_on > today:
        raise ValidationFailed(N_("The date cannot be in the future."), field="found_on")
    site_id, zone_id = _check_place(session, violation_in.enterprise_id, violation_in.site_id, violation_in.zone_id)
    if len(violation.photos) + len([p for p in photos or [] if p]) > MAX_PHOTOS:
        raise ValidationFailed(N_("At most %(n)s photos."), field="photos", params={"n": MAX_PHOTOS})
    cleaned = [clean_photo(p) for p in photos or [] if p]
    violation.enterprise_id, violation.site_id, violation.zone_id = violation_in.enterprise_id, site_id, zone_id
    violation.category, violation.severity = violation_in.category, violation_in.severity
    violation.description = violation_in.description.strip()
    violation.rule_reference = violation_in.rule_reference.strip()
    violation.work_stopped, violation.found_on = violation_in.work_stopped, found_on
    _move(violation, VIOLATION_MOVES, ViolationStatus.OPEN)
    earlier = earlier_same_place(session, violation)
    if earlier is not None:
        violation.is_repeat, violation.repeat_of_id = True, earlier.id
    for content, media_type in cleaned:
        violation.photos.append(ViolationPhoto(media_type=media_type, content=content))
    for action_in in violation_in.actions:
        _new_action(session, violation, action_in, today)
    if violation.work_stopped:
        _tell_employer(session, violation, N_("Work stopped: imminent danger recorded by an inspector"), urgent=True)
    session.flush()
    audit.record(session, action="violation_draft_completed", object_type="deviations_violation",
                 object_id=violation.id)
    return violation


# Statistics ---------------------------------------------------------------------------------------

GROUPINGS = ("enterprise", "site", "category", "month", "severity")


def closure_statistics(*, session: Session, actor: User, by: str, start: date, end: date,
                       today: date | None = None) -> list[dict]:
    """Per group: found, closed, closure rate (%), median and 90th-percentile days to close, open, overdue."""
    policy.require(actor, "deviations.stats")
    if by not in GROUPINGS:
        raise ValidationFailed(N_("Unknown grouping."), field="by")
    today = today or utcnow().date()
    column = {"enterprise": Violation.enterprise_id, "site": Violation.site_id, "category": Violation.category,
              "severity": Violation.severity, "month": Violation.found_on}[by]
    late = select(CorrectiveAction.violation_id).where(CorrectiveAction.status == ActionStatus.OPEN, CorrectiveAction.due_on < today).distinct()
    rows = session.execute(
        select(column, Violation.found_on, Violation.closed_on, Violation.id.in_(late))
        .where(access.scoped(session, actor, Violation.enterprise_id), NOT_DRAFT, Violation.found_on >= start,
               Violation.found_on < end)).all()
    groups: dict = defaultdict(lambda: {"found": 0, "closed": 0, "open": 0, "overdue": 0, "days": []})
    for key, found_on, closed_on, is_late in rows:
        if by == "month":
            key = found_on.strftime("%Y-%m")
        group = groups[key]
        group["found"] += 1
        if closed_on is not None:
            group["closed"] += 1
            group["days"].append((closed_on - found_on).days)
        else:
            group["open"] += 1
            group["overdue"] += bool(is_late)
    result = []
    for key, g in groups.items():
        days = sorted(g.pop("days"))
        result.append({"group": key, **g, "closure_rate": round(100.0 * g["closed"] / g["found"], 1),
                       "median_days": statistics.median(days) if days else None,
                       "p90_days": days[min(len(days) - 1, int(0.9 * len(days)))] if days else None})
    return sorted(result, key=lambda r: (str(r["group"]) if by == "month" else -r["found"], str(r["group"])))


ENTERPRISE_STATS_PAGE = 50


def _p90(days: list[int]) -> int | None:
    return days[min(len(days) - 1, int(0.9 * len(days)))] if days else None


def enterprise_statistics(*, session: Session, actor: User, start: date, end: date, page: int = 1,
                          per_page: int | None = ENTERPRISE_STATS_PAGE, today: date | None = None) -> tuple[list[dict], int]:
    """`closure_statistics(by="enterprise")` counted and ordered by the database, one page at a time
    (most violations first, then enterprise id): (rows of the page, number of enterprises in all).
    `per_page=None`: every enterprise (downloads). Median and 90th-percentile days to close are computed for
    the page's enterprises only, from their closed violations."""
    policy.require(actor, "deviations.stats")
    today = today or utcnow().date()
    # Violations with an open action past due: one hashed set joined in, not a subquery per violation.
    late = (select(CorrectiveAction.violation_id).where(CorrectiveAction.status == ActionStatus.OPEN, CorrectiveAction.due_on < today)
            .distinct().subquery())
    where = and_(access.scoped(session, actor, Violation.enterprise_id), NOT_DRAFT, Violation.found_on >= start,
                 Violation.found_on < end)
    found = func.count(Violation.id)
    closed = func.count(Violation.closed_on)
    overdue = func.sum(case((and_(Violation.closed_on.is_(None), late.c.violation_id.is_not(None)), 1), else_=0))
    grouped = (select(Violation.enterprise_id, found.label("found"), closed.label("closed"), overdue.label("overdue"))
               .outerjoin(late, late.c.violation_id == Violation.id)
               .where(where).group_by(Violation.enterprise_id).order_by(found.desc(), Violation.enterprise_id))
    total = session.execute(select(func.count(func.distinct(Violation.enterprise_id))).where(where)).scalar_one()
    if per_page is not None:
        grouped = grouped.limit(per_page).offset((max(page, 1) - 1) * per_page)
    groups = session.execute(grouped).all()
    days: dict[int, list[int]] = defaultdict(list)
    if groups:
        ids = [g.enterprise_id for g in groups]
        closed_rows = (select(Violation.enterprise_id, Violation.found_on, Violation.closed_on)
                       .where(where, Violation.closed_on.is_not(None)))
        if per_page is not None:
            closed_rows = closed_rows.where(Violation.enterprise_id.in_(ids))
        for enterprise_id, found_on, closed_on in session.execute(closed_rows):
            days[enterprise_id].append((closed_on - found_on).days)
    rows = []
    for g in groups:
        spans = sorted(days.get(g.enterprise_id, []))
        rows.append({"group": g.enterprise_id, "found": g.found, "closed": g.closed, "open": g.found - g.closed,
                     "overdue": int(g.overdue or 0), "closure_rate": round(100.0 * g.closed / g.found, 1),
                     "median_days": statistics.median(spans) if spans else None, "p90_days": _p90(spans)})
    return rows, total


def counts_for_enterprises(*, session: Session, start: date, end: date, today: date | None = None) -> list[dict]:
    """Per enterprise, for violations found in [start, end) (read by the Safety Index and the risk model):
    violations, repeat_violations, due (violations whose every action's deadline has passed),
    closed_on_time (of those, closed by the last deadline), open_actions (their actions),
    overdue_actions (of those, past due and not verified by the due date), open_now (still open today)."""
    cutoff = min(end, today or utcnow().date())
    last_due = func.max(CorrectiveAction.due_on)
    per_violation = session.execute(
        select(Violation.id, Violation.enterprise_id, Violation.is_repeat, Violation.closed_on, last_due,
               func.count(CorrectiveAction.id),
               func.sum(((CorrectiveAction.due_on < cutoff) & ((CorrectiveAction.verified_on.is_(None)) |
                                                     (CorrectiveAction.verified_on > CorrectiveAction.due_on))).cast(Integer)))
        .outerjoin(CorrectiveAction, CorrectiveAction.violation_id == Violation.id)
        .where(NOT_DRAFT, Violation.found_on >= start, Violation.found_on < end)
        .group_by(Violation.id, Violation.enterprise_id, Violation.is_repeat, Violation.closed_on)).all()
    out: dict[int, dict] = {}
    for _vid, enterprise_id, is_repeat, closed_on, due, actions, late in per_violation:
        row = out.setdefault(enterprise_id, {"enterprise_id": enterprise_id, "violations": 0, "repeat_violations": 0,
                                             "due": 0, "closed_on_time": 0, "open_actions": 0,
                                             "overdue_actions": 0, "open_now": 0})
        row["violations"] += 1
        row["repeat_violations"] += bool(is_repeat)
        row["open_actions"] += actions or 0
        row["overdue_actions"] += late or 0
        row["open_now"] += closed_on is None
        if due is not None and due < cutoff:
            row["due"] += 1
            row["closed_on_time"] += closed_on is not None and closed_on <= due
    return list(out.values())


def open_for_enterprises(*, session: Session, enterprise_ids: list[int], today: date | None = None) -> dict[int, dict]:
    """Open violations and overdue actions today for the given enterprises (for pages of other packages)."""
    today = today or utcnow().date()
    out = {e: {"open_violations": 0, "overdue_actions": 0} for e in enterprise_ids}
    for enterprise_id, n in session.execute(
            select(Violation.enterprise_id, func.count()).where(Violation.enterprise_id.in_(enterprise_ids),
                                                               Violation.status.not_in((ViolationStatus.CLOSED, DRAFT)))
            .group_by(Violation.enterprise_id)):
        out[enterprise_id]["open_violations"] = n
    for enterprise_id, n in session.execute(
            select(Violation.enterprise_id, func.count(CorrectiveAction.id)).join(CorrectiveAction)
            .where(Violation.enterprise_id.in_(enterprise_ids), CorrectiveAction.status == ActionStatus.OPEN, CorrectiveAction.due_on < today)
            .group_by(Violation.enterprise_id)):
        out[enterprise_id]["overdue_actions"] = n
    return out


def inspectors_for_enterprises(*, session: Session, on: date | None = None) -> dict[int, int]:
    """Technical inspectors in office on a day, per enterprise, from the inspectors' registry."""
    on = on or utcnow().date()
    return dict(session.execute(
        select(TechnicalInspector.enterprise_id, func.count())
        .where(TechnicalInspector.appointed_on <= on,
               or_(TechnicalInspector.ended_on.is_(None), TechnicalInspector.ended_on > on))
        .group_by(TechnicalInspector.enterprise_id)).all())


# ---- the escalation ladder, for packages that climb the same one ------------------------------------------


def escalation_steps() -> list[tuple[str, int]]:
    """The ladder's steps (name, days overdue), lowest first: the published interface of `ladder.steps`."""
    return ladder.steps()


def escalation_recipients(session: Session, step: str, enterprise: Enterprise) -> list[User]:
    """Who is told at a step of the ladder for an enterprise: the published interface of `ladder.recipients`."""
    return ladder.recipients(session, step, enterprise)


# ---- what other packages fill in and show ----------------------------------------------------------------
# Published with the functions above: `ViolationIn` and `ActionIn` (imported at the top) are the forms another
# package fills to record a violation with its actions (`record`); these are the words for a violation's
# severities that a form of theirs offers (English message ids, translated when shown).
SEVERITY_LABELS = labels.SEVERITIES
