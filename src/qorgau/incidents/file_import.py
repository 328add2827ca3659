"""Import accidents (one row per victim) and denominators (incl. OSHA Form 300A) into the registry.

The engine's parsers check every cell; here each enterprise reference (registry id or BIN) must exist
and be in the importer's scope. Any problem and nothing is written.
"""

from __future__ import annotations

import pandas as pd
from sqlalchemy import select
from sqlalchemy.orm import Session

from qorgau.core import policy
from qorgau.core.i18n_markers import N_
from qorgau.core.imports import FileProblems, Problem
from qorgau.core.imports.flow import Checked, Importer
from qorgau.core.models import User
from qorgau.incidents.engine import deadlines
from qorgau.incidents.engine.accident_file import parse_accidents
from qorgau.incidents.engine.calendar_kz import Calendar
from qorgau.incidents.engine.form300a import LEFT_OUT, parse_denominators
from qorgau.incidents.models import Accident, Denominator, Victim
from qorgau.registry import access
from qorgau.registry.models import Enterprise


def _resolver(session: Session, actor: User):
    reachable = {row.id: row for row in session.execute(
        select(Enterprise).where(access.enterprise_scope(session, actor))).scalars()}
    by_bin = {e.bin: e for e in reachable.values()}

    def resolve(reference: str) -> Enterprise | None:
        reference = str(reference).strip()
        if len(reference) == 12 and reference in by_bin:
            return by_bin[reference]
        return reachable.get(int(reference)) if reference.isdigit() and len(reference) < 10 else None

    return resolve


def _days(value) -> int | None:
    """Days lost as stored: None where the file left them blank (unknown is not zero days)."""
    return None if value is None or pd.isna(value) else int(value)


UNKNOWN_ENTERPRISE = N_("unknown enterprise or outside your scope")


def check_denominators(*, session: Session, actor: User, data: bytes, filename: str, options: dict) -> Checked:
    """Dry run of a denominators file (Form 300A too): rows as they would be stored, notes and every problem."""
    notes: list[Problem] = []
    try:
        rows = parse_denominators(data, filename, zero_hours=options.get("zero_hours", "refuse"), notes=notes)
    except FileProblems as error:
        return Checked(problems=error.problems)
    resolve = _resolver(session, actor)
    problems = [Problem(r.row, "enterprise_id", UNKNOWN_ENTERPRISE) for r in rows if resolve(r.enterprise_id) is None]
    preview = [{"row": r.row, "enterprise": r.enterprise_id, "year": r.year, "workers": r.workers, "hours": r.hours,
                "hours_estimated": r.hours_estimated} for r in rows[:10]]
    return Checked(rows=preview, counts={"rows": len(rows), "hours_estimated": sum(r.hours_estimated for r in rows),
                                         "left_out": sum(n.message == LEFT_OUT for n in notes)},
                   notes=notes, problems=problems)


def write_denominators(*, session: Session, actor: User, data: bytes, filename: str, options: dict) -> dict:
    return import_file(session=session, actor=actor, data=data, filename=filename, kind="denominators",
                       zero_hours=options.get("zero_hours", "refuse"))


DENOMINATORS = Importer("incidents.denominators", "incidents.write", check_denominators, write_denominators)


def import_file(*, session: Session, actor: User, data: bytes, filename: str, kind: str,
                zero_hours: str = "refuse") -> dict:
    policy.require(actor, "incidents.write")
    resolve = _resolver(session, actor)
    if kind == "denominators":
        rows = parse_denominators(data, filename, zero_hours=zero_hours)
        problems = [Problem(r.row, "enterprise_id", UNKNOWN_ENTERPRISE) for r in rows
                    if resolve(r.enterprise_id) is None]
        if problems:
            raise FileProblems(problems, filename)
        existing = {(d.enterprise_id, d.year): d for d in session.execute(select(Denominator)).scalars()}
        for row in rows:
            enterprise = resolve(row.enterprise_id)
            workers = row.workers if row.workers is not None else float(enterprise.headcount)
            found = existing.get((enterprise.id, row.year))
            if found is None:
                session.add(Denominator(enterprise_id=enterprise.id, year=row.year, workers=workers, hours=row.hours,
                                        hours_estimated=row.hours_estimated, source="import"))
            else:
                found.workers, found.hours, found.hours_estimated = workers, row.hours, row.hours_estimated
        session.flush()
        return {"denominators": len(rows)}
    if kind != "accidents":
        raise FileProblems([Problem(0, "", N_("kind must be accidents or denominators"))], filename)
    frame = parse_accidents(data, filename)
    problems = [Problem(int(r["row"]), "enterprise_id", UNKNOWN_ENTERPRISE)
                for r in frame.to_dict("records") if resolve(r["enterprise_id"]) is None]
    if problems:
        raise FileProblems(problems, filename)
    calendar, created = Calendar(), 0
    for _accident_id, group in frame.groupby("accident_id", sort=False):
        first = group.iloc[0]
        enterprise = resolve(first["enterprise_id"])
        outcomes = list(group["outcome"])
        classification = deadlines.classify(len(outcomes), outcomes.count("fatal"), outcomes.count("serious"))
        session.add(Accident(
            enterprise_id=enterprise.id, occurred_on=first["date"], category=classification.category,
            commission=classification.commission, cause=first.get("cause") or "unknown",
            union_present=enterprise.has_union, source="import", source_reference=str(first["accident_id"])[:64],
            investigation_due=calendar.add_working_days(first["date"], deadlines.INVESTIGATION_DAYS + 1),
            victims=[Victim(outcome=r["outcome"], days_lost=_days(r.get("days_lost")), sex=r.get("sex"),
                            age_band=r.get("age_band"), isco08=r.get("isco08"),
                            employment_status=r.get("employment_status") or "employee")
                     for r in group.to_dict("records")]))
        created += 1
    session.flush()
    return {"accidents": created, "victims": len(frame)}
