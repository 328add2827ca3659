"""API shapes of social audits."""

from __future__ import annotations

from datetime import date, datetime
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from qorgau.core.types import JsonInt

Id = JsonInt
Key = Field("", max_length=64, pattern=r"^[A-Za-z0-9_-]*$", description="idempotency key from the phone")


class AuditIn(BaseModel):
    model_config = ConfigDict(strict=True, extra="forbid")
    enterprise_id: Id = Field(..., ge=1, le=2_147_483_647)
    planned_on: date = Field(..., strict=False, description="YYYY-MM-DD")
    invite_state: bool = Field(False, description="invite the state labour inspectorate as a party")


class MoveIn(BaseModel):
    model_config = ConfigDict(strict=True, extra="forbid")
    status: Literal["invited", "fieldwork", "findings", "employer_reply", "published", "cancelled"]
    reason: str = Field("", max_length=2000)


class PartyIn(BaseModel):
    model_config = ConfigDict(strict=True, extra="forbid")
    kind: Literal["union", "employer", "workers", "state"]
    name: str = Field(..., min_length=1, max_length=200)


class PartyResponseIn(BaseModel):
    model_config = ConfigDict(strict=True, extra="forbid")
    response: Literal["accepted", "declined"]
    note: str = Field("", max_length=500)


class AnswerIn(BaseModel):
    model_config = ConfigDict(strict=True, extra="forbid")
    point_id: str = Field(..., min_length=1, max_length=64)
    value: Literal["yes", "no", "na", "0", "1", "2", "3", "4"]
    note: str = Field("", max_length=2000)
    client_key: str = Key


class AnswersIn(BaseModel):
    model_config = ConfigDict(strict=True, extra="forbid")
    answers: list[AnswerIn] = Field(..., min_length=1, max_length=200)


class InterviewIn(BaseModel):
    model_config = ConfigDict(strict=True, extra="forbid")
    client_key: str = Field(..., min_length=8, max_length=64, pattern=r"^[A-Za-z0-9_-]+$")
    answers: dict[str, Literal["yes", "no", "skip"]] = Field(..., min_length=1, max_length=50)


class FindingIn(BaseModel):
    model_config = ConfigDict(strict=True, extra="forbid")
    area: str = Field("", max_length=32)
    point_id: str = Field("", max_length=64)
    severity: Literal["critical", "major", "minor"]
    description: str = Field(..., min_length=3, max_length=4000)
    evidence: str = Field("", max_length=4000)


class TextIn(BaseModel):
    model_config = ConfigDict(strict=True, extra="forbid")
    text: str = Field(..., min_length=1, max_length=8000)


class FindingResponseIn(BaseModel):
    model_config = ConfigDict(strict=True, extra="forbid")
    response: str = Field("", max_length=4000)
    plan: str = Field("", max_length=4000)
    due_on: date | None = Field(None, strict=False, description="YYYY-MM-DD")


class ProposalIn(BaseModel):
    model_config = ConfigDict(strict=True, extra="forbid")
    yaml_text: str = Field(..., min_length=1, max_length=500_000)
    note: str = Field(..., min_length=1, max_length=2000)


class ReviewIn(BaseModel):
    model_config = ConfigDict(strict=True, extra="forbid")
    approve: bool
    note: str = Field("", max_length=2000)


class PartyOut(BaseModel):
    id: int
    kind: str
    name: str
    response: str
    responded_at: datetime | None


class FindingOut(BaseModel):
    id: int
    point_id: str
    area: str
    severity: str
    description: str
    evidence: str
    has_photo: bool
    employer_response: str
    corrective_plan: str
    plan_due_on: date | None
    violation_id: int | None


class AuditOut(BaseModel):
    id: int
    enterprise_id: int
    questionnaire_version: str
    status: str
    planned_on: date
    fieldwork_started_on: date | None
    fieldwork_ended_on: date | None
    overall: float | None
    summary: str
    employer_reply: str
    published_at: datetime | None
    synthetic: bool
    parties: list[PartyOut] = []
    findings: list[FindingOut] = []
    answered: int = 0
    points: int = 0
    interviews: dict = {}


class VersionOut(BaseModel):
    id: int
    version: str
    status: str
    sha256: str
    note: str
    proposed_at: datetime
    reviewed_at: datetime | None
