"""Statuses of the Safety Index's records with their legal moves, and the words for them.

Pure (no database): the engine, the service and the pages compare with these members."""

from __future__ import annotations

from enum import StrEnum

from qorgau.core.i18n_markers import N_
from qorgau.core.states import Transitions


class MethodologyStatus(StrEnum):
    PROPOSED = "proposed"  # awaiting review by another person
    APPROVED = "approved"  # usable for runs; the newest approved version is the current one
    REJECTED = "rejected"


METHODOLOGY_MOVES = Transitions(MethodologyStatus, {
    MethodologyStatus.PROPOSED: {MethodologyStatus.APPROVED, MethodologyStatus.REJECTED},
})
METHODOLOGY_LABELS = {MethodologyStatus.PROPOSED: N_("proposed, awaiting review"),
                      MethodologyStatus.APPROVED: N_("approved"), MethodologyStatus.REJECTED: N_("rejected")}


class ReplyStatus(StrEnum):
    PENDING = "pending"  # awaiting moderation; seen only inside the enterprise's scope
    PUBLISHED = "published"  # shown beside the score
    REJECTED = "rejected"  # not shown; the enterprise sees the reason


REPLY_MOVES = Transitions(ReplyStatus, {
    ReplyStatus.PENDING: {ReplyStatus.PUBLISHED, ReplyStatus.REJECTED},
})
REPLY_LABELS = {ReplyStatus.PENDING: N_("awaiting moderation"), ReplyStatus.PUBLISHED: N_("published"),
                ReplyStatus.REJECTED: N_("not published")}


class ScoreStatus(StrEnum):
    """The outcome of a run for one enterprise (set once, never moved)."""

    RANKED = "ranked"
    INSUFFICIENT_DATA = "insufficient_data"


SCORE_LABELS = {ScoreStatus.RANKED: N_("ranked"), ScoreStatus.INSUFFICIENT_DATA: N_("insufficient data, not ranked")}


class SourceStatus(StrEnum):
    """Whether a run could read a data source (recorded per run, never moved)."""

    USED = "used"
    ABSENT = "absent"
    ERROR = "error"


SOURCE_LABELS = {SourceStatus.USED: N_("used"), SourceStatus.ABSENT: N_("not available on this platform yet"),
                 SourceStatus.ERROR: N_("failed")}
