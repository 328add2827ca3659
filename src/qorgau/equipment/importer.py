"""Import an enterprise's equipment register from a spreadsheet on the platform's staged import flow: column
mapping (names recognised in kk/ru/en), a dry run with every problem by row and column, all-or-nothing commit,
one audit event. The format is described in docs/formats/equipment.md.

Every row is checked before anything is written; the write goes into the request's transaction, so a problem
anywhere leaves nothing behind. An inventory number already registered at the enterprise is skipped (counted
as already registered), so a corrected file can be imported again.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date

from sqlalchemy import select
from sqlalchemy.orm import Session

from qorgau.core import policy
from qorgau.core.db import utcnow
from qorgau.core.i18n_markers import N_
from qorgau.core.imports import FileProblems, Problem, Table, read_table
from qorgau.core.imports.flow import Checked, Importer
from qorgau.core.imports.rows import Count, DateCell, FileFormat, RowModel, Text, Year
from qorgau.core.models import User
from qorgau.equipment import catalogue, service
from qorgau.equipment.models import Condition, EquipmentItem, ItemCertificate
from qorgau.registry import access
from qorgau.registry.models import Enterprise, Site, Zone

CHUNK = 900


class EquipmentRow(RowModel):
    """One row of an equipment register (the file format; columns in kk/ru/en below)."""

    enterprise: Text = None
    inventory_number: Text = None
    type: Text = None
    name: Text = None
    manufacturer: Text = None
    commissioned_year: Year = None
    service_life_years: Count = None
    site: Text = None
    zone: Text = None
    condition: Text = None
    expert_examination_on: DateCell = None
    expert_examination_until: DateCell = None
    technical_examination_on: DateCell = None
    technical_examination_until: DateCell = None
    extended_until: DateCell = None


# field -> (required, header names it is recognised by, in en / ru / kk)
FIELDS: dict[str, tuple[bool, tuple[str, ...]]] = {
    "enterprise": (True, ("enterprise", "bin", "бин", "предприятие", "организация", "кәсіпорын", "бсн")),
    "inventory_number": (True, ("inventory number", "inventory_no", "инвентарный номер", "инв. номер", "инв. №",
                                "түгендеу нөмірі")),
    "type": (True, ("type", "equipment type", "вид оборудования", "тип", "вид", "жабдық түрі", "түрі")),
    "name": (False, ("name", "model", "наименование", "модель", "атауы")),
    "manufacturer": (False, ("manufacturer", "изготовитель", "завод-изготовитель", "дайындаушы")),
    "commissioned_year": (False, ("commissioned", "year commissioned", "год ввода в эксплуатацию", "год ввода",
                                  "пайдалануға берілген жылы")),
    "service_life_years": (False, ("service life", "service life, years", "нормативный срок службы",
                                   "срок службы, лет", "срок службы", "қызмет мерзімі", "нормативтік қызмет мерзімі")),
    "site": (False, ("site", "площадка", "цех", "участок", "алаң", "учаске")),
    "zone": (False, ("zone", "зона", "рабочая зона", "аймақ")),
    "condition": (False, ("condition", "состояние", "техническое состояние", "жай-күйі")),
    "expert_examination_on": (False, ("expert examination", "экспертиза промышленной безопасности",
                                      "дата экспертизы", "өнеркәсіптік қауіпсіздік сараптамасы")),
    "expert_examination_until": (False, ("expert examination valid until", "экспертиза действует до",
                                         "срок экспертизы", "сараптама мерзімі")),
    "technical_examination_on": (False, ("technical examination", "техническое освидетельствование",
                                         "дата освидетельствования", "техникалық куәландыру")),
    "technical_examination_until": (False, ("next technical examination", "следующее освидетельствование",
                                            "освидетельствование до", "келесі куәландыру")),
    "extended_until": (False, ("life extended until", "срок службы продлён до", "продлен до",
                               "қызмет мерзімі ұзартылды")),
}
FIELD_LABELS = {
    "enterprise": N_("Enterprise (BIN)"), "inventory_number": N_("Inventory number"), "type": N_("Equipment type"),
    "name": N_("Name or model"), "manufacturer": N_("Manufacturer"), "commissioned_year": N_("Year commissioned"),
    "service_life_years": N_("Normative service life, years"), "site": N_("Site"), "zone": N_("Zone"),
    "condition": N_("Condition"), "expert_examination_on": N_("Expert examination, date"),
    "expert_examination_until": N_("Expert examination, valid until"),
    "technical_examination_on": N_("Technical examination, date"),
    "technical_examination_until": N_("Technical examination, next due"),
    "extended_until": N_("Service life extended until"),
}
CONDITION_WORDS = {
    Condition.good: ("good", "исправно", "исправен", "работоспособно", "хорошее", "жарамды", "жақсы"),
    Condition.needs_repair: ("needs repair", "needs_repair", "требует ремонта", "ремонт", "жөндеуді қажет етеді"),
    Condition.out_of_service: ("out of service", "out_of_service", "выведено из эксплуатации", "неисправно",
                               "не эксплуатируется", "пайдаланудан шығарылған"),
    Condition.decommissioned: ("written off", "decommissioned", "списано", "есептен шығарылған"),
}
LENGTHS = {"inventory_number": 64, "name": 200, "manufacturer": 200}
FORMAT = FileFormat(EquipmentRow, {name: words for name, (_required, words) in FIELDS.items()},
                    required=frozenset(name for name, (required, _words) in FIELDS.items() if required))


def _norm(text: str) -> str:
    return re.sub(r"\s+", " ", (text or "").strip().lower().replace("ё", "е"))


_CONDITIONS = {_norm(w): code for code, words in CONDITION_WORDS.items() for w in words}


@dataclass
class Prepared:
    rows: list[dict] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)


class _Lookups:
    """The file's enterprises in the actor's scope (by BIN), their sites and zones, and numbers on record."""

    def __init__(self, session: Session, actor: User, keys: set[str]):
        scope = access.enterprise_scope(session, actor)
        self.by_bin: dict[str, int] = {}
        bins = sorted(k.replace(" ", "") for k in keys if k)
        for i in range(0, len(bins), CHUNK):
            for enterprise_id, bin_value in session.execute(
                    select(Enterprise.id, Enterprise.bin).where(Enterprise.bin.in_(bins[i:i + CHUNK]), scope)):
                self.by_bin[bin_value] = enterprise_id
        ids = sorted(self.by_bin.values())
        self.sites: dict[tuple[int, str], int] = {}
        self.zones: dict[tuple[int, str], list[tuple[int, int]]] = {}
        self.numbers: set[tuple[int, str]] = set()
        for i in range(0, len(ids), CHUNK):
            part = ids[i:i + CHUNK]
            for site_id, enterprise_id, name in session.execute(
                    select(Site.id, Site.enterprise_id, Site.name).where(Site.enterprise_id.in_(part))):
                self.sites[(enterprise_id, _norm(name))] = site_id
            for zone_id, site_id, enterprise_id, name in session.execute(
                    select(Zone.id, Zone.site_id, Site.enterprise_id, Zone.name).join(Site)
                    .where(Site.enterprise_id.in_(part))):
                self.zones.setdefault((enterprise_id, _norm(name)), []).append((site_id, zone_id))
            self.numbers.update(session.execute(select(EquipmentItem.enterprise_id, EquipmentItem.inventory_number)
                                                .where(EquipmentItem.enterprise_id.in_(part))).tuples())


def _mapping_problems(header: list[str], mapping: dict[str, str]) -> list[Problem]:
    problems = [Problem(1, name, N_("Unknown field in the column mapping.")) for name in mapping if name not in FIELDS]
    problems += [Problem(1, c, N_("The file has no such column.")) for c in mapping.values() if c and c not in header]
    return problems


def _check_row(number: int, record: EquipmentRow, column: dict[str, str], lookups: _Lookups, today: date,
               seen: set[tuple[int, str]]) -> tuple[dict | None, list[Problem]]:
    problems: list[Problem] = []

    def bad(name: str, message: str, **params) -> None:
        problems.append(Problem(number, column.get(name) or name, message, params))

    enterprise_id = lookups.by_bin.get((record.enterprise or "").replace(" ", ""))
    if record.enterprise and enterprise_id is None:
        bad("enterprise", N_("Unknown enterprise, or outside your scope: give its 12-digit BIN."))
    kind = catalogue.find(record.type or "") if record.type else None
    if record.type and kind is None:
        bad("type", N_("Unknown equipment type: use a code or a name of the list of types."))
    if record.commissioned_year is not None and record.commissioned_year > today.year:
        bad("commissioned_year", N_("The year is in the future."))
    if record.service_life_years is not None and not 1 <= record.service_life_years <= 100:
        bad("service_life_years", N_("A service life is from 1 to 100 years."))
    condition = _CONDITIONS.get(_norm(record.condition)) if record.condition else Condition.good
    if condition is None:
        bad("condition", N_("Unknown condition: good, needs repair, out of service or written off."))
    for name, limit in LENGTHS.items():
        if len(getattr(record, name) or "") > limit:
            bad(name, N_("Longer than %(limit)s characters."), limit=limit)
    for on, until in (("expert_examination_on", "expert_examination_until"),
                      ("technical_examination_on", "technical_examination_until")):
        issued, expires = getattr(record, on), getattr(record, until)
        if issued is not None and issued > today:
            bad(on, N_("The date is in the future."))
        if expires is not None and issued is None:
            bad(on, N_("Give the date of the examination too."))
        if expires is not None and issued is not None and expires <= issued:
            bad(until, N_("The expiry date must come after the date of issue."))
    if record.extended_until is not None and record.expert_examination_on is None:
        bad("expert_examination_on", N_("A life-extension needs the expert examination that granted it."))
    site_id = zone_id = None
    if enterprise_id is not None:
        if record.site:
            site_id = lookups.sites.get((enterprise_id, _norm(record.site)))
            if site_id is None:
                bad("site", N_("No site of this name at the enterprise."))
        if record.zone:
            found = [z for z in lookups.zones.get((enterprise_id, _norm(record.zone)), [])
                     if site_id is None or z[0] == site_id]
            if not found:
                bad("zone", N_("No zone of this name at the enterprise."))
            elif len(found) > 1:
                bad("zone", N_("Several sites have a zone of this name: give the site too."))
            else:
                site_id, zone_id = found[0]
        key = (enterprise_id, (record.inventory_number or "").strip())
        if key in seen:
            bad("inventory_number", N_("The inventory number appears twice in the file."))
        seen.add(key)
    if problems or enterprise_id is None or kind is None:
        return None, problems
    years, source = service.resolve_life(kind.code, record.service_life_years)
    return {"number": number, "enterprise_id": enterprise_id, "site_id": site_id, "zone_id": zone_id,
            "type_code": kind.code, "inventory_number": (record.inventory_number or "").strip(),
            "name": record.name or "", "manufacturer": record.manufacturer or "",
            "commissioned_year": record.commissioned_year, "service_life_years": years,
            "service_life_source": source, "condition": str(condition), "extended_until": record.extended_until,
            "extension_basis": "",
            "life_ends_on": service.life_end(record.commissioned_year, years, record.extended_until),
            "certificates": [(kind_name, getattr(record, on), getattr(record, until)) for kind_name, on, until in (
                ("expert_examination", "expert_examination_on", "expert_examination_until"),
                ("technical_examination", "technical_examination_on", "technical_examination_until"))
                if getattr(record, on) is not None],
            "registered": (enterprise_id, (record.inventory_number or "").strip()) in lookups.numbers}, []


def prepare(session: Session, actor: User, table: Table, mapping: dict[str, str] | None, today: date) -> Prepared:
    """Every row checked; the rows to write and every problem by row and column."""
    out = Prepared()
    if mapping is not None:
        out.problems = _mapping_problems(table.header, mapping)
        if out.problems:
            return out
    parsed = FORMAT.read(table, mapping)
    out.problems += parsed.problems
    flagged = {(p.row, p.column) for p in parsed.problems}
    lookups = _Lookups(session, actor, {record.enterprise or "" for _n, record in parsed.every()})
    seen: set[tuple[int, str]] = set()
    accepted = {number for number, _record in parsed.records}
    for number, record in parsed.every():
        row, problems = _check_row(number, record, parsed.mapping, lookups, today, seen)
        out.problems += [p for p in problems if (p.row, p.column) not in flagged]
        if row is not None and number in accepted:
            out.rows.append(row)
    return out


def read(data: bytes, filename: str) -> Table:
    return read_table(data, filename or "upload.csv", header_style="lower")


def _options(options: dict) -> tuple[dict[str, str] | None, date]:
    mapping, today = options.get("mapping"), options.get("today")
    return (dict(mapping) if mapping else None), (date.fromisoformat(today) if today else utcnow().date())


def check(*, session: Session, actor: User, data: bytes, filename: str, options: dict) -> Checked:
    """The dry run: the first rows as they will be stored, counts and every problem; nothing is written."""
    policy.require(actor, "equipment.write")
    table = read(data, filename)
    mapping, today = _options(options)
    prepared = prepare(session, actor, table, mapping, today)
    new = [r for r in prepared.rows if not r["registered"]]
    return Checked(rows=[{k: v for k, v in r.items() if k != "certificates"} for r in new[:10]],
                   problems=prepared.problems, columns=[h for h in table.header if h],
                   mapping=mapping if mapping is not None else FORMAT.mapping(table.header),
                   counts={"rows": len(table.numbered()), "new": len(new),
                           "already_registered": len(prepared.rows) - len(new)})


def import_rows(*, session: Session, actor: User, data: bytes, filename: str, mapping: dict[str, str] | None = None,
                today: date | None = None) -> dict:
    """Validate the whole file, then register every new item (or, on any problem, nothing: FileProblems)."""
    policy.require(actor, "equipment.write")
    table = read(data, filename)
    prepared = prepare(session, actor, table, mapping, today or utcnow().date())
    if prepared.problems:
        raise FileProblems(prepared.problems, filename)
    created = 0
    for row in prepared.rows:
        if row["registered"]:
            continue
        item = EquipmentItem(**{k: v for k, v in row.items() if k not in ("number", "certificates", "registered")})
        item.certificates = [ItemCertificate(kind=kind, issued_on=on, expires_on=until,
                                             number="", issued_by="") for kind, on, until in row["certificates"]]
        session.add(item)
        created += 1
    session.flush()
    return {"rows": len(table.numbered()), "created": created, "already_registered": len(prepared.rows) - created}


def write(*, session: Session, actor: User, data: bytes, filename: str, options: dict) -> dict:
    mapping, today = _options(options)
    return import_rows(session=session, actor=actor, data=data, filename=filename, mapping=mapping, today=today)


REGISTER = Importer("equipment.register", "equipment.write", check, write)
