"""The audit trail's scheduled work: held anonymous entries join the chain once their day is over, and a
signed checkpoint of the chain is written outside the database."""

from __future__ import annotations

from qorgau.core import audit, audit_anchor
from qorgau.core.db import engine_for, unit_of_work
from qorgau.core.i18n_markers import N_
from qorgau.core.job_kinds import JobContext, every_minutes, job


@job("core.audit_checkpoint", title=N_("Release held anonymous audit entries and write a signed checkpoint"),
     **every_minutes(60))
def audit_checkpoint(ctx: JobContext) -> dict:
    url = ctx.database_url
    # Released and committed first, so the checkpoint only ever names entries that exist.
    with unit_of_work(url, actor="system:audit") as session:
        released = audit.release_held(session)
    with engine_for(url).connect() as connection:
        body = audit_anchor.write_checkpoint(connection)
    return {"released": released, "count": body["count"], "head_id": body["head_id"]}
