"""Risk model runs, their scores per enterprise and month, and inspection plans with their decisions."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import JSON, Boolean, Date, Float, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from qorgau.core.db import Base, UTCDateTime, utcnow
from qorgau.risk.states import PickStatus, RunStatus

RUN_STATUSES = tuple(RunStatus)
ITEM_KINDS = ("risk", "random_audit", "reserve", "swap")
ITEM_STATUSES = tuple(PickStatus)
ACTIONS = ("accept", "reject", "move", "swap")


class ModelRun(Base):
    """One training of the risk model on the platform's data: what it saw, how it did, the model itself."""

    __tablename__ = "risk_model_run"
    # The serialised booster is large and reproducible from the version; the audit keeps the metadata.
    __audit_exclude__ = ("model_json",)

    id: Mapped[int] = mapped_column(primary_key=True)
    status: Mapped[str] = mapped_column(String(20), index=True)  # trained, insufficient_data
    message: Mapped[str] = mapped_column(Text, default="")  # why there is no model (English message id)
    message_params: Mapped[dict] = mapped_column(JSON, default=dict)
    version: Mapped[str] = mapped_column(String(80), default="", index=True)
    period: Mapped[str] = mapped_column(String(7))  # the last feature month; scores forecast the month after
    first_period: Mapped[str] = mapped_column(String(7))
    enterprises: Mapped[int] = mapped_column(Integer, default=0)
    excluded_enterprises: Mapped[int] = mapped_column(Integer, default=0)  # no headcount on record
    cases: Mapped[int] = mapped_column(Integer, default=0)  # serious or fatal cases in the panel
    training_cases: Mapped[int] = mapped_column(Integer, default=0)
    features: Mapped[list] = mapped_column(JSON, default=list)
    sources: Mapped[list] = mapped_column(JSON, default=list)  # packages whose data fed the panel
    params: Mapped[dict] = mapped_column(JSON, default=dict)  # rounds, seed, LightGBM parameters
    calibration: Mapped[dict] = mapped_column(JSON, default=dict)
    metrics: Mapped[dict] = mapped_column(JSON, default=dict)  # backtest: methods, fairness, calibration
    model_json: Mapped[str] = mapped_column(Text, default="")
    trained_by: Mapped[str] = mapped_column(String(120), default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    seconds: Mapped[float] = mapped_column(Float, default=0.0)


class RiskScore(Base):
    """The model's forecast for one enterprise: expected serious or fatal cases in `target_period`.

    The latest period of a run carries the rank and the explanation; earlier periods (the fitted values
    of the training months) feed the history chart next to the cases observed.
    """

    __tablename__ = "risk_score"
    __table_args__ = (UniqueConstraint("run_id", "enterprise_id", "period"),)
    __audited__ = False  # machine output of an audited run, reproducible from its model version

    id: Mapped[int] = mapped_column(primary_key=True)
    run_id: Mapped[int] = mapped_column(ForeignKey("risk_model_run.id"), index=True)
    enterprise_id: Mapped[int] = mapped_column(ForeignKey("registry_enterprise.id"), index=True)
    period: Mapped[str] = mapped_column(String(7), index=True)  # the feature month
    target_period: Mapped[str] = mapped_column(String(7))  # the month forecast
    expected_cases: Mapped[float] = mapped_column(Float)
    p_any: Mapped[float] = mapped_column(Float)
    observed_cases: Mapped[int | None] = mapped_column(Integer, nullable=True)  # in target_period, when known
    rank: Mapped[int | None] = mapped_column(Integer, nullable=True)  # national rank, latest period only
    explanation: Mapped[dict] = mapped_column(JSON, default=dict)  # base, exposure, contributions
    model_version: Mapped[str] = mapped_column(String(80), default="")


class InspectionPlan(Base):
    """An inspection plan drawn from a run's scores for the enterprises in its author's scope."""

    __tablename__ = "risk_plan"

    id: Mapped[int] = mapped_column(primary_key=True)
    run_id: Mapped[int] = mapped_column(ForeignKey("risk_model_run.id"), index=True)
    title: Mapped[str] = mapped_column(String(200), default="")
    period: Mapped[str] = mapped_column(String(7))
    model_version: Mapped[str] = mapped_column(String(80))
    inspectors: Mapped[int] = mapped_column(Integer)
    days: Mapped[int] = mapped_column(Integer)
    per_inspector_day: Mapped[float] = mapped_column(Float)
    random_share: Mapped[float] = mapped_column(Float)
    effectiveness: Mapped[float] = mapped_column(Float)
    horizon: Mapped[int] = mapped_column(Integer)
    seed: Mapped[int] = mapped_column(Integer)
    enterprises_scored: Mapped[int] = mapped_column(Integer)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("core_user.id"), nullable=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    items: Mapped[list[InspectionItem]] = relationship(back_populates="plan", order_by="InspectionItem.position",
                                                 cascade="all, delete-orphan")


class InspectionItem(Base):
    """One enterprise in a plan: picked by risk, drawn as a random audit, on the reserve list, or swapped in."""

    __tablename__ = "risk_plan_item"

    id: Mapped[int] = mapped_column(primary_key=True)
    plan_id: Mapped[int] = mapped_column(ForeignKey("risk_plan.id"), index=True)
    enterprise_id: Mapped[int] = mapped_column(ForeignKey("registry_enterprise.id"), index=True)
    position: Mapped[int] = mapped_column(Integer)  # order in the plan (reserve after the slots)
    kind: Mapped[str] = mapped_column(String(16))  # risk, random_audit, reserve, swap
    status: Mapped[str] = mapped_column(String(16), default=PickStatus.PROPOSED)
    rank: Mapped[int] = mapped_column(Integer)  # risk rank within the plan's scope
    expected_cases: Mapped[float] = mapped_column(Float)
    p_any: Mapped[float] = mapped_column(Float)
    expected_prevented: Mapped[float] = mapped_column(Float)
    reasons: Mapped[list] = mapped_column(JSON, default=list)  # feature, label, value, shown, factor

    plan: Mapped[InspectionPlan] = relationship(back_populates="items")


class PlanDecision(Base):
    """An inspector's judgement on a pick, with the reason: accept, reject, move or swap for a reserve."""

    __tablename__ = "risk_decision"

    id: Mapped[int] = mapped_column(primary_key=True)
    plan_id: Mapped[int] = mapped_column(ForeignKey("risk_plan.id"), index=True)
    item_id: Mapped[int] = mapped_column(ForeignKey("risk_plan_item.id"), index=True)
    enterprise_id: Mapped[int] = mapped_column(ForeignKey("registry_enterprise.id"), index=True)
    action: Mapped[str] = mapped_column(String(16))
    reason: Mapped[str] = mapped_column(Text)
    from_position: Mapped[int | None] = mapped_column(Integer, nullable=True)
    to_position: Mapped[int | None] = mapped_column(Integer, nullable=True)
    replacement_item_id: Mapped[int | None] = mapped_column(ForeignKey("risk_plan_item.id"), nullable=True)
    decided_by_id: Mapped[int] = mapped_column(ForeignKey("core_user.id"))
    decided_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class Visit(Base):
    """The outcome of a planned visit, recorded through the violations capability: how many violations of each
    severity were found, whether work was stopped, or that nothing was found. A label for the model and the
    material of the plan's own backtest (model picks against random audit slots)."""

    __tablename__ = "risk_visit"

    id: Mapped[int] = mapped_column(primary_key=True)
    item_id: Mapped[int] = mapped_column(ForeignKey("risk_plan_item.id"), unique=True)
    plan_id: Mapped[int] = mapped_column(ForeignKey("risk_plan.id"), index=True)
    enterprise_id: Mapped[int] = mapped_column(ForeignKey("registry_enterprise.id"), index=True)
    kind: Mapped[str] = mapped_column(String(16))  # the item's kind when visited: risk, swap or random_audit
    visited_on: Mapped[date] = mapped_column(Date)
    outcome: Mapped[str] = mapped_column(String(16))  # violations_found | nothing_found
    gross: Mapped[int] = mapped_column(Integer, default=0)
    significant: Mapped[int] = mapped_column(Integer, default=0)
    minor: Mapped[int] = mapped_column(Integer, default=0)
    work_stopped: Mapped[bool] = mapped_column(Boolean, default=False)
    violation_ids: Mapped[list] = mapped_column(JSON, default=list)  # deviations_violation ids
    recorded_by_id: Mapped[int | None] = mapped_column(ForeignKey("core_user.id"), nullable=True)
    recorded_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
