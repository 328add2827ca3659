"""Statuses of audits and questionnaire versions with their legal moves, and the words for them."""

from __future__ import annotations

from enum import StrEnum

from qorgau.core.i18n_markers import N_
from qorgau.core.states import Transitions


class AuditStatus(StrEnum):
    PLANNED = "planned"  # created, parties not yet invited
    INVITED = "invited"  # parties invited; their acceptance or decline is recorded
    FIELDWORK = "fieldwork"  # answers and interviews collected on site
    FINDINGS = "findings"  # fieldwork closed; findings written and scored
    EMPLOYER_REPLY = "employer_reply"  # findings sent; the employer replies and plans corrections
    PUBLISHED = "published"  # the summary is published beside the employer's reply
    CANCELLED = "cancelled"


AUDIT_MOVES = Transitions(AuditStatus, {
    AuditStatus.PLANNED: {AuditStatus.INVITED, AuditStatus.CANCELLED},
    AuditStatus.INVITED: {AuditStatus.FIELDWORK, AuditStatus.CANCELLED},
    AuditStatus.FIELDWORK: {AuditStatus.FINDINGS, AuditStatus.CANCELLED},
    AuditStatus.FINDINGS: {AuditStatus.EMPLOYER_REPLY, AuditStatus.FIELDWORK},
    AuditStatus.EMPLOYER_REPLY: {AuditStatus.PUBLISHED},
})
AUDIT_LABELS = {
    AuditStatus.PLANNED: N_("planned"), AuditStatus.INVITED: N_("parties invited"),
    AuditStatus.FIELDWORK: N_("fieldwork"), AuditStatus.FINDINGS: N_("findings"),
    AuditStatus.EMPLOYER_REPLY: N_("awaiting the employer's reply"), AuditStatus.PUBLISHED: N_("published"),
    AuditStatus.CANCELLED: N_("cancelled"),
}
MOVE_LABELS = {
    AuditStatus.INVITED: N_("Invite the parties"), AuditStatus.FIELDWORK: N_("Start fieldwork"),
    AuditStatus.FINDINGS: N_("Close fieldwork and score"), AuditStatus.EMPLOYER_REPLY: N_("Send findings to the employer"),
    AuditStatus.PUBLISHED: N_("Publish the summary"), AuditStatus.CANCELLED: N_("Cancel the audit"),
}
# Fieldwork answers are taken only while fieldwork is open.
OPEN_FOR_ANSWERS = (AuditStatus.FIELDWORK,)


class VersionStatus(StrEnum):
    PROPOSED = "proposed"
    APPROVED = "approved"
    REJECTED = "rejected"


VERSION_MOVES = Transitions(VersionStatus, {
    VersionStatus.PROPOSED: {VersionStatus.APPROVED, VersionStatus.REJECTED},
})
VERSION_LABELS = {VersionStatus.PROPOSED: N_("proposed"), VersionStatus.APPROVED: N_("approved"),
                  VersionStatus.REJECTED: N_("rejected")}

PARTY_KINDS = {"union": N_("Trade union"), "employer": N_("Employer"),
               "workers": N_("Worker representatives"), "state": N_("State labour inspectorate")}


class PartyAnswer(StrEnum):
    """A party's answer to the invitation; the organiser may record a changed answer with a new note."""

    PENDING = "pending"
    ACCEPTED = "accepted"
    DECLINED = "declined"


PARTY_MOVES = Transitions(PartyAnswer, {
    PartyAnswer.PENDING: {PartyAnswer.ACCEPTED, PartyAnswer.DECLINED},
    PartyAnswer.ACCEPTED: {PartyAnswer.ACCEPTED, PartyAnswer.DECLINED},
    PartyAnswer.DECLINED: {PartyAnswer.ACCEPTED, PartyAnswer.DECLINED},
})
PARTY_ANSWERS = {PartyAnswer.PENDING: N_("no answer yet"), PartyAnswer.ACCEPTED: N_("accepted"),
                 PartyAnswer.DECLINED: N_("declined")}
ANSWERS = {"yes": N_("Complies"), "no": N_("Does not comply"), "na": N_("Not applicable")}
SEVERITIES = {"critical": N_("Critical"), "major": N_("Major"), "minor": N_("Minor")}
# A finding's severity as a violation's severity in deviations.
VIOLATION_SEVERITY = {"critical": "gross", "major": "significant", "minor": "minor"}
