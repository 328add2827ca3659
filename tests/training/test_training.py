"""Training end to end: enrolment by the union, lessons and server-graded quizzes, completion with a
certificate, the inspectors' three-year cycle read by the registry, gaps, reminders, scope."""

from __future__ import annotations

from datetime import date, timedelta

from sqlalchemy import select


def _school(session):
    from qorgau.training.models import Course

    return session.execute(select(Course).where(Course.key == "inspectors-school")).scalar_one()


def _user(session, name):
    from qorgau.core.models import User

    return session.execute(select(User).where(User.username == name)).scalar_one()


def _answers(lesson, right=True):
    out = {}
    for q in lesson.questions:
        out[str(q.id)] = list(q.correct) if right else [next(i for i in range(len(q.options)) if i not in q.correct)]
    return out


def test_inspector_finishes_the_school_and_the_registry_sees_the_training(sign_in, session):
    from qorgau.core import documents
    from qorgau.core.models import AuditEntry
    from qorgau.deviations import people
    from qorgau.registry.models import TechnicalInspector
    from qorgau.training.models import Completion, Enrolment

    inspector_user = _user(session, "inspector")
    school = _school(session)
    enrolment = session.execute(select(Enrolment).where(Enrolment.user_id == inspector_user.id,
                                                        Enrolment.course_id == school.id)).scalar_one()
    registry_row = session.execute(select(TechnicalInspector).where(
        TechnicalInspector.user_id == inspector_user.id)).scalar_one()
    today = date.today()
    assert people.training_due(people.last_trained(session, [registry_row]).get(registry_row.id), today)

    inspector = sign_in("inspector")
    mine = inspector.get("/api/v1/training/enrolments/mine").json()
    assert any(p["enrolment"]["id"] == enrolment.id and p["done"] == 0 for p in mine)
    lessons = school.lessons
    lesson = inspector.get(f"/api/v1/training/courses/{school.id}/lessons/{lessons[0].id}?lang=kk").json()
    assert lesson["title"] == lessons[0].title_kk and "correct" not in str(lesson["questions"])
    # Unanswered question: a clear error naming it, nothing recorded.
    partial = inspector.post(f"/api/v1/training/enrolments/{enrolment.id}/lessons/{lessons[0].id}/quiz",
                             json={"answers": {str(lessons[0].questions[0].id): [0]}})
    assert partial.status_code == 422 and partial.json()["error"]["field"] == f"q{lessons[0].questions[1].id}"
    wrong = inspector.post(f"/api/v1/training/enrolments/{enrolment.id}/lessons/{lessons[0].id}/quiz",
                           json={"answers": _answers(lessons[0], right=False)}).json()
    assert wrong["passed"] is False and wrong["score"] == 0 and len(wrong["wrong"]) == len(lessons[0].questions)
    for lesson in lessons:
        assert inspector.post(f"/api/v1/training/enrolments/{enrolment.id}/lessons/{lesson.id}/read").status_code == 200
        result = inspector.post(f"/api/v1/training/enrolments/{enrolment.id}/lessons/{lesson.id}/quiz",
                                json={"answers": _answers(lesson)}).json()
        assert result["passed"] and result["score"] == 100
    assert result["completed"] and result["certificate_code"]
    session.expire_all()
    completion = session.get(Completion, result["completion_id"])
    assert completion.inspector_id == registry_row.id and completion.inspector_cycle
    assert completion.valid_until == today.replace(year=today.year + 3)
    # The registry reads the new training: no longer due.
    assert people.last_trained(session, [registry_row])[registry_row.id] == today
    assert not people.training_due(today, today)
    page = sign_in("officer").get("/deviations/people")
    assert page.status_code == 200
    # The certificate downloads as a PDF and its code verifies publicly.
    pdf = inspector.get(f"/training/completions/{completion.id}/certificate.pdf")
    assert pdf.status_code == 200 and pdf.content.startswith(b"%PDF")
    assert documents.check(session, result["certificate_code"])["state"] == "current"
    # Another enterprise's employer cannot fetch it.
    assert sign_in("employer").get(f"/api/v1/training/completions/{completion.id}/certificate.pdf").status_code in (200, 404)
    # A finished course takes no more answers; everything is audited.
    again = inspector.post(f"/api/v1/training/enrolments/{enrolment.id}/lessons/{lessons[0].id}/quiz",
                           json={"answers": _answers(lessons[0])})
    assert again.status_code == 409
    actions = set(session.execute(select(AuditEntry.action).where(
        AuditEntry.object_type.in_(["training_completion", "training_enrolment", "core_document"]))).scalars())
    assert {"training_completed", "training_quiz_answered", "document_issued"} <= actions


def test_enrolment_by_union_and_employer_is_scoped(sign_in, session):
    from qorgau.registry.models import Enterprise

    officer, employer, inspector = sign_in("officer"), sign_in("employer"), sign_in("inspector")
    courses = officer.get("/api/v1/training/courses?lang=ru").json()
    basics = next(c for c in courses if c["key"] == "osh-basics")
    employer_user = _user(session, "employer")
    mine = employer_user.scope_enterprise_id
    made = employer.post("/api/v1/training/enrolments", json={"course_id": basics["id"], "enterprise_id": mine,
                                                              "person_name": "Ахметова Г.К.", "role": "committee"})
    assert made.status_code == 201 and made.json()["enrolled_by"] == "employer"
    other = session.execute(select(Enterprise.id).where(Enterprise.id != mine).limit(1)).scalar()
    outside = employer.post("/api/v1/training/enrolments", json={"course_id": basics["id"], "enterprise_id": other,
                                                                 "person_name": "Ким А.А."})
    assert outside.status_code == 404
    assert inspector.post("/api/v1/training/enrolments", json={"course_id": basics["id"], "enterprise_id": mine,
                                                               "person_name": "Ким А.А."}).status_code == 403
    by_union = officer.post("/api/v1/training/enrolments", json={
        "course_id": basics["id"], "enterprise_id": mine, "user_id": _user(session, "inspector").id,
        "role": "inspector", "due_on": (date.today() + timedelta(days=20)).isoformat()})
    assert by_union.status_code == 201 and by_union.json()["enrolled_by"] == "union"
    assert by_union.json()["person_name"] == _user(session, "inspector").full_name
    twice = officer.post("/api/v1/training/enrolments", json={
        "course_id": basics["id"], "enterprise_id": mine, "user_id": _user(session, "inspector").id})
    assert twice.status_code == 409
    assert employer.post("/api/v1/training/enrolments", json={"course_id": basics["id"], "enterprise_id": mine,
                                                              "person_name": "Ким", "due_on": "2001-01-01"}
                         ).status_code == 422
    listed = employer.get("/api/v1/training/enrolments").json()
    assert listed and all(e["enterprise_id"] == mine for e in listed)
    # The learner sees a notification and the new course in "my courses"; others cannot open it.
    assert any(p["enrolment"]["id"] == by_union.json()["id"] for p in inspector.get("/api/v1/training/enrolments/mine").json())
    assert sign_in("analyst").get(f"/api/v1/training/enrolments/{made.json()['id']}").status_code == 200
    # Exports.
    csv = officer.get("/training/manage?fmt=csv")
    assert csv.status_code == 200 and "Ахметова" in csv.content.decode("utf-8-sig")


def test_gaps_reminders_and_the_migrated_cycle(sign_in, session):
    from qorgau.core.models import Notification
    from qorgau.training import service

    officer = sign_in("officer")
    rows = officer.get("/api/v1/training/gaps?by=region").json()
    assert rows and all(r["in_date"] + r["expired"] + r["missing"] == r["inspectors"] for r in rows)
    assert sum(r["missing"] + r["expired"] for r in rows) > 0
    people = officer.get("/api/v1/training/gaps/inspectors").json()
    assert people and {p["state"] for p in people} <= {"missing", "expired"}
    xlsx = officer.get("/api/v1/training/gaps/inspectors?fmt=xlsx")
    assert xlsx.status_code == 200 and xlsx.content[:2] == b"PK"
    assert officer.get("/training/gaps?by=sector").status_code == 200
    assert officer.get("/api/v1/training/gaps?by=planet").status_code == 422
    assert sign_in("inspector").get("/api/v1/training/gaps").status_code == 403
    # Reminders: the demo inspector's cycle has run out, so they hear once, and not twice in a month.
    inspector = _user(session, "inspector")
    first = service.remind(session)
    session.commit()
    assert first["cycle"] >= 1
    assert session.execute(select(Notification).where(Notification.user_id == inspector.id,
                                                      Notification.kind == "training.cycle_due")).scalars().first()
    assert service.remind(session)["cycle"] == 0


def test_registering_an_inspector_with_a_past_training_records_it_in_the_training_centre(sign_in, session):
    from qorgau.registry.models import TechnicalInspector
    from qorgau.training.models import Completion

    officer = sign_in("officer")
    enterprise_id = 1
    trained = date.today() - timedelta(days=400)
    response = officer.post("/deviations/people/inspectors", data={
        "enterprise_id": str(enterprise_id), "full_name": "Тұрсынов Мұрат", "unit": "Цех 4",
        "appointed_on": (date.today() - timedelta(days=500)).isoformat(), "trained_on": trained.isoformat(),
        "training": "Школа технических инспекторов"}, follow_redirects=False)
    assert response.status_code == 303, response.text[:500]
    row = session.execute(select(TechnicalInspector).where(TechnicalInspector.full_name == "Тұрсынов Мұрат")).scalar_one()
    completion = session.execute(select(Completion).where(Completion.inspector_id == row.id)).scalar_one()
    assert completion.completed_on == trained and completion.source == "recorded" and completion.inspector_cycle
    assert completion.valid_until == trained.replace(year=trained.year + 3)


def test_old_registry_dates_move_to_training_completions_in_the_migration(tmp_path):
    """An inspectors' registry with trained_on dates, upgraded: each becomes a cycle completion."""
    from alembic import command
    from sqlalchemy import create_engine, text

    from qorgau.core.migrate import alembic_config

    url = f"sqlite:///{tmp_path / 'old.db'}"
    config = alembic_config(url)
    command.upgrade(config, "deviations_0001")
    command.upgrade(config, "training_0001")
    engine = create_engine(url)
    with engine.begin() as db:
        # (This plain SQLite connection does not enforce foreign keys: the enterprise needs no region row.)
        db.execute(text("INSERT INTO registry_enterprise (id, bin, name_en, name_kk, name_ru, region_kato, town, "
                        "sector_code, headcount, has_union, collective_agreement, safety_committee, created_at, "
                        "updated_at) VALUES (1, '000000000000', 'E', 'E', 'E', '75', '', 'C', 10, 1, 0, 0, "
                        "'2026-01-01 00:00:00', '2026-01-01 00:00:00')"))
        db.execute(text("INSERT INTO deviations_inspector (id, enterprise_id, full_name, unit, appointed_on, trained_on, "
                        "training) VALUES (1, 1, 'Иванов', '1', '2020-01-01', '2024-02-29', 'Курс 40 ч'), "
                        "(2, 1, 'Петров', '2', '2020-01-01', NULL, '')"))
    command.upgrade(config, "heads")
    with engine.begin() as db:
        rows = db.execute(text("SELECT inspector_id, completed_on, valid_until, title, source, inspector_cycle "
                               "FROM training_completion")).all()
        columns = [r[1] for r in db.execute(text("PRAGMA table_info(deviations_inspector)")).all()]
    assert rows == [(1, "2024-02-29", "2027-02-28", "Курс 40 ч", "recorded", 1)]
    assert "trained_on" not in columns and "training" not in columns


def test_pages_in_each_language(sign_in, session):
    school = _school(session)
    officer, inspector = sign_in("officer"), sign_in("inspector")
    for lang, title in (("kk", school.title_kk), ("ru", school.title_ru), ("en", school.title_en)):
        catalogue = inspector.get(f"/training/?lang={lang}")
        assert catalogue.status_code == 200 and title in catalogue.text
        course = inspector.get(f"/training/courses/{school.id}?lang={lang}")
        assert course.status_code == 200 and school.lessons[0].__getattribute__("title_" + lang) in course.text
        assert "ILO" in course.text  # the sources are named
    manage = officer.get("/training/manage?lang=kk")
    assert manage.status_code == 200 and "Адамды курсқа жазу" in manage.text
    gaps = officer.get("/training/gaps?lang=ru&by=enterprise")
    assert gaps.status_code == 200 and "Пробелы в обучении" in gaps.text
    home = officer.get("/?lang=ru")
    assert "Инспекторы без действующего обучения" in home.text
    assert sign_in("employer").get("/training/gaps").status_code == 200
    assert inspector.get("/training/manage").status_code == 403
