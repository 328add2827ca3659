"""API shapes of the best-practice database. `PracticeIn` is what each version stores (with the practice's
classification); at least one language version is required, any of kk, ru, en."""

from __future__ import annotations

from datetime import date, datetime
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

from qorgau.core.types import JsonInt

Category = Literal["machinery_equipment", "electrical", "falls_heights", "chemical_gas_dust", "fire_explosion",
                   "ppe", "transport_vehicles", "confined_space", "physical_environment", "ergonomics_workload",
                   "biological", "psychosocial_harassment", "labor_rights", "other"]
SourceKind = Literal["enterprise_kz", "eu_osha", "ilo", "hse", "niosh", "osha", "swa", "other"]
Size = Literal["any", "micro", "small", "medium", "large"]
CostBand = Literal["none", "low", "medium", "high", "unknown"]
Outcome = Literal["worked", "partly", "did_not_work", "too_early"]
Lang = Literal["kk", "ru", "en"]
Mode = Literal["combined", "fulltext", "semantic"]


class _In(BaseModel):
    model_config = ConfigDict(strict=True, extra="forbid")


class TextsIn(_In):
    """One language version."""
    title: str = Field(..., min_length=3, max_length=200)
    problem: str = Field(..., min_length=3, max_length=3000)
    action: str = Field(..., min_length=3, max_length=5000, description="What was done")
    result: str = Field("", max_length=3000, description="The result, in words")


class FigureIn(_In):
    """A before/after figure, only where it was measured (or the source gives it)."""
    measure: str = Field(..., min_length=2, max_length=200)
    unit: str = Field("", max_length=40)
    before: float = Field(..., ge=-1e12, le=1e12, allow_inf_nan=False)
    after: float = Field(..., ge=-1e12, le=1e12, allow_inf_nan=False)


class PracticeIn(_In):
    category: Category
    sector_code: str | None = Field(None, pattern=r"^[A-U]$", description="OKED section letter")
    size: Size = "any"
    cost_band: CostBand = "unknown"
    country: str = Field("KZ", pattern=r"^([A-Z]{2}|EU|INT)$")
    source_kind: SourceKind = "enterprise_kz"
    source_title: str = Field(..., min_length=3, max_length=300)
    source_url: str = Field("", max_length=500, pattern=r"^(https?://\S+)?$")
    licence: str = Field(..., min_length=2, max_length=200)
    enterprise_id: JsonInt | None = Field(None, ge=1, le=2_147_483_647,
                                          description="The enterprise the practice comes from (Kazakhstani sources)")
    texts: dict[Lang, TextsIn] = Field(..., description="Language versions: kk, ru, en (at least one)")
    figures: list[FigureIn] = Field(default_factory=list, max_length=20)
    change_note: str = Field("", max_length=500)

    @model_validator(mode="after")
    def _one_language(self) -> PracticeIn:
        if not self.texts:
            raise ValueError("At least one language version is needed.")
        return self


class DecisionIn(_In):
    decision: Literal["approve", "return"]
    note: str = Field("", max_length=2000)


class WithdrawIn(_In):
    note: str = Field(..., min_length=3, max_length=2000)


class AdoptionIn(_In):
    enterprise_id: JsonInt = Field(..., ge=1, le=2_147_483_647)
    adopted_on: date = Field(..., strict=False, description="YYYY-MM-DD")
    outcome: Outcome
    result: str = Field("", max_length=3000)
    measure: str = Field("", max_length=200)
    unit: str = Field("", max_length=40)
    before: float | None = Field(None, ge=-1e12, le=1e12, allow_inf_nan=False)
    after: float | None = Field(None, ge=-1e12, le=1e12, allow_inf_nan=False)

    @model_validator(mode="after")
    def _pair(self) -> AdoptionIn:
        if (self.before is None) != (self.after is None):
            raise ValueError("Give both the figure before and the figure after, or neither.")
        if self.before is not None and not self.measure:
            raise ValueError("Say what the figures measure.")
        return self


class PracticeOut(BaseModel):
    id: int
    key: str
    status: str
    title: dict[str, str]
    languages: list[str]
    category: str
    sector_code: str | None
    size: str
    cost_band: str
    country: str
    source_kind: str
    source_title: str
    source_url: str
    licence: str
    synthetic: bool
    current_version: int
    published_version: int | None
    published_at: datetime | None
    adoptions: dict[str, int] = Field(default_factory=dict, description="Adoptions by outcome")


class PracticeDetailOut(PracticeOut):
    texts: dict[str, dict[str, str]]
    figures: list[dict]
    versions: list[dict]
    reviews: list[dict]


class SearchOut(BaseModel):
    query: str
    mode: str
    results: list[PracticeOut]


class AdoptionOut(BaseModel):
    id: int
    practice_id: int
    enterprise_id: int
    adopted_on: date
    outcome: str
    result: str
    measure: str
    unit: str
    before: float | None
    after: float | None
    synthetic: bool
