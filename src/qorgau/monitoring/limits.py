"""The substance catalogue as the platform uses it: the shipped limits, with the limits entered on the
platform (for example Kazakhstan's hygienic standards, which take priority) in place of the shipped limit
of the same substance, source and kind. Every limit keeps its source and reference."""

from __future__ import annotations

import math
from dataclasses import replace

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from qorgau.core import policy
from qorgau.core.db import utcnow
from qorgau.core.errors import NotFound, ValidationFailed
from qorgau.core.i18n_markers import N_
from qorgau.core.models import User
from qorgau.monitoring.models import Sensor, SubstanceLimit
from qorgau.monitoring.substances import KINDS, SOURCES, Catalogue, Limit, default_catalogue


def catalogue_for(session: Session) -> Catalogue:
    """The shipped catalogue with the platform's active entered limits merged in."""
    entered = list(session.execute(select(SubstanceLimit).where(SubstanceLimit.active.is_(True))
                                   .order_by(SubstanceLimit.id)).scalars())
    shipped = default_catalogue()
    if not entered:
        return shipped
    by_code: dict[str, list[SubstanceLimit]] = {}
    for row in entered:
        by_code.setdefault(row.code, []).append(row)
    substances = []
    for code, substance in shipped.items():
        rows = by_code.get(code, [])
        taken = {(r.source, r.kind) for r in rows}
        limits = [lim for lim in substance.limits if (lim.source, lim.kind) not in taken]
        latest = {(r.source, r.kind): r for r in rows}  # the newest entry of a source and kind counts
        limits += [Limit(code, r.source, r.kind, r.value, r.unit, r.reference) for r in latest.values()]
        substances.append(replace(substance, limits=tuple(limits)))
    return Catalogue(substances)


def add_limit(*, session: Session, actor: User, code: str, source: str, kind: str, value: float, unit: str,
              reference: str) -> SubstanceLimit:
    """Enter a limit; it replaces any earlier entered limit of the same substance, source and kind, and
    the sensors measuring the substance pick it up at their next reload."""
    policy.require(actor, "monitoring.catalogue")
    shipped = default_catalogue()
    if code not in shipped:
        raise ValidationFailed(N_("Unknown substance."), field="code")
    if source not in SOURCES:
        raise ValidationFailed(N_("Unknown source."), field="source")
    if kind not in KINDS:
        raise ValidationFailed(N_("Unknown kind of limit."), field="kind")
    if not math.isfinite(value) or value <= 0:
        raise ValidationFailed(N_("The limit must be a positive number."), field="value")
    try:
        shipped[code].convert(value, unit, shipped[code].unit)
    except ValueError:
        raise ValidationFailed(N_("This unit cannot be converted to the substance's unit."), field="unit")
    if len(reference.strip()) < 5:
        raise ValidationFailed(N_("Name the document the limit comes from."), field="reference")
    session.execute(update(SubstanceLimit).where(SubstanceLimit.code == code, SubstanceLimit.source == source,
                                                 SubstanceLimit.kind == kind, SubstanceLimit.active.is_(True))
                    .values(active=False))
    row = SubstanceLimit(code=code, source=source, kind=kind, value=value, unit=unit, reference=reference.strip(),
                         entered_by_id=actor.id)
    session.add(row)
    _touch_sensors(session, code)
    session.flush()
    return row


def withdraw_limit(*, session: Session, actor: User, limit_id: int) -> SubstanceLimit:
    """Stop using an entered limit (the shipped one, if any, applies again); the row stays for the record."""
    policy.require(actor, "monitoring.catalogue")
    row = session.get(SubstanceLimit, limit_id)
    if row is None:
        raise NotFound(N_("Not found."))
    row.active = False
    _touch_sensors(session, row.code)
    session.flush()
    return row


def entered_limits(*, session: Session, actor: User) -> list[SubstanceLimit]:
    policy.require(actor, "monitoring.read")
    return list(session.execute(select(SubstanceLimit).order_by(SubstanceLimit.code, SubstanceLimit.id.desc()))
                .scalars())


def _touch_sensors(session: Session, code: str) -> None:
    # A changed updated_at makes running ingest workers reload these sensors with the new limits.
    session.execute(update(Sensor).where(Sensor.quantity == code).values(updated_at=utcnow()))
