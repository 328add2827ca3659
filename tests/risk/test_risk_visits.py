"""Inspections teach the risk model: plans by state inspectors and union officers, every planned visit records
its outcome through the violations register, and the model card compares the model's picks with the random
audit slots (exact Poisson and bootstrap intervals)."""

from __future__ import annotations

import re

from hypothesis import given, settings
from hypothesis import strategies as st
from sqlalchemy import select

from qorgau.risk import visits
from qorgau.risk.states import PickStatus

FAST = {"rounds": 15, "min_cases": 5, "test_periods": 3}


def _train(session):
    from qorgau.core.models import User
    from qorgau.risk import service

    analyst = session.execute(select(User).where(User.username == "analyst")).scalar_one()
    service.train(session=session, actor=analyst, **FAST)
    session.commit()


def _plan(client, random_share: str = "0.4") -> int:
    made = client.post("/risk/plans", data={"inspectors": "2", "days": "10", "random_share": random_share,
                                            "title": "Visits", "csrf_token": client.headers["X-CSRF-Token"]},
                       follow_redirects=False)
    assert made.status_code == 303, made.text[:400]
    return int(re.search(r"/risk/plans/(\d+)$", made.headers["location"]).group(1))


def test_a_plans_visits_record_outcomes_and_the_model_card_compares_picks_with_random(session, sign_in):
    from qorgau.deviations.models import Violation
    from qorgau.risk.models import InspectionPlan, Visit

    _train(session)
    state = sign_in("state")
    plan = session.get(InspectionPlan, _plan(state))
    slots = [i for i in plan.items if i.status == PickStatus.PROPOSED]
    picks = [i for i in slots if i.kind == "risk"][:3]
    randoms = [i for i in slots if i.kind == "random_audit"][:3]
    assert len(picks) >= 2 and len(randoms) >= 2
    url = "/api/v1/risk/items/{}/visit"
    gross = {"category": "electrical", "severity": "gross", "description": "Open live busbar in the substation"}
    # Neither or both is refused; the employer does not record inspection outcomes.
    assert state.post(url.format(picks[0].id), json={"visited_on": "2026-11-02"}).status_code == 422
    assert state.post(url.format(picks[0].id), json={"visited_on": "2026-11-02", "nothing_found": True,
                                                     "violations": [gross]}).status_code == 422
    assert sign_in("employer").post(url.format(picks[0].id), json={
        "visited_on": "2026-11-02", "nothing_found": True}).status_code in (403, 404)
    for n, item in enumerate(picks):
        found = [gross, {**gross, "description": "Guard removed from the conveyor", "category": "machinery_equipment",
                         "work_stopped": n == 0}, {**gross, "severity": "minor", "description": "Worn signs"}]
        made = state.post(url.format(item.id), json={"visited_on": "2026-11-02", "violations": found})
        assert made.status_code == 201, made.text
        assert made.json()["gross"] == 2 and made.json()["minor"] == 1
    for item in randoms:
        assert state.post(url.format(item.id), json={"visited_on": "2026-11-03",
                                                     "nothing_found": True}).status_code == 201
    assert state.post(url.format(randoms[0].id), json={"visited_on": "2026-11-03",
                                                       "nothing_found": True}).status_code == 409
    # The violations are in the register, with the plan they came from.
    stored = session.execute(select(Violation).where(Violation.source_reference.like(f"risk-plan-{plan.id}-%"))
                             ).scalars().all()
    assert len(stored) == 3 * len(picks) and sum(v.work_stopped for v in stored) == 1
    visit = session.execute(select(Visit).where(Visit.item_id == picks[0].id)).scalar_one()
    assert sorted(visit.violation_ids) == sorted(v.id for v in stored if v.source_reference.endswith(f"-{picks[0].id}"))

    result = state.get(f"/api/v1/risk/visits/backtest?plan_id={plan.id}").json()
    assert result["picks"]["visits"] == len(picks) and result["picks"]["per_visit"] == 2.0
    assert result["random"]["per_visit"] == 0.0 and result["random"]["ci_low"] == 0.0 < result["random"]["ci_high"]
    assert result["verdict"] == "more" and result["diff_low"] > 0
    labels = visits.labels(session=session, actor=_user(session, "state"))
    assert labels["visits"].sum() == len(picks) + len(randoms) and labels["serious"].sum() == 2 * len(picks)
    card = state.get("/risk/model-card", cookies={"lang": "en"}).text
    assert 'data-group="picks"' in card and 'data-verdict="more"' in card and "Garwood" in card
    for lang in ("kk", "ru"):
        assert 'data-verdict="more"' in state.get("/risk/model-card", cookies={"lang": lang}).text
    page = state.get(f"/risk/plans/{plan.id}", cookies={"lang": "en"}).text
    assert 'data-outcome="nothing_found"' in page and 'data-outcome="violations_found"' in page
    # Retrained (the monthly job `risk.train` calls the same service.train), the model learns from the visits
    # next to the accidents.
    from qorgau.risk.models import ModelRun

    before = session.execute(select(ModelRun).order_by(ModelRun.id.desc()).limit(1)).scalar_one()
    assert before.metrics["visit_labels"]["used"] is False
    _train(session)
    run = session.execute(select(ModelRun).order_by(ModelRun.id.desc()).limit(1)).scalar_one()
    used = run.metrics["visit_labels"]
    assert used["used"] is True and used["visits"] == len(picks) + len(randoms) and used["serious"] == 2 * len(picks)
    assert used["kappa"] > 0 and set(used["without"]["capture"]) == set(run.metrics["methods"]["model"]["capture"])
    assert run.version != before.version  # other training rows, another model
    card = state.get("/risk/model-card", cookies={"lang": "en"}).text
    assert 'data-visit-labels="used"' in card and 'data-labels="with"' in card and 'data-labels="without"' in card


def _user(session, username):
    from qorgau.core.models import User

    return session.execute(select(User).where(User.username == username)).scalar_one()


def test_union_officers_plan_for_their_technical_inspectors_who_record_the_visit(session, sign_in):
    from qorgau.risk.models import InspectionPlan, Visit

    _train(session)
    officer = sign_in("officer")
    plan = session.get(InspectionPlan, _plan(officer))
    inspector = _user(session, "inspector")
    own = [i for i in plan.items if i.enterprise_id == inspector.scope_enterprise_id and i.status == PickStatus.PROPOSED]
    other = [i for i in plan.items if i.enterprise_id != inspector.scope_enterprise_id and i.status == PickStatus.PROPOSED]
    field = sign_in("inspector")
    if other:  # outside the inspector's enterprise: not found
        assert field.get(f"/risk/items/{other[0].id}/visit").status_code == 404
    if own:
        form = field.get(f"/risk/items/{own[0].id}/visit", cookies={"lang": "kk"})
        assert form.status_code == 200 and 'id="visit-form"' in form.text
        done = field.post(f"/risk/items/{own[0].id}/visit", data={
            "visited_on": "2026-11-04", "category_1": "ppe", "severity_1": "significant",
            "description_1": "No respirators issued in the roasting shop", "csrf_token": field.headers["X-CSRF-Token"]},
            follow_redirects=False)
        assert done.status_code == 303
        assert session.execute(select(Visit.significant).where(Visit.item_id == own[0].id)).scalar_one() == 1
    item = (own or other)[0]
    bad = officer.post(f"/risk/items/{item.id}/visit", data={
        "visited_on": "2999-01-01", "nothing_found": "1", "csrf_token": officer.headers["X-CSRF-Token"]},
        cookies={"lang": "en"})
    assert bad.status_code in (409, 422)


@settings(max_examples=40, deadline=None)
@given(st.lists(st.integers(0, 6), min_size=2, max_size=30), st.lists(st.integers(0, 6), min_size=2, max_size=30))
def test_the_comparison_intervals_hold_the_estimates(picked, randomly):
    result = visits.compare(picked, randomly, resamples=300)
    for key, data in (("picks", picked), ("random", randomly)):
        group = result[key]
        assert group["visits"] == len(data) and group["found"] == sum(data)
        assert group["ci_low"] <= group["per_visit"] <= group["ci_high"]
    assert result["diff_low"] <= result["difference"] + 1e-9 and result["difference"] <= result["diff_high"] + 1e-9
    if result["verdict"] == "more":
        assert result["difference"] > 0


def test_too_few_visits_say_so():
    assert visits.compare([1, 2, 3], [0])["verdict"] == "not_enough"


def test_the_demo_draws_plans_and_records_outcomes_once_a_model_is_trained(session):
    from qorgau.app.demo import DemoContext
    from qorgau.risk import demo
    from qorgau.risk.models import InspectionPlan, Visit

    _train(session)
    ctx = DemoContext(seed=7, users={name: _user(session, name) for name in ("state", "officer")})
    demo._plans_with_outcomes(session, ctx)
    session.commit()
    plans = session.execute(select(InspectionPlan)).scalars().all()
    assert len(plans) == 2 and {p.created_by_id for p in plans} == {ctx.users["state"].id, ctx.users["officer"].id}
    recorded = session.execute(select(Visit)).scalars().all()
    assert len(recorded) >= 4 and {v.kind for v in recorded} >= {"random_audit"}
    assert all((v.outcome == "nothing_found") == (v.gross + v.significant + v.minor == 0) for v in recorded)


def test_visit_rows_teach_the_month_before_the_visit_and_add_no_cases_overall():
    import numpy as np
    import pandas as pd

    from qorgau.risk.visit_labels import VISIT_ROW, accident_rows, add_visit_rows

    periods = ["2026-01", "2026-02", "2026-03", "2026-04"]
    frame = pd.DataFrame({"entity_id": np.repeat(["1", "2", "3"], 4), "period_index": np.tile(range(4), 3),
                          "workers": np.repeat([100.0, 400.0, 50.0], 4),
                          "target": [0, 1, 0, np.nan, 2, 0, 1, np.nan, 0, 0, 0, np.nan], "x": range(12)})
    labels = pd.DataFrame({"enterprise_id": [1, 2, 3, 9], "period": ["2026-03", "2026-05", "2026-01", "2026-03"],
                           "visits": [1, 1, 1, 1], "serious": [3, 1, 0, 5]})
    out, info = add_visit_rows(frame, labels, periods)
    visits = out[out[VISIT_ROW] == 1]
    # A visit in March teaches the February row; May (after the last month) the April row; January (no row
    # before it) and an enterprise outside the panel teach nothing.
    assert sorted(zip(visits["entity_id"], visits["period_index"], strict=True)) == [("1", 1), ("2", 3)]
    assert info["used"] and info["visits"] == 2 and info["serious"] == 4
    known = frame["target"].notna()
    rate = frame.loc[known, "target"].sum() / frame.loc[known, "workers"].sum()
    assert np.isclose(visits["target"].sum(), rate * (100 + 400))  # κ: the visits add their size-expected cases
    assert np.isclose(visits.loc[visits["entity_id"] == "1", "target"].iloc[0] / visits.loc[visits["entity_id"] == "2",
                                                                                         "target"].iloc[0], 3.0)
    assert len(accident_rows(out)) == len(frame) and (visits["x"].to_numpy() == [1, 7]).all()  # their features
    nothing, none_info = add_visit_rows(frame, labels.assign(serious=0), periods)
    assert len(nothing) == len(frame) and not none_info["used"]
