"""Bio-safety services: the exposure register, case lists, cluster detection, alerts and the exchange format.

Keyword-only functions over a Session; every read and write asks `core.policy`; nothing commits. A case or a
cluster is visible to a user whose scope reaches its enterprise, or, when it names no enterprise, an enterprise
of its region and OKED section (national users see all)."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

from sqlalchemy import ColumnElement, Select, and_, func, or_, select, true
from sqlalchemy.orm import Session

from qorgau.biosafety import agents as agents_mod
from qorgau.biosafety.engine.scan import CaseRecord, Parameters, district_of, region_of, scan
from qorgau.biosafety.models import BioCase, BioCluster, BioExposure, DetectionRun
from qorgau.biosafety.schemas import DecisionIn, ExposureIn
from qorgau.biosafety.states import ACTIVITIES, CLUSTER_MOVES, CONTROLS, ClusterStatus
from qorgau.core import audit, policy
from qorgau.core.db import utcnow
from qorgau.core.errors import NotFound, ValidationFailed
from qorgau.core.i18n_markers import N_
from qorgau.core.models import User
from qorgau.core.notify import notify
from qorgau.incidents import service as incidents
from qorgau.registry import access
from qorgau.registry import service as registry_service
from qorgau.registry.models import Enterprise, Region, Sector

ALPHA = 0.05  # clusters with a Monte Carlo p-value at most this raise an alert
WEEKS = 104  # study period of a detection run, in weeks ending on its date
ALERTED = "biosafety.alerted"


# ---- visibility ---------------------------------------------------------------------------------------------

def _area_visible(session: Session, actor: User, region_col, sector_col) -> ColumnElement[bool]:
    """An enterprise in the actor's scope lies in this region (and OKED section, when one is named)."""
    if policy.national(actor):
        return true()
    return (select(Enterprise.id)
            .where(access.enterprise_scope(session, actor), Enterprise.region_kato == region_col,
                   or_(sector_col.is_(None), Enterprise.sector_code == sector_col))
            .exists())


def _case_visible(session: Session, actor: User) -> ColumnElement[bool]:
    if policy.national(actor):
        return true()
    return or_(and_(BioCase.enterprise_id.is_not(None), access.scoped(session, actor, BioCase.enterprise_id)),
               and_(BioCase.enterprise_id.is_(None), _area_visible(session, actor, BioCase.region_kato, BioCase.sector_code)))


def _sees(session: Session, user: User, cluster: BioCluster) -> bool:
    if policy.national(user):
        return True
    if any(access.can_reach_enterprise(session, user, eid) for eid in cluster.enterprise_ids or []):
        return True
    query = select(Enterprise.id).where(access.enterprise_scope(session, user),
                                        Enterprise.region_kato == cluster.region_kato)
    if cluster.sector_code:
        query = query.where(Enterprise.sector_code == cluster.sector_code)
    return session.execute(query.limit(1)).first() is not None


# ---- agents -------------------------------------------------------------------------------------------------

def agent_list(*, actor: User) -> tuple[agents_mod.Agent, ...]:
    policy.require(actor, "biosafety.read")
    return agents_mod.agents()


# ---- exposure register --------------------------------------------------------------------------------------

def coverage(covered: int | None, exposed: int | None) -> float | None:
    """Share of the exposed workers a control covers; None when either count is unknown (missing is not zero)."""
    if covered is None or exposed is None or exposed <= 0:
        return None
    return covered / exposed


def exposures_query(*, session: Session, actor: User, enterprise_id: int | None = None) -> Select:
    policy.require(actor, "biosafety.read")
    query = select(BioExposure).where(access.scoped(session, actor, BioExposure.enterprise_id))
    if enterprise_id is not None:
        query = query.where(BioExposure.enterprise_id == enterprise_id)
    return query.order_by(BioExposure.enterprise_id, BioExposure.activity, BioExposure.agent_code, BioExposure.id)


def register_summary(*, session: Session, actor: User) -> list[dict]:
    """Per enterprise in scope with a register: exposed workers (known ones) and the coverage of each control."""
    rows: dict[int, dict] = {}
    for exposure in session.execute(exposures_query(session=session, actor=actor)).scalars():
        row = rows.setdefault(exposure.enterprise_id, {"enterprise_id": exposure.enterprise_id, "entries": 0,
                                                       "exposed": 0, "unknown": 0,
                                                       **{c: [0, 0] for c in CONTROLS}})
        row["entries"] += 1
        if exposure.exposed_workers is None:
            row["unknown"] += 1
            continue
        row["exposed"] += exposure.exposed_workers
        for control in CONTROLS:
            value = getattr(exposure, control)
            if value is not None:
                row[control][0] += value
                row[control][1] += exposure.exposed_workers
    out = []
    for enterprise in registry_service.enterprises_by_ids(session=session, ids=list(rows)):
        row = rows[enterprise.id]
        row["enterprise"] = enterprise
        for control in CONTROLS:
            covered, of = row[control]
            row[control] = coverage(covered, of) if of else None
        out.append(row)
    return sorted(out, key=lambda r: -r["exposed"])


def _count(value: int | None, field: str, limit: int | None = None) -> None:
    if value is not None and (value < 0 or value > 1_000_000):
        raise ValidationFailed(N_("Write a number between 0 and 1 000 000."), field=field)
    if value is not None and limit is not None and value > limit:
        raise ValidationFailed(N_("More workers covered than exposed: at most %(limit)s."), field=field,
                               params={"limit": limit})


def add_exposure(*, session: Session, actor: User, enterprise_id: int, exposure_in: ExposureIn) -> BioExposure:
    """One line of the register; site and zone are the registry's own and must belong to the enterprise."""
    access.require_enterprise(session, actor, "biosafety.exposure", enterprise_id)
    site_id = exposure_in.site_id
    if exposure_in.zone_id is not None:
        zone = registry_service.get_zone(session=session, actor=actor, zone_id=exposure_in.zone_id)
        if zone.site.enterprise_id != enterprise_id:
            raise ValidationFailed(N_("The zone is not at this enterprise."), field="zone_id")
        site_id = zone.site_id
    elif site_id is not None:
        site = registry_service.get_site(session=session, actor=actor, site_id=site_id)
        if site.enterprise_id != enterprise_id:
            raise ValidationFailed(N_("The site is not at this enterprise."), field="site_id")
    if exposure_in.activity not in ACTIVITIES:
        raise ValidationFailed(N_("Choose the kind of workplace from the list."), field="activity")
    if exposure_in.agent_code not in agents_mod.by_code():
        raise ValidationFailed(N_("Choose the biological agent from the list."), field="agent_code")
    _count(exposure_in.exposed_workers, "exposed_workers")
    for control in CONTROLS:
        _count(getattr(exposure_in, control), control, exposure_in.exposed_workers)
    exposure = BioExposure(enterprise_id=enterprise_id, site_id=site_id, zone_id=exposure_in.zone_id,
                        activity=exposure_in.activity, agent_code=exposure_in.agent_code,
                        exposed_workers=exposure_in.exposed_workers, vaccinated=exposure_in.vaccinated,
                        ppe_issued=exposure_in.ppe_issued, trained=exposure_in.trained,
                        surveilled=exposure_in.surveilled, note=exposure_in.note,
                        recorded_on=exposure_in.recorded_on or utcnow().date(), recorded_by_id=actor.id)
    session.add(exposure)
    session.flush()
    return exposure


def exposure_out(exposure: BioExposure) -> dict[str, Any]:
    out = {k: getattr(exposure, k) for k in ("id", "enterprise_id", "site_id", "zone_id", "activity", "agent_code",
                                             "exposed_workers", *CONTROLS, "note", "synthetic")}
    out["recorded_on"] = exposure.recorded_on.isoformat()
    out["coverage"] = {c: coverage(getattr(exposure, c), exposure.exposed_workers) for c in CONTROLS}
    return out


# ---- cases --------------------------------------------------------------------------------------------------

def cases_query(*, session: Session, actor: User, disease: str = "") -> Select:
    policy.require(actor, "biosafety.cases")
    query = select(BioCase).where(_case_visible(session, actor))
    if disease:
        query = query.where(BioCase.disease == disease)
    return query.order_by(BioCase.onset_on.desc(), BioCase.id.desc())


def incident_cases(*, session: Session, since: date, until: date, actor: User | None = None) -> list[dict]:
    """Occupational-disease cases of the incidents registry caused by an agent listed here (by ICD-10), read
    through the incidents service (in the actor's scope when one is given; all of them for a detection run)."""
    prefixes = agents_mod.icd10_prefixes()
    # a detection run reads every case (read only: this package never writes the incidents tables)
    rows = []
    enterprises: dict[int, Enterprise | None] = {}
    for case in incidents.disease_cases_between(session=session, since=since, until=until, actor=actor):
        if not any(case.icd10.upper().startswith(p) for p in prefixes):
            continue
        disease = agents_mod.disease_of_icd10(case.icd10)
        if case.enterprise_id not in enterprises:
            enterprises[case.enterprise_id] = registry_service.enterprise_by_id(session=session,
                                                                                enterprise_id=case.enterprise_id)
        enterprise = enterprises[case.enterprise_id]
        if enterprise is None or disease is None:
            continue
        rows.append({"ref": f"incidents:{case.id}", "source": "incidents", "reference": str(case.id),
                     "disease": disease, "icd10": case.icd10, "onset_on": case.diagnosed_on,
                     "kato": enterprise.region_kato, "region_kato": enterprise.region_kato,
                     "sector_code": enterprise.sector_code, "enterprise_id": enterprise.id})
    return rows


def _case_row(case: BioCase) -> dict:
    return {"ref": f"{case.source}:{case.reference}", "source": case.source, "reference": case.reference,
            "disease": case.disease, "icd10": case.icd10, "onset_on": case.onset_on, "kato": case.kato,
            "region_kato": case.region_kato, "sector_code": case.sector_code, "enterprise_id": case.enterprise_id}


# ---- detection ----------------------------------------------------------------------------------------------

def _week(as_of: date, day: date, weeks: int) -> int:
    return weeks - 1 - (as_of - day).days // 7


def _week_span(as_of: date, weeks: int, first: int, last: int) -> tuple[date, date]:
    end = as_of - timedelta(days=7 * (weeks - 1 - last))
    start = as_of - timedelta(days=7 * (weeks - 1 - first) + 6)
    return start, end


def detect(*, session: Session, as_of: date, params: Parameters | None = None, requested_by: str = "system",
           weeks: int = WEEKS, progress=None) -> DetectionRun:
    """Scan every disease's cases (imported lists and the incidents registry) over `weeks` weeks ending on
    `as_of`; store each significant cluster not already alerted and tell the officers and inspectors in scope."""
    params = params or Parameters()
    since = as_of - timedelta(days=7 * weeks - 1)
    rows = [_case_row(c) for c in session.execute(
        select(BioCase).where(BioCase.onset_on >= since, BioCase.onset_on <= as_of)).scalars()]
    rows += incident_cases(session=session, since=since, until=as_of)
    run = DetectionRun(as_of=as_of, params={"weeks": weeks, "alpha": ALPHA, **params.__dict__}, cases_read=len(rows),
              requested_by=requested_by[:120])
    session.add(run)
    session.flush()
    by_disease: dict[str, list[dict]] = {}
    for row in rows:
        by_disease.setdefault(row["disease"], []).append(row)
    found = 0
    diseases = sorted(by_disease)
    for index, disease in enumerate(diseases):
        cases = by_disease[disease]
        records = [CaseRecord(r["ref"], r["kato"], r["sector_code"] or "", _week(as_of, r["onset_on"], weeks))
                   for r in cases]
        step = (lambda share, i=index: progress((i + share) / len(diseases))) if progress else None
        for cluster in scan(records, weeks=weeks, params=params, progress=step):
            if cluster.p_value > ALPHA:
                continue
            start, end = _week_span(as_of, weeks, cluster.first_week, cluster.last_week)
            sector = cluster.sector or None
            if _already_alerted(session, disease, cluster.kato, sector, start, end):
                continue
            refs = set(cluster.case_ids)
            stored = BioCluster(run_id=run.id, disease=disease, kato=cluster.kato, level=cluster.level,
                             region_kato=region_of(cluster.kato), sector_code=sector, start_on=start, end_on=end,
                             cases=cluster.cases, expected=round(cluster.expected, 4),
                             relative_risk=None if cluster.relative_risk is None else round(cluster.relative_risk, 4),
                             llr=round(cluster.llr, 4), p_value=cluster.p_value, total_cases=len(records),
                             case_refs=sorted(refs),
                             enterprise_ids=sorted({r["enterprise_id"] for r in cases
                                                    if r["ref"] in refs and r["enterprise_id"]}),
                             synthetic=any(_synthetic(session, r) for r in cases if r["ref"] in refs))
            session.add(stored)
            session.flush()
            stored.notified = _alert(session, stored)
            found += 1
    run.clusters = found
    session.flush()
    return run


def _synthetic(session: Session, row: dict) -> bool:
    if row["source"] == "incidents":
        return False
    return bool(session.execute(select(BioCase.synthetic).where(BioCase.source == row["source"],
                                                             BioCase.reference == row["reference"])).scalar())


def _already_alerted(session: Session, disease: str, kato: str, sector: str | None, start: date, end: date) -> bool:
    query = select(BioCluster.id).where(BioCluster.disease == disease, BioCluster.kato == kato,
                                     BioCluster.start_on <= end, BioCluster.end_on >= start)
    query = query.where(BioCluster.sector_code.is_(None) if sector is None else BioCluster.sector_code == sector)
    return session.execute(query.limit(1)).first() is not None


def recipients(session: Session, cluster: BioCluster) -> list[User]:
    """Active people whose role is told of clusters and whose scope reaches the cluster."""
    roles = policy.roles_told(ALERTED)
    people = session.execute(select(User).where(User.role.in_(roles), User.is_active.is_(True))
                             .order_by(User.id)).scalars()
    return [user for user in people if _sees(session, user, cluster)]


def _alert(session: Session, cluster: BioCluster) -> int:
    told = 0
    for user in recipients(session, cluster):
        notify(session, user=user, kind="biosafety.cluster", link=f"/biosafety/clusters/{cluster.id}", urgent=True,
               title=N_("Possible outbreak of %(disease)s: %(cases)s cases where %(expected)s were expected "
                        "(KATO %(kato)s, %(start)s – %(end)s)"),
               params={"disease": {"msg": agents_mod.DISEASES.get(cluster.disease, cluster.disease)},
                       "cases": cluster.cases, "expected": f"{cluster.expected:.1f}", "kato": cluster.kato,
                       "start": {"date": cluster.start_on.isoformat()}, "end": {"date": cluster.end_on.isoformat()}})
        told += 1
    audit.record(session, action="biosafety.alert", object_type="biosafety_cluster", object_id=cluster.id,
                 after={"told": told, "p_value": cluster.p_value, "cases": cluster.cases})
    return told


def request_detection(*, session: Session, actor: User, as_of: date | None = None) -> int:
    """Queue a detection run as a job (the scan is CPU work: never on a request)."""
    from qorgau.core import jobs

    policy.require(actor, "biosafety.detect")
    row = jobs.enqueue(session, kind="biosafety.detect",
                       params={"as_of": (as_of or utcnow().date()).isoformat()}, requested_by=actor.username)
    return row.id


# ---- clusters and alerts ------------------------------------------------------------------------------------

def clusters_query(*, session: Session, actor: User, status: str = "") -> Select:
    policy.require(actor, "biosafety.read")
    query = select(BioCluster)
    if not policy.national(actor):
        query = query.where(or_(_area_visible(session, actor, BioCluster.region_kato, BioCluster.sector_code)))
    if status:
        query = query.where(BioCluster.status == CLUSTER_MOVES.parse(status))
    return query.order_by(BioCluster.end_on.desc(), BioCluster.id.desc())


def get_cluster(*, session: Session, actor: User, cluster_id: int) -> BioCluster:
    policy.require(actor, "biosafety.read")
    cluster = session.get(BioCluster, cluster_id)
    if cluster is None or not _sees(session, actor, cluster):
        raise NotFound("Not found.")
    return cluster


def decide(*, session: Session, actor: User, cluster_id: int, decision: DecisionIn) -> BioCluster:
    """Confirm, dismiss or reopen an alert; a reason is required and kept (audited)."""
    policy.require(actor, "biosafety.decide")
    cluster = get_cluster(session=session, actor=actor, cluster_id=cluster_id)
    reason = decision.reason.strip()
    if len(reason) < 10:
        raise ValidationFailed(N_("Say why, in at least 10 characters."), field="reason")
    target = CLUSTER_MOVES.move(cluster.status, decision.status)
    before = {"status": cluster.status}
    cluster.status, cluster.decision_reason = str(target), reason
    cluster.decided_by_id, cluster.decided_at = actor.id, utcnow()
    audit.record(session, action="biosafety.decide", object_type="biosafety_cluster", object_id=cluster.id,
                 before=before, after={"status": str(target)}, reason=reason)
    session.flush()
    return cluster


def cluster_cases(*, session: Session, actor: User, cluster: BioCluster) -> list[dict]:
    """The cases in a cluster the reader may see (imported ones and those of the incidents registry)."""
    out = []
    if policy.allowed(actor, "biosafety.cases"):
        refs = set(cluster.case_refs or [])
        for case in session.execute(cases_query(session=session, actor=actor, disease=cluster.disease)).scalars():
            if f"{case.source}:{case.reference}" in refs:
                out.append(_case_row(case))
        incident_refs = [r for r in refs if r.startswith("incidents:")]
        if incident_refs and policy.allowed(actor, "incidents.read"):
            for row in incident_cases(session=session, since=cluster.start_on, until=cluster.end_on, actor=actor):
                if row["ref"] in refs:
                    out.append(row)
    return sorted(out, key=lambda r: (r["onset_on"], r["ref"]))


def cluster_out(cluster: BioCluster) -> dict[str, Any]:
    return {"id": cluster.id, "disease": cluster.disease, "kato": cluster.kato, "level": cluster.level,
            "region_kato": cluster.region_kato, "sector_code": cluster.sector_code,
            "start_on": cluster.start_on.isoformat(), "end_on": cluster.end_on.isoformat(), "cases": cluster.cases,
            "expected": cluster.expected, "relative_risk": cluster.relative_risk, "llr": cluster.llr,
            "p_value": cluster.p_value, "total_cases": cluster.total_cases, "status": cluster.status,
            "decision_reason": cluster.decision_reason, "method": "space-time permutation scan (Kulldorff 2005)",
            "synthetic": cluster.synthetic}


def region_names(session: Session) -> dict[str, Region]:
    return {r.kato: r for r in registry_service.regions(session=session)}


def district_code(kato: str) -> str:
    return district_of(kato)


# ---- what the pages show ------------------------------------------------------------------------------


def has_demo(session: Session) -> bool:
    """Whether synthetic demonstration cases or exposures are loaded (the pages say so)."""
    return any(session.execute(select(model.id).where(model.synthetic.is_(True)).limit(1)).first() is not None
               for model in (BioCase, BioExposure))


def clusters(*, session: Session, actor: User, status: str = "", limit: int = 50) -> list[BioCluster]:
    return list(session.execute(clusters_query(session=session, actor=actor, status=status).limit(limit)).scalars())


def open_clusters(*, session: Session, actor: User, limit: int = 5) -> tuple[list[BioCluster], int]:
    """The first `limit` open clusters the actor sees and how many there are in all."""
    query = clusters_query(session=session, actor=actor, status=ClusterStatus.OPEN)
    total = session.execute(select(func.count()).select_from(query.order_by(None).subquery())).scalar_one()
    return list(session.execute(query.limit(limit)).scalars()), total


def cases_by_region(*, session: Session, actor: User, disease: str = "",
                    limit: int = 100) -> tuple[list[BioCase], list[tuple[str, str, int]]]:
    """The first `limit` cases the actor sees, and the count of all of them per region and disease."""
    query = cases_query(session=session, actor=actor, disease=disease)
    counts = select(BioCase.region_kato, BioCase.disease, func.count()).where(
        BioCase.id.in_(select(query.order_by(None).with_only_columns(BioCase.id).subquery()))) \
        .group_by(BioCase.region_kato, BioCase.disease).order_by(func.count().desc())
    return list(session.execute(query.limit(limit)).scalars()), [tuple(row) for row in session.execute(counts).all()]


def cluster_context(*, session: Session, actor: User, cluster: BioCluster) -> dict:
    """Beside a cluster: its sector, the enterprises of it the actor reaches and who decided on it."""
    sector = session.execute(select(Sector).where(
        Sector.code == cluster.sector_code)).scalar() if cluster.sector_code else None
    enterprises = registry_service.enterprises_by_ids(session=session, ids=[
        e for e in cluster.enterprise_ids or [] if access.can_reach_enterprise(session, actor, e)])
    decided_by = session.get(User, cluster.decided_by_id) if cluster.decided_by_id else None
    return {"sector": sector, "enterprises": enterprises, "decided_by": decided_by}


def exposures(*, session: Session, actor: User, enterprise_id: int) -> list[BioExposure]:
    return list(session.execute(exposures_query(session=session, actor=actor, enterprise_id=enterprise_id)).scalars())
