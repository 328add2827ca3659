"""The generic accident import layout: one row per injured worker (an ICLS "case"), CSV or XLSX.

| column | content | required |
|---|---|---|
| accident_id | the accident; rows sharing it are victims of one (group) accident | yes |
| date | YYYY-MM-DD or DD.MM.YYYY, not in the future | yes |
| enterprise_id | the enterprise (BIN or the registry's id); same for every row of an accident | yes |
| outcome | fatal, serious or light | yes |
| days_lost | calendar days of incapacity, excluding the day of the accident | no |
| sex | m or f | no |
| age_band | 15-24, 25-34, 35-44, 45-54, 55-64, 65+ | no |
| isco08 | ISCO-08 code, 1-4 digits | no |
| employment_status | employee, contractor or agency | no |
| cause | worn_equipment, employer_negligence, unsafe_act, organisation, training, ppe, road_traffic, third_party, other, unknown | no |
| esaw_deviation, esaw_contact | ESAW 2-digit codes whose tens group is in `labels.ESAW_DEVIATION` / `ESAW_CONTACT` | no |
| esaw_agent | ESAW material agent, 2 digits (group 00-20 or 99) | no |
| union_present | yes/no (also 1/0, true/false, да/нет, иә/жоқ) | no |
| region, sector | KATO region code and OKED section, passed through | no |

A file with any error yields no rows; `ImportProblems` names every row, column and reason.
"""

from __future__ import annotations

import re
from datetime import date
from pathlib import Path

import pandas as pd

from qorgau.core.imports import CellError, parse_yes_no
from qorgau.incidents.labels import CAUSES, EMPLOYMENT_STATUS, ESAW_CONTACT, ESAW_DEVIATION, OUTCOMES
from qorgau.incidents.tables import ImportProblems, RowProblem, parse_date, parse_number, read_rows

REQUIRED = ("accident_id", "date", "enterprise_id", "outcome")
AGE_BANDS = ("15-24", "25-34", "35-44", "45-54", "55-64", "65+")
SEX = {"m": "m", "male": "m", "м": "m", "f": "f", "female": "f", "ж": "f"}


def _esaw(value: str, groups: dict[str, str]) -> str | None:
    """The code if its tens group is a known ESAW group, else None."""
    if not re.fullmatch(r"\d{2}", value):
        return None
    return value if value in groups or f"{value[0]}0" in groups else None


def parse_accidents(data: bytes | str | Path, filename: str = "", today: date | None = None) -> pd.DataFrame:
    """Cases ready for the rate engine (enterprise_id, year, outcome, days_lost, cases = 1, group, ...)."""
    header, rows = read_rows(data, filename)
    source = filename or (Path(data).name if isinstance(data, Path) else "")
    today = today or date.today()
    problems = [RowProblem(1, c, "required column is missing") for c in REQUIRED if c not in header]
    if problems:
        raise ImportProblems(problems, source)
    records = []
    accidents: dict[str, tuple[int, date | None, str]] = {}
    for number, row in rows:
        def bad(column: str, reason: str, number: int = number) -> None:
            problems.append(RowProblem(number, column, reason))

        record: dict = {"row": number, "cases": 1}
        for column in REQUIRED:
            if not row.get(column):
                bad(column, "blank")
        record["accident_id"] = row.get("accident_id", "")
        record["enterprise_id"] = row.get("enterprise_id", "")
        record["date"] = None
        if row.get("date"):
            try:
                record["date"] = parse_date(row["date"])
                if record["date"] > today:
                    bad("date", f"{record['date'].isoformat()} is in the future")
            except ValueError as error:
                bad("date", str(error))
        outcome = row.get("outcome", "").lower()
        if outcome and outcome not in OUTCOMES:
            bad("outcome", f"{outcome!r} is not one of: {', '.join(OUTCOMES)}")
        record["outcome"] = outcome
        record["days_lost"] = 0
        if row.get("days_lost"):
            try:
                record["days_lost"] = parse_number(row["days_lost"], integer=True)
            except ValueError as error:
                bad("days_lost", str(error))
        sex = row.get("sex", "").lower()
        if sex and sex not in SEX:
            bad("sex", f"{sex!r} is not m or f")
        record["sex"] = SEX.get(sex)
        age = row.get("age_band", "")
        if age and age not in AGE_BANDS:
            bad("age_band", f"{age!r} is not one of: {', '.join(AGE_BANDS)}")
        record["age_band"] = age or None
        isco = row.get("isco08", "")
        if isco and not re.fullmatch(r"\d{1,4}", isco):
            bad("isco08", f"{isco!r} is not an ISCO-08 code of 1-4 digits")
        record["isco08"] = isco or None
        for column, allowed in (("employment_status", EMPLOYMENT_STATUS), ("cause", CAUSES)):
            value = row.get(column, "").lower()
            if value and value not in allowed:
                bad(column, f"{value!r} is not one of: {', '.join(allowed)}")
            record[column] = value or None
        for column, groups in (("esaw_deviation", ESAW_DEVIATION), ("esaw_contact", ESAW_CONTACT)):
            value = row.get(column, "")
            if value and _esaw(value, groups) is None:
                bad(column, f"{value!r} is not an ESAW code (2 digits of a known group)")
            record[column] = value or None
        agent = row.get("esaw_agent", "")
        if agent and not (re.fullmatch(r"\d{2}", agent) and (int(agent) <= 20 or agent == "99")):
            bad("esaw_agent", f"{agent!r} is not an ESAW material agent group (00-20 or 99)")
        record["esaw_agent"] = agent or None
        union = row.get("union_present", "")
        record["union"] = None
        if union:
            try:
                record["union"] = parse_yes_no(union)
            except CellError as error:
                bad("union_present", str(error))
        for column in ("region", "sector"):
            record[column] = row.get(column) or None
        known = accidents.get(record["accident_id"])
        if record["accident_id"] and known is None:
            accidents[record["accident_id"]] = (number, record["date"], record["enterprise_id"])
        elif known is not None and (known[1] != record["date"] or known[2] != record["enterprise_id"]):
            bad("accident_id", f"accident {record['accident_id']} has another date or enterprise on row {known[0]}")
        records.append(record)
    if problems:
        raise ImportProblems(problems, source)
    frame = pd.DataFrame(records)
    if frame.empty:
        return frame
    frame["year"] = [d.year for d in frame["date"]]
    frame["victims"] = frame.groupby("accident_id")["cases"].transform("sum")
    frame["group"] = frame["victims"] >= 2
    return frame
