"""One accident, read with the reader's permission checked: the registry (`service`) and the investigation
steps (`workflow`) both start from it, so it lives apart from both."""

from __future__ import annotations

from sqlalchemy.orm import Session

from qorgau.core.errors import NotFound
from qorgau.core.i18n_markers import N_
from qorgau.core.models import User
from qorgau.incidents.models import Accident
from qorgau.registry import access


def get(*, session: Session, actor: User, accident_id: int) -> Accident:
    accident = session.get(Accident, accident_id)
    if accident is None:
        raise NotFound(N_("Not found."))
    access.require_enterprise(session, actor, "incidents.read", accident.enterprise_id)
    return accident
