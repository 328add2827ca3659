"""Every route with a path parameter, walked as a user of enterprise A (or a union officer) against the
objects of an enterprise outside their scope: reads answer 403/404, writes change nothing."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import func, select

from qorgau.core.models import AuditEntry, User
from qorgau.registry import access
from qorgau.registry.models import Enterprise, Site, Zone
from tests.scoping import NOT_SCOPED, RESOLVERS

PARAM = re.compile(r"{(\w+)(?::\w+)?}")


def _outside_enterprise(session, user: User) -> int:
    """An enterprise with sites and zones that the user's scope does not reach."""
    candidates = session.execute(select(Enterprise.id).join(Site).join(Zone).distinct().order_by(Enterprise.id)).scalars()
    for enterprise_id in candidates:
        if not access.can_reach_enterprise(session, user, enterprise_id):
            return enterprise_id
    raise AssertionError("demo data has no enterprise outside this scope")


def _routes(app):
    for method, path in app.state.route_table:
        if PARAM.search(path):
            yield method, path


@pytest.mark.parametrize("username", ["employer", "officer", "inspector"])
def test_objects_outside_scope_are_invisible_and_untouchable(app, session, sign_in, username):
    user = session.execute(select(User).where(User.username == username)).scalar_one()
    outside = _outside_enterprise(session, user)
    values, unmapped = {}, set()
    for _method, path in _routes(app):
        for name in PARAM.findall(path):
            if name in NOT_SCOPED:
                values[name] = NOT_SCOPED[name]
            elif name not in values and name in RESOLVERS:
                values[name] = RESOLVERS[name](session, outside)
            elif name not in RESOLVERS:
                unmapped.add(name)
    session.commit()
    assert not unmapped, f"add resolvers for these path parameters to tests/scoping.py: {sorted(unmapped)}"

    client = sign_in(username)
    checked = 0
    for method, path in _routes(app):
        names = PARAM.findall(path)
        if any(values.get(name) is None for name in names):
            continue  # the outside enterprise has no such object
        if all(name in NOT_SCOPED for name in names):
            continue  # not an object of any enterprise
        url = PARAM.sub(lambda m: str(values[m.group(1)]), path)
        before = session.execute(select(func.count()).select_from(AuditEntry)
                                 .where(AuditEntry.action != "sign_in")).scalar_one()
        if method == "GET":
            response = client.get(url, follow_redirects=False)
            assert response.status_code in (403, 404), f"{method} {url} -> {response.status_code}"
        else:
            response = client.request(method, url, data={"name": "probe", "csrf_token": client.headers["X-CSRF-Token"]},
                                      follow_redirects=False)
            assert response.status_code >= 400, f"{method} {url} -> {response.status_code}"
            session.expire_all()
            after = session.execute(select(func.count()).select_from(AuditEntry)
                                    .where(AuditEntry.action != "sign_in")).scalar_one()
            assert after == before, f"{method} {url} wrote something"
        checked += 1
    assert checked >= 10
