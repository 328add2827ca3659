"""API shapes of the AI deployment register. The filing's content (`FilingIn`) is what each version
stores; the public feed's shape is documented in docs/airegister/feed-schema.md."""

from __future__ import annotations

from datetime import date, datetime
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

from qorgau.core.types import JsonInt

Area = Literal["hiring", "scheduling", "task_allocation", "monitoring", "performance", "discipline",
               "safety_monitoring", "production_automation", "maintenance", "customer_service", "other"]
Autonomy = Literal["recommends", "acts_human_can_override", "acts_no_override"]
Count = JsonInt
MAX_COUNT = 1_000_000


class _In(BaseModel):
    model_config = ConfigDict(strict=True, extra="forbid")


class OccupationIn(_In):
    isco08: str = Field(..., pattern=r"^\d{4}$", description="ISCO-08 unit group")
    headcount: Count = Field(..., ge=0, le=MAX_COUNT, description="Workers in this occupation the system affects")
    removed: Count = Field(0, ge=0, le=MAX_COUNT, description="Of them, jobs removed")


class PlanRowIn(_In):
    """One line of the retraining and re-employment plan."""
    group: str = Field(..., min_length=2, max_length=200, description="Who: which workers")
    workers: Count = Field(..., ge=1, le=MAX_COUNT)
    training: str = Field(..., min_length=2, max_length=500)
    target_jobs: str = Field(..., min_length=2, max_length=300)
    funding: str = Field(..., min_length=2, max_length=300)
    start_on: date = Field(..., strict=False, description="YYYY-MM-DD")
    end_on: date = Field(..., strict=False, description="YYYY-MM-DD")

    @model_validator(mode="after")
    def _dates(self):
        if self.end_on < self.start_on:
            raise ValueError("end_on is before start_on")
        return self


class FilingIn(_In):
    """An AI system as the employer describes it (each change is a new version)."""
    name: str = Field(..., min_length=3, max_length=200)
    purpose: str = Field(..., min_length=10, max_length=4000)
    vendor: str = Field("", max_length=200)
    system_status: Literal["planned", "pilot", "running"] = "planned"
    areas: list[Area] = Field(..., min_length=1, max_length=11)
    decides: str = Field("", max_length=2000, description="What it decides or recommends")
    autonomy: Autonomy = "recommends"
    oversight: str = Field("", max_length=1000, description="Who oversees it and how they can stop it")
    personal_data: bool = False
    biometric_data: bool = False
    data_description: str = Field("", max_length=2000)
    profiling: bool = Field(False, description="It assesses individual workers by behaviour or personal traits")
    emotion_recognition: bool = False
    emotion_consent: bool = False
    emotion_medical_or_safety: bool = False
    social_scoring: bool = False
    biometric_categorisation: bool = False
    safety_critical: bool = Field(False, description="A malfunction could cause an accident or an emergency")
    occupations: list[OccupationIn] = Field(default_factory=list, max_length=30)
    headcount: Count = Field(0, ge=0, le=MAX_COUNT, description="Workers affected in all")
    jobs_changed: Count = Field(0, ge=0, le=MAX_COUNT)
    jobs_removed: Count = Field(0, ge=0, le=MAX_COUNT)
    jobs_created: Count = Field(0, ge=0, le=MAX_COUNT)
    unit: str = Field("", max_length=120, description="The unit where it acts ('' = the whole enterprise)")
    unit_positions: Count = Field(0, ge=0, le=MAX_COUNT, description="All positions in the unit, human or automated")
    unit_human_before: Count = Field(0, ge=0, le=MAX_COUNT, description="Positions held by people before")
    start_on: date | None = Field(None, strict=False, description="YYYY-MM-DD")
    timeline: str = Field("", max_length=1000)
    retraining_plan: list[PlanRowIn] = Field(default_factory=list, max_length=50)


class FilingCreate(FilingIn):
    enterprise_id: JsonInt = Field(..., ge=1, le=2_147_483_647)


class FilingUpdate(FilingIn):
    change_note: str = Field(..., min_length=3, max_length=500)


class Rule(BaseModel):
    rule: str
    reason: str
    source: str


class ResultOut(BaseModel):
    value: str
    automatic: str
    rules: list[Rule]
    override_reason: str = ""


class ClassificationOut(BaseModel):
    risk_kz: ResultOut
    autonomy_kz: ResultOut
    eu_category: ResultOut
    prohibited: list[Rule]
    safeguards: dict[str, list[Rule]]


class ConditionOut(BaseModel):
    id: int
    kind: str = "obligation"
    plan_id: int | None = None
    text: str
    due_on: date
    status: str
    met_on: date | None
    escalation_level: int


class FilingOut(BaseModel):
    id: int
    reference: str
    enterprise_id: int
    union_org_id: int | None
    status: str
    current_version: int
    name: str
    submitted_on: date | None
    review_due: date | None
    decided_on: date | None
    decision_reasons: str
    quorum: int
    majority_pct: int
    next_review_on: date | None
    suspension_recommended: bool
    suspension_reason: str
    escalation_level: int
    data: dict
    classification: ClassificationOut
    blockers: list[str] = Field(description="Why the filing cannot be approved now (empty: it can)")
    conditions: list[ConditionOut]


class FilingSummary(BaseModel):
    id: int
    reference: str
    enterprise_id: int
    status: str
    name: str
    risk_kz: str
    eu_category: str
    jobs_removed: int
    current_version: int


class FilingPage(BaseModel):
    items: list[FilingSummary]
    total: int
    page: int
    per_page: int
    pages: int


class CommentIn(_In):
    kind: Literal["comment", "question", "answer"] = "comment"
    body: str = Field(..., min_length=2, max_length=5000)
    answers_id: JsonInt | None = Field(None, ge=1, le=2_147_483_647, description="The question an answer answers")


class CommentOut(BaseModel):
    id: int
    kind: str
    answers_id: int | None
    body: str
    version_number: int
    created_at: datetime


class OverrideIn(_In):
    dimension: str = Field(..., pattern=r"^(risk_kz|autonomy_kz|eu_category|flag:[A-Z0-9-]{3,20})$")
    value: str = Field(..., min_length=2, max_length=40)
    reason: str = Field(..., min_length=10, max_length=1000)


class OpenVoteIn(_In):
    quorum: JsonInt = Field(1, ge=1, le=500)
    majority_pct: JsonInt = Field(50, ge=50, le=99, description="'For' must exceed this share of for + against")


class VoteIn(_In):
    choice: Literal["for", "against", "abstain"]
    note: str = Field("", max_length=1000)


class ConditionIn(_In):
    text: str = Field(..., min_length=5, max_length=1000)
    due_on: date = Field(..., strict=False, description="YYYY-MM-DD")


class PlanConditionIn(_In):
    plan_id: JsonInt = Field(..., ge=1, le=2_147_483_647, description="A retraining plan of the enterprise")
    due_on: date = Field(..., strict=False, description="YYYY-MM-DD: agreed with the employer by then")


class DecisionIn(_In):
    reasons: str = Field("", max_length=5000)
    conditions: list[ConditionIn] = Field(default_factory=list, max_length=30)
    plan_conditions: list[PlanConditionIn] = Field(default_factory=list, max_length=10)
    review_every_months: JsonInt = Field(12, ge=1, le=60)


class LinkReportIn(_In):
    reference: str = Field(..., pattern=r"^WS-[A-Z0-9]{6}$", description="The Worker Speaks reference")
    kind: Literal["wrong_decision", "harm", "surveillance", "other"]
    note: str = Field("", max_length=1000)


class FeedItem(BaseModel):
    reference: str
    version: int
    name: str
    purpose: str
    vendor: str
    employer: dict
    sector: str
    region_kato: str
    areas: list[str]
    autonomy: str
    risk_kz: str
    autonomy_kz: str
    eu_category: str
    rules: list[str]
    safeguards: list[str]
    outcome: str
    decided_on: date | None
    conditions: list[dict]
    next_review_on: date | None
    jobs: dict
    occupations: list[dict]
    suspension_recommended: bool
    updated_at: datetime


class Feed(BaseModel):
    schema_: str = Field(alias="schema")
    schema_version: str
    generated_at: datetime
    licence: str
    items: list[FeedItem]

    model_config = ConfigDict(populate_by_name=True)
