"""Statuses of cases and services with their legal moves, and the words for causes, kinds and outcomes."""

from __future__ import annotations

from enum import StrEnum

from qorgau.core.i18n_markers import N_
from qorgau.core.states import Transitions


class CaseStatus(StrEnum):
    INTAKE = "intake"  # opened; the worker's consent is not recorded yet
    ACTIVE = "active"  # consent recorded: assessment, plan, follow-ups
    CLOSED = "closed"


CASE_MOVES = Transitions(CaseStatus, {
    CaseStatus.INTAKE: {CaseStatus.ACTIVE, CaseStatus.CLOSED},
    CaseStatus.ACTIVE: {CaseStatus.CLOSED},
    CaseStatus.CLOSED: {CaseStatus.ACTIVE},  # reopened, with a reason
})
CASE_LABELS = {CaseStatus.INTAKE: N_("intake"), CaseStatus.ACTIVE: N_("in work"), CaseStatus.CLOSED: N_("closed")}


class ServiceStatus(StrEnum):
    PLANNED = "planned"
    AWAITING_APPROVAL = "awaiting_approval"  # material aid only
    IN_PROGRESS = "in_progress"
    DONE = "done"
    NOT_ACHIEVED = "not_achieved"
    REFUSED = "refused"  # material aid refused by the approver
    CANCELLED = "cancelled"


SERVICE_MOVES = Transitions(ServiceStatus, {
    ServiceStatus.PLANNED: {ServiceStatus.IN_PROGRESS, ServiceStatus.AWAITING_APPROVAL, ServiceStatus.CANCELLED},
    ServiceStatus.AWAITING_APPROVAL: {ServiceStatus.IN_PROGRESS, ServiceStatus.REFUSED},
    ServiceStatus.IN_PROGRESS: {ServiceStatus.DONE, ServiceStatus.NOT_ACHIEVED, ServiceStatus.CANCELLED},
})
SERVICE_LABELS = {
    ServiceStatus.PLANNED: N_("planned"), ServiceStatus.AWAITING_APPROVAL: N_("awaiting approval"),
    ServiceStatus.IN_PROGRESS: N_("in progress"), ServiceStatus.DONE: N_("done"),
    ServiceStatus.NOT_ACHIEVED: N_("not achieved"), ServiceStatus.REFUSED: N_("refused"),
    ServiceStatus.CANCELLED: N_("cancelled"),
}
MOVE_LABELS = {
    ServiceStatus.IN_PROGRESS: N_("Start"), ServiceStatus.AWAITING_APPROVAL: N_("Ask for approval"),
    ServiceStatus.DONE: N_("Done"), ServiceStatus.NOT_ACHIEVED: N_("Not achieved"),
    ServiceStatus.REFUSED: N_("Refuse"), ServiceStatus.CANCELLED: N_("Cancel"),
}
OPEN_SERVICE = (ServiceStatus.PLANNED, ServiceStatus.AWAITING_APPROVAL, ServiceStatus.IN_PROGRESS)

CAUSES = {"automation": N_("job lost or at risk through automation"), "injury": N_("injured at work"),
          "disease": N_("occupational disease"), "request": N_("asked for help")}
SERVICE_KINDS = {"retraining": N_("Retraining"), "placement": N_("Job placement"), "legal_aid": N_("Legal aid"),
                 "material_aid": N_("Material aid from union funds"), "psychological": N_("Psychological support")}
OUTCOMES = {
    "reemployed": N_("re-employed"), "compensation": N_("compensation received"),
    "level_improved": N_("needs level improved"), "retrained": N_("retrained"),
    "declined": N_("the worker declined support"), "no_result": N_("closed without a result"),
}
POSITIVE_OUTCOMES = ("reemployed", "compensation", "level_improved", "retrained")
EVENT_LABELS = {
    "opened": N_("Case opened"), "consent": N_("Consent recorded"), "assessed": N_("Needs level assessed"),
    "overridden": N_("Level overridden by an officer"), "service_added": N_("Service added to the plan"),
    "service_moved": N_("Service status changed"), "follow_up_added": N_("Follow-up set"),
    "follow_up_done": N_("Follow-up held"), "escalated": N_("Overdue step escalated"),
    "plan_progress": N_("Retraining plan progress"), "closed": N_("Case closed"), "reopened": N_("Case reopened"),
    "personal_viewed": N_("Health and income data viewed"), "updated": N_("Case details changed"),
}
PROGRESS_LABELS = {"enrolled": N_("enrolled"), "training": N_("in training"), "completed": N_("training completed"),
                   "placed": N_("working in the new occupation"), "left": N_("left the programme")}
