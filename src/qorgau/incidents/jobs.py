"""Accident records' retention rule (see core.retention)."""

from __future__ import annotations

from qorgau.core.i18n_markers import N_
from qorgau.core.retention import Action, rule


def _flag_old(session, cutoff) -> int:
    """Records past 45 years are counted for the archivist: the platform never deletes them itself."""
    from sqlalchemy import func, select

    from qorgau.incidents.models import Accident, DiseaseCase

    accidents = session.execute(select(func.count()).where(Accident.occurred_on < cutoff.date())).scalar_one()
    diseases = session.execute(select(func.count()).where(DiseaseCase.diagnosed_on < cutoff.date())).scalar_one()
    return int(accidents) + int(diseases)


rule(key="incidents.records", package="incidents", days=45 * 365 + 11, action=Action.FLAG,
     record=N_("Accidents and occupational diseases: acts, investigation materials, victims"),
     period=N_("45 years from the accident or diagnosis"),
     source=N_("Labour Code of the Republic of Kazakhstan, art. 190 p. 13 (45 years; on liquidation to the state archive)"),
     enforce=_flag_old)
