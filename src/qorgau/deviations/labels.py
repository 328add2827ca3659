"""What users see for the codes of violations and actions (English message ids, translated when shown)."""

from qorgau.core.i18n_markers import N_
from qorgau.speaks.categories import CATEGORIES

SEVERITIES = {"gross": N_("Gross violation"), "significant": N_("Significant violation"),
              "minor": N_("Minor violation")}
STATUSES = {"open": N_("Being fixed"), "awaiting_verification": N_("Awaiting verification"), "closed": N_("Closed")}
ACTION_KINDS = {"immediate": N_("Immediate"), "corrective": N_("Corrective"), "preventive": N_("Preventive")}
ACTION_STATUSES = {"open": N_("To do"), "done": N_("Done, to verify"), "verified": N_("Verified")}
SOURCES = {"field": N_("Inspector in the field"), "import": N_("Imported spreadsheet"),
           "worker_report": N_("Worker Speaks report"), "monitoring": N_("Zone monitoring")}
LABELS = {"categories": CATEGORIES, "severities": SEVERITIES, "statuses": STATUSES, "action_kinds": ACTION_KINDS,
          "action_statuses": ACTION_STATUSES, "sources": SOURCES}
