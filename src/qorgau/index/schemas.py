"""API shapes of the Safety Index."""

from __future__ import annotations

from datetime import date, datetime
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from qorgau.core.types import JsonInt


class MethodologyIn(BaseModel):
    model_config = ConfigDict(strict=True, extra="forbid")
    yaml_text: str = Field(..., min_length=1, max_length=200_000, description="The methodology YAML with a new version")
    note: str = Field(..., min_length=1, max_length=2000, description="What changes and why")


class ReviewIn(BaseModel):
    model_config = ConfigDict(strict=True, extra="forbid")
    decision: Literal["approve", "reject"]
    note: str = Field("", max_length=2000)


class MethodologyOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)
    id: int
    version: str
    status: str
    sha256: str
    note: str
    proposed_at: datetime
    reviewed_at: datetime | None
    review_note: str


class MethodologyDetail(MethodologyOut):
    yaml_text: str
    page: dict = Field(description="Formulas, sources, weights and choices (describe())")


class RunIn(BaseModel):
    model_config = ConfigDict(strict=True, extra="forbid")
    period: JsonInt = Field(..., ge=2000, le=2100, description="The index year")
    seed: JsonInt | None = Field(None, ge=0, le=2_147_483_647, description="Monte Carlo seed; default the year")
    runs: JsonInt | None = Field(None, ge=1, le=2000, description="Monte Carlo replications; default the methodology's")


class PublishIn(BaseModel):
    model_config = ConfigDict(strict=True, extra="forbid")
    statement: str = Field("", max_length=2000, description="A note published with the index")


class RunOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)
    id: int
    period: int
    methodology_version: str
    seed: int
    runs: int
    computed_at: datetime
    enterprises: int
    ranked: int
    insufficient: int
    sources: dict
    indicator_coverage: dict
    sensitivity: dict
    results_sha256: str


class PublicationOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)
    id: int
    period: int
    run_id: int
    published_on: date
    published_at: datetime
    statement: str


class ScoreOut(BaseModel):
    enterprise_id: int
    bin: str
    name: str
    sector_code: str
    headcount: int
    status: Literal["ranked", "insufficient_data"]
    score: float | None
    rank: float | None
    rank_median: float | None
    rank_p05: float | None
    rank_p95: float | None
    score_p05: float | None
    score_p95: float | None
    coverage: float


class RankingOut(BaseModel):
    period: int
    methodology_version: str
    seed: int
    runs: int
    published_on: date | None
    results_sha256: str
    items: list[ScoreOut]


class IndicatorExplained(BaseModel):
    id: str
    label: str
    pillar: str
    weight_share: float
    raw: float | None
    normalised: float | None
    contribution: float | None
    imputed: bool
    has_source: bool


class TrendPoint(BaseModel):
    period: int
    score: float | None
    rank: float | None
    rank_p05: float | None
    rank_p95: float | None
    status: str
    version: str


class ReplyOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)
    id: int
    enterprise_id: int
    period: int
    body: str
    status: str
    submitted_at: datetime
    moderated_at: datetime | None
    moderation_note: str
    evidence: list[EvidenceOut] = []


class EvidenceOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)
    id: int
    filename: str
    media_type: str
    size: int


class ExplanationOut(BaseModel):
    period: int
    methodology_version: str
    score: ScoreOut
    pillars: dict[str, float | None]
    indicators: list[IndicatorExplained]
    trend: list[TrendPoint]
    peers: list[ScoreOut]
    peers_scope: Literal["sector_size", "sector"]
    replies: list[ReplyOut]


class ReplyIn(BaseModel):
    model_config = ConfigDict(strict=True, extra="forbid")
    period: JsonInt = Field(..., ge=2000, le=2100)
    body: str = Field(..., min_length=10, max_length=5000)


class ModerateIn(BaseModel):
    model_config = ConfigDict(strict=True, extra="forbid")
    decision: Literal["publish", "reject"]
    note: str = Field("", max_length=2000)


class ReplyPage(BaseModel):
    items: list[ReplyOut]
    total: int
    page: int
    per_page: int
    pages: int


ReplyOut.model_rebuild()
