"""The index service on the demo database: sources, reproducibility from stored values, the CLI, the demo."""

from __future__ import annotations

import json
import math

import numpy as np
import pandas as pd
import pytest
from sqlalchemy import select
from tests.index.test_index_flow import TEST_METHOD, YEAR
from typer.testing import CliRunner


def _user(session, username: str):
    from qorgau.core.models import User

    return session.execute(select(User).where(User.username == username)).scalar_one()


def _approve(session, text: str = TEST_METHOD):
    from qorgau.index import service

    row = service.propose_methodology(session=session, actor=_user(session, "federation"), yaml_text=text,
                                      note="test")
    return service.review_methodology(session=session, actor=_user(session, "admin"), methodology_id=row.id,
                                      approve=True)


def test_a_stored_run_can_be_recomputed_by_anyone_from_its_values_method_and_seed(session):
    """The published numbers follow from the stored raw values, the methodology YAML and the seed alone."""
    from qorgau.index import engine, service, uncertainty
    from qorgau.index.methodology import parse_methodology
    from qorgau.index.models import Score

    _approve(session)
    run = service.run_period(session=session, actor=_user(session, "admin"), period=YEAR, seed=5, runs=300)
    session.commit()
    scores = session.execute(select(Score).where(Score.run_id == run.id).order_by(Score.enterprise_id)).scalars().all()
    method = parse_methodology(run.methodology.yaml_text)
    frame = pd.DataFrame([{"entity_id": str(s.enterprise_id), "sector": s.sector_code,
                           **{i: s.indicators[i]["raw"] for i in method.indicator_ids}} for s in scores])
    frame[method.indicator_ids] = frame[method.indicator_ids].astype(float)
    prepared = engine.prepare(frame, method, imputations=method.uncertainty.imputation)
    result = engine.compute(prepared)
    mc = uncertainty.monte_carlo(prepared, seed=run.seed, runs=run.runs).table()
    for score in scores:
        ident = str(score.enterprise_id)
        assert result.entities.at[ident, "status"] == score.status
        if score.status == "ranked":
            assert result.entities.at[ident, "score"] == pytest.approx(score.score, abs=1e-9)
            assert mc.at[ident, "rank_p05"] == score.rank_p05 and mc.at[ident, "rank_p95"] == score.rank_p95
        else:
            assert score.score is None and math.isnan(result.entities.at[ident, "score"])
    assert run.results_sha256 == service.results_digest(scores)
    assert set(run.sensitivity) == {"weights", "normalisation", "aggregation", "imputation"}


def test_sources_say_what_they_did_and_a_failing_source_does_not_stop_the_run(session, monkeypatch):
    from qorgau.index import service, sources

    def broken(session, enterprises, window):
        raise RuntimeError("the speaks database is down")

    monkeypatch.setitem(sources.READERS, "speaks", broken)
    _approve(session)
    run = service.run_period(session=session, actor=_user(session, "admin"), period=YEAR, runs=20)
    assert run.sources["speaks"]["status"] == "error" and "down" in run.sources["speaks"]["detail"]
    assert run.sources["registry"]["status"] == "used"
    assert "knowledge" not in run.sources and "training" not in run.sources  # only the sources it names
    assert run.indicator_coverage["speaks_response_rate"] == 0.0
    assert run.indicator_coverage["safety_committee"] == 1.0
    # The session is still usable after the failing source (it ran in a savepoint).
    assert session.execute(select(service.Run.id).where(service.Run.id == run.id)).scalar() == run.id


def test_injury_rates_come_from_the_incidents_service_per_1000_workers(session):
    from qorgau.incidents import service as incidents
    from qorgau.index import service, sources

    enterprises = service.enterprise_table(session)
    window = sources.Window(YEAR - 1)
    result = sources.incidents(session, enterprises, window)
    rows = incidents.counts_for_enterprises(session=session, start=window.start3, end=window.end)
    assert rows, "the demo has accidents"
    row = max(rows, key=lambda r: r["fatal"] or 0)
    expected = (row["fatal"] or 0) / 3 / enterprises.at[row["enterprise_id"], "headcount"] * 1000
    assert result.values["fatal_injury_rate"][row["enterprise_id"]] == pytest.approx(expected)
    quiet = next(i for i in enterprises.index if i not in {r["enterprise_id"] for r in rows}
                 and enterprises.at[i, "headcount"] > 0)
    assert result.values["serious_injury_rate"][quiet] == 0.0


def test_union_presence_is_members_over_headcount_and_missing_without_a_union(session):
    from qorgau.index import service, sources
    from qorgau.registry.models import Enterprise, UnionOrg

    enterprises = service.enterprise_table(session)
    result = sources.registry(session, enterprises, sources.Window(YEAR))
    with_union = session.execute(select(Enterprise, UnionOrg).join(UnionOrg, UnionOrg.id == Enterprise.primary_union_id)
                                 .where(UnionOrg.members > 0).limit(1)).first()
    enterprise, union = with_union
    assert result.values["union_presence"][enterprise.id] == pytest.approx(
        min(100.0, union.members / enterprise.headcount * 100))
    without = session.execute(select(Enterprise.id).where(Enterprise.primary_union_id.is_(None)).limit(1)).scalar()
    assert np.isnan(result.values["union_presence"][without])


def test_cli_proposes_reviews_runs_and_publishes_on_the_database(session, demo_url, monkeypatch, tmp_path):
    from qorgau.core.config import get_settings
    from qorgau.index.cli import app

    method = tmp_path / "method.yaml"
    method.write_text(TEST_METHOD, encoding="utf-8")
    monkeypatch.setenv("QORGAU_DATABASE_URL", demo_url)
    get_settings.cache_clear()
    runner = CliRunner()
    try:
        proposed = runner.invoke(app, ["propose", str(method), "--note", "registry only", "--as", "federation"])
        own = runner.invoke(app, ["review", "1", "--approve", "--as", "federation"])
        proposal = json.loads(proposed.output)
        self_review = runner.invoke(app, ["review", str(proposal["id"]), "--approve", "--as", "federation"])
        approved = runner.invoke(app, ["review", str(proposal["id"]), "--approve", "--as", "admin"])
        result = runner.invoke(app, ["run", "--period", str(YEAR), "--publish", "--seed", "3", "--runs", "100"])
        denied = runner.invoke(app, ["run", "--period", str(YEAR), "--as", "employer"])
    finally:
        get_settings.cache_clear()
    assert proposal["status"] == "proposed" and proposal["version"] == "test-registry-1"
    assert own.exit_code == 1 and "already been reviewed" in own.output  # 1.0 was approved by the demo
    assert self_review.exit_code == 1 and "other than its author" in self_review.output
    assert approved.exit_code == 0 and json.loads(approved.output)["status"] == "approved"
    assert result.exit_code == 0, result.output
    summary = json.loads(result.output)
    assert summary["methodology_version"] == "test-registry-1" and summary["seed"] == 3 and summary["runs"] == 100
    assert summary["published_on"] and summary["ranked"] > 0 and summary["sources"]["registry"] == "used"
    assert denied.exit_code == 1 and "permission" in denied.output

    from qorgau.index import service

    session.expire_all()
    assert service.publication(session=session, period=YEAR).run_id == summary["run_id"]


def test_methodology_page_in_three_languages_with_formulas_and_sensitivity(client, session):
    from qorgau.index import service

    service.run_period(session=session, actor=_user(session, "admin"), period=YEAR, runs=50)
    _approve(session)
    run = service.run_period(session=session, actor=_user(session, "admin"), period=YEAR, runs=100)
    service.publish(session=session, actor=_user(session, "admin"), run_id=run.id)
    session.commit()
    expected = {"en": ("How the score is made", "Pillars and weights", "goalposts", "First-order sensitivity"),
                "ru": ("Как рассчитывается оценка", "Доля в индексе", "Чувствительность мест первого порядка"),
                "kk": ("Баға қалай есептеледі", "Индекстегі үлесі", "Орындардың бірінші ретті сезімталдығы")}
    for lang, words in expected.items():
        page = client.get("/index/methodology", cookies={"lang": lang})
        assert page.status_code == 200
        for word in words:
            assert word in page.text, (lang, word)
        assert "y = 100 × clip((x − 0) / (100 − 0), 0, 1)" in page.text  # a goalposts formula with its parameters
    v1 = service.methodologies(session=session, actor=None)[-1]
    kk = client.get(f"/index/methodologies/{v1.id}", cookies={"lang": "kk"}).text
    assert "Қазаға әкеп соққан жазатайым оқиғалар коэффициенті" in kk  # an indicator label from the YAML, in Kazakh
    assert "This is not the version in force" in client.get(f"/index/methodologies/{v1.id}",
                                                           cookies={"lang": "en"}).text
    yaml_text = client.get(f"/index/methodologies/{run.methodology_id}/yaml").text
    assert yaml_text == TEST_METHOD


def test_demo_publishes_past_periods_with_replies(session, client):
    from qorgau.core.db import utcnow
    from qorgau.index import service
    from qorgau.index.models import Reply

    this_year = utcnow().year
    periods = [p.period for p in service.publications(session=session)]
    assert periods == [this_year - 1, this_year - 2]
    assert service.publication(session=session, period=this_year) is None  # the current year is a draft run
    statuses = sorted(r.status for r in session.execute(select(Reply)).scalars())
    assert statuses == ["pending", "published", "rejected"]
    published = session.execute(select(Reply).where(Reply.status == "published")).scalar_one()
    page = client.get(f"/index/periods/{published.period}/enterprises/{published.enterprise.bin}")
    assert published.body in page.text and "/index/evidence/" in page.text
    assert client.get("/index/").status_code == 200


def test_deviations_and_monitoring_are_read_through_their_service_when_present(session, monkeypatch):
    """Rates given as such or as counts; nothing due means no value; an absent package leaves them missing."""
    from types import SimpleNamespace

    from qorgau.index import service, sources

    enterprises = service.enterprise_table(session)
    a, b, c = enterprises.index[:3]
    deviations = SimpleNamespace(counts_for_enterprises=lambda *, session, start, end: [
        {"enterprise_id": a, "due": 4, "closed_on_time": 3, "open_actions": 10, "overdue_actions": 2,
         "violations": 5, "repeat_violations": 1},
        {"enterprise_id": b, "due": 0, "closed_on_time": 0, "open_actions": 0, "overdue_actions": 0,
         "violations": 2, "repeat_violations": 0}])
    monitoring = SimpleNamespace(counts_for_enterprises=lambda *, session, start, end: [
        {"enterprise_id": c, "exceedance_rate": 12.5}])
    found = {"deviations": deviations, "monitoring": monitoring}
    monkeypatch.setattr(sources, "_service", lambda package: found.get(package))
    window = sources.Window(YEAR)
    dev = sources.deviations(session, enterprises, window)
    assert dev.status == "used"
    assert dev.values["violation_closure_rate"][a] == 75.0 and np.isnan(dev.values["violation_closure_rate"][b])
    assert dev.values["overdue_rate"][a] == 20.0 and np.isnan(dev.values["overdue_rate"][b])
    assert dev.values["repeat_violation_rate"][b] == 0.0 and np.isnan(dev.values["repeat_violation_rate"][c])
    mon = sources.monitoring(session, enterprises, window)
    assert mon.values["exposure_exceedance_rate"][c] == 12.5 and np.isnan(mon.values["exposure_exceedance_rate"][a])

    found.clear()
    assert sources.deviations(session, enterprises, window).status == "absent"
    assert sources.monitoring(session, enterprises, window).values == {}
