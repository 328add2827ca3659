"""The register's procedure: filing and versions, routing to the union, review (comments, questions,
answers), classification overrides, votes, decision with conditions, escalation of overdue steps,
linked worker reports and suspension recommendations. Functions never commit."""

from __future__ import annotations

import json
import secrets
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from sqlalchemy import Select, delete, select
from sqlalchemy.orm import Session

from qorgau.airegister import classify as rules
from qorgau.airegister.models import (
    APPROVED,
    DECIDED,
    Comment,
    Condition,
    Event,
    Filing,
    HumanOnlyRole,
    HumanQuota,
    LinkedReport,
    Override,
    Version,
    Vote,
)
from qorgau.airegister.schemas import FilingIn
from qorgau.core import audit, i18n, policy
from qorgau.core.db import utcnow
from qorgau.core.errors import NotFound, ValidationFailed
from qorgau.core.i18n_markers import N_
from qorgau.core.models import User
from qorgau.core.notify import notify
from qorgau.registry import access
from qorgau.registry.models import Enterprise, Occupation, UnionOrg

MODEL_YEAR = 2030  # the year of the illustrative displacement estimate from aiwork's central scenario
REVIEW_DAYS = 30  # the union decides within this many days of submission
ESCALATE_AGAIN_DAYS = 7  # an unmet overdue condition goes one level further up every week
OPEN = ("draft", "under_review", "voting")
PUBLIC_STATUSES = ("under_review", "voting", "approved", "approved_with_conditions", "rejected")


# ---- helpers ---------------------------------------------------------------------------------------


def _today(today: date | None) -> date:
    return today or utcnow().date()


def _reference(session: Session) -> str:
    alphabet = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"
    while True:
        reference = "AI-" + "".join(secrets.choice(alphabet) for _ in range(6))
        if not session.execute(select(Filing.id).where(Filing.reference == reference)).first():
            return reference


def _event(session: Session, filing: Filing, actor: User | None, kind: str, /, **detail) -> None:
    session.add(Event(filing_id=filing.id, actor_id=actor.id if actor else None, kind=kind, detail=detail))
    session.expire(filing, ["events"])
    audit.record(session, action=f"airegister.{kind}", object_type="airegister_filing", object_id=filing.id,
                 after=detail or None, actor=None if actor else "system:airegister")


def _officers(session: Session, union_org_id: int | None) -> list[User]:
    """Officers of the union or, failing that, of the nearest union above it."""
    org = session.get(UnionOrg, union_org_id) if union_org_id else None
    while org is not None:
        found = list(session.execute(select(User).where(User.role == "union_officer", User.is_active.is_(True),
                                                        User.scope_union_id == org.id)).scalars())
        if found:
            return found
        org = session.get(UnionOrg, org.parent_id) if org.parent_id else None
    return []


def _employers(session: Session, enterprise_id: int) -> list[User]:
    return list(session.execute(select(User).where(User.role == "employer_safety_manager", User.is_active.is_(True),
                                                   User.scope_enterprise_id == enterprise_id)).scalars())


def _tell(session: Session, users: list[User], filing: Filing, kind: str, message: str, **params) -> None:
    for user in users:
        notify(session, user=user, kind=f"airegister.{kind}", link=f"/airegister/filings/{filing.id}",
               title=message, params={"ref": filing.reference, "name": filing.name, **params})


def route(session: Session, enterprise: Enterprise) -> UnionOrg | None:
    """The competent union body: the enterprise's primary organisation (Worker Speaks' routing rule)."""
    from qorgau.speaks import service as speaks

    return speaks.route(session, enterprise=enterprise, region_kato=None, sector_code=None)


def data_of(filing: Filing, number: int | None = None) -> dict:
    number = number or filing.current_version
    for version in filing.versions:
        if version.number == number:
            return version.data
    raise NotFound(N_("No such version."), field="version")


def _validate(session: Session, filing_in: FilingIn) -> dict:
    data = filing_in.model_dump(mode="json")
    for number, occupation in enumerate(filing_in.occupations, start=1):
        found = session.get(Occupation, occupation.isco08)
        if found is None or found.level != 4:
            raise ValidationFailed(N_("Occupation %(n)s: %(code)s is not an ISCO-08 unit group."),
                                   field="occupations", params={"n": number, "code": occupation.isco08})
        if occupation.removed > occupation.headcount:
            raise ValidationFailed(N_("Occupation %(n)s: more jobs removed than workers affected."),
                                   field="occupations", params={"n": number, "code": occupation.isco08})
    if len({o.isco08 for o in filing_in.occupations}) != len(filing_in.occupations):
        raise ValidationFailed(N_("Each occupation may be listed once."), field="occupations")
    if sum(o.removed for o in filing_in.occupations) > filing_in.jobs_removed:
        raise ValidationFailed(N_("The jobs removed per occupation add up to more than the jobs removed in all."),
                               field="jobs_removed")
    if filing_in.unit_human_before > filing_in.unit_positions:
        raise ValidationFailed(N_("More positions held by people than positions in the unit."),
                               field="unit_human_before")
    if filing_in.emotion_consent and not filing_in.emotion_recognition:
        raise ValidationFailed(N_("Consent to emotion recognition is given only where the system recognises "
                                  "emotions."), field="emotion_consent")
    return data


def _refresh_summary(filing: Filing, data: dict) -> None:
    result = classification(filing, data)
    filing.name = data["name"]
    filing.risk_kz = result.risk_kz.value
    filing.eu_category = result.eu_category.value
    filing.jobs_removed = data.get("jobs_removed", 0)


# ---- reading ---------------------------------------------------------------------------------------


def visible(session: Session, actor: User):
    return access.inbox_scope(session, actor, union_org_column=Filing.union_org_id,
                              enterprise_id_column=Filing.enterprise_id)


def list_query(*, session: Session, actor: User, status: str = "", risk: str = "", eu: str = "",
               sector: str = "", enterprise_id: int | None = None) -> Select:
    policy.require(actor, "aiwork.read")
    query = select(Filing).where(visible(session, actor)).order_by(Filing.id.desc())
    for column, value in ((Filing.status, status), (Filing.risk_kz, risk), (Filing.eu_category, eu)):
        if value:
            query = query.where(column == value)
    if sector:
        query = query.where(Filing.enterprise_id.in_(select(Enterprise.id).where(Enterprise.sector_code == sector)))
    if enterprise_id:
        query = query.where(Filing.enterprise_id == enterprise_id)
    return query


def get(*, session: Session, actor: User, filing_id: int) -> Filing:
    """One filing the actor may see (the union it is routed to, or the enterprise's scope), else NotFound."""
    policy.require(actor, "aiwork.read")
    found = session.execute(select(Filing).where(Filing.id == filing_id, visible(session, actor))).scalar()
    if found is None:
        raise NotFound(N_("Not found."))
    return found


def overrides_of(filing: Filing) -> dict[str, Override]:
    """The latest override per dimension."""
    latest: dict[str, Override] = {}
    for item in filing.overrides:
        latest[item.dimension] = item
    return latest


def classification(filing: Filing, data: dict | None = None) -> rules.Classification:
    data = data if data is not None else data_of(filing)
    return rules.classify(data, {k: o.value for k, o in overrides_of(filing).items()})


def classification_out(filing: Filing) -> dict:
    data = data_of(filing)
    automatic = rules.classify(data)
    final = classification(filing, data)
    overrides = overrides_of(filing)
    out = {}
    for dimension in ("risk_kz", "autonomy_kz", "eu_category"):
        result = getattr(final, dimension)
        out[dimension] = {"value": result.value, "automatic": getattr(automatic, dimension).value,
                          "rules": [f.as_dict() for f in result.fired],
                          "override_reason": overrides[dimension].reason if dimension in overrides else ""}
    out["prohibited"] = [f.as_dict() for f in final.prohibited]
    out["safeguards"] = {k: [f.as_dict() for f in v] for k, v in final.safeguards.items()}
    return out


def diff(before: dict, after: dict) -> list[dict]:
    """Fields that changed between two versions: field, before, after (lists compared as a whole)."""
    changes = []
    for key in after.keys() | before.keys():
        old, new = before.get(key), after.get(key)
        if json.dumps(old, sort_keys=True, default=str) != json.dumps(new, sort_keys=True, default=str):
            changes.append({"field": key, "before": old, "after": new})
    order = list(FilingIn.model_fields)
    return sorted(changes, key=lambda c: order.index(c["field"]) if c["field"] in order else len(order))


def human_only_roles(*, session: Session, enterprise_id: int) -> list[HumanOnlyRole]:
    return list(session.execute(select(HumanOnlyRole).where(HumanOnlyRole.enterprise_id == enterprise_id)
                                .order_by(HumanOnlyRole.isco08)).scalars())


def quotas(*, session: Session, enterprise_id: int) -> list[HumanQuota]:
    return list(session.execute(select(HumanQuota).where(HumanQuota.enterprise_id == enterprise_id)
                                .order_by(HumanQuota.unit)).scalars())


@dataclass
class Impact:
    occupations: list[dict]
    jobs: dict
    displacement_share: float | None
    human_share_before: float | None
    human_share_after: float | None
    quota: HumanQuota | None
    quota_breached: bool
    human_only_conflicts: list[str]
    plan_workers: int
    exposure_source: str
    model_at_risk: float  # jobs at risk by MODEL_YEAR in the aiwork central scenario (illustrative)
    model_note: str


def impact(*, session: Session, filing: Filing, data: dict | None = None) -> Impact:
    """Workforce impact: ILO exposure of the affected occupations, displacement, human-occupied share."""
    from qorgau.aiwork import gradients, reference, scenarios

    data = data if data is not None else data_of(filing)
    classes = gradients.occupation_classes()
    assumptions = scenarios.load_assumptions("central")
    enterprise = session.get(Enterprise, filing.enterprise_id)
    ceiling, midpoint, steepness = assumptions.curve(enterprise.sector_code if enterprise else "*")
    adoption = float(scenarios.adoption_share([MODEL_YEAR], ceiling, midpoint, steepness)[0])
    displaced = dict(zip(assumptions.effects["class"], assumptions.effects["displaced_share"], strict=True))
    scores = reference.ilo_scores()
    locale = i18n.get_locale()
    reserved = {r.isco08 for r in human_only_roles(session=session, enterprise_id=filing.enterprise_id)}
    rows, conflicts = [], []
    for item in data.get("occupations", []):
        code = item["isco08"]
        cls = str(classes.get(code, gradients.UNSCORED))
        rows.append({"isco08": code, "title": reference.title(code, locale) if code in classes.index else code,
                     "headcount": item["headcount"], "removed": item.get("removed", 0), "ilo_class": cls,
                     "ilo_label": gradients.CLASS_LABELS[cls],
                     "ilo_mean": float(scores.loc[code, "mean_2025"]) if code in scores.index else None,
                     "human_only": code in reserved,
                     "model_at_risk": item["headcount"] * adoption * float(displaced.get(cls, 0.0))})
        if code in reserved and item.get("removed", 0) > 0:
            conflicts.append(code)
    headcount = data.get("headcount") or sum(r["headcount"] for r in rows)
    removed, created = data.get("jobs_removed", 0), data.get("jobs_created", 0)
    positions, before = data.get("unit_positions", 0), data.get("unit_human_before", 0)
    share_before = before / positions if positions else None
    share_after = max(0, before - removed) / positions if positions else None
    unit = data.get("unit") or "*"
    quota = next((q for q in quotas(session=session, enterprise_id=filing.enterprise_id) if q.unit == unit), None) \
        or next((q for q in quotas(session=session, enterprise_id=filing.enterprise_id) if q.unit == "*"), None)
    breached = bool(quota and share_after is not None and share_after * 100 < quota.min_human_pct)
    return Impact(occupations=rows,
                  jobs={"headcount": headcount, "changed": data.get("jobs_changed", 0), "removed": removed,
                        "created": created},
                  displacement_share=removed / headcount if headcount else None,
                  human_share_before=share_before, human_share_after=share_after, quota=quota,
                  quota_breached=breached, human_only_conflicts=conflicts,
                  plan_workers=sum(r["workers"] for r in data.get("retraining_plan", [])),
                  exposure_source=gradients.SOURCE, model_at_risk=sum(r["model_at_risk"] for r in rows),
                  model_note=scenarios.ASSUMPTION_NOTE)


def blockers(*, session: Session, filing: Filing) -> list[tuple[str, dict, str]]:
    """Why the filing cannot be approved now, as (message id, params, field); empty when it can."""
    data = data_of(filing)
    found: list[tuple[str, dict, str]] = []
    removed = data.get("jobs_removed", 0)
    plan = data.get("retraining_plan", [])
    if removed and not plan:
        found.append((N_("%(n)s job(s) would be removed, and there is no retraining and re-employment plan."),
                      {"n": removed}, "retraining_plan"))
    elif removed and sum(r["workers"] for r in plan) < removed:
        found.append((N_("The retraining plan covers %(covered)s of the %(n)s workers whose jobs are removed."),
                      {"covered": sum(r["workers"] for r in plan), "n": removed}, "retraining_plan"))
    reserved = {r.isco08 for r in human_only_roles(session=session, enterprise_id=filing.enterprise_id)}
    for item in data.get("occupations", []):
        if item["isco08"] in reserved and item.get("removed", 0) > 0:
            found.append((N_("Occupation %(code)s is reserved for people by the collective agreement and cannot be "
                             "automated."), {"code": item["isco08"]}, "occupations"))
    positions, before = data.get("unit_positions", 0), data.get("unit_human_before", 0)
    if positions:
        unit = data.get("unit") or "*"
        own = quotas(session=session, enterprise_id=filing.enterprise_id)
        quota = next((q for q in own if q.unit == unit), None) or next((q for q in own if q.unit == "*"), None)
        after = max(0, before - removed) * 100 / positions
        if quota and after < quota.min_human_pct:
            found.append((N_("Human-occupied share after the change would be %(after)s%%, below the agreed "
                             "%(quota)s%%."), {"after": round(after, 1), "quota": quota.min_human_pct},
                          "unit_human_before"))
    for flag in classification(filing, data).prohibited:
        found.append((N_("Prohibited practice (%(rule)s): %(reason)s"), {"rule": flag.rule, "reason": flag.reason},
                      "classification"))
    return found


def blocker_texts(*, session: Session, filing: Filing) -> list[str]:
    texts = []
    for message, params, _field in blockers(session=session, filing=filing):
        rule_reason = params.get("reason")
        if rule_reason:
            params = {**params, "reason": i18n.gettext(rule_reason)}
        # numbers in the reader's format (70,5 in kk and ru)
        params = {k: i18n.format_number(v) if isinstance(v, int | float) and not isinstance(v, bool) else v
                  for k, v in params.items()}
        texts.append(i18n.gettext(message, **params))
    return texts


def tally(filing: Filing) -> dict:
    counts = {"for": 0, "against": 0, "abstain": 0}
    for vote in filing.votes:
        counts[vote.choice] += 1
    cast = sum(counts.values())
    decisive = counts["for"] + counts["against"]
    passed = decisive > 0 and counts["for"] * 100 > filing.majority_pct * decisive
    return {**counts, "cast": cast, "quorum": filing.quorum, "quorum_met": cast >= filing.quorum,
            "majority_pct": filing.majority_pct, "passed": passed}


# ---- filing ----------------------------------------------------------------------------------------


def create(*, session: Session, actor: User, enterprise_id: int, filing_in: FilingIn,
           today: date | None = None) -> Filing:
    """Register a planned or running AI system as a draft (version 1)."""
    access.require_enterprise(session, actor, "aiwork.file", enterprise_id)
    data = _validate(session, filing_in)
    filing = Filing(reference=_reference(session), enterprise_id=enterprise_id, status="draft", current_version=1,
                    name=data["name"], created_by=actor.id)
    session.add(filing)
    session.flush()
    version = Version(filing_id=filing.id, number=1, data=data, change_note="", author_id=actor.id)
    session.add(version)
    session.flush()
    session.refresh(filing, ["versions"])
    _refresh_summary(filing, data)
    _event(session, filing, actor, "filed", version=1)
    session.flush()
    return filing


def _require_filer(session: Session, actor: User, filing: Filing) -> None:
    access.require_enterprise(session, actor, "aiwork.file", filing.enterprise_id)


def update(*, session: Session, actor: User, filing_id: int, filing_in: FilingIn, change_note: str,
           today: date | None = None) -> Filing:
    """Every change is a new version. A change during the vote resets it; a change after the decision sends
    the filing back for review."""
    filing = get(session=session, actor=actor, filing_id=filing_id)
    _require_filer(session, actor, filing)
    if filing.status == "withdrawn":
        raise ValidationFailed(N_("The filing was withdrawn."), field="status")
    if len(change_note.strip()) < 3:
        raise ValidationFailed(N_("Say what changed."), field="change_note")
    data = _validate(session, filing_in)
    changes = diff(data_of(filing), data)
    if not changes:
        raise ValidationFailed(N_("Nothing changed."), field="change_note")
    number = filing.current_version + 1
    session.add(Version(filing_id=filing.id, number=number, data=data, change_note=change_note.strip(),
                        author_id=actor.id))
    filing.current_version = number
    session.flush()
    session.refresh(filing, ["versions"])
    _refresh_summary(filing, data)
    _event(session, filing, actor, "changed", version=number, fields=[c["field"] for c in changes],
           note=change_note.strip())
    if filing.status == "voting":  # members must vote on what the filing now says
        session.execute(delete(Vote).where(Vote.filing_id == filing.id))
        filing.status = "under_review"
        _event(session, filing, actor, "vote_reset", version=number)
        _tell(session, _officers(session, filing.union_org_id), filing, "changed",
              N_("%(ref)s %(name)s changed during the vote: the vote starts again"))
    elif filing.status in DECIDED:
        today = _today(today)
        session.execute(delete(Vote).where(Vote.filing_id == filing.id))
        filing.status, filing.submitted_on, filing.review_due = "under_review", today, today + timedelta(days=REVIEW_DAYS)
        filing.decided_on = None
        _event(session, filing, actor, "resubmitted", version=number)
        _tell(session, _officers(session, filing.union_org_id), filing, "changed",
              N_("%(ref)s %(name)s changed after the decision: review again"))
    session.flush()
    session.expire(filing, ["votes"])
    return filing


def submit(*, session: Session, actor: User, filing_id: int, today: date | None = None) -> Filing:
    """Send the draft to the competent union body, which decides within REVIEW_DAYS."""
    filing = get(session=session, actor=actor, filing_id=filing_id)
    _require_filer(session, actor, filing)
    if filing.status != "draft":
        raise ValidationFailed(N_("Only a draft can be submitted."), field="status")
    today = _today(today)
    union = route(session, session.get(Enterprise, filing.enterprise_id))
    filing.union_org_id = union.id if union else None
    filing.status, filing.submitted_on, filing.review_due = "under_review", today, today + timedelta(days=REVIEW_DAYS)
    _event(session, filing, actor, "submitted", union_org_id=filing.union_org_id, review_due=str(filing.review_due))
    _tell(session, _officers(session, filing.union_org_id), filing, "submitted",
          N_("%(ref)s %(name)s: an AI system was filed for your approval"))
    session.flush()
    return filing


def withdraw(*, session: Session, actor: User, filing_id: int) -> Filing:
    filing = get(session=session, actor=actor, filing_id=filing_id)
    _require_filer(session, actor, filing)
    if filing.status not in OPEN:
        raise ValidationFailed(N_("Only an undecided filing can be withdrawn."), field="status")
    filing.status = "withdrawn"
    _event(session, filing, actor, "withdrawn")
    session.flush()
    return filing


# ---- review ----------------------------------------------------------------------------------------


def comment(*, session: Session, actor: User, filing_id: int, kind: str, body: str,
            answers_id: int | None = None) -> Comment:
    """Union members comment and ask; the employer answers questions in the record."""
    filing = get(session=session, actor=actor, filing_id=filing_id)
    body = body.strip()
    if len(body) < 2:
        raise ValidationFailed(N_("Write something."), field="body")
    if kind == "answer":
        _require_filer(session, actor, filing)
        question = session.get(Comment, answers_id) if answers_id else None
        if question is None or question.filing_id != filing.id or question.kind != "question":
            raise ValidationFailed(N_("Choose the question you answer."), field="answers_id")
    elif kind in ("comment", "question"):
        if not (policy.allowed(actor, "aiwork.review") or policy.allowed(actor, "aiwork.vote")):
            policy.require(actor, "aiwork.review")
        if filing.status not in ("under_review", "voting") and kind == "question":
            raise ValidationFailed(N_("Questions can be asked while the filing is under review."), field="kind")
        answers_id = None
    else:
        raise ValidationFailed(N_("Unknown kind."), field="kind")
    item = Comment(filing_id=filing.id, kind=kind, answers_id=answers_id, author_id=actor.id, body=body,
                   version_number=filing.current_version)
    session.add(item)
    session.flush()
    session.expire(filing, ["comments"])
    _event(session, filing, actor, kind, comment_id=item.id)
    if kind == "question":
        _tell(session, _employers(session, filing.enterprise_id), filing, "question",
              N_("%(ref)s %(name)s: the union asked a question"))
    elif kind == "answer":
        _tell(session, _officers(session, filing.union_org_id), filing, "answer",
              N_("%(ref)s %(name)s: the employer answered"))
    session.flush()
    return item


def unanswered_questions(filing: Filing) -> list[Comment]:
    answered = {c.answers_id for c in filing.comments if c.kind == "answer"}
    return [c for c in filing.comments if c.kind == "question" and c.id not in answered]


def override(*, session: Session, actor: User, filing_id: int, dimension: str, value: str, reason: str) -> Override:
    """A union officer replaces an automatic result, with a reason that is stored and shown."""
    filing = get(session=session, actor=actor, filing_id=filing_id)
    policy.require(actor, "aiwork.review")
    if len(reason.strip()) < 10:
        raise ValidationFailed(N_("Give the reason for the override (at least 10 characters)."), field="reason")
    automatic = rules.classify(data_of(filing))
    if dimension in rules.OVERRIDABLE:
        if value not in rules.OVERRIDABLE[dimension]:
            raise ValidationFailed(N_("Unknown value."), field="value")
        before = getattr(automatic, dimension).value
    elif dimension.startswith("flag:"):
        if dimension[5:] not in {f.rule for f in automatic.prohibited}:
            raise ValidationFailed(N_("This filing has no such flag."), field="dimension")
        if value not in ("dismissed", "upheld"):
            raise ValidationFailed(N_("Unknown value."), field="value")
        before = "upheld"
    else:
        raise ValidationFailed(N_("Unknown classification."), field="dimension")
    item = Override(filing_id=filing.id, dimension=dimension, automatic=before, value=value, reason=reason.strip(),
                    officer_id=actor.id, version_number=filing.current_version)
    session.add(item)
    session.flush()
    session.refresh(filing, ["overrides"])
    _refresh_summary(filing, data_of(filing))
    _event(session, filing, actor, "override", dimension=dimension, automatic=before, value=value,
           reason=reason.strip())
    session.flush()
    return item


def open_vote(*, session: Session, actor: User, filing_id: int, quorum: int = 1, majority_pct: int = 50) -> Filing:
    filing = get(session=session, actor=actor, filing_id=filing_id)
    policy.require(actor, "aiwork.review")
    if filing.status != "under_review":
        raise ValidationFailed(N_("Voting opens on a filing under review."), field="status")
    if not 1 <= quorum <= 500:
        raise ValidationFailed(N_("The quorum is from 1 to 500 votes."), field="quorum")
    if not 50 <= majority_pct <= 99:
        raise ValidationFailed(N_("The majority is from 50 to 99 per cent."), field="majority_pct")
    filing.status, filing.quorum, filing.majority_pct = "voting", quorum, majority_pct
    _event(session, filing, actor, "vote_opened", quorum=quorum, majority_pct=majority_pct)
    session.flush()
    return filing


def vote(*, session: Session, actor: User, filing_id: int, choice: str, note: str = "") -> Vote:
    filing = get(session=session, actor=actor, filing_id=filing_id)
    policy.require(actor, "aiwork.vote")
    if filing.status != "voting":
        raise ValidationFailed(N_("Voting is not open."), field="choice")
    if choice not in ("for", "against", "abstain"):
        raise ValidationFailed(N_("Unknown choice."), field="choice")
    mine = next((v for v in filing.votes if v.voter_id == actor.id), None)
    if mine is None:
        mine = Vote(filing_id=filing.id, voter_id=actor.id, choice=choice, note=note.strip())
        session.add(mine)
    else:
        mine.choice, mine.note, mine.cast_at = choice, note.strip(), utcnow()
    session.flush()
    session.refresh(filing, ["votes"])
    _event(session, filing, actor, "vote", choice=choice)
    session.flush()
    return mine


def decide(*, session: Session, actor: User, filing_id: int, reasons: str = "",
           conditions: list[tuple[str, date]] | None = None, review_every_months: int = 12,
           plan_conditions: list[tuple[int, date]] | None = None, today: date | None = None) -> Filing:
    """Close the vote. Passed: approved (with conditions, if any are set); failed: rejected with reasons.
    `plan_conditions` (plan id, due date) require a retraining plan of the filing's enterprise to be agreed
    with the employer by the due date. Approval is refused while anything in `blockers` stands."""
    filing = get(session=session, actor=actor, filing_id=filing_id)
    policy.require(actor, "aiwork.review")
    today = _today(today)
    conditions = conditions or []
    plans = _required_plans(session, actor, filing, plan_conditions or [], today)
    if filing.status != "voting":
        raise ValidationFailed(N_("Open the vote first."), field="status")
    result = tally(filing)
    if not result["quorum_met"]:
        raise ValidationFailed(N_("No quorum: %(cast)s of %(quorum)s votes cast."), field="quorum",
                               params={"cast": result["cast"], "quorum": result["quorum"]})
    if not 1 <= review_every_months <= 60:
        raise ValidationFailed(N_("Review every 1 to 60 months."), field="review_every_months")
    if result["passed"]:
        found = blockers(session=session, filing=filing)
        if found:
            message, params, field = found[0]
            rule_reason = params.get("reason")
            if rule_reason:
                params = {**params, "reason": i18n.gettext(rule_reason)}
            raise ValidationFailed(message, field=field, params=params)
        for number, (text, due_on) in enumerate(conditions, start=1):
            if len(text.strip()) < 5:
                raise ValidationFailed(N_("Condition %(n)s: describe it."), field="conditions", params={"n": number})
            if due_on <= today:
                raise ValidationFailed(N_("Condition %(n)s: the due date must be after today."), field="conditions",
                                       params={"n": number})
        for text, due_on in conditions:
            session.add(Condition(filing_id=filing.id, text=text.strip(), due_on=due_on))
        for plan, due_on in plans:
            session.add(Condition(filing_id=filing.id, text=plan.title, due_on=due_on, kind="agreed_plan",
                                  plan_id=plan.id))
        filing.status = "approved_with_conditions" if conditions or plans else "approved"
        filing.review_every_months = review_every_months
        filing.next_review_on = _add_months(today, review_every_months)
    else:
        if len(reasons.strip()) < 10:
            raise ValidationFailed(N_("The vote did not pass: give the reasons for the rejection."), field="reasons")
        filing.status = "rejected"
    filing.decided_on, filing.decision_reasons = today, reasons.strip()
    session.flush()
    _event(session, filing, actor, "decided", outcome=filing.status, tally=result, reasons=reasons.strip(),
           conditions=[{"text": t, "due_on": str(d)} for t, d in conditions]
           + [{"agreed_plan": p.id, "due_on": str(d)} for p, d in plans])
    _tell(session, _employers(session, filing.enterprise_id), filing, "decided",
          N_("%(ref)s %(name)s: the union decided"))
    session.flush()
    session.expire(filing, ["conditions"])
    return filing


def _required_plans(session: Session, actor: User, filing: Filing, wanted: list[tuple[int, date]],
                    today: date) -> list[tuple]:
    """The retraining plans a decision requires to be agreed: plans of the filing's enterprise the actor sees."""
    from qorgau.aiwork import service as aiwork

    found = []
    for number, (plan_id, due_on) in enumerate(wanted, start=1):
        plan = aiwork.get_plan(session=session, actor=actor, plan_id=plan_id)
        if plan.enterprise_id != filing.enterprise_id:
            raise ValidationFailed(N_("Plan condition %(n)s: the retraining plan is for another enterprise."),
                                   field="plan_id", params={"n": number})
        if due_on <= today:
            raise ValidationFailed(N_("Condition %(n)s: the due date must be after today."), field="plan_due_on",
                                   params={"n": number})
        found.append((plan, due_on))
    return found


def plans_of_enterprise(*, session: Session, actor: User, enterprise_id: int) -> list:
    """Retraining plans of an enterprise the actor sees (what a decision can require to be agreed)."""
    from qorgau.aiwork import service as aiwork

    if not policy.allowed(actor, "aiwork.review"):
        return []
    return [p for p in aiwork.plans(session=session, actor=actor) if p.enterprise_id == enterprise_id]


def _plan_agreement(session: Session, condition: Condition) -> str | None:
    """For an agreed-plan condition: how the plan was agreed (the evidence), or None while it is not."""
    from qorgau.aiwork.models import Plan
    from qorgau.aiwork.workflow import PlanStatus

    plan = session.get(Plan, condition.plan_id) if condition.plan_id else None
    if plan is None or plan.status not in (PlanStatus.AGREED, PlanStatus.IN_PROGRESS, PlanStatus.DONE):
        return None
    return f"{plan.employer_signatory}, {plan.agreed_on.isoformat() if plan.agreed_on else ''}"


def _add_months(day: date, months: int) -> date:
    month = day.month - 1 + months
    year, month = day.year + month // 12, month % 12 + 1
    for last in (31, 30, 29, 28):
        try:
            return date(year, month, min(day.day, last))
        except ValueError:
            continue
    raise ValueError(day)


def _condition(filing: Filing, condition_id: int) -> Condition:
    found = next((c for c in filing.conditions if c.id == condition_id), None)
    if found is None:
        raise NotFound(N_("No such condition."), field="condition_id")
    return found


def condition_met(*, session: Session, actor: User, filing_id: int, condition_id: int, evidence: str,
                  today: date | None = None) -> Condition:
    """The union confirms the employer met a condition (with what shows it)."""
    filing = get(session=session, actor=actor, filing_id=filing_id)
    policy.require(actor, "aiwork.review")
    condition = _condition(filing, condition_id)
    if condition.kind == "agreed_plan":
        agreed = _plan_agreement(session, condition)
        if agreed is None:
            raise ValidationFailed(N_("The retraining plan is not agreed with the employer yet."), field="evidence")
        evidence = f"{evidence.strip()} ({agreed})".strip() if evidence.strip() else agreed
    if len(evidence.strip()) < 5:
        raise ValidationFailed(N_("Say what shows the condition is met."), field="evidence")
    condition.status, condition.met_on, condition.evidence = "met", _today(today), evidence.strip()
    _event(session, filing, actor, "condition_met", condition_id=condition.id, evidence=evidence.strip())
    if filing.suspension_recommended and all(c.status == "met" for c in filing.conditions):
        filing.suspension_recommended, filing.suspension_reason = False, ""
        _event(session, filing, actor, "suspension_lifted")
    session.flush()
    return condition


def record_review(*, session: Session, actor: User, filing_id: int, note: str, today: date | None = None) -> Filing:
    """A periodic review after deployment was held; the next one is scheduled."""
    filing = get(session=session, actor=actor, filing_id=filing_id)
    policy.require(actor, "aiwork.review")
    if filing.status not in APPROVED:
        raise ValidationFailed(N_("Only an approved system is reviewed."), field="status")
    if len(note.strip()) < 5:
        raise ValidationFailed(N_("Write what the review found."), field="note")
    today = _today(today)
    filing.next_review_on = _add_months(today, filing.review_every_months)
    filing.review_notified_on = None
    _event(session, filing, actor, "reviewed", note=note.strip(), next_review_on=str(filing.next_review_on))
    session.flush()
    return filing


def recommend_suspension(*, session: Session, actor: User, filing_id: int, reason: str) -> Filing:
    filing = get(session=session, actor=actor, filing_id=filing_id)
    policy.require(actor, "aiwork.review")
    if filing.status not in APPROVED:
        raise ValidationFailed(N_("Only an approved system can be suspended."), field="status")
    if len(reason.strip()) < 10:
        raise ValidationFailed(N_("Give the reason (at least 10 characters)."), field="reason")
    filing.suspension_recommended, filing.suspension_reason = True, reason.strip()
    _event(session, filing, actor, "suspension_recommended", reason=reason.strip())
    _tell(session, _employers(session, filing.enterprise_id), filing, "suspension",
          N_("%(ref)s %(name)s: the union recommends suspending the system"))
    session.flush()
    return filing


def link_report(*, session: Session, actor: User, filing_id: int, reference: str, kind: str,
                note: str = "", today: date | None = None) -> LinkedReport:
    """Link a worker's Worker Speaks report (wrong decision, harm, surveillance) to the AI system."""
    from qorgau.speaks import service as speaks
    from qorgau.speaks.models import Report

    filing = get(session=session, actor=actor, filing_id=filing_id)
    policy.require(actor, "aiwork.review")
    if kind not in ("wrong_decision", "harm", "surveillance", "other"):
        raise ValidationFailed(N_("Unknown kind."), field="kind")
    report_id = session.execute(select(Report.id).where(Report.reference == reference.strip().upper())).scalar()
    if report_id is None:
        raise ValidationFailed(N_("No worker report has this reference."), field="reference")
    try:
        report = speaks.get(session=session, actor=actor, report_id=report_id)
    except NotFound:
        raise ValidationFailed(N_("No worker report has this reference."), field="reference") from None
    if report.enterprise_id is not None and report.enterprise_id != filing.enterprise_id:
        raise ValidationFailed(N_("The report is about another enterprise."), field="reference")
    if any(link.speaks_report_id == report.id for link in filing.linked_reports):
        raise ValidationFailed(N_("This report is already linked."), field="reference")
    link = LinkedReport(filing_id=filing.id, speaks_report_id=report.id, reference=report.reference, kind=kind,
                        note=note.strip(), linked_by=actor.id, linked_on=_today(today))
    session.add(link)
    session.flush()
    session.expire(filing, ["linked_reports"])
    _event(session, filing, actor, "report_linked", reference=report.reference, kind=kind)
    session.flush()
    return link


# ---- collective agreement: human-only roles and quotas ---------------------------------------------------


def set_human_only(*, session: Session, actor: User, enterprise_id: int, isco08: str, clause: str = "") -> HumanOnlyRole:
    access.require_enterprise(session, actor, "aiwork.review", enterprise_id)
    occupation = session.get(Occupation, isco08)
    if occupation is None or occupation.level != 4:
        raise ValidationFailed(N_("%(code)s is not an ISCO-08 unit group."), field="isco08", params={"code": isco08})
    found = session.execute(select(HumanOnlyRole).where(HumanOnlyRole.enterprise_id == enterprise_id,
                                                        HumanOnlyRole.isco08 == isco08)).scalar()
    if found is None:
        found = HumanOnlyRole(enterprise_id=enterprise_id, isco08=isco08)
        session.add(found)
    found.clause = clause.strip()
    session.flush()
    return found


def remove_human_only(*, session: Session, actor: User, enterprise_id: int, isco08: str) -> None:
    access.require_enterprise(session, actor, "aiwork.review", enterprise_id)
    session.execute(delete(HumanOnlyRole).where(HumanOnlyRole.enterprise_id == enterprise_id,
                                                HumanOnlyRole.isco08 == isco08))
    session.flush()


def set_quota(*, session: Session, actor: User, enterprise_id: int, unit: str, min_human_pct: int,
              clause: str = "") -> HumanQuota:
    access.require_enterprise(session, actor, "aiwork.review", enterprise_id)
    unit = unit.strip() or "*"
    if not 0 < min_human_pct <= 100:
        raise ValidationFailed(N_("The quota is a share from 1 to 100 per cent."), field="min_human_pct")
    found = session.execute(select(HumanQuota).where(HumanQuota.enterprise_id == enterprise_id,
                                                     HumanQuota.unit == unit)).scalar()
    if found is None:
        found = HumanQuota(enterprise_id=enterprise_id, unit=unit, min_human_pct=min_human_pct)
        session.add(found)
    found.min_human_pct, found.clause = min_human_pct, clause.strip()
    session.flush()
    return found


# ---- deadlines and escalation -----------------------------------------------------------------------


def escalate(session: Session, now: datetime | date) -> list[dict]:
    """Overdue steps move up: a filing the union has not decided by its deadline goes to the union above;
    an unmet condition past its due date is marked overdue, the system is recommended for suspension and
    the union above is told, one level further every week it stays unmet; a periodic review that falls
    due is announced. Returns what was done (each step is also in the filing's event log)."""
    today = now.date() if isinstance(now, datetime) else now
    done: list[dict] = []
    late = select(Filing).where(Filing.status.in_(("under_review", "voting")), Filing.review_due < today)
    for filing in session.execute(late.order_by(Filing.id)).scalars():
        current = session.get(UnionOrg, filing.union_org_id) if filing.union_org_id else None
        if current is None or current.parent_id is None:
            continue
        filing.union_org_id = current.parent_id
        filing.escalation_level += 1
        filing.review_due = today + timedelta(days=REVIEW_DAYS // 2)
        _event(session, filing, None, "review_escalated", union_org_id=current.parent_id,
               level=filing.escalation_level)
        _tell(session, _officers(session, current.parent_id), filing, "escalated",
              N_("%(ref)s %(name)s: the decision is overdue and was escalated to your union"))
        done.append({"filing": filing.reference, "step": "review_escalated", "level": filing.escalation_level})
    plan_conditions = select(Condition).join(Filing).where(Condition.kind == "agreed_plan",
                                                           Condition.status.in_(("open", "overdue")))
    for condition in session.execute(plan_conditions.order_by(Condition.id)).scalars():
        agreed = _plan_agreement(session, condition)
        if agreed is not None:  # the plan was agreed: the condition is met, whatever the date
            condition.status, condition.met_on, condition.evidence = "met", today, agreed
            _event(session, condition.filing, None, "condition_met", condition_id=condition.id, evidence=agreed)
            done.append({"filing": condition.filing.reference, "step": "condition_met", "condition": condition.id})
    session.flush()
    overdue = (select(Condition).join(Filing).where(Condition.status.in_(("open", "overdue")), Condition.due_on < today,
                                                    Filing.status.in_(APPROVED)).order_by(Condition.id))
    for condition in session.execute(overdue).scalars():
        filing = condition.filing
        if condition.status == "open":
            condition.status = "overdue"
        elif condition.escalated_on and condition.escalated_on > today - timedelta(days=ESCALATE_AGAIN_DAYS):
            continue
        condition.escalation_level += 1
        condition.escalated_on = today
        target = filing.union_org_id
        for _step in range(condition.escalation_level):
            org = session.get(UnionOrg, target) if target else None
            if org is None or org.parent_id is None:
                break
            target = org.parent_id
        # The reason is the overdue condition itself (shown from the condition, in the reader's language); a
        # reason a person wrote stays as written.
        filing.suspension_recommended = True
        _event(session, filing, None, "condition_escalated", condition_id=condition.id,
               due_on=str(condition.due_on), level=condition.escalation_level, union_org_id=target)
        _tell(session, _officers(session, target) + _employers(session, filing.enterprise_id), filing,
              "condition_overdue", N_("%(ref)s %(name)s: a condition of approval is overdue; suspension recommended"))
        done.append({"filing": filing.reference, "step": "condition_escalated", "condition": condition.id,
                     "level": condition.escalation_level})
    reviews = select(Filing).where(Filing.status.in_(APPROVED), Filing.next_review_on <= today,
                                   Filing.review_notified_on.is_(None))
    for filing in session.execute(reviews.order_by(Filing.id)).scalars():
        filing.review_notified_on = today
        _event(session, filing, None, "review_due", next_review_on=str(filing.next_review_on))
        _tell(session, _officers(session, filing.union_org_id), filing, "review_due",
              N_("%(ref)s %(name)s: the periodic review is due"))
        done.append({"filing": filing.reference, "step": "review_due"})
    session.flush()
    return done


# ---- public views -----------------------------------------------------------------------------------


def workplace_systems(*, session: Session, enterprise_id: int) -> list[Filing]:
    """What the workers of an enterprise may know: every system filed with their union (not drafts)."""
    return list(session.execute(select(Filing).where(Filing.enterprise_id == enterprise_id,
                                                     Filing.status.in_(PUBLIC_STATUSES))
                                .order_by(Filing.id)).scalars())


FEED_SCHEMA = "https://qorgau.kz/schemas/airegister-feed"
FEED_VERSION = "1.0"


def feed(*, session: Session) -> dict:
    """The open feed of approved registrations (docs/airegister/feed-schema.md)."""
    query = (select(Filing, Enterprise).join(Enterprise, Enterprise.id == Filing.enterprise_id)
             .where(Filing.status.in_(APPROVED)).order_by(Filing.reference))
    items = []
    for filing, enterprise in session.execute(query):
        data = data_of(filing)
        result = classification(filing, data)
        updated = max([filing.created_at] + [v.created_at for v in filing.versions] + [e.at for e in filing.events])
        items.append({
            "reference": filing.reference, "version": filing.current_version, "name": data["name"],
            "purpose": data["purpose"], "vendor": data.get("vendor", ""),
            "employer": {"bin": enterprise.bin, "name_ru": enterprise.name_ru, "name_kk": enterprise.name_kk,
                         "name_en": enterprise.name_en},
            "sector": enterprise.sector_code, "region_kato": enterprise.region_kato, "areas": data["areas"],
            "autonomy": data.get("autonomy", "recommends"), "risk_kz": result.risk_kz.value,
            "autonomy_kz": result.autonomy_kz.value, "eu_category": result.eu_category.value,
            "rules": sorted({f.rule for r in (result.risk_kz, result.autonomy_kz, result.eu_category)
                             for f in r.fired}),
            "safeguards": list(result.safeguards), "outcome": filing.status, "decided_on": filing.decided_on,
            "conditions": [{"text": c.text, "due_on": c.due_on, "status": c.status} for c in filing.conditions],
            "next_review_on": filing.next_review_on,
            "jobs": {"affected": data.get("headcount", 0), "changed": data.get("jobs_changed", 0),
                     "removed": data.get("jobs_removed", 0), "created": data.get("jobs_created", 0)},
            "occupations": [{"isco08": o["isco08"], "headcount": o["headcount"], "removed": o.get("removed", 0)}
                            for o in data.get("occupations", [])],
            "suspension_recommended": filing.suspension_recommended, "updated_at": updated})
    return {"schema": FEED_SCHEMA, "schema_version": FEED_VERSION, "generated_at": utcnow(),
            "licence": "CC BY 4.0", "items": items}


def federation_rows(*, session: Session, actor: User, status: str = "", risk: str = "", eu: str = "",
                    sector: str = "") -> list[dict]:
    """The register as rows (for the federation's list and its CSV/XLSX export)."""
    query = list_query(session=session, actor=actor, status=status, risk=risk, eu=eu, sector=sector)
    filings = list(session.execute(query).scalars())
    enterprises = {e.id: e for e in session.execute(select(Enterprise).where(
        Enterprise.id.in_({f.enterprise_id for f in filings}))).scalars()} if filings else {}
    rows = []
    for filing in filings:
        enterprise = enterprises[filing.enterprise_id]
        data = data_of(filing)
        rows.append({"reference": filing.reference, "name": filing.name,
                     "enterprise": i18n.localized(enterprise, "name"),
                     "bin": enterprise.bin, "sector": enterprise.sector_code, "region": enterprise.region_kato,
                     "status": filing.status, "risk_kz": filing.risk_kz, "eu_category": filing.eu_category,
                     "areas": ",".join(data["areas"]), "headcount": data.get("headcount", 0),
                     "jobs_removed": data.get("jobs_removed", 0), "jobs_created": data.get("jobs_created", 0),
                     "version": filing.current_version, "decided_on": filing.decided_on,
                     "suspension_recommended": filing.suspension_recommended, "id": filing.id})
    return rows
