"""The act on an accident related to work (Labour Code art. 189-190), printed as a PDF with a verification code.

The Labour Code does not print the form's label; it speaks of the act on an accident related to work in the
form set by the authorised body. The act states the enterprise, when and where the accident happened, the
victims as the registry holds them, the commission (chair, members, the workers' representative), the
circumstances, the causes the commission established, the persons who violated safety requirements, the
split of fault between employer and worker where the worker's gross negligence contributed (art. 190 p.2),
the measures against a recurrence with their terms, and each dissenting opinion (art. 190 p.2).

The registry keeps no victim's name: only outcome, days lost, sex, age band and occupation; those last three
are printed only for users whose role may see personal data of accidents (`incidents.personal`), and the
victim's name is written by hand on the signed copy. Issued through core.documents: kept with its
fingerprint, checkable by anyone on /verify/<code>.
"""

from __future__ import annotations

from sqlalchemy.orm import Session

from qorgau.core import documents, i18n, policy
from qorgau.core.errors import ValidationFailed
from qorgau.core.i18n_markers import N_
from qorgau.core.models import User
from qorgau.incidents import labels
from qorgau.incidents.models import Accident
from qorgau.incidents.service import get
from qorgau.registry import access
from qorgau.registry import service as registry
from qorgau.registry.models import Site

KIND = "accident_act"


def chair(accident: Accident):
    """The member whose role names them chair (председатель, төраға), else the first member."""
    words = ("chair", "председател", "төраға", "торага")
    for member in accident.members:
        if any(w in member.role.lower() for w in words):
            return member
    return accident.members[0] if accident.members else None


def issue_act(session: Session, *, actor: User, accident_id: int, language: str,
              public_url: str) -> documents.IssuedDocument:
    """Issue (and keep) the act of one investigated accident in kk, ru or en."""
    accident = get(session=session, actor=actor, accident_id=accident_id)
    access.require_enterprise(session, actor, "incidents.write", accident.enterprise_id)
    if language not in i18n.LOCALES:
        raise ValidationFailed(N_("Unknown language."), field="language")
    if accident.act_on is None:
        raise ValidationFailed(N_("Record the investigation act first: the fault split and the date."),
                               field="act_on")
    enterprise = registry.enterprise_by_id(session=session, enterprise_id=accident.enterprise_id)
    site = session.get(Site, accident.site_id) if accident.site_id else None
    with i18n.locale_context(language):
        title = i18n.translate(N_("Act on an accident related to work"), "incidents")
        enterprise_name = i18n.localized(enterprise, "name") if enterprise is not None else ""
    head = chair(accident)
    issued = documents.issue(
        session, kind=KIND, title=f"{title} № {accident.id}", subject=enterprise_name,
        template="incidents/act_pdf.html", language=language, public_url=public_url,
        enterprise_id=accident.enterprise_id, object_type="incidents_accident", object_id=str(accident.id),
        issued_by=f"user:{actor.username}",
        context={"a": accident, "enterprise": enterprise, "enterprise_name": enterprise_name, "site": site,
                 "bin": enterprise.bin if enterprise is not None else "", "chair": head,
                 "others": [m for m in accident.members if m is not head],
                 "personal": policy.allowed(actor, "incidents.personal"),
                 "categories": labels.CATEGORIES, "commissions": labels.COMMISSION_LEVELS, "causes": labels.CAUSES,
                 "outcomes": labels.OUTCOMES, "employment": labels.EMPLOYMENT_STATUS,
                 "dissents": [m for m in accident.members if m.dissent]})
    return issued.document
