"""Demo training: the real course catalogue, and synthetic enrolments and completions at the demo
enterprises (the people and dates are invented; the courses are real content with their sources).

The inspectors' registry (deviations demo) has already put each inspector's last paper-recorded training
into training completions; here some inspectors and committee members are enrolled on platform courses,
some finish them (with certificates), and the demo inspector account is tied to an inspector whose
three-year training has run out and is enrolled on the Technical Inspectors School."""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from qorgau.core.db import utcnow
from qorgau.registry.models import SafetyCommittee, TechnicalInspector
from qorgau.training import catalogue, cycle
from qorgau.training.models import Completion, Enrolment, EnrolmentStatus, LearnerRole, LessonProgress

DEMO_PUBLIC_URL = "http://127.0.0.1:8000"  # `qorgau serve`'s default address: where the demo's QR codes point
CERTIFICATES = 6  # platform completions with a PDF (rendering takes a moment each)
PEOPLE = ["Абдрахманов Т.С.", "Ким Е.В.", "Сейтқали А.Н.", "Павленко Р.О.", "Жұмабек Д.Қ.", "Исаева Л.М.",
          "Орынбасар Н.Т.", "Григорьев В.А.", "Мұхтарова Г.Б.", "Байжанов Ә.Е."]


def generate(session: Session, ctx) -> None:
    rng = ctx.rng("training")
    courses = {c.key: c for c in catalogue.load(session)}
    today = utcnow().date()
    school = courses["inspectors-school"]
    unionised = [e for e in ctx.enterprises if e.has_union]
    inspectors = session.execute(select(TechnicalInspector).where(TechnicalInspector.ended_on.is_(None))
                                 .order_by(TechnicalInspector.id)).scalars().all()
    by_enterprise: dict[int, list] = {}
    for inspector in inspectors:
        by_enterprise.setdefault(inspector.enterprise_id, []).append(inspector)
    trained = cycle.last_trained(session, [i.id for i in inspectors])
    certificates = 0

    def enrol(enterprise_id: int, course, name: str, role: str, side: str, days_ago: int, user_id=None) -> Enrolment:
        created = datetime.combine(today - timedelta(days=days_ago), time(9, 0), tzinfo=UTC)
        enrolment = Enrolment(course_id=course.id, enterprise_id=enterprise_id, user_id=user_id, person_name=name,
                              role=role, enrolled_by=side, status=EnrolmentStatus.enrolled, created_at=created,
                              due_on=today + timedelta(days=rng.randint(10, 90)))
        session.add(enrolment)
        session.flush()
        return enrolment

    def progress(enrolment: Enrolment, course, lessons_done: int, finish: bool) -> None:
        nonlocal certificates
        for lesson in course.lessons[:lessons_done]:
            session.add(LessonProgress(enrolment_id=enrolment.id, lesson_id=lesson.id,
                                       read_at=enrolment.created_at + timedelta(days=1), attempts=1,
                                       score=rng.choice((80, 100, 100)) if lesson.questions else None,
                                       passed=bool(lesson.questions)))
        if lessons_done:
            enrolment.status = EnrolmentStatus.in_progress
        if not finish:
            return
        done_on = (enrolment.created_at + timedelta(days=rng.randint(3, 20))).date()
        done_on = min(done_on, today)
        enrolment.status = EnrolmentStatus.completed
        enrolment.completed_at = datetime.combine(done_on, time(16, 0), tzinfo=UTC)
        enrolment.due_on = None
        inspector_id = None
        if course.inspector_cycle and enrolment.role == LearnerRole.inspector:
            inspector_id = next((i.id for i in by_enterprise.get(enrolment.enterprise_id, [])
                                 if i.full_name == enrolment.person_name), None)
        completion = Completion(course_id=course.id, enrolment_id=enrolment.id, enterprise_id=enrolment.enterprise_id,
                                user_id=enrolment.user_id, inspector_id=inspector_id, person_name=enrolment.person_name,
                                title=course.title_ru, completed_on=done_on,
                                valid_until=cycle.add_years(done_on, course.valid_years) if course.valid_years else None,
                                inspector_cycle=course.inspector_cycle, source="platform", score=rng.choice((85, 90, 100)))
        session.add(completion)
        session.flush()
        if certificates < CERTIFICATES:
            from qorgau.training.service import issue_certificate

            completion.document_id = issue_certificate(session, completion=completion, course_row=course,
                                                       language=rng.choice(("kk", "ru")), public_url=DEMO_PUBLIC_URL,
                                                       issued_by="system:demo").id
            certificates += 1

    for enterprise in unionised:
        staff = by_enterprise.get(enterprise.id, [])
        # Inspectors whose cycle has run out (or was never recorded) go to the school; a third have finished it.
        due = [i for i in staff if cycle.due(trained.get(i.id), today)]
        for inspector in due[: rng.randint(0, 3)]:
            enrolment = enrol(enterprise.id, school, inspector.full_name, LearnerRole.inspector, "union", rng.randint(5, 120))
            roll = rng.random()
            progress(enrolment, school, len(school.lessons) if roll < 0.35 else rng.randint(0, 2), roll < 0.35)
        if enterprise.safety_committee and rng.random() < 0.6:
            members = session.execute(select(SafetyCommittee.members).where(SafetyCommittee.enterprise_id == enterprise.id)
                                      ).scalars().first() or 4
            for n in range(rng.randint(1, max(1, members // 2))):
                enrolment = enrol(enterprise.id, courses["risk-assessment"], PEOPLE[(enterprise.id + n) % len(PEOPLE)],
                                  LearnerRole.committee, rng.choice(("union", "employer")), rng.randint(10, 300))
                roll = rng.random()
                progress(enrolment, enrolment.course, 2 if roll < 0.5 else rng.randint(0, 1), roll < 0.5)
        if rng.random() < 0.3:
            course = courses[rng.choice(("osh-basics", "safety-mentoring", "digital-ai", "young-leaders"))]
            for n in range(rng.randint(2, 6)):
                enrolment = enrol(enterprise.id, course, PEOPLE[(enterprise.id * 3 + n) % len(PEOPLE)],
                                  LearnerRole.leader if course.key == "young-leaders" else LearnerRole.worker,
                                  rng.choice(("union", "employer")), rng.randint(5, 200))
                roll = rng.random()
                progress(enrolment, course, len(course.lessons) if roll < 0.4 else rng.randint(0, 1), roll < 0.4)

    # The demo inspector account: an inspector at the smelter whose three-year training has run out,
    # enrolled by the union on the Technical Inspectors School (the browser test finishes it).
    account = ctx.users.get("inspector")
    if account is not None and account.scope_enterprise_id:
        staff = by_enterprise.get(account.scope_enterprise_id, [])
        mine = next((i for i in staff if cycle.due(trained.get(i.id), today)), staff[0] if staff else None)
        if mine is None:
            mine = TechnicalInspector(enterprise_id=account.scope_enterprise_id, full_name=account.full_name,
                                      unit="1", appointed_on=today - timedelta(days=2000))
            session.add(mine)
        mine.user_id = account.id
        mine.full_name = account.full_name
        session.flush()
        officer = ctx.users.get("officer")
        enrolment = Enrolment(course_id=school.id, enterprise_id=account.scope_enterprise_id, user_id=account.id,
                              person_name=account.full_name, role=LearnerRole.inspector, enrolled_by="union",
                              enrolled_by_user_id=officer.id if officer is not None else None,
                              status=EnrolmentStatus.enrolled, created_at=utcnow() - timedelta(days=3),
                              due_on=today + timedelta(days=30))
        session.add(enrolment)
        basics = enrol(account.scope_enterprise_id, courses["osh-basics"], account.full_name, LearnerRole.inspector, "employer",
                       400, user_id=account.id)
        progress(basics, courses["osh-basics"], len(courses["osh-basics"].lessons), True)
    session.flush()
