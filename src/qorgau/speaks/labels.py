"""What users see for the codes of reports: urgency levels, kinds and statuses (English message ids,
translated when shown). The hazard categories are the registry's (`qorgau.registry.hazards`)."""

from qorgau.core.i18n_markers import N_
from qorgau.speaks.models import ReportStatus

URGENCIES = {
    "imminent": N_("Imminent danger to life"),
    "high": N_("High"),
    "normal": N_("Normal"),
    "low": N_("Low"),
}
KIND_LABELS = {"hazard": N_("A hazard"), "complaint": N_("A complaint"), "suggestion": N_("A suggestion")}
STATUS_LABELS = {ReportStatus.NEW: N_("New"), ReportStatus.ACKNOWLEDGED: N_("Acknowledged"),
                 ReportStatus.IN_PROGRESS: N_("In progress"), ReportStatus.RESOLVED: N_("Resolved"),
                 ReportStatus.CLOSED: N_("Closed"), ReportStatus.SPAM: N_("Spam")}
