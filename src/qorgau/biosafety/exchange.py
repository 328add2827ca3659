"""The exchange format with the National Center for Occupational Diseases (docs/biosafety.md): a case list as
CSV or XLSX (read by the core import path: reader, row model, staged flow) or JSON, and the export of cases and
clusters as CSV and JSON.

A case list is imported all-or-nothing: every row is checked first (place by KATO, OKED section, disease, date,
enterprise by BIN in the importer's scope) and every problem is named by row and column. A case already imported
from the same source with the same reference is skipped, so sending the same list twice adds nothing."""

from __future__ import annotations

import json
import re
from datetime import date
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from qorgau.biosafety import agents as agents_mod
from qorgau.biosafety import service
from qorgau.biosafety.engine.scan import region_of
from qorgau.biosafety.models import BioCase
from qorgau.biosafety.states import ACTIVITIES
from qorgau.core import policy
from qorgau.core.db import utcnow
from qorgau.core.i18n_markers import N_
from qorgau.core.imports import Problem, read_table
from qorgau.core.imports.flow import Checked, Importer
from qorgau.core.imports.rows import DateCell, FileFormat, RowModel, Text, YesNo
from qorgau.core.models import User
from qorgau.registry import access
from qorgau.registry.models import Enterprise, Region, Sector

COLUMNS = ("reference", "disease", "icd10", "onset_on", "kato", "sector", "enterprise_bin", "activity",
           "laboratory_confirmed")


class CaseRow(RowModel):
    reference: Text = None
    disease: Text = None
    icd10: Text = None
    onset_on: DateCell = None
    kato: Text = None
    sector: Text = None
    enterprise_bin: Text = None
    activity: Text = None
    laboratory_confirmed: YesNo = None


FORMAT = FileFormat(CaseRow, {
    "reference": ("case", "case number", "номер случая", "номер", "жағдай нөмірі", "нөмірі"),
    "disease": ("diagnosis", "заболевание", "диагноз", "ауру"),
    "icd10": ("icd-10", "icd", "мкб-10", "мкб", "ақх-10"),
    "onset_on": ("onset", "date", "дата заболевания", "дата", "ауырған күні", "күні"),
    "kato": ("като", "kato code", "код като", "ӘАОЖ", "әаож"),
    "sector": ("oked", "оked section", "оквэд", "окэд", "секция окэд", "ЭҚЖЖ", "эқжж"),
    "enterprise_bin": ("bin", "бин", "бсн", "enterprise"),
    "activity": ("workplace", "вид работ", "жұмыс түрі"),
    "laboratory_confirmed": ("confirmed", "лабораторно подтверждён", "зертханада расталған"),
}, required=frozenset({"reference", "onset_on", "kato"}))
KATO = re.compile(r"^[0-9]{9}$")
BIN = re.compile(r"^[0-9]{12}$")


def _disease(record: CaseRow) -> str | None:
    if record.disease:
        key = record.disease.strip().lower()
        if key in agents_mod.DISEASES:
            return key
        for code, label in agents_mod.DISEASES.items():
            if key == label.lower():
                return code
    if record.icd10:
        return agents_mod.disease_of_icd10(record.icd10)
    return None


def _check_rows(session: Session, actor: User, records: list[tuple[int, CaseRow]], source: str,
                columns: dict[str, str]) -> tuple[list[dict], list[Problem], int]:
    regions = {r.kato for r in session.execute(select(Region)).scalars()}
    sectors = {s.code for s in session.execute(select(Sector)).scalars()}
    bins = {r.enterprise_bin.replace(" ", "") for _n, r in records if r.enterprise_bin}
    enterprises = dict(session.execute(select(Enterprise.bin, Enterprise.id).where(
        Enterprise.bin.in_(list(bins)), access.enterprise_scope(session, actor))).all()) if bins else {}
    known = set(session.execute(select(BioCase.reference).where(BioCase.source == source)).scalars())
    rows, problems, skipped, seen = [], [], 0, set()
    today = utcnow().date()

    def bad(number: int, name: str, message: str, **params) -> None:
        problems.append(Problem(number, columns.get(name, name), message, params))

    for number, record in records:
        before = len(problems)
        reference = (record.reference or "").strip()
        if len(reference) > 60:
            bad(number, "reference", N_("Longer than %(limit)s characters."), limit=60)
        if reference in seen:
            bad(number, "reference", N_("This case number is already on another row of the file."))
        seen.add(reference)
        disease = _disease(record)
        if disease is None:
            bad(number, "disease", N_("Unknown disease: write one of the diseases of the agents list, or its "
                                      "ICD-10 code."))
        if record.icd10 and len(record.icd10) > 8:
            bad(number, "icd10", N_("Longer than %(limit)s characters."), limit=8)
        kato = (record.kato or "").strip()
        if not KATO.match(kato):
            bad(number, "kato", N_("The KATO code has 9 digits."))
        elif region_of(kato) not in regions:
            bad(number, "kato", N_("No region has the KATO code %(code)s."), code=region_of(kato))
        sector = (record.sector or "").strip().upper() or None
        if sector is not None and sector not in sectors:
            bad(number, "sector", N_("Unknown OKED section: write a letter from A to U."))
        enterprise_id = None
        if record.enterprise_bin:
            key = record.enterprise_bin.replace(" ", "")
            if not BIN.match(key):
                bad(number, "enterprise_bin", N_("The BIN has 12 digits."))
            elif key not in enterprises:
                bad(number, "enterprise_bin", N_("No enterprise with this BIN in your scope."))
            else:
                enterprise_id = enterprises[key]
        activity = (record.activity or "").strip() or None
        if activity is not None and activity not in ACTIVITIES:
            bad(number, "activity", N_("Unknown kind of workplace: write one of %(names)s."),
                names=", ".join(ACTIVITIES))
        if record.onset_on is not None and (record.onset_on > today or record.onset_on.year < 1950):
            bad(number, "onset_on", N_("The date cannot be in the future or before 1950."))
        if len(problems) > before:
            continue
        if reference in known:
            skipped += 1
            continue
        rows.append({"source": source, "reference": reference, "disease": disease,
                     "icd10": (record.icd10 or "").upper() or None, "onset_on": record.onset_on, "kato": kato,
                     "region_kato": region_of(kato), "sector_code": sector, "enterprise_id": enterprise_id,
                     "activity": activity, "laboratory_confirmed": record.laboratory_confirmed})
    return rows, problems, skipped


def _source(options: dict) -> str:
    source = str((options or {}).get("source") or "ncod").strip()[:40]
    return source if re.match(r"^[a-z0-9_-]{1,40}$", source) else "ncod"


def _read(session: Session, actor: User, data: bytes, filename: str, options: dict) -> tuple[list[dict], Checked]:
    source = _source(options)
    if filename.lower().endswith(".json"):
        records, problems, columns = _json_records(data)
    else:
        table = read_table(data, filename)
        parsed = FORMAT.read(table, (options or {}).get("mapping") or None)
        records, problems, columns = parsed.records, list(parsed.problems), parsed.mapping
    rows, more, skipped = _check_rows(session, actor, records, source, columns)
    checked = Checked(rows=[{k: (v.isoformat() if isinstance(v, date) else v) for k, v in r.items()}
                            for r in rows[:20]],
                      mapping=dict(columns), counts={"new": len(rows), "skipped": skipped},
                      problems=problems + more)
    return rows, checked


def _json_records(data: bytes) -> tuple[list[tuple[int, CaseRow]], list[Problem], dict[str, str]]:
    from pydantic import ValidationError

    try:
        document = json.loads(data.decode("utf-8-sig"))
    except (UnicodeDecodeError, json.JSONDecodeError) as error:
        return [], [Problem(1, "", N_("The file is not JSON: %(reason)s"), {"reason": str(error)[:200]})], {}
    items = document.get("cases") if isinstance(document, dict) else None
    if not isinstance(items, list):
        return [], [Problem(1, "cases", N_("The JSON file needs a list named \"cases\"."))], {}
    records, problems = [], []
    for number, item in enumerate(items, start=1):
        if not isinstance(item, dict):
            problems.append(Problem(number, "", N_("Each case is an object with named fields.")))
            continue
        values = {k: (str(v) if v is not None and not isinstance(v, bool) else v) for k, v in item.items()
                  if k in COLUMNS}
        for name in ("reference", "onset_on", "kato"):
            if not values.get(name):
                problems.append(Problem(number, name, N_("The cell is blank; write the value.")))
        try:
            records.append((number, CaseRow.model_validate(values)))
        except ValidationError as error:
            for e in error.errors():
                name = str(e["loc"][0]) if e.get("loc") else ""
                problems.append(Problem(number, name, N_("%(value)s is not accepted here: %(reason)s"),
                                        {"value": repr(e.get("input")), "reason": e.get("msg", "")}))
    return [r for r in records if not any(p.row == r[0] for p in problems)], problems, {}


def check(*, session: Session, actor: User, data: bytes, filename: str, options: dict) -> Checked:
    policy.require(actor, "biosafety.import")
    return _read(session, actor, data, filename, options)[1]


def write(*, session: Session, actor: User, data: bytes, filename: str, options: dict) -> dict:
    policy.require(actor, "biosafety.import")
    rows, checked = _read(session, actor, data, filename, options)
    for row in rows:
        session.add(BioCase(**row))
    session.flush()
    return {"imported": len(rows), "skipped": checked.counts.get("skipped", 0)}


CASES = Importer(kind="biosafety.cases", permission="biosafety.import", check=check, write=write)


# ---- export -------------------------------------------------------------------------------------------------

CASE_FIELDS = ("source", "reference", "disease", "icd10", "onset_on", "kato", "region_kato", "sector_code",
               "enterprise_bin", "activity", "laboratory_confirmed", "synthetic")
CLUSTER_FIELDS = ("id", "disease", "kato", "level", "region_kato", "sector_code", "start_on", "end_on", "cases",
                  "expected", "relative_risk", "llr", "p_value", "total_cases", "status", "decision_reason",
                  "method", "synthetic")


def export_cases(*, session: Session, actor: User) -> list[dict[str, Any]]:
    policy.require(actor, "biosafety.export")
    bins = dict(session.execute(select(Enterprise.id, Enterprise.bin)).all())
    out = []
    for case in session.execute(service.cases_query(session=session, actor=actor)).scalars():
        out.append({"source": case.source, "reference": case.reference, "disease": case.disease,
                    "icd10": case.icd10, "onset_on": case.onset_on.isoformat(), "kato": case.kato,
                    "region_kato": case.region_kato, "sector_code": case.sector_code,
                    "enterprise_bin": bins.get(case.enterprise_id) if case.enterprise_id else None,
                    "activity": case.activity, "laboratory_confirmed": case.laboratory_confirmed,
                    "synthetic": case.synthetic})
    return out


def export_clusters(*, session: Session, actor: User) -> list[dict[str, Any]]:
    policy.require(actor, "biosafety.export")
    return [service.cluster_out(c) for c in session.execute(service.clusters_query(session=session,
                                                                                   actor=actor)).scalars()]


def export_json(*, session: Session, actor: User) -> dict[str, Any]:
    return {"format": "qorgau.biosafety/1", "exported_at": utcnow().isoformat(),
            "cases": export_cases(session=session, actor=actor),
            "clusters": export_clusters(session=session, actor=actor)}
