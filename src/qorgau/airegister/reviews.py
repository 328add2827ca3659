"""The union's review: comments, questions and the employer's answers, and overrides of the automatic
classification."""

from __future__ import annotations

from sqlalchemy.orm import Session

from qorgau.airegister import classify as rules
from qorgau.airegister import steps
from qorgau.airegister.filings import refresh_summary, require_filer
from qorgau.airegister.models import IN_REVIEW, Comment, Filing, Override
from qorgau.airegister.reading import data_of, get
from qorgau.core import policy
from qorgau.core.errors import ValidationFailed
from qorgau.core.i18n_markers import N_
from qorgau.core.models import User


def comment(*, session: Session, actor: User, filing_id: int, kind: str, body: str,
            answers_id: int | None = None) -> Comment:
    """Union members comment and ask; the employer answers questions in the record."""
    filing = get(session=session, actor=actor, filing_id=filing_id)
    body = body.strip()
    if len(body) < 2:
        raise ValidationFailed(N_("Write something."), field="body")
    if kind == "answer":
        require_filer(session, actor, filing)
        question = session.get(Comment, answers_id) if answers_id else None
        if question is None or question.filing_id != filing.id or question.kind != "question":
            raise ValidationFailed(N_("Choose the question you answer."), field="answers_id")
    elif kind in ("comment", "question"):
        if not (policy.allowed(actor, "aiwork.review") or policy.allowed(actor, "aiwork.vote")):
            policy.require(actor, "aiwork.review")
        if filing.status not in IN_REVIEW and kind == "question":
            raise ValidationFailed(N_("Questions can be asked while the filing is under review."), field="kind")
        answers_id = None
    else:
        raise ValidationFailed(N_("Unknown kind."), field="kind")
    item = Comment(filing_id=filing.id, kind=kind, answers_id=answers_id, author_id=actor.id, body=body,
                   version_number=filing.current_version)
    session.add(item)
    session.flush()
    session.expire(filing, ["comments"])
    steps.log(session, filing, actor, kind, comment_id=item.id)
    if kind == "question":
        steps.tell(session, steps.employers(session, filing.enterprise_id), filing, "question",
              N_("%(ref)s %(name)s: the union asked a question"))
    elif kind == "answer":
        steps.tell(session, steps.officers(session, filing.union_org_id), filing, "answer",
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
    refresh_summary(filing, data_of(filing))
    steps.log(session, filing, actor, "override", dimension=dimension, automatic=before, value=value,
           reason=reason.strip())
    session.flush()
    return item
