"""What users see for the codes of violations and actions (English message ids, translated when shown)."""

from qorgau.core.i18n_markers import N_
from qorgau.deviations.models import ActionStatus, Verdict, ViolationStatus
from qorgau.registry.hazards import CATEGORIES

SEVERITIES = {"gross": N_("Gross violation"), "significant": N_("Significant violation"),
              "minor": N_("Minor violation")}
STATUSES = {ViolationStatus.OPEN: N_("Being fixed"), ViolationStatus.AWAITING_VERIFICATION: N_("Awaiting verification"),
            ViolationStatus.CLOSED: N_("Closed")}
ACTION_KINDS = {"immediate": N_("Immediate"), "corrective": N_("Corrective"), "preventive": N_("Preventive")}
ACTION_STATUSES = {ActionStatus.OPEN: N_("To do"), ActionStatus.DONE: N_("Done, to verify"),
                   ActionStatus.VERIFIED: N_("Verified")}
SOURCES = {"field": N_("Inspector in the field"), "import": N_("Imported spreadsheet"),
           "worker_report": N_("Worker Speaks report"), "monitoring": N_("Zone monitoring")}
LABELS = {"categories": CATEGORIES, "severities": SEVERITIES, "statuses": STATUSES, "action_kinds": ACTION_KINDS,
          "action_statuses": ACTION_STATUSES, "sources": SOURCES,
          # the states themselves, for pages that compare with them
          "ViolationStatus": ViolationStatus, "ActionStatus": ActionStatus, "Verdict": Verdict}
