"""Retention by law and by policy: per record type a stated period, its source, and what happens after.

Each package states the rules for its own records (in its `jobs.py`, next to its jobs) with
`rule(...)`; core states the platform's. The daily `core.retention` job applies every rule and leaves
one audit entry with the counts. The periods are listed on `/privacy/retention`.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from enum import StrEnum

from sqlalchemy import delete
from sqlalchemy.orm import Session

from qorgau.core import audit
from qorgau.core.i18n_markers import N_
from qorgau.core.job_kinds import JobContext, daily, job
from qorgau.core.models import AuditEntry, Delivery, Job, LoginFailure, Notification


class Action(StrEnum):
    DELETE = "delete"
    ANONYMISE = "anonymise"
    FLAG = "flag"  # counted and shown for an archivist's decision; never deleted by the platform
    KEEP = "keep"


ACTION_LABELS = {Action.DELETE: N_("deleted"), Action.ANONYMISE: N_("anonymised"),
                 Action.FLAG: N_("flagged for transfer to the archive"), Action.KEEP: N_("kept")}


@dataclass(frozen=True)
class Rule:
    key: str
    record: str        # message id: what is kept
    period: str        # message id: how long, and from when
    action: Action
    source: str        # message id: the law or the policy that sets it
    days: int | None = None  # None: no automatic end
    enforce: Callable[[Session, datetime], int] | None = None  # (session, cutoff) -> rows affected
    package: str = "core"


RULES: dict[str, Rule] = {}


def rule(**fields) -> Rule:
    """Declare a retention rule (packages call this in their jobs.py)."""
    stated = Rule(**fields)
    RULES[stated.key] = stated
    return stated


def rules() -> list[Rule]:
    from qorgau.core.jobs import discover  # the queue imports this module among its declarations

    discover()
    return sorted(RULES.values(), key=lambda r: (r.package != "core", r.package, r.key))


def enforce(session: Session, now: datetime | None = None) -> dict[str, int]:
    """Apply every rule with an end; returns rows affected per rule, and audits the counts."""
    now = now or datetime.now(UTC)
    counts: dict[str, int] = {}
    for stated in rules():
        if stated.enforce is None or stated.days is None:
            continue
        counts[stated.key] = int(stated.enforce(session, now - timedelta(days=stated.days)))
    audit.record(session, action="retention.enforced", object_type="retention", object_id=now.date().isoformat(),
                 after={"counts": counts})
    return counts


@job("core.retention", title=N_("Apply the retention periods"), **daily(hour=1))
def retention_job(ctx: JobContext) -> dict:
    return {"counts": enforce(ctx.session)}


# --- the platform's own records ---------------------------------------------------------------------

def _delete_before(model, column) -> Callable[[Session, datetime], int]:
    def run(session: Session, cutoff: datetime) -> int:
        return int(getattr(session.execute(delete(model).where(column < cutoff)), "rowcount", 0) or 0)

    return run


def _declare_core_rules() -> None:
    rule(key="core.login_failures", record=N_("Failed sign-ins (user name and time)"),
         period=N_("30 days"), action=Action.DELETE, days=30,
         source=N_("Personal data law, art. 12: kept no longer than its purpose (throttling, investigating attacks) needs"),
         enforce=_delete_before(LoginFailure, LoginFailure.at))
    rule(key="core.deliveries", record=N_("Deliveries of notifications by e-mail, SMS and webhook, and dead letters"),
         period=N_("30 days"), action=Action.DELETE, days=30, source=N_("Platform policy"),
         enforce=_delete_before(Delivery, Delivery.created_at))
    rule(key="core.notifications", record=N_("Notifications already read"), period=N_("1 year after reading"),
         action=Action.DELETE, days=365, source=N_("Platform policy"),
         enforce=_delete_before(Notification, Notification.read_at))
    rule(key="core.jobs", record=N_("Background job log"), period=N_("90 days after the job ended"),
         action=Action.DELETE, days=90, source=N_("Platform policy"),
         enforce=_delete_before(Job, Job.finished_at))
    rule(key="core.audit", record=N_("Audit log"), period=N_("Kept for the life of the platform"),
         action=Action.KEEP, source=N_("Evidence of every change (hash-chained); an entry cannot be removed without breaking the chain"))
    rule(key="core.app_logs", record=N_("Application logs (no client addresses, nothing from the anonymous channel)"),
         period=N_("30 days, in the log store"), action=Action.KEEP,
         source=N_("Platform policy; enforced by the log store, not by the platform"))
    _ = AuditEntry


_declare_core_rules()
