"""Training centre logic: catalogue, enrolment, lessons and server-graded quizzes, completion with a
certificate, gaps in inspectors' and committee members' training, reminders."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta

from sqlalchemy import Select, and_, func, or_, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from qorgau.core import audit, documents, i18n, limits, media, policy
from qorgau.core.db import utcnow
from qorgau.core.errors import Conflict, Forbidden, NotFound, ValidationFailed
from qorgau.core.i18n_markers import N_
from qorgau.core.models import Notification, User
from qorgau.registry import access
from qorgau.registry.models import Enterprise, SafetyCommittee, TechnicalInspector
from qorgau.training import cycle
from qorgau.training.models import (
    ENROLMENT_FLOW,
    Completion,
    Course,
    Enrolment,
    EnrolmentStatus,
    InspectorGap,
    LearnerRole,
    Lesson,
    LessonProgress,
    LessonVideo,
    Question,
)
from qorgau.training.schemas import EnrolIn

CERTIFICATE_KIND = "training_certificate"
REMIND_BEFORE_DAYS = 60  # inspectors hear that their cycle ends this many days ahead
REMIND_EVERY_DAYS = 30  # and not more often than this


# ---------------------------------------------------------------- catalogue

def courses(*, session: Session, actor: User, track: str = "") -> list[Course]:
    policy.require(actor, "training.read")
    query = select(Course).where(Course.published.is_(True)).order_by(Course.track, Course.id)
    if track:
        query = query.where(Course.track == track)
    return list(session.execute(query).scalars())


def course(*, session: Session, actor: User, course_id: int) -> Course:
    policy.require(actor, "training.read")
    found = session.get(Course, course_id)
    if found is None or not found.published:
        raise NotFound(N_("Not found."))
    return found


def lesson_of(course_row: Course, lesson_id: int) -> Lesson:
    for lesson in course_row.lessons:
        if lesson.id == lesson_id:
            return lesson
    raise NotFound(N_("Not found."))


# ---------------------------------------------------------------- lesson videos

VIDEO_MAX_BYTES = 100 * 1024 * 1024  # as uploaded; the clip's length is capped by core.media (MAX_SECONDS)
VIDEO_MAX_SECONDS = media.MAX_SECONDS


def attach_video(*, session: Session, actor: User, course_id: int, lesson_id: int, data: bytes) -> LessonVideo:
    """Attach a video to a lesson (replacing any earlier one), re-encoded as Worker Speaks re-encodes
    recordings: decoded and encoded again from its pixels and samples, so no metadata of the file survives.
    CPU work: called from plain `def` routes, never on the event loop."""
    policy.require(actor, "training.author")
    lesson = lesson_of(course(session=session, actor=actor, course_id=course_id), lesson_id)
    if not data:
        raise ValidationFailed(N_("Choose a video file."), field="video")
    if len(data) > VIDEO_MAX_BYTES:
        raise limits.LimitExceeded(N_("The upload is larger than %(n)s MB."), field="video",
                                   params={"n": VIDEO_MAX_BYTES // (1024 * 1024)})
    if limits.image_size(data) is not None:
        raise ValidationFailed(N_("A lesson video must be a video file, not a picture."), field="video")
    try:
        content, media_type = media.clean_recording(data)
    except ValidationFailed as error:
        error.field = "video"  # the reason is media's own (unreadable, too long, not a recording)
        raise
    if media_type != "video/mp4":
        raise ValidationFailed(N_("A lesson video must have a picture; this file has sound only."), field="video")
    video = lesson.video
    if video is None:
        video = LessonVideo(lesson_id=lesson.id, content=content, media_type=media_type, size=len(content),
                            uploaded_by_id=actor.id)
        session.add(video)
    else:
        video.content, video.media_type, video.size = content, media_type, len(content)
        video.uploaded_by_id, video.uploaded_at = actor.id, utcnow()
    session.flush()
    audit.record(session, action="attach_video", object_type="training_lesson", object_id=lesson.id,
                 after={"bytes_uploaded": len(data), "bytes_stored": len(content), "media_type": media_type})
    return video


def lesson_video(*, session: Session, actor: User, lesson_id: int) -> LessonVideo:
    """A lesson's video, for anyone who may read the (published) course."""
    policy.require(actor, "training.read")
    video = session.execute(select(LessonVideo).where(LessonVideo.lesson_id == lesson_id)).scalar_one_or_none()
    if video is None or not video.lesson.course.published:
        raise NotFound(N_("Not found."))
    return video


def paragraphs(text: str) -> list[dict]:
    """Lesson text as blocks: {"kind": "p", "text"} or {"kind": "ul", "items"} (no HTML in content)."""
    blocks: list[dict] = []
    for chunk in (text or "").replace("\r\n", "\n").split("\n\n"):
        lines = [line.strip() for line in chunk.strip().split("\n") if line.strip()]
        if not lines:
            continue
        if all(line.startswith("- ") for line in lines):
            blocks.append({"kind": "ul", "items": [line[2:] for line in lines]})
        else:
            blocks.append({"kind": "p", "text": " ".join(lines)})
    return blocks


# ---------------------------------------------------------------- enrolment

def _side(actor: User) -> str:
    if policy.allowed(actor, "training.enrol_union"):
        return "union"
    if policy.allowed(actor, "training.enrol_employer"):
        return "employer"
    raise Forbidden(N_("You do not have permission to do this."))


def enrol(*, session: Session, actor: User, enrol_in: EnrolIn) -> Enrolment:
    """Put a person on a course: the union (officers) or the employer (safety managers) of that enterprise."""
    side = _side(actor)
    access.require_enterprise(session, actor, "training.read", enrol_in.enterprise_id)
    found = session.get(Course, enrol_in.course_id)
    if found is None or not found.published:
        raise ValidationFailed(N_("Unknown course."), field="course_id")
    name = enrol_in.person_name.strip()
    if enrol_in.user_id is not None:
        learner = session.get(User, enrol_in.user_id)
        if learner is None or not learner.is_active:
            raise ValidationFailed(N_("Unknown user."), field="user_id")
        if learner.scope_kind == "enterprise" and learner.scope_enterprise_id != enrol_in.enterprise_id:
            raise ValidationFailed(N_("This user works at another enterprise."), field="user_id")
        name = name or learner.full_name or learner.username
        open_one = session.execute(select(Enrolment.id).where(
            Enrolment.user_id == learner.id, Enrolment.course_id == found.id,
            Enrolment.status.in_([EnrolmentStatus.enrolled, EnrolmentStatus.in_progress]))).first()
        if open_one is not None:
            raise Conflict(N_("This person is already enrolled on this course."), field="user_id")
    if len(name) < 3:
        raise ValidationFailed(N_("Give the person's full name."), field="person_name")
    if enrol_in.due_on is not None and enrol_in.due_on < utcnow().date():
        raise ValidationFailed(N_("The due date is in the past."), field="due_on")
    enrolment = Enrolment(course_id=found.id, enterprise_id=enrol_in.enterprise_id, user_id=enrol_in.user_id,
                          person_name=name[:200], role=enrol_in.role, enrolled_by=side, enrolled_by_user_id=actor.id,
                          status=EnrolmentStatus.enrolled, due_on=enrol_in.due_on, created_at=utcnow())
    session.add(enrolment)
    session.flush()
    if enrol_in.user_id is not None:
        from qorgau.core.notify import notify

        learner = session.get(User, enrol_in.user_id)
        language = learner.locale if learner.locale in i18n.LOCALES else "ru"
        notify(session, user=learner, kind="training.enrolled",
               title=N_("You are enrolled on a course: %(course)s"),
               params={"course": getattr(found, "title_" + language)},
               link=f"/training/enrolments/{enrolment.id}")
    return enrolment


def withdraw(*, session: Session, actor: User, enrolment_id: int) -> Enrolment:
    enrolment = _managed(session, actor, enrolment_id)
    enrolment.status = ENROLMENT_FLOW.move(enrolment.status, EnrolmentStatus.withdrawn)
    session.flush()
    return enrolment


def _managed(session: Session, actor: User, enrolment_id: int) -> Enrolment:
    enrolment = session.get(Enrolment, enrolment_id)
    if enrolment is None:
        raise NotFound(N_("Not found."))
    _side(actor)
    access.require_enterprise(session, actor, "training.read", enrolment.enterprise_id)
    return enrolment


def enrolment_for(*, session: Session, actor: User, enrolment_id: int) -> Enrolment:
    """The learner's own enrolment, or one in scope of whoever manages training there."""
    enrolment = session.get(Enrolment, enrolment_id)
    if enrolment is None:
        raise NotFound(N_("Not found."))
    policy.require(actor, "training.read")
    if enrolment.user_id == actor.id:
        return enrolment
    if policy.allowed(actor, "training.report"):
        access.require_enterprise(session, actor, "training.report", enrolment.enterprise_id)
        return enrolment
    raise NotFound(N_("Not found."))


def _own(session: Session, actor: User, enrolment_id: int) -> Enrolment:
    enrolment = session.get(Enrolment, enrolment_id)
    policy.require(actor, "training.read")
    if enrolment is None or enrolment.user_id != actor.id:
        raise NotFound(N_("Not found."))
    if enrolment.status == EnrolmentStatus.withdrawn:
        raise Conflict(N_("This enrolment was withdrawn."))
    return enrolment


def my_enrolments(*, session: Session, actor: User) -> list[Enrolment]:
    policy.require(actor, "training.read")
    return list(session.execute(select(Enrolment).where(Enrolment.user_id == actor.id)
                                .order_by(Enrolment.status == EnrolmentStatus.completed, Enrolment.created_at.desc()))
                .scalars())


def enrolments_query(*, session: Session, actor: User, enterprise_id: int | None = None, course_id: int | None = None,
                     status: str = "") -> Select:
    policy.require(actor, "training.report")
    query = (select(Enrolment).where(access.scoped(session, actor, Enrolment.enterprise_id))
             .order_by(Enrolment.created_at.desc(), Enrolment.id.desc()))
    if enterprise_id:
        query = query.where(Enrolment.enterprise_id == enterprise_id)
    if course_id:
        query = query.where(Enrolment.course_id == course_id)
    if status:
        query = query.where(Enrolment.status == ENROLMENT_FLOW.parse(status))
    return query


def progress_of(session: Session, enrolment: Enrolment) -> dict[int, LessonProgress]:
    return {p.lesson_id: p for p in session.execute(
        select(LessonProgress).where(LessonProgress.enrolment_id == enrolment.id)).scalars()}


def _progress_row(session: Session, enrolment: Enrolment, lesson: Lesson) -> LessonProgress:
    row = session.execute(select(LessonProgress).where(LessonProgress.enrolment_id == enrolment.id,
                                                       LessonProgress.lesson_id == lesson.id)).scalar_one_or_none()
    if row is None:
        try:
            with session.begin_nested():
                row = LessonProgress(enrolment_id=enrolment.id, lesson_id=lesson.id, attempts=0, passed=False)
                session.add(row)
        except IntegrityError:  # the same lesson opened twice at once
            row = session.execute(select(LessonProgress).where(LessonProgress.enrolment_id == enrolment.id,
                                                               LessonProgress.lesson_id == lesson.id)).scalar_one()
    return row


def summary(session: Session, enrolment: Enrolment) -> dict:
    """Lessons done (read, and quiz passed where there is one) out of all, as the phone page shows it."""
    lessons = enrolment.course.lessons
    progress = progress_of(session, enrolment)
    done = sum(1 for lesson in lessons if _lesson_done(lesson, progress.get(lesson.id)))
    return {"done": done, "total": len(lessons), "share": done / len(lessons) if lessons else 0.0}


def _lesson_done(lesson: Lesson, row: LessonProgress | None) -> bool:
    return row is not None and row.read_at is not None and (row.passed or not lesson.questions)


def read_lesson(*, session: Session, actor: User, enrolment_id: int, lesson_id: int) -> LessonProgress:
    """The learner opened a lesson and read it through."""
    enrolment = _own(session, actor, enrolment_id)
    lesson = lesson_of(enrolment.course, lesson_id)
    row = _progress_row(session, enrolment, lesson)
    if row.read_at is None:
        row.read_at = utcnow()
    if enrolment.status == EnrolmentStatus.enrolled:
        enrolment.status = ENROLMENT_FLOW.move(enrolment.status, EnrolmentStatus.in_progress)
    session.flush()
    return row


@dataclass
class QuizResult:
    score: int  # percent right in this attempt
    passed: bool
    pass_mark: int
    wrong: list[int]  # ids of the questions answered wrongly (the right answers are not given away)
    attempts: int
    completion: Completion | None  # set when this answer finished the course


def answer_quiz(*, session: Session, actor: User, enrolment_id: int, lesson_id: int,
                answers: dict[int, list[int]], public_url: str) -> QuizResult:
    """Grade a lesson's quiz on the server. Every question must be answered; the best attempt counts."""
    enrolment = _own(session, actor, enrolment_id)
    if enrolment.status == EnrolmentStatus.completed:
        raise Conflict(N_("This course is already completed."))
    lesson = lesson_of(enrolment.course, lesson_id)
    if not lesson.questions:
        raise ValidationFailed(N_("This lesson has no quiz."), field="answers")
    right, wrong = 0, []
    for question in lesson.questions:
        chosen = answers.get(question.id)
        if not chosen:
            raise ValidationFailed(N_("Answer every question (question %(number)s is unanswered)."),
                                   field=f"q{question.id}", params={"number": question.position})
        if any(not 0 <= index < len(question.options) for index in chosen):
            raise ValidationFailed(N_("Unknown answer option."), field=f"q{question.id}")
        if sorted(set(chosen)) == sorted(question.correct):
            right += 1
        else:
            wrong.append(question.id)
    unknown = set(answers) - {q.id for q in lesson.questions}
    if unknown:
        raise ValidationFailed(N_("Unknown question."), field=f"q{min(unknown)}")
    score = round(100 * right / len(lesson.questions))
    passed = score >= enrolment.course.pass_mark
    row = _progress_row(session, enrolment, lesson)
    row.read_at = row.read_at or utcnow()
    row.attempts += 1
    row.score = max(row.score or 0, score)
    row.passed = row.passed or passed
    if enrolment.status == EnrolmentStatus.enrolled:
        enrolment.status = ENROLMENT_FLOW.move(enrolment.status, EnrolmentStatus.in_progress)
    session.flush()
    audit.record(session, action="training_quiz_answered", object_type="training_enrolment", object_id=enrolment.id,
                 after={"lesson_id": lesson.id, "score": score, "passed": passed, "attempt": row.attempts})
    completion = _complete_if_done(session, actor, enrolment, public_url)
    return QuizResult(score, passed, enrolment.course.pass_mark, wrong, row.attempts, completion)


def finish(*, session: Session, actor: User, enrolment_id: int, public_url: str) -> Completion:
    """Complete a course whose lessons are all done (for courses whose last lesson has no quiz)."""
    enrolment = _own(session, actor, enrolment_id)
    existing = session.execute(select(Completion).where(Completion.enrolment_id == enrolment.id)).scalar_one_or_none()
    if existing is not None:
        return existing
    completion = _complete_if_done(session, actor, enrolment, public_url)
    if completion is None:
        raise Conflict(N_("Finish every lesson and pass its quiz first."))
    return completion


def _complete_if_done(session: Session, actor: User, enrolment: Enrolment, public_url: str) -> Completion | None:
    progress = progress_of(session, enrolment)
    lessons = enrolment.course.lessons
    if not lessons or not all(_lesson_done(lesson, progress.get(lesson.id)) for lesson in lessons):
        return None
    course_row = enrolment.course
    today = utcnow().date()
    scores = [progress[lesson.id].score for lesson in lessons if lesson.questions and progress[lesson.id].score is not None]
    valid_until = cycle.add_years(today, course_row.valid_years) if course_row.valid_years else None
    inspector_id = None
    if course_row.inspector_cycle:
        inspector_id = _inspector_of(session, enrolment)
    completion = Completion(course_id=course_row.id, enrolment_id=enrolment.id, enterprise_id=enrolment.enterprise_id,
                            user_id=enrolment.user_id, inspector_id=inspector_id, person_name=enrolment.person_name,
                            title=course_row.title_ru, completed_on=today, valid_until=valid_until,
                            inspector_cycle=course_row.inspector_cycle, source="platform",
                            score=round(sum(scores) / len(scores)) if scores else None)
    session.add(completion)
    enrolment.status = ENROLMENT_FLOW.move(enrolment.status, EnrolmentStatus.completed)
    enrolment.completed_at = utcnow()
    session.flush()
    completion.document_id = issue_certificate(session, completion=completion, course_row=course_row,
                                               language=i18n.get_locale(), public_url=public_url,
                                               issued_by=f"user:{actor.username}").id
    session.flush()
    audit.record(session, action="training_completed", object_type="training_completion", object_id=completion.id,
                 after={"course": course_row.key, "enrolment_id": enrolment.id, "valid_until":
                        valid_until.isoformat() if valid_until else None})
    return completion


def _inspector_of(session: Session, enrolment: Enrolment) -> int | None:
    """The learner's row in the inspectors' registry at this enterprise (in office today), if any."""
    if enrolment.user_id is None:
        return None
    today = utcnow().date()
    return session.execute(select(TechnicalInspector.id).where(
        TechnicalInspector.user_id == enrolment.user_id, TechnicalInspector.enterprise_id == enrolment.enterprise_id,
        or_(TechnicalInspector.ended_on.is_(None), TechnicalInspector.ended_on > today))
        .order_by(TechnicalInspector.id)).scalar()


def issue_certificate(session: Session, *, completion: Completion, course_row: Course, language: str,
                      public_url: str, issued_by: str) -> documents.IssuedDocument:
    enterprise = session.get(Enterprise, completion.enterprise_id)
    with i18n.locale_context(language):
        enterprise_name = i18n.localized(enterprise, "name") if enterprise is not None else ""
        title = i18n.translate(N_("Training certificate"), "training")
    issued = documents.issue(
        session, kind=CERTIFICATE_KIND, title=f"{title}: {getattr(course_row, 'title_' + language)}",
        subject=completion.person_name, template="training/certificate.html", language=language,
        public_url=public_url, valid_until=completion.valid_until, enterprise_id=completion.enterprise_id,
        object_type="training_completion", object_id=str(completion.id), issued_by=issued_by,
        context={"completion": completion, "course": course_row, "enterprise_name": enterprise_name,
                 "course_title": getattr(course_row, "title_" + language), "outline": [
                     item.get(language) or item.get("ru", "") for item in course_row.outline]})
    return issued.document


def certificate(*, session: Session, actor: User, completion_id: int) -> tuple[Completion, documents.IssuedDocument]:
    completion = session.get(Completion, completion_id)
    if completion is None or completion.document_id is None:
        raise NotFound(N_("Not found."))
    policy.require(actor, "training.read")
    if completion.user_id != actor.id:
        access.require_enterprise(session, actor, "training.report", completion.enterprise_id)
    document = session.get(documents.IssuedDocument, completion.document_id)
    if document is None:
        raise NotFound(N_("Not found."))
    return completion, document


def completion_of(session: Session, enrolment: Enrolment) -> Completion | None:
    return session.execute(select(Completion).where(Completion.enrolment_id == enrolment.id)).scalar_one_or_none()


# ---------------------------------------------------------------- gaps and reminders

def _active_inspectors(today: date):
    return and_(TechnicalInspector.appointed_on <= today,
                or_(TechnicalInspector.ended_on.is_(None), TechnicalInspector.ended_on > today))


def inspector_gaps(*, session: Session, actor: User, today: date | None = None, enterprise_id: int | None = None,
                   limit: int = 1000) -> list[dict]:
    """Inspectors in office whose cycle training is missing or out of date, oldest first."""
    policy.require(actor, "training.report")
    today = today or utcnow().date()
    latest = cycle.latest_by_inspector().subquery()
    query = (select(TechnicalInspector, latest.c.trained_on, latest.c.valid_until)
             .outerjoin(latest, latest.c.inspector_id == TechnicalInspector.id)
             .where(_active_inspectors(today), access.scoped(session, actor, TechnicalInspector.enterprise_id),
                    or_(latest.c.valid_until.is_(None), latest.c.valid_until < today))
             .order_by(latest.c.valid_until.is_not(None), latest.c.valid_until, TechnicalInspector.id).limit(limit))
    if enterprise_id:
        query = query.where(TechnicalInspector.enterprise_id == enterprise_id)
    return [{"inspector_id": inspector.id, "enterprise_id": inspector.enterprise_id, "full_name": inspector.full_name,
             "unit": inspector.unit, "trained_on": trained_on, "valid_until": valid_until,
             "state": InspectorGap.missing if trained_on is None else InspectorGap.expired}
            for inspector, trained_on, valid_until in session.execute(query).all()]


def gaps(*, session: Session, actor: User, by: str, today: date | None = None) -> list[dict]:
    """By enterprise, region or sector: inspectors in office with training in date, expired and missing;
    committee members (seats) against committee members trained on a course still in date."""
    policy.require(actor, "training.report")
    if by not in ("enterprise", "region", "sector"):
        raise ValidationFailed(N_("Unknown grouping."), field="by")
    today = today or utcnow().date()
    latest = cycle.latest_by_inspector().subquery()
    inspectors = session.execute(
        select(TechnicalInspector.enterprise_id, latest.c.valid_until)
        .outerjoin(latest, latest.c.inspector_id == TechnicalInspector.id)
        .where(_active_inspectors(today), access.scoped(session, actor, TechnicalInspector.enterprise_id))).all()
    seats = dict(session.execute(select(SafetyCommittee.enterprise_id, func.sum(SafetyCommittee.members))
                                 .where(access.scoped(session, actor, SafetyCommittee.enterprise_id))
                                 .group_by(SafetyCommittee.enterprise_id)).tuples().all())
    committee_trained = dict(session.execute(
        select(Completion.enterprise_id, func.count(func.distinct(Completion.person_name)))
        .join(Enrolment, Enrolment.id == Completion.enrolment_id)
        .where(Enrolment.role == LearnerRole.committee, or_(Completion.valid_until.is_(None), Completion.valid_until >= today),
               access.scoped(session, actor, Completion.enterprise_id))
        .group_by(Completion.enterprise_id)).tuples().all())
    enterprise_ids = {row[0] for row in inspectors} | set(seats)
    keys = dict(session.execute(select(Enterprise.id, {"enterprise": Enterprise.id, "region": Enterprise.region_kato,
                                                       "sector": Enterprise.sector_code}[by])
                                .where(Enterprise.id.in_(enterprise_ids) if enterprise_ids else Enterprise.id < 0))
                .tuples().all()) if enterprise_ids else {}
    groups: dict = defaultdict(lambda: {"enterprises": set(), "inspectors": 0, "in_date": 0, "expired": 0,
                                        "missing": 0, "committee_seats": 0, "committee_trained": 0})
    for enterprise_id, valid_until in inspectors:
        g = groups[keys[enterprise_id]]
        g["enterprises"].add(enterprise_id)
        g["inspectors"] += 1
        if valid_until is None:
            g["missing"] += 1
        elif valid_until < today:
            g["expired"] += 1
        else:
            g["in_date"] += 1
    for enterprise_id, members in seats.items():
        g = groups[keys[enterprise_id]]
        g["enterprises"].add(enterprise_id)
        g["committee_seats"] += int(members or 0)
        g["committee_trained"] += min(int(members or 0), committee_trained.get(enterprise_id, 0))
    out = []
    for group, g in groups.items():
        gap = g["expired"] + g["missing"]
        out.append({"group": group, "enterprises": len(g["enterprises"]), "inspectors": g["inspectors"],
                    "in_date": g["in_date"], "expired": g["expired"], "missing": g["missing"],
                    "inspector_gap_share": gap / g["inspectors"] if g["inspectors"] else None,
                    "committee_seats": g["committee_seats"], "committee_trained": g["committee_trained"],
                    "committee_untrained": g["committee_seats"] - g["committee_trained"]})
    return sorted(out, key=lambda r: (-(r["expired"] + r["missing"] + r["committee_untrained"]), str(r["group"])))


def remind(session: Session, today: date | None = None) -> dict:
    """Tell inspectors (with an account) whose cycle training ends within two months or has ended, and
    learners whose course is due within a week or overdue. At most one reminder per person per month."""
    from qorgau.core.notify import notify
    today = today or utcnow().date()
    since = datetime.combine(today - timedelta(days=REMIND_EVERY_DAYS), time(0, 0), tzinfo=UTC)
    reminded = set(session.execute(select(Notification.user_id).where(
        Notification.kind.in_(["training.cycle_due", "training.course_due"]),
        Notification.created_at >= since)).scalars())
    latest = cycle.latest_by_inspector().subquery()
    rows = session.execute(
        select(TechnicalInspector.user_id, latest.c.valid_until)
        .outerjoin(latest, latest.c.inspector_id == TechnicalInspector.id)
        .where(_active_inspectors(today), TechnicalInspector.user_id.is_not(None),
               or_(latest.c.valid_until.is_(None),
                   latest.c.valid_until <= today + timedelta(days=REMIND_BEFORE_DAYS)))).all()
    cycle_sent = course_sent = 0
    for user_id, valid_until in rows:
        user = session.get(User, user_id)
        if user is None or not user.is_active or user.id in reminded:
            continue
        notify(session, user=user, kind="training.cycle_due",
               title=N_("Your periodic safety training is due by %(day)s") if valid_until and valid_until >= today
               else N_("Your periodic safety training is overdue"),
               params={"day": valid_until.isoformat() if valid_until else ""}, link="/training")
        reminded.add(user.id)
        cycle_sent += 1
    due = session.execute(select(Enrolment).where(
        Enrolment.user_id.is_not(None), Enrolment.due_on.is_not(None),
        Enrolment.due_on <= today + timedelta(days=7),
        Enrolment.status.in_([EnrolmentStatus.enrolled, EnrolmentStatus.in_progress]))).scalars().all()
    for enrolment in due:
        user = session.get(User, enrolment.user_id)
        if user is None or not user.is_active or user.id in reminded:
            continue
        notify(session, user=user, kind="training.course_due", title=N_("Finish your course by %(day)s"),
               params={"day": enrolment.due_on.isoformat()}, link=f"/training/enrolments/{enrolment.id}")
        reminded.add(user.id)
        course_sent += 1
    audit.record(session, action="training_reminders_sent", object_type="training_completion",
                 after={"cycle": cycle_sent, "courses": course_sent, "day": today.isoformat()})
    return {"cycle": cycle_sent, "courses": course_sent}


def completions_query(*, session: Session, actor: User, enterprise_id: int | None = None) -> Select:
    policy.require(actor, "training.report")
    query = (select(Completion).where(access.scoped(session, actor, Completion.enterprise_id))
             .order_by(Completion.completed_on.desc(), Completion.id.desc()))
    if enterprise_id:
        query = query.where(Completion.enterprise_id == enterprise_id)
    return query


def question_view(question: Question, locale: str) -> dict:
    """A question as the learner sees it: no right answers."""
    return {"id": question.id, "position": question.position, "text": getattr(question, "text_" + locale),
            "multiple": len(question.correct) > 1,
            "options": [option.get(locale) or option.get("ru", "") for option in question.options]}


# ---------------------------------------------------------------- coverage for the Safety Index

def coverage_for_enterprises(*, session: Session, on: date) -> dict[int, float]:
    """Per enterprise, the percentage of the people who must be trained that hold training in date on `on`.

    Who must be trained, on `on`: every technical inspector in office in the inspectors' registry
    (appointed on or before `on`, not ended by then) and every seat of the enterprise's safety committees
    established on or before `on` (the registry of committees holds seats, not names).
    Who counts as trained: an inspector with a cycle training (`inspector_cycle`) completed on or before
    `on` and valid on `on` (valid_until on or after it); for committee seats, the distinct people who
    finished a course on a committee enrolment at the enterprise on or before `on`, valid on `on` (a
    course without an end of validity stays valid), at most as many as there are seats.
    Value = 100 x (inspectors trained + committee members trained) / (inspectors + seats).
    An enterprise with nobody required has no value (absent, not 0 or 100). No permission check: the
    Safety Index reads it for every enterprise, as it reads the other packages' counts.
    """
    valid = and_(Completion.completed_on <= on, Completion.valid_until.is_not(None), Completion.valid_until >= on)
    trained_inspector = (select(Completion.id).where(Completion.inspector_id == TechnicalInspector.id,
                                                     Completion.inspector_cycle.is_(True), valid)
                         .correlate(TechnicalInspector).exists())
    inspectors = session.execute(
        select(TechnicalInspector.enterprise_id, func.count(), func.count().filter(trained_inspector))
        .where(_active_inspectors(on)).group_by(TechnicalInspector.enterprise_id)).tuples().all()
    seats = dict(session.execute(
        select(SafetyCommittee.enterprise_id, func.sum(SafetyCommittee.members))
        .where(SafetyCommittee.established_on <= on, SafetyCommittee.members > 0)
        .group_by(SafetyCommittee.enterprise_id)).tuples().all())
    committee_trained = dict(session.execute(
        select(Completion.enterprise_id, func.count(func.distinct(Completion.person_name)))
        .join(Enrolment, Enrolment.id == Completion.enrolment_id)
        .where(Enrolment.role == LearnerRole.committee, Completion.completed_on <= on,
               or_(Completion.valid_until.is_(None), Completion.valid_until >= on))
        .group_by(Completion.enterprise_id)).tuples().all())
    required: dict[int, int] = defaultdict(int)
    trained: dict[int, int] = defaultdict(int)
    for enterprise_id, total, in_date in inspectors:
        required[enterprise_id] += int(total)
        trained[enterprise_id] += int(in_date or 0)
    for enterprise_id, members in seats.items():
        members = int(members or 0)
        required[enterprise_id] += members
        trained[enterprise_id] += min(members, int(committee_trained.get(enterprise_id, 0)))
    return {enterprise_id: 100.0 * trained[enterprise_id] / total
            for enterprise_id, total in required.items() if total > 0}


# ---- what the pages show ------------------------------------------------------------------------------


def certificate_document(session: Session, completion: Completion | None) -> documents.IssuedDocument | None:
    """The certificate issued for a completion, if any."""
    if completion is None or not completion.document_id:
        return None
    return session.get(documents.IssuedDocument, completion.document_id)


def enrolments(*, session: Session, actor: User, enterprise_id: int | None = None, status: str = "",
               limit: int = 50_000) -> list[Enrolment]:
    query = enrolments_query(session=session, actor=actor, enterprise_id=enterprise_id, status=status)
    return list(session.execute(query.limit(limit)).scalars())


def enterprise_choices(*, session: Session, actor: User, limit: int = 300) -> list[Enterprise]:
    """Enterprises in the actor's scope one may enrol people of (by name)."""
    return list(session.execute(select(Enterprise).where(access.enterprise_scope(session, actor))
                                .order_by(Enterprise.name_ru).limit(limit)).scalars())


def learners(session: Session, limit: int = 300) -> list[User]:
    """Active accounts that may be enrolled by name (by name)."""
    return list(session.execute(select(User).where(User.is_active.is_(True)).order_by(User.full_name)
                                .limit(limit)).scalars())


# ---- the inspectors' training cycle, as the inspectors' registry reads it --------------------------------
# The published interface of `training.cycle` for other packages: the deviations package keeps the
# registry of technical inspectors and records and shows their periodic training through these.


def record_inspector_training(session: Session, *, inspector_id: int, enterprise_id: int, person_name: str,
                              trained_on: date, title: str = "", user_id: int | None = None) -> Completion:
    """A training done outside the platform (a paper certificate), entered in the inspectors' registry."""
    return cycle.record(session, inspector_id=inspector_id, enterprise_id=enterprise_id, person_name=person_name,
                        trained_on=trained_on, title=title, user_id=user_id)


def record_inspector_trainings(session: Session, rows: list[dict]) -> None:
    """Bulk form of `record_inspector_training` (demo data, imports): rows with inspector_id, enterprise_id,
    person_name, trained_on and title."""
    cycle.record_many(session, rows)


def inspectors_last_trained(session: Session, inspector_ids: list[int]) -> dict[int, date]:
    """Inspector id -> the day of their latest training that counts for the three-year cycle."""
    return cycle.last_trained(session, inspector_ids)


def inspector_training_due(trained_on: date | None, today: date) -> bool:
    """True when the inspector has no training on record or the last one is past its three years."""
    return cycle.due(trained_on, today)


def latest_inspector_training() -> Select:
    """A query (inspector_id, trained_on, valid_until) of each inspector's latest cycle training, to join on."""
    return cycle.latest_by_inspector()


def inspector_training_in_date(valid_until_column, today: date):
    """The condition that a cycle training's end of validity (a column of `latest_inspector_training`) has
    not passed on `today`."""
    return cycle.in_date(valid_until_column, today)
