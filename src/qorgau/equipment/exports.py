"""CSV and XLSX downloads of the register and of the shares past the service life."""

from __future__ import annotations

from sqlalchemy.orm import Session

from qorgau.core import i18n
from qorgau.core.db import utcnow
from qorgau.core.i18n import gettext as _
from qorgau.core.models import User
from qorgau.core.tabular import download
from qorgau.equipment import catalogue, service
from qorgau.equipment.models import CONDITION_LABELS, LIFE_SOURCES, LifeState
from qorgau.registry.models import Enterprise


def register(*, session: Session, actor: User, fmt: str, enterprise_id: int | None = None):
    today, locale = utcnow().date(), i18n.get_locale()
    items = list(session.execute(service.items_query(session=session, actor=actor,
                                                     enterprise_id=enterprise_id)).scalars())
    names = {e.id: (e.bin, i18n.localized(e, "name")) for e in session.query(Enterprise).filter(
        Enterprise.id.in_({i.enterprise_id for i in items} or {0}))}
    header = [_("BIN"), _("Enterprise"), _("Inventory number"), _("Equipment type"), _("Name or model"),
              _("Manufacturer"), _("Year commissioned"), _("Normative service life, years"), _("Source of the life"),
              _("Service life extended until"), _("End of service life"), _("Past its service life"),
              _("Condition"), _("Expired examinations"), _("Linked accidents"), _("Synthetic (demo) data")]
    state = {LifeState.past: _("yes"), LifeState.within: _("no"), LifeState.unknown: _("unknown")}
    rows = [[names.get(i.enterprise_id, ("", ""))[0], names.get(i.enterprise_id, ("", ""))[1], i.inventory_number,
             catalogue.TYPES[i.type_code].name(locale) if i.type_code in catalogue.TYPES else i.type_code, i.name,
             i.manufacturer, i.commissioned_year, i.service_life_years,
             _(LIFE_SOURCES[i.service_life_source]) if i.service_life_source else "", i.extended_until,
             i.life_ends_on, state[service.life_state(i, today)], _(CONDITION_LABELS.get(i.condition, i.condition)),
             len(service.expired_certificates(i, today)), len(i.accidents), _("yes") if i.synthetic else _("no")]
            for i in items]
    return download(header, rows, fmt, "equipment-register", "Equipment")


def shares(*, session: Session, actor: User, by: str, fmt: str):
    rows = service.shares(session=session, actor=actor, by=by, on=utcnow().date())
    header = [_("Group"), _("Items in use"), _("End of life known"), _("Unknown age or life"),
              _("Past its service life"), _("Share past the service life, per cent of known"), _("With an expired examination"),
              _("Share with an expired examination, per cent")]
    return download(header, [[r["group"], r["items"], r["known"], r["unknown"], r["past_life"],
                              r["past_life_percent"], r["expired_certificates"], r["expired_certificates_percent"]]
                             for r in rows], fmt, f"equipment-shares-{by}", "Equipment")
