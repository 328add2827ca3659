"""How to find an object of a given enterprise for each path parameter of the UI and the API.

The scope test walks every route with path parameters; each parameter needs a resolver here that
returns the id of an object belonging to the enterprise it is given (or None if it has none).
A package that adds routes with new path parameters adds its resolvers below.
"""

from __future__ import annotations

from collections.abc import Callable

from sqlalchemy import select
from sqlalchemy.orm import Session

Resolver = Callable[[Session, int], object]


def _site(session: Session, enterprise_id: int):
    from qorgau.registry.models import Site

    return session.execute(select(Site.id).where(Site.enterprise_id == enterprise_id).limit(1)).scalar()


def _zone(session: Session, enterprise_id: int):
    from qorgau.registry.models import Site, Zone

    return session.execute(select(Zone.id).join(Site).where(Site.enterprise_id == enterprise_id).limit(1)).scalar()


def _token(session: Session, enterprise_id: int):
    """A token of a user bound to that enterprise (made on demand)."""
    from qorgau.core import security
    from qorgau.core.models import User

    user = session.execute(select(User).where(User.scope_enterprise_id == enterprise_id).limit(1)).scalar()
    if user is None:
        user = User(username=f"probe{enterprise_id}", role="employer_safety_manager", password_hash="x",
                    scope_kind="enterprise", scope_enterprise_id=enterprise_id)
        session.add(user)
        session.flush()
    token, _plain = security.create_api_token(session, user=user)
    return token.id


def _report(session: Session, enterprise_id: int):
    from qorgau.speaks.models import Report

    return session.execute(select(Report.id).where(Report.enterprise_id == enterprise_id).limit(1)).scalar()


def _report_attachment(session: Session, enterprise_id: int):
    from qorgau.speaks.models import Attachment, Report

    return session.execute(select(Attachment.id).join(Report).where(Report.enterprise_id == enterprise_id)
                           .limit(1)).scalar()


def _accident(session: Session, enterprise_id: int):
    from qorgau.incidents.models import Accident

    return session.execute(select(Accident.id).where(Accident.enterprise_id == enterprise_id).limit(1)).scalar()


def _index_reply(session: Session, enterprise_id: int, *, with_evidence: bool = False):
    """A reply of that enterprise still awaiting moderation (published replies are public by design)."""
    from qorgau.index.models import Evidence, Reply

    reply = session.execute(select(Reply).where(Reply.enterprise_id == enterprise_id, Reply.status == "pending")
                            .limit(1)).scalar()
    if reply is None:
        reply = Reply(enterprise_id=enterprise_id, period=2025, body="A probe reply awaiting moderation.")
        session.add(reply)
        session.flush()
    if not with_evidence:
        return reply.id
    item = session.execute(select(Evidence.id).where(Evidence.reply_id == reply.id).limit(1)).scalar()
    if item is None:
        evidence = Evidence(reply_id=reply.id, filename="probe.pdf", media_type="application/pdf", size=8,
                            content=b"%PDF-1.4")
        session.add(evidence)
        session.flush()
        item = evidence.id
    return item


RESOLVERS: dict[str, Resolver] = {
    "enterprise_id": lambda session, enterprise_id: enterprise_id,
    "site_id": _site,
    "zone_id": _zone,
    "token_id": _token,
    "report_id": _report,
    "accident_id": _accident,
    "attachment_id": _report_attachment,
    "index_reply_id": _index_reply,
    "index_evidence_id": lambda session, enterprise_id: _index_reply(session, enterprise_id, with_evidence=True),
}

# Path parameters that do not name an enterprise's object, with a harmless value.
NOT_SCOPED: dict[str, str] = {"code": "kk",
                               # the Safety Index: a published period is public by design (issue 8), and
                               # runs and methodology versions are national, not an enterprise's objects
                               "index_period": "2025", "published_bin": "000000000000", "index_run_id": "1",
                               "methodology_id": "1"}
