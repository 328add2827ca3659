"""JSON routes of the training centre under /api/v1/training."""

from __future__ import annotations

from datetime import date

from fastapi import APIRouter, Depends, File, Query, Request, UploadFile
from fastapi.responses import Response
from sqlalchemy.orm import Session

from qorgau.core import documents, i18n
from qorgau.core.deps import get_db, require_user, writer
from qorgau.core.errors import ValidationFailed
from qorgau.core.i18n_markers import N_
from qorgau.core.models import User
from qorgau.core.pagination import PageParams, page_params, paginate
from qorgau.core.tabular import XLSX_MEDIA_TYPE, download
from qorgau.core.types import IdPath
from qorgau.training import service
from qorgau.training.models import Course
from qorgau.training.schemas import (
    AnswersIn,
    CompletionOut,
    CourseOut,
    EnrolIn,
    EnrolmentOut,
    GapRow,
    LessonOut,
    ProgressOut,
    QuizResultOut,
)

router = APIRouter()


def public_url(request: Request) -> str:
    return documents.public_base(request)


def course_out(course: Course, locale: str) -> dict:
    return {"id": course.id, "key": course.key, "track": course.track, "title": getattr(course, "title_" + locale),
            "summary": getattr(course, "summary_" + locale),
            "outline": [item.get(locale) or item.get("ru", "") for item in course.outline], "hours": course.hours,
            "valid_years": course.valid_years, "inspector_cycle": course.inspector_cycle,
            "pass_mark": course.pass_mark, "sources": course.sources,
            "lessons": [{"id": lesson.id, "position": lesson.position, "title": getattr(lesson, "title_" + locale),
                         "quiz": bool(lesson.questions)} for lesson in course.lessons]}


@router.get("/courses", response_model=list[CourseOut])
def list_courses(track: str = Query("", max_length=16), db: Session = Depends(get_db),
                 user: User = Depends(require_user)):
    """The catalogue in the request's language (kk, ru or en)."""
    locale = i18n.get_locale()
    return [course_out(c, locale) for c in service.courses(session=db, actor=user, track=track)]


@router.get("/courses/{course_id}/lessons/{lesson_id}", response_model=LessonOut)
def get_lesson(course_id: IdPath, lesson_id: IdPath, db: Session = Depends(get_db), user: User = Depends(require_user)):
    """A lesson's text and its quiz questions (without the answers)."""
    locale = i18n.get_locale()
    lesson = service.lesson_of(service.course(session=db, actor=user, course_id=course_id), lesson_id)
    return {"id": lesson.id, "position": lesson.position, "title": getattr(lesson, "title_" + locale),
            "blocks": service.paragraphs(getattr(lesson, "body_" + locale)), "image": lesson.image,
            "image_alt": getattr(lesson, "image_alt_" + locale),
            "questions": [service.question_view(q, locale) for q in lesson.questions]}


@router.post("/courses/{course_id}/lessons/{lesson_id}/video", status_code=201)
def upload_lesson_video(course_id: IdPath, lesson_id: IdPath, file: UploadFile = File(...),
                        db: Session = Depends(get_db), user: User = Depends(writer)):
    """Attach a video to a lesson (course authors of the federation): re-encoded to H.264 + AAC in MP4 from
    its pixels and samples, at most 60 seconds; replaces an earlier one."""
    video = service.attach_video(session=db, actor=user, course_id=course_id, lesson_id=lesson_id,
                                 data=file.file.read(service.VIDEO_MAX_BYTES + 1))
    db.commit()
    return {"lesson_id": video.lesson_id, "media_type": video.media_type, "size": video.size}


@router.get("/lessons/{lesson_id}/video", response_class=Response, responses={200: {"content": {"video/mp4": {}}}})
def get_lesson_video(lesson_id: IdPath, db: Session = Depends(get_db), user: User = Depends(require_user)):
    """The lesson's re-encoded clip."""
    video = service.lesson_video(session=db, actor=user, lesson_id=lesson_id)
    return Response(video.content, media_type=video.media_type)


@router.post("/enrolments", response_model=EnrolmentOut, status_code=201)
def enrol(body: EnrolIn, db: Session = Depends(get_db), user: User = Depends(writer)):
    """Enrol a person (the union or the employer of their enterprise)."""
    enrolment = service.enrol(session=db, actor=user, enrol_in=body)
    db.commit()
    return enrolment


@router.get("/enrolments/mine", response_model=list[ProgressOut])
def mine(db: Session = Depends(get_db), user: User = Depends(require_user)):
    """Your own courses with progress."""
    out = []
    for enrolment in service.my_enrolments(session=db, actor=user):
        out.append(_progress(db, enrolment))
    return out


def _progress(db: Session, enrolment) -> dict:
    completion = service.completion_of(db, enrolment)
    document = service.certificate_document(db, completion)
    return {"enrolment": enrolment, **{k: v for k, v in service.summary(db, enrolment).items() if k != "share"},
            "completion_id": completion.id if completion else None,
            "certificate_code": documents.format_code(document.code) if document else None}


@router.get("/enrolments", response_model=list[EnrolmentOut])
def list_enrolments(enterprise_id: int | None = Query(None, ge=1, le=2_147_483_647),
                    course_id: int | None = Query(None, ge=1, le=2_147_483_647),
                    status: str = Query("", max_length=16), params: PageParams = Depends(page_params),
                    db: Session = Depends(get_db), user: User = Depends(require_user)):
    """Enrolments in your scope."""
    query = service.enrolments_query(session=db, actor=user, enterprise_id=enterprise_id, course_id=course_id,
                                     status=status)
    return paginate(db, query, params).items


@router.get("/enrolments/{enrolment_id}", response_model=ProgressOut)
def get_enrolment(enrolment_id: IdPath, db: Session = Depends(get_db), user: User = Depends(require_user)):
    return _progress(db, service.enrolment_for(session=db, actor=user, enrolment_id=enrolment_id))


@router.post("/enrolments/{enrolment_id}/withdraw", response_model=EnrolmentOut)
def withdraw(enrolment_id: IdPath, db: Session = Depends(get_db), user: User = Depends(writer)):
    enrolment = service.withdraw(session=db, actor=user, enrolment_id=enrolment_id)
    db.commit()
    return enrolment


@router.post("/enrolments/{enrolment_id}/lessons/{lesson_id}/read", response_model=ProgressOut)
def read(enrolment_id: IdPath, lesson_id: IdPath, db: Session = Depends(get_db), user: User = Depends(writer)):
    """Mark a lesson read (your own enrolment)."""
    service.read_lesson(session=db, actor=user, enrolment_id=enrolment_id, lesson_id=lesson_id)
    enrolment = service.enrolment_for(session=db, actor=user, enrolment_id=enrolment_id)
    out = _progress(db, enrolment)
    db.commit()
    return out


def parse_answers(raw: dict[str, list[int]]) -> dict[int, list[int]]:
    answers: dict[int, list[int]] = {}
    for key, chosen in raw.items():
        if not key.isdigit() or not 0 < int(key) <= 2_147_483_647:
            raise ValidationFailed(N_("Unknown question."), field=f"answers.{key[:20]}")
        answers[int(key)] = list(chosen)
    return answers


@router.post("/enrolments/{enrolment_id}/lessons/{lesson_id}/quiz", response_model=QuizResultOut)
def quiz(enrolment_id: IdPath, lesson_id: IdPath, body: AnswersIn, request: Request, db: Session = Depends(get_db),
         user: User = Depends(writer)):
    """Answer a lesson's quiz; graded here. When it finishes the course, the certificate is issued."""
    result = service.answer_quiz(session=db, actor=user, enrolment_id=enrolment_id, lesson_id=lesson_id,
                                 answers=parse_answers(body.answers), public_url=public_url(request))
    out = _quiz_out(db, result)
    db.commit()
    return out


def _quiz_out(db: Session, result: service.QuizResult) -> dict:
    document = service.certificate_document(db, result.completion)
    code = documents.format_code(document.code) if document else None
    return {"score": result.score, "passed": result.passed, "pass_mark": result.pass_mark, "wrong": result.wrong,
            "attempts": result.attempts, "completed": result.completion is not None,
            "completion_id": result.completion.id if result.completion else None, "certificate_code": code}


@router.get("/completions", response_model=list[CompletionOut])
def completions(enterprise_id: int | None = Query(None, ge=1, le=2_147_483_647),
                params: PageParams = Depends(page_params), db: Session = Depends(get_db),
                user: User = Depends(require_user)):
    """Completed trainings in your scope (platform courses and recorded paper certificates)."""
    return paginate(db, service.completions_query(session=db, actor=user, enterprise_id=enterprise_id), params).items


@router.get("/completions/{completion_id}/certificate.pdf", responses={200: {"content": {"application/pdf": {}}}})
def certificate(completion_id: IdPath, db: Session = Depends(get_db), user: User = Depends(require_user)):
    """The certificate PDF (the learner's own, or one in your scope)."""
    completion, document = service.certificate(session=db, actor=user, completion_id=completion_id)
    return documents.pdf_response(document, f"certificate-{documents.format_code(document.code)}.pdf")


@router.get("/gaps", response_model=list[GapRow])
def gaps(by: str = Query("region", max_length=16), day: date | None = Query(None), db: Session = Depends(get_db),
         user: User = Depends(require_user)):
    """Inspectors in office with training in date, expired or missing, and committee seats without
    training, by enterprise, region or sector."""
    return service.gaps(session=db, actor=user, by=by, today=day)


@router.get("/gaps/inspectors", responses={200: {"content": {"application/json": {}, "text/csv": {},
                                                               XLSX_MEDIA_TYPE: {}}}})
def inspector_gaps(enterprise_id: int | None = Query(None, ge=1, le=2_147_483_647),
                   fmt: str = Query("json", pattern="^(json|csv|xlsx)$"), db: Session = Depends(get_db),
                   user: User = Depends(require_user)):
    """Inspectors whose cycle training is missing or expired; `fmt=csv|xlsx` downloads the list."""
    rows = service.inspector_gaps(session=db, actor=user, enterprise_id=enterprise_id)
    if fmt == "json":
        return rows
    header = ["inspector_id", "enterprise_id", "full_name", "unit", "trained_on", "valid_until", "state"]
    return download(header, [[r[k] for k in header] for r in rows], fmt, "training-gaps", "Training gaps")
