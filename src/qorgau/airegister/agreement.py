"""The collective agreement's limits on automation: occupations reserved for people and the agreed
minimum share of human-occupied jobs per unit."""

from __future__ import annotations

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from qorgau.airegister.models import HumanOnlyRole, HumanQuota
from qorgau.core.errors import ValidationFailed
from qorgau.core.i18n_markers import N_
from qorgau.core.models import User
from qorgau.registry import access
from qorgau.registry.models import Occupation


def human_only_roles(*, session: Session, enterprise_id: int) -> list[HumanOnlyRole]:
    return list(session.execute(select(HumanOnlyRole).where(HumanOnlyRole.enterprise_id == enterprise_id)
                                .order_by(HumanOnlyRole.isco08)).scalars())


def quotas(*, session: Session, enterprise_id: int) -> list[HumanQuota]:
    return list(session.execute(select(HumanQuota).where(HumanQuota.enterprise_id == enterprise_id)
                                .order_by(HumanQuota.unit)).scalars())


def set_human_only(*, session: Session, actor: User, enterprise_id: int, isco08: str, clause: str = "") -> HumanOnlyRole:
    access.require_enterprise(session, actor, "aiwork.review", enterprise_id)
    occupation = session.get(Occupation, isco08)
    if occupation is None or occupation.level != 4:
        raise ValidationFailed(N_("%(code)s is not an ISCO-08 unit group."), field="isco08", params={"code": isco08})
    found = session.execute(select(HumanOnlyRole).where(HumanOnlyRole.enterprise_id == enterprise_id,
                                                        HumanOnlyRole.isco08 == isco08)).scalar()
    if found is None:
        found = HumanOnlyRole(enterprise_id=enterprise_id, isco08=isco08)
        session.add(found)
    found.clause = clause.strip()
    session.flush()
    return found


def remove_human_only(*, session: Session, actor: User, enterprise_id: int, isco08: str) -> None:
    access.require_enterprise(session, actor, "aiwork.review", enterprise_id)
    session.execute(delete(HumanOnlyRole).where(HumanOnlyRole.enterprise_id == enterprise_id,
                                                HumanOnlyRole.isco08 == isco08))
    session.flush()


def set_quota(*, session: Session, actor: User, enterprise_id: int, unit: str, min_human_pct: int,
              clause: str = "") -> HumanQuota:
    access.require_enterprise(session, actor, "aiwork.review", enterprise_id)
    unit = unit.strip() or "*"
    if not 0 < min_human_pct <= 100:
        raise ValidationFailed(N_("The quota is a share from 1 to 100 per cent."), field="min_human_pct")
    found = session.execute(select(HumanQuota).where(HumanQuota.enterprise_id == enterprise_id,
                                                     HumanQuota.unit == unit)).scalar()
    if found is None:
        found = HumanQuota(enterprise_id=enterprise_id, unit=unit, min_human_pct=min_human_pct)
        session.add(found)
    found.min_human_pct, found.clause = min_human_pct, clause.strip()
    session.flush()
    return found
