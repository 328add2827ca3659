"""The register's procedure, the one module other packages and the views call: filing and versions
(`filings`), routing to the union, review with comments, questions, answers and classification overrides
(`reviews`), votes and the decision with conditions (`votes`), what follows approval (`aftercare`),
escalation of overdue steps (`escalation`), the collective agreement's limits (`agreement`), the
workforce impact (`impact`) and what the register publishes (`publication`). Functions never commit."""

from __future__ import annotations

from collections.abc import Callable

from sqlalchemy import select
from sqlalchemy.orm import Session

from qorgau.airegister.aftercare import condition_met, link_report, recommend_suspension, record_review
from qorgau.airegister.agreement import human_only_roles, quotas, remove_human_only, set_human_only, set_quota
from qorgau.airegister.escalation import ESCALATE_AGAIN_DAYS, escalate
from qorgau.airegister.filings import REVIEW_DAYS, create, route, submit, update, withdraw
from qorgau.airegister.impact import MODEL_YEAR, Impact, blocker_texts, blockers, impact
from qorgau.airegister.models import OPEN, PUBLIC_STATUSES, Filing, FilingStatus
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


# ---- for the packages that work from filings (support cases) -------------------------------------------------

# The blocks other packages put on a filing's page, by the name the page's template knows them by. They register
# here, so this package shows them without importing the packages that depend on it.
_PAGE_BLOCKS: dict[str, Callable[..., dict | None]] = {}


def show_on_filing_page(name: str, block: Callable[..., dict | None]) -> None:
    """Put `block(session=, actor=, filing=)` on every filing's page, as `name` in the page's context."""
    _PAGE_BLOCKS[name] = block


def page_blocks(*, session: Session, actor, filing: Filing) -> dict[str, dict | None]:
    """The registered blocks of a filing's page, by name."""
    return {name: block(session=session, actor=actor, filing=filing) for name, block in _PAGE_BLOCKS.items()}


def opens_support_cases(filing: Filing) -> bool:
    """Whether support cases may be opened from the filing: it was submitted, and not rejected or withdrawn."""
    return filing.status not in (FilingStatus.DRAFT, FilingStatus.WITHDRAWN, FilingStatus.REJECTED)


def filing_by_id(*, session: Session, filing_id: int) -> Filing | None:
    """The filing, without a scope check: for a page that already shows a record linked to it."""
    return session.get(Filing, filing_id)


def approved_filings_removing_jobs(*, session: Session) -> list[Filing]:
    """Approved (without conditions) filings that remove jobs, oldest first: what the demonstration opens
    support cases from."""
    return list(session.execute(select(Filing).where(Filing.jobs_removed > 0, Filing.status == FilingStatus.APPROVED)
                                .order_by(Filing.id)).scalars())
