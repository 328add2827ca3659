"""Statuses of a cluster's alert and the kinds of exposed workplaces."""

from __future__ import annotations

from enum import StrEnum

from qorgau.core.i18n_markers import N_
from qorgau.core.states import Transitions


class ClusterStatus(StrEnum):
    OPEN = "open"  # detected, officers and inspectors told
    CONFIRMED = "confirmed"  # an outbreak investigation is under way
    DISMISSED = "dismissed"  # judged not an outbreak (reason kept)


CLUSTER_MOVES = Transitions(ClusterStatus, {
    ClusterStatus.OPEN: {ClusterStatus.CONFIRMED, ClusterStatus.DISMISSED},
    ClusterStatus.CONFIRMED: {ClusterStatus.DISMISSED},
    ClusterStatus.DISMISSED: {ClusterStatus.OPEN},  # reopened with a reason
})

STATUS_LABELS = {ClusterStatus.OPEN: N_("Open alert"), ClusterStatus.CONFIRMED: N_("Confirmed outbreak"),
                 ClusterStatus.DISMISSED: N_("Dismissed")}

ACTIVITIES = {
    "livestock": N_("Livestock farming"),
    "meat": N_("Meat processing and slaughter"),
    "laboratory": N_("Laboratory"),
    "health_care": N_("Health care"),
    "waste": N_("Waste and sewage"),
    "agriculture": N_("Crop farming and field work"),
}

CONTROLS = {"vaccinated": N_("Vaccinated"), "ppe_issued": N_("Protective equipment issued"),
            "trained": N_("Trained"), "surveilled": N_("Under medical surveillance")}
