"""Which enterprises, union organisations and people a user's scope reaches: the scope half of the policy.

`core.policy` says what a role may do; this module says where: a user acts in the whole country, a region, a
branch of the union tree or one enterprise, and every service that lists or fetches enterprise-bound data
filters with `scoped` or fetches with `get_scoped`. It sits on the registry floor because the scope is a
place in the registry's organisation tree.
"""

from __future__ import annotations

from sqlalchemy import ColumnElement, Integer, Select, and_, event, false, literal, or_, select, true
from sqlalchemy.orm import Session, aliased

from qorgau.core.errors import NotFound
from qorgau.core.models import User
from qorgau.core.policy import Role, allowed, national, require, roles_told
from qorgau.registry.models import Enterprise, UnionOrg

_UNION_CACHE = "qorgau.access.union_trees"
_MAX_DEPTH = 32  # far deeper than the federation's tree; guards against a cycle in bad data


def _union_tree(session: Session, root_id: int) -> tuple[tuple[str, str | None, str | None] | None, list[int]]:
    """(kind, sector, region) of the union organisation and the ids of it and everything below it: one
    recursive query, remembered on the session until its transaction ends or the union tree is written."""
    cache = session.info.setdefault(_UNION_CACHE, {})
    if root_id not in cache:
        tree = (select(UnionOrg.id, UnionOrg.kind, UnionOrg.sector_code, UnionOrg.region_kato,
                       literal(0, Integer).label("depth"))
                .where(UnionOrg.id == root_id).cte("union_tree", recursive=True))
        below = aliased(UnionOrg)
        tree = tree.union_all(select(below.id, below.kind, below.sector_code, below.region_kato, tree.c.depth + 1)
                              .where(below.parent_id == tree.c.id, tree.c.depth < _MAX_DEPTH))
        rows = session.execute(select(tree).order_by(tree.c.depth, tree.c.id)).all()
        root = (rows[0].kind, rows[0].sector_code, rows[0].region_kato) if rows else None
        cache[root_id] = (root, list(dict.fromkeys(r.id for r in rows)))
    return cache[root_id]


@event.listens_for(Session, "after_flush")
def _forget_changed_tree(session: Session, _context) -> None:
    if _UNION_CACHE in session.info and any(isinstance(o, UnionOrg)
                                            for o in (*session.new, *session.dirty, *session.deleted)):
        session.info.pop(_UNION_CACHE, None)


@event.listens_for(Session, "after_commit")
@event.listens_for(Session, "after_soft_rollback")
def _forget_trees(session: Session, *_args) -> None:
    session.info.pop(_UNION_CACHE, None)


def union_subtree_ids(session: Session, root_id: int) -> list[int]:
    """The union organisation and everything below it."""
    return list(_union_tree(session, root_id)[1])


def _union_reach(session: Session, union_id: int) -> ColumnElement[bool]:
    org, subtree = _union_tree(session, union_id)
    if org is None:
        return false()
    kind, sector_code, region_kato = org
    if kind == "federation":
        return true()
    # Enterprises organised under this branch of the tree, plus (for sectoral and regional unions)
    # the enterprises of their sector or region that no primary organisation covers.
    reach: list[ColumnElement[bool]] = [Enterprise.primary_union_id.in_(subtree)]
    area = []
    if sector_code:
        area.append(Enterprise.sector_code == sector_code)
    if region_kato:
        area.append(Enterprise.region_kato == region_kato)
    if area and kind in ("sectoral", "regional"):
        reach.append(and_(*area))
    return or_(*reach)


def enterprise_scope(session: Session, user: User | None) -> ColumnElement[bool]:
    """A condition on Enterprise rows: true for the enterprises this user's scope reaches."""
    if user is None or not user.is_active:
        return false()
    if user.role == Role.ADMIN or user.scope_kind == "national":
        return true()
    if user.scope_kind == "region":
        return Enterprise.region_kato == user.scope_region_kato
    if user.scope_kind == "union" and user.scope_union_id:
        return _union_reach(session, user.scope_union_id)
    if user.scope_kind == "enterprise" and user.scope_enterprise_id:
        return Enterprise.id == user.scope_enterprise_id
    return false()


def visible_enterprise_ids(session: Session, user: User | None) -> Select:
    """A subquery of enterprise ids in scope, for filtering other packages' tables by enterprise_id."""
    return select(Enterprise.id).where(enterprise_scope(session, user))


def scoped(session: Session, user: User | None, enterprise_id_column) -> ColumnElement[bool]:
    """A condition on any table with an enterprise id column: the row is inside the user's scope."""
    if user is not None and user.is_active and (user.role == Role.ADMIN or user.scope_kind == "national"):
        return true()
    return enterprise_id_column.in_(visible_enterprise_ids(session, user))


def can_reach_enterprise(session: Session, user: User | None, enterprise_id: int | None) -> bool:
    if enterprise_id is None:
        return False
    found = session.execute(select(Enterprise.id).where(Enterprise.id == enterprise_id,
                                                        enterprise_scope(session, user))).first()
    return found is not None


def require_enterprise(session: Session, user: User | None, permission: str, enterprise_id: int | None) -> None:
    """Permission and scope together. Out of scope reads as 'not found', so nothing leaks."""
    require(user, permission)
    if not can_reach_enterprise(session, user, enterprise_id):
        raise NotFound("Not found.")


def reachable_union_ids(session: Session, user: User | None) -> list[int] | None:
    """Union organisations whose inbox this user works in; None means all."""
    if user is None:
        return []
    if user.role == Role.ADMIN or user.scope_kind == "national":
        return None
    if user.scope_kind == "union" and user.scope_union_id:
        org, subtree = _union_tree(session, user.scope_union_id)
        if org is not None and org[0] == "federation":
            return None
        return list(subtree) if org is not None else [user.scope_union_id]
    return []


def inbox_scope(session: Session, user: User | None, *, union_org_column, enterprise_id_column) -> ColumnElement[bool]:
    """Items routed to a union inbox (reports, filings): seen by the union branch they were routed to
    (and the branches above it) and by anyone whose enterprise scope covers the enterprise."""
    unions = reachable_union_ids(session, user)
    if unions is None:
        return true()
    by_enterprise = scoped(session, user, enterprise_id_column)
    return or_(union_org_column.in_(unions), by_enterprise) if unions else by_enterprise


def get_scoped(session: Session, actor: User | None, model, object_id: int | None, permission: str, *,
               enterprise_of=None):
    """The `model` row with this id when the actor holds `permission` and the row's enterprise is inside the
    actor's scope. Forbidden without the permission; NotFound when there is no such row or it is out of scope
    (so nothing leaks). `enterprise_of(row)` gives the enterprise of a row without an `enterprise_id`; a row
    bound to no enterprise is reached only at national scope."""
    require(actor, permission)
    row = session.get(model, object_id) if object_id is not None else None
    if row is None:
        raise NotFound("Not found.")
    enterprise_id = enterprise_of(row) if enterprise_of is not None else row.enterprise_id
    if enterprise_id is None:
        if not national(actor):
            raise NotFound("Not found.")
    elif not can_reach_enterprise(session, actor, enterprise_id):
        raise NotFound("Not found.")
    return row


def users_with(session: Session, permission: str, *, reaching: int | None = None, union: int | None = None,
               enterprise: int | None = None, region: str | None = None) -> list[User]:
    """The one answer to "who must be told": active users holding `permission` (administrators, who hold
    every permission, are left out: they are not told of everything), narrowed by where their scope is:

    - `reaching`: their scope covers this enterprise (national, its region, a union reaching it, or it);
    - `union`: their scope is this union organisation itself;
    - `enterprise`: their scope is this enterprise itself;
    - `region`: their scope is this region or the whole country.

    Ordered by id, so notices go out in a stable order."""
    roles = roles_told(permission)
    if not roles:
        return []
    query = select(User).where(User.is_active.is_(True), User.role.in_(sorted(roles))).order_by(User.id)
    if union is not None:
        query = query.where(User.scope_kind == "union", User.scope_union_id == union)
    if enterprise is not None:
        query = query.where(User.scope_kind == "enterprise", User.scope_enterprise_id == enterprise)
    if region is not None:
        query = query.where(or_(User.scope_kind == "national",
                                and_(User.scope_kind == "region", User.scope_region_kato == region)))
    if reaching is not None:
        query = query.where(_users_reaching(session, reaching))
    return [user for user in session.execute(query).scalars() if allowed(user, permission)]


def _users_reaching(session: Session, enterprise_id: int) -> ColumnElement[bool]:
    """A condition on User rows: true where `enterprise_scope(session, user)` reaches this enterprise. The
    inverse of `_union_reach`, asked once for all candidates instead of once per user: a union reaches the
    enterprise when it is the federation, an ancestor (or itself) of the enterprise's primary organisation, or
    a sectoral/regional union whose sector and region (those it has) are the enterprise's."""
    enterprise = session.execute(select(Enterprise.primary_union_id, Enterprise.sector_code, Enterprise.region_kato)
                                 .where(Enterprise.id == enterprise_id)).first()
    if enterprise is None:
        return User.role == Role.ADMIN
    union_reach: list[ColumnElement[bool]] = [UnionOrg.kind == "federation"]
    if enterprise.primary_union_id is not None:
        up = (select(UnionOrg.id, UnionOrg.parent_id, literal(0, Integer).label("depth"))
              .where(UnionOrg.id == enterprise.primary_union_id).cte("union_ancestors", recursive=True))
        parent = aliased(UnionOrg)
        up = up.union_all(select(parent.id, parent.parent_id, up.c.depth + 1)
                          .where(parent.id == up.c.parent_id, up.c.depth < _MAX_DEPTH))
        union_reach.append(UnionOrg.id.in_(select(up.c.id)))
    union_reach.append(and_(
        UnionOrg.kind.in_(("sectoral", "regional")),
        or_(UnionOrg.sector_code.is_not(None), UnionOrg.region_kato.is_not(None)),
        or_(UnionOrg.sector_code.is_(None), UnionOrg.sector_code == enterprise.sector_code),
        or_(UnionOrg.region_kato.is_(None), UnionOrg.region_kato == enterprise.region_kato)))
    unions = select(UnionOrg.id).where(or_(*union_reach))
    return or_(User.role == Role.ADMIN, User.scope_kind == "national",
               and_(User.scope_kind == "region", User.scope_region_kato == enterprise.region_kato),
               and_(User.scope_kind == "union", User.scope_union_id.in_(unions)),
               and_(User.scope_kind == "enterprise", User.scope_enterprise_id == enterprise_id))


def nearest_union_users(session: Session, permission: str, union_id: int | None) -> list[User]:
    """Users holding `permission` at this union organisation or, failing that, at the nearest one above it."""
    seen: set[int] = set()
    while union_id is not None and union_id not in seen and len(seen) < _MAX_DEPTH:
        seen.add(union_id)
        people = users_with(session, permission, union=union_id)
        if people:
            return people
        union_id = session.execute(select(UnionOrg.parent_id).where(UnionOrg.id == union_id)).scalar()
    return []
