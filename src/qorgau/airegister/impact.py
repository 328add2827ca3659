"""What a filed system does to the workforce (ILO exposure of the affected occupations, displacement,
human-occupied share) and what stands in the way of approving it."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy.orm import Session

from qorgau.airegister.agreement import human_only_roles, quotas
from qorgau.airegister.models import Filing, HumanQuota
from qorgau.airegister.reading import classification, data_of
from qorgau.aiwork import service as aiwork
from qorgau.core import i18n
from qorgau.core.i18n_markers import N_
from qorgau.registry.models import Enterprise

MODEL_YEAR = 2030  # the year of the illustrative displacement estimate from aiwork's central scenario


@dataclass
class Impact:
    occupations: list[dict]
    jobs: dict
    displacement_share: float | None
    human_share_before: float | None
    human_share_after: float | None
    quota: HumanQuota | None
    quota_breached: bool
    human_only_conflicts: list[str]
    plan_workers: int
    exposure_source: str
    model_at_risk: float  # jobs at risk by MODEL_YEAR in the aiwork central scenario (illustrative)
    model_note: str


def impact(*, session: Session, filing: Filing, data: dict | None = None) -> Impact:
    """Workforce impact: ILO exposure of the affected occupations, displacement, human-occupied share."""
    data = data if data is not None else data_of(filing)
    enterprise = session.get(Enterprise, filing.enterprise_id)
    adoption, displaced = aiwork.displacement_model(sector_code=enterprise.sector_code if enterprise else "*",
                                                    year=MODEL_YEAR)
    codes = [item["isco08"] for item in data.get("occupations", [])]
    profiles = aiwork.occupation_profiles(isco_codes=codes, locale=i18n.get_locale())
    reserved = {r.isco08 for r in human_only_roles(session=session, enterprise_id=filing.enterprise_id)}
    rows, conflicts = [], []
    for item in data.get("occupations", []):
        code = item["isco08"]
        profile = profiles[code]
        cls = profile["class"]
        rows.append({"isco08": code, "title": profile["title"],
                     "headcount": item["headcount"], "removed": item.get("removed", 0), "ilo_class": cls,
                     "ilo_label": profile["label"], "ilo_mean": profile["mean"],
                     "human_only": code in reserved,
                     "model_at_risk": item["headcount"] * adoption * float(displaced.get(cls, 0.0))})
        if code in reserved and item.get("removed", 0) > 0:
            conflicts.append(code)
    headcount = data.get("headcount") or sum(r["headcount"] for r in rows)
    removed, created = data.get("jobs_removed", 0), data.get("jobs_created", 0)
    positions, before = data.get("unit_positions", 0), data.get("unit_human_before", 0)
    share_before = before / positions if positions else None
    share_after = max(0, before - removed) / positions if positions else None
    unit = data.get("unit") or "*"
    quota = next((q for q in quotas(session=session, enterprise_id=filing.enterprise_id) if q.unit == unit), None) \
        or next((q for q in quotas(session=session, enterprise_id=filing.enterprise_id) if q.unit == "*"), None)
    breached = bool(quota and share_after is not None and share_after * 100 < quota.min_human_pct)
    return Impact(occupations=rows,
                  jobs={"headcount": headcount, "changed": data.get("jobs_changed", 0), "removed": removed,
                        "created": created},
                  displacement_share=removed / headcount if headcount else None,
                  human_share_before=share_before, human_share_after=share_after, quota=quota,
                  quota_breached=breached, human_only_conflicts=conflicts,
                  plan_workers=sum(r["workers"] for r in data.get("retraining_plan", [])),
                  exposure_source=aiwork.SOURCE, model_at_risk=sum(r["model_at_risk"] for r in rows),
                  model_note=aiwork.ASSUMPTION_NOTE)


def blockers(*, session: Session, filing: Filing) -> list[tuple[str, dict, str]]:
    """Why the filing cannot be approved now, as (message id, params, field); empty when it can."""
    data = data_of(filing)
    found: list[tuple[str, dict, str]] = []
    removed = data.get("jobs_removed", 0)
    plan = data.get("retraining_plan", [])
    if removed and not plan:
        found.append((N_("%(n)s job(s) would be removed, and there is no retraining and re-employment plan."),
                      {"n": removed}, "retraining_plan"))
    elif removed and sum(r["workers"] for r in plan) < removed:
        found.append((N_("The retraining plan covers %(covered)s of the %(n)s workers whose jobs are removed."),
                      {"covered": sum(r["workers"] for r in plan), "n": removed}, "retraining_plan"))
    reserved = {r.isco08 for r in human_only_roles(session=session, enterprise_id=filing.enterprise_id)}
    for item in data.get("occupations", []):
        if item["isco08"] in reserved and item.get("removed", 0) > 0:
            found.append((N_("Occupation %(code)s is reserved for people by the collective agreement and cannot be "
                             "automated."), {"code": item["isco08"]}, "occupations"))
    positions, before = data.get("unit_positions", 0), data.get("unit_human_before", 0)
    if positions:
        unit = data.get("unit") or "*"
        own = quotas(session=session, enterprise_id=filing.enterprise_id)
        quota = next((q for q in own if q.unit == unit), None) or next((q for q in own if q.unit == "*"), None)
        after = max(0, before - removed) * 100 / positions
        if quota and after < quota.min_human_pct:
            found.append((N_("Human-occupied share after the change would be %(after)s%%, below the agreed "
                             "%(quota)s%%."), {"after": round(after, 1), "quota": quota.min_human_pct},
                          "unit_human_before"))
    for flag in classification(filing, data).prohibited:
        found.append((N_("Prohibited practice (%(rule)s): %(reason)s"), {"rule": flag.rule, "reason": flag.reason},
                      "classification"))
    return found


def blocker_texts(*, session: Session, filing: Filing) -> list[str]:
    texts = []
    for message, params, _field in blockers(session=session, filing=filing):
        rule_reason = params.get("reason")
        if rule_reason:
            params = {**params, "reason": i18n.gettext(rule_reason)}
        # numbers in the reader's format (70,5 in kk and ru)
        params = {k: i18n.format_number(v) if isinstance(v, int | float) and not isinstance(v, bool) else v
                  for k, v in params.items()}
        texts.append(i18n.gettext(message, **params))
    return texts
