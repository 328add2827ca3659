"""Who is told about an alarm, and when: raised and repeated major or critical alarms go to the people
at the enterprise; each escalation widens the circle (the engine escalates an unacknowledged alarm at
15 minutes and at 1 hour).

Tier 0: the people bound to the enterprise who are alerted (`monitoring.alerted`: its safety managers and
technical inspectors).
Tier 1 (first escalation): also those told of escalations (`monitoring.escalated`: union officers) at its
primary union organisation.
Tier 2 and above: also those at the sectoral union of its sector and at the regional union.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from qorgau.core.i18n_markers import N_
from qorgau.core.models import User
from qorgau.core.notify import notify
from qorgau.monitoring import alarms as alarm_model
from qorgau.monitoring.alarms import Severity
from qorgau.registry import access
from qorgau.registry.models import Enterprise, UnionOrg

ALERTED = "monitoring.alerted"
ESCALATED_TO = "monitoring.escalated"
TITLES = {
    alarm_model.RAISED: N_("Alarm in %(zone)s: %(type)s, %(severity)s"),
    alarm_model.REPEAT: N_("Still not acknowledged: alarm in %(zone)s (%(type)s)"),
    alarm_model.ESCALATED: N_("Alarm escalated to level %(level)s in %(zone)s: nobody acknowledged it"),
}


@dataclass
class Notice:
    kind: str
    alarm_id: int
    enterprise_id: int
    zone_name: str
    alarm_type: str
    severity: str
    escalation: int


def worth_telling(kind: str, severity: str) -> bool:
    """Escalations always; raised and repeated alarms when major or critical (warnings stay on the screen)."""
    if kind == alarm_model.ESCALATED:
        return True
    return kind in (alarm_model.RAISED, alarm_model.REPEAT) and Severity[severity] >= Severity.MAJOR


def recipients(session: Session, enterprise: Enterprise, escalation: int) -> list[User]:
    people = access.users_with(session, ALERTED, enterprise=enterprise.id)
    unions: list[int] = []
    if escalation >= 1 and enterprise.primary_union_id:
        unions.append(enterprise.primary_union_id)
    if escalation >= 2:
        unions += list(session.execute(select(UnionOrg.id).where(or_(
            (UnionOrg.kind == "sectoral") & (UnionOrg.sector_code == enterprise.sector_code),
            (UnionOrg.kind == "regional") & (UnionOrg.region_kato == enterprise.region_kato)))).scalars())
    for union in unions:
        people += access.users_with(session, ESCALATED_TO, union=union)
    return list({u.id: u for u in people}.values())


def send(session: Session, notices: Sequence[Notice]) -> int:
    """In-app notifications (urgent ones also by e-mail/webhook after commit); one per person and alarm."""
    sent, seen = 0, set()
    circles: dict[tuple[int, int], list[User]] = {}  # (enterprise, tier) -> people; an alarm storm asks once
    for notice in notices:
        key = (notice.enterprise_id, min(notice.escalation, 2))
        if key not in circles:
            enterprise = session.get(Enterprise, notice.enterprise_id)
            circles[key] = recipients(session, enterprise, key[1]) if enterprise is not None else []
        for user in circles[key]:
            if (user.id, notice.alarm_id, notice.kind) in seen:
                continue
            seen.add((user.id, notice.alarm_id, notice.kind))
            params = {"zone": notice.zone_name, "level": notice.escalation,
                      "type": {"msg": alarm_model.ALARM_TYPES.get(notice.alarm_type, notice.alarm_type)},
                      "severity": {"msg": alarm_model.SEVERITY_LABELS[Severity[notice.severity]]}}
            notify(session, user=user, kind="monitoring.alarm", title=TITLES[notice.kind], params=params,
                   link=f"/monitoring/alarms/{notice.alarm_id}",
                   urgent=notice.kind == alarm_model.ESCALATED or notice.severity == "CRITICAL")
            sent += 1
    return sent


def tell_enterprise(session: Session, enterprise: Enterprise, *, kind: str, title: str, link: str,
                    urgent: bool = False, **params) -> list[str]:
    """Tell the people at the enterprise (tier 0) something about a zone; returns who was told."""
    told = []
    for user in recipients(session, enterprise, 0):
        notify(session, user=user, kind=kind, title=title, params=params, link=link, urgent=urgent)
        told.append(user.username)
    return told
