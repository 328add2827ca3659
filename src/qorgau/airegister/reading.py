"""Reading the register: which filings a user sees, one filing, its versions, its classification with the
union's overrides, what changed between two versions, and who and what the record names."""

from __future__ import annotations

import json

from sqlalchemy import Select, func, select
from sqlalchemy.orm import Session

from qorgau.airegister import classify as rules
from qorgau.airegister.models import OPEN, Filing, Override
from qorgau.airegister.schemas import FilingIn
from qorgau.core import policy
from qorgau.core.errors import NotFound
from qorgau.core.i18n_markers import N_
from qorgau.core.models import User
from qorgau.registry import access
from qorgau.registry import service as registry
from qorgau.registry.models import Enterprise, UnionOrg


def visible(session: Session, actor: User):
    return access.inbox_scope(session, actor, union_org_column=Filing.union_org_id,
                              enterprise_id_column=Filing.enterprise_id)


def list_query(*, session: Session, actor: User, status: str = "", risk: str = "", eu: str = "",
               sector: str = "", enterprise_id: int | None = None) -> Select:
    policy.require(actor, "aiwork.read")
    query = select(Filing).where(visible(session, actor)).order_by(Filing.id.desc())
    for column, value in ((Filing.status, status), (Filing.risk_kz, risk), (Filing.eu_category, eu)):
        if value:
            query = query.where(column == value)
    if sector:
        query = query.where(Filing.enterprise_id.in_(select(Enterprise.id).where(Enterprise.sector_code == sector)))
    if enterprise_id:
        query = query.where(Filing.enterprise_id == enterprise_id)
    return query


def get(*, session: Session, actor: User, filing_id: int) -> Filing:
    """One filing the actor may see (the union it is routed to, or the enterprise's scope), else NotFound."""
    policy.require(actor, "aiwork.read")
    found = session.execute(select(Filing).where(Filing.id == filing_id, visible(session, actor))).scalar()
    if found is None:
        raise NotFound(N_("Not found."))
    return found


def data_of(filing: Filing, number: int | None = None) -> dict:
    number = number or filing.current_version
    for version in filing.versions:
        if version.number == number:
            return version.data
    raise NotFound(N_("No such version."), field="version")


def overrides_of(filing: Filing) -> dict[str, Override]:
    """The latest override per dimension."""
    latest: dict[str, Override] = {}
    for item in filing.overrides:
        latest[item.dimension] = item
    return latest


def classification(filing: Filing, data: dict | None = None) -> rules.Classification:
    data = data if data is not None else data_of(filing)
    return rules.classify(data, {k: o.value for k, o in overrides_of(filing).items()})


def classification_out(filing: Filing) -> dict:
    data = data_of(filing)
    automatic = rules.classify(data)
    final = classification(filing, data)
    overrides = overrides_of(filing)
    out = {}
    for dimension in ("risk_kz", "autonomy_kz", "eu_category"):
        result = getattr(final, dimension)
        out[dimension] = {"value": result.value, "automatic": getattr(automatic, dimension).value,
                          "rules": [f.as_dict() for f in result.fired],
                          "override_reason": overrides[dimension].reason if dimension in overrides else ""}
    out["prohibited"] = [f.as_dict() for f in final.prohibited]
    out["safeguards"] = {k: [f.as_dict() for f in v] for k, v in final.safeguards.items()}
    return out


def diff(before: dict, after: dict) -> list[dict]:
    """Fields that changed between two versions: field, before, after (lists compared as a whole)."""
    changes = []
    for key in after.keys() | before.keys():
        old, new = before.get(key), after.get(key)
        if json.dumps(old, sort_keys=True, default=str) != json.dumps(new, sort_keys=True, default=str):
            changes.append({"field": key, "before": old, "after": new})
    order = list(FilingIn.model_fields)
    return sorted(changes, key=lambda c: order.index(c["field"]) if c["field"] in order else len(order))


def awaiting_action(*, session: Session, actor: User, limit: int = 5) -> tuple[int, list[Filing]]:
    """Filings in the actor's view that are still open or recommended for suspension: how many, and the newest."""
    query = list_query(session=session, actor=actor).where(
        Filing.status.in_(OPEN) | Filing.suspension_recommended.is_(True))
    total = session.execute(select(func.count()).select_from(query.subquery())).scalar_one()
    return total, list(session.execute(query.limit(limit)).scalars())


def participants(*, session: Session, filing: Filing) -> dict[int, User]:
    """The people named in the record (authors of comments, actors of events, voters), by id."""
    ids = {c.author_id for c in filing.comments} | {e.actor_id for e in filing.events} | {v.voter_id for v in filing.votes}
    ids.discard(None)
    if not ids:
        return {}
    return {u.id: u for u in session.execute(select(User).where(User.id.in_(ids))).scalars()}


def union_of(*, session: Session, filing: Filing) -> UnionOrg | None:
    """The union body the filing is routed to (None while it is a draft)."""
    return session.get(UnionOrg, filing.union_org_id) if filing.union_org_id else None


def enterprise_choices(*, session: Session, actor: User, limit: int = 300) -> list[Enterprise]:
    """Enterprises the actor may pick on the filing form."""
    return list(session.execute(registry.enterprises_query(session=session, actor=actor).limit(limit)).scalars())
