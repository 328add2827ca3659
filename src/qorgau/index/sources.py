"""Where each indicator's values come from: the registry, and other packages through their service.py only.

Every source returns, per indicator, a value for the enterprises it knows about (NaN elsewhere), and
says what it did: "used" (with the service functions it called), "absent" (the package does not offer
the function: the indicator is missing for everyone, and coverage shows it) or "error".
Nothing is invented: an enterprise with no record in a source has no value for that source's indicators
and the methodology's missing-data rule decides what happens.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, timedelta

import numpy as np
import pandas as pd
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from qorgau.agreements import service as agreements_service
from qorgau.audits import service as audits_service
from qorgau.core import policy
from qorgau.core.i18n_markers import N_
from qorgau.core.models import User
from qorgau.deviations import service as deviations_service
from qorgau.equipment import service as equipment_service
from qorgau.incidents import service as incidents_service
from qorgau.index.states import SOURCE_LABELS, SourceStatus
from qorgau.monitoring import service as monitoring_service
from qorgau.registry.models import Enterprise, UnionOrg
from qorgau.speaks import service as speaks_service
from qorgau.training import service as training_service

log = logging.getLogger("qorgau.index")

STATUSES = SOURCE_LABELS


@dataclass
class Window:
    """The index year and the three-year window ending with it."""

    period: int

    @property
    def start(self) -> date:
        return date(self.period, 1, 1)

    @property
    def end(self) -> date:  # exclusive
        return date(self.period + 1, 1, 1)

    @property
    def start3(self) -> date:
        return date(self.period - 2, 1, 1)


@dataclass
class SourceResult:
    source: str
    status: str
    values: dict[str, pd.Series] = field(default_factory=dict)  # indicator -> value per enterprise id
    functions: list[str] = field(default_factory=list)
    detail: str = ""

    def summary(self) -> dict:
        return {"status": self.status, "indicators": sorted(self.values), "functions": self.functions,
                "detail": self.detail}


Reader = Callable[[Session, pd.DataFrame, Window], SourceResult]


# The packages the index reads, each through its service module only (imported here, so the import
# contracts see every link). A source whose function a package does not offer is reported "absent".
SERVICES = {"agreements": agreements_service, "audits": audits_service, "deviations": deviations_service,
            "equipment": equipment_service, "incidents": incidents_service, "monitoring": monitoring_service,
            "speaks": speaks_service, "training": training_service}


def _service(package: str):
    return SERVICES.get(package)


def _series(values: dict[int, float], enterprises: pd.DataFrame) -> pd.Series:
    return pd.Series(values, dtype=float).reindex(enterprises.index)


def _rate(numerator: pd.Series, denominator: pd.Series, scale: float) -> pd.Series:
    """numerator / denominator * scale, NaN where the denominator is missing or zero."""
    with np.errstate(divide="ignore", invalid="ignore"):
        return (numerator / denominator.where(denominator > 0)) * scale


# ---------------------------------------------------------------- registry (always present)


def registry(session: Session, enterprises: pd.DataFrame, window: Window) -> SourceResult:
    """Union membership, production council and technical inspectors, as the registry holds them now."""
    members = dict(session.execute(select(Enterprise.id, UnionOrg.members)
                                   .join(UnionOrg, UnionOrg.id == Enterprise.primary_union_id)
                                   .where(UnionOrg.members > 0)).all())
    headcount = enterprises["headcount"].astype(float)
    # Members over headcount; more members than workers (retired members) counts as full coverage.
    presence = _rate(_series(members, enterprises), headcount, 100.0).clip(upper=100.0)
    # Technical inspectors: the inspectors' registry of the violations package where it exists (every
    # elected inspector, with or without an account), else the inspectors' accounts on the platform.
    registered = getattr(_service("deviations"), "inspectors_for_enterprises", None)
    if registered is not None:
        inspectors, inspectors_from = registered(session=session, on=window.end - timedelta(days=1)), \
            "deviations.service.inspectors_for_enterprises"
    else:
        inspectors, inspectors_from = dict(session.execute(
            select(User.scope_enterprise_id, func.count())
            .where(User.role == policy.Role.TECHNICAL_INSPECTOR, User.is_active.is_(True), User.scope_kind == "enterprise",
                   User.scope_enterprise_id.is_not(None))
            .group_by(User.scope_enterprise_id)).all()), "core: technical inspector accounts"
    per_100 = _rate(_series(inspectors, enterprises), headcount, 100.0)
    committee = enterprises["safety_committee"].astype(float)
    return SourceResult(
        "registry", SourceStatus.USED,
        values={"union_presence": presence, "safety_committee": committee, "inspectors_per_100_workers": per_100},
        functions=["registry: enterprises, primary union members", inspectors_from],
        detail=N_("Registry values are those recorded when the index was computed; the registry keeps no "
                  "history. It records whether a collective agreement exists but not its safety clauses, "
                  "so that indicator has no source yet."))


# ---------------------------------------------------------------- other packages, through service.py


def speaks(session: Session, enterprises: pd.DataFrame, window: Window) -> SourceResult:
    """Reports routed to the enterprise in the index year and the share acknowledged on time."""
    service = _service("speaks")
    counts = getattr(service, "counts_for_enterprises", None) if service else None
    if counts is None:
        return SourceResult("speaks", SourceStatus.ABSENT)
    rows = counts(session=session, start=window.start, end=window.end)
    reports = _series({r["enterprise_id"]: r["reports"] for r in rows}, enterprises)
    on_time = _series({r["enterprise_id"]: r["acknowledged_on_time"] or 0 for r in rows}, enterprises)
    return SourceResult("speaks", SourceStatus.USED, values={"speaks_response_rate": _rate(on_time, reports, 100.0)},
                        functions=["speaks.service.counts_for_enterprises"])


def _first(row: dict, *keys: str):
    """The first of these keys the row has (packages may name a count slightly differently)."""
    for key in keys:
        if key in row:
            return row[key]
    return None


def _share(rows: list[dict], enterprises: pd.DataFrame, rate_keys: tuple[str, ...], part_keys: tuple[str, ...],
           whole_keys: tuple[str, ...]) -> pd.Series | None:
    """Per enterprise, a percentage given as such or as part / whole x 100; None if the rows carry neither."""
    if not any(_first(r, *rate_keys) is not None or _first(r, *whole_keys) is not None for r in rows):
        return None
    values: dict[int, float] = {}
    for row in rows:
        rate = _first(row, *rate_keys)
        part, whole = _first(row, *part_keys), _first(row, *whole_keys)
        if rate is not None:
            values[row["enterprise_id"]] = float(rate)
        elif whole:  # nothing due or open: no value, not 0 or 100
            values[row["enterprise_id"]] = 100.0 * float(part or 0) / float(whole)
    return _series(values, enterprises)


def deviations(session: Session, enterprises: pd.DataFrame, window: Window) -> SourceResult:
    """Violations closed on time, corrective actions overdue, repeat violations, from deviations.service."""
    service = _service("deviations")
    counts = getattr(service, "counts_for_enterprises", None) if service else None
    if counts is None:
        return SourceResult("deviations", SourceStatus.ABSENT)
    rows = counts(session=session, start=window.start, end=window.end)
    wanted = {
        "violation_closure_rate": (("violation_closure_rate", "closure_rate"),
                                   ("closed_on_time", "verified_on_time"), ("due", "violations_due")),
        "overdue_rate": (("overdue_rate",), ("overdue_actions", "overdue"), ("open_actions", "actions_open")),
        "repeat_violation_rate": (("repeat_violation_rate", "repeat_rate"), ("repeat_violations", "repeats"),
                                  ("violations", "found")),
    }
    values = {}
    for indicator, (rates, parts, wholes) in wanted.items():
        series = _share(rows, enterprises, rates, parts, wholes)
        if series is not None:
            values[indicator] = series
    return SourceResult("deviations", SourceStatus.USED if values else SourceStatus.ABSENT, values=values,
                        functions=["deviations.service.counts_for_enterprises"])


def incidents(session: Session, enterprises: pd.DataFrame, window: Window) -> SourceResult:
    """Fatal and serious injuries per 1,000 workers a year, averaged over the three years ending with the period."""
    service = _service("incidents")
    counts = getattr(service, "counts_for_enterprises", None) if service else None
    if counts is None:
        return SourceResult("incidents", SourceStatus.ABSENT)
    rows = counts(session=session, start=window.start3, end=window.end)
    fatal = _series({r["enterprise_id"]: r.get("fatal") or 0 for r in rows}, enterprises).fillna(0.0)
    serious = _series({r["enterprise_id"]: (r.get("serious_or_fatal") or 0) - (r.get("fatal") or 0) for r in rows},
                      enterprises).fillna(0.0)
    # The accident registry is the source: an enterprise with no accident on record has 0 cases.
    # Denominator: the registered headcount (the national base, per 1,000 workers).
    headcount = enterprises["headcount"].astype(float)
    return SourceResult("incidents", SourceStatus.USED,
                        values={"fatal_injury_rate": _rate(fatal / 3.0, headcount, 1000.0),
                                "serious_injury_rate": _rate(serious / 3.0, headcount, 1000.0)},
                        functions=["incidents.service.counts_for_enterprises"],
                        detail=N_("Accidents on record in the three calendar years ending with the period, per "
                                  "1,000 registered workers a year; an enterprise with no accident on record "
                                  "counts 0, so under-reporting lowers the rate."))


def monitoring(session: Session, enterprises: pd.DataFrame, window: Window) -> SourceResult:
    """Share of monitored zone-shifts with an exposure limit exceeded, from monitoring.service."""
    service = _service("monitoring")
    counts = getattr(service, "counts_for_enterprises", None) if service else None
    if counts is None:
        return SourceResult("monitoring", SourceStatus.ABSENT)
    rows = counts(session=session, start=window.start, end=window.end)
    series = _share(rows, enterprises, ("exposure_exceedance_rate", "exceedance_rate"),
                    ("exceedance_shifts", "shifts_exceeded", "zone_shifts_exceeded"),
                    ("zone_shifts", "monitored_shifts", "shifts"))
    if series is None:
        return SourceResult("monitoring", SourceStatus.ABSENT, functions=["monitoring.service.counts_for_enterprises"])
    return SourceResult("monitoring", SourceStatus.USED, values={"exposure_exceedance_rate": series},
                        functions=["monitoring.service.counts_for_enterprises"])


def _per_enterprise(package: str, function: str, indicator: str, enterprises: pd.DataFrame,
                    call: Callable[[Callable], dict[int, float]], detail: str = "") -> SourceResult:
    """One indicator read as {enterprise id: value} from `package.service.function`; absent without it."""
    found = getattr(_service(package), function, None)
    if found is None:
        return SourceResult(package, SourceStatus.ABSENT)
    values = {int(k): float(v) for k, v in (call(found) or {}).items() if v is not None}
    return SourceResult(package, SourceStatus.USED, values={indicator: _series(values, enterprises)},
                        functions=[f"{package}.service.{function}"], detail=detail)


def training(session: Session, enterprises: pd.DataFrame, window: Window) -> SourceResult:
    """Share of the inspectors in office and committee seats holding training in date at the end of the year."""
    return _per_enterprise("training", "coverage_for_enterprises", "training_coverage", enterprises,
                           lambda f: f(session=session, on=window.end - timedelta(days=1)),
                           N_("Technical inspectors in office and safety committee seats on the last day of the "
                              "period, against those holding training valid on that day; an enterprise with "
                              "nobody who must be trained has no value."))


def audits(session: Session, enterprises: pd.DataFrame, window: Window) -> SourceResult:
    """Overall score of the latest published social audit with fieldwork in the three years ending with the period."""
    return _per_enterprise("audits", "scores_for_enterprises", "social_audit_score", enterprises,
                           lambda f: f(session=session, start=window.start3, end=window.end))


def equipment(session: Session, enterprises: pd.DataFrame, window: Window) -> SourceResult:
    """Share of registered equipment within its normative service life at the end of the year."""
    return _per_enterprise("equipment", "renewal_for_enterprises", "equipment_renewal", enterprises,
                           lambda f: f(session=session, on=window.end - timedelta(days=1)))


def agreements(session: Session, enterprises: pd.DataFrame, window: Window) -> SourceResult:
    """Share of the five core safety clause kinds in the collective agreement in force at the end of the year."""
    return _per_enterprise("agreements", "clauses_for_enterprises", "ca_safety_clauses", enterprises,
                           lambda f: f(session=session, on=window.end - timedelta(days=1)))


READERS: dict[str, Reader] = {"registry": registry, "speaks": speaks, "deviations": deviations,
                              "incidents": incidents, "monitoring": monitoring, "training": training,
                              "audits": audits, "equipment": equipment, "agreements": agreements}


def read_all(session: Session, enterprises: pd.DataFrame, window: Window,
             names: list[str] | None = None) -> list[SourceResult]:
    """The named sources (every one by default) in turn; a failing source is recorded as an error (in a
    savepoint) and the rest go on. A name without a reader (such as the "knowledge" placeholder of
    methodology 1.0 and 1.1) is reported absent."""
    results = []
    for name in READERS if names is None else names:
        reader = READERS.get(name)
        if reader is None:
            results.append(SourceResult(name, SourceStatus.ABSENT))
            continue
        try:
            with session.begin_nested():
                results.append(reader(session, enterprises, window))
        except Exception as error:  # noqa: BLE001 - another package's failure must show, not stop the index
            log.warning("index source %s failed: %s", name, error)
            results.append(SourceResult(name, SourceStatus.ERROR, detail=f"{type(error).__name__}: {error}"[:500]))
    return results
