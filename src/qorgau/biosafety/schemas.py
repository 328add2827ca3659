"""Pydantic models at the bio-safety API boundary."""

from __future__ import annotations

from datetime import date
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field

from qorgau.core.types import JsonInt

Count = Annotated[JsonInt, Field(ge=0, le=1_000_000)] | None


class ExposureIn(BaseModel):
    model_config = ConfigDict(strict=True, extra="forbid")

    activity: str = Field(max_length=16)
    agent_code: str = Field(max_length=40)
    site_id: Annotated[JsonInt, Field(ge=1, le=2**31 - 1)] | None = None
    zone_id: Annotated[JsonInt, Field(ge=1, le=2**31 - 1)] | None = None
    exposed_workers: Count = None
    vaccinated: Count = None
    ppe_issued: Count = None
    trained: Count = None
    surveilled: Count = None
    recorded_on: date | None = Field(None, strict=False)
    note: str = Field("", max_length=1000)


class DecisionIn(BaseModel):
    model_config = ConfigDict(strict=True, extra="forbid")

    status: str = Field(max_length=12)
    reason: str = Field(max_length=2000)


class DetectIn(BaseModel):
    model_config = ConfigDict(strict=True, extra="forbid")

    as_of: date | None = Field(None, strict=False)
