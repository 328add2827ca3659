"""API shapes of AI at work: employment tables, exposure, scenarios, reskilling plans."""

from __future__ import annotations

from datetime import date, datetime
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from qorgau.core.types import JsonInt

Preset = Literal["slow", "central", "fast"]
IscoUnit = Field(..., pattern=r"^\d{4}$", description="ISCO-08 unit group (4 digits)")


class TableMeta(BaseModel):
    """What the uploader says about an employment table: its provenance first."""

    model_config = ConfigDict(strict=True, extra="forbid")
    title: str = Field(..., min_length=1, max_length=200)
    source: str = Field(..., min_length=1, max_length=2000,
                        description="Provenance: publisher, survey or register, reference period")
    year: JsonInt | None = Field(None, ge=1990, le=2100)
    synthetic: bool = False
    enterprise_id: JsonInt | None = Field(None, ge=1, le=2_147_483_647,
                                          description="The enterprise whose workforce this is; none for a "
                                                      "national, regional or sectoral table")


class TableOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)
    id: int
    title: str
    source: str
    year: int | None
    filename: str
    synthetic: bool
    enterprise_id: int | None
    dimensions: list[str]
    row_count: int
    employed: float
    created_at: datetime


class ExposureRow(BaseModel):
    group: dict[str, str]
    employed: float
    by_gradient: dict[str, float] = Field(..., description="not_exposed, minimal, 1, 2, 3, 4 (ILO 2025 classes)")
    unscored: float


class ExposureOut(BaseModel):
    table_id: int
    synthetic: bool
    label: str | None = Field(None, description="Says so when the table is synthetic")
    source: str
    source_year: int
    by: list[str]
    rows: list[ExposureRow]


class ScenarioTotal(BaseModel):
    year: int
    at_risk: float
    transformed: float
    share_at_risk: float | None
    share_transformed: float | None


class ScenarioOut(BaseModel):
    table_id: int
    synthetic: bool
    label: str
    assumptions: dict
    unscored_jobs_left_out: float
    totals: list[ScenarioTotal]


class PlanItemIn(BaseModel):
    model_config = ConfigDict(strict=True, extra="forbid")
    source_isco: str = IscoUnit
    target_isco: str = IscoUnit
    people: JsonInt = Field(..., ge=1, le=1_000_000)
    training: str = Field("", max_length=2000)
    start_on: date = Field(..., strict=False, description="YYYY-MM-DD")
    end_on: date = Field(..., strict=False, description="YYYY-MM-DD")


class PlanIn(BaseModel):
    model_config = ConfigDict(strict=True, extra="forbid")
    title: str = Field(..., min_length=1, max_length=200)
    enterprise_id: JsonInt | None = Field(None, ge=1, le=2_147_483_647)
    union_id: JsonInt | None = Field(None, ge=1, le=2_147_483_647)
    table_id: JsonInt | None = Field(None, ge=1, le=2_147_483_647)
    notes: str = Field("", max_length=5000)
    items: list[PlanItemIn] = Field(..., min_length=1, max_length=200)


class PlanItemOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)
    id: int
    source_isco: str
    target_isco: str
    people: int
    training: str
    start_on: date
    end_on: date
    similarity: float | None
    score: float | None
    skill_gaps: list[str]


class PlanOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)
    id: int
    title: str
    enterprise_id: int | None
    union_id: int | None
    table_id: int | None
    synthetic: bool
    status: str = Field(description="draft, proposed, agreed, in_progress, done or abandoned")
    notes: str
    created_at: datetime
    drafted_by: str = Field(description="union (the employer sees it from 'proposed' on) or employer")
    employer_signatory: str | None
    agreed_on: date | None
    abandoned_reason: str | None
    items: list[PlanItemOut]


class PlanMoveIn(BaseModel):
    model_config = ConfigDict(strict=True, extra="forbid")
    status: Literal["draft", "proposed", "agreed", "in_progress", "done", "abandoned"]
    note: str = Field("", max_length=2000, description="Required (10+ characters) to abandon or return to draft")
    signatory: str = Field("", max_length=200, description="The employer's signatory and position (to agree)")
    signed_on: date | None = Field(None, strict=False, description="YYYY-MM-DD: when the employer signed (to agree)")


class WorkerProgressIn(BaseModel):
    model_config = ConfigDict(strict=True, extra="forbid")
    item_id: JsonInt = Field(..., ge=1, le=2_147_483_647)
    reference: str = Field(..., min_length=1, max_length=40, description="A personnel number, never a name")
    progress: Literal["enrolled", "training", "completed", "placed", "left"]
    note: str = Field("", max_length=2000)


class PlanWorkerOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)
    id: int
    item_id: int
    reference: str
    progress: str
    note: str
    updated_on: date


class OccupationExposure(BaseModel):
    isco08: str
    known: bool
    gradient: str | None = Field(None, description="ILO 2025 class id: not_exposed, minimal, 1-4, unscored")
    mean_score: float | None
    source: str
