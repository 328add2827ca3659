"""The course catalogue: content/courses.yaml (real course content, with sources) into the database."""

from __future__ import annotations

from pathlib import Path

import yaml
from sqlalchemy import select
from sqlalchemy.orm import Session

from qorgau.core.errors import ValidationFailed
from qorgau.core.i18n_markers import N_
from qorgau.training.models import Course, Lesson, Question, Track

CONTENT = Path(__file__).resolve().parent / "content" / "courses.yaml"
LANGS = ("kk", "ru", "en")


def _three(value: dict, where: str) -> dict:
    if not isinstance(value, dict) or any(not str(value.get(lang, "")).strip() for lang in LANGS):
        raise ValidationFailed(N_("Text is missing in one of the languages: %(where)s."), field=where,
                               params={"where": where})
    return {lang: str(value[lang]).strip() for lang in LANGS}


def read(path: Path = CONTENT) -> list[dict]:
    """The courses of a content file, checked: every text in kk, ru and en, answers within the options."""
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    for c, course in enumerate(data):
        where = f"courses[{c}]"
        Track(course["track"])
        _three(course["title"], f"{where}.title")
        _three(course["summary"], f"{where}.summary")
        for i, item in enumerate(course["outline"]):
            _three(item, f"{where}.outline[{i}]")
        for lesson_index, lesson in enumerate(course["lessons"]):
            lw = f"{where}.lessons[{lesson_index}]"
            _three(lesson["title"], f"{lw}.title")
            _three(lesson["body"], f"{lw}.body")
            for q, question in enumerate(lesson.get("questions", [])):
                qw = f"{lw}.questions[{q}]"
                _three(question["text"], f"{qw}.text")
                for o, option in enumerate(question["options"]):
                    _three(option, f"{qw}.options[{o}]")
                if not question["correct"] or any(not 0 <= k < len(question["options"]) for k in question["correct"]):
                    raise ValidationFailed(N_("A right answer points outside the options: %(where)s."),
                                           field=qw, params={"where": qw})
    return data


def load(session: Session, path: Path = CONTENT) -> list[Course]:
    """Add the courses that are not there yet (by key); a course already loaded is left as it is, so
    enrolments and progress keep pointing at the lessons they were made on."""
    out = []
    for item in read(path):
        existing = session.execute(select(Course).where(Course.key == item["key"])).scalar_one_or_none()
        if existing is not None:
            out.append(existing)
            continue
        course = Course(key=item["key"], track=item["track"], hours=item["hours"], valid_years=item["valid_years"],
                        inspector_cycle=item["inspector_cycle"], pass_mark=item["pass_mark"],
                        sources=item["sources"].strip(), outline=[_three(o, "outline") for o in item["outline"]],
                        published=True,
                        **{f"title_{lang}": item["title"][lang] for lang in LANGS},
                        **{f"summary_{lang}": item["summary"][lang].strip() for lang in LANGS})
        session.add(course)
        session.flush()
        for position, lesson_item in enumerate(item["lessons"], start=1):
            alt = lesson_item.get("image_alt") or {lang: "" for lang in LANGS}
            lesson = Lesson(course_id=course.id, position=position, image=lesson_item.get("image", ""),
                            **{f"title_{lang}": lesson_item["title"][lang] for lang in LANGS},
                            **{f"body_{lang}": lesson_item["body"][lang].strip() for lang in LANGS},
                            **{f"image_alt_{lang}": alt.get(lang, "") for lang in LANGS})
            session.add(lesson)
            session.flush()
            for number, question in enumerate(lesson_item.get("questions", []), start=1):
                session.add(Question(lesson_id=lesson.id, position=number, options=question["options"],
                                     correct=sorted(question["correct"]),
                                     **{f"text_{lang}": question["text"][lang] for lang in LANGS}))
        session.flush()
        out.append(course)
    return out
