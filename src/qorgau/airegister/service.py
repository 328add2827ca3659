"""The register's procedure, the one module other packages and the views call: filing and versions
(`filings`), routing to the union, review with comments, questions, answers and classification overrides
(`reviews`), votes and the decision with conditions (`votes`), what follows approval (`aftercare`),
escalation of overdue steps (`escalation`), the collective agreement's limits (`agreement`), the
workforce impact (`impact`) and what the register publishes (`publication`). Functions never commit."""

from __future__ import annotations

from qorgau.airegister.aftercare import condition_met, link_report, recommend_suspension, record_review
from qorgau.airegister.agreement import human_only_roles, quotas, remove_human_only, set_human_only, set_quota
from qorgau.airegister.escalation import ESCALATE_AGAIN_DAYS, escalate
from qorgau.airegister.filings import REVIEW_DAYS, create, route, submit, update, withdraw
from qorgau.airegister.impact import MODEL_YEAR, Impact, blocker_texts, blockers, impact
from qorgau.airegister.models import OPEN, PUBLIC_STATUSES
from qorgau.airegister.publication import (
    FEED_SCHEMA,
    FEED_VERSION,
    federation_rows,
    feed,
    workplace_systems,
)
from qorgau.airegister.reading import (
    awaiting_action,
    classification,
    classification_out,
    data_of,
    diff,
    enterprise_choices,
    get,
    list_query,
    overrides_of,
    participants,
    union_of,
    visible,
)
from qorgau.airegister.reviews import comment, override, unanswered_questions
from qorgau.airegister.votes import decide, open_vote, plans_of_enterprise, tally, vote

__all__ = [
    "ESCALATE_AGAIN_DAYS", "FEED_SCHEMA", "FEED_VERSION", "MODEL_YEAR", "OPEN", "PUBLIC_STATUSES", "REVIEW_DAYS",
    "Impact", "awaiting_action", "blocker_texts", "blockers", "classification", "classification_out", "comment",
    "condition_met", "create", "data_of", "decide", "diff", "enterprise_choices", "escalate", "federation_rows",
    "feed", "get", "human_only_roles", "impact", "link_report", "list_query", "open_vote", "override",
    "overrides_of", "participants", "plans_of_enterprise", "quotas", "recommend_suspension", "record_review",
    "remove_human_only", "route", "set_human_only", "set_quota", "submit", "tally", "unanswered_questions",
    "union_of", "update", "visible", "vote", "withdraw", "workplace_systems",
]
