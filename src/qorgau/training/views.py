"""Training pages: the catalogue and my courses, a lesson with its quiz on a phone, the certificate,
enrolment by the union or the employer, gaps in inspectors' and committee members' training."""

from __future__ import annotations

import re
from datetime import date

from fastapi import APIRouter, Depends, File, Form, Query, Request, UploadFile
from fastapi.responses import RedirectResponse, Response
from pydantic import ValidationError
from sqlalchemy.orm import Session
from starlette.datastructures import FormData

from qorgau.core import documents, forms, i18n, policy
from qorgau.core.db import utcnow
from qorgau.core.deps import form_data, get_db, require_user
from qorgau.core.errors import AppError, ValidationFailed
from qorgau.core.i18n import gettext as _
from qorgau.core.i18n_markers import N_
from qorgau.core.models import User
from qorgau.core.pagination import PageParams, paginate
from qorgau.core.plugins import NavItem, Panel, PanelItem
from qorgau.core.tabular import download
from qorgau.core.templating import render
from qorgau.core.types import IdPath
from qorgau.registry import service as registry
from qorgau.training import service
from qorgau.training.api import public_url
from qorgau.training.models import ENROLMENT_LABELS, TRACK_LABELS, EnrolmentStatus, InspectorGap, LearnerRole
from qorgau.training.schemas import EnrolIn

router = APIRouter(prefix="/training")
NAV = [NavItem(N_("Training"), "/training/", "training.read"),
       NavItem(N_("Check a document"), "/verify", None, public=True)]
ROLE_LABELS = {LearnerRole.inspector: N_("technical inspector"), LearnerRole.committee: N_("safety committee member"),
               LearnerRole.worker: N_("worker"), LearnerRole.leader: N_("young union leader")}


def home_panels(request: Request, db: Session, user: User) -> list[Panel]:
    if not policy.allowed(user, "training.read"):
        return []
    locale = i18n.get_locale()
    mine = [e for e in service.my_enrolments(session=db, actor=user)
            if e.status in (EnrolmentStatus.enrolled, EnrolmentStatus.in_progress)]
    panels = []
    if mine:
        items = []
        for enrolment in mine[:4]:
            progress = service.summary(db, enrolment)
            items.append(PanelItem(getattr(enrolment.course, "title_" + locale), f"/training/enrolments/{enrolment.id}",
                                   _("%(done)s of %(total)s lessons", done=progress["done"], total=progress["total"]),
                                   "warn" if enrolment.due_on and enrolment.due_on < utcnow().date() else ""))
        panels.append(Panel(title=_("My courses"), order=30, figure=i18n.format_number(len(mine)), items=items,
                            link="/training/", link_label=_("Open the training centre"), empty=""))
    if policy.allowed(user, "training.report") and policy.allowed(user, "deviations.read"):
        missing = service.inspector_gaps(session=db, actor=user, limit=200)
        panels.append(Panel(title=_("Inspectors without training in date"), order=40,
                            figure=i18n.format_number(len(missing)), link="/training/gaps",
                            link_label=_("Training gaps"), empty=_("Every inspector's training is in date."),
                            items=[PanelItem(r["full_name"], "/training/gaps", _("no training on record")
                                             if r["state"] == InspectorGap.missing else _("expired %(date)s",
                                                                               date=i18n.format_date(r["valid_until"])),
                                             "danger") for r in missing[:3]]))
    return panels


def _saved(db: Session, result):
    db.commit()
    return result


def _labels() -> dict:
    return {"tracks": TRACK_LABELS, "statuses": ENROLMENT_LABELS, "roles": ROLE_LABELS}


@router.get("/")
def catalogue(request: Request, track: str = Query("", max_length=16), user: User = Depends(require_user),
              db: Session = Depends(get_db)):
    courses = service.courses(session=db, actor=user, track=track)
    mine = service.my_enrolments(session=db, actor=user)
    return render(request, "training/catalogue.html", {
        "courses": courses, "track": track, "mine": [(e, service.summary(db, e)) for e in mine],
        "can_manage": policy.allowed(user, "training.report"), **_labels()})


def _course_context(db: Session, user: User, course_id: int) -> dict:
    course = service.course(session=db, actor=user, course_id=course_id)
    return {"course": course, "can_author": policy.allowed(user, "training.author"),
            "max_seconds": service.VIDEO_MAX_SECONDS, **_labels()}


@router.get("/courses/{course_id}")
def course_page(request: Request, course_id: IdPath, user: User = Depends(require_user), db: Session = Depends(get_db)):
    return render(request, "training/course.html", _course_context(db, user, course_id))


@router.post("/courses/{course_id}/lessons/{lesson_id}/video")
def lesson_video_upload(request: Request, course_id: IdPath, lesson_id: IdPath, video: UploadFile | None = File(None),
                        user: User = Depends(require_user), db: Session = Depends(get_db)):
    """A course author attaches a video to a lesson; it is re-encoded before it is stored (plain `def`: CPU work
    runs in the thread pool, not on the event loop)."""
    data = video.file.read() if video is not None and video.filename else b""
    return forms.submit(
        db, lambda: _saved(db, service.attach_video(session=db, actor=user, course_id=course_id, lesson_id=lesson_id,
                                                   data=data)),
        done=lambda _video: RedirectResponse(f"/training/courses/{course_id}#lesson-{lesson_id}", status_code=303),
        again=lambda message, field: render(request, "training/course.html", {
            **_course_context(db, user, course_id), "error": message, "error_field": field,
            "error_lesson": lesson_id}))


_RANGE = re.compile(r"bytes=(\d*)-(\d*)$")


@router.get("/lessons/{lesson_id}/video")
def lesson_video(request: Request, lesson_id: IdPath, user: User = Depends(require_user), db: Session = Depends(get_db)):
    """The lesson's clip; answers byte ranges, which phone browsers ask for when they play or seek a video."""
    video = service.lesson_video(session=db, actor=user, lesson_id=lesson_id)
    content, size = video.content, len(video.content)
    headers = {"Accept-Ranges": "bytes", "Cache-Control": "private, max-age=3600"}
    asked = _RANGE.match(request.headers.get("range", "").strip())
    if asked and (asked.group(1) or asked.group(2)):
        if asked.group(1):
            start = int(asked.group(1))
            end = min(int(asked.group(2)), size - 1) if asked.group(2) else size - 1
        else:  # the last N bytes
            start, end = max(size - int(asked.group(2)), 0), size - 1
        if start >= size or start > end:
            return Response(status_code=416, headers={**headers, "Content-Range": f"bytes */{size}"})
        return Response(content[start:end + 1], status_code=206, media_type=video.media_type,
                        headers={**headers, "Content-Range": f"bytes {start}-{end}/{size}"})
    return Response(content, media_type=video.media_type, headers=headers)


@router.get("/enrolments/{enrolment_id}")
def enrolment_page(request: Request, enrolment_id: IdPath, user: User = Depends(require_user),
                   db: Session = Depends(get_db)):
    enrolment = service.enrolment_for(session=db, actor=user, enrolment_id=enrolment_id)
    completion = service.completion_of(db, enrolment)
    document = service.certificate_document(db, completion)
    return render(request, "training/enrolment.html", {
        "enrolment": enrolment, "course": enrolment.course, "progress": service.progress_of(db, enrolment),
        "summary": service.summary(db, enrolment), "completion": completion, "document": document,
        "code": documents.format_code(document.code) if document else "", "own": enrolment.user_id == user.id,
        **_labels()})


def _lesson_context(db: Session, user: User, enrolment_id: int, lesson_id: int) -> dict:
    enrolment = service.enrolment_for(session=db, actor=user, enrolment_id=enrolment_id)
    lesson = service.lesson_of(enrolment.course, lesson_id)
    locale = i18n.get_locale()
    lessons = enrolment.course.lessons
    index = lessons.index(lesson)
    return {"enrolment": enrolment, "course": enrolment.course, "lesson": lesson,
            "blocks": service.paragraphs(getattr(lesson, "body_" + locale)),
            "questions": [service.question_view(q, locale) for q in lesson.questions],
            "row": service.progress_of(db, enrolment).get(lesson.id), "own": enrolment.user_id == user.id,
            "next_lesson": lessons[index + 1] if index + 1 < len(lessons) else None, **_labels()}


@router.get("/enrolments/{enrolment_id}/lessons/{lesson_id}")
def lesson_page(request: Request, enrolment_id: IdPath, lesson_id: IdPath, user: User = Depends(require_user),
                db: Session = Depends(get_db)):
    return render(request, "training/lesson.html", _lesson_context(db, user, enrolment_id, lesson_id))


@router.post("/enrolments/{enrolment_id}/lessons/{lesson_id}/read")
def lesson_read(request: Request, enrolment_id: IdPath, lesson_id: IdPath, user: User = Depends(require_user),
                db: Session = Depends(get_db)):
    service.read_lesson(session=db, actor=user, enrolment_id=enrolment_id, lesson_id=lesson_id)
    enrolment = service.enrolment_for(session=db, actor=user, enrolment_id=enrolment_id)
    lesson = service.lesson_of(enrolment.course, lesson_id)
    db.commit()
    if lesson.questions:
        return RedirectResponse(f"/training/enrolments/{enrolment_id}/lessons/{lesson_id}#quiz", status_code=303)
    try:
        service.finish(session=db, actor=user, enrolment_id=enrolment_id, public_url=public_url(request))
        db.commit()
    except AppError:
        db.rollback()
    return RedirectResponse(f"/training/enrolments/{enrolment_id}", status_code=303)


@router.post("/enrolments/{enrolment_id}/lessons/{lesson_id}/quiz")
def lesson_quiz(request: Request, enrolment_id: IdPath, lesson_id: IdPath, form: FormData = Depends(form_data),
                user: User = Depends(require_user), db: Session = Depends(get_db)):
    answers: dict[int, list[int]] = {}
    for key in form:
        if key.startswith("q") and key[1:].isdigit():
            try:
                answers[int(key[1:])] = [int(v) for v in form.getlist(key) if str(v).isdigit()]
            except ValueError:
                continue
    def shown(**extra):
        return render(request, "training/lesson.html",
                      {**_lesson_context(db, user, enrolment_id, lesson_id), "chosen": answers, **extra})

    return forms.submit(db, lambda: _saved(db, service.answer_quiz(
        session=db, actor=user, enrolment_id=enrolment_id, lesson_id=lesson_id, answers=answers,
        public_url=public_url(request))),
        done=lambda result: shown(result=result),
        again=lambda message, field: shown(error=message, error_field=field))


@router.get("/completions/{completion_id}/certificate.pdf")
def certificate_pdf(completion_id: IdPath, user: User = Depends(require_user), db: Session = Depends(get_db)):
    _completion, document = service.certificate(session=db, actor=user, completion_id=completion_id)
    return documents.pdf_response(document, f"certificate-{documents.format_code(document.code)}.pdf")


# ---- enrolment and gaps (union and employer) ------------------------------------------------------

def _enterprises(db: Session, user: User) -> list[tuple[int, str]]:
    return [(e.id, i18n.localized(e, "name")) for e in service.enterprise_choices(session=db, actor=user)]


def _names(db: Session, ids) -> dict[int, str]:
    return {e.id: i18n.localized(e, "name") for e in registry.enterprises_by_ids(session=db, ids=list(set(ids)))}


@router.get("/manage")
def manage_page(request: Request, enterprise_id: int | None = Query(None, ge=1, le=2**31 - 1),
                status: str = Query("", max_length=16), fmt: str = Query("", pattern="^(|csv|xlsx)$"),
                page: int = Query(1, ge=1, le=100_000), user: User = Depends(require_user), db: Session = Depends(get_db),
                error: str = "", saved: int = 0):
    locale = i18n.get_locale()
    if fmt:
        rows = service.enrolments(session=db, actor=user, enterprise_id=enterprise_id, status=status)
        names = _names(db, [e.enterprise_id for e in rows])
        header = [_("Enrolment"), _("Course"), _("Enterprise"), _("Person"), _("Role"), _("Enrolled by"),
                  _("Status"), _("Due"), _("Completed")]
        return download(header, [[e.id, getattr(e.course, "title_" + locale), names.get(e.enterprise_id, ""),
                                  e.person_name, _(ROLE_LABELS.get(e.role, e.role)), e.enrolled_by,
                                  _(ENROLMENT_LABELS[EnrolmentStatus(e.status)]), e.due_on,
                                  e.completed_at.date() if e.completed_at else None] for e in rows],
                        fmt, "training-enrolments", "Enrolments")
    query = service.enrolments_query(session=db, actor=user, enterprise_id=enterprise_id, status=status)
    paged = paginate(db, query, PageParams(page=page, per_page=50))
    can_enrol = policy.allowed(user, "training.enrol_union") or policy.allowed(user, "training.enrol_employer")
    learners = service.learners(db) if can_enrol else []
    return render(request, "training/manage.html", {
        "paged": paged, "names": _names(db, [e.enterprise_id for e in paged.items]), "enterprise_id": enterprise_id,
        "status": status, "enterprises": _enterprises(db, user), "can_enrol": can_enrol,
        "courses": service.courses(session=db, actor=user), "learners": learners, "error": error, "saved": saved,
        **_labels()}, status_code=422 if error else 200)


@router.post("/manage/enrol")
def enrol_form(request: Request, course_id: int = Form(..., ge=1, le=2**31 - 1),
               enterprise_id: int = Form(..., ge=1, le=2**31 - 1), user_id: str = Form("", max_length=12),
               person_name: str = Form("", max_length=200), role: str = Form(LearnerRole.worker, max_length=16),
               due_on: str = Form("", max_length=10), user: User = Depends(require_user), db: Session = Depends(get_db)):
    def action():
        try:
            enrol_in = EnrolIn.model_validate({
                "course_id": course_id, "enterprise_id": enterprise_id,
                "user_id": int(user_id) if user_id.strip() else None, "person_name": person_name.strip(),
                "role": role, "due_on": date.fromisoformat(due_on) if due_on else None})
        except (ValidationError, ValueError):
            raise ValidationFailed(N_("Check the person, the role and the due date.")) from None
        return _saved(db, service.enrol(session=db, actor=user, enrol_in=enrol_in))

    return forms.submit(db, action, done=lambda _enrolment: RedirectResponse("/training/manage?saved=1", status_code=303),
                        again=lambda message, _field: manage_page(request, None, "", "", 1, user, db, error=message))


@router.get("/gaps")
def gaps_page(request: Request, by: str = Query("region", pattern="^(region|sector|enterprise)$"),
              fmt: str = Query("", pattern="^(|csv|xlsx)$"), user: User = Depends(require_user),
              db: Session = Depends(get_db)):
    rows = service.gaps(session=db, actor=user, by=by)
    people = service.inspector_gaps(session=db, actor=user, limit=300)
    names = _names(db, [r["enterprise_id"] for r in people] + ([r["group"] for r in rows] if by == "enterprise" else []))
    group_names = names if by == "enterprise" else (
        {r.kato: i18n.localized(r, "name") for r in registry.regions(session=db)} if by == "region"
        else {s.code: i18n.localized(s, "name") for s in registry.sectors(session=db)})
    if fmt:
        header = [_("Group"), _("Enterprises"), _("Inspectors"), _("In date"), _("Expired"), _("Missing"),
                  _("Committee seats"), _("Committee members trained")]
        return download(header, [[group_names.get(r["group"], r["group"]), r["enterprises"], r["inspectors"],
                                  r["in_date"], r["expired"], r["missing"], r["committee_seats"],
                                  r["committee_trained"]] for r in rows], fmt, f"training-gaps-{by}", "Training gaps")
    return render(request, "training/gaps.html", {"rows": rows, "people": people, "names": names, "by": by,
                                                  "group_names": group_names})
