"""API shapes of risk scores, inspection plans and decisions."""

from __future__ import annotations

from datetime import date
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from qorgau.core.types import JsonInt


class Contribution(BaseModel):
    feature: str
    label: str
    value: float | None
    shown: str
    factor: float = Field(description="How much this feature multiplies the expected count")


class ScoreOut(BaseModel):
    enterprise_id: int
    enterprise: str
    period: str = Field(description="The last month the features describe")
    target_period: str = Field(description="The month forecast")
    expected_cases: float
    p_any: float
    rank_in_scope: int
    model_version: str
    explanation: list[str] = Field(description="The largest contributions, in words")
    contributions: list[Contribution]


class HistoryPoint(BaseModel):
    month: str
    expected_cases: float
    observed_cases: int | None


class EnterpriseRiskOut(BaseModel):
    enterprise_id: int
    status: str = Field(description="trained, insufficient_data or untrained")
    message: str
    score: ScoreOut | None
    history: list[HistoryPoint]


class PlanItemOut(BaseModel):
    id: int
    enterprise_id: int
    position: int
    kind: Literal["risk", "random_audit", "reserve", "swap"]
    status: Literal["proposed", "accepted", "rejected", "swapped", "reserve"]
    rank: int
    expected_cases: float
    p_any: float
    expected_prevented: float
    why: str


class PlanOut(BaseModel):
    id: int
    title: str
    period: str
    model_version: str
    inspectors: int
    days: int
    per_inspector_day: float
    random_share: float
    enterprises_scored: int
    items: list[PlanItemOut]


class DecisionIn(BaseModel):
    model_config = ConfigDict(strict=True, extra="forbid")
    action: Literal["accept", "reject", "move", "swap"]
    reason: str = Field(..., min_length=1, max_length=2000)
    position: JsonInt | None = Field(None, ge=1, le=100000)
    replacement_item_id: JsonInt | None = Field(None, ge=1, le=2_147_483_647)


class DecisionOut(BaseModel):
    id: int
    item_id: int
    enterprise_id: int
    action: str
    reason: str
    from_position: int | None
    to_position: int | None
    replacement_item_id: int | None


class FoundIn(BaseModel):
    model_config = ConfigDict(strict=True, extra="forbid")
    category: str = Field(..., min_length=1, max_length=32, description="A violations category")
    severity: Literal["gross", "significant", "minor"]
    description: str = Field(..., min_length=3, max_length=2000)
    work_stopped: bool = False
    rule_reference: str = Field("", max_length=300)
    zone_id: JsonInt | None = Field(None, ge=1, le=2_147_483_647)


class VisitIn(BaseModel):
    model_config = ConfigDict(strict=True, extra="forbid")
    visited_on: date = Field(..., strict=False, description="YYYY-MM-DD")
    nothing_found: bool = False
    violations: list[FoundIn] = Field(default_factory=list, max_length=50)


class VisitOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)
    id: int
    item_id: int
    plan_id: int
    enterprise_id: int
    kind: str
    visited_on: date
    outcome: str
    gross: int
    significant: int
    minor: int
    work_stopped: bool
    violation_ids: list[int]
