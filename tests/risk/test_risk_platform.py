"""Risk on the platform: training on the demo database, scores in scope, plans, decisions, audit, scope."""

from __future__ import annotations

import json
import math
import re

import pytest
from sqlalchemy import func, select
from typer.testing import CliRunner

from qorgau.core import security
from qorgau.core.models import AuditEntry, User
from qorgau.registry import access
from qorgau.registry.models import Enterprise
from qorgau.risk import service
from qorgau.risk.models import InspectionItem, InspectionPlan, ModelRun, PlanDecision, RiskScore
from qorgau.risk.states import PickStatus, RunStatus

FAST = {"rounds": 15, "min_cases": 5, "test_periods": 3}


def _user(session, username: str) -> User:
    return session.execute(select(User).where(User.username == username)).scalar_one()


def _english(client):
    client.cookies.set("lang", "en")
    return client


def _train(session) -> ModelRun:
    run = service.train(session=session, actor=_user(session, "analyst"), **FAST)
    session.commit()
    return run


def test_the_demo_says_it_has_too_few_cases_instead_of_scoring(session, sign_in):
    run = service.latest_run(session=session)
    assert run is not None and run.status == "insufficient_data" and run.trained_by == "system:demo"
    assert run.training_cases < service.MIN_TRAINING_CASES
    assert session.execute(select(func.count()).select_from(RiskScore)).scalar_one() == 0
    page = _english(sign_in("state")).get("/risk/")
    assert page.status_code == 200
    assert f"Only {run.training_cases} serious or fatal cases are on record" in page.text
    card = sign_in("state").get("/risk/model-card", cookies={"lang": "ru"})
    assert card.status_code == 200 and "Известные ограничения" in card.text
    assert sign_in("employer").get("/risk/").status_code == 403


def test_training_on_the_demo_scores_every_enterprise_and_shows_only_those_in_scope(session, sign_in):
    run = _train(session)
    assert run.status == RunStatus.TRAINED and run.version.startswith("risk-")
    assert run.sources == ["registry", "incidents", "speaks"] or "deviations" in run.sources
    staffed = session.execute(select(func.count()).select_from(Enterprise).where(Enterprise.headcount > 0)).scalar_one()
    latest = session.execute(select(RiskScore).where(RiskScore.run_id == run.id, RiskScore.period == run.period)
                             ).scalars().all()
    assert len(latest) == staffed == run.enterprises
    for score in latest:  # the explanation adds up to the forecast, exactly
        e = score.explanation
        total = e["exposure"] + e["base"] + sum(c["contribution"] for c in e["contributions"])
        assert total == pytest.approx(math.log(score.expected_cases), abs=1e-9)
    assert sorted(s.rank for s in latest) == list(range(1, staffed + 1))
    assert "methods" in run.metrics and {"model", "baseline_last_rate", "random"} <= set(run.metrics["methods"])
    assert "union_presence" in run.metrics["fairness"]
    # Equipment age came from the equipment register, backtested with and without; kept only where it helped.
    check = run.metrics["equipment_age"]
    assert "equipment" in run.sources and set(check) == {"kept", "with", "without"}
    assert check["kept"] == service.feature_helps(check["with"], check["without"])
    assert ("equipment_age" in run.features) == check["kept"]
    card = _english(sign_in("state")).get("/risk/model-card")
    assert f'data-equipment-age="{"kept" if check["kept"] else "dropped"}"' in card.text

    officer = _user(session, "officer")
    reachable = {e for e in session.execute(select(Enterprise.id)).scalars()
                 if access.can_reach_enterprise(session, officer, e)}
    assert 0 < len(reachable) < staffed
    client = sign_in("officer")
    rows = client.get("/api/v1/risk/scores?per_page=200").json()
    assert {r["enterprise_id"] for r in rows} == reachable
    assert [r["rank_in_scope"] for r in rows] == list(range(1, len(rows) + 1))
    expected = [r["expected_cases"] for r in rows]
    assert expected == sorted(expected, reverse=True)
    page = client.get("/risk/", cookies={"lang": "kk"})
    assert page.status_code == 200
    outside = session.execute(select(Enterprise).where(Enterprise.id.not_in(reachable)).limit(1)).scalar_one()
    assert outside.name_kk not in page.text
    inside = session.get(Enterprise, rows[0]["enterprise_id"])
    detail = client.get(f"/risk/enterprises/{inside.id}")
    assert detail.status_code == 200 and "plotly-basic.min.js" in detail.text and 'class="plot"' in detail.text
    assert "cdn.plot.ly" not in detail.text
    api = client.get(f"/api/v1/risk/enterprises/{inside.id}").json()
    assert api["status"] == "trained" and api["score"]["rank_in_scope"] == 1 and len(api["history"]) > 0
    home = client.get("/", cookies={"lang": "en"})
    assert home.status_code == 200 and "Highest forecast risk" in home.text
    assert sign_in("state").get("/risk/model-card").status_code == 200
    assert sign_in("state").get("/risk/features").status_code == 200


def _plan_id(response) -> int:
    assert response.status_code == 303, response.text[:500]
    return int(re.search(r"/risk/plans/(\d+)$", response.headers["location"]).group(1))


def test_a_decision_needs_a_reason_and_is_stored_and_audited(session, sign_in):
    _train(session)
    state = _english(sign_in("state"))
    plan_id = _plan_id(state.post("/risk/plans", data={"inspectors": "2", "days": "10", "title": "December",
                                                        "csrf_token": state.headers["X-CSRF-Token"]},
                                  follow_redirects=False))
    plan = session.get(InspectionPlan, plan_id)
    slots = [i for i in plan.items if i.status == PickStatus.PROPOSED]
    assert len(slots) == 10 and sum(i.kind == "random_audit" for i in slots) == 1
    assert len([i for i in plan.items if i.status == PickStatus.RESERVE]) >= 1
    page = state.get(f"/risk/plans/{plan_id}")
    assert page.status_code == 200 and "Random audit" in page.text and "Risk rank 1 of" in page.text

    target = next(i for i in slots if i.kind == "risk")
    token = state.headers["X-CSRF-Token"]
    refused = state.post(f"/risk/items/{target.id}/decide", data={"action": "reject", "reason": " ", "csrf_token": token},
                         follow_redirects=False)
    assert refused.status_code == 422 and "Give the reason for your decision" in refused.text
    assert session.execute(select(func.count()).select_from(PlanDecision)).scalar_one() == 0

    done = state.post(f"/risk/items/{target.id}/decide", data={"action": "reject", "csrf_token": token,
                                                              "reason": "Inspected last week by the regional office"},
                      follow_redirects=False)
    assert done.status_code == 303 and done.headers["location"] == f"/risk/plans/{plan_id}"
    session.expire_all()
    decision = session.execute(select(PlanDecision)).scalar_one()
    assert decision.action == "reject" and decision.reason == "Inspected last week by the regional office"
    assert session.get(InspectionItem, target.id).status == PickStatus.REJECTED
    entry = session.execute(select(AuditEntry).where(AuditEntry.action == "risk.reject")).scalar_one()
    assert entry.reason == decision.reason and entry.object_id == str(target.id)
    assert "Inspected last week" in state.get(f"/risk/plans/{plan_id}").text

    reserve = next(i for i in session.get(InspectionPlan, plan_id).items if i.status == PickStatus.RESERVE)
    other = next(i for i in slots if i.id != target.id)
    swapped = state.post(f"/api/v1/risk/items/{other.id}/decision",
                         json={"action": "swap", "reason": "Closed for refurbishment", "replacement_item_id": reserve.id})
    assert swapped.status_code == 201, swapped.text
    session.expire_all()
    assert session.get(InspectionItem, other.id).status == PickStatus.SWAPPED
    incoming = session.get(InspectionItem, reserve.id)
    assert incoming.status == PickStatus.ACCEPTED and incoming.kind == "swap"
    moved = state.post(f"/api/v1/risk/items/{incoming.id}/decision",
                       json={"action": "move", "reason": "Same town as the first visit", "position": 1})
    assert moved.status_code == 201 and moved.json()["to_position"] == 1
    plan_json = state.get(f"/api/v1/risk/plans/{plan_id}").json()
    first = min((i for i in plan_json["items"] if i["status"] != "reserve"), key=lambda i: i["position"])
    assert first["id"] == incoming.id
    bad = state.post(f"/api/v1/risk/items/{incoming.id}/decision", json={"action": "move", "reason": "x", "position": 999})
    assert bad.status_code == 422 and bad.json()["error"]["field"] == "position"
    officer = sign_in("officer")
    assert officer.post(f"/api/v1/risk/items/{incoming.id}/decision",
                        json={"action": "accept", "reason": "x"}).status_code in (403, 404)


def test_an_inspector_outside_the_scope_gets_not_found(session, sign_in):
    run = _train(session)
    smelter = session.get(Enterprise, 1)
    regional = User(username="region_state", role="state_inspector", full_name="Regional inspector",
                    scope_kind="region", scope_region_kato=smelter.region_kato,
                    password_hash=security.hash_password("region-state-2026"))
    session.add(regional)
    session.commit()
    outside = session.execute(select(Enterprise.id).where(Enterprise.region_kato != smelter.region_kato,
                                                          Enterprise.headcount > 0).limit(1)).scalar_one()
    national = sign_in("state")
    plan_id = _plan_id(national.post("/risk/plans", data={"inspectors": "4", "days": "10",
                                                           "csrf_token": national.headers["X-CSRF-Token"]},
                                     follow_redirects=False))
    items = session.get(InspectionPlan, plan_id).items
    foreign = next(i for i in items if session.get(Enterprise, i.enterprise_id).region_kato != smelter.region_kato)

    client = sign_in("region_state", "region-state-2026")
    assert client.get(f"/risk/enterprises/{outside}").status_code == 404
    assert client.get(f"/api/v1/risk/enterprises/{outside}").status_code == 404
    assert client.get(f"/risk/plans/{plan_id}").status_code == 404
    assert client.get(f"/api/v1/risk/plans/{plan_id}").status_code == 404
    assert client.post(f"/risk/items/{foreign.id}/decide", data={"action": "accept", "reason": "probe",
                                                                 "csrf_token": client.headers["X-CSRF-Token"]},
                       follow_redirects=False).status_code == 404
    assert client.post(f"/api/v1/risk/items/{foreign.id}/decision",
                       json={"action": "accept", "reason": "probe"}).status_code == 404
    assert session.execute(select(func.count()).select_from(PlanDecision)).scalar_one() == 0
    assert client.get(f"/risk/enterprises/{smelter.id}").status_code == 200
    rows = client.get("/api/v1/risk/scores?per_page=200").json()
    assert rows and {session.get(Enterprise, r["enterprise_id"]).region_kato for r in rows} == {smelter.region_kato}
    own = _plan_id(client.post("/risk/plans", data={"inspectors": "1", "days": "2",
                                                     "csrf_token": client.headers["X-CSRF-Token"]},
                               follow_redirects=False))
    assert {session.get(Enterprise, i.enterprise_id).region_kato
            for i in session.get(InspectionPlan, own).items} == {smelter.region_kato}
    assert client.get("/risk/plans").text.count(f"/risk/plans/{plan_id}\"") == 0
    assert run.id == service.latest_trained_run(session=session).id


def test_plan_without_a_model_or_capacity_is_refused_clearly(session, sign_in):
    state = _english(sign_in("state"))
    token = state.headers["X-CSRF-Token"]
    none_yet = state.post("/risk/plans", data={"inspectors": "2", "days": "10", "csrf_token": token})
    assert none_yet.status_code == 409 and "no trained risk model yet" in none_yet.text
    _train(session)
    empty = state.post("/risk/plans", data={"inspectors": "0", "days": "10", "csrf_token": token})
    assert empty.status_code == 422 and "allows no inspection" in empty.text
    analyst = sign_in("analyst")
    assert analyst.post("/risk/plans", data={"inspectors": "2", "days": "10",
                                             "csrf_token": analyst.headers["X-CSRF-Token"]}).status_code == 403


def test_cli_trains_and_backtests_on_the_database(demo_url, session, monkeypatch):
    from qorgau.cli import app
    from qorgau.core.config import get_settings

    monkeypatch.setenv("QORGAU_DATABASE_URL", demo_url)
    get_settings.cache_clear()
    runner = CliRunner()
    try:
        refused = runner.invoke(app, ["risk", "train", "--trees", "10"])
        assert refused.exit_code == 0, refused.output
        assert json.loads(refused.stdout)["status"] == "insufficient_data"
        done = runner.invoke(app, ["risk", "train", "--trees", "10", "--min-cases", "5", "--test-periods", "3"])
        assert done.exit_code == 0, done.output
        summary = json.loads(done.stdout)
        assert summary["status"] == "trained" and summary["enterprises"] > 0
        backtest = runner.invoke(app, ["risk", "backtest", "--trees", "10", "--test-periods", "3", "--threads", "1"])
        assert backtest.exit_code == 0, backtest.output
        result = json.loads(backtest.stdout)
        assert result["periods_tested"] == 3 and set(result["model"]["capture"]) == {"0.05", "0.1", "0.2"}
        few = runner.invoke(app, ["risk", "plan", "--inspectors", "2", "--days", "5", "--trees", "5"])
        assert few.exit_code == 1 and "the model needs at least 30" in few.stderr
        drawn = runner.invoke(app, ["risk", "plan", "--inspectors", "2", "--days", "5", "--trees", "10",
                                    "--min-cases", "5", "--threads", "1"])
        assert drawn.exit_code == 0, drawn.output
        assert len(json.loads(drawn.stdout)["picks"]) == 5
        bad = runner.invoke(app, ["risk", "backtest", "--months", "2"])
        assert bad.exit_code != 0
        session.expire_all()
        assert session.execute(select(func.count()).select_from(ModelRun)).scalar_one() == 3
    finally:
        get_settings.cache_clear()


def test_deviations_counts_feed_the_panel_when_that_package_is_there(session, monkeypatch):
    """The deviations service is optional: with it, its monthly counts become violation features."""
    from datetime import date

    calls = []

    class Deviations:
        """One violation found in October 2026 (a repeat), whose two actions fell overdue in November."""

        @staticmethod
        def counts_for_enterprises(*, session, start: date, end: date) -> list[dict]:
            calls.append((start, end))
            if not start <= date(2026, 10, 1) < end:
                return []
            overdue = 2 if end > date(2026, 11, 1) else 0
            return [{"enterprise_id": 1, "violations": 1, "repeat_violations": 1, "overdue_actions": overdue,
                     "open_actions": 2}]

    monkeypatch.setattr(service, "deviations", Deviations)
    built = service.build_db_panel(session=session, months=6, end="2026-11")
    frame = built.panel.frame
    assert "deviations" in built.sources and len(calls) == 2 * (6 + service.LOOKBACK)
    assert all(end <= date(2026, 12, 1) for _start, end in calls)  # nothing after the panel's last month
    october, november = (frame[(frame["entity_id"] == "1") & (frame["period"] == p)].iloc[0]
                         for p in ("2026-10", "2026-11"))
    assert october["violations_3m"] == 1 and november["violations_12m"] == 1
    assert november["repeat_violations_12m"] == 1
    assert october["overdue_violations"] == 0 and november["overdue_violations"] == 2
    assert frame[frame["entity_id"] != "1"]["violations_12m"].sum() == 0
    with pytest.raises(Exception, match="not a month"):
        service.build_db_panel(session=session, end="November")


def test_equipment_age_feeds_the_panel_from_the_equipment_register_and_unknown_stays_blank(session):
    """The mean age of the items standing in the month's year, from the equipment register; an enterprise
    without a dated item has no value (not zero)."""
    from qorgau.equipment.models import Condition, EquipmentItem

    built = service.build_db_panel(session=session, months=6, end="2026-11")
    frame = built.panel.frame
    assert "equipment" in built.sources and "equipment_age" in built.panel.features
    items = session.execute(select(EquipmentItem.enterprise_id, EquipmentItem.commissioned_year)
                            .where(EquipmentItem.commissioned_year.is_not(None),
                                   EquipmentItem.condition != Condition.decommissioned)).all()
    years: dict[int, list[int]] = {}
    for enterprise_id, year in items:
        years.setdefault(enterprise_id, []).append(year)
    enterprise_id, commissioned = next(iter(sorted(years.items())))
    row = frame[(frame["entity_id"] == str(enterprise_id)) & (frame["period"] == "2026-11")].iloc[0]
    standing = [2026 - y for y in commissioned if y <= 2026]
    assert row["equipment_age"] == pytest.approx(sum(standing) / len(standing))
    undated = frame[~frame["entity_id"].isin([str(e) for e in years])]
    assert len(undated) and undated["equipment_age"].isna().all()


def test_a_feature_is_kept_only_when_it_captures_more_at_the_top_ten_percent():
    better = {"capture": {"0.05": 0.3, "0.1": 0.52, "0.2": 0.7}}
    worse = {"capture": {"0.05": 0.4, "0.1": 0.50, "0.2": 0.8}}
    assert service.feature_helps(better, worse) and not service.feature_helps(worse, better)
    assert not service.feature_helps(better, better)  # a tie keeps the simpler model
    assert not service.feature_helps({"capture": {"0.1": None}}, worse)  # undefined: not shown to help
