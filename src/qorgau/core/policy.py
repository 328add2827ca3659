"""The one place that decides what each role may do.

Two questions, each asked in one place:
- may this role do this kind of thing at all (`allowed`, `require`)? Here: the roles, their permissions, and
  the acts held only at national scope.
- which enterprises does this user's scope reach? In `qorgau.registry.access`, beside the organisation tree
  and the enterprises it is a question about (`scoped`, `get_scoped`, `require_enterprise`, `users_with`).
"""

from __future__ import annotations

from enum import StrEnum

from qorgau.core.errors import Forbidden
from qorgau.core.i18n_markers import N_
from qorgau.core.models import User


class Role(StrEnum):
    """The roles. Their names are written here and nowhere else (a test looks for them elsewhere); other code
    asks for a permission, and where a role must be named (a demo user, a command-line option) uses Role."""

    ADMIN = "admin"
    UNION_OFFICER = "union_officer"
    TECHNICAL_INSPECTOR = "technical_inspector"
    EMPLOYER_SAFETY_MANAGER = "employer_safety_manager"
    STATE_INSPECTOR = "state_inspector"
    ANALYST = "analyst"


ROLES = {
    Role.ADMIN: N_("Administrator"),
    Role.UNION_OFFICER: N_("Union officer"),
    Role.TECHNICAL_INSPECTOR: N_("Technical inspector"),
    Role.EMPLOYER_SAFETY_MANAGER: N_("Employer safety manager"),
    Role.STATE_INSPECTOR: N_("State labour inspector"),
    Role.ANALYST: N_("Analyst"),
}

SCOPE_KINDS = ("national", "region", "union", "enterprise")

_READ_REFERENCE = {"registry.read"}
PERMISSIONS: dict[str, set[str]] = {  # keyed by Role (a Role equals its name)
    Role.UNION_OFFICER: _READ_REFERENCE | {
        "registry.write", "audit.read",
        "speaks.inbox", "speaks.handle", "speaks.reveal", "speaks.stats",
        "deviations.read", "deviations.write", "deviations.verify", "deviations.stats",
        "incidents.read", "incidents.write", "incidents.personal", "incidents.stats",
        "monitoring.read", "monitoring.ack", "monitoring.catalogue", "monitoring.escalated",
        "risk.read", "risk.plan", "risk.visit", "index.read", "index.moderate", "index.publish",
        "aiwork.read", "aiwork.file", "aiwork.review", "aiwork.vote", "aiwork.plan_propose", "aiwork.plan_progress",
        "knowledge.read", "support.read", "support.write",
        "training.read", "training.enrol_union", "training.report", "training.author",
        "support.personal", "support.approve_aid", "support.stats",
        "connectors.read",
        "knowledge.submit", "knowledge.review", "knowledge.publish", "knowledge.adopt",
        "equipment.read", "equipment.comment", "equipment.stats",
        "agreements.read", "agreements.write", "agreements.stats", "agreements.partnership",
        "audits.read", "audits.summary", "audits.run", "audits.fieldwork", "audits.questionnaire",
        "biosafety.read", "biosafety.exposure", "biosafety.cases", "biosafety.import", "biosafety.decide",
        "biosafety.alerted", "biosafety.export",
        "speaks.alerted", "deviations.verify_any", "deviations.escalated_union",
    },
    Role.TECHNICAL_INSPECTOR: _READ_REFERENCE | {
        "speaks.inbox", "speaks.handle",
        "deviations.read", "deviations.write", "deviations.verify", "deviations.stats",
        "incidents.read", "incidents.write",
        "monitoring.read", "monitoring.ack", "monitoring.alerted",
        "index.read", "aiwork.read", "aiwork.vote", "knowledge.read", "risk.visit",
        "training.read",
        "connectors.read",
        "knowledge.submit", "knowledge.adopt",
        "equipment.read", "equipment.comment",
        "agreements.read",
        "audits.read", "audits.summary", "audits.fieldwork",
        "biosafety.read", "biosafety.exposure",
    },
    Role.EMPLOYER_SAFETY_MANAGER: _READ_REFERENCE | {
        "registry.write", "speaks.redacted",
        "deviations.read", "deviations.respond", "deviations.stats",
        "incidents.read", "incidents.write",
        "monitoring.read", "monitoring.write", "monitoring.ack", "monitoring.alerted",
        "index.read", "index.reply", "aiwork.read", "aiwork.file", "aiwork.plan_agree", "aiwork.plan_progress",
        "aiwork.employer_told",  # told of the union's questions and decisions on the AI systems filed
        "knowledge.read", "training.read", "training.enrol_employer", "training.report",
        "connectors.read", "connectors.manage", "knowledge.submit", "knowledge.adopt",
        "equipment.read", "equipment.write", "equipment.stats",
        "agreements.read", "agreements.comment",
        "audits.read", "audits.summary", "audits.reply",
        "biosafety.read", "biosafety.exposure",
    },
    Role.STATE_INSPECTOR: _READ_REFERENCE | {
        "speaks.stats", "deviations.read", "deviations.stats", "incidents.read", "incidents.stats",
        "monitoring.read", "risk.read", "risk.plan", "index.read", "aiwork.read", "knowledge.read", "knowledge.submit",
        "risk.visit", "deviations.write", "training.read", "training.report", "support.stats",
        "connectors.read", "connectors.rollout",
        "equipment.read", "equipment.comment", "equipment.stats",
        "agreements.read", "agreements.stats",
        "audits.summary",
        "biosafety.read", "biosafety.cases", "biosafety.import", "biosafety.decide", "biosafety.alerted",
        "biosafety.export", "biosafety.detect",
        "deviations.escalated_state",
    },
    Role.ANALYST: _READ_REFERENCE | {
        "speaks.stats", "deviations.stats", "incidents.stats", "risk.read", "risk.train",
        "index.read", "aiwork.read", "knowledge.read", "training.read", "training.report", "support.stats",
        "equipment.stats",
        "agreements.stats",
        "audits.summary",
        "biosafety.read", "biosafety.export",
    },
}
# The administrator may do everything any role may, plus manage users and reference data.
PERMISSIONS[Role.ADMIN] = set().union(*PERMISSIONS.values()) | {
    "users.manage", "registry.admin", "audit.read", "risk.train", "monitoring.write", "index.publish",
    "operations.read", "privacy.manage", "support.configure",
}


# Acts of the federation as a whole: held only at national scope (and by administrators), whatever the role grants.
NATIONAL_ONLY = {"index.publish", "knowledge.publish", "audits.questionnaire", "training.author",
                 "agreements.partnership"}


def roles_told(permission: str) -> set[str]:
    """Roles whose holders are told of an event by holding `permission` (the administrator holds every
    permission and is not told of everything)."""
    return {role for role, granted in PERMISSIONS.items() if permission in granted and role != Role.ADMIN}


def national(user: User | None) -> bool:
    """Administrators and users whose scope is the whole country (the federation's own officers)."""
    return user is not None and (user.role == Role.ADMIN or user.scope_kind == "national")


def allowed(user: User | None, permission: str) -> bool:
    return (user is not None and user.is_active and permission in PERMISSIONS.get(user.role, set())
            and (permission not in NATIONAL_ONLY or national(user)))


def require(user: User | None, permission: str) -> None:
    if not allowed(user, permission):
        raise Forbidden("You do not have permission to do this.")
