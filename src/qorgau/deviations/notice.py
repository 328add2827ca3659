"""The technical inspector's notice of a violation, printed as a PDF with a verification code.

The notice states what was found, where and when, the rule broken, whether work was stopped, and the
corrective actions with their due dates and responsible people. Labour Code art. 203 makes technical
OSH inspectors part of the production council, whose decisions bind the employer; the notice is the
paper the inspector hands over and files. It is issued through core.documents: stored with its
fingerprint, checkable by anyone on /verify/<code>, current until the violation is closed.
"""

from __future__ import annotations

from sqlalchemy.orm import Session

from qorgau.core import documents, i18n
from qorgau.core.errors import ValidationFailed
from qorgau.core.i18n_markers import N_
from qorgau.core.models import User
from qorgau.deviations.labels import LABELS
from qorgau.deviations.service import violation_detail
from qorgau.registry import access
from qorgau.registry import service as registry
from qorgau.registry.models import Site, Zone

KIND = "violation_notice"


def issue_notice(session: Session, *, actor: User, violation_id: int, language: str,
                 public_url: str) -> documents.IssuedDocument:
    """Issue (and keep) the notice of one violation in kk, ru or en."""
    violation = violation_detail(session=session, actor=actor, violation_id=violation_id)
    access.require_enterprise(session, actor, "deviations.write", violation.enterprise_id)
    if language not in i18n.LOCALES:
        raise ValidationFailed(N_("Unknown language."), field="language")
    enterprise = registry.enterprise_by_id(session=session, enterprise_id=violation.enterprise_id)
    site = session.get(Site, violation.site_id) if violation.site_id else None
    zone = session.get(Zone, violation.zone_id) if violation.zone_id else None
    with i18n.locale_context(language):
        title = i18n.translate(N_("Notice of a violation of occupational safety requirements"), "deviations")
        enterprise_name = i18n.localized(enterprise, "name") if enterprise is not None else ""
    issued = documents.issue(
        session, kind=KIND, title=f"{title} № {violation.id}", subject=enterprise_name,
        template="deviations/notice_pdf.html", language=language, public_url=public_url,
        enterprise_id=violation.enterprise_id, object_type="deviations_violation", object_id=str(violation.id),
        issued_by=f"user:{actor.username}",
        context={"v": violation, "enterprise": enterprise, "enterprise_name": enterprise_name,
                 "site": site, "zone": zone, "inspector": actor.full_name or actor.username,
                 "bin": enterprise.bin if enterprise is not None else "", **LABELS})
    return issued.document
