"""The generic accident import layout: one row per injured worker (an ICLS "case"), CSV or XLSX.

| column | content | required |
|---|---|---|
| accident_id | the accident; rows sharing it are victims of one (group) accident | yes |
| date | YYYY-MM-DD or DD.MM.YYYY, not in the future | yes |
| enterprise_id | the enterprise (BIN or the registry's id); same for every row of an accident | yes |
| outcome | fatal, serious or light | yes |
| days_lost | calendar days of incapacity, excluding the day of the accident; blank: not known (never read as 0) | no |
| sex | m or f | no |
| age_band | 15-24, 25-34, 35-44, 45-54, 55-64, 65+ | no |
| isco08 | ISCO-08 code, 1-4 digits | no |
| employment_status | employee, contractor or agency | no |
| cause | worn_equipment, employer_negligence, unsafe_act, organisation, training, ppe, road_traffic, third_party, other, unknown | no |
| esaw_deviation, esaw_contact | ESAW 2-digit codes whose tens group is in `labels.ESAW_DEVIATION` / `ESAW_CONTACT` | no |
| esaw_agent | ESAW material agent, 2 digits (group 00-20 or 99) | no |
| union_present | yes/no (also 1/0, true/false, да/нет, иә/жоқ) | no |
| region, sector | KATO region code and OKED section, passed through | no |

A file with any error yields no rows; `FileProblems` names every row, column and reason (a message id with its
parameters, shown in the reader's language). The row model is `formats.AccidentRow`.
"""

from __future__ import annotations

import re
from datetime import date
from pathlib import Path

import pandas as pd

from qorgau.core.i18n_markers import N_
from qorgau.core.imports import FileProblems, Problem, read_table
from qorgau.incidents.engine.formats import ACCIDENTS, AccidentRow
from qorgau.incidents.labels import CAUSES, EMPLOYMENT_STATUS, ESAW_CONTACT, ESAW_DEVIATION, OUTCOMES

REQUIRED = ("accident_id", "date", "enterprise_id", "outcome")
AGE_BANDS = ("15-24", "25-34", "35-44", "45-54", "55-64", "65+")
SEX = {"m": "m", "male": "m", "м": "m", "f": "f", "female": "f", "ж": "f"}
NOT_ONE_OF = N_("%(value)s is not one of: %(allowed)s")


def _esaw(value: str, groups: dict[str, str]) -> str | None:
    """The code if its tens group is a known ESAW group, else None."""
    if not re.fullmatch(r"\d{2}", value):
        return None
    return value if value in groups or f"{value[0]}0" in groups else None


def _choices(row: AccidentRow, bad) -> dict:
    """The coded columns of a row (lower case where the codes are words), each checked against its list."""
    out: dict = {}
    for column, allowed in (("outcome", OUTCOMES), ("employment_status", EMPLOYMENT_STATUS), ("cause", CAUSES),
                            ("age_band", AGE_BANDS), ("sex", SEX)):
        raw = getattr(row, column) or ""
        value = raw if column == "age_band" else raw.lower()
        if value and value not in allowed:
            bad(column, NOT_ONE_OF, value=repr(raw), allowed=", ".join(dict.fromkeys(allowed.values() if column ==
                                                                                      "sex" else allowed)))
        out[column] = (SEX.get(value) if column == "sex" else value) or None
    if row.isco08 and not re.fullmatch(r"\d{1,4}", row.isco08):
        bad("isco08", N_("%(value)s is not an ISCO-08 code of 1-4 digits"), value=repr(row.isco08))
    for column, groups in (("esaw_deviation", ESAW_DEVIATION), ("esaw_contact", ESAW_CONTACT)):
        value = getattr(row, column)
        if value and _esaw(value, groups) is None:
            bad(column, N_("%(value)s is not an ESAW code (2 digits of a known group)"), value=repr(value))
    agent = row.esaw_agent
    if agent and not (re.fullmatch(r"\d{2}", agent) and (int(agent) <= 20 or agent == "99")):
        bad("esaw_agent", N_("%(value)s is not an ESAW material agent group (00-20 or 99)"), value=repr(agent))
    return out


def parse_accidents(data: bytes | str | Path, filename: str = "", today: date | None = None) -> pd.DataFrame:
    """Cases ready for the rate engine (enterprise_id, year, outcome, days_lost, cases = 1, group, ...)."""
    if isinstance(data, Path) or (isinstance(data, str) and not filename):
        filename, data = Path(data).name, Path(data).read_bytes()
    source = filename
    table = read_table(data, filename or "accidents.csv")
    today = today or date.today()
    parsed = ACCIDENTS.read(table, {name: name for name in AccidentRow.model_fields if name in table.header})
    problems: list[Problem] = list(parsed.problems)
    if any(p.row == 1 for p in problems):
        raise FileProblems(problems, source)
    records = []
    accidents: dict[str, tuple[int, date | None, str]] = {}
    texts = dict(table.numbered())
    for number, row in parsed.every():
        def bad(column: str, message: str, number: int = number, **params) -> None:
            problems.append(Problem(number, column, message, params))

        marker = texts[number].get("days_lost", "")
        if row.days_lost is None and marker.strip():  # a marker such as "x" or "-": days lost are not known
            bad("days_lost", N_("%(value)s is a missing-value marker: write the days lost (0 if none)"),
                value=repr(marker))

        if row.date is not None and row.date > today:
            bad("date", N_("%(value)s is in the future"), value=row.date.isoformat())
        record: dict = {"row": number, "cases": 1, "accident_id": row.accident_id, "enterprise_id": row.enterprise_id,
                        "date": row.date, "days_lost": row.days_lost, "isco08": row.isco08,
                        "esaw_deviation": row.esaw_deviation, "esaw_contact": row.esaw_contact,
                        "esaw_agent": row.esaw_agent, "union": row.union_present, "region": row.region,
                        "sector": row.sector, **_choices(row, bad)}
        known = accidents.get(row.accident_id or "")
        if row.accident_id and known is None:
            accidents[row.accident_id] = (number, row.date, row.enterprise_id or "")
        elif known is not None and (known[1] != row.date or known[2] != row.enterprise_id):
            bad("accident_id", N_("accident %(accident)s has another date or enterprise on row %(other)s"),
                accident=row.accident_id, other=known[0])
        records.append(record)
    if problems:
        raise FileProblems(problems, source)
    frame = pd.DataFrame(records)
    if frame.empty:
        return frame
    frame["year"] = [d.year for d in frame["date"]]
    frame["victims"] = frame.groupby("accident_id")["cases"].transform("sum")
    frame["group"] = frame["victims"] >= 2
    return frame
