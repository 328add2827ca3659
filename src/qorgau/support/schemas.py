"""API shapes of support cases (inputs strict and bounded; outputs never carry health or income)."""

from __future__ import annotations

from datetime import date
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from qorgau.core.types import MAX_ID, JsonInt

Cause = Literal["automation", "injury", "disease", "request"]
Kind = Literal["retraining", "placement", "legal_aid", "material_aid", "psychological"]
Outcome = Literal["reemployed", "compensation", "level_improved", "retrained", "declined", "no_result"]
Id = JsonInt


class _In(BaseModel):
    model_config = ConfigDict(strict=True, extra="forbid")


class CaseIn(_In):
    enterprise_id: Id = Field(..., ge=1, le=MAX_ID)
    cause: Cause
    worker_reference: str = Field(..., min_length=1, max_length=40, description="Personnel number, never a name")
    isco08: str | None = Field(None, pattern=r"^\d{4}$")
    case_worker_id: Id | None = Field(None, ge=1, le=MAX_ID)


class FromFilingIn(_In):
    filing_id: Id = Field(..., ge=1, le=MAX_ID)


class ConsentIn(_In):
    given: bool
    family: bool = False
    note: str = Field("", max_length=1000)


class AssessmentIn(_In):
    household_income: JsonInt | None = Field(None, ge=0, le=100_000_000, description="KZT a month")
    household_size: JsonInt | None = Field(None, ge=1, le=30)
    dependants: JsonInt | None = Field(None, ge=0, le=30)
    health: Literal["none", "temporary_incapacity", "chronic", "disability_3", "disability_2", "disability_1",
                    "severe_injury"] | None = None
    housing: Literal["own", "rented", "shared", "none"] | None = None
    debt_payment: JsonInt | None = Field(None, ge=0, le=100_000_000, description="KZT a month")
    debt_overdue: bool | None = None
    employment: Literal["employed", "at_risk", "unemployed_short", "unemployed_long"]


class OverrideIn(_In):
    level: Literal["A", "B", "C", "D", "E"]
    reason: str = Field(..., min_length=10, max_length=1000)


class RevealIn(_In):
    reason: str = Field(..., min_length=10, max_length=1000)


class ServiceIn(_In):
    kind: Kind
    title: str = Field(..., min_length=3, max_length=300)
    due_on: date = Field(..., strict=False)
    responsible_id: Id | None = Field(None, ge=1, le=MAX_ID)
    detail: str = Field("", max_length=2000)
    target_isco: str | None = Field(None, pattern=r"^\d{4}$")
    amount_kzt: JsonInt | None = Field(None, ge=1, le=10_000_000)
    legal_basis: str = Field("", max_length=1000)


class ServiceMoveIn(_In):
    status: Literal["in_progress", "awaiting_approval", "done", "not_achieved", "refused", "cancelled"]
    outcome: str = Field("", max_length=2000)


class FollowUpIn(_In):
    due_on: date = Field(..., strict=False)
    purpose: str = Field(..., min_length=3, max_length=500)


class FollowUpDoneIn(_In):
    note: str = Field(..., min_length=3, max_length=2000)


class CloseIn(_In):
    outcome: Outcome
    outcome_on: date | None = Field(None, strict=False)
    note: str = Field("", max_length=2000)


class SubsistenceIn(_In):
    value: JsonInt = Field(..., ge=1, le=10_000_000, description="KZT a month per person")
    source: str = Field(..., min_length=5, max_length=500)
