"""`access.users_with(reaching=)` asks who reaches an enterprise in one query; it must name exactly the people
whose own scope (`access.can_reach_enterprise`, the rule every page filters by) reaches it."""

from __future__ import annotations

import random

from sqlalchemy import select

from qorgau.core.models import User
from qorgau.core.policy import PERMISSIONS, Role
from qorgau.registry import access
from qorgau.registry.models import Enterprise, UnionOrg


def _add_people_with_every_kind_of_scope(session, rng: random.Random) -> None:
    """Demo users cover a few scopes; add people scoped to every union, some regions and enterprises."""
    unions = session.execute(select(UnionOrg.id)).scalars().all()
    enterprises = session.execute(select(Enterprise.id, Enterprise.region_kato)).all()
    regions = sorted({e.region_kato for e in enterprises if e.region_kato})
    roles = [role for role in Role if role != Role.ADMIN]
    scopes = ([("union", {"scope_union_id": u}) for u in unions]
              + [("region", {"scope_region_kato": r}) for r in regions]
              + [("enterprise", {"scope_enterprise_id": e.id}) for e in rng.sample(enterprises, 10)]
              + [("national", {})])
    for number, (kind, where) in enumerate(scopes):
        session.add(User(username=f"reach-{number}", password_hash="-", role=rng.choice(roles), scope_kind=kind,
                         is_active=rng.random() > 0.1, **where))
    session.flush()


def test_people_reaching_an_enterprise_are_those_whose_scope_reaches_it(session):
    _add_people_with_every_kind_of_scope(session, random.Random(7))
    permissions = sorted({p for granted in PERMISSIONS.values() for p in granted})
    enterprises = session.execute(select(Enterprise.id).order_by(Enterprise.id)).scalars().all()
    compared = 0
    for enterprise_id in enterprises:
        for permission in permissions[::7]:
            everyone = access.users_with(session, permission)
            expected = [u.id for u in everyone if access.can_reach_enterprise(session, u, enterprise_id)]
            assert [u.id for u in access.users_with(session, permission, reaching=enterprise_id)] == expected, \
                (enterprise_id, permission)
            compared += len(expected)
    assert compared > 100  # the comparison saw many people who do reach, not only empty lists
    assert access.users_with(session, permissions[0], reaching=10**9) == []
    session.rollback()
