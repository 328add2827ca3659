"""Import inspectors' spreadsheets of violations on the platform's staged import flow: column mapping, a dry
run with every problem by row, column and reason, de-duplication, all-or-nothing commit, one audit event.

The file is read by the one reader (`qorgau.core.imports`) and each row validated with the `ViolationRow` model
(cells parsed by the core cell parsers; problems are message ids with parameters, shown in the reader's
language). Rows are validated in full before anything is written; the write is one bulk insert inside the
request's transaction, so a failure leaves nothing behind. Bulk inserts bypass the per-row audit capture; the
import itself is audited once (file hash, counts, first and last id created).
"""

from __future__ import annotations

import hashlib
import re
from bisect import bisect_left
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, timedelta

from sqlalchemy import func, select, text
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from qorgau.core import audit, i18n, policy
from qorgau.core.config import get_settings
from qorgau.core.db import utcnow
from qorgau.core.errors import Conflict
from qorgau.core.i18n_markers import N_
from qorgau.core.imports import FileProblems, Problem, Table, read_table
from qorgau.core.imports.flow import Checked, Importer
from qorgau.core.imports.rows import DateCell, FileFormat, RowModel, Text, YesNo
from qorgau.core.models import User
from qorgau.deviations import service
from qorgau.deviations.models import (
    ActionStatus,
    CorrectiveAction,
    Violation,
    ViolationImport,
    ViolationStatus,
)
from qorgau.registry import access
from qorgau.registry.hazards import CATEGORIES
from qorgau.registry.models import Enterprise, Site, Zone


class ViolationRow(RowModel):
    """One row of an inspector's spreadsheet of violations (the file format; columns in kk/ru/en below)."""

    enterprise: Text = None
    found_on: DateCell = None
    category: Text = None
    severity: Text = None
    description: Text = None
    site: Text = None
    zone: Text = None
    rule_reference: Text = None
    work_stopped: YesNo = None
    inspector: Text = None
    action: Text = None
    responsible: Text = None
    due_on: DateCell = None
    closed_on: DateCell = None


# field -> (required, header names it is recognised by, lower case, in en / ru / kk)
FIELDS: dict[str, tuple[bool, tuple[str, ...]]] = {
    "enterprise": (True, ("enterprise", "bin", "enterprise_bin", "бин", "предприятие", "организация", "кәсіпорын",
                          "бсн", "enterprise_id")),
    "found_on": (True, ("found_on", "date", "date found", "дата", "дата выявления", "анықталған күні", "күні")),
    "category": (True, ("category", "категория", "вид нарушения", "санат", "санаты")),
    "severity": (True, ("severity", "тяжесть", "степень", "категория тяжести", "ауырлығы", "дәрежесі")),
    "description": (True, ("description", "описание", "нарушение", "описание нарушения", "сипаттама",
                           "бұзушылық")),
    "site": (False, ("site", "площадка", "цех", "участок", "объект", "алаң", "учаске")),
    "zone": (False, ("zone", "зона", "рабочая зона", "аймақ")),
    "rule_reference": (False, ("rule", "rule_reference", "норма", "пункт", "требование", "нормативный акт",
                               "талап", "норма (пункт)")),
    "work_stopped": (False, ("work_stopped", "work stopped", "работы остановлены", "остановка работ",
                             "жұмыс тоқтатылды")),
    "inspector": (False, ("inspector", "инспектор", "выявил", "инспектор (фио)", "анықтаған")),
    "action": (False, ("action", "corrective action", "мероприятие", "корректирующее мероприятие",
                       "меры", "іс-шара", "шара")),
    "responsible": (False, ("responsible", "ответственный", "жауапты")),
    "due_on": (False, ("due_on", "due", "due date", "срок", "срок устранения", "мерзімі")),
    "closed_on": (False, ("closed_on", "closed", "дата устранения", "устранено", "жойылған күні")),
}
FIELD_LABELS = {
    "enterprise": N_("Enterprise (BIN)"), "found_on": N_("Date found"), "category": N_("Category"),
    "severity": N_("Severity grade"), "description": N_("Description"), "site": N_("Site"), "zone": N_("Zone"),
    "rule_reference": N_("Rule broken"), "work_stopped": N_("Work stopped"), "inspector": N_("Inspector"),
    "action": N_("Corrective action"), "responsible": N_("Responsible person"), "due_on": N_("Due date"),
    "closed_on": N_("Date closed"),
}
SEVERITY_WORDS = {
    "gross": ("gross", "грубое", "грубая", "өрескел"),
    "significant": ("significant", "значительное", "значительная", "существенное", "елеулі", "маңызды"),
    "minor": ("minor", "незначительное", "незначительная", "несущественное", "елеусіз", "болмашы"),
}
LENGTHS = {"description": 2000, "rule_reference": 300, "action": 2000, "responsible": 200, "inspector": 200}
CHUNK = 900  # rows per bulk statement (keeps under SQLite's bound-parameter limit per IN list)


def _norm(text: str) -> str:
    return re.sub(r"\s+", " ", text.strip().lower())


def proposed_mapping(header: list[str]) -> dict[str, str]:
    """field -> column, by the names inspectors use (exact name first, then a column containing it)."""
    mapping: dict[str, str] = {}
    columns = [_norm(h) for h in header if h]
    for name, (_required, words) in FIELDS.items():
        exact = [c for c in columns if c in words and c not in mapping.values()]
        loose = [c for c in columns if any(len(w) > 3 and w in c for w in words) and c not in mapping.values()]
        if exact or loose:
            mapping[name] = (exact or loose)[0]
    return mapping


FORMAT = FileFormat(ViolationRow, {name: words for name, (_required, words) in FIELDS.items()},
                    required=frozenset(name for name, (required, _words) in FIELDS.items() if required))


def _category_lookup() -> dict[str, str]:
    lookup = {code: code for code in CATEGORIES}
    for locale in ("en", "ru", "kk"):
        with i18n.locale_context(locale):
            lookup.update({_norm(i18n.gettext(label)): code for code, label in CATEGORIES.items()})
    return lookup


@dataclass
class Prepared:
    rows: list[dict] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)
    duplicates_in_file: int = 0


class _Places:
    """Sites and zones of the enterprises in the file, by lower-case name."""

    def __init__(self, session: Session, enterprise_ids: set[int]):
        self.sites: dict[tuple[int, str], int] = {}
        self.zones: dict[tuple[int, str], tuple[int, int]] = {}
        ids = list(enterprise_ids)
        for i in range(0, len(ids), CHUNK):
            part = ids[i:i + CHUNK]
            for site_id, enterprise_id, name in session.execute(
                    select(Site.id, Site.enterprise_id, Site.name).where(Site.enterprise_id.in_(part))):
                self.sites[(enterprise_id, _norm(name))] = site_id
            for zone_id, site_id, enterprise_id, name in session.execute(
                    select(Zone.id, Zone.site_id, Site.enterprise_id, Zone.name).join(Site)
                    .where(Site.enterprise_id.in_(part))):
                self.zones[(enterprise_id, _norm(name))] = (site_id, zone_id)


def _mapping_problems(header: list[str], mapping: dict[str, str]) -> list[Problem]:
    """The mapping names known fields, existing columns, and a column for every required field."""
    problems = [Problem(1, name, N_("Unknown field in the column mapping.")) for name in mapping if name not in FIELDS]
    problems += [Problem(1, c, N_("The file has no such column.")) for c in mapping.values() if c and c not in header]
    problems += [Problem(1, name, N_("Choose the column for this required field."))
                 for name, (required, _words) in FIELDS.items() if required and not mapping.get(name)]
    return problems


class _Lookups:
    """What the rows of a file are checked against: its enterprises in the actor's scope, their sites and zones,
    categories and severity words."""

    def __init__(self, session: Session, actor: User, keys: set[str]):
        scope = access.enterprise_scope(session, actor)
        self.by_key: dict[str, int] = {}
        key_list = [k.replace(" ", "") for k in keys if k]
        for i in range(0, len(key_list), CHUNK):
            part = key_list[i:i + CHUNK]
            for enterprise_id, bin_value in session.execute(
                    select(Enterprise.id, Enterprise.bin).where(Enterprise.bin.in_(part), scope)):
                self.by_key[bin_value] = enterprise_id
            numeric = [int(k) for k in part if k.isdigit() and len(k) < 10]
            for (enterprise_id,) in session.execute(select(Enterprise.id).where(Enterprise.id.in_(numeric), scope)):
                self.by_key.setdefault(str(enterprise_id), enterprise_id)
        self.places = _Places(session, set(self.by_key.values()))
        self.categories = _category_lookup()
        self.severities = {_norm(w): code for code, words in SEVERITY_WORDS.items() for w in words}


class _RowCheck:
    """One row read through the mapping as a `ViolationRow`, and a problem for each bad cell."""

    def __init__(self, number: int, record: ViolationRow, column: dict[str, str]):
        self.number, self.record, self.column, self.problems = number, record, column, []

    def value(self, name: str) -> str:
        return getattr(self.record, name) or ""

    def bad(self, name: str, message: str, **params) -> None:
        self.problems.append(Problem(self.number, self.column.get(name) or name, message, params))

    def longer(self, name: str, limit: int) -> None:
        if len(self.value(name)) > limit:
            self.bad(name, N_("Longer than %(limit)s characters."), limit=limit)


def _place(check: _RowCheck, lookups: _Lookups, enterprise_id: int) -> tuple[int | None, int | None]:
    """The site and zone named on the row, at its enterprise."""
    site_id = zone_id = None
    if check.value("zone"):
        found = lookups.places.zones.get((enterprise_id, _norm(check.value("zone"))))
        if found is None:
            check.bad("zone", N_("No zone of this name at the enterprise."))
        else:
            site_id, zone_id = found
    if check.value("site") and zone_id is None:
        site_id = lookups.places.sites.get((enterprise_id, _norm(check.value("site"))))
        if site_id is None:
            check.bad("site", N_("No site of this name at the enterprise."))
    return site_id, zone_id


def _check_row(check: _RowCheck, lookups: _Lookups, today: date) -> dict | None:
    """The insert values of one row, or None with its problems in check.problems."""
    record = check.record
    enterprise_id = lookups.by_key.get(check.value("enterprise").replace(" ", ""))
    if enterprise_id is None:
        check.bad("enterprise", N_("Unknown enterprise, or outside your scope: give its 12-digit BIN."))
    if record.found_on is not None and record.found_on > today:
        check.bad("found_on", N_("The date is in the future."))
    category = lookups.categories.get(_norm(check.value("category")))
    if category is None:
        check.bad("category", N_("Unknown category: use one of the 14 hazard categories (code or name)."))
    severity = lookups.severities.get(_norm(check.value("severity")))
    if severity is None:
        check.bad("severity", N_("Unknown severity: gross, significant or minor."))
    description = check.value("description")
    if len(description) < 3:
        check.bad("description", N_("The description is empty."))
    site_id, zone_id = _place(check, lookups, enterprise_id) if enterprise_id is not None else (None, None)
    if record.closed_on is not None and record.found_on is not None and record.closed_on < record.found_on:
        check.bad("closed_on", N_("Closed before it was found."))
    for name, limit in LENGTHS.items():
        check.longer(name, limit)
    if check.problems:
        return None
    key = hashlib.sha256("|".join(map(str, (enterprise_id, record.found_on, site_id, zone_id, category,
                                              _norm(description)))).encode()).hexdigest()
    return {"number": check.number, "enterprise_id": enterprise_id, "site_id": site_id, "zone_id": zone_id,
            "category": category, "severity": severity, "description": description,
            "rule_reference": check.value("rule_reference"), "work_stopped": bool(record.work_stopped),
            "found_on": record.found_on, "inspector_name": check.value("inspector"), "dedup_key": key,
            "closed_on": record.closed_on, "action": check.value("action"),
            "responsible": check.value("responsible"), "due_on": record.due_on}


def prepare(session: Session, actor: User, table: Table, mapping: dict[str, str], today: date) -> Prepared:
    """Check every row; collect row-level problems; build the insert values of the good ones."""
    out = Prepared(problems=_mapping_problems(table.header, mapping))
    if out.problems:
        return out
    parsed = FORMAT.read(table, {name: column for name, column in mapping.items() if column})
    out.problems += parsed.problems
    flagged = {(p.row, p.column) for p in parsed.problems}  # a cell already refused is not refused twice
    lookups = _Lookups(session, actor, {record.enterprise or "" for _n, record in parsed.every()})
    seen: set[str] = set()
    for number, record in parsed.every():
        check = _RowCheck(number, record, parsed.mapping)
        row = _check_row(check, lookups, today)
        out.problems += [p for p in check.problems if (p.row, p.column) not in flagged]
        if row is None or (number, record) not in parsed.records:
            continue
        if row["dedup_key"] in seen:
            out.duplicates_in_file += 1
            continue
        seen.add(row["dedup_key"])
        out.rows.append(row)
    return out


def read(data: bytes, filename: str) -> Table:
    """The uploaded spreadsheet, by the platform's one reader (header names in lower case, as written)."""
    return read_table(data, filename or "upload.csv", header_style="lower")


def _options(table: Table, options: dict) -> tuple[dict[str, str], date]:
    mapping = options.get("mapping")
    today = options.get("today")
    return (proposed_mapping(table.header) if mapping is None else dict(mapping),
            date.fromisoformat(today) if today else utcnow().date())


def check(*, session: Session, actor: User, data: bytes, filename: str, options: dict) -> Checked:
    """The dry run of the staged import: the first rows as they will be stored, counts and every problem."""
    policy.require(actor, "deviations.write")
    table = read(data, filename)
    mapping, today = _options(table, options)
    prepared = prepare(session, actor, table, mapping, today)
    existing = _existing_keys(session, prepared.rows) if not prepared.problems else set()
    return Checked(rows=prepared.rows[:10], problems=prepared.problems, columns=[h for h in table.header if h],
                   mapping=mapping, counts={"total": len(table.numbered()), "valid": len(prepared.rows),
                                            "duplicates_in_file": prepared.duplicates_in_file,
                                            "already_imported": len(existing)})


def write(*, session: Session, actor: User, data: bytes, filename: str, options: dict) -> dict:
    """The commit of the staged import (after a clean dry run): every new row, recorded as one import."""
    table = read(data, filename)
    mapping, today = _options(table, options)
    batch = ViolationImport(user_id=actor.id, filename=filename[:200] or "upload.csv", content=data,
                            sha256=hashlib.sha256(data).hexdigest(), mapping=mapping, status="imported")
    session.add(batch)
    session.flush()
    batch.result = import_rows(session=session, actor=actor, data=data, filename=filename, mapping=mapping,
                               today=today, batch=batch, audited=False)
    return batch.result


VIOLATIONS = Importer("deviations.violations", "deviations.write", check, write)


def _existing_keys(session: Session, rows: list[dict]) -> set[str]:
    """The rows' keys already imported. Every key of the file's enterprises is read once and compared in
    Python: long IN lists of keys make PostgreSQL scan the table for each chunk when its statistics are
    stale, as they are right after a large import."""
    wanted = {r["dedup_key"] for r in rows}
    enterprise_ids = sorted({r["enterprise_id"] for r in rows})
    found: set[str] = set()
    for i in range(0, len(enterprise_ids), CHUNK):
        found.update(k for k in session.execute(
            select(Violation.dedup_key).where(Violation.enterprise_id.in_(enterprise_ids[i:i + CHUNK]),
                                              Violation.dedup_key.is_not(None))).scalars() if k in wanted)
    return found


def import_rows(*, session: Session, actor: User, data: bytes, filename: str, mapping: dict[str, str] | None = None,
                today: date | None = None, batch: ViolationImport | None = None, audited: bool = True) -> dict:
    """Validate the whole file, then write every new row (or, on any problem, nothing: FileProblems)."""
    policy.require(actor, "deviations.write")
    today = today or utcnow().date()
    table = read(data, filename)
    numbered = table.numbered()
    mapping = proposed_mapping(table.header) if mapping is None else mapping
    prepared = prepare(session, actor, table, mapping, today)
    if prepared.problems:
        raise FileProblems(prepared.problems, filename)
    existing = _existing_keys(session, prepared.rows)
    # In date order, so that a repeat always points at a smaller id, inserted before it.
    new = sorted((r for r in prepared.rows if r["dedup_key"] not in existing), key=lambda r: (r["found_on"], r["number"]))
    ids = _reserve_ids(session, len(new))
    for row, violation_id in zip(new, ids, strict=True):
        row["id"] = violation_id
    repeats = _mark_repeats(session, new)
    try:
        _insert(session, new, batch.id if batch else None)
    except IntegrityError:  # a violation recorded meanwhile took one of the ids (SQLite)
        raise Conflict(N_("Another violation was recorded while the file was imported; import it again."))
    result = {"rows": len(numbered), "created": len(new), "already_imported": len(prepared.rows) - len(new),
              "duplicates_in_file": prepared.duplicates_in_file, "repeats": repeats,
              "first_id": min(ids) if ids else None, "last_id": max(ids) if ids else None}
    if audited:
        audit.record(session, action="deviations.import", object_type="deviations_import",
                     object_id=batch.id if batch else "",
                     after={"file": filename, "sha256": hashlib.sha256(data).hexdigest(), **result})
    return result


def _reserve_ids(session: Session, count: int) -> list[int]:
    """Ids for the new rows before they are written, so that repeats and actions can point at them and the
    whole file goes in as plain inserts (no read-back, no second pass of updates)."""
    if not count:
        return []
    if session.get_bind().dialect.name == "postgresql":
        return list(session.execute(text("SELECT nextval(pg_get_serial_sequence('deviations_violation', 'id')) "
                                         "FROM generate_series(1, :n)"), {"n": count}).scalars())
    # SQLite has one writer at a time; a concurrent writer between this read and the insert makes the
    # insert fail on the primary key and the whole import roll back (nothing half written).
    last = session.execute(select(func.coalesce(func.max(Violation.id), 0))).scalar_one()
    return list(range(last + 1, last + count + 1))


def _insert(session: Session, rows: list[dict], import_id: int | None) -> None:
    now = utcnow()
    for i in range(0, len(rows), CHUNK):
        part = rows[i:i + CHUNK]
        values = [{"id": r["id"], "enterprise_id": r["enterprise_id"], "site_id": r["site_id"],
                   "zone_id": r["zone_id"], "category": r["category"], "severity": r["severity"],
                   "description": r["description"], "rule_reference": r["rule_reference"],
                   "work_stopped": r["work_stopped"], "found_on": r["found_on"],
                   "status": ViolationStatus.CLOSED if r["closed_on"] else ViolationStatus.OPEN, "closed_on": r["closed_on"],
                   "inspector_name": r["inspector_name"], "source": "import", "source_reference": f"row {r['number']}",
                   "dedup_key": r["dedup_key"], "import_id": import_id, "is_repeat": r["repeat_of_id"] is not None,
                   "repeat_of_id": r["repeat_of_id"], "created_at": now} for r in part]
        session.execute(Violation.__table__.insert(), values)
        actions = [{"violation_id": r["id"], "kind": "corrective", "description": r["action"],
                    "responsible": r["responsible"],
                    "due_on": r["due_on"] or service.due_date(r["severity"], "corrective", r["found_on"]),
                    "status": ActionStatus.VERIFIED if r["closed_on"] else ActionStatus.OPEN, "verified_on": r["closed_on"],
                    "done_on": r["closed_on"], "escalation_level": 0}
                   for r in part if r["action"]]
        if actions:
            session.execute(CorrectiveAction.__table__.insert(), actions)


def _mark_repeats(session: Session, rows: list[dict]) -> int:
    """Set repeat_of_id on new rows with an earlier violation (on record or earlier in the file) in the same
    zone (or site) and category within the window."""
    window = timedelta(days=get_settings().deviations_repeat_days)
    for row in rows:
        row["repeat_of_id"] = None
    placed = [r for r in rows if r["zone_id"] or r["site_id"]]
    if not placed:
        return 0
    enterprise_ids = sorted({r["enterprise_id"] for r in placed})
    history: dict[tuple, list[tuple[date, int]]] = defaultdict(list)
    for i in range(0, len(enterprise_ids), CHUNK):
        for vid, zone_id, site_id, category, found_on in session.execute(
                select(Violation.id, Violation.zone_id, Violation.site_id, Violation.category, Violation.found_on)
                .where(Violation.enterprise_id.in_(enterprise_ids[i:i + CHUNK]))):
            place = ("z", zone_id) if zone_id else ("s", site_id)
            history[(place, category)].append((found_on, vid))
    for r in placed:
        place = ("z", r["zone_id"]) if r["zone_id"] else ("s", r["site_id"])
        history[(place, r["category"])].append((r["found_on"], r["id"]))
    for events in history.values():
        events.sort()
    for r in placed:
        place = ("z", r["zone_id"]) if r["zone_id"] else ("s", r["site_id"])
        events = history[(place, r["category"])]
        position = bisect_left(events, (r["found_on"], r["id"]))  # events before this one, by date then id
        if position and events[position - 1][0] >= r["found_on"] - window:
            r["repeat_of_id"] = events[position - 1][1]
    return sum(1 for r in placed if r["repeat_of_id"] is not None)
