"""API shapes of the accident registry."""

from __future__ import annotations

from datetime import date
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from qorgau.core.types import JsonInt

Outcome = Literal["fatal", "serious", "light"]
Cause = Literal["worn_equipment", "employer_negligence", "unsafe_act", "organisation", "training", "ppe",
                "road_traffic", "third_party", "other", "unknown"]


class VictimIn(BaseModel):
    model_config = ConfigDict(strict=True, extra="forbid")
    outcome: Outcome
    days_lost: JsonInt | None = Field(0, ge=0, le=3650, description="null: not known (left out of days-lost "
                                                                     "figures and counted as unknown)")
    sex: Literal["m", "f"] | None = None
    age_band: Literal["15-24", "25-34", "35-44", "45-54", "55-64", "65+"] | None = None
    isco08: str | None = Field(None, pattern=r"^\d{1,4}$")
    employment_status: Literal["employee", "contractor", "agency"] = "employee"


class AccidentIn(BaseModel):
    model_config = ConfigDict(strict=True, extra="forbid")
    enterprise_id: JsonInt = Field(..., ge=1, le=2_147_483_647)
    occurred_on: date = Field(..., strict=False, description="YYYY-MM-DD")
    description: str = Field("", max_length=5000)
    cause: Cause = "unknown"
    source: Literal["employer", "union_inspector", "worker_report", "hospital", "insurer"] = "employer"
    victims: list[VictimIn] = Field(..., min_length=1, max_length=500)


class AccidentOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)
    id: int
    enterprise_id: int
    occurred_on: date = Field(..., strict=False, description="YYYY-MM-DD")
    category: str
    commission: str
    cause: str
    union_present: bool
    source: str
    investigation_due: date
    act_on: date | None
    victims: int
    fatal: int
    serious: int


class SeverityRow(BaseModel):
    group: dict | str | int | None
    cases: int
    days_lost: float = Field(description="days lost of the cases whose days are known")
    days_unknown: int = Field(description="cases whose days lost are not known, left out of days_lost")
    exposure: float
    severity_rate: float | None
    ci_low: float | None
    ci_high: float | None
    days_per_case: float | None = Field(description="over the cases whose days are known")
    base: str


class RateRow(BaseModel):
    group: dict | str | int | None
    cases: int | None = Field(description="null where the cell is hidden (fewer than 5 cases)")
    exposure: float
    rate: float | None
    ci_low: float | None
    ci_high: float | None
    base: str
    suppressed: bool = False
