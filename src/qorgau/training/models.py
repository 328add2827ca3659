"""Courses, lessons, quiz questions, enrolments, lesson progress and completions."""

from __future__ import annotations

from datetime import date, datetime
from enum import StrEnum

from sqlalchemy import JSON, Boolean, Date, ForeignKey, Integer, LargeBinary, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from qorgau.core.db import Base, UTCDateTime, utcnow
from qorgau.core.i18n_markers import N_
from qorgau.core.states import Transitions


class Track(StrEnum):
    basics = "basics"
    risk = "risk"
    mentoring = "mentoring"
    digital = "digital"
    leaders = "leaders"
    inspectors = "inspectors"


TRACK_LABELS = {
    Track.basics: N_("Occupational safety basics"),
    Track.risk: N_("Risk assessment"),
    Track.mentoring: N_("Safety mentoring"),
    Track.digital: N_("Digital hygiene and AI at work"),
    Track.leaders: N_("Young union leaders"),
    Track.inspectors: N_("Technical Inspectors School"),
}


class LearnerRole(StrEnum):
    """What a person is enrolled as (not a platform role: learners need no account)."""

    inspector = "inspector"
    committee = "committee"
    worker = "worker"
    leader = "leader"


class InspectorGap(StrEnum):
    """Why an inspector's training is not in date."""

    missing = "missing"  # no training on record
    expired = "expired"


class EnrolmentStatus(StrEnum):
    enrolled = "enrolled"
    in_progress = "in_progress"
    completed = "completed"
    withdrawn = "withdrawn"


ENROLMENT_FLOW = Transitions(EnrolmentStatus, {
    EnrolmentStatus.enrolled: {EnrolmentStatus.in_progress, EnrolmentStatus.completed, EnrolmentStatus.withdrawn},
    EnrolmentStatus.in_progress: {EnrolmentStatus.completed, EnrolmentStatus.withdrawn},
    EnrolmentStatus.completed: set(),
    EnrolmentStatus.withdrawn: set(),
})

ENROLMENT_LABELS = {
    EnrolmentStatus.enrolled: N_("enrolled"),
    EnrolmentStatus.in_progress: N_("in progress"),
    EnrolmentStatus.completed: N_("completed"),
    EnrolmentStatus.withdrawn: N_("withdrawn"),
}


class Course(Base):
    """A course of one track, in kk, ru and en; `valid_years` > 0 means it must be retaken."""

    __tablename__ = "training_course"

    id: Mapped[int] = mapped_column(primary_key=True)
    key: Mapped[str] = mapped_column(String(64), unique=True)
    track: Mapped[str] = mapped_column(String(16), index=True)
    title_kk: Mapped[str] = mapped_column(String(200))
    title_ru: Mapped[str] = mapped_column(String(200))
    title_en: Mapped[str] = mapped_column(String(200))
    summary_kk: Mapped[str] = mapped_column(Text, default="")
    summary_ru: Mapped[str] = mapped_column(Text, default="")
    summary_en: Mapped[str] = mapped_column(Text, default="")
    outline: Mapped[list] = mapped_column(JSON, default=list)  # [{"kk":..., "ru":..., "en":...}] the full programme
    hours: Mapped[int] = mapped_column(Integer, default=1)
    valid_years: Mapped[int] = mapped_column(Integer, default=0)
    inspector_cycle: Mapped[bool] = mapped_column(Boolean, default=False)  # counts as inspectors' periodic training
    pass_mark: Mapped[int] = mapped_column(Integer, default=70)  # percent of quiz answers right
    sources: Mapped[str] = mapped_column(Text, default="")  # where the content comes from, with licences
    published: Mapped[bool] = mapped_column(Boolean, default=True)

    lessons: Mapped[list[Lesson]] = relationship(back_populates="course", order_by="Lesson.position")


class Lesson(Base):
    __tablename__ = "training_lesson"
    __table_args__ = (UniqueConstraint("course_id", "position"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    course_id: Mapped[int] = mapped_column(ForeignKey("training_course.id"), index=True)
    position: Mapped[int] = mapped_column(Integer)
    title_kk: Mapped[str] = mapped_column(String(200))
    title_ru: Mapped[str] = mapped_column(String(200))
    title_en: Mapped[str] = mapped_column(String(200))
    body_kk: Mapped[str] = mapped_column(Text)  # paragraphs separated by blank lines; "- " starts a list item
    body_ru: Mapped[str] = mapped_column(Text)
    body_en: Mapped[str] = mapped_column(Text)
    image: Mapped[str] = mapped_column(String(200), default="")  # a static file of this package
    image_alt_kk: Mapped[str] = mapped_column(String(300), default="")
    image_alt_ru: Mapped[str] = mapped_column(String(300), default="")
    image_alt_en: Mapped[str] = mapped_column(String(300), default="")

    course: Mapped[Course] = relationship(back_populates="lessons")
    questions: Mapped[list[Question]] = relationship(back_populates="lesson", order_by="Question.position")
    video: Mapped[LessonVideo | None] = relationship(back_populates="lesson", uselist=False, lazy="select")


class LessonVideo(Base):
    """A lesson's video as the author uploaded it, re-encoded (H.264 + AAC in MP4) from its pixels and samples
    by `core.media.clean_recording`, as Worker Speaks does with recordings: nothing of the original file's
    metadata survives. One per lesson; a new upload replaces it."""

    __tablename__ = "training_lesson_video"
    __audit_exclude__ = ("content",)  # the clip itself; its size, type and uploader are audited

    id: Mapped[int] = mapped_column(primary_key=True)
    lesson_id: Mapped[int] = mapped_column(ForeignKey("training_lesson.id"), unique=True)
    content: Mapped[bytes] = mapped_column(LargeBinary, deferred=True)  # loaded only when the clip is served
    media_type: Mapped[str] = mapped_column(String(40))
    size: Mapped[int] = mapped_column(Integer)
    uploaded_by_id: Mapped[int] = mapped_column(ForeignKey("core_user.id"))
    uploaded_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    lesson: Mapped[Lesson] = relationship(back_populates="video")


class Question(Base):
    """A quiz question with its options; `correct` (indexes of the right options) never leaves the server."""

    __tablename__ = "training_question"

    id: Mapped[int] = mapped_column(primary_key=True)
    lesson_id: Mapped[int] = mapped_column(ForeignKey("training_lesson.id"), index=True)
    position: Mapped[int] = mapped_column(Integer)
    text_kk: Mapped[str] = mapped_column(Text)
    text_ru: Mapped[str] = mapped_column(Text)
    text_en: Mapped[str] = mapped_column(Text)
    options: Mapped[list] = mapped_column(JSON)  # [{"kk":..., "ru":..., "en":...}]
    correct: Mapped[list] = mapped_column(JSON)  # [index, ...]

    lesson: Mapped[Lesson] = relationship(back_populates="questions")


class Enrolment(Base):
    """A person put on a course by the union or the employer."""

    __tablename__ = "training_enrolment"

    id: Mapped[int] = mapped_column(primary_key=True)
    course_id: Mapped[int] = mapped_column(ForeignKey("training_course.id"), index=True)
    enterprise_id: Mapped[int] = mapped_column(ForeignKey("registry_enterprise.id"), index=True)
    user_id: Mapped[int | None] = mapped_column(ForeignKey("core_user.id"), nullable=True, index=True)
    person_name: Mapped[str] = mapped_column(String(200))
    role: Mapped[str] = mapped_column(String(16), default=LearnerRole.worker)
    enrolled_by: Mapped[str] = mapped_column(String(16))  # union | employer
    enrolled_by_user_id: Mapped[int | None] = mapped_column(ForeignKey("core_user.id"), nullable=True)
    status: Mapped[str] = mapped_column(String(16), default=EnrolmentStatus.enrolled)
    due_on: Mapped[date | None] = mapped_column(Date, nullable=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    completed_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)

    course: Mapped[Course] = relationship()


class LessonProgress(Base):
    __tablename__ = "training_progress"
    __table_args__ = (UniqueConstraint("enrolment_id", "lesson_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    enrolment_id: Mapped[int] = mapped_column(ForeignKey("training_enrolment.id"), index=True)
    lesson_id: Mapped[int] = mapped_column(ForeignKey("training_lesson.id"))
    read_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    score: Mapped[int | None] = mapped_column(Integer, nullable=True)  # percent, best attempt
    passed: Mapped[bool] = mapped_column(Boolean, default=False)


class Completion(Base):
    """One finished training: on the platform (with a certificate) or recorded from paper.

    The one source of a technical inspector's periodic training: `inspector_id` ties it to the
    inspectors' registry, `inspector_cycle` says it counts for the three-year cycle."""

    __tablename__ = "training_completion"

    id: Mapped[int] = mapped_column(primary_key=True)
    course_id: Mapped[int | None] = mapped_column(ForeignKey("training_course.id"), nullable=True, index=True)
    enrolment_id: Mapped[int | None] = mapped_column(ForeignKey("training_enrolment.id"), nullable=True)
    enterprise_id: Mapped[int] = mapped_column(ForeignKey("registry_enterprise.id"), index=True)
    user_id: Mapped[int | None] = mapped_column(ForeignKey("core_user.id"), nullable=True, index=True)
    inspector_id: Mapped[int | None] = mapped_column(ForeignKey("deviations_inspector.id"), nullable=True, index=True)
    person_name: Mapped[str] = mapped_column(String(200))
    title: Mapped[str] = mapped_column(String(300), default="")  # the course as written on a paper record
    completed_on: Mapped[date] = mapped_column(Date)
    valid_until: Mapped[date | None] = mapped_column(Date, nullable=True)
    inspector_cycle: Mapped[bool] = mapped_column(Boolean, default=False)
    source: Mapped[str] = mapped_column(String(16), default="platform")  # platform | recorded
    score: Mapped[int | None] = mapped_column(Integer, nullable=True)
    document_id: Mapped[int | None] = mapped_column(ForeignKey("core_document.id"), nullable=True)
