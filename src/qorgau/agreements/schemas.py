"""API shapes of collective agreements (inputs strict and bounded)."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from qorgau.core.types import MAX_ID, JsonInt

Kind = Literal["occupational_safety", "biosafety", "ppe", "ai_automation", "re_equipment", "medical_examinations",
               "hazard_compensation", "safety_representatives", "accident_compensation"]
UnitName = Literal["", "percent_payroll", "kzt", "kzt_per_worker", "days", "hours", "times_per_year", "months",
                   "years_earnings", "percent"]
Language = Literal["kk", "ru", "en"]


class _In(BaseModel):
    model_config = ConfigDict(strict=True, extra="forbid")


class AgreementIn(_In):
    enterprise_id: JsonInt = Field(..., ge=1, le=MAX_ID)
    union_id: JsonInt | None = Field(None, ge=1, le=MAX_ID, description="The union body that signs; "
                                     "the enterprise's primary organisation when left out")
    workers_party: str = Field("", max_length=300, description="Workers' representatives when no union signs")
    employer_party: str = Field(..., min_length=1, max_length=300)
    title: str = Field(..., min_length=1, max_length=300)
    number: str = Field("", max_length=60)
    language: Language = "ru"
    signed_on: date | None = Field(None, strict=False, description="YYYY-MM-DD")
    valid_from: date | None = Field(None, strict=False, description="YYYY-MM-DD")
    valid_to: date | None = Field(None, strict=False, description="YYYY-MM-DD")
    submitted_on: date | None = Field(None, strict=False, description="YYYY-MM-DD: to the territorial labour unit")
    registration_ref: str = Field("", max_length=100)


class ClauseIn(_In):
    kind: Kind
    number: str = Field("", max_length=20)
    language: Language
    text: str = Field(..., min_length=1, max_length=20_000)
    commitment: str = Field("", max_length=500)
    amount: Decimal | None = Field(None, strict=False, ge=0, le=Decimal("999999999999"), decimal_places=2)
    unit: UnitName = ""
    legal_minimum: str = Field("", max_length=300)


class ModelInsertIn(_In):
    key: str = Field(..., min_length=1, max_length=64)
    language: Language
    number: str = Field("", max_length=20)


class MoveIn(_In):
    status: Literal["in_force", "expired", "terminated"]
    ended_on: date | None = Field(None, strict=False, description="YYYY-MM-DD: the last day, when terminated")
    reason: str = Field("", max_length=500)


class AmendmentIn(_In):
    signed_on: date = Field(..., strict=False, description="YYYY-MM-DD")
    summary: str = Field(..., min_length=1, max_length=1000)
    valid_to: date | None = Field(None, strict=False, description="YYYY-MM-DD: a new end date, if the amendment "
                                  "extends the agreement")


class CommentIn(_In):
    text: str = Field(..., min_length=1, max_length=4000)
    clause_id: JsonInt | None = Field(None, ge=1, le=MAX_ID)


class PartnershipIn(_In):
    """A general, sectoral or regional agreement of social partnership (Labour Code art. 148-155)."""

    level: Literal["general", "sectoral", "regional"]
    title: str = Field(..., min_length=1, max_length=300)
    parties: str = Field(..., min_length=1, max_length=1000, description="The signatories, as signed")
    sector_code: str | None = Field(None, min_length=1, max_length=1, description="OKED section it covers")
    region_kato: str | None = Field(None, min_length=9, max_length=9, description="KATO code of the region")
    language: Language = "ru"
    signed_on: date | None = Field(None, strict=False, description="YYYY-MM-DD")
    valid_from: date = Field(..., strict=False, description="YYYY-MM-DD")
    valid_to: date | None = Field(None, strict=False, description="YYYY-MM-DD")
    source: str = Field("", max_length=500, description="Where its text was published")


class PartnershipClauseIn(_In):
    kind: Kind
    number: str = Field("", max_length=20)
    language: Language = "ru"
    text: str = Field(..., min_length=1, max_length=20000)
