"""Row models of the incidents files that the core import path reads (see docs/formats/README.md)."""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import BeforeValidator

from qorgau.core.imports.rows import Count, DateCell, FileFormat, Number, RowModel, Text, Year, YesNo

Outcome = Annotated[Literal["fatal", "serious", "light"] | None,
                    BeforeValidator(lambda v: None if v is None or not str(v).strip() else str(v).strip().lower())]


class CaseCountRow(RowModel):
    """One row of a table of case counts: enterprise, year, and optionally outcome, cases and days lost."""

    enterprise_id: Text = None
    year: Year = None
    outcome: Outcome = None
    cases: Count = None
    days_lost: Number = None


CASE_COUNTS = FileFormat(
    CaseCountRow,
    {"enterprise_id": ("enterprise", "bin", "бин", "бсн", "предприятие", "кәсіпорын"),
     "year": ("год", "жыл"),
     "outcome": ("исход", "нәтиже"),
     "cases": ("случаи", "число случаев", "жағдайлар"),
     "days_lost": ("дни нетрудоспособности", "еңбекке жарамсыз күндер")},
    required=frozenset({"enterprise_id", "year"}),
)


class AccidentRow(RowModel):
    """One row of the generic accident layout: one injured worker of an accident (see `accident_file`)."""

    accident_id: Text = None
    date: DateCell = None
    enterprise_id: Text = None
    outcome: Text = None
    days_lost: Count = None
    sex: Text = None
    age_band: Text = None
    isco08: Text = None
    employment_status: Text = None
    cause: Text = None
    esaw_deviation: Text = None
    esaw_contact: Text = None
    esaw_agent: Text = None
    union_present: YesNo = None
    region: Text = None
    sector: Text = None


ACCIDENTS = FileFormat(AccidentRow, {name: () for name in AccidentRow.model_fields},
                       required=frozenset({"accident_id", "date", "enterprise_id", "outcome"}))
