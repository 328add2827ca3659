"""API shapes of the training centre."""

from __future__ import annotations

from datetime import date

from pydantic import BaseModel, ConfigDict, Field

from qorgau.core.types import JsonInt
from qorgau.training.models import LearnerRole

Id = JsonInt


class EnrolIn(BaseModel):
    model_config = ConfigDict(strict=True, extra="forbid")
    course_id: Id = Field(..., ge=1, le=2_147_483_647)
    enterprise_id: Id = Field(..., ge=1, le=2_147_483_647)
    user_id: Id | None = Field(None, ge=1, le=2_147_483_647, description="the learner's account, if they have one")
    person_name: str = Field("", max_length=200, description="default: the account's full name")
    role: LearnerRole = Field(LearnerRole.worker, strict=False)
    due_on: date | None = Field(None, strict=False, description="YYYY-MM-DD")


class AnswersIn(BaseModel):
    model_config = ConfigDict(strict=True, extra="forbid")
    answers: dict[str, list[Id]] = Field(..., max_length=50,
                                         description="question id -> indexes of the chosen options")


class QuestionOut(BaseModel):
    id: int
    position: int
    text: str
    multiple: bool
    options: list[str]


class LessonOut(BaseModel):
    id: int
    position: int
    title: str
    blocks: list[dict]
    image: str = ""
    image_alt: str = ""
    questions: list[QuestionOut]


class CourseOut(BaseModel):
    id: int
    key: str
    track: str
    title: str
    summary: str
    outline: list[str]
    hours: int
    valid_years: int
    inspector_cycle: bool
    pass_mark: int
    sources: str
    lessons: list[dict]


class EnrolmentOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)
    id: int
    course_id: int
    enterprise_id: int
    user_id: int | None
    person_name: str
    role: str
    enrolled_by: str
    status: str
    due_on: date | None


class ProgressOut(BaseModel):
    enrolment: EnrolmentOut
    done: int
    total: int
    completion_id: int | None = None
    certificate_code: str | None = None


class QuizResultOut(BaseModel):
    score: int
    passed: bool
    pass_mark: int
    wrong: list[int]
    attempts: int
    completed: bool
    completion_id: int | None = None
    certificate_code: str | None = None


class CompletionOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)
    id: int
    course_id: int | None
    enterprise_id: int
    user_id: int | None
    inspector_id: int | None
    person_name: str
    title: str
    completed_on: date
    valid_until: date | None
    inspector_cycle: bool
    source: str
    score: int | None


class GapRow(BaseModel):
    group: str | int | None
    enterprises: int
    inspectors: int
    in_date: int
    expired: int
    missing: int
    inspector_gap_share: float | None
    committee_seats: int
    committee_trained: int
    committee_untrained: int
