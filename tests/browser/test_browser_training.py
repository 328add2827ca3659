"""An inspector on a phone reads the Technical Inspectors School's lessons, passes the quizzes, gets a
certificate, and its code verifies on the public check page (a wrong code does not)."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect
from sqlalchemy import create_engine, select
from sqlalchemy.orm import Session

pytestmark = pytest.mark.browser


def _school(url: str):
    from qorgau.core.models import User
    from qorgau.training.models import Course, Enrolment

    engine = create_engine(url)
    with Session(engine) as db:
        course = db.execute(select(Course).where(Course.key == "inspectors-school")).scalar_one()
        user = db.execute(select(User).where(User.username == "inspector")).scalar_one()
        enrolment = db.execute(select(Enrolment).where(Enrolment.user_id == user.id,
                                                       Enrolment.course_id == course.id)).scalar_one()
        lessons = [(lesson.id, [(q.id, list(q.correct)) for q in lesson.questions]) for lesson in course.lessons]
    engine.dispose()
    return enrolment.id, lessons


def _fits(page) -> None:
    assert page.evaluate("document.documentElement.scrollWidth") <= 360


def test_inspector_completes_the_school_and_the_certificate_verifies(served, phone):
    base, url = served
    enrolment_id, lessons = _school(url)
    phone.goto(base + "/login")
    phone.get_by_label("Имя пользователя").fill("inspector")
    phone.get_by_label("Пароль").fill("inspector-demo-2026")
    phone.get_by_role("button", name="Войти").click()
    phone.goto(base + "/training/")
    expect(phone.locator("#my-courses")).to_contain_text("Школа технических инспекторов")
    _fits(phone)
    phone.locator("#my-courses a", has_text="Школа технических инспекторов").click()
    expect(phone.locator("h1")).to_have_text("Школа технических инспекторов")

    for number, (lesson_id, questions) in enumerate(lessons):
        phone.goto(f"{base}/training/enrolments/{enrolment_id}/lessons/{lesson_id}")
        _fits(phone)
        if number == 0:
            # One wrong attempt first: graded on the server, not passed, the quiz stays open.
            phone.locator("#lesson-read").click()
            for question_id, correct in questions:
                wrong = next(i for i in range(5) if i not in correct)
                phone.locator(f"#q{question_id}-{wrong}").check()
            phone.locator("#quiz-submit").click()
            expect(phone.locator("#quiz-result")).to_contain_text("Не сдано")
        else:
            phone.locator("#lesson-read").click()
        expect(phone.locator("#quiz")).to_be_visible()
        for question_id, correct in questions:
            for index in range(5):
                box = phone.locator(f"#q{question_id}-{index}")
                if box.count() and box.get_attribute("type") == "checkbox" and box.is_checked() and index not in correct:
                    box.uncheck()
            for index in correct:
                phone.locator(f"#q{question_id}-{index}").check()
        phone.locator("#quiz-submit").click()
        expect(phone.locator("#quiz-result")).to_contain_text("Сдано")
        _fits(phone)

    expect(phone.locator("#quiz-result")).to_contain_text("сертификат готов")
    phone.get_by_role("link", name="Открыть сертификат").click()
    code = phone.locator("#certificate-code").inner_text().strip()
    assert len(code) == 14
    pdf = phone.request.get(base + phone.locator("a", has_text="Скачать сертификат").get_attribute("href"))
    assert pdf.ok and pdf.body().startswith(b"%PDF")

    # The code verifies on the public page, signed out, as anyone would check it.
    checker = phone.context.browser.new_context(viewport={"width": 360, "height": 740}, locale="kk-KZ")
    public = checker.new_page()
    public.goto(base + "/verify")
    public.locator("#f-code").fill(code.lower().replace("-", " "))
    public.locator("form[role=search] button[type=submit]").click()
    expect(public.locator("#verify-result")).to_have_attribute("data-state", "current")
    expect(public.locator("dl.facts")).to_contain_text("Ерлан Жақсыбеков")
    _fits(public)
    wrong = code[:-1] + ("0" if code[-1] != "0" else "1")
    public.locator("#f-code").fill(wrong)
    public.locator("form[role=search] button[type=submit]").click()
    expect(public.locator("#verify-result")).to_have_attribute("data-state", "unknown")
    checker.close()


@pytest.mark.parametrize("role", ["inspector", "officer", None], ids=lambda r: r or "anonymous")
def test_training_pages_fit_a_phone_and_pass_axe(served, browser, role):
    """The training and check pages through the crawl's checks (360 and 1366 px, kk and ru, axe-core)."""
    from qorgau.core.documents import IssuedDocument, format_code
    from qorgau.training.models import Completion
    from tests.browser.crawl import crawl
    from tests.conftest import PASSWORDS

    base, url = served
    enrolment_id, lessons = _school(url)
    engine = create_engine(url)
    with Session(engine) as db:
        course_id = db.execute(select(Completion.course_id).limit(1)).scalar()
        code = db.execute(select(IssuedDocument.code).limit(1)).scalar()
    engine.dispose()
    paths = ["/verify", f"/verify/{format_code(code)}", "/verify/0000-0000-0000"]
    if role is not None:
        paths += ["/training/", f"/training/courses/{course_id}", "/training/gaps", "/training/manage"]
    if role == "inspector":
        paths += [f"/training/enrolments/{enrolment_id}", f"/training/enrolments/{enrolment_id}/lessons/{lessons[0][0]}"]
    problems, visited = crawl(browser, base, paths, role, PASSWORDS.get(role or ""))
    assert visited >= 3
    assert not problems, "\n".join(problems[:40])


def _sign_in(page, base: str, username: str) -> None:
    from qorgau.app.demo import DEMO_USERS

    page.goto(base + "/login")
    page.get_by_label("Имя пользователя").fill(username)
    page.get_by_label("Пароль").fill(next(password for name, _role, password, *_ in DEMO_USERS if name == username))
    page.get_by_role("button", name="Войти").click()
    page.wait_for_url(lambda address: "/login" not in address)


def test_an_author_attaches_a_video_and_the_inspector_plays_it_on_a_phone(served, phone, browser, tmp_path):
    from tests.browser.conftest import PHONE
    from tests.training.test_lesson_video import _clip

    base, url = served
    enrolment_id, lessons = _school(url)
    lesson_id = lessons[0][0]
    clip = tmp_path / "clip.mp4"
    clip.write_bytes(_clip(2.0))

    # the federation's course author, on a phone, attaches the clip to the first lesson
    _sign_in(phone, base, "federation")
    engine = create_engine(url)
    with Session(engine) as db:
        from qorgau.training.models import Lesson

        course_id = db.get(Lesson, lesson_id).course_id
    engine.dispose()
    phone.goto(f"{base}/training/courses/{course_id}")
    assert phone.locator(f"#video-{lesson_id}").bounding_box()["height"] >= 43.5  # a thumb-sized control
    phone.locator(f"#video-{lesson_id}").set_input_files(str(clip))
    phone.locator(f"#lesson-{lesson_id}").get_by_role("button", name="Прикрепить видео").click()
    phone.wait_for_url(f"**/training/courses/{course_id}#lesson-{lesson_id}")
    expect(phone.locator(f"#lesson-{lesson_id} .badge").filter(has_text="видео")).to_be_visible()
    _fits(phone)

    # the inspector, on another phone, opens the lesson: the player loads the re-encoded clip
    context = browser.new_context(viewport=PHONE, device_scale_factor=2, is_mobile=True, has_touch=True,
                                  locale="ru-RU")
    inspector = context.new_page()
    _sign_in(inspector, base, "inspector")
    inspector.goto(f"{base}/training/enrolments/{enrolment_id}/lessons/{lesson_id}")
    player = inspector.locator("video#lesson-video")
    expect(player).to_have_attribute("controls", "")
    inspector.wait_for_function("document.querySelector('#lesson-video').readyState >= 1", timeout=20_000)
    duration = inspector.evaluate("document.querySelector('#lesson-video').duration")
    assert 1.8 <= duration <= 2.2
    assert player.bounding_box()["width"] <= 360
    _fits(inspector)
    context.close()
